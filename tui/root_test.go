package tui

import (
	"context"

	"github.com/lifeboat-dr/lifeboat/engine"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
)

func newTestModel(t *testing.T, readOnly bool, w, h int) (*Model, *fakeBackend) {
	t.Helper()
	f := newFakeBackend()
	return startModel(f, readOnly, w, h), f
}

// startModel opens the console on f at w×h and runs its start-up.
func startModel(f *fakeBackend, readOnly bool, w, h int) *Model {
	m := NewWithContext(newTestContext(f, readOnly))
	driveRoot(m, tea.WindowSizeMsg{Width: w, Height: h})
	for _, msg := range execCmd(m.Init()) {
		driveRoot(m, msg) // with a catalogGate, the catalog's read is left waiting
	}
	return m
}

func view(m *Model) string { return ansi.Strip(m.View()) }

func TestRootTabsAndKeys(t *testing.T) {
	m, f := newTestModel(t, false, 120, 40)
	v := view(m)
	for _, tab := range []string{"1 Sites", "2 Catalog", "3 Operations", "4 Recovery", "5 Journal"} {
		if !strings.Contains(v, tab) {
			t.Fatalf("tab bar lacks %q:\n%s", tab, v)
		}
	}
	// Painted from the cache first, then probed.
	calls := strings.Join(f.Calls(), ",")
	if !strings.Contains(calls, "status probe=false") || !strings.Contains(calls, "status probe=true") {
		t.Fatalf("start-up calls: %s", calls)
	}
	if !strings.Contains(v, "active: primary") {
		t.Fatalf("status line lacks the active site:\n%s", v)
	}
	driveRoot(m, keyPress("5"))
	if m.active != ScreenJournal || !strings.Contains(view(m), "alice@bastion") {
		t.Fatalf("5 should show the journal:\n%s", view(m))
	}
	driveRoot(m, keyPress("tab"))
	if m.active != ScreenSites {
		t.Fatalf("tab from the last screen wraps to the first, got %d", m.active)
	}
	driveRoot(m, keyPress("shift+tab"))
	if m.active != ScreenJournal {
		t.Fatalf("shift+tab goes back, got %d", m.active)
	}
	// Help is built from the bindings.
	driveRoot(m, keyPress("?"))
	if v := view(m); !strings.Contains(v, "command palette") || !strings.Contains(v, "next screen") {
		t.Fatalf("help:\n%s", v)
	}
	driveRoot(m, keyPress("esc"))
	if m.showHelp {
		t.Fatal("esc should close help")
	}
}

func TestRootFilterCapturesQ(t *testing.T) {
	m, _ := newTestModel(t, false, 120, 40)
	driveRoot(m, keyPress("5"))
	driveRoot(m, keyPress("/"))
	if quit := driveRoot(m, keyPress("q")); quit {
		t.Fatal("q in a filter must type a q, not quit")
	}
	if !strings.Contains(view(m), "/q") {
		t.Fatalf("filter does not show q:\n%s", view(m))
	}
	driveRoot(m, keyPress("esc"))
	if quit := driveRoot(m, keyPress("q")); !quit {
		t.Fatal("q outside a filter quits when nothing runs")
	}
}

func TestRootPalette(t *testing.T) {
	m, _ := newTestModel(t, false, 120, 40)
	driveRoot(m, keyPress(":"))
	for _, r := range "jour" {
		driveRoot(m, keyPress(string(r)))
	}
	driveRoot(m, keyPress("tab"))
	if got := m.palette.input.Value(); got != "journal " {
		t.Fatalf("completion gave %q", got)
	}
	driveRoot(m, keyPress("enter"))
	if m.active != ScreenJournal {
		t.Fatalf("palette journal: screen %d", m.active)
	}
	// History: up recalls the last command.
	driveRoot(m, keyPress(":"))
	driveRoot(m, keyPress("up"))
	if got := m.palette.input.Value(); got != "journal" {
		t.Fatalf("history gave %q", got)
	}
	driveRoot(m, keyPress("esc"))
	driveRoot(m, keyPress(":"))
	for _, r := range "frobnicate" {
		driveRoot(m, keyPress(string(r)))
	}
	driveRoot(m, keyPress("enter"))
	if !strings.Contains(view(m), `unknown command "frobnicate"`) {
		t.Fatalf("unknown palette command:\n%s", view(m))
	}
}

func TestRootQuitAsksWhileWorkRuns(t *testing.T) {
	m, f := newTestModel(t, false, 120, 40)
	f.block = make(chan struct{})
	m.ctx.Ops.Start("backup", "models → primary", func(ctx_ context.Context, obs engine.Observer) (any, error) {
		return f.Backup(ctx_, engine.BackupRequest{Sets: []string{"models"}}, obs)
	})
	if quit := driveRoot(m, keyPress("q")); quit {
		t.Fatal("quit while an operation runs must ask first")
	}
	if v := view(m); !strings.Contains(v, "Quit while work runs?") || !strings.Contains(v, "[ Cancel ]") {
		t.Fatalf("quit dialog:\n%s", v)
	}
	driveRoot(m, keyPress("enter")) // Cancel is focused: nothing happens
	if m.quitAsk != nil || m.quitting {
		t.Fatal("enter on Cancel must keep the console open")
	}
	driveRoot(m, keyPress("ctrl+c"))
	driveRoot(m, keyPress("tab"))
	driveRoot(m, keyPress("enter")) // Quit
	if !m.quitting {
		t.Fatal("confirmed quit should cancel the work")
	}
	// The cancelled operation ends, then the console quits.
	deadline := time.After(5 * time.Second)
	for {
		select {
		case msg := <-m.ctx.Ops.ch:
			if quit := driveRoot(m, msg); quit {
				if j, _ := f.Journal(context.Background(), engine.JournalQuery{}); j[0].Action != "quit" {
					t.Fatalf("quit not journaled: %+v", j[0])
				}
				return
			}
		case <-deadline:
			t.Fatal("console did not quit after cancelling")
		}
	}
}

func TestRootTooSmallAndReadOnly(t *testing.T) {
	m, _ := newTestModel(t, true, 70, 20)
	if v := view(m); !strings.Contains(v, "Terminal too small: 70×20") || !strings.Contains(v, "80×24") {
		t.Fatalf("too small:\n%s", v)
	}
	driveRoot(m, tea.WindowSizeMsg{Width: 80, Height: 24})
	v := view(m)
	if !strings.Contains(v, "READ-ONLY") {
		t.Fatalf("read-only badge missing:\n%s", v)
	}
	if n := strings.Count(v, "\n") + 1; n > 24 {
		t.Fatalf("view has %d lines at 80x24", n)
	}
	for _, line := range strings.Split(v, "\n") {
		if w := ansi.StringWidth(line); w > 80 {
			t.Fatalf("line wider than 80 (%d): %q", w, line)
		}
	}
}

func TestRootFlashesSiteTransitions(t *testing.T) {
	m, f := newTestModel(t, false, 120, 40)
	st, _ := f.Status(context.Background(), true)
	st.Sites[1].Reachable = false
	st.Sites[1].Error = "site dr: repository is unreachable"
	m.seq++
	driveRoot(m, DataMsg{Seq: m.seq, Status: st, Fresh: true})
	if v := view(m); !strings.Contains(v, "site dr is DOWN") {
		t.Fatalf("transition not shown:\n%s", v)
	}
	st2, _ := f.Status(context.Background(), true)
	m.seq++
	driveRoot(m, DataMsg{Seq: m.seq, Status: st2, Fresh: true})
	if v := view(m); !strings.Contains(v, "site dr is up again") {
		t.Fatalf("recovery not shown:\n%s", v)
	}
}

// Below the minimum size the console shows the notice and acts on no key but
// quit: `4 d` there must not open the drill confirmation unseen. Back at
// 80×24 the screen is as it was; q still asks while work runs, or quits.
func TestRootTooSmallIgnoresKeys(t *testing.T) {
	m, f := newTestModel(t, false, 80, 24)
	before := view(m)
	driveRoot(m, tea.WindowSizeMsg{Width: 60, Height: 20})
	for _, k := range []string{"4", "d", "enter", "tab", ":", "r", "?", "/", "5", "f"} {
		if quit := driveRoot(m, keyPress(k)); quit {
			t.Fatalf("%q quit the console", k)
		}
		if v := view(m); !strings.Contains(v, "Terminal too small: 60×20") {
			t.Fatalf("after %q below the minimum:\n%s", k, v)
		}
	}
	if m.active != ScreenSites || m.palOpen || m.showHelp || m.quitAsk != nil || m.screens[m.active].Capturing() {
		t.Fatalf("keys below the minimum changed the console: screen %d palette %v help %v", m.active, m.palOpen, m.showHelp)
	}
	if calls := strings.Join(f.Calls(), ","); strings.Contains(calls, "drill") || strings.Contains(calls, "failover") {
		t.Fatalf("keys below the minimum ran something: %s", calls)
	}
	driveRoot(m, tea.WindowSizeMsg{Width: 80, Height: 24})
	if v := view(m); v != before {
		t.Fatalf("back at 80×24 the screen changed:\nbefore:\n%s\nafter:\n%s", before, v)
	}

	// q asks while work runs, and the question is shown, not hidden by the notice.
	f.block = make(chan struct{})
	m.ctx.Ops.Start("backup", "models → primary", func(ctx_ context.Context, obs engine.Observer) (any, error) {
		return f.Backup(ctx_, engine.BackupRequest{Sets: []string{"models"}}, obs)
	})
	driveRoot(m, tea.WindowSizeMsg{Width: 60, Height: 20})
	if quit := driveRoot(m, keyPress("q")); quit || m.quitAsk == nil {
		t.Fatal("q below the minimum while work runs must ask first")
	}
	if v := view(m); !strings.Contains(v, "Quit while work runs?") || strings.Count(v, "\n") >= 20 {
		t.Fatalf("the quit question below the minimum:\n%s", v)
	}
	driveRoot(m, keyPress("enter")) // Cancel is focused
	if m.quitAsk != nil || m.quitting {
		t.Fatal("enter on Cancel must keep the console open")
	}
	close(f.block)
	for m.ctx.Ops.Running() > 0 {
		driveRoot(m, <-m.ctx.Ops.ch)
	}
	if quit := driveRoot(m, keyPress("q")); !quit {
		t.Fatal("q below the minimum with nothing running should quit")
	}
}

// The first frame shows the sites from the stored status while a large
// stored catalog is still being read; the catalog follows.
// Start-up reads the stored health samples once: the stored status and
// the stored catalog that follow it bring no new samples (only a probing
// refresh does).
func TestStartupReadsSamplesOnce(t *testing.T) {
	f := newFakeBackend()
	startModel(f, false, 120, 40)
	var before []string // the calls before the first probing refresh
	for _, c := range f.Calls() {
		if c == "status probe=true" {
			break
		}
		before = append(before, c)
	}
	if n := strings.Count(strings.Join(before, ","), "samples primary"); n != 1 {
		t.Fatalf("start-up read primary's samples %d times before the refresh: %v", n, before)
	}
}

func TestFirstFrameDoesNotWaitForTheCatalog(t *testing.T) {
	f := newFakeBackend()
	f.catalogGate = make(chan struct{})
	m := startModel(f, false, 120, 40)
	v := view(m)
	if strings.Contains(v, "loading…") || !strings.Contains(v, "primary") || !strings.Contains(v, "dr") {
		t.Fatalf("the first frame waits for the catalog:\n%s", v)
	}
	if calls := strings.Join(f.Calls(), ","); strings.Contains(calls, "status probe=true") {
		t.Fatalf("refreshed before the stored catalog was read: %s", calls)
	}
	close(f.catalogGate)
	for _, msg := range execCmd(m.loadCachedCatalog(m.data.Status)) {
		driveRoot(m, msg)
	}
	driveRoot(m, keyPress("2"))
	if v := view(m); !strings.Contains(v, "models") || !strings.Contains(v, "datasets") {
		t.Fatalf("the catalog did not follow:\n%s", v)
	}
	if calls := strings.Join(f.Calls(), ","); !strings.Contains(calls, "status probe=true") {
		t.Fatalf("no refresh after the stored catalog: %s", calls)
	}
}
