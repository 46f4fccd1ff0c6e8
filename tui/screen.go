package tui

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/lifeboat-dr/lifeboat/engine"
)

// Component is the contract screens and the wizards inside them share
// (soft-serve's common.Component): a view drawn at a size, and the keys
// that act now, built from the view's binding table (for ? and the footer).
type Component interface {
	View() string
	SetSize(width, height int)
	Keys() []key.Binding
}

// The wizards a screen opens keep the contract too.
var (
	_ Component = (*restoreWizard)(nil)
	_ Component = (*failoverWizard)(nil)
)

// Screen is one tab of the console: a component with a title, its own
// Update, and a say in key routing.
type Screen interface {
	Component
	Init() tea.Cmd
	Update(msg tea.Msg) (Screen, tea.Cmd)
	Title() string
	// Capturing says a text input or dialog of the screen has focus: it
	// gets every key, global ones included, so q in a filter types a q.
	Capturing() bool
	// Back handles esc; false means the screen had nothing to go back from.
	Back() bool
}

// DataMsg carries the state every screen draws from. Fresh is false for the
// instant paint from the store at start-up.
type DataMsg struct {
	Seq     int
	Status  *engine.Status
	Catalog engine.Catalog
	Proven  map[string]engine.Proof
	Fresh   bool
	Err     error
}

// liveStatus is the status a screen draws, kept from the root's DataMsg;
// fresh is false while it is the stored one from start-up.
type liveStatus struct {
	status *engine.Status
	fresh  bool
}

// take keeps msg's status; false when msg carries none (a failed refresh
// leaves the last one on screen).
func (l *liveStatus) take(msg DataMsg) bool {
	if msg.Err != nil || msg.Status == nil {
		return false
	}
	l.status, l.fresh = msg.Status, msg.Fresh
	return true
}

// cachedMark is what a header adds while the status is the stored one.
func (l *liveStatus) cachedMark(th Theme) string {
	if l.fresh {
		return ""
	}
	return "  " + th.Warn.Render("cached — refreshing")
}

// ActionMsg asks the root to start a named action (from the palette or a
// screen): backup, replicate, check, forget, restore.
type ActionMsg struct {
	Name string
	Args []string
}

// StatusMsg shows a line in the status bar; Err makes it an error.
type StatusMsg struct {
	Text string
	Err  bool
}

// SwitchMsg moves to a screen by index.
type SwitchMsg struct{ Screen int }

func statusCmd(text string, isErr bool) tea.Cmd {
	return func() tea.Msg { return StatusMsg{Text: text, Err: isErr} }
}

// refused answers an action the engine's read-only rule (engine.Refusal)
// forbids, in the words the CLI prints; nil when the action may run.
func refused(ctx *Context, action string) tea.Cmd {
	if err := engine.Refusal(ctx.ReadOnly, action); err != nil {
		return statusCmd(err.Error(), true)
	}
	return nil
}
