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
