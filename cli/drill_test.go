package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lifeboat-dr/lifeboat/internal/testenv"
	"github.com/lifeboat-dr/lifeboat/storage"
)

// A drill while another run holds the recovery lock cannot be evaluated:
// exit 3, naming the holder. An edited drill report fails journal --verify.
func TestDrillLockAndChainExitCodes(t *testing.T) {
	t.Parallel()
	run, dir, _ := world(t)
	st := openState(t, filepath.Join(dir, "state"))
	defer st.Close()
	ctx := context.Background()
	host, _ := os.Hostname()
	if _, ok, err := st.AcquireRecoveryLock(ctx, storage.RecoveryLock{RunID: "fo-7", Kind: "failover",
		PID: os.Getpid(), Host: host, Operator: "dave@ops"}); err != nil || !ok {
		t.Fatal(ok, err)
	}
	code, _, errs := run("drill")
	if code != 3 || !strings.Contains(errs, "dave@ops") || !strings.Contains(errs, "fo-7") {
		t.Fatalf("drill under a held lock: %d %s", code, errs)
	}

	if err := st.SaveDrill(ctx, storage.DrillRecord{ID: "d-1", Site: "dr", ReportJSON: `{"id":"d-1","prev_sha256":""}`,
		SHA256: strings.Repeat("0", 64)}); err != nil {
		t.Fatal(err)
	}
	code, _, errs = run("journal", "--verify")
	if code != 1 || !strings.Contains(errs, "report d-1") {
		t.Fatalf("journal --verify of an edited report: %d %s", code, errs)
	}
}

// drill end to end: passes (exit 0, JSON, Markdown, status OK, chain ok),
// then fails against damaged packs at the standby (exit 2, findings).
func TestDrillCommand(t *testing.T) {
	t.Parallel()
	run, dir, srv := world(t)
	// One small set keeps the test quick; models never gets a snapshot.
	runAll(t, run, [][]string{{"init"}, {"backup", "--set", "serving"}, {"replicate", "--set", "serving"}})
	report := filepath.Join(dir, "drill.md")
	code, out, errs := run("drill", "--set", "serving", "--json", "--report", report)
	var drill map[string]any
	if err := json.Unmarshal([]byte(out), &drill); code != 0 || err != nil || drill["passed"] != true || drill["site"] != "dr" {
		t.Fatalf("drill: %d %v\n%s\n%s", code, err, out, errs)
	}
	for _, k := range []string{"id", "started", "finished", "operator", "rto_seconds", "rto_objective_seconds", "sets", "steps", "findings", "prev_sha256", "check_subset"} {
		if _, ok := drill[k]; !ok {
			t.Errorf("drill --json lacks %q", k)
		}
	}
	if md, err := os.ReadFile(report); err != nil || !strings.Contains(string(md), "PASSED") {
		t.Fatalf("drill report: %v\n%s", err, md)
	}
	_, out, _ = run("status", "--cached", "--json")
	if !strings.Contains(out, `"last_drill": {`) || !strings.Contains(out, `"passed": true`) || strings.Contains(out, "drill needed") {
		t.Fatalf("status after a drill:\n%s", out)
	}
	if code, out, errs := run("journal", "--verify"); code != 0 || !strings.Contains(out, "chain ok") {
		t.Fatalf("journal --verify: %d %s %s", code, out, errs)
	}
	// The snapshot the drill verified says so; its original at primary does not.
	_, out, _ = run("snapshots", "--cached", "--json", "--set", "serving")
	var snaps []struct {
		Site   string `json:"site"`
		Tested *struct {
			Kind  string `json:"kind"`
			RunID string `json:"run_id"`
		} `json:"tested"`
	}
	if err := json.Unmarshal([]byte(out), &snaps); err != nil || len(snaps) != 2 {
		t.Fatalf("snapshots --json: %v\n%s", err, out)
	}
	for _, sn := range snaps {
		if (sn.Site == "dr") != (sn.Tested != nil) || sn.Tested != nil && (sn.Tested.Kind != "drill" || sn.Tested.RunID != drill["id"]) {
			t.Errorf("tested at %s: %+v", sn.Site, sn.Tested)
		}
	}

	testenv.DamagePacks(t, filepath.Join(srv.Dir, "dr"))
	code, out, errs = run("drill", "--set", "serving")
	if code != 2 || !strings.Contains(out, "FAILED") || !strings.Contains(out, "finding:") || !strings.Contains(errs, "failed") {
		t.Fatalf("drill of a damaged standby: %d\n%s\n%s", code, out, errs)
	}
	if code, out, _ := run("status", "--cached"); code != 2 || !strings.Contains(out, "last drill of site dr failed") {
		t.Fatalf("status after a failed drill: %d\n%s", code, out)
	}
}

// A drill that could not run (the standby is down) says nothing about the
// standby's data: exit 3, no RTO ("—", not "0s"), "evaluated": false with
// the reason, and status keeps judging the site by its last real drill.
func TestDrillThatCouldNotRunIsUnknownWithoutRTO(t *testing.T) {
	t.Parallel()
	run, _, srv := world(t)
	runAll(t, run, [][]string{{"init"}, {"backup"}, {"replicate"}, {"drill", "--set", "serving"}})
	srv.Stop()

	code, out, errs := run("drill", "--set", "serving", "--json")
	var rep map[string]any
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("drill --json with the standby down: %v\n%s\n%s", err, out, errs)
	}
	if code != 3 {
		t.Errorf("drill with the standby down exits %d, want 3 (could not evaluate)\n%s", code, errs)
	}
	if rep["evaluated"] != false || !strings.Contains(rep["not_evaluated"].(string), "site dr") {
		t.Errorf("drill --json: evaluated %v, not_evaluated %q", rep["evaluated"], rep["not_evaluated"])
	}
	if rep["passed"] != false {
		t.Errorf("a drill that could not run passed: %v", rep["passed"])
	}

	code, out, errs = run("drill", "--set", "serving")
	if code != 3 || !strings.Contains(out, "COULD NOT RUN") || !strings.Contains(out, "RTO achieved: —") || strings.Contains(out, "RTO achieved: 0") {
		t.Errorf("drill with the standby down: %d\n%s\n%s", code, out, errs)
	}

	// The standby's last real drill passed; that it was down is a problem
	// of its own, not a failed drill.
	_, out, _ = run("status", "--cached", "--json")
	var st struct {
		Sites []struct {
			Name      string
			LastDrill *struct{ Passed bool } `json:"last_drill"`
		}
		Problems []struct{ Message string }
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil || len(st.Sites) == 0 {
		t.Fatalf("status: %v\n%s", err, out)
	}
	for _, s := range st.Sites {
		if s.Name == "dr" && (s.LastDrill == nil || !s.LastDrill.Passed) {
			t.Errorf("status counts the drill that could not run as dr's last drill: %+v", s.LastDrill)
		}
	}
	for _, p := range st.Problems {
		if strings.Contains(p.Message, "last drill of site dr failed") {
			t.Errorf("status: %s", p.Message)
		}
	}
}
