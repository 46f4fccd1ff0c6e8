package cli

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/lifeboat-dr/lifeboat/engine"
)

// progress renders engine events on stderr: a live line on a terminal,
// plain lines for warnings and results everywhere.
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	live  bool
	last  time.Time
	shown bool
}

func (a *app) progress() *progress {
	return &progress{w: a.stderr, live: isTerminal(a.stderr)}
}

func (p *progress) observe(ev engine.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch ev.Kind {
	case engine.EventProgress:
		if !p.live || time.Since(p.last) < 100*time.Millisecond {
			return
		}
		p.last = time.Now()
		fmt.Fprintf(p.w, "\r\033[K%s", progressLine(ev))
		p.shown = true
	case engine.EventWarning:
		p.clear()
		fmt.Fprintf(p.w, "warning: %s %s: %s\n", ev.Op, where(ev), ev.Message)
	case engine.EventInfo:
		// Drill and failover print their own (cli/drill.go, failover.go);
		// the others' are rare and worth a line, such as whom they wait for.
		if ev.Op != "drill" && ev.Op != "failover" {
			p.clear()
			fmt.Fprintf(p.w, "%s %s: %s\n", ev.Op, where(ev), ev.Message)
		}
	case engine.EventFinished:
		p.clear()
		fmt.Fprintf(p.w, "%s %s: %s: %s\n", ev.Op, where(ev), ev.Outcome, ev.Message)
	}
}

func (p *progress) clear() {
	if p.shown {
		fmt.Fprint(p.w, "\r\033[K")
		p.shown = false
	}
}

func where(ev engine.Event) string {
	parts := []string{}
	if ev.Set != "" {
		parts = append(parts, ev.Set)
	}
	if ev.Site != "" {
		parts = append(parts, "@"+ev.Site)
	}
	return strings.Join(parts, " ")
}

// progressLine is "backup models @primary  45%  120/300 files  1.2 GiB/2.0 GiB  ETA 30s".
func progressLine(ev engine.Event) string {
	pr := ev.Progress
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s  %3.0f%%", ev.Op, where(ev), pr.Percent*100)
	if pr.TotalItems > 0 {
		fmt.Fprintf(&b, "  %d/%d snapshots", pr.Items, pr.TotalItems)
	}
	if pr.TotalFiles > 0 {
		fmt.Fprintf(&b, "  %d/%d files", pr.Files, pr.TotalFiles)
	}
	if pr.TotalBytes > 0 {
		fmt.Fprintf(&b, "  %s/%s", engine.Bytes(pr.Bytes), engine.Bytes(pr.TotalBytes))
	}
	if ev.Op == "replicate" {
		// restic copy reports no rate of its own: say ours, or that there is none yet.
		fmt.Fprintf(&b, "  %s", engine.RateText(pr.Rate))
	}
	if pr.ETA > 0 {
		fmt.Fprintf(&b, "  ETA %s", engine.Age(pr.ETA))
	}
	return b.String()
}
