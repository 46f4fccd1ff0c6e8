package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// killedBySIGKILL says whether a child lifeboat died of SIGKILL.
func killedBySIGKILL(state *os.ProcessState) bool {
	ws, ok := state.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
}

// faultWarnings returns the journal's warnings about LIFEBOAT_FAULT_KILL
// for action (drill, failover).
func (w *foWorld) faultWarnings(t *testing.T, action string) []journalLine {
	t.Helper()
	_, o, _ := w.run(t, "journal", "--json", "--action", action)
	var j []journalLine
	if err := json.Unmarshal([]byte(o), &j); err != nil {
		t.Fatalf("journal: %v\n%s", err, o)
	}
	var out []journalLine
	for _, e := range j {
		if e.Outcome == "warning" && strings.Contains(e.Detail, "LIFEBOAT_FAULT_KILL") {
			out = append(out, e)
		}
	}
	return out
}

// LIFEBOAT_FAULT_KILL names the runbook it applies to: a failover's step
// name does not kill a drill that has a step of the same name, "drill:"
// does, and every run that reads the variable journals a warning, so an
// audit tells a deliberate kill from a crash.
func TestFaultKillNamesItsRunbook(t *testing.T) {
	t.Parallel()
	w := newFoWorld(t)
	// The killed drill never cleans up: its scratch space stays in the test's dir.
	cfg, err := os.ReadFile(w.cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg = append(cfg, []byte("drills: {scratch: "+filepath.Join(w.dir, "scratch")+"}\n")...)
	if err := os.WriteFile(w.cfg, cfg, 0o600); err != nil {
		t.Fatal(err)
	}
	w.protect(t)

	// Each run goes on from where the last one left the world: the
	// journal's warnings about the variable add up.
	for _, run := range []struct {
		fault  string // LIFEBOAT_FAULT_KILL
		args   []string
		killed bool   // the run dies of SIGKILL; otherwise it passes
		warns  int    // the warnings about the variable journaled for args[0] by then
		newest string // what the newest of them says
	}{
		// The bare step name is a failover's (as it always was): a drill runs through.
		{"restore models", []string{"drill", "--json"}, false, 1, "does not apply to this drill"},
		{"drill:restore models", []string{"drill"}, true, 2, `kills this drill with SIGKILL after step "restore models"`},
		{"failover:restore models", []string{"failover", "--to", "dr", "--unplanned", "--confirm", "dr", "--yes"}, true, 1,
			`kills this failover with SIGKILL after step "restore models"`},
		// A name that fits no step of the run is said to be inert.
		{"failover:restore weights", []string{"failover", "--resume", "--confirm", "dr", "--yes"}, false, 2, `no step "restore weights"`},
	} {
		state, out := w.child(t, []string{"LIFEBOAT_FAULT_KILL=" + run.fault}, run.args...)
		if run.killed && !killedBySIGKILL(state) {
			t.Fatalf("LIFEBOAT_FAULT_KILL=%s did not kill the %s: %v\n%s", run.fault, run.args[0], state, out)
		}
		if !run.killed && (killedBySIGKILL(state) || state.ExitCode() != 0) {
			t.Fatalf("%v under LIFEBOAT_FAULT_KILL=%q did not pass: %v\n%s", run.args, run.fault, state, out)
		}
		warn := w.faultWarnings(t, run.args[0])
		if len(warn) != run.warns || !strings.Contains(warn[0].Detail, run.newest) {
			t.Fatalf("%s warnings after LIFEBOAT_FAULT_KILL=%s: %+v", run.args[0], run.fault, warn)
		}
	}
}
