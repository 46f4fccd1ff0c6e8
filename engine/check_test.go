package engine_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-dr/lifeboat/engine"
	"github.com/lifeboat-dr/lifeboat/internal/testenv"
)

// holdLock starts a backup at site that holds restic's lock for a minute
// (killed when the test ends) and waits until the lock is there.
func (f *fixture) holdLock(site string) {
	t := f.t
	t.Helper()
	s, _ := f.cfg.Site(site)
	slow := exec.Command(testenv.Restic(t), "backup", "--stdin-from-command", "--stdin-filename", "slow", "--", "sh", "-c", "sleep 60")
	slow.Env = append(os.Environ(), "RESTIC_REPOSITORY="+s.Repository, "RESTIC_PASSWORD_FILE="+f.pwFile)
	if err := slow.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = slow.Process.Kill(); _ = slow.Wait() })
	waitFor(t, 30*time.Second, "the backup's lock", func() bool {
		return strings.TrimSpace(string(f.raw(site, "list", "locks", "--no-lock"))) != ""
	})
}

// A check that cannot take its lock could not run: UNKNOWN, no check
// record, no check_failed — not damage.
func TestCheckLockedIsNotDamage(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "")
	f.init()
	f.holdLock("primary")
	res, err := f.eng.Check(context.Background(), engine.CheckRequest{Sites: []string{"primary"}}, nil)
	if err == nil || len(res) != 1 || res[0].Error == "" || res[0].Level() != engine.LevelUnknown {
		t.Fatalf("check under a held lock: %+v %v", res, err)
	}
	if _, ok, _ := f.store.LastCheck(context.Background(), "primary"); ok {
		t.Error("a check that could not run was recorded as a check")
	}
}

// A check of a site that is down could not run: it fails fast, is not
// recorded, and restic's retry notices are not counted as damage.
func TestCheckUnreachableIsNotDamage(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "")
	f.init()
	f.srv.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	start := time.Now()
	res, err := f.eng.Check(ctx, engine.CheckRequest{Sites: []string{"dr"}}, nil)
	if err == nil || len(res) != 1 || res[0].Error == "" || len(res[0].Errors) != 0 {
		t.Fatalf("check of a stopped site: %+v %v", res, err)
	}
	if res[0].Level() != engine.LevelCritical || !strings.Contains(res[0].Error, "unreachable") {
		t.Errorf("level %v, error %q; want CRITICAL, unreachable", res[0].Level(), res[0].Error)
	}
	if took := time.Since(start); took > 30*time.Second {
		t.Errorf("check of a stopped site took %v", took)
	}
	if _, ok, _ := f.store.LastCheck(context.Background(), "dr"); ok {
		t.Error("a check that could not run was recorded as a check")
	}
}
