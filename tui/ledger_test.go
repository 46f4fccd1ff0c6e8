package tui

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-dr/lifeboat/engine"

	tea "github.com/charmbracelet/bubbletea"
)

// A conflict of active sites is the first thing on the status line, on
// every screen.
func TestSplitBrainLeadsTheStatusLine(t *testing.T) {
	m, f := newTestModel(t, false, 120, 40)
	if strings.Contains(view(m), "SPLIT BRAIN") {
		t.Fatalf("no conflict, yet:\n%s", view(m))
	}
	f.mu.Lock()
	f.conflict = &engine.Conflict{Generations: []engine.ConflictGeneration{{Active: "dr"}, {Active: "dr2"}}}
	f.mu.Unlock()
	refreshNow(t, m)
	for _, key := range []string{"1", "2", "5"} {
		driveRoot(m, keyPress(key))
		if !strings.Contains(view(m), "SPLIT BRAIN: dr vs dr2 active") {
			t.Fatalf("screen %s does not lead with the conflict:\n%s", key, view(m))
		}
	}
}

// An operation run from the console publishes the ledger once it ends; a
// read-only console never does.
func TestOperationsPublishTheLedgerWhenTheyEnd(t *testing.T) {
	for _, readOnly := range []bool{false, true} {
		m, f := newTestModel(t, readOnly, 120, 40)
		m.ctx.Ops.Start("backup", "models", func(ctx context.Context, obs engine.Observer) (any, error) { return nil, nil })
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) && !strings.Contains(strings.Join(f.Calls(), ","), "publish ledger") {
			time.Sleep(10 * time.Millisecond)
		}
		published := strings.Contains(strings.Join(f.Calls(), ","), "publish ledger")
		if published == readOnly {
			t.Fatalf("read-only %v: published %v (calls %v)", readOnly, published, f.Calls())
		}
	}
}

// refreshNow runs one data refresh to the end.
func refreshNow(t *testing.T, m *Model) {
	t.Helper()
	for _, msg := range execCmd(m.refresh()) {
		driveRoot(m, msg)
	}
}

// Two Escapes that arrive together (a fast operator, a loaded machine)
// reach the console as one alt+esc: it backs out two levels, as two
// Escapes do.
func TestTwoEscapesReadAsOneStillBackOutTwice(t *testing.T) {
	open := func() *Model {
		m, _ := newTestModel(t, false, 120, 40)
		driveRoot(m, keyPress("2"))
		driveRoot(m, keyPress("enter"))
		driveRoot(m, keyPress("enter"))
		return m
	}
	twice := open()
	driveRoot(twice, tea.KeyMsg{Type: tea.KeyEsc})
	driveRoot(twice, tea.KeyMsg{Type: tea.KeyEsc})
	together := open()
	deep := view(together)
	driveRoot(together, tea.KeyMsg{Type: tea.KeyEsc, Alt: true})
	if view(together) == deep {
		t.Fatalf("alt+esc did nothing:\n%s", deep)
	}
	if view(together) != view(twice) {
		t.Fatalf("alt+esc:\n%s\nwant what two Escapes show:\n%s", view(together), view(twice))
	}
}
