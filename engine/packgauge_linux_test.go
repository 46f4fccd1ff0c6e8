package engine

import "testing"

// Every full pack counts, also after a pack that a big blob made larger
// than the target; the small packs restic merges at a batch's end (their
// files close later) never count.
func TestPackGaugeCountsEveryFullPack(t *testing.T) {
	const mib = 1 << 20
	g := newPackGauge(0, 4*mib)
	steps := []struct {
		open map[string]uint64
		want uint64
	}{
		{map[string]uint64{"p1": 12 * mib}, 0},           // a pack a 9 MiB blob ended
		{map[string]uint64{"p2": 5 * mib}, 12 * mib},     // the first was taken
		{map[string]uint64{"p3": 1 * mib}, 17 * mib},     // so was the second, smaller one
		{map[string]uint64{"p4": 2 * mib}, 17 * mib},     // a merged small pack closed: not counted
		{map[string]uint64{}, 17 * mib},                  // nor this one
		{map[string]uint64{"p5": 3 * mib}, 17 * mib},     // growing...
		{map[string]uint64{"p5": 4*mib + 100}, 17 * mib}, // ...full
		{map[string]uint64{}, 21*mib + 100},
	}
	for i, s := range steps {
		if got := g.observe(s.open); got != s.want {
			t.Fatalf("step %d: delivered %d MiB, want %d MiB", i, got/mib, s.want/mib)
		}
	}
	if packSize(map[string]string{"RESTIC_PACK_SIZE": "8"}, nil) != 8*mib || packSize(nil) != 16*mib {
		t.Error("pack size from RESTIC_PACK_SIZE, else restic's 16 MiB")
	}
}
