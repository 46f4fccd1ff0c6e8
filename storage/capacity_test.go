package storage

import (
	"context"
	"testing"
	"time"
)

func TestCapacityHistory(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	i64 := func(v int64) *int64 { return &v }
	ratio := 1.5
	if err := s.RecordCapacity(ctx, CapacitySample{Site: "main", Time: at(time.Hour),
		StoredBytes: i64(200), RawBytes: i64(300), RestoreBytes: i64(900), CompressionRatio: &ratio, Snapshots: i64(3)}); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordCapacity(ctx, CapacitySample{Site: "main", Time: at(0), StoredBytes: i64(100), FreeBytes: i64(0)}); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordCapacity(ctx, CapacitySample{Site: "main", Time: at(2 * time.Hour), Error: "unreachable"}); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordCapacity(ctx, CapacitySample{Site: "other", Time: at(0), StoredBytes: i64(7)}); err != nil {
		t.Fatal(err)
	}
	h, err := s.CapacityHistory(ctx, "main", at(0))
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 3 {
		t.Fatalf("history has %d rows, want 3: %+v", len(h), h)
	}
	// Oldest first; a recorded 0 stays 0 and an unknown stays nil.
	if h[0].StoredBytes == nil || *h[0].StoredBytes != 100 || h[0].FreeBytes == nil || *h[0].FreeBytes != 0 || h[0].RawBytes != nil {
		t.Errorf("first row = %+v", h[0])
	}
	if h[1].CompressionRatio == nil || *h[1].CompressionRatio != 1.5 || *h[1].RestoreBytes != 900 || *h[1].Snapshots != 3 || h[1].FreeBytes != nil {
		t.Errorf("second row = %+v", h[1])
	}
	if h[2].Error != "unreachable" || h[2].StoredBytes != nil || !h[2].Time.Equal(at(2*time.Hour)) {
		t.Errorf("third row = %+v", h[2])
	}
	// The newest good one, past the failed run after it.
	if c, ok, err := s.LatestCapacity(ctx, "main"); err != nil || !ok || !c.Time.Equal(at(time.Hour)) || *c.StoredBytes != 200 {
		t.Errorf("LatestCapacity = %+v, %v, %v", c, ok, err)
	}
	if _, ok, err := s.LatestCapacity(ctx, "nowhere"); err != nil || ok {
		t.Errorf("LatestCapacity of an unmeasured site = %v, %v", ok, err)
	}
	if h, err := s.CapacityHistory(ctx, "main", at(90*time.Minute)); err != nil || len(h) != 1 {
		t.Errorf("since filter: %d rows, %v", len(h), err)
	}
}
