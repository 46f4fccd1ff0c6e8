package tui

import (
	"slices"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// Binding is one key of a view: the keys it matches with their help text,
// and what pressing them does. A view declares its keys once, in a table,
// and both dispatch and help (the footer and ?) are built from it, so help
// cannot list a key the view does not handle, nor miss one it does
// (lazygit's Binding{Key, Handler, Description}).
type Binding struct {
	Key key.Binding
	// Handler runs on a match; nil means a component under the view (the
	// list's cursor keys) handles the key, and the entry is there for help.
	Handler func(tea.KeyMsg) tea.Cmd
	// Hidden keys are dispatched but not listed, because help lists them
	// elsewhere (/ is a global binding that each screen implements).
	Hidden bool
	// Short and Group place a global binding in the footer and in a column
	// of the help overlay; screen bindings are listed in table order.
	Short bool
	Group int
}

// Bindings is a view's table, in help order.
type Bindings []Binding

// Dispatch runs the first binding that matches km; ok is false when none
// does, so the caller passes the key on. It matches a disabled binding too:
// a key that read-only mode turns off still answers why (lazygit's
// GetDisabledReason), it is only left out of help.
func (bs Bindings) Dispatch(km tea.KeyMsg) (cmd tea.Cmd, ok bool) {
	k := km.String()
	for _, b := range bs {
		if b.Handler != nil && slices.Contains(b.Key.Keys(), k) {
			return b.Handler(km), true
		}
	}
	return nil, false
}

// Help is the table's listed bindings, for the footer and the ? overlay.
func (bs Bindings) Help() []key.Binding {
	var out []key.Binding
	for _, b := range bs {
		if !b.Hidden {
			out = append(out, b.Key)
		}
	}
	return out
}

// bind makes a binding with one help entry for keys; help is the key's
// label, desc what it does.
func bind(help, desc string, handler func(tea.KeyMsg) tea.Cmd, keys ...string) Binding {
	return Binding{Key: key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc)), Handler: handler}
}

// filterBinding is / on a screen's list. It is hidden: / is a global
// binding, so the footer and help already list it.
func filterBinding(l *List) Binding {
	b := bind("/", "filter", do(l.StartFilter), "/")
	b.Hidden = true
	return b
}

// reloadBinding is r on a screen that loads its own data. It is hidden: r
// is the global refresh, broadcast to every screen.
func reloadBinding(load func() tea.Cmd) Binding {
	b := bind("r", "reload", do(load), "r")
	b.Hidden = true
	return b
}

// do adapts a handler that needs no key message.
func do(f func() tea.Cmd) func(tea.KeyMsg) tea.Cmd {
	return func(tea.KeyMsg) tea.Cmd { return f() }
}

// run adapts a handler that returns nothing.
func run(f func()) func(tea.KeyMsg) tea.Cmd {
	return func(tea.KeyMsg) tea.Cmd { f(); return nil }
}

// listKey routes a key of a view over a list: a filter being typed gets
// every key (q types a q), then the view's table, then the list's cursor.
func listKey(l *List, bs Bindings, km tea.KeyMsg) tea.Cmd {
	if !l.Filtering() {
		if cmd, ok := bs.Dispatch(km); ok {
			return cmd
		}
	}
	_, cmd := l.Update(km)
	return cmd
}
