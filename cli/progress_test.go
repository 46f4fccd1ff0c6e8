package cli

import (
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-dr/lifeboat/engine"
)

// A replication's live line says the measured rate, or that there is none.
func TestProgressLineRate(t *testing.T) {
	for _, c := range []struct {
		p         engine.Progress
		want, not string
	}{
		{engine.Progress{TotalItems: 1, TotalBytes: 12 << 20}, "rate unknown", "ETA"},
		{engine.Progress{TotalItems: 1, Bytes: 8 << 20, TotalBytes: 12 << 20, Rate: 850 << 10, ETA: 5 * time.Second}, "850.0 KiB/s  ETA 5s", "unknown"},
	} {
		got := progressLine(engine.Event{Op: "replicate", Site: "dr", Kind: engine.EventProgress, Progress: c.p})
		if !strings.Contains(got, c.want) || strings.Contains(got, c.not) {
			t.Errorf("progress line %q: want %q, not %q", got, c.want, c.not)
		}
	}
}
