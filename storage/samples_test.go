package storage

import (
	"context"
	"reflect"
	"testing"
	"time"
)

func TestSamples(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()

	if _, ok, err := s.LastSample(ctx, "main"); err != nil || ok {
		t.Fatalf("LastSample on empty = %v, %v", ok, err)
	}
	var mainSamples []SiteSample
	for i := 0; i < 5; i++ {
		smp := SiteSample{
			Site:      "main",
			Time:      at(time.Duration(i) * time.Minute),
			Reachable: i != 2,
			Latency:   time.Duration(i+1) * 7 * time.Millisecond,
			Locks:     i % 2,
		}
		if i == 2 {
			smp.Error = "dial tcp: connection refused"
		}
		mainSamples = append(mainSamples, smp)
	}
	// Record out of order; reads sort by time.
	for _, i := range []int{3, 0, 4, 1, 2} {
		if err := s.RecordSample(ctx, mainSamples[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.RecordSample(ctx, SiteSample{Site: "offsite", Time: at(time.Hour), Reachable: true}); err != nil {
		t.Fatal(err)
	}

	last, ok, err := s.LastSample(ctx, "main")
	if err != nil || !ok || last != mainSamples[4] {
		t.Errorf("LastSample = %+v, %v, %v; want %+v", last, ok, err, mainSamples[4])
	}

	all, err := s.Samples(ctx, "main", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(all, mainSamples) {
		t.Errorf("Samples:\n got  %+v\n want %+v", all, mainSamples)
	}
	since, err := s.Samples(ctx, "main", at(2*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(since, mainSamples[2:]) {
		t.Errorf("Samples since 2m = %+v", since)
	}

	if err := s.PruneSamples(ctx, at(3*time.Minute)); err != nil {
		t.Fatal(err)
	}
	left, _ := s.Samples(ctx, "main", time.Time{})
	if !reflect.DeepEqual(left, mainSamples[3:]) {
		t.Errorf("after prune = %+v", left)
	}
	if off, _ := s.Samples(ctx, "offsite", time.Time{}); len(off) != 1 {
		t.Errorf("prune removed newer offsite sample: %+v", off)
	}

	if err := s.RecordSample(ctx, SiteSample{Site: "cloud"}); err != nil {
		t.Fatal(err)
	}
	got, ok, _ := s.LastSample(ctx, "cloud")
	if !ok || time.Since(got.Time) > time.Minute || got.Time.Location() != time.UTC {
		t.Errorf("zero-time sample = %+v", got)
	}
}
