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
