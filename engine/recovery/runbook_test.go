package recovery

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/lifeboat-dr/lifeboat/internal/dr"
	"github.com/lifeboat-dr/lifeboat/storage"
)

func newEnv(t *testing.T) *Env {
	t.Helper()
	st, err := storage.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return &Env{Store: st, Operator: "tester", Journal: func(ctx context.Context, e storage.JournalEntry) error {
		_, err := st.AppendJournal(ctx, e)
		return err
	}}
}

// Every transition is reported typed, from the state the step had: a
// failing step goes pending → running → failed and a resumed run starts
// it again from failed.
func TestRunbookReportsTypedTransitions(t *testing.T) {
	env := newEnv(t)
	ctx := context.Background()
	fail := true
	steps := []Step{
		{Name: "one", Run: func(context.Context) (string, error) { return "ok", nil }},
		{Name: "two", Run: func(context.Context) (string, error) {
			if fail {
				return "", errors.New("boom")
			}
			return "ok", nil
		}},
	}
	var got []dr.StepChanged
	record := func(ch dr.StepChanged, st dr.RunbookStep) {
		if ch.Step != st.Name || ch.To != st.Status {
			t.Errorf("change %+v does not describe the step %+v", ch, st)
		}
		got = append(got, ch)
	}
	rb, err := env.NewRunbook(ctx, "", "r1", steps)
	if err != nil {
		t.Fatal(err)
	}
	if err := rb.Run(ctx, record); err == nil {
		t.Fatal("a failing step did not fail the run")
	}
	fail = false
	if rb, err = env.NewRunbook(ctx, "", "r1", steps); err != nil {
		t.Fatal(err)
	}
	if err := rb.Run(ctx, record); err != nil {
		t.Fatal(err)
	}
	want := []dr.StepChanged{
		{Step: "one", From: dr.StepPending, To: dr.StepRunning}, {Step: "one", From: dr.StepRunning, To: dr.StepDone},
		{Step: "two", From: dr.StepPending, To: dr.StepRunning}, {Step: "two", From: dr.StepRunning, To: dr.StepFailed},
		{Step: "two", From: dr.StepFailed, To: dr.StepRunning}, {Step: "two", From: dr.StepRunning, To: dr.StepDone},
	}
	if len(got) != len(want) {
		t.Fatalf("changes %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("change %d: %+v, want %+v", i, got[i], want[i])
		}
	}
}

// A lock whose holder died on this host is taken over once, and the
// takeover is journaled with the run's id; a live holder refuses.
func TestReclaimLockTakesOverOnlyADeadHolder(t *testing.T) {
	env := newEnv(t)
	ctx := context.Background()
	host, _ := os.Hostname()
	dead := storage.RecoveryLock{RunID: "f1", Kind: "failover", PID: 1 << 30, Host: host}
	if _, ok, err := env.Store.AcquireRecoveryLock(ctx, dead); err != nil || !ok {
		t.Fatal(ok, err)
	}
	var held *LockHeldError
	if err := env.ReclaimLock(ctx, "failover", "f1", "dr", &dead, true); !errors.As(err, &held) {
		t.Fatalf("a live holder: %v", err)
	}
	if err := env.ReclaimLock(ctx, "failover", "f1", "dr", &dead, false); err != nil {
		t.Fatal(err)
	}
	now, ok, err := env.Store.RecoveryLockHolder(ctx)
	if err != nil || !ok || now.PID != os.Getpid() {
		t.Fatalf("holder after the takeover: %+v %v %v", now, ok, err)
	}
	entries, err := env.Store.Journal(ctx, storage.JournalQuery{RunID: "f1"})
	if err != nil || len(entries) != 1 || entries[0].Outcome != string(dr.OutcomeWarning) {
		t.Fatalf("journal of the takeover: %+v %v", entries, err)
	}
}
