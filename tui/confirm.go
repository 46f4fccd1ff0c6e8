package tui

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
)

// Confirm is the dialog for anything that changes data. Focus starts on
// Cancel, so a stray enter never confirms; the most dangerous actions also
// make the operator type the name of what they destroy or switch.
type Confirm struct {
	ID    string // returned in ConfirmMsg so the answer reaches the right flow
	Title string
	Body  string
	// Typed, when set, must be typed exactly before Confirm can be chosen.
	Typed   string
	Verb    string // the confirm button's word ("Restore", "Forget")
	input   textinput.Model
	focus   int // 0 input (typed only), 1 cancel, 2 confirm
	problem string
}

// ConfirmMsg is the answer of a Confirm dialog.
type ConfirmMsg struct {
	ID  string
	Yes bool
}

// NewConfirm makes a yes/no dialog with Cancel focused.
func NewConfirm(id, title, body, verb string) *Confirm {
	if verb == "" {
		verb = "Confirm"
	}
	return &Confirm{ID: id, Title: title, Body: body, Verb: verb, focus: 1}
}

// NewTypedConfirm makes a dialog that needs name typed before confirming.
func NewTypedConfirm(id, title, body, verb, name string) *Confirm {
	c := NewConfirm(id, title, body, verb)
	c.Typed = name
	c.input = textinput.New()
	c.input.Prompt = "› "
	c.input.Placeholder = "type " + name
	c.input.CharLimit = 128
	return c
}

func answer(id string, yes bool) tea.Cmd {
	return func() tea.Msg { return ConfirmMsg{ID: id, Yes: yes} }
}

// bindings is the dialog's key table; a key it does not bind is typed
// into the name field.
func (c *Confirm) bindings() Bindings {
	cancel := func() tea.Cmd { return answer(c.ID, false) }
	// In the name field, ← and → move the text cursor, not the focus.
	move := func(d int, inField string) func(tea.KeyMsg) tea.Cmd {
		return func(km tea.KeyMsg) tea.Cmd {
			if c.focus == 0 && km.String() == inField {
				return c.typeKey(km)
			}
			c.next(d)
			return nil
		}
	}
	back := bind("shift+tab", "move back", move(-1, "left"), "shift+tab", "left", "up")
	no := bind("n", "no", func(km tea.KeyMsg) tea.Cmd {
		if c.Typed == "" {
			return cancel()
		}
		return c.typeKey(km)
	}, "n", "N")
	back.Hidden, no.Hidden = true, true
	return Bindings{
		bind("tab", "move", move(1, "right"), "tab", "right", "down"),
		back,
		bind("enter", "choose", do(c.choose), "enter"),
		bind("esc", "cancel", do(cancel), "esc", "ctrl+c"),
		no,
	}
}

// Keys are the dialog's keys for help.
func (c *Confirm) Keys() []key.Binding { return c.bindings().Help() }

// Update handles a key; the dialog owns every key while it is open.
func (c *Confirm) Update(msg tea.Msg) tea.Cmd {
	km, ok := msg.(tea.KeyMsg)
	if !ok {
		return nil
	}
	c.problem = ""
	if cmd, ok := c.bindings().Dispatch(km); ok {
		return cmd
	}
	return c.typeKey(km)
}

// choose answers with the focused button; the typed name must match.
func (c *Confirm) choose() tea.Cmd {
	if c.focus == 1 {
		return answer(c.ID, false)
	}
	if c.Typed != "" && strings.TrimSpace(c.input.Value()) != c.Typed {
		c.problem = "that is not " + c.Typed + "; type it exactly, or esc to cancel"
		return nil
	}
	return answer(c.ID, true)
}

// typeKey sends a key to the name field. Typing goes there whatever has
// focus: Cancel stays the default, and no keystroke but the exact name can
// confirm.
func (c *Confirm) typeKey(km tea.KeyMsg) tea.Cmd {
	if c.Typed != "" && c.focus != 0 && (km.Type == tea.KeyRunes || km.Type == tea.KeyBackspace) {
		c.focus = 0
		c.input.Focus()
	}
	if c.focus == 0 {
		var cmd tea.Cmd
		c.input, cmd = c.input.Update(km)
		return cmd
	}
	return nil
}

func (c *Confirm) next(d int) {
	lo := 1
	if c.Typed != "" {
		lo = 0
	}
	c.focus += d
	if c.focus > 2 {
		c.focus = lo
	}
	if c.focus < lo {
		c.focus = 2
	}
	if c.Typed != "" {
		if c.focus == 0 {
			c.input.Focus()
		} else {
			c.input.Blur()
		}
	}
}

// View draws the dialog, at most width wide.
func (c *Confirm) View(th Theme, width int) string {
	w := min(width-4, 72)
	var b strings.Builder
	b.WriteString(th.Title.Render(c.Title) + "\n\n")
	b.WriteString(lipgloss.NewStyle().Width(w).Render(c.Body) + "\n")
	if c.Typed != "" {
		b.WriteString("\nType " + th.Title.Render(c.Typed) + " to confirm:\n")
		b.WriteString(c.input.View() + "\n")
	}
	if c.problem != "" {
		b.WriteString(th.Critical.Render(c.problem) + "\n")
	}
	button := func(label string, focused bool) string {
		if focused {
			return th.Selected.Render("[ " + label + " ]")
		}
		return "[ " + label + " ]"
	}
	b.WriteString("\n" + button("Cancel", c.focus == 1) + "  " + button(c.Verb, c.focus == 2))
	b.WriteString("\n" + th.Muted.Render("tab: move  enter: choose  esc: cancel"))
	return th.Dialog.Render(b.String())
}
