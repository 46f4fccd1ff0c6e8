package cli

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lifeboat-dr/lifeboat/engine"
	"github.com/lifeboat-dr/lifeboat/storage"
)

// TestReadOnlyRefusesEveryWriter: under --read-only every command that would
// write to a repository is refused with the engine's one reason (the
// console says the same words), and journaled as refused; a drill started
// read-only runs nothing, not its check.
func TestReadOnlyRefusesEveryWriter(t *testing.T) {
	run, dir, _ := world(t)
	runAll(t, run, [][]string{{"init"}, {"backup"}, {"replicate"}})
	cases := []struct {
		action string
		args   []string
		code   int
	}{
		{"check", []string{"check"}, 3},
		{"drill", []string{"drill", "--site", "dr"}, 3},
		{"unlock", []string{"unlock", "--site", "dr"}, 1},
		{"restore", []string{"restore", "--site", "dr", "--set", "models", "--target", filepath.Join(dir, "out")}, 1},
		{"backup", []string{"backup"}, 1},
		{"replicate", []string{"replicate"}, 1},
		{"forget", []string{"forget", "--dry-run"}, 1},
		{"failover", []string{"failover", "--to", "dr", "--planned", "--confirm", "dr", "--yes"}, 1},
	}
	for _, c := range cases {
		code, out, errs := run(append([]string{"--read-only"}, c.args...)...)
		want := engine.Refusal(true, c.action).Error()
		if code != c.code || errs != "lifeboat: "+want+"\n" {
			t.Errorf("--read-only %v: exit %d (want %d)\nstdout %q\nstderr %q\nwant stderr %q", c.args, code, c.code, out, errs, want)
		}
	}
	st := openState(t, filepath.Join(dir, "state"))
	defer st.Close()
	if n, err := st.CountDrills(context.Background(), "dr"); err != nil || n != 0 {
		t.Errorf("a read-only drill stored a report: %d %v", n, err)
	}
	j, err := st.Journal(context.Background(), storage.JournalQuery{})
	if err != nil {
		t.Fatal(err)
	}
	refused := map[string]bool{}
	for _, e := range j {
		if e.Outcome == string(engine.OutcomeRefused) && strings.Contains(e.Detail, engine.ReadOnlyReason) {
			refused[e.Action] = true
		}
		if e.Action == "check" && e.Outcome != string(engine.OutcomeRefused) {
			t.Errorf("a check ran under --read-only: %+v", e)
		}
	}
	for _, c := range cases {
		if !refused[c.action] {
			t.Errorf("%s: no refusal journaled", c.action)
		}
	}
}
