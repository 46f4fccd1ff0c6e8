package tui

import (
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
)

// paletteCommand is one command of the palette, declared once: its name
// (and short forms), the line the palette shows, what its arguments may be
// and what it does.
type paletteCommand struct {
	name    string
	aliases []string
	help    string
	// args are the words valid as the next argument after those typed
	// (check completes sites, backup sets); nil takes no argument.
	args func(typed []string) []string
	// screen carries out an action (ActionMsg goes there).
	screen int
	run    func(args []string) tea.Cmd
}

func (c paletteCommand) is(name string) bool {
	return c.name == name || slices.Contains(c.aliases, name)
}

// palette is the : command line: names with completion and history.
type palette struct {
	input   textinput.Model
	history []string
	hpos    int
	cmds    []paletteCommand
}

func newPalette(cmds []paletteCommand) *palette {
	ti := textinput.New()
	ti.Prompt = ":"
	ti.CharLimit = 200
	return &palette{input: ti, cmds: cmds}
}

// command is the command a typed name names, if any.
func (p *palette) command(name string) (paletteCommand, bool) {
	for _, c := range p.cmds {
		if c.is(name) {
			return c, true
		}
	}
	return paletteCommand{}, false
}

// argWords are the words the command of fields completes next: what its
// table entry allows, less the words already typed.
func (p *palette) argWords(fields []string) []string {
	c, ok := p.command(fields[0])
	if !ok || c.args == nil {
		return nil
	}
	typed := fields[1:]
	var out []string
	for _, w := range c.args(typed) {
		if !slices.Contains(typed, w) {
			out = append(out, w)
		}
	}
	return out
}

// run executes a palette line; ok is false for a name it does not know.
func (p *palette) run(line string) (cmd tea.Cmd, ok bool) {
	f := strings.Fields(line)
	if c, ok := p.command(f[0]); ok {
		return c.run(f[1:]), true
	}
	return nil, false
}

func (p *palette) open() tea.Cmd {
	p.input.SetValue("")
	p.hpos = len(p.history)
	return p.input.Focus()
}

// paletteResult is what the palette decided; done closes it.
type paletteResult struct {
	done bool
	line string
}

// bindings is the palette's key table; other keys edit the line. The
// result of a key is left in res.
func (p *palette) bindings(res *paletteResult) Bindings {
	history := func(km tea.KeyMsg) tea.Cmd {
		if km.String() == "up" {
			if p.hpos > 0 {
				p.hpos--
				p.input.SetValue(p.history[p.hpos])
				p.input.CursorEnd()
			}
			return nil
		}
		if p.hpos < len(p.history)-1 {
			p.hpos++
			p.input.SetValue(p.history[p.hpos])
		} else {
			p.hpos = len(p.history)
			p.input.SetValue("")
		}
		p.input.CursorEnd()
		return nil
	}
	return Bindings{
		bind("tab", "complete", run(func() {
			p.input.SetValue(p.complete(p.input.Value()))
			p.input.CursorEnd()
		}), "tab"),
		bind("↑/↓", "history", history, "up", "down"),
		bind("enter", "run", run(func() {
			line := strings.TrimSpace(p.input.Value())
			p.input.Blur()
			if line != "" {
				p.history = append(p.history, line)
			}
			*res = paletteResult{done: true, line: line}
		}), "enter"),
		bind("esc", "close", run(func() {
			p.input.Blur()
			*res = paletteResult{done: true}
		}), "esc", "ctrl+c"),
	}
}

func (p *palette) update(msg tea.Msg) (paletteResult, tea.Cmd) {
	km, ok := msg.(tea.KeyMsg)
	if !ok {
		return paletteResult{}, nil
	}
	var res paletteResult
	if cmd, ok := p.bindings(&res).Dispatch(km); ok {
		return res, cmd
	}
	var cmd tea.Cmd
	p.input, cmd = p.input.Update(msg)
	return paletteResult{}, cmd
}

// complete extends the last word to the longest common prefix of matches.
func (p *palette) complete(line string) string {
	fields := strings.Fields(line)
	trailing := strings.HasSuffix(line, " ")
	var cands []string
	var partial string
	if len(fields) == 0 || (len(fields) == 1 && !trailing) {
		if len(fields) == 1 {
			partial = fields[0]
		}
		for _, c := range p.cmds {
			cands = append(cands, c.name)
		}
	} else {
		done := fields
		if !trailing {
			partial = fields[len(fields)-1]
			done = fields[:len(fields)-1]
		}
		cands = p.argWords(done)
	}
	var matches []string
	for _, c := range cands {
		if strings.HasPrefix(c, partial) {
			matches = append(matches, c)
		}
	}
	if len(matches) == 0 {
		return line
	}
	common := matches[0]
	for _, m := range matches[1:] {
		for !strings.HasPrefix(m, common) {
			common = common[:len(common)-1]
		}
	}
	prefix := strings.TrimSuffix(line, partial)
	out := prefix + common
	if len(matches) == 1 {
		out += " "
	}
	return out
}

// suggestions lists what the current word could become.
func (p *palette) suggestions() []string {
	line := p.input.Value()
	fields := strings.Fields(line)
	var out []string
	if len(fields) <= 1 && !strings.HasSuffix(line, " ") {
		partial := ""
		if len(fields) == 1 {
			partial = fields[0]
		}
		for _, c := range p.cmds {
			if strings.HasPrefix(c.name, partial) {
				out = append(out, c.name+" — "+c.help)
			}
		}
		return out
	}
	partial, done := "", fields
	if !strings.HasSuffix(line, " ") {
		partial, done = fields[len(fields)-1], fields[:len(fields)-1]
	}
	for _, w := range p.argWords(done) {
		if strings.HasPrefix(w, partial) {
			out = append(out, w)
		}
	}
	return out
}

func (p *palette) view(th Theme, width int) string {
	boxW := min(width-2, 80)
	inner := boxW - th.Dialog.GetHorizontalPadding()
	var b strings.Builder
	b.WriteString(p.input.View())
	sug := p.suggestions()
	if len(sug) > 6 {
		sug = sug[:6]
	}
	// One line per suggestion: a wrapped one would read as two.
	for _, s := range sug {
		b.WriteString("\n" + th.Muted.Render(fit("  "+s, inner)))
	}
	var keys []string
	for _, k := range p.bindings(new(paletteResult)).Help() {
		keys = append(keys, k.Help().Key+": "+k.Help().Desc)
	}
	b.WriteString("\n" + th.Muted.Render(fit(strings.Join(keys, "  "), inner)))
	return th.Dialog.Width(boxW).Render(b.String())
}
