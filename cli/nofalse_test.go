package cli

import (
	"encoding/json"
	"strings"
	"syscall"
	"testing"
)

// A failover killed mid-run is "interrupted" in status, never "running";
// resumed, its report and the journal give the real size of what is in
// place, though the resumed restore found every file already there.
func TestKilledFailoverIsInterruptedAndResumedCountsAreReal(t *testing.T) {
	t.Parallel()
	w := protectedFoWorld(t)
	state, out := w.child(t, []string{"LIFEBOAT_FAULT_KILL=restore models"},
		"failover", "--to", "dr", "--planned", "--confirm", "dr", "--yes")
	if ws, ok := state.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("lifeboat was not killed: %v\n%s", state, out)
	}
	_, o, _ := w.run(t, "status", "--json")
	var st struct {
		LastFailover *struct{ Outcome string } `json:"last_failover"`
		Problems     []struct{ Message string }
	}
	if err := json.Unmarshal([]byte(o), &st); err != nil {
		t.Fatalf("status: %v\n%s", err, o)
	}
	if st.LastFailover == nil || st.LastFailover.Outcome != "interrupted" {
		t.Fatalf("status after a killed failover: last_failover %+v\n%s", st.LastFailover, o)
	}
	var said bool
	for _, p := range st.Problems {
		said = said || strings.Contains(p.Message, "interrupted")
		if strings.Contains(p.Message, "(running)") {
			t.Errorf("problem calls the dead failover running: %s", p.Message)
		}
	}
	if !said {
		t.Errorf("no problem says the failover was interrupted: %+v", st.Problems)
	}
	if _, human, _ := w.run(t, "status"); strings.Contains(human, " running,") || !strings.Contains(human, "interrupted") {
		t.Errorf("status table:\n%s", human)
	}

	code, o, errs := w.run(t, "failover", "--resume", "--confirm", "dr", "--yes", "--json")
	if code != 0 {
		t.Fatalf("resume: %d\n%s\n%s", code, o, errs)
	}
	var rep struct {
		Sets []struct {
			Files, Bytes, VerifiedFiles uint64
		} `json:"sets"`
	}
	if err := json.Unmarshal([]byte(o), &rep); err != nil {
		t.Fatalf("report: %v\n%s", err, o)
	}
	// models: a.bin (20000 bytes), sub/b.bin, c.json: 3 regular files.
	if len(rep.Sets) != 1 || rep.Sets[0].Files != 3 || rep.Sets[0].Bytes != 20005 {
		t.Fatalf("resumed failover reports %+v, the target holds 3 files of 20005 bytes", rep.Sets)
	}
	_, o, _ = w.run(t, "journal", "--json", "--action", "failover")
	var j []journalLine
	_ = json.Unmarshal([]byte(o), &j)
	for _, e := range j {
		if strings.HasPrefix(e.Detail, "committed") {
			if !strings.Contains(e.Detail, "models 3 files") {
				t.Errorf("journal of the commit does not give the dialog's numbers: %s", e.Detail)
			}
			return
		}
	}
	t.Errorf("no commit in the journal:\n%s", o)
}

// restore --include of a path the snapshot does not hold restored nothing:
// exit 1, naming the path, never "ok: 0 files".
func TestRestoreIncludeMatchingNothingExits1(t *testing.T) {
	t.Parallel()
	run, dir, _ := world(t)
	runAll(t, run, [][]string{{"init"}, {"backup", "--set", "models"}})
	code, out, errs := run("restore", "--site", "primary", "--set", "models", "--target", dir+"/restored", "--include", "nope.bin")
	if code != 1 || !strings.Contains(errs, `"nope.bin" matched nothing`) || strings.HasPrefix(out, "ok") {
		t.Fatalf("restore of an include matching nothing: %d\n%s\n%s", code, out, errs)
	}
}
