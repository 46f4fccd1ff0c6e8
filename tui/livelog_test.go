package tui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-dr/lifeboat/engine"
)

// TestOperationsLiveLog: the selected running operation shows restic's
// messages as they arrive, in place of the results pane, newest at the
// bottom and bounded; its detail keeps them after it ends.
func TestOperationsLiveLog(t *testing.T) {
	h := newOpsHarness(t, false)
	release := make(chan struct{})
	id := h.ctx.Ops.Start("restore", "models@dr → /tmp/x", func(ctx context.Context, obs engine.Observer) (any, error) {
		<-release
		return nil, nil
	})
	h.s.opRows()
	h.s.lists[paneOps].Select("op-" + itoa(id))
	if v := h.view(); !strings.Contains(v, "Live log of #1 restore") || !strings.Contains(v, "waiting for restic's first message") {
		t.Fatalf("no live log pane for the running operation:\n%s", v)
	}
	op := h.ctx.Ops.Get(id)
	for i := 1; i <= opLogLines+5; i++ {
		// What the engine does for each of restic's messages (from restic's goroutine).
		op.live.Add(engine.LogLine{Time: time.Now(), Site: "dr", Text: fmt.Sprintf("restored /data/models/f%03d.bin", i)})
	}
	h.step() // one OpLogMsg for the burst
	v := h.view()
	if !strings.Contains(v, fmt.Sprintf("restored /data/models/f%03d.bin", opLogLines+5)) || strings.Contains(v, "Recent results") {
		t.Fatalf("the newest message is not on screen in place of the results:\n%s", v)
	}
	if !strings.Contains(v, fmt.Sprintf("newest %d of %d", opLogLines, opLogLines+5)) {
		t.Errorf("the pane does not say the ring dropped the oldest:\n%s", v)
	}
	if len(op.LogLines) != opLogLines || op.LogLines[0].Text != "restored /data/models/f006.bin" {
		t.Errorf("ring: %d lines, first %q", len(op.LogLines), op.LogLines[0].Text)
	}
	close(release)
	h.drain(id)
	if v := h.view(); !strings.Contains(v, "Log of #1 restore") {
		t.Errorf("the ended operation's log is gone:\n%s", v)
	}
	h.keys("h")
	if v := h.view(); !strings.Contains(v, "Recent results") {
		t.Errorf("h does not bring the results pane back:\n%s", v)
	}
	h.keys("o", "enter")
	if v := h.view(); !strings.Contains(v, "restic's newest 200 messages of 205") {
		t.Errorf("the detail lacks the log:\n%s", v)
	}
}

// TestOperationsCommandLogCurrent: a restic command that ends while an
// operation runs (no event says so) is in the command log within a second,
// at the time it ended; the log lists commands by when they ended, so a
// long restore that ended last is on top.
func TestOperationsCommandLogCurrent(t *testing.T) {
	h := newOpsHarness(t, false)
	release := make(chan struct{})
	defer close(release)
	h.ctx.Ops.Start("drill", "dr", func(ctx context.Context, obs engine.Observer) (any, error) {
		<-release
		return nil, nil
	})
	h.s.opRows()
	ended := fakeNow.Add(-time.Minute)
	h.f.mu.Lock()
	h.f.invs = []engine.Invocation{{ID: 9, Time: ended.Add(-49 * time.Second), Site: "dr", Duration: 49 * time.Second,
		Args: []string{"restic", "restore", "--json", "latest"}}}
	h.f.mu.Unlock()
	h.send(opsTickMsg{}) // the second's tick while work runs
	v := h.view()
	if !strings.Contains(v, "restic restore --json latest") {
		t.Fatalf("a command that ended during the operation is not in the log after a tick:\n%s", v)
	}
	if !strings.Contains(v, ended.Local().Format("01-02 15:04:05")) || !strings.Contains(v, "ENDED") {
		t.Errorf("the log does not show when the command ended (%s):\n%s", ended.Local().Format("15:04:05"), v)
	}
}

// TestOperationsNewOpTakesSelection: an operation started elsewhere (a drill
// from Recovery) is selected when it appears, so 3 shows its live log.
func TestOperationsNewOpTakesSelection(t *testing.T) {
	h := newOpsHarness(t, false)
	done := func(ctx context.Context, obs engine.Observer) (any, error) { return nil, nil }
	first := h.ctx.Ops.Start("restore", "models@dr", done)
	h.drain(first)
	h.s.lists[paneOps].Select("op-" + itoa(first))
	release := make(chan struct{})
	defer close(release)
	h.ctx.Ops.Start("drill", "dr", func(ctx context.Context, obs engine.Observer) (any, error) { <-release; return nil, nil })
	h.s.opRows()
	if op := h.s.selectedOp(); op == nil || op.Kind != "drill" {
		t.Fatalf("the new drill is not selected: %+v", op)
	}
	if v := h.view(); !strings.Contains(v, "Live log of #2 drill dr") {
		t.Errorf("its live log is not shown:\n%s", v)
	}
}
