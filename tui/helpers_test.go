package tui

import (
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

// Helpers shared by the console's Update/View tests.

// namedKeys are the keys keyPress knows by name; anything else is typed.
var namedKeys = map[string]tea.KeyMsg{
	"enter":     {Type: tea.KeyEnter},
	"esc":       {Type: tea.KeyEsc},
	"tab":       {Type: tea.KeyTab},
	"shift+tab": {Type: tea.KeyShiftTab},
	"ctrl+c":    {Type: tea.KeyCtrlC},
	"up":        {Type: tea.KeyUp},
	"down":      {Type: tea.KeyDown},
	"left":      {Type: tea.KeyLeft},
	"right":     {Type: tea.KeyRight},
	"backspace": {Type: tea.KeyBackspace},
	"space":     {Type: tea.KeySpace, Runes: []rune{' '}},
}

func keyPress(s string) tea.KeyMsg {
	if k, ok := namedKeys[s]; ok {
		return k
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)}
}

// drainOps runs the console's operations to their end, or until stop (when
// set) says so, applying their messages the way the root does, then handing
// each to feed (when set) for the screen that shows them.
func drainOps(t *testing.T, ctx *Context, feed func(tea.Msg), stop func() bool) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for ctx.Ops.Running() > 0 && (stop == nil || !stop()) {
		select {
		case msg := <-ctx.Ops.ch:
			ctx.Ops.Apply(msg)
			if feed != nil {
				feed(msg)
			}
		case <-deadline:
			t.Fatal("operations did not end")
		}
	}
}

// drive feeds a message to the root and runs the commands it returns (and
// the ones those return), feeding their messages back, up to a bound. Ticks
// and the ops channel wait are not run: tests drive those explicitly.
func driveRoot(m *Model, msg tea.Msg) (quit bool) {
	queue := []tea.Msg{msg}
	for steps := 0; len(queue) > 0 && steps < 200; steps++ {
		msg := queue[0]
		queue = queue[1:]
		if _, ok := msg.(tea.QuitMsg); ok {
			return true
		}
		_, cmd := m.Update(msg)
		queue = append(queue, execCmd(cmd)...)
	}
	return false
}

// runCmd executes a command and flattens batches; commands that would block
// (ticks, waits on the ops channel) are skipped by a short deadline.
func execCmd(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	done := make(chan tea.Msg, 1)
	go func() { done <- cmd() }()
	select {
	case msg := <-done:
		if msg == nil {
			return nil
		}
		if b, ok := msg.(tea.BatchMsg); ok {
			var out []tea.Msg
			for _, c := range b {
				out = append(out, execCmd(c)...)
			}
			return out
		}
		if _, ok := msg.(tickMsg); ok {
			return nil
		}
		return []tea.Msg{msg}
	case <-time.After(200 * time.Millisecond):
		return nil
	}
}
