package storage

import (
	"context"
	"reflect"
	"testing"
	"time"
)

func TestInvocations(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()

	in := Invocation{
		Time:     at(0),
		Site:     "main",
		Args:     []string{"restic", "-r", "rest:https://***@host/repo", "snapshots", "--json", "a b"},
		Duration: 1500 * time.Millisecond,
		ExitCode: 11,
		Error:    "repository is locked",
	}
	if err := s.RecordInvocation(ctx, in); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 4; i++ {
		if err := s.RecordInvocation(ctx, Invocation{Time: at(time.Duration(i) * time.Minute), Site: "main", Args: []string{"restic", "version"}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.RecordInvocation(ctx, Invocation{Site: "offsite"}); err != nil { // zero time: now, newest
		t.Fatal(err)
	}

	all, err := s.RecentInvocations(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 6 {
		t.Fatalf("got %d invocations", len(all))
	}
	if all[0].Site != "offsite" || all[0].Args != nil || time.Since(all[0].Time) > time.Minute {
		t.Errorf("newest = %+v", all[0])
	}
	for i := 1; i < len(all); i++ {
		if all[i].Time.After(all[i-1].Time) {
			t.Errorf("not newest first at %d", i)
		}
	}
	oldest := all[5]
	want := in
	want.ID = oldest.ID
	if !reflect.DeepEqual(oldest, want) {
		t.Errorf("round trip:\n got  %+v\n want %+v", oldest, want)
	}

	if got, _ := s.RecentInvocations(ctx, 2); len(got) != 2 || got[0].ID != all[0].ID || got[1].ID != all[1].ID {
		t.Errorf("RecentInvocations(2) = %+v", got)
	}

	if err := s.PruneInvocations(ctx, 3); err != nil {
		t.Fatal(err)
	}
	kept, err := s.RecentInvocations(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(kept, all[:3]) {
		t.Errorf("after prune(3) = %+v, want %+v", kept, all[:3])
	}
	if err := s.PruneInvocations(ctx, 10); err != nil {
		t.Fatal(err)
	}
	if kept, _ := s.RecentInvocations(ctx, 0); len(kept) != 3 {
		t.Errorf("prune(10) of 3 left %d", len(kept))
	}
	if err := s.PruneInvocations(ctx, -1); err == nil {
		t.Error("prune(-1) succeeded")
	}
	if err := s.PruneInvocations(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if kept, _ := s.RecentInvocations(ctx, 0); len(kept) != 0 {
		t.Errorf("prune(0) left %d", len(kept))
	}
}

// TestInvocationsNewestEndedFirst: the command log is in the order commands
// ended, so a long restore that ended last is on top, above the short
// listing that started after it and ended before it.
func TestInvocationsNewestEndedFirst(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	long := Invocation{Time: at(0), Site: "dr", Args: []string{"restic", "restore"}, Duration: 49 * time.Second}
	short := Invocation{Time: at(10 * time.Second), Site: "dr", Args: []string{"restic", "list", "locks"}, Duration: time.Second}
	for _, inv := range []Invocation{long, short} {
		if err := s.RecordInvocation(ctx, inv); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.RecentInvocations(ctx, 0)
	if err != nil || len(got) != 2 || got[0].Args[1] != "restore" {
		t.Fatalf("newest ended first: %+v %v", got, err)
	}
	if err := s.PruneInvocations(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if kept, _ := s.RecentInvocations(ctx, 0); len(kept) != 1 || kept[0].Args[1] != "restore" {
		t.Errorf("prune kept %+v, not the command that ended last", kept)
	}
}
