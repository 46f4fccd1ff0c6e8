package tui

import "github.com/charmbracelet/bubbles/key"

// globalKeys work on every screen (unless a text input has focus).
type globalKeys struct {
	Next, Prev, Help, Palette, Filter, Refresh, Back, Quit key.Binding
	Screen1, Screen2, Screen3, Screen4, Screen5            key.Binding
}

func newGlobalKeys() globalKeys {
	return globalKeys{
		Next:    key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next screen")),
		Prev:    key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "previous screen")),
		Help:    key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Palette: key.NewBinding(key.WithKeys(":"), key.WithHelp(":", "command palette")),
		Filter:  key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		Refresh: key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "refresh")),
		Back:    key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		Quit:    key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
		Screen1: key.NewBinding(key.WithKeys("1"), key.WithHelp("1", "sites")),
		Screen2: key.NewBinding(key.WithKeys("2"), key.WithHelp("2", "catalog")),
		Screen3: key.NewBinding(key.WithKeys("3"), key.WithHelp("3", "operations")),
		Screen4: key.NewBinding(key.WithKeys("4"), key.WithHelp("4", "recovery")),
		Screen5: key.NewBinding(key.WithKeys("5"), key.WithHelp("5", "journal")),
	}
}

func (k globalKeys) ShortHelp() []key.Binding {
	return []key.Binding{k.Next, k.Filter, k.Palette, k.Refresh, k.Help, k.Quit}
}

func (k globalKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Screen1, k.Screen2, k.Screen3, k.Screen4, k.Screen5},
		{k.Next, k.Prev, k.Back, k.Refresh},
		{k.Filter, k.Palette, k.Help, k.Quit},
	}
}
