package storage

import (
	"context"
	"sync"
	"testing"
	"time"
)

func TestDrillsChainOrder(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	if _, ok, err := s.LastDrill(ctx, "dr"); ok || err != nil {
		t.Fatalf("LastDrill on empty: %v %v", ok, err)
	}
	if h, err := s.LastDrillSHA256(ctx); h != "" || err != nil {
		t.Fatalf("chain head on empty: %q %v", h, err)
	}
	recs := []DrillRecord{
		{ID: "a", Site: "dr", Started: at(0), Finished: at(time.Minute), Passed: true, SHA256: "h1", ConfigHash: "c", SubsetN: 1, SubsetT: 10},
		{ID: "b", Site: "cloud", Started: at(time.Hour), Finished: at(time.Hour + time.Minute), PrevSHA256: "h1", SHA256: "h2"},
		{ID: "c", Site: "dr", Started: at(2 * time.Hour), Finished: at(2*time.Hour + time.Minute), PrevSHA256: "h2", SHA256: "h3"},
	}
	for _, r := range recs {
		if err := s.SaveDrill(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SaveDrill(ctx, recs[0]); err == nil {
		t.Fatal("a drill id saved twice")
	}
	last, ok, err := s.LastDrill(ctx, "dr")
	if err != nil || !ok || last.ID != "c" || last.Passed || !last.Finished.Equal(recs[2].Finished) {
		t.Fatalf("LastDrill(dr) = %+v %v %v", last, ok, err)
	}
	passed, ok, _ := s.LastPassedDrill(ctx, "dr")
	if !ok || passed.ID != "a" || passed.ConfigHash != "c" || passed.SubsetN != 1 || passed.SubsetT != 10 {
		t.Fatalf("LastPassedDrill(dr) = %+v", passed)
	}
	if n, _ := s.CountDrills(ctx, "dr"); n != 2 {
		t.Fatalf("CountDrills(dr) = %d", n)
	}
	all, _ := s.AllDrills(ctx)
	if len(all) != 3 || all[0].ID != "a" || all[2].ID != "c" {
		t.Fatalf("AllDrills = %+v", all)
	}
	if h, _ := s.LastDrillSHA256(ctx); h != "h3" {
		t.Fatalf("chain head %q", h)
	}
	dr, _ := s.Drills(ctx, "dr", 0)
	if len(dr) != 2 || dr[0].ID != "c" {
		t.Fatalf("Drills(dr) = %+v", dr)
	}
}

func TestRunbookSteps(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	st := RunbookStep{RunID: "r1", Index: 1, Name: "restore models", Status: "running", Started: at(0)}
	if err := s.SaveStep(ctx, RunbookStep{RunID: "r1", Index: 0, Name: "preflight", Status: "done", Started: at(0), Finished: at(time.Second)}); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveStep(ctx, st); err != nil {
		t.Fatal(err)
	}
	st.Status, st.Finished, st.Detail, st.HumanWait = "failed", at(time.Minute), "boom", 5*time.Second
	if err := s.SaveStep(ctx, st); err != nil {
		t.Fatal(err)
	}
	got, err := s.Steps(ctx, "r1")
	if err != nil || len(got) != 2 || got[0].Name != "preflight" || got[1] != st {
		t.Fatalf("Steps = %+v %v", got, err)
	}
}

func TestRecoveryLock(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	// Many racers: exactly one wins.
	var wg sync.WaitGroup
	wins := make(chan string, 16)
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := string(rune('a' + i))
			if _, ok, err := s.AcquireRecoveryLock(ctx, RecoveryLock{RunID: id, Kind: "drill", PID: 100 + i}); err == nil && ok {
				wins <- id
			}
		}()
	}
	wg.Wait()
	close(wins)
	var winners []string
	for w := range wins {
		winners = append(winners, w)
	}
	if len(winners) != 1 {
		t.Fatalf("winners %v", winners)
	}
	holder, ok, _ := s.RecoveryLockHolder(ctx)
	if !ok || holder.RunID != winners[0] {
		t.Fatalf("holder %+v", holder)
	}
	held, ok, err := s.AcquireRecoveryLock(ctx, RecoveryLock{RunID: "other"})
	if err != nil || ok || held != holder {
		t.Fatalf("second acquire: %+v %v %v", held, ok, err)
	}
	// Re-acquiring by the holder is fine; releasing by another does nothing.
	if _, ok, _ := s.AcquireRecoveryLock(ctx, holder); !ok {
		t.Fatal("holder could not re-acquire")
	}
	_ = s.ReleaseRecoveryLock(ctx, "other")
	if _, ok, _ := s.RecoveryLockHolder(ctx); !ok {
		t.Fatal("released by a non-holder")
	}
	// Take-over only replaces the holder it names.
	if _, ok, _ := s.TakeOverRecoveryLock(ctx, RecoveryLock{RunID: "stale"}, RecoveryLock{RunID: "new"}); ok {
		t.Fatal("took over a lock naming the wrong holder")
	}
	if got, ok, _ := s.TakeOverRecoveryLock(ctx, holder, RecoveryLock{RunID: "new", PID: 7}); !ok || got.RunID != "new" {
		t.Fatalf("take over: %+v %v", got, ok)
	}
	if err := s.ReleaseRecoveryLock(ctx, "new"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.RecoveryLockHolder(ctx); ok {
		t.Fatal("lock still held after release")
	}
}
