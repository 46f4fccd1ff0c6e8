package bench

import (
	"strings"
	"testing"
	"time"
)

func TestMedian(t *testing.T) {
	ms := time.Millisecond
	for _, c := range []struct {
		in   []time.Duration
		want time.Duration
	}{
		{nil, 0},
		{[]time.Duration{3 * ms}, 3 * ms},
		{[]time.Duration{5 * ms, 1 * ms, 3 * ms}, 3 * ms},
		{[]time.Duration{4 * ms, 1 * ms, 2 * ms, 8 * ms}, 3 * ms},
	} {
		if got := Median(c.in); got != c.want {
			t.Errorf("Median(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestRowTargets(t *testing.T) {
	s := time.Second
	for _, c := range []struct {
		row  Row
		met  bool
		cell string
	}{
		{Row{Kind: Ratio, LB: 103 * s / 100, Raw: s, Limit: 1.03}, true, "1.03×"},
		{Row{Kind: Ratio, LB: 2 * s, Raw: s, Limit: 1.03}, false, "2.00×"},
		{Row{Kind: Overhead, LB: 1100 * time.Millisecond, Raw: s, LimitD: 100 * time.Millisecond}, true, "+100 ms"},
		{Row{Kind: Overhead, LB: s, Raw: 2 * s, LimitD: 100 * time.Millisecond}, true, "−1.00 s"},
		{Row{Kind: Absolute, LBBytes: 151e6, LimitB: 150e6}, false, "—"},
		{Row{Kind: Within, LB: 90 * time.Millisecond, LimitD: 100 * time.Millisecond}, true, "90 ms"},
		{Row{Kind: Within, LB: 3 * s, LimitD: 100 * time.Millisecond}, false, "3.00 s"},
	} {
		if c.row.Met() != c.met {
			t.Errorf("%+v: met %v, want %v", c.row, c.row.Met(), c.met)
		}
		if got := c.row.cells()[3]; got != c.cell {
			t.Errorf("%+v: cell %q, want %q", c.row, got, c.cell)
		}
	}
	var b strings.Builder
	PrintTable(&b, []Row{{Measure: "x", Kind: Info, LB: s, Raw: s}})
	if !strings.Contains(b.String(), "| x ") {
		t.Errorf("table lacks the row:\n%s", b.String())
	}
}
