package engine_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-dr/lifeboat/engine"
	"github.com/lifeboat-dr/lifeboat/internal/testenv"
	"github.com/lifeboat-dr/lifeboat/storage"
)

// A restore whose --include matches nothing restored nothing: that is an
// error naming the path, never an ok with 0 files.
func TestRestoreIncludeMatchingNothingIsAnError(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "")
	f.init()
	testenv.WriteFiles(t, filepath.Join(f.data, "models"), map[string]string{"a/b/deep.bin": "deep"})
	f.replicated("models")
	ctx := context.Background()
	target := filepath.Join(t.TempDir(), "none")
	r, err := f.eng.Restore(ctx, engine.RestoreRequest{Site: "primary", Set: "models", Target: target,
		Include: []string{"no-such-dir/weights.bin"}}, nil)
	if err == nil || !strings.Contains(err.Error(), "no-such-dir/weights.bin") || !strings.Contains(err.Error(), "matched nothing") {
		t.Fatalf("include matching nothing: err %v, result %+v", err, r)
	}
	if r == nil || r.Outcome != engine.OutcomeFailed {
		t.Fatalf("include matching nothing: result %+v", r)
	}
	if j := f.journal(); j[0].Action != "restore" || j[0].Outcome != "failed" || !strings.Contains(j[0].Detail, "no-such-dir/weights.bin") {
		t.Fatalf("journal: %+v", j[0])
	}

	// One include that matches and one that does not: the restore happened
	// but is not a success, and the message names the one that matched nothing.
	part := filepath.Join(t.TempDir(), "part")
	r, err = f.eng.Restore(ctx, engine.RestoreRequest{Site: "primary", Set: "models", Target: part,
		Include: []string{"config.json", "ckpt-9"}}, nil)
	if err == nil || !strings.Contains(err.Error(), "ckpt-9") || strings.Contains(err.Error(), "config.json") {
		t.Fatalf("half-matching include: err %v", err)
	}
	if r == nil || r.Outcome == engine.OutcomeOK || r.Files != 1 {
		t.Fatalf("half-matching include: result %+v", r)
	}

	// restic's ** matches any number of directories: a restore it made
	// through one is not "matched nothing".
	deep := filepath.Join(t.TempDir(), "deep")
	r, err = f.eng.Restore(ctx, engine.RestoreRequest{Site: "primary", Set: "models", Target: deep,
		Include: []string{"/**/deep.bin"}}, nil)
	if err != nil || r.Outcome != engine.OutcomeOK || r.Files != 1 {
		t.Fatalf("include with **: %v %+v", err, r)
	}
}

// files counts regular files: models holds 3 files in 2 directories
// (restic's files_restored says 4 here: it counts ckpt-1 too).
func TestRestoreCountsRegularFiles(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "")
	f.init()
	f.replicated("models")
	ctx := context.Background()
	target := filepath.Join(t.TempDir(), "restore")
	r, err := f.eng.Restore(ctx, engine.RestoreRequest{Site: "dr", Set: "models", Target: target, Verify: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Files != 3 {
		t.Fatalf("restore reports %d files, the snapshot holds 3 regular files", r.Files)
	}
	if j := f.journal(); !strings.Contains(j[0].Detail, ": 3 files,") {
		t.Fatalf("journal detail: %q", j[0].Detail)
	}
	// Restored again over itself: nothing new is written, everything is in
	// place; the skipped count is regular files too.
	r, err = f.eng.Restore(ctx, engine.RestoreRequest{Site: "dr", Set: "models", Target: target, Overwrite: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Files+r.FilesSkipped != 3 {
		t.Fatalf("second restore: %d restored + %d skipped, want 3 regular files in place", r.Files, r.FilesSkipped)
	}
	if j := f.journal(); !strings.Contains(j[0].Detail, "(3 files, ") || !strings.Contains(j[0].Detail, "already in place)") {
		t.Fatalf("journal detail of a restore over itself: %q", j[0].Detail)
	}
	// A set without directories, restored over itself: every file is
	// skipped, none restored, and that is not "nothing to restore".
	f.replicated("datasets")
	flat := filepath.Join(t.TempDir(), "flat")
	for i := 0; i < 2; i++ {
		r, err = f.eng.Restore(ctx, engine.RestoreRequest{Site: "dr", Set: "datasets", Target: flat, Overwrite: true}, nil)
		if err != nil {
			t.Fatalf("restore %d of datasets: %v", i+1, err)
		}
	}
	if r.Files != 0 || r.FilesSkipped != 2 || r.BytesSkipped == 0 {
		t.Fatalf("datasets restored over itself: %+v", r)
	}
}

// An unfinished failover is "running" only while its process lives: with
// the recovery lock held by a live process it stays running (and status
// does not advise resuming it); once that process is gone, "interrupted".
func TestUnfinishedFailoverRunningOnlyWhileItsProcessLives(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "")
	ctx := context.Background()
	now := time.Now().UTC()
	if err := f.store.SaveFailover(ctx, storage.FailoverRun{RunID: "fo-1", From: "primary", To: "dr", Mode: "planned",
		State: "running", Declared: now, Updated: now, Operator: "alice", Data: "{}"}); err != nil {
		t.Fatal(err)
	}
	// A live process: this test's own.
	host, _ := os.Hostname()
	if _, ok, err := f.store.AcquireRecoveryLock(ctx, storage.RecoveryLock{RunID: "fo-1", Kind: "failover",
		PID: os.Getpid(), Host: host, Operator: "alice", Since: now}); err != nil || !ok {
		t.Fatal(ok, err)
	}
	st, err := f.eng.Status(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if st.LastFailover == nil || st.LastFailover.Outcome != "running" {
		t.Fatalf("live failover: %+v", st.LastFailover)
	}
	for _, p := range st.Problems {
		if strings.Contains(p.Message, "fo-1") && strings.Contains(p.Message, "--resume") {
			t.Errorf("status advises resuming a failover that is running: %s", p.Message)
		}
	}

	// The holder is gone: a process that has exited.
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	if err := f.store.ReleaseRecoveryLock(ctx, "fo-1"); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := f.store.AcquireRecoveryLock(ctx, storage.RecoveryLock{RunID: "fo-1", Kind: "failover",
		PID: dead.Process.Pid, Host: host, Operator: "alice", Since: now}); err != nil || !ok {
		t.Fatal(ok, err)
	}
	if st, err = f.eng.Status(ctx, false); err != nil {
		t.Fatal(err)
	}
	if st.LastFailover == nil || st.LastFailover.Outcome != "interrupted" {
		t.Fatalf("failover of a dead process: %+v", st.LastFailover)
	}

	// After a crash and a reboot the holder's pid belongs to another
	// process, started after the lock was taken: it is not the holder.
	reused := testenv.LiveProcess(t)
	if err := f.store.ReleaseRecoveryLock(ctx, "fo-1"); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := f.store.AcquireRecoveryLock(ctx, storage.RecoveryLock{RunID: "fo-1", Kind: "failover",
		PID: reused.Process.Pid, Host: host, Operator: "alice", Since: now.Add(-time.Hour)}); err != nil || !ok {
		t.Fatal(ok, err)
	}
	if st, err = f.eng.Status(ctx, false); err != nil {
		t.Fatal(err)
	}
	if st.LastFailover == nil || st.LastFailover.Outcome != "interrupted" {
		t.Fatalf("failover whose holder's pid was reused: %+v", st.LastFailover)
	}
}

// A drill whose check cannot take the standby's lock (another restic
// holds it) could not be evaluated: UNKNOWN and "evaluated": false, not a
// failed drill of the standby.
func TestDrillLockedAtStandbyIsNotEvaluated(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "drills: {scratch: "+filepath.Join(t.TempDir(), "scratch")+"}\n")
	f.init()
	f.replicated("serving")
	f.holdLock("dr")
	rep, err := f.eng.Drill(context.Background(), engine.DrillRequest{Site: "dr", Sets: []string{"serving"}}, nil)
	if err == nil || rep == nil {
		t.Fatalf("drill under a held lock: %v %+v", err, rep)
	}
	if rep.Evaluated || rep.Level != engine.LevelUnknown || !strings.Contains(rep.NotEvaluated, "lock") || rep.RTO.Seconds() != 0 {
		t.Fatalf("drill under a held lock: evaluated %v, level %v, not_evaluated %q, rto %v", rep.Evaluated, rep.Level, rep.NotEvaluated, rep.RTO.Seconds())
	}
}
