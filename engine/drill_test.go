package engine_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lifeboat-dr/lifeboat/engine"
	"github.com/lifeboat-dr/lifeboat/internal/testenv"
	"github.com/lifeboat-dr/lifeboat/storage"
)

// drillFixture is the two-site world with its own scratch space, backed up
// and replicated.
func drillFixture(t *testing.T, extra string) (*fixture, string) {
	t.Helper()
	scratch := t.TempDir()
	f := newFixture(t, "drills: {scratch: "+scratch+extra+"}\n")
	f.protect()
	return f, scratch
}

func TestDrillPasses(t *testing.T) {
	t.Parallel()
	f, scratch := drillFixture(t, `, verify: ['test "$LIFEBOAT_TO" = dr && test "$LIFEBOAT_FROM" = primary && test -n "$LIFEBOAT_RUN_ID" && test -d "$LIFEBOAT_TARGET" && test "$(basename "$LIFEBOAT_TARGET")" = "$LIFEBOAT_SET"']`)
	ctx := context.Background()
	mdPath := filepath.Join(f.dir, "drill.md")
	start := time.Now()
	rep, err := f.eng.Drill(ctx, engine.DrillRequest{Report: mdPath}, nil)
	t.Logf("drill took %v (rto %.1fs)", time.Since(start), rep.RTO.Seconds())
	for _, s := range rep.Steps {
		t.Logf("  %-18s %-7s %5.1fs %s", s.Name, s.Status, s.Elapsed.Seconds(), s.Detail)
	}
	if err != nil {
		t.Fatalf("drill: %v\nfindings: %v\nsteps: %+v", err, rep.Findings, rep.Steps)
	}
	if !rep.Passed || rep.Site != "dr" || rep.Level != engine.LevelOK || len(rep.Findings) != 0 {
		t.Fatalf("report: passed %v site %s level %v findings %v", rep.Passed, rep.Site, rep.Level, rep.Findings)
	}
	if rep.Operator != "alice@bastion (ssh from 10.0.0.9)" || rep.CheckSubset != "1/10" || rep.ConfigHash != f.cfg.RecoveryHash() {
		t.Errorf("report header: %q %q %q", rep.Operator, rep.CheckSubset, rep.ConfigHash)
	}
	if rep.RTO.Seconds() <= 0 || rep.RTOObjective.Seconds() != 1800 {
		t.Errorf("rto %v of %v", rep.RTO.Seconds(), rep.RTOObjective.Seconds())
	}
	if len(rep.Sets) != 3 {
		t.Fatalf("sets: %+v", rep.Sets)
	}
	// Every snapshot the drill verified is proven, by this drill, at dr.
	proven, err := f.eng.ProvenSnapshots(ctx)
	if err != nil || len(proven) != 3 {
		t.Fatalf("proven snapshots: %v %v", proven, err)
	}
	for _, s := range rep.Sets {
		if p := proven[s.Snapshot]; p.Kind != "drill" || p.RunID != rep.ID || p.Site != "dr" || p.At.IsZero() {
			t.Errorf("proof of %s: %+v", s.Name, p)
		}
	}
	var wg sync.WaitGroup
	for _, s := range rep.Sets {
		if !s.Verified || s.VerifiedFiles == 0 || s.VerifiedFiles != s.ListedFiles || s.Bytes != s.ListedBytes || s.Tree == "" || s.Snapshot == "" {
			t.Errorf("set %s: %+v", s.Name, s)
		}
		if s.Name == "datasets" {
			continue // same layout as models; spare the test a restore
		}
		// The report's numbers are what a restore of that snapshot restores.
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := f.eng.Restore(ctx, engine.RestoreRequest{Site: "dr", Set: s.Name, Snapshot: s.Snapshot, Target: t.TempDir()}, nil)
			if err != nil {
				t.Error(err)
				return
			}
			if r.Files != s.Files || r.Bytes != s.Bytes {
				t.Errorf("set %s: report %d files/%d bytes (listed %d/%d), restore %d/%d", s.Name, s.Files, s.Bytes,
					s.ListedFiles, s.ListedBytes, r.Files, r.Bytes)
			}
		}()
	}
	wg.Wait()
	wantFiles := map[string]uint64{"models": 3, "datasets": 2, "serving": 2}
	for _, s := range rep.Sets {
		if s.VerifiedFiles != wantFiles[s.Name] {
			t.Errorf("set %s: verified %d files, want %d", s.Name, s.VerifiedFiles, wantFiles[s.Name])
		}
	}
	var names []string
	for _, s := range rep.Steps {
		names = append(names, s.Name)
		if s.Status != "ok" {
			t.Errorf("step %s: %s %s", s.Name, s.Status, s.Detail)
		}
	}
	want := "preflight,restore models,restore datasets,restore serving,compare models,compare datasets,compare serving,verify hooks,check,cleanup"
	if strings.Join(names, ",") != want {
		t.Errorf("steps %v", names)
	}
	// Scratch is cleaned; production untouched.
	if ents, _ := os.ReadDir(scratch); len(ents) != 0 {
		t.Errorf("scratch not cleaned: %v", ents)
	}
	// Stored, rendered and chained.
	md, err := os.ReadFile(mdPath)
	if err != nil || !strings.Contains(string(md), "PASSED") || !strings.Contains(string(md), "| check | ok |") {
		t.Errorf("markdown report: %v\n%s", err, md)
	}
	last, ok, err := f.store.LastDrill(ctx, "dr")
	if err != nil || !ok || last.ID != rep.ID || !last.Passed || last.SHA256 != rep.SHA256 || last.SubsetN != 1 || last.SubsetT != 10 {
		t.Fatalf("stored drill: %+v %v %v", last, ok, err)
	}
	var stored map[string]any
	if err := json.Unmarshal([]byte(last.ReportJSON), &stored); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"id", "site", "passed", "started", "finished", "operator", "rto_seconds", "rto_objective_seconds", "sets", "steps", "findings"} {
		if _, ok := stored[k]; !ok {
			t.Errorf("report JSON lacks %q", k)
		}
	}
	st, err := f.eng.Status(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range st.Sites {
		if s.Name == "dr" && (s.LastDrill == nil || !s.LastDrill.Passed) {
			t.Errorf("status last_drill of dr: %+v", s.LastDrill)
		}
	}
	for _, p := range st.Problems {
		if strings.Contains(p.Message, "drill") {
			t.Errorf("status problem after a passing drill: %+v", p)
		}
	}
	if f.journaled(func(j storage.JournalEntry) bool {
		return j.Action == "drill" && j.Outcome == "ok" && strings.Contains(j.Detail, rep.SHA256)
	}) == 0 {
		t.Error("drill not journaled with its report hash")
	}
	if _, ok, _ := f.store.RecoveryLockHolder(ctx); ok {
		t.Error("recovery lock still held after the drill")
	}
	// A change to what recovery depends on makes the drill stale.
	f.cfg.Objectives.RTO *= 2
	st, err = f.eng.Status(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	var stale bool
	for _, p := range st.Problems {
		stale = stale || p.Site == "dr" && p.Level == "warning" && strings.Contains(p.Message, "drill needed: the recovery config changed")
	}
	if !stale {
		t.Errorf("status after a config change: %+v", st.Problems)
	}
}

func TestDrillFailsOnDamagedStandby(t *testing.T) {
	t.Parallel()
	f, scratch := drillFixture(t, "")
	// Damage every pack at dr, behind restic's back.
	testenv.DamagePacks(t, filepath.Join(f.srv.Dir, "dr"))
	start := time.Now()
	rep, err := f.eng.Drill(context.Background(), engine.DrillRequest{Site: "dr"}, nil)
	t.Logf("failing drill took %v", time.Since(start))
	if err == nil || rep == nil {
		t.Fatalf("drill of a damaged standby: %v %+v", err, rep)
	}
	if rep.Passed || rep.Level != engine.LevelCritical || len(rep.Findings) == 0 {
		t.Fatalf("report: passed %v level %v findings %v", rep.Passed, rep.Level, rep.Findings)
	}
	all := strings.Join(rep.Findings, "\n")
	if !strings.Contains(all, "restore of set") && !strings.Contains(all, "check") {
		t.Errorf("findings do not say what failed: %s", all)
	}
	if ents, _ := os.ReadDir(scratch); len(ents) != 0 {
		t.Errorf("scratch not cleaned after a failed drill: %v", ents)
	}
	var cleanup, skipped bool
	for _, s := range rep.Steps {
		cleanup = cleanup || s.Name == "cleanup" && s.Status == "ok"
		skipped = skipped || s.Status == "skipped"
	}
	if !cleanup || !skipped {
		t.Errorf("steps: %+v", rep.Steps)
	}
	st, err := f.eng.Status(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	var critical bool
	for _, p := range st.Problems {
		critical = critical || p.Level == "critical" && strings.Contains(p.Message, "last drill of site dr failed")
	}
	if !critical {
		t.Errorf("status problems: %+v", st.Problems)
	}
}

func TestDrillRecoveryLock(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "drills: {scratch: "+t.TempDir()+"}\n")
	ctx := context.Background()
	host, _ := os.Hostname()

	// A live holder (this very process, another run) refuses the drill.
	live := storage.RecoveryLock{RunID: "failover-1", Kind: "failover", PID: os.Getpid(), Host: host, Operator: "bob@ops (ssh from 10.1.1.1)"}
	if _, ok, err := f.store.AcquireRecoveryLock(ctx, live); err != nil || !ok {
		t.Fatal(ok, err)
	}
	rep, err := f.eng.Drill(ctx, engine.DrillRequest{Site: "dr"}, nil)
	var held *engine.LockHeldError
	if rep != nil || !errors.As(err, &held) || !errors.Is(err, engine.ErrRecoveryLocked) {
		t.Fatalf("drill under a live lock: %+v %v", rep, err)
	}
	for _, w := range []string{"bob@ops", host, "failover-1", "pid"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("refusal does not name %q: %v", w, err)
		}
	}
	if h, ok, _ := f.store.RecoveryLockHolder(ctx); !ok || h.RunID != "failover-1" {
		t.Fatalf("the live lock was touched: %+v", h)
	}
	if err := f.store.ReleaseRecoveryLock(ctx, "failover-1"); err != nil {
		t.Fatal(err)
	}

	// A dead holder on this host is taken over, and that is journaled.
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	dead := storage.RecoveryLock{RunID: "drill-dead", Kind: "drill", PID: cmd.Process.Pid, Host: host, Operator: "carol@ops"}
	if _, ok, err := f.store.AcquireRecoveryLock(ctx, dead); err != nil || !ok {
		t.Fatal(ok, err)
	}
	// The repositories do not exist: the drill runs and fails its preflight.
	rep, err = f.eng.Drill(ctx, engine.DrillRequest{Site: "dr"}, nil)
	if errors.Is(err, engine.ErrRecoveryLocked) || rep == nil || rep.Passed {
		t.Fatalf("drill after a dead holder: %v %+v", err, rep)
	}
	if f.journaled(func(j storage.JournalEntry) bool {
		return j.Action == "drill" && strings.Contains(j.Detail, "took over the recovery lock of drill drill-dead") &&
			strings.Contains(j.Detail, "carol@ops")
	}) == 0 {
		t.Errorf("takeover not journaled: %+v", f.journal())
	}
	if _, ok, _ := f.store.RecoveryLockHolder(ctx); ok {
		t.Error("lock still held after the drill")
	}
}

func TestDrillChainDetectsEditedReport(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "drills: {scratch: "+t.TempDir()+"}\n")
	f.init()
	ctx := context.Background()
	// datasets' newest copy is 3h old against its 2h RPO: a finding, not a failure.
	if _, err := f.eng.Backup(ctx, engine.BackupRequest{Sets: []string{"datasets"}, Time: time.Now().Add(-3 * time.Hour)}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := f.eng.Replicate(ctx, engine.ReplicateRequest{Sets: []string{"datasets"}}, nil); err != nil {
		t.Fatal(err)
	}
	var reps []*engine.DrillReport
	for i := 0; i < 2; i++ {
		rep, err := f.eng.Drill(ctx, engine.DrillRequest{Sets: []string{"datasets"}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !rep.Passed || rep.Level != engine.LevelWarning || len(rep.Findings) != 1 || !strings.Contains(rep.Findings[0], "RPO breached") ||
			rep.Sets[0].DataLoss.Seconds() < 3*3600-60 {
			t.Fatalf("drill with an RPO breach: passed %v level %v findings %v sets %+v", rep.Passed, rep.Level, rep.Findings, rep.Sets)
		}
		reps = append(reps, rep)
	}
	if reps[1].PrevSHA256 != reps[0].SHA256 || reps[1].CheckSubset != "2/10" {
		t.Fatalf("chain/rotation: prev %s first %s subset %s", reps[1].PrevSHA256, reps[0].SHA256, reps[1].CheckSubset)
	}
	if probs, err := f.eng.VerifyDrillChain(ctx); err != nil || len(probs) != 0 {
		t.Fatalf("intact chain: %v %v", probs, err)
	}

	// Someone turns the first drill's failure into a pass, in the file.
	db, err := sql.Open("sqlite", f.store.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE drills SET report_json = replace(report_json, '"rto_seconds":', '"rto_seconds":0.1+') WHERE id = ?`, reps[0].ID); err != nil {
		t.Fatal(err)
	}
	probs, err := f.eng.VerifyDrillChain(ctx)
	if err != nil || len(probs) == 0 || probs[0].DrillID != reps[0].ID {
		t.Fatalf("edited report: %v %v", probs, err)
	}

	// A report removed from the end of the chain is missed by its journal entry.
	if _, err := db.Exec(`DELETE FROM drills WHERE id = ?`, reps[1].ID); err != nil {
		t.Fatal(err)
	}
	probs, _ = engine.VerifyDrillChain(ctx, f.store)
	var named bool
	for _, p := range probs {
		named = named || p.DrillID == reps[1].ID
	}
	if !named {
		t.Fatalf("removed report not named: %v", probs)
	}
}

// A failing verify hook fails the drill with the hook's output; status
// says the drill failed and the site still needs one.
func TestDrillFailingHook(t *testing.T) {
	t.Parallel()
	f := newFixture(t, `drills: {verify: ['echo "smoke test of $LIFEBOAT_SET broke"; exit 3'], scratch: `+t.TempDir()+"}\n")
	f.init()
	ctx := context.Background()
	f.replicated("datasets")
	rep, err := f.eng.Drill(ctx, engine.DrillRequest{Sets: []string{"datasets"}}, nil)
	if err == nil || rep == nil || rep.Passed || rep.Level != engine.LevelCritical ||
		!strings.Contains(strings.Join(rep.Findings, "\n"), "smoke test of datasets broke") || rep.Sets[0].Verified {
		t.Fatalf("drill with a failing hook: %v %+v", err, rep)
	}
	if proven, err := f.eng.ProvenSnapshots(ctx); err != nil || len(proven) != 0 {
		t.Errorf("a failed drill proved snapshots: %v %v", proven, err)
	}
	st, err := f.eng.Status(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	var needed, failed bool
	for _, p := range st.Problems {
		needed = needed || p.Site == "dr" && p.Level == "warning" && strings.Contains(p.Message, "drill needed: site dr has never passed a drill")
		failed = failed || p.Site == "dr" && p.Level == "critical" && strings.Contains(p.Message, "last drill of site dr failed")
	}
	if !needed || !failed {
		t.Fatalf("status problems: %+v", st.Problems)
	}
}

// A runbook persists every transition; run again under the same id it
// resumes at the step that failed and never reruns a finished one.
func TestRunbookResumes(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "")
	ctx := context.Background()
	ran := map[string]int{}
	fail := true
	steps := func() []engine.Step {
		mk := func(name string, failing bool) engine.Step {
			return engine.Step{Name: name, Run: func(context.Context) (string, error) {
				ran[name]++
				if failing && fail {
					return "", errors.New("disk on fire")
				}
				return name + " done", nil
			}}
		}
		return []engine.Step{mk("one", false), mk("two", true), mk("three", false)}
	}
	rb, err := f.eng.NewRunbook(ctx, "run-1", steps())
	if err != nil {
		t.Fatal(err)
	}
	if err := rb.Run(ctx, nil); err == nil || !strings.Contains(err.Error(), "two") {
		t.Fatalf("run: %v", err)
	}
	got, _ := f.store.Steps(ctx, "run-1")
	if len(got) != 3 || got[0].Status != "done" || got[1].Status != "failed" ||
		got[1].Detail != "disk on fire" || got[2].Status != "pending" || got[1].Started.IsZero() {
		t.Fatalf("stored steps after failure: %+v", got)
	}
	fail = false
	rb, err = f.eng.NewRunbook(ctx, "run-1", steps())
	if err != nil {
		t.Fatal(err)
	}
	if err := rb.Run(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if ran["one"] != 1 || ran["two"] != 2 || ran["three"] != 1 {
		t.Fatalf("runs %v", ran)
	}
	got, _ = f.store.Steps(ctx, "run-1")
	for _, s := range got {
		if s.Status != "done" || s.Detail != s.Name+" done" {
			t.Fatalf("after resume: %+v", got)
		}
	}
}

// A verify hook that hangs is stopped at drills.hook_timeout, with its
// children, and fails the drill saying so.
func TestDrillHookTimeout(t *testing.T) {
	t.Parallel()
	pidFile := filepath.Join(t.TempDir(), "child")
	f := newFixture(t, `drills: {hook_timeout: 2s, verify: ['sleep 120 & echo $! > `+pidFile+`; wait'], scratch: `+t.TempDir()+"}\n")
	f.init()
	ctx := context.Background()
	f.replicated("serving")
	start := time.Now()
	rep, err := f.eng.Drill(ctx, engine.DrillRequest{Sets: []string{"serving"}}, nil)
	findings := ""
	if rep != nil {
		findings = strings.Join(rep.Findings, "\n")
	}
	if err == nil || rep == nil || rep.Passed || !strings.Contains(findings, "did not finish in time") ||
		!strings.Contains(findings, "drills.hook_timeout") {
		t.Fatalf("drill with a hanging hook: %v %q", err, findings)
	}
	if took := time.Since(start); took > time.Minute {
		t.Errorf("drill took %v with a 2s hook timeout", took)
	}
	raw, _ := os.ReadFile(pidFile)
	pid, _ := strconv.Atoi(strings.TrimSpace(string(raw)))
	if pid <= 0 {
		t.Fatalf("hook child pid %q", raw)
	}
	waitFor(t, 5*time.Second, "the hook's child to be gone", func() bool { return syscall.Kill(pid, 0) != nil })
}
