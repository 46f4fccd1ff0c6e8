package tui

import (
	"github.com/charmbracelet/lipgloss"
)

// Theme is the console's one set of semantic styles, built once. A state is
// never shown by colour alone: the word or symbol goes with it.
type Theme struct {
	OK, Warn, Critical, Muted, Accent lipgloss.Style
	Title, Header, Selected, Badge    lipgloss.Style
	TabActive, TabInactive, TabBar    lipgloss.Style
	StatusBar, StatusError, Dialog    lipgloss.Style
	Box                               lipgloss.Style
}

// NewTheme builds the styles; with plain set (NO_COLOR) it uses no colour
// but keeps bold and reverse so that focus is still visible.
func NewTheme(plain bool) Theme {
	c := func(s string) lipgloss.TerminalColor {
		if plain {
			return lipgloss.NoColor{}
		}
		return lipgloss.Color(s)
	}
	base := lipgloss.NewStyle()
	return Theme{
		OK:          base.Foreground(c("2")),
		Warn:        base.Foreground(c("3")),
		Critical:    base.Foreground(c("1")).Bold(true),
		Muted:       base.Foreground(c("8")),
		Accent:      base.Foreground(c("6")),
		Title:       base.Bold(true),
		Header:      base.Bold(true).Foreground(c("6")),
		Selected:    base.Reverse(true),
		Badge:       base.Bold(true).Reverse(true).Padding(0, 1),
		TabActive:   base.Bold(true).Reverse(true).Padding(0, 1),
		TabInactive: base.Padding(0, 1).Foreground(c("7")),
		TabBar:      base,
		StatusBar:   base.Foreground(c("7")),
		StatusError: base.Foreground(c("1")).Bold(true),
		Dialog:      base.Border(lipgloss.RoundedBorder()).Padding(0, 1),
		Box:         base.Border(lipgloss.NormalBorder()).Padding(0, 1),
	}
}

// Level renders a verdict word with its colour and a symbol.
func (t Theme) Level(word string) string {
	switch word {
	case "OK", "ok", "compliant", "passed", "done", "up", "committed":
		return t.OK.Render("✓ " + word)
	case "WARNING", "warning", "exceeded", "behind", "cancelled", "stale", "DEGRADED", "running", "refused", "aborted":
		return t.Warn.Render("! " + word)
	case "CRITICAL", "critical", "severe", "failed", "DOWN", "down", "none", "breach", "interrupted":
		return t.Critical.Render("✗ " + word)
	}
	return word
}
