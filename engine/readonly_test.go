package engine_test

import (
	"context"
	"errors"
	"testing"

	"github.com/lifeboat-dr/lifeboat/engine"
	"github.com/lifeboat-dr/lifeboat/internal/testenv"
)

// TestReadOnlyEngineRefusesEveryWriter opens a second engine on a protected
// world with ReadOnly set: every action that writes to a repository is
// refused with the one reason, before any restic command runs, and a drill
// in particular runs no check.
func TestReadOnlyEngineRefusesEveryWriter(t *testing.T) {
	f := newFixture(t, "")
	f.protect()
	ctx := context.Background()
	st := f.store
	ro, err := engine.New(ctx, f.cfg, st, engine.Options{ResticBinary: testenv.Restic(t), ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	_, before := ro.CommandLog().Recent()
	calls := map[string]func() error{
		"init":      func() error { _, err := ro.Init(ctx, nil); return err },
		"backup":    func() error { _, err := ro.Backup(ctx, engine.BackupRequest{}, nil); return err },
		"replicate": func() error { _, err := ro.Replicate(ctx, engine.ReplicateRequest{}, nil); return err },
		"check":     func() error { _, err := ro.Check(ctx, engine.CheckRequest{}, nil); return err },
		"forget":    func() error { _, err := ro.Forget(ctx, engine.ForgetRequest{DryRun: true}, nil); return err },
		"restore": func() error {
			_, err := ro.Restore(ctx, engine.RestoreRequest{Site: "dr", Set: "models", Target: t.TempDir()}, nil)
			return err
		},
		"unlock": func() error { return ro.Unlock(ctx, "dr", false) },
		"drill":  func() error { _, err := ro.Drill(ctx, engine.DrillRequest{Site: "dr"}, nil); return err },
		"failover": func() error {
			_, err := ro.Failover(ctx, engine.FailoverRequest{To: "dr", Mode: engine.FailoverPlanned, Confirm: "dr"}, nil)
			return err
		},
	}
	for action, call := range calls {
		err := call()
		if !errors.Is(err, engine.ErrReadOnly) || err.Error() != engine.Refusal(true, action).Error() {
			t.Errorf("%s under read-only: %v", action, err)
		}
	}
	if invs, after := ro.CommandLog().Recent(); after != before {
		t.Errorf("read-only ran %d restic commands, the newest %v", after-before, invs[0].Args)
	}
	if n, err := st.CountDrills(ctx, "dr"); err != nil || n != 0 {
		t.Errorf("a refused drill stored a report: %d %v", n, err)
	}
	if engine.Refusal(true, "status") != nil || engine.Refusal(false, "drill") != nil {
		t.Error("Refusal refuses a reader, or a writer outside read-only")
	}
}
