package storage

import (
	"context"
	"testing"
	"time"
)

func TestChecks(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()

	if _, ok, err := s.LastCheck(ctx, "main"); err != nil || ok {
		t.Fatalf("LastCheck on empty = %v, %v", ok, err)
	}
	recs := []CheckRecord{
		{Site: "main", Time: at(2 * time.Hour), OK: true, Subset: "5%", Detail: "no errors"},
		{Site: "main", Time: at(time.Hour), OK: false, Detail: "pack missing"}, // older, recorded later
		{Site: "offsite", Time: at(3 * time.Hour), OK: false, Detail: "offsite broken"},
	}
	for _, c := range recs {
		if err := s.RecordCheck(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	got, ok, err := s.LastCheck(ctx, "main")
	if err != nil || !ok {
		t.Fatalf("LastCheck = %v, %v", ok, err)
	}
	if got != recs[0] {
		t.Errorf("LastCheck(main) = %+v, want %+v", got, recs[0])
	}
	got, _, _ = s.LastCheck(ctx, "offsite")
	if got != recs[2] {
		t.Errorf("LastCheck(offsite) = %+v, want %+v", got, recs[2])
	}

	if err := s.RecordCheck(ctx, CheckRecord{Site: "cloud", OK: true}); err != nil {
		t.Fatal(err)
	}
	got, ok, _ = s.LastCheck(ctx, "cloud")
	if !ok || !got.OK || time.Since(got.Time) > time.Minute || got.Time.Location() != time.UTC {
		t.Errorf("zero-time check = %+v", got)
	}
}
