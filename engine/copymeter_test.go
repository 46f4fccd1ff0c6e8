package engine

import (
	"testing"
	"time"
)

// The meter says only what it measured: no rate before two packs arrived
// rateSpan apart, no ETA before the last snapshot's size is known, and an
// ETA that counts down from the last arrival.
func TestCopyMeterSaysOnlyWhatItMeasured(t *testing.T) {
	t0 := time.Unix(1000, 0)
	var last Progress
	m := newCopyMeter(2, 4<<20, t0, func(p Progress) { last = p })
	const mib = 1 << 20
	at := func(d time.Duration, delivered uint64) {
		t.Helper()
		now := t0.Add(d)
		if n := len(m.samples); delivered > 0 && (n == 0 || delivered != m.samples[n-1].sent) {
			m.samples = append(m.samples, meterSample{now, delivered})
		}
		last = m.progress(now)
	}
	m.line([]byte("  copy 8 blobs with disk size 8.000 MiB in 2 packfiles"))
	at(time.Second, 0)
	if last.Rate != 0 || last.ETA != 0 || last.TotalBytes != 0 {
		t.Fatalf("nothing arrived, one snapshot of two sized: %+v", last)
	}
	at(5*time.Second, 4*mib)
	if last.Rate != 0 {
		t.Fatalf("one pack arrived: rate %v, want unknown", last.Rate)
	}
	at(5500*time.Millisecond, 4*mib+4096) // a tree pack just after: no rate from it
	if last.Rate != 0 {
		t.Fatalf("a tree pack 0.5s after a data pack: rate %v, want unknown", last.Rate)
	}
	at(9*time.Second, 8*mib)
	if r := last.Rate / mib; r < 0.99 || r > 1.01 {
		t.Fatalf("4 MiB in 4s: rate %.2f MiB/s", r)
	}
	if last.ETA != 0 {
		t.Fatalf("the second snapshot's size is unknown, yet ETA %v", last.ETA)
	}
	m.line([]byte("  copy 4 blobs with disk size 4.000 MiB in 1 packfiles"))
	if last.TotalBytes != 12*mib {
		t.Fatalf("total %d, want 12 MiB", last.TotalBytes)
	}
	at(10*time.Second, 8*mib)
	first := last.ETA
	at(12*time.Second, 8*mib)
	if first < 2*time.Second || last.ETA != first-2*time.Second {
		t.Fatalf("ETA %v then %v two seconds later: it must count down", first, last.ETA)
	}
	if RateText(0) != "rate unknown" || RateText(1.5*mib) != "1.5 MiB/s" {
		t.Fatalf("RateText: %q %q", RateText(0), RateText(1.5*mib))
	}
}
