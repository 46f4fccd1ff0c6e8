package cli

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/lifeboat-dr/lifeboat/internal/testenv"
)

// snapshotCount counts a repository's snapshots of sets with plain restic
// (Lifeboat's own, the ledger and canaries, are not backups).
func snapshotCount(t *testing.T, repo, pwFile string) int {
	t.Helper()
	return len(setSnapshots(t, repo, pwFile))
}

// setSnapshots lists a repository's snapshots with plain restic, oldest
// first, leaving out Lifeboat's own (tags with a colon: lifeboat:ledger,
// lifeboat:canary).
func setSnapshots(t *testing.T, repo, pwFile string) []rawSnapshot {
	t.Helper()
	var all, out []rawSnapshot
	if err := json.Unmarshal(testenv.RunRestic(t, repo, pwFile, "snapshots", "--json", "--no-lock"), &all); err != nil {
		t.Fatal(err)
	}
	for _, s := range all {
		if !slices.ContainsFunc(s.Tags, func(tag string) bool { return strings.HasPrefix(tag, "lifeboat:") }) {
			out = append(out, s)
		}
	}
	return out
}

type rawSnapshot struct {
	ID   string   `json:"id"`
	Tags []string `json:"tags"`
}

// A failover that would have to ask and cannot (stdin is not a terminal,
// no --yes) refuses before its first step: no last backup, no
// replication, the refusal journaled. The same holds for --resume of a
// run that stopped before its confirmation and for --abort; a resumed run
// that was already confirmed goes on without asking.
func TestFailoverWithoutTerminalRefusesBeforeAnyStep(t *testing.T) {
	t.Parallel()
	w := protectedFoWorld(t)
	pw := filepath.Join(w.dir, "pass")
	primary, dr := filepath.Join(w.dir, "primary"), w.srv.URL("dr")
	// Written after the last backup: a final backup would take a snapshot.
	testenv.WriteFiles(t, filepath.Join(w.dir, "data"), map[string]string{"models/late.bin": "late"})
	counts := func() [2]int { return [2]int{snapshotCount(t, primary, pw), snapshotCount(t, dr, pw)} }
	before := counts()
	journal := func() []journalLine {
		_, o, _ := w.run(t, "journal", "--json", "--action", "failover")
		var j []journalLine
		if err := json.Unmarshal([]byte(o), &j); err != nil {
			t.Fatalf("journal: %v\n%s", err, o)
		}
		return j
	}
	refused := func(what string, state interface{ ExitCode() int }, out string) {
		t.Helper()
		if state.ExitCode() != 2 || !strings.Contains(out, "not a terminal") || !strings.Contains(out, "--yes") {
			t.Errorf("%s from /dev/null: exit %d\n%s", what, state.ExitCode(), out)
		}
		if got := counts(); got != before {
			t.Errorf("%s from /dev/null: snapshots at primary, dr went from %v to %v", what, before, got)
		}
		if j := journal(); len(j) == 0 || j[0].Outcome != "refused" || !strings.Contains(j[0].Detail, "not a terminal") {
			t.Errorf("%s from /dev/null: the journal does not record the refusal: %+v", what, j)
		}
	}

	// stdin of a child is /dev/null.
	state, out := w.child(t, nil, "failover", "--to", "dr", "--planned", "--confirm", "dr")
	refused("failover", state, out)
	for _, e := range journal() {
		if strings.HasPrefix(e.Detail, "started:") {
			t.Errorf("a refused failover was journaled as started: %+v", e)
		}
	}

	// A run killed at its preflight stopped before its confirmation.
	state, out = w.child(t, []string{"LIFEBOAT_FAULT_KILL=preflight"}, "failover", "--to", "dr", "--planned", "--confirm", "dr", "--yes")
	if ws, ok := state.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
		t.Fatalf("lifeboat was not killed at its preflight: %v\n%s", state, out)
	}
	state, out = w.child(t, nil, "failover", "--resume", "--confirm", "dr")
	refused("failover --resume", state, out)
	state, out = w.child(t, nil, "failover", "--abort")
	refused("failover --abort", state, out)
	if code, o, _ := w.run(t, "status", "--cached"); !strings.Contains(o, "is unfinished") {
		t.Errorf("the refused --abort ended the run: %d\n%s", code, o)
	}
	if code, _, errs := w.run(t, "failover", "--abort", "--yes"); code != 0 {
		t.Fatalf("abort --yes: %d %s", code, errs)
	}

	// Killed after its confirmation: a resume from /dev/null needs no answer.
	state, out = w.child(t, []string{"LIFEBOAT_FAULT_KILL=pre hooks"}, "failover", "--to", "dr", "--unplanned", "--confirm", "dr", "--yes")
	if ws, ok := state.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
		t.Fatalf("lifeboat was not killed at its pre hooks: %v\n%s", state, out)
	}
	state, out = w.child(t, nil, "failover", "--resume", "--json")
	if state.ExitCode() != 0 || !strings.Contains(out, `"outcome": "committed"`) {
		t.Fatalf("resume of a confirmed run from /dev/null: exit %d\n%s", state.ExitCode(), out)
	}
}
