package storage

import (
	"context"
	"testing"
	"time"
)

// Canaries stay in the cache (their ids, so a refresh does not fetch them
// again) but never in a catalog; CachedCanaries finds them.
func TestCanariesKeptOutOfTheCatalog(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Second)
	canary := snap(id64(2), now)
	canary.Tags = []string{CanaryTag}
	if err := s.SyncSnapshots(ctx, "dr", []Snapshot{snap(id64(1), now.Add(-time.Hour)), canary}, nil, now); err != nil {
		t.Fatal(err)
	}
	all, err := s.CachedSnapshots(ctx, "dr")
	if err != nil || len(all) != 1 || all[0].ID != id64(1) {
		t.Fatalf("catalog = %+v, %v", all, err)
	}
	ids, _ := s.CachedSnapshotIDs(ctx, "dr")
	if _, ok := ids[id64(2)]; !ok || len(ids) != 2 {
		t.Fatalf("ids = %v", ids)
	}
	c, err := s.CachedCanaries(ctx, "dr")
	if err != nil || len(c) != 1 || c[0].ID != id64(2) {
		t.Fatalf("canaries = %+v, %v", c, err)
	}
}

func TestImmutabilityProbeRecord(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	if _, ok, err := s.LastImmutabilityProbe(ctx, "dr"); ok || err != nil {
		t.Fatalf("before any probe: %v %v", ok, err)
	}
	t1 := time.Now().Add(-time.Hour)
	for _, p := range []ImmutabilityProbe{
		{Site: "dr", Time: t1, Result: ProbeUnknown, Detail: "locked"},
		{Site: "dr", Time: t1.Add(time.Minute), Result: ProbeImmutable, Canary: id64(7), Detail: "refused"},
	} {
		if err := s.RecordImmutabilityProbe(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	p, ok, err := s.LastImmutabilityProbe(ctx, "dr")
	if err != nil || !ok || p.Result != ProbeImmutable || p.Canary != id64(7) || !p.Time.Equal(t1.Add(time.Minute).Round(0)) {
		t.Fatalf("last probe = %+v %v %v", p, ok, err)
	}
}
