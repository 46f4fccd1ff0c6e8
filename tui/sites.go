package tui

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/lifeboat-dr/lifeboat/engine"
)

// sparkSamples is how many health samples the latency trend draws at most.
const sparkSamples = 20

// sitesScreen is live health: one row per site with its state, latency,
// locks, last check and drill and a latency trend, and the selected site's
// details below.
type sitesScreen struct {
	ctx  *Context
	cols []Column
	list *List
	keys Bindings

	liveStatus

	samples    map[string][]engine.SiteSample
	samplesErr error
	seq        int // of the latest samples request

	showDetails bool
	width       int
	height      int

	// services and lockInfo are the service probes and lock details of each
	// site from the last round (loaded after every fresh refresh).
	services map[string][]engine.ProbeResult
	lockInfo map[string][]engine.LockInfo
	roundSeq int

	// capacity is each site's last measured capacity (from the store);
	// measuring is set while r's restic stats runs.
	capacity    map[string]engine.Capacity
	capacityErr error
	measuring   bool
	measureErr  error
	capSeq      int

	confirm     *Confirm // the unlock confirmation while open
	confirmSite string
	unlockAll   bool
}

// siteRoundMsg answers a service-probe and lock round; seq drops late answers.
type siteRoundMsg struct {
	seq      int
	services map[string][]engine.ProbeResult
	locks    map[string][]engine.LockInfo
}

// loadRound runs the configured service probes of every site and reads the
// locks of sites that hold any, off the UI goroutine.
func (s *sitesScreen) loadRound(st *engine.Status) tea.Cmd {
	seq, b := nextSeq(&s.roundSeq), s.ctx.Backend
	cfg := b.ConfigView()
	var withLocks []string
	for _, ss := range st.Sites {
		if n, ok := ss.LockCount(); ok && n > 0 {
			withLocks = append(withLocks, ss.Name)
		}
	}
	return askBackend(time.Minute, func(ctx context.Context) tea.Msg {
		msg := siteRoundMsg{seq: seq, services: map[string][]engine.ProbeResult{}, locks: map[string][]engine.LockInfo{}}
		for _, site := range cfg.Sites {
			if site.Probes > 0 {
				msg.services[site.Name] = b.ProbeServices(ctx, site.Name)
			}
		}
		for _, name := range withLocks {
			if l, err := b.Locks(ctx, name); err == nil {
				msg.locks[name] = l
			}
		}
		return msg
	})
}

// siteSamplesMsg answers a samples request; seq drops late answers.
type siteSamplesMsg struct {
	seq     int
	samples map[string][]engine.SiteSample
	err     error
}

func newSitesScreen(ctx *Context) *sitesScreen {
	cols := []Column{
		flexCol("NAME", 8), col("ROLE", 7), col("STATE", 10), col("LATENCY", 7), col("LOCKS", 5),
		flexCol("LAST CHECK", 12), col("LAST DRILL", 10), flexCol("TREND", 7),
	}
	l := NewList(ctx, cols...)
	l.Empty = "no site in the configuration"
	s := &sitesScreen{ctx: ctx, cols: cols, list: l, showDetails: true}
	s.keys = Bindings{
		filterBinding(s.list),
		bind("↑/↓", "move", nil, "up", "down"),
		bind("enter", "details on/off", run(func() { s.showDetails = !s.showDetails; s.layout() }), "enter"),
		bind("u", "remove stale locks", do(func() tea.Cmd { return s.askUnlock(false) }), "u"),
		bind("U", "remove all locks", do(func() tea.Cmd { return s.askUnlock(true) }), "U"),
	}
	return s
}

func (s *sitesScreen) Title() string { return "Sites" }

func (s *sitesScreen) Init() tea.Cmd { return tea.Batch(s.loadSamples(), s.loadCapacity()) }

// measureCapacityMsg asks the screen to measure capacity (r on Sites).
type measureCapacityMsg struct{}

// siteCapacityMsg answers a capacity load; seq drops late answers.
type siteCapacityMsg struct {
	seq      int
	caps     []engine.Capacity
	err      error
	measured bool  // the answer of a measurement, not just a load
	mErr     error // what the measurement said
}

// loadCapacity reads the stored capacity figures (no restic).
func (s *sitesScreen) loadCapacity() tea.Cmd {
	seq, b := nextSeq(&s.capSeq), s.ctx.Backend
	return askBackend(10*time.Second, func(ctx context.Context) tea.Msg {
		caps, err := b.Capacity(ctx)
		return siteCapacityMsg{seq: seq, caps: caps, err: err}
	})
}

// measureCapacity runs restic stats at every site off the UI goroutine,
// then reads the new figures.
func (s *sitesScreen) measureCapacity() tea.Cmd {
	if s.measuring {
		return nil
	}
	s.measuring = true
	seq, b := nextSeq(&s.capSeq), s.ctx.Backend
	return askBackend(10*time.Minute, func(ctx context.Context) tea.Msg {
		mErr := b.MeasureCapacity(ctx)
		caps, err := b.Capacity(ctx)
		return siteCapacityMsg{seq: seq, caps: caps, err: err, measured: true, mErr: mErr}
	})
}

// loadSamples reads the recent health samples of every site for the trend.
func (s *sitesScreen) loadSamples() tea.Cmd {
	seq, b := nextSeq(&s.seq), s.ctx.Backend
	names := b.ConfigView().SiteNames()
	return askBackend(10*time.Second, func(ctx context.Context) tea.Msg {
		out := make(map[string][]engine.SiteSample, len(names))
		var firstErr error
		for _, n := range names {
			smp, err := b.Samples(ctx, n, sparkSamples)
			if err != nil {
				if firstErr == nil {
					firstErr = err
				}
				continue
			}
			out[n] = smp
		}
		return siteSamplesMsg{seq: seq, samples: out, err: firstErr}
	})
}

func (s *sitesScreen) SetSize(w, h int) {
	s.width, s.height = w, h
	s.layout()
	s.rows() // the trend is as long as its column is wide
}

// layout gives the table the rows it needs (up to half the screen) and the
// details box the rest.
func (s *sitesScreen) layout() {
	avail := max(1, s.height-1) // the header line
	listH := avail
	if s.showDetails {
		n := len(s.ctx.Backend.ConfigView().Sites)
		if s.status != nil {
			n = len(s.status.Sites)
		}
		want := n + 2 // column titles, the rows, the filter line
		listH = min(want, max(3, avail/2))
		if avail-listH < 3 { // a box needs its borders and a line
			listH = avail
		}
	}
	s.list.SetSize(s.width, listH)
}

func (s *sitesScreen) Capturing() bool { return s.list.Filtering() || s.confirm != nil }

func (s *sitesScreen) Back() bool {
	if s.confirm != nil {
		s.confirm = nil
		return true
	}
	return s.list.ClearFilter()
}

func (s *sitesScreen) Keys() []key.Binding {
	if s.confirm != nil {
		return s.confirm.Keys() // the open question has every key
	}
	return s.keys.Help()
}

// unlockAction is : unlock [SITE [all]]: the site's row is selected and
// its confirmation opened, as u (or U) on that row.
func (s *sitesScreen) unlockAction(args []string) tea.Cmd {
	if len(args) > 0 {
		names := s.ctx.Backend.ConfigView().SiteNames()
		if !slices.Contains(names, args[0]) {
			return statusCmd(fmt.Sprintf("unlock: unknown site %q — sites: %s", args[0], strings.Join(names, ", ")), true)
		}
		s.list.ClearFilter()
		s.list.Select(args[0])
	}
	return s.askUnlock(len(args) > 1 && args[1] == "all")
}

// askUnlock opens the confirmation for removing a site's locks: stale ones
// with a yes/no (Cancel focused), every lock only after the site's name is
// typed, since that can break a restic still running elsewhere.
func (s *sitesScreen) askUnlock(all bool) tea.Cmd {
	row, ok := s.list.Selected()
	if !ok {
		return nil
	}
	if cmd := refused(s.ctx, "unlock"); cmd != nil {
		return cmd
	}
	site := row.ID
	s.unlockAll = all
	if all {
		s.confirm = NewTypedConfirm("unlock", "Remove every lock at "+site+"?",
			"This removes all locks, also those of restic processes that may still be running elsewhere "+
				"(a backup, a prune). Only do this when you know nothing uses the repository.", "Remove all", site)
	} else {
		s.confirm = NewConfirm("unlock", "Remove stale locks at "+site+"?",
			"restic unlock removes locks left by restic processes that died (on this host) or are older than 30 minutes. "+
				"Locks of running processes stay.", "Remove stale")
	}
	s.confirmSite = site
	return nil
}

func (s *sitesScreen) startUnlock() {
	site, all := s.confirmSite, s.unlockAll
	b := s.ctx.Backend
	what := "stale locks"
	if all {
		what = "all locks"
	}
	s.ctx.Ops.Start("unlock", site+" ("+what+")", func(ctx context.Context, obs engine.Observer) (any, error) {
		return nil, b.Unlock(ctx, site, all)
	})
}

func (s *sitesScreen) Update(msg tea.Msg) (Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case DataMsg:
		if !s.take(msg) {
			return s, nil
		}
		s.layout()
		s.rows()
		// A probe recorded new samples; redraw the trend from them. The
		// stored status and catalog read at start-up bring none: Init
		// read the samples.
		if msg.Fresh {
			// watch may have measured capacity meanwhile: re-read the store.
			return s, tea.Batch(s.loadSamples(), s.loadRound(msg.Status), s.loadCapacity())
		}
		return s, nil
	case measureCapacityMsg:
		return s, s.measureCapacity()
	case siteCapacityMsg:
		if msg.measured {
			s.measuring, s.measureErr = false, msg.mErr
		}
		if msg.seq != s.capSeq && !msg.measured {
			return s, nil
		}
		if msg.err != nil {
			s.capacityErr = msg.err
			return s, nil
		}
		s.capacityErr = nil
		s.capacity = make(map[string]engine.Capacity, len(msg.caps))
		for _, c := range msg.caps {
			s.capacity[c.Site] = c
		}
		return s, nil
	case siteRoundMsg:
		if msg.seq == s.roundSeq {
			s.services, s.lockInfo = msg.services, msg.locks
		}
		return s, nil
	case siteSamplesMsg:
		if msg.seq != s.seq {
			return s, nil
		}
		s.samples, s.samplesErr = msg.samples, msg.err
		s.rows()
	case ActionMsg:
		if msg.Name == "unlock" {
			return s, s.unlockAction(msg.Args)
		}
		return s, nil
	case ConfirmMsg:
		if msg.ID == "unlock" && s.confirm != nil {
			s.confirm = nil
			if msg.Yes {
				s.startUnlock()
				return s, statusCmd("removing locks at "+s.confirmSite+"…", false)
			}
		}
		return s, nil
	case tea.KeyMsg:
		if s.confirm != nil {
			return s, s.confirm.Update(msg)
		}
		return s, listKey(s.list, s.keys, msg)
	}
	return s, nil
}

// siteState is the verdict word of a site: UNKNOWN before its first probe,
// DOWN when unreachable, DEGRADED with a problem there, else OK.
func siteState(st *engine.Status, ss engine.SiteStatus) string {
	switch {
	case !ss.Reachable && ss.Probed.IsZero():
		return "UNKNOWN"
	case !ss.Reachable:
		return "DOWN"
	case len(siteProblems(st, ss.Name)) > 0:
		return "DEGRADED"
	}
	return "OK"
}

func siteProblems(st *engine.Status, site string) []engine.Problem {
	var out []engine.Problem
	for _, p := range st.Problems {
		if p.Site == site && p.Level != "" {
			out = append(out, p)
		}
	}
	return out
}

// stateWord renders a state with its symbol; UNKNOWN has none in Theme.Level.
func (s *sitesScreen) stateWord(state string) string {
	if state == "UNKNOWN" {
		return s.ctx.Theme.Muted.Render("? UNKNOWN")
	}
	return s.ctx.Theme.Level(state)
}

func siteLatencyText(ss engine.SiteStatus) string {
	if !ss.Reachable {
		return "-"
	}
	if ss.LatencyMS < 10 {
		return fmt.Sprintf("%.1f ms", ss.LatencyMS)
	}
	return fmt.Sprintf("%.0f ms", ss.LatencyMS)
}

// trendWidth is the width the list gives the TREND column (the last one),
// computed the way List lays columns out.
func (s *sitesScreen) trendWidth() int {
	used, flex := 0, 0
	for _, c := range s.cols {
		used += c.Width
		if c.Flex {
			flex++
		}
	}
	used += 2 * (len(s.cols) - 1)
	w := s.cols[len(s.cols)-1].Width
	if spare := s.width - used; spare > 0 && flex > 0 {
		w += spare / flex
	}
	return min(w, sparkSamples)
}

// siteSparkline draws latencies as ▁..█ scaled from zero to the highest, the
// newest on the right; a sample where the site was down draws as ✗.
func siteSparkline(th Theme, samples []engine.SiteSample, n int) string {
	if n <= 0 || len(samples) == 0 {
		return ""
	}
	if len(samples) > n {
		samples = samples[len(samples)-n:]
	}
	const bars = "▁▂▃▄▅▆▇█"
	levels := []rune(bars)
	var top time.Duration
	for _, smp := range samples {
		if smp.Reachable && smp.Latency > top {
			top = smp.Latency
		}
	}
	var b strings.Builder
	for _, smp := range samples {
		if !smp.Reachable {
			b.WriteString(th.Critical.Render("✗"))
			continue
		}
		i := 0
		if top > 0 {
			i = int(math.Ceil(float64(smp.Latency)/float64(top)*float64(len(levels)))) - 1
		}
		b.WriteRune(levels[max(0, min(i, len(levels)-1))])
	}
	return b.String()
}

func (s *sitesScreen) rows() {
	if s.status == nil {
		return
	}
	th := s.ctx.Theme
	tw := s.trendWidth()
	rows := make([]Row, 0, len(s.status.Sites))
	for _, ss := range s.status.Sites {
		state := siteState(s.status, ss)
		locks := "?" // unknown while the site is down, not 0
		if n, ok := ss.LockCount(); ok {
			locks = itoa(n)
		}
		rows = append(rows, Row{
			ID: ss.Name,
			Cells: []string{ss.Name, ss.Role, s.stateWord(state), siteLatencyText(ss), locks,
				checkText(s.ctx.Theme, s.ctx.Now(), ss.LastCheck), drillText(s.ctx.Theme, s.ctx.Now(), ss.LastDrill), siteSparkline(th, s.samples[ss.Name], tw)},
			// The trend and times are noise to a filter; names, roles, states and errors are not.
			Filter: strings.Join([]string{ss.Name, ss.Role, state, ss.Error}, " "),
		})
	}
	s.list.SetRows(rows)
}

// header is the title line with the probe time and the cache state.
func (s *sitesScreen) header() string {
	th := s.ctx.Theme
	head := th.Title.Render("Sites")
	const about = "health of every repository"
	if s.status == nil {
		return fit(head+th.Muted.Render("  — "+about), s.width)
	}
	var newest time.Time
	for _, ss := range s.status.Sites {
		if ss.Probed.After(newest) {
			newest = ss.Probed
		}
	}
	probed := "never probed"
	if !newest.IsZero() {
		probed = "probed " + ago(s.ctx.Now(), newest)
	}
	return fit(head+s.cachedMark(th)+th.Muted.Render("  · "+probed+" — "+about), s.width)
}

func (s *sitesScreen) View() string {
	if s.status == nil {
		return clipToHeight(s.header()+"\n"+s.ctx.Theme.Muted.Render("loading…"), s.height)
	}
	if s.confirm != nil {
		box := s.confirm.View(s.ctx.Theme, s.width)
		return clipToHeight(lipgloss.Place(s.width, s.height, lipgloss.Center, lipgloss.Center, box), s.height)
	}
	out := s.header() + "\n" + s.list.View()
	if s.showDetails {
		if box := s.details(s.height - 1 - s.list.height); box != "" {
			out += "\n" + box
		}
	}
	return clipToHeight(out, s.height)
}

// clipToHeight keeps at most h lines of s.
func clipToHeight(s string, h int) string {
	if h <= 0 {
		return ""
	}
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	return strings.Join(lines, "\n")
}
