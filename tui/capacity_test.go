package tui

import (
	"slices"
	"strings"
	"testing"
)

func countCalls(f *fakeBackend, call string) int {
	n := 0
	for _, c := range f.Calls() {
		if c == call {
			n++
		}
	}
	return n
}

// The Sites panel shows the stored capacity without measuring; r on Sites
// measures in a command (Update does not wait for restic stats), also
// read-only since it writes to no repository; r elsewhere does not.
func TestSitesCapacityPanelAndRefresh(t *testing.T) {
	m, f := newTestModel(t, true, 80, 24)
	v := view(m)
	if !strings.Contains(v, "stored 40.0 GiB, raw 64.0 GiB (compression 1.60x)") || !strings.Contains(v, "full in 100 days") ||
		!strings.Contains(v, "cost 0.80/month") || !strings.Contains(v, "▁▃▅█") {
		t.Fatalf("capacity panel of primary:\n%s", v)
	}
	if n := countCalls(f, "measure capacity"); n != 0 {
		t.Fatalf("capacity measured %d time(s) without r", n)
	}

	// r elsewhere refreshes probes, not capacity.
	driveRoot(m, keyPress("2"))
	driveRoot(m, keyPress("r"))
	driveRoot(m, keyPress("1"))
	if n := countCalls(f, "measure capacity"); n != 0 {
		t.Fatalf("r on Catalog measured capacity %d time(s)", n)
	}

	// Update returns while MeasureCapacity waits for block: it never ran inline.
	f.block = make(chan struct{})
	_, cmd := m.Update(keyPress("r"))
	if v := view(m); !strings.Contains(v, "measuring…") {
		t.Errorf("no sign of the measurement running:\n%s", v)
	}
	close(f.block)
	for _, msg := range execCmd(cmd) {
		driveRoot(m, msg)
	}
	v = view(m)
	if n := countCalls(f, "measure capacity"); n != 1 {
		t.Fatalf("r on Sites measured capacity %d time(s), want 1", n)
	}
	if !strings.Contains(v, "stored 41.0 GiB") || !strings.Contains(v, "measured just now") || strings.Contains(v, "measuring…") {
		t.Fatalf("after r:\n%s", v)
	}
	checkViewFits(t, v, 80, 24)
}

func TestSitesCapacityUnmeasuredAndFailed(t *testing.T) {
	m, f := newTestModel(t, false, 80, 24)
	driveRoot(m, keyPress("down"))
	v := view(m)
	if !strings.Contains(v, "dr  ") || !strings.Contains(v, "not measured yet — r measures it") {
		t.Fatalf("dr before any measurement:\n%s", v)
	}
	f.measureFails = map[string]bool{"dr": true}
	driveRoot(m, keyPress("r"))
	v = view(m)
	if !strings.Contains(v, "last measurement failed just now: site dr is unreachable") {
		t.Fatalf("dr after a failed measurement:\n%s", v)
	}
	if !slices.Contains(f.Calls(), "measure capacity") {
		t.Fatal("r did not measure")
	}
	checkViewFits(t, v, 80, 24)
}
