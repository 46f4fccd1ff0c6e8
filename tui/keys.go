package tui

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// The keys that also act while the help overlay or the too-small notice
// is up; the global table below holds them too.
var (
	quitKey = key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit"))
	helpKey = key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help"))
	backKey = key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back"))
)

// Columns of the global keys in the help overlay.
const (
	groupScreens = iota
	groupMove
	groupTools
)

// globalBindings work on every screen (unless a text input has focus), in
// the order the footer lists the Short ones.
func (m *Model) globalBindings() Bindings {
	global := func(b Binding, group int, short bool) Binding {
		b.Group, b.Short = group, short
		return b
	}
	on := func(k key.Binding, h func(tea.KeyMsg) tea.Cmd) Binding { return Binding{Key: k, Handler: h} }
	bs := Bindings{
		global(bind("tab", "next screen", run(func() { m.active = (m.active + 1) % len(m.screens) }), "tab"), groupMove, true),
		global(bind("shift+tab", "previous screen", run(func() { m.active = (m.active + len(m.screens) - 1) % len(m.screens) }), "shift+tab"), groupMove, false),
		global(on(backKey, run(func() { m.screens[m.active].Back() })), groupMove, false),
		// Each screen filters its own list: / is listed here once, handled there.
		global(bind("/", "filter", nil, "/"), groupTools, true),
		global(bind(":", "command palette", do(func() tea.Cmd { m.palOpen = true; return m.palette.open() }), ":"), groupTools, true),
		global(bind("r", "refresh", m.refreshKey, "r"), groupMove, true),
		global(on(helpKey, run(func() { m.showHelp = true })), groupTools, true),
		global(on(quitKey, do(func() tea.Cmd { _, cmd := m.askQuit(); return cmd })), groupTools, true),
	}
	for i, s := range m.screens {
		name := strings.ToLower(s.Title())
		bs = append(bs, global(bind(itoa(i+1), name, run(func() { m.active = i }), itoa(i+1)), groupScreens, false))
	}
	return bs
}

// refreshKey probes every site; every screen sees the key too (Operations
// and Journal reload their history on it).
func (m *Model) refreshKey(km tea.KeyMsg) tea.Cmd {
	m.setStatus("refreshing every site…", false)
	cmd := tea.Batch(m.refresh(), m.broadcast(km))
	if m.active == ScreenSites {
		// r on Sites also measures capacity: restic stats is too slow
		// for every refresh, so only where its figures are shown.
		cmd = tea.Batch(cmd, m.broadcast(measureCapacityMsg{}))
	}
	return cmd
}

// shortHelp is the footer's share of the global keys.
func (bs Bindings) shortHelp() []key.Binding {
	var out []key.Binding
	for _, b := range bs {
		if b.Short {
			out = append(out, b.Key)
		}
	}
	return out
}

// fullHelp is the global keys by help column.
func (bs Bindings) fullHelp() [][]key.Binding {
	groups := make([][]key.Binding, groupTools+1)
	for _, b := range bs {
		groups[b.Group] = append(groups[b.Group], b.Key)
	}
	return groups
}
