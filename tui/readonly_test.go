package tui

import (
	"strings"
	"testing"

	"github.com/lifeboat-dr/lifeboat/engine"
)

// TestConsoleReadOnlyRefusesEveryWriter: under --read-only every action that
// writes, by its key and from the palette, is refused with the engine's
// reason (the words the CLI prints), opens no dialog and calls nothing that
// writes; a drill in particular starts nothing, so no check runs.
func TestConsoleReadOnlyRefusesEveryWriter(t *testing.T) {
	keyed := []struct {
		action string
		keys   []string
	}{
		{"backup", []string{"3", "b"}},
		{"replicate", []string{"3", "p"}},
		{"check", []string{"3", "k"}},
		{"forget", []string{"3", "f"}},
		{"unlock", []string{"1", "u"}},
		{"unlock", []string{"1", "U"}},
		{"drill", []string{"4", "d"}},
		{"failover", []string{"4", "f"}},
		{"restore", []string{"2", "enter", "R"}},
	}
	palette := []ActionMsg{
		{Name: "backup", Args: []string{"models"}}, {Name: "replicate", Args: []string{"dr"}},
		{Name: "check", Args: []string{"dr"}}, {Name: "forget", Args: []string{"models"}},
		{Name: "restore", Args: []string{"models"}}, {Name: "unlock", Args: []string{"dr"}},
		{Name: "drill", Args: []string{"dr"}}, {Name: "failover", Args: []string{"dr"}},
	}
	check := func(what, action string, m *Model, f *fakeBackend) {
		t.Helper()
		want := engine.Refusal(true, action).Error()
		if m.status != want || !m.statusErr {
			t.Errorf("%s: status %q, want %q", what, m.status, want)
		}
		for _, sc := range m.screens {
			if sc.Capturing() {
				t.Errorf("%s: %s has a dialog open under read-only", what, sc.Title())
			}
		}
		if n := len(m.ctx.Ops.All()); n != 0 {
			t.Errorf("%s started %d operation(s) under read-only", what, n)
		}
		for _, c := range f.Calls() {
			for _, w := range []string{"backup", "replicate", "check", "forget", "restore", "unlock", "drill", "failover"} {
				if strings.HasPrefix(c, w) {
					t.Errorf("%s called %q under read-only", what, c)
				}
			}
		}
	}
	for _, k := range keyed {
		m, f := newTestModel(t, true, 120, 40)
		for _, key := range k.keys {
			driveRoot(m, keyPress(key))
		}
		check(strings.Join(k.keys, " "), k.action, m, f)
	}
	for _, a := range palette {
		m, f := newTestModel(t, true, 120, 40)
		driveRoot(m, a)
		check(":"+a.Name, a.Name, m, f)
	}
}
