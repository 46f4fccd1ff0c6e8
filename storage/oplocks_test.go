package storage

import (
	"context"
	"testing"
	"time"
)

// Two processes taking over the same dead holder: one wins, and the
// loser's takeover and the dead holder's renewal both see they lost it.
func TestOperationLockTakeOverIsAtomic(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	dead := OperationLock{Site: "dr", Operation: "replicate", Token: "dead", PID: 1, Host: "h"}
	if _, ok, err := s.AcquireOperationLock(ctx, dead); err != nil || !ok {
		t.Fatalf("acquire: %v %v", ok, err)
	}
	if held, ok, err := s.AcquireOperationLock(ctx, OperationLock{Site: "dr", Operation: "replicate", Token: "a"}); err != nil || ok || held.Token != "dead" {
		t.Fatalf("second acquire: held %+v ok %v %v; want refused, naming the holder", held, ok, err)
	}
	a := OperationLock{Site: "dr", Operation: "replicate", Token: "a", PID: 2, Host: "h"}
	b := OperationLock{Site: "dr", Operation: "replicate", Token: "b", PID: 3, Host: "h"}
	if _, ok, err := s.TakeOverOperationLock(ctx, dead, a); err != nil || !ok {
		t.Fatalf("first takeover: %v %v", ok, err)
	}
	if held, ok, err := s.TakeOverOperationLock(ctx, dead, b); err != nil || ok || held.Token != "a" {
		t.Fatalf("second takeover of the same holder: held %+v ok %v %v", held, ok, err)
	}
	if ok, err := s.RenewOperationLock(ctx, "dr", "replicate", "dead", time.Now()); err != nil || ok {
		t.Fatalf("renewal by the replaced holder: %v %v", ok, err)
	}
	// Another site or operation is another lock.
	if _, ok, err := s.AcquireOperationLock(ctx, OperationLock{Site: "dr", Operation: "check", Token: "c"}); err != nil || !ok {
		t.Fatalf("other operation: %v %v", ok, err)
	}
	if err := s.ReleaseOperationLock(ctx, "dr", "replicate", "b"); err != nil {
		t.Fatal(err)
	}
	if l, ok, _ := s.OperationLockHolder(ctx, "dr", "replicate"); !ok || l.Token != "a" {
		t.Fatalf("release by a non-holder dropped the lock: %+v %v", l, ok)
	}
	if err := s.ReleaseOperationLock(ctx, "dr", "replicate", "a"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.OperationLockHolder(ctx, "dr", "replicate"); ok {
		t.Fatal("lock still held after its holder released it")
	}
}

func TestPrunePending(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	first := at(-time.Hour)
	if err := s.SetPrunePending(ctx, "primary", first, "forget of models removed 2 snapshot(s)"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetPrunePending(ctx, "primary", at(0), "forget of serving removed 1 snapshot(s)"); err != nil {
		t.Fatal(err)
	}
	since, _, ok, err := s.PrunePending(ctx, "primary")
	if err != nil || !ok || !since.Equal(first.UTC()) {
		t.Fatalf("pending: since %v ok %v %v; want owed since the first forget", since, ok, err)
	}
	if _, _, ok, _ := s.PrunePending(ctx, "dr"); ok {
		t.Error("another site owes a prune")
	}
	if err := s.ClearPrunePending(ctx, "primary"); err != nil {
		t.Fatal(err)
	}
	if _, _, ok, _ := s.PrunePending(ctx, "primary"); ok {
		t.Error("prune still pending after it was cleared")
	}
}
