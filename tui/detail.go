package tui

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
)

// detailView shows one thing whole (a journal entry, an operation's result
// or error, a stored report) in a scrollable viewport over the screen that
// opened it. Lines are wrapped to the width, never cut: the list row was
// the summary, this is where the rest is read.
type detailView struct {
	ctx   *Context
	title string
	body  string // as given; wrapped again on each resize
	vp    viewport.Model
	keys  Bindings
	// closed is set by esc or q; the screen drops the view on it.
	closed bool
}

var _ Component = (*detailView)(nil)

func newDetail(ctx *Context, title, body string) *detailView {
	d := &detailView{ctx: ctx, title: title, body: body, vp: viewport.New(0, 0)}
	// Horizontal scrolling is off: lines are wrapped to fit.
	d.vp.KeyMap.Left.SetEnabled(false)
	d.vp.KeyMap.Right.SetEnabled(false)
	d.keys = Bindings{
		bind("↑/↓", "scroll", nil, "up", "down", "k", "j"),
		bind("pgup/pgdn", "page", nil, "pgup", "pgdown", " ", "b", "f", "u", "d", "ctrl+u", "ctrl+d"),
		bind("g/G", "top/bottom", d.jump, "g", "G", "home", "end"),
		bind("y", "copy", do(d.copy), "y"),
		bind("esc", "close", run(func() { d.closed = true }), "esc", "q"),
	}
	d.SetSize(ctx.Width, ctx.Height)
	return d
}

func (d *detailView) jump(km tea.KeyMsg) tea.Cmd {
	if k := km.String(); k == "g" || k == "home" {
		d.vp.GotoTop()
	} else {
		d.vp.GotoBottom()
	}
	return nil
}

// SetSize gives the viewport the area less the title and position lines.
func (d *detailView) SetSize(w, h int) {
	d.vp.Width, d.vp.Height = max(1, w), max(1, h-2)
	var lines []string
	for _, l := range strings.Split(d.body, "\n") {
		lines = append(lines, strings.Split(ansi.Wrap(l, d.vp.Width, ""), "\n")...)
	}
	d.vp.SetContent(strings.Join(lines, "\n"))
}

func (d *detailView) Keys() []key.Binding { return d.keys.Help() }

// Update handles a key: the table first, then the viewport's scrolling.
func (d *detailView) Update(km tea.KeyMsg) tea.Cmd {
	if cmd, ok := d.keys.Dispatch(km); ok {
		return cmd
	}
	var cmd tea.Cmd
	d.vp, cmd = d.vp.Update(km)
	return cmd
}

// text is what y copies: the title and the body, without styling.
func (d *detailView) text() string {
	return ansi.Strip(d.title + "\n\n" + d.body)
}

func (d *detailView) copy() tea.Cmd { return copyCmd(d.ctx, d.text()) }

func (d *detailView) View() string {
	th := d.ctx.Theme
	w := d.vp.Width
	first := d.vp.YOffset + 1
	last := min(d.vp.YOffset+d.vp.Height, d.vp.TotalLineCount())
	pos := fmt.Sprintf("lines %d–%d of %d", first, last, d.vp.TotalLineCount())
	if d.vp.TotalLineCount() <= d.vp.Height {
		pos = "all shown"
	}
	return fit(th.Title.Render(d.title), w) + "\n" + d.vp.View() + "\n" +
		fit(th.Muted.Render(pos+" · y copies it · esc closes"), w)
}

// copyCmd puts text on the clipboard with OSC 52, written to the terminal
// (ctx.Terminal, else stdout) from a command; the terminal may refuse it
// silently, so the status line says what was sent, not that it arrived.
func copyCmd(ctx *Context, text string) tea.Cmd {
	w := ctx.Terminal
	return func() tea.Msg {
		if w == nil {
			w = os.Stdout
		}
		if _, err := io.WriteString(w, ansi.SetSystemClipboard(text)); err != nil {
			return StatusMsg{Text: "could not copy: " + err.Error(), Err: true}
		}
		return StatusMsg{Text: fmt.Sprintf("copied %d line(s) to the clipboard (OSC 52, where the terminal allows it)",
			strings.Count(text, "\n")+1)}
	}
}
