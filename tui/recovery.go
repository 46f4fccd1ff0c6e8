package tui

import (
	"context"
	"fmt"
	"github.com/lifeboat-dr/lifeboat/internal/dr"
	"sort"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/lifeboat-dr/lifeboat/engine"
)

// recoveryBreachSoon is how close to its RPO a set must be for the screen to warn.
const recoveryBreachSoon = 6 * time.Hour

// recoveryDrillsNote is shown for a standby that was never drilled.
const recoveryDrillsNote = "never — d on a standby rehearses one"

// recoveryScreen is readiness: could each standby take over now? A verdict
// per standby, then every set at every standby against its RPO.
type recoveryScreen struct {
	ctx  *Context
	list *List
	keys Bindings

	liveStatus

	drills    []engine.DrillReport    // newest first, from the store
	failovers []engine.FailoverReport // newest first, from the store
	drillSeq  int
	confirm   *Confirm // the drill confirmation while open
	drillAt   string

	// wiz is the failover wizard (or the resume prompt), a modal over the screen.
	wiz *failoverWizard
	// unfinished is the interrupted or failed failover, nil when none.
	unfinished *engine.FailoverStatus
	// prompted: the resume prompt was shown once at start-up.
	prompted bool
	planSeq  int

	// posture is each set's 3-2-1-1-0, graded after each fresh status.
	posture    []engine.PostureSet
	postureSeq int
	// trend is each standby's drills that ran, oldest first: RTO over time.
	trend map[string][]engine.DrillReport

	// detail is a stored report opened whole (enter, or : report).
	detail    *detailView
	reportSeq int

	width  int
	height int
}

// recoveryHistory is how many drills and failovers the history shows.
const recoveryHistory = 5

// recoveryPostureSets is how many sets that miss 3-2-1-1-0 are shown in full.
const recoveryPostureSets = 3

// recoveryTrend is how many recent drills the RTO trend is drawn from.
const recoveryTrend = 40

// recoveryPostureMsg answers a posture request; seq drops late answers.
type recoveryPostureMsg struct {
	seq int
	ps  []engine.PostureSet
	err error
}

// loadPosture grades the sets off the UI goroutine from the catalog the
// status refresh just updated. It never writes a canary: the probe belongs
// to lifeboat posture and watch, on their schedule.
func (s *recoveryScreen) loadPosture(st *engine.Status) tea.Cmd {
	seq, b := nextSeq(&s.postureSeq), s.ctx.Backend
	return func() tea.Msg {
		ps, err := b.PostureFromStatus(context.Background(), st, engine.PostureOptions{NoWrite: true})
		return recoveryPostureMsg{seq: seq, ps: ps, err: err}
	}
}

// recoveryDrillsMsg answers a drill and failover history request; seq
// drops late answers.
type recoveryDrillsMsg struct {
	seq       int
	drills    []engine.DrillReport
	failovers []engine.FailoverReport
}

// loadDrills reads the recent drill and failover reports off the UI goroutine.
func (s *recoveryScreen) loadDrills() tea.Cmd {
	seq, b := nextSeq(&s.drillSeq), s.ctx.Backend
	return func() tea.Msg {
		ctx := context.Background()
		msg := recoveryDrillsMsg{seq: seq}
		if reps, err := b.RecentDrills(ctx, recoveryTrend); err == nil {
			msg.drills = reps
		}
		if reps, err := b.RecentFailovers(ctx, recoveryHistory); err == nil {
			msg.failovers = reps
		}
		return msg
	}
}

// askFailover opens the failover wizard for the standby under the cursor,
// or the resume prompt when a failover is unfinished (a new one would be
// refused until it ends).
func (s *recoveryScreen) askFailover() tea.Cmd {
	if cmd := refused(s.ctx, "failover"); cmd != nil {
		return cmd
	}
	if s.wiz != nil {
		// The failover runs in the background (b): f brings it back.
		s.wiz.hidden = false
		return s.wiz.spin.Tick
	}
	if u := s.unfinished; u != nil {
		if u.HolderAlive {
			return statusCmd(fmt.Sprintf("failover %s → %s is running in another process (pid %d on %s): wait for it to end",
				u.Run.From, u.Run.To, u.Holder.PID, u.Holder.Host), true)
		}
		s.openWizard(newResumePrompt(s.ctx, u))
		return nil
	}
	if runningFailover(s.ctx.Ops) != "" {
		return statusCmd("a failover is already running", true)
	}
	row, ok := s.list.Selected()
	if !ok || s.status == nil {
		return statusCmd("no standby to fail over to", true)
	}
	site, _, _ := strings.Cut(row.ID, "/")
	fromUp := true
	for _, ss := range s.status.Sites {
		if ss.Name == s.status.ActiveSite && !ss.Probed.IsZero() {
			fromUp = ss.Reachable
		}
	}
	s.openWizard(newFailoverWizard(s.ctx, s.status.ActiveSite, site, fromUp, func() int { return nextSeq(&s.planSeq) }))
	return nil
}

// wizShown says the wizard is open on screen (not running in the background).
func (s *recoveryScreen) wizShown() bool { return s.wiz != nil && !s.wiz.hidden }

func (s *recoveryScreen) openWizard(w *failoverWizard) {
	w.SetSize(s.width, s.height)
	s.wiz = w
}

// wizUpdate feeds the wizard and drops it once closed.
func (s *recoveryScreen) wizUpdate(msg tea.Msg) tea.Cmd {
	cmd := s.wiz.update(msg)
	if s.wiz.closed {
		s.wiz = nil
	}
	return cmd
}

// askDrill confirms a drill at the standby under the cursor. A drill
// restores into scratch space and checks the standby: read-only refuses it.
func (s *recoveryScreen) askDrill() tea.Cmd {
	if cmd := refused(s.ctx, "drill"); cmd != nil {
		return cmd
	}
	row, ok := s.list.Selected()
	if !ok {
		return statusCmd("no standby to drill", true)
	}
	site, _, _ := strings.Cut(row.ID, "/")
	scratch := s.ctx.Backend.ConfigView().DrillScratch
	s.drillAt = site
	s.confirm = NewConfirm("drill", "Rehearse a failover to "+site+"?",
		"Restores every set's newest snapshot at "+site+" into "+scratch+", verifies it against the snapshot, runs the verify hooks "+
			"and a rotating check subset, then cleans up and stores the report. Production is not touched.", "Drill")
	return nil
}

func newRecoveryScreen(ctx *Context) *recoveryScreen {
	l := NewList(ctx,
		flexCol("STANDBY", 8), flexCol("SET", 10), col("NEWEST", 8), col("RPO", 5), col("GRADE", 11),
		col("BREACH", 12), col("MISSING", 12),
	)
	l.Empty = "no standby site: there is nowhere to fail over to"
	s := &recoveryScreen{ctx: ctx, list: l}
	failover := bind("f", "failover", do(s.askFailover), "f")
	drill := bind("d", "drill", do(s.askDrill), "d")
	// Read-only: drill and failover are off (help leaves them out); pressing
	// d or f still says why.
	drill.Key.SetEnabled(!ctx.ReadOnly)
	failover.Key.SetEnabled(!ctx.ReadOnly)
	s.keys = Bindings{
		filterBinding(s.list),
		bind("↑/↓", "move", nil, "up", "down"),
		bind("enter", "report", do(s.openSelectedReport), "enter"),
		drill,
		failover,
	}
	return s
}

func (s *recoveryScreen) Title() string { return "Recovery" }

func (s *recoveryScreen) Init() tea.Cmd {
	return tea.Batch(s.loadDrills(), loadUnfinished(s.ctx.Backend, true))
}

func (s *recoveryScreen) SetSize(w, h int) {
	s.width, s.height = w, h
	if s.wiz != nil {
		s.wiz.SetSize(w, h)
	}
	if s.detail != nil {
		s.detail.SetSize(w, h)
	}
	s.layout()
}

// layout gives the list what the header block and the drill history leave.
func (s *recoveryScreen) layout() {
	s.list.SetSize(s.width, max(2, s.height-len(s.headerLines())-len(s.postureLines())-len(s.historyLines())-1))
}

// postureLines are each set's 3-2-1-1-0 verdict and each standby's RTO
// trend, compact: what is missing, in a word per rule.
func (s *recoveryScreen) postureLines() []string {
	th := s.ctx.Theme
	var lines []string
	if len(s.posture) > 0 {
		lines = append(lines, th.Title.Render("3-2-1-1-0")+th.Muted.Render("  3 copies · 2 media · 1 off-site · 1 immutable · 0 errors"))
		var met []string
		shown, unmet := 0, 0
		for _, p := range s.posture {
			if p.Met {
				met = append(met, p.Set)
				continue
			}
			// Room for the table: a few sets in full, the rest counted.
			if unmet++; shown == recoveryPostureSets {
				continue
			}
			shown++
			var words []string
			for _, m := range p.Missing {
				w, _, _ := strings.Cut(m, ":")
				switch w {
				case "copies":
					w = fmt.Sprintf("copies %d/3", p.Copies)
				case "media":
					w = fmt.Sprintf("media %d/2", p.Media)
				case "errors":
					w = fmt.Sprintf("errors %d", p.Errors)
				}
				words = append(words, w)
			}
			lines = append(lines, th.Warn.Render("✗ "+p.Set)+" missing "+strings.Join(words, ", "))
		}
		if unmet > shown {
			lines = append(lines, th.Warn.Render(fmt.Sprintf("✗ %d more set(s) miss something", unmet-shown))+th.Muted.Render(" — lifeboat posture lists them"))
		}
		if len(met) > 0 {
			lines = append(lines, th.OK.Render("✓ "+strings.Join(met, ", "))+" met")
		}
	}
	var sites []string
	for site := range s.trend {
		sites = append(sites, site)
	}
	sort.Strings(sites)
	for _, site := range sites {
		ds := s.trend[site]
		last := ds[len(ds)-1]
		lines = append(lines, fmt.Sprintf("RTO trend %-8s %s  last %s / %s objective · %d drill(s)", site,
			rtoSparkline(th, ds, sparkSamples), engine.Age(last.RTO.Truncate(time.Second)),
			engine.Age(last.RTOObjective.Truncate(time.Second)), len(ds)))
	}
	return lines
}

// rtoSparkline draws drills' RTO achieved, oldest on the left, scaled from
// zero to the objective (or the slowest drill when that is higher); a drill
// over its objective draws in the critical colour, a failed one as ✗.
func rtoSparkline(th Theme, ds []engine.DrillReport, n int) string {
	if len(ds) > n {
		ds = ds[len(ds)-n:]
	}
	levels := []rune("▁▂▃▄▅▆▇█")
	var top float64
	for _, d := range ds {
		top = max(top, d.RTO.Seconds(), d.RTOObjective.Seconds())
	}
	var b strings.Builder
	for _, d := range ds {
		if !d.Passed {
			b.WriteString(th.Critical.Render("✗"))
			continue
		}
		i := 0
		if top > 0 {
			i = min(len(levels)-1, int(d.RTO.Seconds()/top*float64(len(levels)-1)+0.5))
		}
		bar := string(levels[i])
		if !d.RTOMet() {
			bar = th.Critical.Render(bar)
		}
		b.WriteString(bar)
	}
	return b.String()
}

// historyLines are the unfinished failover, if any, and the recent drills
// and failovers, newest first, achieved against objective.
func (s *recoveryScreen) historyLines() []string {
	th := s.ctx.Theme
	var lines []string
	if u := s.unfinished; u != nil {
		how := "interrupted"
		if u.Run.State == dr.FailoverFailed {
			how = "failed"
		}
		line := th.Critical.Render(fmt.Sprintf("✗ failover %s → %s %s at step %q", u.Run.From, u.Run.To, how, u.NextStep()))
		switch {
		case u.HolderAlive:
			line = th.Warn.Render(fmt.Sprintf("! failover %s → %s running in pid %d on %s", u.Run.From, u.Run.To, u.Holder.PID, u.Holder.Host))
		case s.ctx.ReadOnly:
			line += th.Muted.Render(" — resume or abort it with lifeboat failover --resume / --abort")
		default:
			line += th.Muted.Render(" — f resumes or aborts it")
		}
		lines = append(lines, line)
	}
	if len(s.drills) == 0 && len(s.failovers) == 0 {
		return lines
	}
	type entry struct {
		at   time.Time
		line string
	}
	var es []entry
	for _, d := range s.drills {
		verdict := th.Level("passed")
		if !d.Passed {
			verdict = th.Level("failed")
		}
		rto := secsAge(d.RTO.Seconds())
		if d.CouldNotRun() {
			verdict, rto = th.Warn.Render("could not run"), "—"
		}
		line := fmt.Sprintf("%s  drill    %-8s %s  RTO %s / %s  %d set(s)", d.Started.Local().Format("2006-01-02 15:04"), d.Site, verdict,
			rto, engine.Age(d.RTOObjective.Truncate(time.Second)), len(d.Sets))
		if n := len(d.Findings); n > 0 {
			line += th.Warn.Render(fmt.Sprintf("  %d finding(s)", n))
		}
		es = append(es, entry{d.Started, line})
	}
	for _, f := range s.failovers {
		line := fmt.Sprintf("%s  failover %s → %s %s %s", f.Declared.Local().Format("2006-01-02 15:04"), f.From, f.To, f.Mode, th.Level(string(f.Outcome)))
		if f.Switched != nil {
			line += "  RTO " + achieved(th, f.RTO.Seconds(), f.RTOObjective.Seconds())
		}
		// The set that lost the most, against its objective.
		worst := -1
		for i, set := range f.Sets {
			if worst < 0 || set.DataLoss > f.Sets[worst].DataLoss {
				worst = i
			}
		}
		if worst >= 0 {
			set := f.Sets[worst]
			line += fmt.Sprintf("  RPO %s ", set.Name) + achieved(th, set.DataLoss.Seconds(), set.RPOObjective.Seconds())
		}
		if n := len(f.Findings); n > 0 {
			line += th.Warn.Render(fmt.Sprintf("  %d finding(s)", n))
		}
		es = append(es, entry{f.Declared, line})
	}
	sort.SliceStable(es, func(i, j int) bool { return es[i].at.After(es[j].at) })
	if len(es) > recoveryHistory {
		es = es[:recoveryHistory]
	}
	lines = append(lines, th.Title.Render("Recent drills and failovers")+th.Muted.Render("  (achieved / objective; enter on a standby opens its newest report)"))
	for _, e := range es {
		lines = append(lines, e.line)
	}
	return lines
}

func (s *recoveryScreen) Capturing() bool {
	return s.list.Filtering() || s.confirm != nil || s.wizShown() || s.detail != nil
}

func (s *recoveryScreen) Back() bool {
	if s.wizShown() {
		s.wizUpdate(tea.KeyMsg{Type: tea.KeyEsc})
		return true
	}
	if s.detail != nil {
		s.detail = nil
		return true
	}
	return s.list.ClearFilter()
}

func (s *recoveryScreen) Keys() []key.Binding {
	if s.wizShown() {
		return s.wiz.Keys()
	}
	if s.detail != nil {
		return s.detail.Keys()
	}
	if s.confirm != nil {
		return s.confirm.Keys() // the open question has every key
	}
	return s.keys.Help()
}

func (s *recoveryScreen) Update(msg tea.Msg) (Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case DataMsg:
		if !s.take(msg) {
			return s, nil
		}
		s.rows()
		s.layout()
		if msg.Fresh {
			return s, s.loadPosture(msg.Status)
		}
	case recoveryPostureMsg:
		if msg.seq == s.postureSeq && msg.err == nil {
			s.posture = msg.ps
			s.layout()
		}
	case recoveryDrillsMsg:
		if msg.seq == s.drillSeq {
			s.drills, s.failovers = msg.drills, msg.failovers
			s.trend = map[string][]engine.DrillReport{}
			for i := len(msg.drills) - 1; i >= 0; i-- { // newest first in, oldest first out
				if d := msg.drills[i]; !d.CouldNotRun() {
					s.trend[d.Site] = append(s.trend[d.Site], d)
				}
			}
			s.layout()
		}
	case failoverUnfinishedMsg:
		if msg.err != nil {
			return s, nil
		}
		s.unfinished = msg.st
		if runningFailover(s.ctx.Ops) != "" {
			// Ours, still running: the engine cannot tell it from an
			// interrupted one in this same process.
			s.unfinished = nil
		}
		s.layout()
		if msg.startup && msg.st != nil && !msg.st.HolderAlive && !s.ctx.ReadOnly && !s.prompted && s.wiz == nil {
			s.prompted = true
			s.openWizard(newResumePrompt(s.ctx, msg.st))
		}
	case failoverPlanMsg, spinner.TickMsg, OpEventMsg:
		if s.wiz != nil {
			return s, s.wizUpdate(msg)
		}
	case OpDoneMsg:
		var cmd tea.Cmd
		if s.wiz != nil {
			cmd = s.wizUpdate(msg)
		}
		return s, tea.Batch(cmd, s.loadDrills(), loadUnfinished(s.ctx.Backend, false))
	case ConfirmMsg:
		if s.wiz != nil && strings.HasPrefix(msg.ID, "failover") {
			return s, s.wizUpdate(msg)
		}
		if msg.ID == "drill" && s.confirm != nil {
			s.confirm = nil
			if msg.Yes {
				site, b := s.drillAt, s.ctx.Backend
				s.ctx.Ops.Start("drill", site, func(ctx context.Context, obs engine.Observer) (any, error) {
					return b.Drill(ctx, engine.DrillRequest{Site: site}, obs)
				})
				return s, statusCmd("drill at "+site+" started; progress on the Operations screen (3)", false)
			}
		}
	case recoveryReportMsg:
		return s, s.onReport(msg)
	case ActionMsg:
		return s, s.paletteAction(msg)
	case tea.KeyMsg:
		if s.wizShown() {
			return s, s.wizUpdate(msg)
		}
		if s.detail != nil {
			return s, s.detailKey(msg)
		}
		if s.confirm != nil {
			return s, s.confirm.Update(msg)
		}
		return s, listKey(s.list, s.keys, msg)
	}
	return s, nil
}

// standbys are every site but the active one, in status order.
func (s *recoveryScreen) standbys() []engine.SiteStatus {
	var out []engine.SiteStatus
	for _, ss := range s.status.Sites {
		if ss.Name != s.status.ActiveSite {
			out = append(out, ss)
		}
	}
	return out
}

func recoveryRPOText(set engine.SetStatus) string {
	return engine.DurationText(set.RPOObjective.Truncate(time.Second))
}

// notReady lists why a standby could not take over now; none means ready.
func (s *recoveryScreen) notReady(ss engine.SiteStatus) []string {
	var why []string
	if !ss.Reachable {
		reason := "site is unreachable"
		if ss.Error != "" {
			reason += ": " + ss.Error
		}
		why = append(why, reason)
	}
	for _, set := range s.status.Sets {
		x, ok := set.At(ss.Name)
		switch {
		case ok && x.Stale:
			// Unknown while the site is down: its unreachability is the reason.
		case !ok || x.NewestTime == nil || x.Age == nil:
			why = append(why, set.Name+" has no copy there")
		case !x.RPOOK:
			why = append(why, fmt.Sprintf("%s is %s old (RPO %s)", set.Name, engine.Age(*x.Age), recoveryRPOText(set)))
		}
	}
	if c := ss.LastCheck; c != nil && !c.OK {
		why = append(why, "last check failed "+ago(s.ctx.Now(), c.Time))
	}
	return why
}

// headerLines is the title and, per standby, its verdict and its health.
func (s *recoveryScreen) headerLines() []string {
	th := s.ctx.Theme
	title := th.Title.Render("Recovery")
	const about = "could a standby take over now?"
	if s.status == nil {
		return []string{fit(title+th.Muted.Render("  — "+about), s.width)}
	}
	title += s.cachedMark(th) + th.Muted.Render("  · active site "+s.status.ActiveSite+" — "+about)
	lines := []string{fit(title, s.width)}
	standbys := s.standbys()
	if len(standbys) == 0 {
		return append(lines, fit(th.Critical.Render("✗ NOT READY")+" — no standby site: there is nowhere to fail over to", s.width))
	}
	// Keep at least half the screen for the table: with many standbys, only
	// the verdicts, and a line that says how many more there are.
	room := max(1, (s.height-1)/2)
	detailed := 2*len(standbys) <= room
	var body []string
	for _, ss := range standbys {
		if why := s.notReady(ss); len(why) > 0 {
			body = append(body, th.Critical.Render("✗ "+ss.Name+": NOT READY")+" — "+strings.Join(why, "; "))
		} else {
			body = append(body, th.OK.Render("✓ "+ss.Name+": READY")+" — every set within RPO")
		}
		if detailed {
			body = append(body, "   "+s.health(ss))
		}
	}
	if len(body) > room {
		more := len(body) - room + 1
		body = append(body[:room-1], th.Muted.Render(fmt.Sprintf("… %d more standby site(s): see the table", more)))
	}
	for _, l := range body {
		lines = append(lines, fit(l, s.width))
	}
	return lines
}

// health is a standby's reachability, last check and last drill.
func (s *recoveryScreen) health(ss engine.SiteStatus) string {
	th := s.ctx.Theme
	now := s.ctx.Now()
	var parts []string
	if ss.Reachable {
		parts = append(parts, th.OK.Render("✓ reachable")+" in "+siteLatencyText(ss))
	} else {
		parts = append(parts, th.Critical.Render("✗ unreachable")+", its sets are unknown until it answers")
	}
	parts = append(parts, "last check "+checkText(th, now, ss.LastCheck), "last drill "+drillText(th, now, ss.LastDrill))
	return strings.Join(parts, " · ")
}

// anyDrill says whether some standby has been drilled.
func (s *recoveryScreen) anyDrill() bool {
	for _, ss := range s.standbys() {
		if ss.LastDrill != nil {
			return true
		}
	}
	return false
}

func (s *recoveryScreen) rows() {
	if s.status == nil {
		return
	}
	th := s.ctx.Theme
	var rows []Row
	for _, ss := range s.standbys() {
		for _, set := range s.status.Sets {
			x, ok := set.At(ss.Name)
			newest, grade, breach := "none", th.Level("none"), th.Critical.Render("no copy")
			if ok && x.Stale {
				newest, grade, breach = "?", th.Warn.Render("unknown"), th.Warn.Render("site down")
			} else if ok && x.NewestTime != nil && x.Age != nil {
				age := *x.Age
				newest = engine.Age(age)
				grade = th.Level(x.Grade)
				switch {
				case !x.RPOOK:
					breach = th.Critical.Render("over by " + engine.Age(age-set.RPOObjective.Truncate(time.Second)))
				case x.BreachIn < recoveryBreachSoon:
					breach = th.Warn.Render("breach in " + engine.Age(x.BreachIn))
				default:
					breach = th.Muted.Render("in " + engine.Age(x.BreachIn))
				}
			}
			missing := "-"
			if r, ok := s.status.ReplicationTo(ss.Name, set.Name); ok {
				missing = itoa(r.MissingSnapshots)
				if r.MissingSnapshots > 0 {
					missing = th.Warn.Render(missing + " · " + engine.Age(r.Lag) + " lag")
				}
			}
			rows = append(rows, Row{
				ID:     ss.Name + "/" + set.Name,
				Cells:  []string{ss.Name, set.Name, newest, recoveryRPOText(set), grade, breach, missing},
				Filter: ss.Name + " " + set.Name + " " + x.Grade,
			})
		}
	}
	s.list.SetRows(rows)
}

func (s *recoveryScreen) View() string {
	if s.detail != nil {
		return s.detail.View()
	}
	th := s.ctx.Theme
	head := s.headerLines()
	if s.status == nil {
		return clipToHeight(strings.Join(head, "\n")+"\n"+th.Muted.Render("loading…"), s.height)
	}
	if s.wizShown() {
		return clipToHeight(lipgloss.Place(s.width, s.height, lipgloss.Center, lipgloss.Center, s.wiz.View()), s.height)
	}
	if s.confirm != nil {
		box := s.confirm.View(th, s.width)
		return clipToHeight(lipgloss.Place(s.width, s.height, lipgloss.Center, lipgloss.Center, box), s.height)
	}
	out := strings.Join(head, "\n") + "\n" + s.list.View()
	for _, l := range append(s.postureLines(), s.historyLines()...) {
		out += "\n" + fit(l, s.width)
	}
	note := "MISSING: snapshots not yet replicated"
	if !s.anyDrill() {
		note = "last drill: " + recoveryDrillsNote + " · " + note
	}
	out += "\n" + fit(th.Muted.Render(note), s.width)
	return clipToHeight(out, s.height)
}
