package engine_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lifeboat-dr/lifeboat/engine"
	"github.com/lifeboat-dr/lifeboat/internal/testenv"
	"github.com/lifeboat-dr/lifeboat/storage"
)

// holdLive records a live process of this host as the holder of op's lock
// at site, its lease last renewed at renewed (zero: now), and returns what
// releases it.
func (f *fixture) holdLive(site, op, operator string, renewed time.Time) func() {
	f.t.Helper()
	ctx := context.Background()
	host, _ := os.Hostname()
	live := testenv.LiveProcess(f.t)
	token := "live-" + op
	if _, ok, err := f.store.AcquireOperationLock(ctx, storage.OperationLock{Site: site, Operation: op,
		Token: token, PID: live.Process.Pid, Host: host, Operator: operator, Renewed: renewed}); err != nil || !ok {
		f.t.Fatalf("recording a live holder of %s: ok %v, %v", op, ok, err)
	}
	return func() { _ = f.store.ReleaseOperationLock(ctx, site, op, token) }
}

// secondProcess is another engine over the fixture's state directory and
// config, as a second lifeboat process (watch beside a shell) has.
func (f *fixture) secondProcess() (*storage.Store, *engine.Engine) {
	f.t.Helper()
	st, err := storage.Open(filepath.Join(f.dir, "state"))
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { st.Close() })
	eng, err := engine.New(context.Background(), f.cfg, st, engine.Options{ResticBinary: testenv.Restic(f.t),
		Operator: &engine.Operator{User: "bob@bastion"}})
	if err != nil {
		f.t.Fatal(err)
	}
	return st, eng
}

// Two replications to the same standby from two processes at once copy each
// snapshot once: a duplicate at the standby halves its real retention.
func TestReplicationsFromTwoProcessesCopyOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "")
	f.init()
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		// Fresh incompressible data in every snapshot, so that copying one
		// takes long enough for the two copies to overlap.
		blob := make([]byte, 16<<20)
		_, _ = rand.Read(blob)
		if err := os.WriteFile(filepath.Join(f.data, "models", "ckpt-1", "shard-"+strconv.Itoa(i+2)+".bin"), blob, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := f.eng.Backup(ctx, engine.BackupRequest{}, nil); err != nil {
			t.Fatal(err)
		}
	}
	_, other := f.secondProcess()

	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, eng := range []*engine.Engine{f.eng, other} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = eng.Replicate(ctx, engine.ReplicateRequest{}, nil)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("replication %d: %v", i, err)
		}
	}

	var originals, copies []struct {
		ID       string `json:"id"`
		Original string `json:"original"`
	}
	if err := json.Unmarshal(f.raw("primary", "snapshots", "--json", "--no-lock"), &originals); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(f.raw("dr", "snapshots", "--json", "--no-lock"), &copies); err != nil {
		t.Fatal(err)
	}
	held := map[string]int{}
	for _, c := range copies {
		held[c.Original]++
	}
	if len(originals) != 9 {
		t.Fatalf("primary holds %d snapshots, want 9", len(originals))
	}
	for _, o := range originals {
		if held[o.ID] != 1 {
			t.Errorf("snapshot %s is held %d times at dr, want once", o.ID, held[o.ID])
		}
	}
	if len(copies) != len(originals) {
		t.Errorf("dr holds %d snapshots for %d originals", len(copies), len(originals))
	}
}

// A replication that meets a live holder of the standby's lock waits, says
// who holds it, and stops waiting when cancelled, having copied nothing.
// A holder whose process is gone is taken over and the takeover journaled,
// and so is a holder on another host whose lease ran out.
func TestReplicationLockHolders(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "")
	f.init()
	ctx := context.Background()
	if _, err := f.eng.Backup(ctx, engine.BackupRequest{Sets: []string{"datasets"}}, nil); err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()

	// A live holder: a real process on this host.
	live := testenv.LiveProcess(t)
	if _, ok, err := f.store.AcquireOperationLock(ctx, storage.OperationLock{Site: "dr", Operation: "replicate",
		Token: "live-holder", PID: live.Process.Pid, Host: host, Operator: "carol@bastion"}); err != nil || !ok {
		t.Fatalf("recording a live holder: ok %v, %v", ok, err)
	}
	wctx, cancel := context.WithCancel(ctx)
	waiting := make(chan string, 1)
	var once sync.Once
	obs := func(ev engine.Event) {
		if ev.Kind == engine.EventInfo && ev.Op == "replicate" && ev.Site == "dr" {
			once.Do(func() { waiting <- ev.Message; cancel() })
		}
	}
	_, err := f.eng.Replicate(wctx, engine.ReplicateRequest{}, obs)
	cancel()
	select {
	case msg := <-waiting:
		for _, want := range []string{"carol@bastion", "pid " + strconv.Itoa(live.Process.Pid), host, "replicate at site dr"} {
			if !strings.Contains(msg, want) {
				t.Errorf("wait message %q does not name %q", msg, want)
			}
		}
	default:
		t.Fatalf("replication under a live holder did not say it waits (err %v)", err)
	}
	if !errors.Is(err, engine.ErrOperationLocked) || !errors.Is(err, context.Canceled) ||
		!strings.Contains(err.Error(), "carol@bastion") {
		t.Errorf("cancelled wait returned %v; want the holder named and a cancellation", err)
	}
	if n := strings.TrimSpace(string(f.raw("dr", "snapshots", "--json", "--no-lock"))); n != "[]" {
		t.Errorf("a replication that never got the lock copied: %s", n)
	}

	// A dead holder: the live one killed with SIGKILL, its record left.
	_ = live.Process.Kill()
	_ = live.Wait()
	if _, err := f.eng.Replicate(ctx, engine.ReplicateRequest{}, nil); err != nil {
		t.Fatalf("replication after its lock holder died: %v", err)
	}
	tookOver := func(from string) bool {
		return f.journaled(func(j storage.JournalEntry) bool {
			return j.Action == "replicate" && j.Site == "dr" && j.Outcome == "warning" &&
				strings.Contains(j.Detail, "took over") && strings.Contains(j.Detail, from)
		}) > 0
	}
	if !tookOver("carol@bastion") {
		t.Errorf("takeover of a dead holder not journaled: %+v", f.journal())
	}
	if _, ok, _ := f.store.OperationLockHolder(ctx, "dr", "replicate"); ok {
		t.Error("the replication's lock is still held after it ended")
	}

	// A holder on another host is not probed; its lease decides.
	stale := time.Now().Add(-10 * time.Minute)
	if _, ok, err := f.store.AcquireOperationLock(ctx, storage.OperationLock{Site: "dr", Operation: "replicate",
		Token: "far-holder", PID: 1, Host: "far-away-bastion", Operator: "dave@far", Since: stale, Renewed: stale}); err != nil || !ok {
		t.Fatalf("recording a far holder: ok %v, %v", ok, err)
	}
	if _, err := f.eng.Replicate(ctx, engine.ReplicateRequest{}, nil); err != nil {
		t.Fatalf("replication after a far holder's lease ran out: %v", err)
	}
	if !tookOver("dave@far") {
		t.Errorf("takeover of a lapsed lease not journaled: %+v", f.journal())
	}
}

// Backup, check and forget wait for a live holder of their lock and name
// it; unlock, a short command run by hand, refuses and names it.
func TestOperationsWaitForALiveHolder(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "")
	f.init()
	ctx := context.Background()
	hold := func(op string) func() { return f.holdLive("primary", op, "carol@bastion", time.Time{}) }
	for _, c := range []struct {
		lock string
		run  func(context.Context, engine.Observer) error
	}{
		{"backup models", func(ctx context.Context, obs engine.Observer) error {
			_, err := f.eng.Backup(ctx, engine.BackupRequest{Sets: []string{"models"}}, obs)
			return err
		}},
		{"check", func(ctx context.Context, obs engine.Observer) error {
			_, err := f.eng.Check(ctx, engine.CheckRequest{Sites: []string{"primary"}}, obs)
			return err
		}},
		{"forget", func(ctx context.Context, obs engine.Observer) error {
			_, err := f.eng.Forget(ctx, engine.ForgetRequest{Sites: []string{"primary"}, Sets: []string{"models"}}, obs)
			return err
		}},
	} {
		unhold := hold(c.lock)
		wctx, cancel := context.WithCancel(ctx)
		var msg string
		err := c.run(wctx, func(ev engine.Event) {
			if ev.Kind == engine.EventInfo && ev.Site == "primary" && msg == "" {
				msg = ev.Message
				cancel()
			}
		})
		cancel()
		unhold()
		if !strings.Contains(msg, "carol@bastion") || !strings.Contains(msg, c.lock+" at site primary") {
			t.Errorf("%s under a live holder: wait message %q (err %v)", c.lock, msg, err)
		}
		if !errors.Is(err, engine.ErrOperationLocked) {
			t.Errorf("%s: cancelled wait returned %v", c.lock, err)
		}
		if j := f.journal(); len(j) == 0 || j[0].Outcome != "cancelled" || !strings.Contains(j[0].Detail, "waiting") {
			t.Errorf("%s: a run cancelled while it waited is not journaled as cancelled: %+v", c.lock, j[:min(1, len(j))])
		}
	}
	if n := strings.TrimSpace(string(f.raw("primary", "snapshots", "--json", "--no-lock"))); n != "[]" {
		t.Errorf("a backup that never got its lock ran: %s", n)
	}

	unhold := hold("unlock")
	err := f.eng.Unlock(ctx, "primary", false)
	unhold()
	if !errors.Is(err, engine.ErrOperationLocked) || !strings.Contains(err.Error(), "carol@bastion") {
		t.Errorf("unlock under a live holder: %v; want a refusal naming the holder", err)
	}
}

// A live process on this host keeps its operation lock however old its
// lease (it may have been stopped or suspended and resume mid-copy), and
// `unlock --all` refuses while any lifeboat operation may be running restic.
func TestLiveHoldersAreNeverTakenOverAndUnlockAllWaits(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "")
	f.init()
	ctx := context.Background()
	release := f.holdLive("primary", "check", "erin@bastion", time.Now().Add(-10*time.Minute)) // stopped, or suspended
	wctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	_, err := f.eng.Check(wctx, engine.CheckRequest{Sites: []string{"primary"}}, nil)
	cancel()
	if !errors.Is(err, engine.ErrOperationLocked) {
		t.Errorf("a check under a live holder with a lapsed lease: %v", err)
	}
	for _, j := range f.journal() {
		if strings.Contains(j.Detail, "took over") {
			t.Errorf("a live holder's lock was taken over: %+v", j)
		}
	}

	err = f.eng.Unlock(ctx, "dr", true)
	if err == nil || !strings.Contains(err.Error(), "erin@bastion") || !strings.Contains(err.Error(), "refused") {
		t.Errorf("unlock --all while a check may run: %v", err)
	}
	release()
	if err := f.eng.Unlock(ctx, "dr", true); err != nil {
		t.Errorf("unlock --all with nothing running: %v", err)
	}
}
