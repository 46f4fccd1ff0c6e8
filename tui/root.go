package tui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/lifeboat-dr/lifeboat/engine"
)

// Minimum terminal size; below it the console says so instead of drawing.
const (
	MinWidth  = 80
	MinHeight = 24
)

// Screen indexes, in tab order.
const (
	ScreenSites = iota
	ScreenCatalog
	ScreenOperations
	ScreenRecovery
	ScreenJournal
)

// Model is the root of the console: which screen, the overlays (help,
// palette, quit confirmation), the status line and the data refresh loop.
type Model struct {
	ctx      *Context
	screens  []Screen
	active   int
	keys     Bindings // the global keys
	help     help.Model
	showHelp bool
	palette  *palette
	palOpen  bool
	quitAsk  *Confirm
	quitting bool

	width, height int

	status     string
	statusErr  bool
	data       DataMsg
	refreshing bool
	// refreshAgain: an operation ended while a refresh was in flight (that
	// one may predate it, e.g. a failover's switch): refresh once more.
	refreshAgain bool
	seq          int
	lastFresh    time.Time
	failures     int // consecutive failed refreshes, for back-off
}

type tickMsg struct{}

// New builds the console over a backend.
func New(b Backend, readOnly bool) *Model {
	ctx := &Context{Backend: b, Theme: NewTheme(false), ReadOnly: readOnly, Ops: NewOps(),
		Now: time.Now, RefreshEvery: 30 * time.Second}
	return NewWithContext(ctx)
}

// NewWithContext builds the console over a prepared context (tests fix the
// clock and theme this way).
func NewWithContext(ctx *Context) *Model {
	if !ctx.ReadOnly && ctx.Ops.After == nil {
		// What an operation journaled reaches every site's ledger when it
		// ends, off the UI goroutine, as the CLI does when a command ends.
		b := ctx.Backend
		ctx.Ops.After = func() {
			pctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			b.PublishLedger(pctx)
		}
	}
	m := &Model{ctx: ctx, help: help.New()}
	m.screens = []Screen{
		newSitesScreen(ctx),
		newCatalogScreen(ctx),
		newOperationsScreen(ctx),
		newRecoveryScreen(ctx),
		newJournalScreen(ctx),
	}
	m.palette = newPalette(m.paletteCommands())
	m.keys = m.globalBindings()
	return m
}

// Init paints from the store at once, then refreshes in the background.
func (m *Model) Init() tea.Cmd {
	cmds := []tea.Cmd{m.loadCached(), m.ctx.Ops.Wait(), m.tick()}
	for _, s := range m.screens {
		cmds = append(cmds, s.Init())
	}
	return tea.Batch(cmds...)
}

func (m *Model) tick() tea.Cmd {
	d := m.ctx.RefreshEvery
	// Back off while sites keep failing, up to four periods.
	if m.failures > 0 {
		d *= time.Duration(min(1<<m.failures, 4))
	}
	return tea.Tick(d, func(time.Time) tea.Msg { return tickMsg{} })
}

// cachedStatusMsg is the stored status, read before the stored catalog:
// the first frame shows the sites without waiting for a catalog of tens
// of thousands of snapshots to be read.
type cachedStatusMsg struct{ status *engine.Status }

func (m *Model) loadCached() tea.Cmd {
	b := m.ctx.Backend
	return func() tea.Msg {
		st, err := b.Status(context.Background(), false)
		if err != nil {
			return DataMsg{Err: err}
		}
		return cachedStatusMsg{st}
	}
}

// loadCachedCatalog reads the stored catalog; the status read just before
// comes with it, so every screen gets the stored picture whole, and the
// refresh starts after it as before.
func (m *Model) loadCachedCatalog(st *engine.Status) tea.Cmd {
	b := m.ctx.Backend
	return func() tea.Msg {
		ctx := context.Background()
		cat, err := b.LoadCatalog(ctx)
		if err != nil {
			return DataMsg{Status: st, Err: err}
		}
		proven, err := b.ProvenSnapshots(ctx)
		return DataMsg{Status: st, Catalog: cat, Proven: proven, Err: err}
	}
}

func (m *Model) refresh() tea.Cmd {
	if m.refreshing {
		return nil
	}
	m.refreshing = true
	seq, b := nextSeq(&m.seq), m.ctx.Backend
	return askBackend(2*time.Minute, func(ctx context.Context) tea.Msg {
		st, err := b.Status(ctx, true)
		if err != nil {
			return DataMsg{Seq: seq, Fresh: true, Err: err}
		}
		cat, err := b.LoadCatalog(ctx)
		if err != nil {
			return DataMsg{Seq: seq, Status: st, Fresh: true, Err: err}
		}
		proven, err := b.ProvenSnapshots(ctx)
		return DataMsg{Seq: seq, Status: st, Catalog: cat, Proven: proven, Fresh: true, Err: err}
	})
}

func (m *Model) broadcast(msg tea.Msg) tea.Cmd {
	var cmds []tea.Cmd
	for i, s := range m.screens {
		var cmd tea.Cmd
		m.screens[i], cmd = s.Update(msg)
		cmds = append(cmds, cmd)
	}
	return tea.Batch(cmds...)
}

func (m *Model) layout() {
	// tab bar, status line and footer take a line each.
	w, h := m.width, m.height-3
	m.ctx.Width, m.ctx.Height = w, h
	for _, s := range m.screens {
		s.SetSize(w, h)
	}
	m.help.Width = w
}

// Update routes messages: overlays first, then a capturing screen, then
// global keys, then the active screen. Data and ticks go to every screen.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.layout()
		return m, nil

	case cachedStatusMsg:
		m.data = DataMsg{Status: msg.status}
		return m, tea.Batch(m.broadcast(m.data), m.loadCachedCatalog(msg.status))

	case DataMsg:
		again := msg.Fresh && msg.Seq == m.seq && m.refreshAgain
		cmd := m.onData(msg)
		if again {
			m.refreshAgain = false
			cmd = tea.Batch(cmd, m.refresh())
		}
		return m, cmd

	case tickMsg:
		var cmd tea.Cmd
		// Polling pauses while our own operation holds the repositories.
		if m.ctx.Ops.Running() == 0 {
			cmd = m.refresh()
		}
		return m, tea.Batch(cmd, m.tick(), m.broadcast(msg))

	case OpEventMsg, OpDoneMsg, OpLogMsg:
		ended := m.ctx.Ops.Apply(msg)
		cmds := []tea.Cmd{m.ctx.Ops.Wait(), m.broadcast(msg)}
		if ended != nil {
			m.setStatus(fmt.Sprintf("%s %s: %s", ended.Kind, ended.Target, ended.State), ended.State == OpFailed)
			if m.quitting && m.ctx.Ops.Running() == 0 {
				return m, tea.Quit
			}
			if m.refreshing {
				m.refreshAgain = true // the one in flight may predate what the op changed
			} else {
				cmds = append(cmds, m.refresh())
			}
		}
		return m, tea.Batch(cmds...)

	case StatusMsg:
		m.setStatus(msg.Text, msg.Err)
		return m, nil

	case failoverUnfinishedMsg:
		// An interrupted failover at start-up: its prompt is on Recovery.
		if msg.startup && msg.st != nil && !msg.st.HolderAlive {
			m.active = ScreenRecovery
			if m.ctx.ReadOnly {
				m.setStatus(fmt.Sprintf("failover %s → %s is unfinished (read-only: resume or abort it with lifeboat failover --resume / --abort)",
					msg.st.Run.From, msg.st.Run.To), true)
			}
		}
		return m, m.broadcast(msg)

	case SwitchMsg:
		m.active = msg.Screen
		return m, nil

	case ActionMsg:
		target := ScreenOperations
		if c, ok := m.palette.command(msg.Name); ok {
			target = c.screen
		}
		m.active = target
		var cmd tea.Cmd
		m.screens[target], cmd = m.screens[target].Update(msg)
		return m, cmd

	case ConfirmMsg:
		if msg.ID == "quit" {
			m.quitAsk = nil
			if !msg.Yes {
				return m, nil
			}
			n := m.ctx.Ops.Running()
			_ = m.ctx.Backend.JournalAction(context.Background(), "quit", "", "", "", "cancelled",
				fmt.Sprintf("operator quit the console while %d operation(s) ran; they were cancelled", n))
			m.quitting = true
			m.ctx.Ops.CancelAll()
			m.setStatus(fmt.Sprintf("cancelling %d operation(s) before quitting…", n), false)
			return m, nil
		}
		var cmd tea.Cmd
		m.screens[m.active], cmd = m.screens[m.active].Update(msg)
		return m, cmd

	case tea.KeyMsg:
		if msg.Type == tea.KeyEsc && msg.Alt {
			// Two Escapes that reach the terminal together read as
			// alt+esc; the operator pressed Escape twice.
			esc := tea.KeyMsg{Type: tea.KeyEsc}
			_, first := m.handleKey(esc)
			_, second := m.handleKey(esc)
			return m, tea.Batch(first, second)
		}
		return m.handleKey(msg)
	}
	// Anything else (results of a screen's own commands) goes to every screen;
	// each carries its request id and is ignored where it does not belong.
	return m, m.broadcast(msg)
}

// onData folds a DataMsg (cached or fresh) into the state and hands it to
// every screen.
func (m *Model) onData(msg DataMsg) tea.Cmd {
	if msg.Fresh {
		if msg.Seq != m.seq {
			return nil // a late answer to an older request
		}
		m.refreshing = false
		if msg.Err != nil {
			m.failures++
			m.setStatus("refresh failed: "+msg.Err.Error(), true)
			return nil
		}
		m.failures = 0
		m.lastFresh = m.ctx.Now()
	} else if msg.Err != nil {
		m.setStatus("could not read the state store: "+msg.Err.Error(), true)
		return m.refresh()
	}
	if msg.Fresh {
		if change := siteTransitions(m.data.Status, msg.Status); change != "" {
			m.setStatus(change, strings.Contains(change, "DOWN"))
		}
	}
	m.data = msg
	cmd := m.broadcast(msg)
	if !msg.Fresh {
		return tea.Batch(cmd, m.refresh())
	}
	return cmd
}

func (m *Model) setStatus(text string, isErr bool) {
	m.status, m.statusErr = text, isErr
}

// tooSmall says the terminal is below the minimum size: only the notice
// is drawn.
func (m *Model) tooSmall() bool { return m.width < MinWidth || m.height < MinHeight }

func (m *Model) handleKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	// Below the minimum nothing but the notice is seen, so no key may act
	// unseen (`4 d` would open a drill confirmation): only quit, and the
	// quit question, which the notice gives way to.
	if m.tooSmall() {
		switch {
		case m.quitAsk != nil:
			return m, m.quitAsk.Update(msg)
		case m.quitting || !key.Matches(msg, quitKey):
			return m, nil
		}
		return m.askQuit()
	}
	// A non-fatal error stays until the next key.
	if m.statusErr {
		m.setStatus("", false)
	}
	if m.quitAsk != nil {
		return m, m.quitAsk.Update(msg)
	}
	if m.quitting {
		return m, nil
	}
	if m.palOpen {
		res, cmd := m.palette.update(msg)
		if res.done {
			m.palOpen = false
			if res.line != "" {
				return m, tea.Batch(cmd, m.runPalette(res.line))
			}
		}
		return m, cmd
	}
	if m.showHelp {
		if key.Matches(msg, helpKey, backKey) || msg.String() == "q" {
			m.showHelp = false
			return m, nil
		}
		if msg.String() == "ctrl+c" {
			return m.askQuit()
		}
		return m, nil
	}
	screen := m.screens[m.active]
	if screen.Capturing() {
		var cmd tea.Cmd
		m.screens[m.active], cmd = screen.Update(msg)
		return m, cmd
	}
	if cmd, ok := m.keys.Dispatch(msg); ok {
		return m, cmd
	}
	var cmd tea.Cmd
	m.screens[m.active], cmd = screen.Update(msg)
	return m, cmd
}

func (m *Model) askQuit() (tea.Model, tea.Cmd) {
	if n := m.ctx.Ops.Running(); n > 0 {
		body := fmt.Sprintf("%d operation(s) are running. Quitting cancels them: restic stops cleanly and the journal records them as cancelled.", n)
		if f := runningFailover(m.ctx.Ops); f != "" {
			body += " A failover is among them (" + f + "): it stays unfinished, and the console offers to resume it at the next start."
		}
		m.quitAsk = NewConfirm("quit", "Quit while work runs?", body, "Quit")
		return m, nil
	}
	return m, tea.Quit
}

// runPalette executes a palette line.
func (m *Model) runPalette(line string) tea.Cmd {
	cmd, ok := m.palette.run(line)
	if !ok {
		m.setStatus(fmt.Sprintf("unknown command %q: try tab for the list", strings.Fields(line)[0]), true)
	}
	return cmd
}

// paletteCommands are the commands the palette knows, in the order it
// suggests them: each action once, with the screen that carries it out and
// the words valid for its arguments (only those it would accept).
func (m *Model) paletteCommands() []paletteCommand {
	cfg := m.ctx.Backend.ConfigView()
	sets := func(extra ...string) []string { return append(cfg.SetNames(), extra...) }
	first := func(words func() []string) func([]string) []string {
		return func(typed []string) []string {
			if len(typed) > 0 {
				return nil
			}
			return words()
		}
	}
	action := func(name string, screen int, help string, args func([]string) []string) paletteCommand {
		return paletteCommand{name: name, help: help, args: args, screen: screen, run: func(args []string) tea.Cmd {
			return func() tea.Msg { return ActionMsg{Name: name, Args: args} }
		}}
	}
	screen := func(name string, i int, aliases ...string) paletteCommand {
		return paletteCommand{name: name, aliases: aliases, help: "go to " + m.screens[i].Title(),
			run: func([]string) tea.Cmd { m.active = i; return nil }}
	}
	return []paletteCommand{
		action("backup", ScreenOperations, "back up a set (or every set) to the active site",
			func([]string) []string { return sets("all") }),
		action("replicate", ScreenOperations, "copy missing snapshots to the standbys",
			func([]string) []string { return append(m.standbys(), cfg.SetNames()...) }),
		action("check", ScreenOperations, "restic check of a site (structure, or read a subset)", func(typed []string) []string {
			if len(typed) > 0 {
				return []string{"structure", "read"}
			}
			return cfg.SiteNames()
		}),
		action("forget", ScreenOperations, "apply a set's retention (dry run first)", func(typed []string) []string {
			if len(typed) > 0 {
				return cfg.SiteNames()
			}
			return cfg.SetNames()
		}),
		action("restore", ScreenCatalog, "restore from the catalog", func(typed []string) []string {
			if len(typed) > 0 {
				return cfg.SiteNames()
			}
			return cfg.SetNames()
		}),
		action("unlock", ScreenSites, "remove stale locks at a site (unlock SITE all: every lock)", func(typed []string) []string {
			if len(typed) > 0 {
				return []string{"all"}
			}
			return cfg.SiteNames()
		}),
		action("drill", ScreenRecovery, "rehearse a failover to a standby", first(m.standbys)),
		action("failover", ScreenRecovery, "make a standby active: its plan first, then its name typed", first(m.standbys)),
		action("report", ScreenRecovery, "open a stored drill or failover report (id or latest)", first(func() []string {
			return append([]string{"latest"}, m.screens[ScreenRecovery].(*recoveryScreen).reportIDs()...)
		})),
		{name: "refresh", help: "probe every site now", run: func([]string) tea.Cmd { return m.refresh() }},
		screen("sites", ScreenSites),
		screen("catalog", ScreenCatalog),
		screen("operations", ScreenOperations, "ops"),
		screen("recovery", ScreenRecovery),
		screen("journal", ScreenJournal),
		{name: "help", help: "show the key bindings", run: func([]string) tea.Cmd { m.showHelp = true; return nil }},
		{name: "quit", aliases: []string{"q"}, help: "leave lifeboat", run: func([]string) tea.Cmd { _, cmd := m.askQuit(); return cmd }},
	}
}

// standbys are the sites that are not active now: the last status's view
// of which is active wins over the configuration's role.
func (m *Model) standbys() []string {
	cfg := m.ctx.Backend.ConfigView()
	active := ""
	if st := m.data.Status; st != nil {
		active = st.ActiveSite
	} else if a := cfg.ConfigActive(); a != nil {
		active = a.Name
	}
	var out []string
	for _, n := range cfg.SiteNames() {
		if n != active {
			out = append(out, n)
		}
	}
	return out
}

// View draws the tab bar, the screen (or an overlay) and the status line.
func (m *Model) View() string {
	if m.width == 0 {
		return "starting lifeboat…"
	}
	th := m.ctx.Theme
	if m.tooSmall() {
		if m.quitAsk != nil {
			return lipgloss.Place(m.width, m.height, lipgloss.Center, lipgloss.Center, m.quitAsk.View(th, m.width))
		}
		msg := fmt.Sprintf("Terminal too small: %d×%d.\nLifeboat needs at least %d×%d.\nEnlarge the window, or press q to quit.",
			m.width, m.height, MinWidth, MinHeight)
		return lipgloss.Place(m.width, m.height, lipgloss.Center, lipgloss.Center, msg)
	}
	body := m.screens[m.active].View()
	switch {
	case m.quitAsk != nil:
		body = m.overlay(m.quitAsk.View(th, m.width))
	case m.palOpen:
		body = m.overlay(m.palette.view(th, m.width))
	case m.showHelp:
		body = m.overlay(m.helpView())
	}
	body = lipgloss.NewStyle().Width(m.width).Height(m.ctx.Height).MaxHeight(m.ctx.Height).Render(body)
	return lipgloss.JoinVertical(lipgloss.Left, m.tabBar(), body, m.statusLine(), m.footer())
}

func (m *Model) overlay(box string) string {
	return lipgloss.Place(m.width, m.ctx.Height, lipgloss.Center, lipgloss.Center, box)
}

func (m *Model) tabBar() string {
	th := m.ctx.Theme
	var tabs []string
	for i, s := range m.screens {
		label := fmt.Sprintf("%d %s", i+1, s.Title())
		if i == m.active {
			tabs = append(tabs, th.TabActive.Render(label))
		} else {
			tabs = append(tabs, th.TabInactive.Render(label))
		}
	}
	left := "lifeboat " + strings.Join(tabs, "")
	right := ""
	if m.ctx.ReadOnly {
		right = th.Badge.Render("READ-ONLY")
	}
	gap := m.width - lipgloss.Width(left) - lipgloss.Width(right)
	if gap < 1 {
		gap = 1
	}
	return left + strings.Repeat(" ", gap) + right
}

func (m *Model) statusLine() string {
	th := m.ctx.Theme
	if m.status != "" {
		style := th.StatusBar
		if m.statusErr {
			style = th.StatusError
		}
		return style.Render(fit(m.status, m.width))
	}
	var parts []string
	// A running failover comes first: it is what the operator watches.
	if f := runningFailover(m.ctx.Ops); f != "" {
		parts = append(parts, th.Critical.Render(f))
	}
	if st := m.data.Status; st != nil {
		active := "active: " + st.ActiveSite
		if st.ActiveFrom == "failover" {
			active += " (by failover)"
		}
		parts = append(parts, active, "overall "+th.Level(strings.ToUpper(st.Overall)))
		if st.Conflict != nil {
			// Split brain outranks everything but a running failover.
			parts = append([]string{th.Critical.Render("SPLIT BRAIN: " + strings.Join(st.Conflict.Sites(), " vs ") + " active")}, parts...)
		}
	}
	switch {
	case m.refreshing && m.lastFresh.IsZero():
		parts = append(parts, th.Warn.Render("cached view, refreshing…"))
	case m.refreshing:
		parts = append(parts, "refreshing…")
	case !m.lastFresh.IsZero():
		parts = append(parts, "updated "+ago(m.ctx.Now(), m.lastFresh))
	case m.data.Status != nil:
		parts = append(parts, th.Warn.Render("stale (cached)"))
	}
	if n := m.ctx.Ops.Running(); n > 0 {
		parts = append(parts, th.Accent.Render(fmt.Sprintf("%d running", n)))
	}
	return th.StatusBar.Render(fit(strings.Join(parts, " · "), m.width))
}

func (m *Model) footer() string {
	s := m.screens[m.active]
	bs := footerKeys(s.Keys(), m.keys.shortHelp(), m.width, s.Capturing())
	return fit(m.help.ShortHelpView(bs), m.width)
}

func (m *Model) helpView() string {
	// A key the screen lists (its / filters a pane) is not listed again
	// among the global ones.
	ks := m.screens[m.active].Keys()
	listed := map[string]bool{}
	for _, k := range ks {
		listed[k.Help().Key] = true
	}
	var groups [][]key.Binding
	if len(ks) > 0 {
		groups = append(groups, ks)
	}
	for _, g := range m.keys.fullHelp() {
		var keep []key.Binding
		for _, k := range g {
			if !listed[k.Help().Key] {
				keep = append(keep, k)
			}
		}
		groups = append(groups, keep)
	}
	th := m.ctx.Theme
	title := th.Title.Render("Keys — " + m.screens[m.active].Title())
	note := th.Muted.Render("? or esc closes help")
	if m.ctx.ReadOnly {
		note = th.Warn.Render("READ-ONLY: actions that change data are disabled") + "\n" + note
	}
	// The box's border and padding, the title and the note with their blank lines.
	frameW, frameH := th.Dialog.GetHorizontalFrameSize(), th.Dialog.GetVerticalFrameSize()
	body := helpGrid(m.help, groups, m.width-frameW, m.ctx.Height-frameH-2-1-lipgloss.Height(note))
	return th.Dialog.Render(title + "\n\n" + body + "\n\n" + note)
}

// SetTheme replaces the styles (NO_COLOR uses a plain theme).
func (m *Model) SetTheme(t Theme) { m.ctx.Theme = t }

// siteTransitions names the sites whose reachability changed between two
// probes, for the status line ("site dr is DOWN · site eu is up again").
func siteTransitions(before, after *engine.Status) string {
	if before == nil || after == nil {
		return ""
	}
	was := map[string]bool{}
	for _, s := range before.Sites {
		if !s.Probed.IsZero() {
			was[s.Name] = s.Reachable
		}
	}
	var out []string
	for _, s := range after.Sites {
		up, seen := was[s.Name]
		switch {
		case !seen:
		case up && !s.Reachable:
			out = append(out, "site "+s.Name+" is DOWN")
		case !up && s.Reachable:
			out = append(out, "site "+s.Name+" is up again")
		}
	}
	return strings.Join(out, " · ")
}
