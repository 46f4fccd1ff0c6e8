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

	// The bare step name is a failover's (as it always was): a drill runs through.
	state, out := w.child(t, []string{"LIFEBOAT_FAULT_KILL=restore models"}, "drill", "--json")
	if killedBySIGKILL(state) || state.ExitCode() != 0 {
		t.Fatalf("a drill under LIFEBOAT_FAULT_KILL=\"restore models\" (a failover's step) did not pass: %v\n%s", state, out)
	}
	warn := w.faultWarnings(t, "drill")
	if len(warn) != 1 || !strings.Contains(warn[0].Detail, "does not apply to this drill") {
		t.Fatalf("drill warnings about LIFEBOAT_FAULT_KILL: %+v", warn)
	}

	state, out = w.child(t, []string{"LIFEBOAT_FAULT_KILL=drill:restore models"}, "drill")
	if !killedBySIGKILL(state) {
		t.Fatalf("LIFEBOAT_FAULT_KILL=drill:restore models did not kill the drill: %v\n%s", state, out)
	}
	warn = w.faultWarnings(t, "drill")
	if len(warn) != 2 || !strings.Contains(warn[0].Detail, `kills this drill with SIGKILL after step "restore models"`) {
		t.Fatalf("drill warnings after a deliberate kill: %+v", warn)
	}

	state, out = w.child(t, []string{"LIFEBOAT_FAULT_KILL=failover:restore models"},
		"failover", "--to", "dr", "--unplanned", "--confirm", "dr", "--yes")
	if !killedBySIGKILL(state) {
		t.Fatalf("LIFEBOAT_FAULT_KILL=failover:restore models did not kill the failover: %v\n%s", state, out)
	}
	warn = w.faultWarnings(t, "failover")
	if len(warn) != 1 || !strings.Contains(warn[0].Detail, `kills this failover with SIGKILL after step "restore models"`) {
		t.Fatalf("failover warnings: %+v", warn)
	}
	// A name that fits no step of the run is said to be inert.
	state, out = w.child(t, []string{"LIFEBOAT_FAULT_KILL=failover:restore weights"},
		"failover", "--resume", "--confirm", "dr", "--yes")
	if killedBySIGKILL(state) || state.ExitCode() != 0 {
		t.Fatalf("resume: %v\n%s", state, out)
	}
	warn = w.faultWarnings(t, "failover")
	if len(warn) != 2 || !strings.Contains(warn[0].Detail, `no step "restore weights"`) {
		t.Fatalf("failover warnings after the resume: %+v", warn)
	}
}
