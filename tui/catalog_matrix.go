package tui

import (
	"fmt"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/lifeboat-dr/lifeboat/engine"
)

// The catalog's first level: sets × sites graded against each set's RPO,
// and the detail of the cell under the cursor.

// catDetailLines is what the matrix shows under the table: the detail of
// the cell under the cursor and the legend.
const catDetailLines = 6

// siteCols are the matrix columns: every site, in the status order.
func (s *catalogScreen) siteCols() []engine.SiteStatus {
	if s.status != nil && len(s.status.Sites) > 0 {
		return s.status.Sites
	}
	var out []engine.SiteStatus
	for _, name := range s.ctx.Backend.ConfigView().SiteNames() {
		out = append(out, engine.SiteStatus{Name: name})
	}
	return out
}

func (s *catalogScreen) matrixRows() {
	sites := s.siteCols()
	if len(sites) == 0 {
		return
	}
	s.col = max(0, min(s.col, len(sites)-1))
	cols := []Column{col("SET", 12), col("RPO", 5)}
	for i, st := range sites {
		title := st.Name
		if st.Role != "" {
			title += " (" + st.Role + ")"
		}
		if i == s.col {
			title = "▸ " + title
		} else {
			title = "  " + title
		}
		cols = append(cols, Column{Title: title, Width: 22, Flex: true})
	}
	if len(s.matrix.cols) != len(cols) {
		s.matrix.cols = cols
	} else {
		copy(s.matrix.cols, cols) // same shape: keep the list, retitle the columns
	}
	var rows []Row
	cur, _ := s.matrix.Selected()
	if s.status != nil {
		for i, ss := range s.status.Sets {
			cells := []string{ss.Name, catRPO(ss.RPOObjective.Seconds())}
			keys := []string{ss.Name, secsKey(ss.RPOObjective.Seconds())}
			onCursor := cur.ID == ss.Name || (cur.ID == "" && i == 0)
			for j, st := range sites {
				// A site's column sorts by the age of its newest copy; none
				// (or unknown) sorts as the oldest.
				age := "1e18"
				if x, ok := ss.At(st.Name); ok && x.Age != nil && !x.Stale {
					age = secsKey(x.Age.Seconds())
				}
				keys = append(keys, age)
				mark := "  "
				if onCursor && j == s.col {
					mark = "▸ "
				}
				cells = append(cells, mark+s.cell(ss, st.Name))
			}
			rows = append(rows, Row{ID: ss.Name, Cells: cells, Filter: ss.Name, Sort: keys})
		}
	}
	s.matrix.SetRows(rows)
	s.layout()
}

func catRPO(secs float64) string {
	if secs <= 0 {
		return "-"
	}
	return engine.Age(time.Duration(secs) * time.Second)
}

// catGrade renders an RPO grade with the age, the way Theme.Level does a
// word: symbol and colour by verdict ("✓ 2h", "✗ 1d severe").
func catGrade(th Theme, grade string, rpoOK bool, age string) string {
	if grade == "" {
		grade = "compliant"
		if !rpoOK {
			grade = "breach"
		}
	}
	switch grade {
	case "compliant":
		return th.OK.Render("✓ " + age)
	case "exceeded":
		return th.Warn.Render("! " + age + " exceeded")
	}
	return th.Critical.Render("✗ " + age + " " + grade)
}

// cell is one set at one site: the newest snapshot's age graded against
// the RPO, and for a standby how many snapshots replication still owes it.
func (s *catalogScreen) cell(ss engine.SetStatus, site string) string {
	th := s.ctx.Theme
	x, ok := ss.At(site)
	var out string
	if ok && x.Stale {
		// A site that cannot be listed is never shown compliant: what the
		// cache holds says nothing about the copy there now.
		seen := "never listed"
		if x.LastSeen != nil {
			seen = "last seen " + engine.Ago(s.ctx.Now(), *x.LastSeen)
		}
		return th.Warn.Render("? unknown") + th.Muted.Render(" (site down, "+seen+")")
	}
	if !ok || x.Age == nil {
		out = th.Level("none")
	} else {
		out = catGrade(th, x.Grade, x.RPOOK, engine.Age(*x.Age))
		// Within the hour before a breach, say when it comes.
		if x.RPOOK && x.BreachIn < time.Hour {
			out += th.Warn.Render(" · breach in " + engine.Age(x.BreachIn))
		}
	}
	if r, ok := s.status.ReplicationTo(site, ss.Name); ok && r.MissingSnapshots > 0 {
		out += th.Warn.Render(fmt.Sprintf(" · %d missing", r.MissingSnapshots))
	}
	return out
}

func (s *catalogScreen) updateMatrix(km tea.KeyMsg) tea.Cmd {
	if s.matrix.Filtering() {
		_, cmd := s.matrix.Update(km)
		s.matrixRows()
		return cmd
	}
	if cmd, ok := s.matrixKeys.Dispatch(km); ok {
		return cmd
	}
	s.matrix.Update(km)
	s.matrixRows()
	return nil
}

// moveSite moves the cursor to the site column left or right.
func (s *catalogScreen) moveSite(km tea.KeyMsg) tea.Cmd {
	switch km.String() {
	case "left", "h":
		s.col = max(0, s.col-1)
	default:
		s.col = min(len(s.siteCols())-1, s.col+1)
	}
	s.matrixRows()
	return nil
}

// openCell opens the snapshots of the set and site under the cursor.
func (s *catalogScreen) openCell() {
	r, ok := s.matrix.Selected()
	cols := s.siteCols()
	if !ok || s.col >= len(cols) {
		return
	}
	s.openSnapshots(r.ID, cols[s.col].Name)
}

func (s *catalogScreen) setStatus(set, site string) (engine.SetSiteStatus, float64, bool) {
	if s.status == nil {
		return engine.SetSiteStatus{}, 0, false
	}
	for _, ss := range s.status.Sets {
		if ss.Name == set {
			x, ok := ss.At(site)
			return x, ss.RPOObjective.Seconds(), ok
		}
	}
	return engine.SetSiteStatus{}, 0, false
}

func (s *catalogScreen) matrixDetail() []string {
	th := s.ctx.Theme
	r, ok := s.matrix.Selected()
	cols := s.siteCols()
	if !ok || s.col >= len(cols) {
		return nil
	}
	site := cols[s.col]
	x, rpo, _ := s.setStatus(r.ID, site.Name)
	head := th.Title.Render(r.ID + " at " + site.Name)
	if site.Role != "" {
		head += th.Muted.Render(" (" + site.Role + ")")
	}
	lines := []string{head}
	if x.NewestTime == nil {
		lines = append(lines, th.Critical.Render("no snapshot of "+r.ID+" here")+th.Muted.Render(" — back it up, or replicate it to "+site.Name))
	} else {
		age := s.ctx.Now().Sub(*x.NewestTime)
		lines = append(lines, fmt.Sprintf("newest %s taken %s (%s ago) · %d snapshot(s)",
			shortID(x.NewestSnapshot), x.NewestTime.Local().Format("2006-01-02 15:04"), engine.Age(age), x.Snapshots))
		if x.RPOOK {
			lines = append(lines, th.OK.Render("✓ within RPO "+catRPO(rpo))+
				th.Muted.Render(" — breached in "+engine.Age(x.BreachIn)+" without a new snapshot"))
		} else {
			lines = append(lines, th.Critical.Render("✗ not within RPO "+catRPO(rpo))+
				fmt.Sprintf(" — %s old: %s", engine.Age(age), catGradeMeaning(catOr(x.Grade, "breach"))))
		}
	}
	if rep, ok := s.status.ReplicationTo(site.Name, r.ID); ok {
		if rep.MissingSnapshots > 0 {
			lines = append(lines, th.Warn.Render(fmt.Sprintf("replication %s → %s: %d snapshot(s) missing, %s behind",
				rep.From, rep.To, rep.MissingSnapshots, engine.Age(rep.Lag))))
		} else {
			lines = append(lines, th.Muted.Render("replication "+rep.From+" → "+rep.To+": in sync"))
		}
	}
	return lines
}

// catGradeMeaning says what a grade past the RPO means.
func catGradeMeaning(grade string) string {
	switch grade {
	case "exceeded":
		return "exceeded (up to 2× the RPO)"
	case "severe":
		return "severe (up to 4× the RPO)"
	case "critical":
		return "critical (beyond 4× the RPO)"
	}
	return grade
}

func catOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
