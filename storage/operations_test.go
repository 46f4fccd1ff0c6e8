package storage

import (
	"context"
	"testing"
	"time"
)

func TestOperationsLifecycle(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()

	in := Operation{
		Kind: "backup", Site: "main", Set: "postgres",
		Started:  at(0),
		Finished: at(time.Hour), // ignored on start
		State:    "ok",          // forced to running
		PID:      4242, Host: "db1",
		Files: 1, Bytes: 2, Detail: "starting",
	}
	id, err := s.StartOperation(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	id2, err := s.StartOperation(ctx, Operation{Kind: "replicate", Site: "offsite", PID: 7, Host: "db1"})
	if err != nil {
		t.Fatal(err)
	}

	running, err := s.RunningOperations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(running) != 2 || running[0].ID != id || running[1].ID != id2 {
		t.Fatalf("running = %+v", running)
	}
	want := in
	want.ID, want.State, want.Finished = id, StateRunning, time.Time{}
	if running[0] != want {
		t.Errorf("started op:\n got  %+v\n want %+v", running[0], want)
	}
	if st := running[1].Started; time.Since(st) > time.Minute || st.Location() != time.UTC {
		t.Errorf("zero Started not filled with now (UTC): %v", st)
	}

	before := time.Now().Add(-time.Millisecond)
	if err := s.FinishOperation(ctx, id, "warning", "3 files unreadable", 1000, 1<<40); err != nil {
		t.Fatal(err)
	}
	running, err = s.RunningOperations(ctx)
	if err != nil || len(running) != 1 || running[0].ID != id2 {
		t.Fatalf("running after finish = %+v, %v", running, err)
	}

	recent, err := s.RecentOperations(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(recent) != 2 || recent[0].ID != id2 || recent[1].ID != id {
		t.Fatalf("recent = %+v", recent)
	}
	done := recent[1]
	if done.State != "warning" || done.Detail != "3 files unreadable" || done.Files != 1000 || done.Bytes != 1<<40 {
		t.Errorf("finished op = %+v", done)
	}
	if done.Finished.Before(before) || done.Finished.Location() != time.UTC {
		t.Errorf("Finished = %v, want now in UTC", done.Finished)
	}
	if !done.Started.Equal(at(0)) || done.PID != 4242 || done.Host != "db1" || done.Kind != "backup" {
		t.Errorf("finish changed start fields: %+v", done)
	}

	if recent, _ := s.RecentOperations(ctx, 1); len(recent) != 1 || recent[0].ID != id2 {
		t.Errorf("RecentOperations(1) = %+v", recent)
	}

	if err := s.FinishOperation(ctx, 99999, "ok", "", 0, 0); err == nil {
		t.Error("finishing a missing operation succeeded")
	}
	if err := s.FinishOperation(ctx, id2, StateRunning, "", 0, 0); err == nil {
		t.Error("finishing with state running succeeded")
	}
	if err := s.FinishOperation(ctx, id2, "", "", 0, 0); err == nil {
		t.Error("finishing with an empty state succeeded")
	}
}
