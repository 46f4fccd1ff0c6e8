package tui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/lifeboat-dr/lifeboat/engine"
	"github.com/lifeboat-dr/lifeboat/engine/config"
)

// catalogLevel is how deep the Catalog screen is: esc goes back one level.
type catalogLevel int

const (
	catMatrix    catalogLevel = iota // sets × sites
	catSnapshots                     // one set at one site
	catTree                          // the files of one snapshot
)

type catalogKeys struct {
	Move, Site, Open, Filter, Restore, Back key.Binding
	Into, Up, Select                        key.Binding
}

func newCatalogKeys(readOnly bool) catalogKeys {
	k := catalogKeys{
		Move:    key.NewBinding(key.WithKeys("up", "down"), key.WithHelp("↑/↓", "move")),
		Site:    key.NewBinding(key.WithKeys("left", "right", "h", "l"), key.WithHelp("←/→", "site")),
		Open:    key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open")),
		Filter:  key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		Restore: key.NewBinding(key.WithKeys("R"), key.WithHelp("R", "restore")),
		Back:    key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		Into:    key.NewBinding(key.WithKeys("enter", "l"), key.WithHelp("enter/l", "open dir")),
		Up:      key.NewBinding(key.WithKeys("backspace", "h"), key.WithHelp("bksp/h", "parent dir")),
		Select:  key.NewBinding(key.WithKeys(" "), key.WithHelp("space", "select")),
	}
	// Read-only: restore is off (help leaves it out); pressing R still says why.
	k.Restore.SetEnabled(!readOnly)
	return k
}

// catalogScreen is the Catalog tab: the sets × sites matrix graded against
// each set's RPO, the snapshots of a set at a site, the file tree of a
// snapshot, and the restore wizard over them.
type catalogScreen struct {
	ctx           *Context
	width, height int
	keys          catalogKeys

	status *engine.Status
	cat    engine.Catalog
	level  catalogLevel

	// Level 1: rows are sets, col is the site column under the cursor.
	matrix *List
	col    int

	// Level 2: the snapshots of set at site, newest first.
	snapList  *List
	set, site string
	snaps     []engine.Snapshot
	proven    map[string]engine.Proof // snapshots a drill or failover restored and verified

	// Level 3: the file tree of one snapshot.
	br     *treeBrowser
	reqSeq int // request id of tree listings; a late batch of an older one is dropped

	wiz *restoreWizard // the restore wizard, a modal over the view
}

func newCatalogScreen(ctx *Context) *catalogScreen {
	m := NewList(ctx, Column{Title: "SET", Width: 12}, Column{Title: "RPO", Width: 5})
	m.Empty = "no sets yet: waiting for the first status"
	sl := NewList(ctx,
		Column{Title: "TIME", Width: 16},
		Column{Title: "AGE", Width: 5},
		Column{Title: "SHORT ID", Width: 8},
		Column{Title: "HOST", Width: 10, Flex: true},
		Column{Title: "SIZE", Width: 10},
		Column{Title: "FILES", Width: 7},
		Column{Title: "TESTED", Width: 11},
		Column{Title: "ALSO AT", Width: 12, Flex: true},
	)
	return &catalogScreen{ctx: ctx, keys: newCatalogKeys(ctx.ReadOnly), matrix: m, snapList: sl}
}

func (s *catalogScreen) Title() string { return "Catalog" }

func (s *catalogScreen) Init() tea.Cmd { return nil }

func (s *catalogScreen) SetSize(w, h int) {
	s.width, s.height = w, h
	s.layout()
	if s.br != nil {
		s.br.setSize(w, h)
	}
	if s.wiz != nil {
		s.wiz.setSize(w, h)
	}
}

// layout sizes the lists: a title line and a context line above each;
// the matrix only as tall as its rows, with the cell detail below it.
func (s *catalogScreen) layout() {
	mh := min(s.matrix.Len()+1, s.height-2-catDetailLines)
	if s.matrix.Filtering() || s.matrix.FilterText() != "" {
		mh++
	}
	s.matrix.SetSize(s.width, max(mh, 2))
	s.snapList.SetSize(s.width, max(s.height-2, 2))
}

func (s *catalogScreen) Capturing() bool {
	if s.wiz != nil {
		return true
	}
	switch s.level {
	case catSnapshots:
		return s.snapList.Filtering()
	case catTree:
		return s.br != nil && s.br.list.Filtering()
	}
	return s.matrix.Filtering()
}

// Back goes back one level; a filter in place is cleared first.
func (s *catalogScreen) Back() bool {
	if s.wiz != nil {
		return s.wiz.back()
	}
	switch s.level {
	case catTree:
		if s.br.list.ClearFilter() {
			return true
		}
		s.br.cancel() // leaving while it lists stops the listing
		s.br = nil
		s.level = catSnapshots
		return true
	case catSnapshots:
		if s.snapList.ClearFilter() {
			return true
		}
		s.level = catMatrix
		return true
	}
	return s.matrix.ClearFilter()
}

func (s *catalogScreen) Keys() []key.Binding {
	k := s.keys
	if s.wiz != nil {
		return s.wiz.keys()
	}
	switch s.level {
	case catSnapshots:
		return []key.Binding{k.Move, k.Open, k.Restore, k.Filter, k.Back}
	case catTree:
		return []key.Binding{k.Move, k.Into, k.Up, k.Select, k.Restore, k.Filter, k.Back}
	}
	return []key.Binding{k.Move, k.Site, k.Open, k.Filter}
}

func (s *catalogScreen) Update(msg tea.Msg) (Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case DataMsg:
		if msg.Status != nil {
			s.status = msg.Status
		}
		if msg.Catalog != nil {
			s.cat = msg.Catalog
		}
		if msg.Proven != nil {
			s.proven = msg.Proven
		}
		s.matrixRows()
		if s.level == catSnapshots || s.level == catTree {
			s.snapshotRows()
		}
		return s, nil

	case treeBatchMsg:
		if s.br == nil {
			return s, nil
		}
		return s, s.br.batch(msg)

	case ActionMsg:
		if msg.Name == "restore" {
			return s, s.restoreAction(msg.Args)
		}
		return s, nil

	case ConfirmMsg, OpEventMsg, OpDoneMsg:
		if s.wiz == nil {
			return s, nil
		}
		cmd := s.wiz.update(msg)
		if s.wiz.closed {
			s.wiz = nil
		}
		return s, cmd

	case tea.KeyMsg:
		if s.wiz != nil {
			cmd := s.wiz.update(msg)
			if s.wiz.closed {
				s.wiz = nil
			}
			return s, cmd
		}
		switch s.level {
		case catSnapshots:
			return s, s.updateSnapshots(msg)
		case catTree:
			return s, s.updateTree(msg)
		}
		return s, s.updateMatrix(msg)
	}
	// Anything else (the wizard's cursor blink) goes to the wizard.
	if s.wiz != nil {
		return s, s.wiz.update(msg)
	}
	return s, nil
}

// ---- level 1: the matrix ----

// catDetailLines is what the matrix shows under the table: the detail of
// the cell under the cursor and the legend.
const catDetailLines = 6

// siteCols are the matrix columns: every site, in the status order.
func (s *catalogScreen) siteCols() []engine.SiteStatus {
	if s.status != nil && len(s.status.Sites) > 0 {
		return s.status.Sites
	}
	var out []engine.SiteStatus
	for _, name := range s.ctx.Backend.Config().SiteNames() {
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
	cols := []Column{{Title: "SET", Width: 12}, {Title: "RPO", Width: 5}}
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
			onCursor := cur.ID == ss.Name || (cur.ID == "" && i == 0)
			for j, st := range sites {
				mark := "  "
				if onCursor && j == s.col {
					mark = "▸ "
				}
				cells = append(cells, mark+s.cell(ss, st.Name))
			}
			rows = append(rows, Row{ID: ss.Name, Cells: cells, Filter: ss.Name})
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
	if !ok || x.AgeSeconds == nil {
		out = th.Level("none")
	} else {
		out = catGrade(th, x.Grade, x.RPOOK, engine.Age(time.Duration(*x.AgeSeconds)*time.Second))
		// Within the hour before a breach, say when it comes.
		if x.RPOOK && x.BreachInSeconds < 3600 {
			out += th.Warn.Render(" · breach in " + engine.Age(time.Duration(x.BreachInSeconds)*time.Second))
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
	n := len(s.siteCols())
	switch km.String() {
	case "left", "h":
		s.col = max(0, s.col-1)
	case "right", "l":
		s.col = min(n-1, s.col+1)
	case "enter":
		r, ok := s.matrix.Selected()
		cols := s.siteCols()
		if !ok || s.col >= len(cols) {
			return nil
		}
		s.openSnapshots(r.ID, cols[s.col].Name)
		return nil
	case "/":
		cmd := s.matrix.StartFilter()
		s.layout()
		return cmd
	case "esc":
		s.Back()
	case "R":
		return statusCmd("pick a set and a site, press enter, then R on a snapshot", false)
	default:
		s.matrix.Update(km)
	}
	s.matrixRows()
	return nil
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
			catShortID(x.NewestSnapshot), x.NewestTime.Local().Format("2006-01-02 15:04"), engine.Age(age), x.Snapshots))
		if x.RPOOK {
			lines = append(lines, th.OK.Render("✓ within RPO "+catRPO(rpo))+
				th.Muted.Render(" — breached in "+engine.Age(time.Duration(x.BreachInSeconds)*time.Second)+" without a new snapshot"))
		} else {
			lines = append(lines, th.Critical.Render("✗ not within RPO "+catRPO(rpo))+
				fmt.Sprintf(" — %s old: %s", engine.Age(age), catGradeMeaning(catOr(x.Grade, "breach"))))
		}
	}
	if rep, ok := s.status.ReplicationTo(site.Name, r.ID); ok {
		if rep.MissingSnapshots > 0 {
			lines = append(lines, th.Warn.Render(fmt.Sprintf("replication %s → %s: %d snapshot(s) missing, %s behind",
				rep.From, rep.To, rep.MissingSnapshots, engine.Age(time.Duration(rep.LagSeconds)*time.Second))))
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

func catShortID(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

// ---- level 2: snapshots ----

func (s *catalogScreen) configSet(name string) (*config.Set, bool) {
	return s.ctx.Backend.Config().Set(name)
}

func (s *catalogScreen) openSnapshots(set, site string) {
	s.set, s.site = set, site
	s.level = catSnapshots
	s.snapList.ClearFilter()
	s.snapList.SetRows(nil)
	s.snapshotRows()
}

func (s *catalogScreen) snapshotRows() {
	th := s.ctx.Theme
	s.snaps = nil
	if cs, ok := s.configSet(s.set); ok && s.cat != nil {
		s.snaps = s.cat.InSet(s.site, cs)
	}
	slices.SortFunc(s.snaps, func(a, b engine.Snapshot) int {
		if c := b.Time.Compare(a.Time); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	now := s.ctx.Now()
	rows := make([]Row, 0, len(s.snaps))
	for _, sn := range s.snaps {
		var also []string
		for _, o := range s.cat.SitesHolding(sn) {
			if o != s.site {
				also = append(also, o)
			}
		}
		alsoText := strings.Join(also, ", ")
		if alsoText == "" {
			alsoText = th.Warn.Render("only here")
		}
		rows = append(rows, Row{ID: sn.ID, Cells: []string{
			sn.Time.Local().Format("2006-01-02 15:04"), engine.Age(now.Sub(sn.Time)), sn.ShortID, sn.Host,
			engine.Bytes(uint64(max(sn.TotalBytes, 0))), itoa(int(sn.TotalFiles)), s.tested(sn.ID), alsoText,
		}})
	}
	s.snapList.Empty = fmt.Sprintf("no snapshot of %s at %s", s.set, s.site)
	s.snapList.SetRows(rows)
}

func (s *catalogScreen) selectedSnapshot() (engine.Snapshot, bool) {
	r, ok := s.snapList.Selected()
	if !ok {
		return engine.Snapshot{}, false
	}
	for _, sn := range s.snaps {
		if sn.ID == r.ID {
			return sn, true
		}
	}
	return engine.Snapshot{}, false
}

func (s *catalogScreen) updateSnapshots(km tea.KeyMsg) tea.Cmd {
	if s.snapList.Filtering() {
		_, cmd := s.snapList.Update(km)
		return cmd
	}
	switch km.String() {
	case "enter":
		sn, ok := s.selectedSnapshot()
		if !ok {
			return nil
		}
		return s.openTree(sn)
	case "R":
		if s.ctx.ReadOnly {
			return disabled(s.ctx, "restore")
		}
		sn, ok := s.selectedSnapshot()
		if !ok {
			return statusCmd("no snapshot to restore here", true)
		}
		return s.openWizard(sn, wholeSnapshot(sn))
	case "/":
		return s.snapList.StartFilter()
	case "esc":
		s.Back()
		return nil
	}
	_, cmd := s.snapList.Update(km)
	return cmd
}

// ---- level 3: the tree ----

func (s *catalogScreen) openTree(sn engine.Snapshot) tea.Cmd {
	if s.br != nil {
		s.br.cancel()
	}
	s.reqSeq++
	s.br = newTreeBrowser(s.ctx, s.site, s.set, sn, s.reqSeq)
	s.br.setSize(s.width, s.height)
	s.level = catTree
	return s.br.start()
}

func (s *catalogScreen) updateTree(km tea.KeyMsg) tea.Cmd {
	if km.String() == "esc" && !s.br.list.Filtering() {
		s.Back()
		return nil
	}
	if km.String() == "R" && !s.br.list.Filtering() {
		if s.ctx.ReadOnly {
			return disabled(s.ctx, "restore")
		}
		sc, ok := s.br.scope()
		if !ok {
			return statusCmd("nothing to restore: select entries with space, or move onto one", true)
		}
		return s.openWizard(s.br.snap, sc)
	}
	return s.br.update(km)
}

// ---- the restore action and wizard ----

func (s *catalogScreen) openWizard(sn engine.Snapshot, sc restoreScope) tea.Cmd {
	s.wiz = newRestoreWizard(s.ctx, s.site, s.set, sn, sc)
	s.wiz.setSize(s.width, s.height)
	return s.wiz.init()
}

// restoreAction answers `:restore [SET] [SITE] [SNAPSHOT]` from the
// palette: with a set it opens the wizard on that snapshot (default: the
// newest at the active site); without, it shows the matrix and says how.
func (s *catalogScreen) restoreAction(args []string) tea.Cmd {
	if s.ctx.ReadOnly {
		return disabled(s.ctx, "restore")
	}
	if s.wiz != nil {
		return nil // one restore wizard at a time; it is on screen now
	}
	cfg := s.ctx.Backend.Config()
	var set, site, id string
	for _, a := range args {
		switch {
		case slices.Contains(cfg.SetNames(), a) && set == "":
			set = a
		case slices.Contains(cfg.SiteNames(), a) && site == "":
			site = a
		default:
			id = a
		}
	}
	if set == "" {
		if s.level == catMatrix {
			return statusCmd("restore: pick a set and a site, enter, then R on a snapshot (or :restore SET [SITE] [SNAPSHOT])", false)
		}
		return statusCmd("restore: R on a snapshot or on selected files", false)
	}
	if site == "" && s.status != nil {
		site = s.status.ActiveSite
	}
	if site == "" {
		site = cfg.SiteNames()[0]
	}
	if s.br != nil {
		s.br.cancel()
		s.br = nil
	}
	s.openSnapshots(set, site)
	for _, sn := range s.snaps { // newest first
		if id == "" || id == "latest" || strings.HasPrefix(sn.ID, id) {
			s.snapList.Select(sn.ID)
			return s.openWizard(sn, wholeSnapshot(sn))
		}
	}
	if id != "" {
		return statusCmd(fmt.Sprintf("restore: no snapshot %q of set %s at site %s", id, set, site), true)
	}
	return statusCmd(fmt.Sprintf("restore: no snapshot of set %s at site %s", set, site), true)
}

// ---- view ----

func (s *catalogScreen) View() string {
	if s.width == 0 {
		return ""
	}
	var out string
	switch {
	case s.wiz != nil:
		box := s.wiz.view()
		out = s.crumb() + "\n" + lipgloss.Place(s.width, max(1, s.height-1), lipgloss.Center, lipgloss.Center, box)
	case s.level == catTree:
		out = s.crumb() + "\n" + s.br.view()
	case s.level == catSnapshots:
		out = s.crumb() + "\n" + s.snapshotsInfo() + "\n" + s.snapList.View()
	default:
		out = s.matrixView()
	}
	return catClamp(out, s.width, s.height)
}

// crumb is the title line: where in the catalog the operator is.
func (s *catalogScreen) crumb() string {
	th := s.ctx.Theme
	parts := []string{th.Title.Render("Catalog")}
	if s.level >= catSnapshots {
		parts = append(parts, th.Accent.Render(s.set+" @ "+s.site))
	}
	if s.level == catTree && s.br != nil {
		parts = append(parts, s.br.snap.ShortID+" "+th.Muted.Render(s.br.snap.Time.Local().Format("2006-01-02 15:04")))
	}
	return fit(strings.Join(parts, " › "), s.width)
}

func (s *catalogScreen) matrixView() string {
	th := s.ctx.Theme
	var b strings.Builder
	b.WriteString(fit(th.Title.Render("Catalog")+th.Muted.Render("  — newest snapshot of every set at every site, graded against the set's RPO"), s.width))
	b.WriteString("\n")
	if s.status == nil {
		b.WriteString(th.Muted.Render("waiting for the first status…"))
		return b.String()
	}
	b.WriteString(fit(th.Muted.Render("↑/↓ set · ←/→ site · enter: its snapshots"), s.width) + "\n")
	b.WriteString(s.matrix.View())
	b.WriteString("\n")
	for _, l := range s.matrixDetail() {
		b.WriteString("\n" + fit(l, s.width))
	}
	b.WriteString("\n" + fit(th.Muted.Render("✓ within RPO  ! up to 2× RPO  ✗ beyond, or none  · N missing: not replicated yet"), s.width))
	return b.String()
}

// tested says when and how a snapshot was last proven restorable: "✓ drill 3d".
func (s *catalogScreen) tested(id string) string {
	p, ok := s.proven[id]
	if !ok {
		return s.ctx.Theme.Muted.Render("—")
	}
	return s.ctx.Theme.OK.Render("✓ " + p.Kind + " " + engine.Age(s.ctx.Now().Sub(p.At)))
}

func (s *catalogScreen) snapshotsInfo() string {
	th := s.ctx.Theme
	x, rpo, _ := s.setStatus(s.set, s.site)
	info := fmt.Sprintf("%d snapshot(s) · RPO %s", len(s.snaps), catRPO(rpo))
	if x.NewestTime != nil {
		info += " · newest " + catGrade(th, x.Grade, x.RPOOK, engine.Age(s.ctx.Now().Sub(*x.NewestTime))+" old")
	}
	if rep, ok := s.status.ReplicationTo(s.site, s.set); ok && rep.MissingSnapshots > 0 {
		info += th.Warn.Render(fmt.Sprintf(" · %d missing from %s", rep.MissingSnapshots, rep.From))
	}
	hint := "enter: files · R: restore"
	if s.ctx.ReadOnly {
		hint = "enter: files · restore disabled (read-only)"
	}
	return fit(info+th.Muted.Render("   "+hint), s.width)
}

// catClamp cuts a view to at most h lines of at most w cells, so that a
// screen never draws past its area.
func catClamp(s string, w, h int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:max(h, 0)]
	}
	for i, l := range lines {
		if lipgloss.Width(l) > w {
			lines[i] = fit(l, w)
		}
	}
	return strings.Join(lines, "\n")
}
