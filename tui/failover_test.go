package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/lifeboat-dr/lifeboat/engine"
)

// feedWizard is feedScreen without the spinner: its ticks re-arm forever
// while a step runs.
func feedWizard(s Screen, msg tea.Msg) Screen {
	queue := []tea.Msg{msg}
	for steps := 0; len(queue) > 0 && steps < 50; steps++ {
		var cmd tea.Cmd
		s, cmd = s.Update(queue[0])
		for _, m := range execCmd(cmd) {
			if _, tick := m.(spinner.TickMsg); !tick {
				queue = append(queue, m)
			}
		}
		queue = queue[1:]
	}
	return s
}

// rootLoop is a small event loop over the root model: every command runs in
// its own goroutine and its message comes back through one channel, so the
// operations' Wait commands never lose a message. Spinner and refresh
// ticks are dropped.
type rootLoop struct {
	t   *testing.T
	m   *Model
	out chan tea.Msg
}

func newRootLoop(t *testing.T, m *Model) *rootLoop {
	l := &rootLoop{t: t, m: m, out: make(chan tea.Msg, 1024)}
	l.run(m.Init())
	return l
}

func (l *rootLoop) run(cmd tea.Cmd) {
	if cmd != nil {
		go func() { l.out <- cmd() }()
	}
}

// send feeds msg, then the messages of the commands until the loop has
// been idle for a moment and until says so (nil: idle is enough).
func (l *rootLoop) send(msg tea.Msg, until func() bool) {
	l.t.Helper()
	_, cmd := l.m.Update(msg)
	l.run(cmd)
	deadline := time.After(5 * time.Second)
	for {
		select {
		case msg := <-l.out:
			switch msg := msg.(type) {
			case nil, spinner.TickMsg, tickMsg, tea.QuitMsg:
			case tea.BatchMsg:
				for _, c := range msg {
					l.run(c)
				}
			default:
				_, cmd := l.m.Update(msg)
				l.run(cmd)
			}
		case <-time.After(100 * time.Millisecond):
			if until == nil || until() {
				return
			}
		case <-deadline:
			l.t.Fatal("the console did not settle")
		}
	}
}

func (l *rootLoop) keys(keys ...string) {
	for _, k := range keys {
		l.send(keyPress(k), nil)
	}
}

func keysInto(s Screen, keys ...string) {
	for _, k := range keys {
		feedWizard(s, keyPress(k))
	}
}

func newFailoverScreen(t *testing.T, f *fakeBackend, readOnly bool) (*recoveryScreen, *Context) {
	t.Helper()
	ctx := newTestContext(f, readOnly)
	s := openRecovery(ctx, 120, 37, feedWizard)
	feedWizard(s, screenFakeData(t, f, true, nil))
	return s, ctx
}

// drainFailover feeds the operations' messages to the wizard's screen
// until stop says so or every operation ended.
func drainFailover(t *testing.T, ctx *Context, s Screen, stop func() bool) {
	t.Helper()
	drainOps(t, ctx, func(msg tea.Msg) { feedWizard(s, msg) }, stop)
}

func mustShow(t *testing.T, v string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(v, w) {
			t.Fatalf("view lacks %q:\n%s", w, v)
		}
	}
}

func calls(f *fakeBackend) string { return strings.Join(f.Calls(), "\n") }

func TestFailoverWizardPlannedCommits(t *testing.T) {
	f := newFakeBackend()
	s, ctx := newFailoverScreen(t, f, false)
	keysInto(s, "f")
	v := plainView(s)
	mustShow(t, v, "Failover primary → dr — step 1 of 4: mode", "› planned", "✓ primary answered the last probe")
	if !s.Capturing() {
		t.Fatal("the wizard should own the keys")
	}
	keysInto(s, "enter") // preflight
	v = plainView(s)
	checkViewFits(t, v, 120, 37)
	mustShow(t, v, "planned preflight", "✓ target reachable", "✓ active site reachable", "eeee1111 2026-11-25 10:00", "12 entries", "into /srv/failover/<set>",
		"enter: confirm…")
	if !strings.Contains(calls(f), "plan dr planned") {
		t.Fatalf("calls: %v", f.Calls())
	}
	if row := lineWith(v, "datasets "); !strings.Contains(row, "none") || !strings.Contains(row, " 1 ") {
		t.Fatalf("planned: no loss, one snapshot not replicated yet: %q", row)
	}

	// The confirmation: Cancel is focused, enter goes back to the plan.
	keysInto(s, "enter")
	v = plainView(s)
	mustShow(t, v, "Fail over from primary to dr?", "Type dr to confirm", "[ Cancel ]", "[ Fail over ]")
	keysInto(s, "enter")
	if v := plainView(s); !strings.Contains(v, "planned preflight") || strings.Contains(calls(f), "failover ") {
		t.Fatalf("enter on Cancel should go back to the plan, not fail over:\n%s\n%v", v, f.Calls())
	}
	// A mistyped name is refused in the dialog: nothing reaches the engine.
	keysInto(s, "enter", "d", "x", "enter")
	mustShow(t, plainView(s), "that is not dr")
	keysInto(s, "tab", "tab", "enter") // to the confirm button, still mistyped
	mustShow(t, plainView(s), "that is not dr")
	if strings.Contains(calls(f), "failover ") {
		t.Fatalf("a mistyped confirmation started a failover: %v", f.Calls())
	}
	keysInto(s, "shift+tab", "shift+tab", "backspace", "r", "enter")
	drainFailover(t, ctx, s, nil)
	if c := calls(f); !strings.Contains(c, "failover dr planned confirm=dr wait>0=true declared=true") {
		t.Fatalf("calls: %v", c)
	}
	v = plainView(s)
	checkViewFits(t, v, 120, 37)
	mustShow(t, v, "Failover primary → dr (planned) ✓ committed", "dr is the active site; primary is a standby",
		"RTO 4m / 30m ✓", "human wait 35s kept apart", "RPO models", "2h / 24h ✓", "✓ verified", "commit")
	keysInto(s, "enter")
	if s.wiz != nil {
		t.Fatal("enter should close the result")
	}
	// The history lists the failover, achieved against objective.
	mustShow(t, plainView(s), "Recent drills and failovers", "failover primary → dr planned ✓ committed  RTO 4m / 30m ✓  RPO models 2h / 24h ✓")
}

func lineWith(v, prefix string) string {
	for _, l := range strings.Split(v, "\n") {
		if i := strings.Index(l, prefix); i >= 0 && strings.TrimSpace(l[:i]) == "│" {
			return l
		}
	}
	return ""
}

func TestFailoverWizardLiveStepsAndStop(t *testing.T) {
	f := newFakeBackend()
	f.block = make(chan struct{})
	s, ctx := newFailoverScreen(t, f, false)
	m := NewWithContext(ctx)
	m.width, m.height = 120, 40
	keysInto(s, "f", "enter", "enter", "d", "r", "enter")
	// Run until the restore reports progress.
	drainFailover(t, ctx, s, func() bool {
		op := ctx.Ops.Get(s.wiz.opID)
		return op != nil && op.Progress.TotalBytes > 0
	})
	v := plainView(s)
	checkViewFits(t, v, 120, 37)
	mustShow(t, v, "step 4 of 4: planned failover running", "✓ preflight", "1.5s  ok", "✓ final backup at primary",
		"restore models", "5/10 files · 50.0 MiB / 100.0 MiB · 50% · ETA 30s", "· verify models", "· commit")
	// The running step shows its elapsed time.
	mustShow(t, v, "restore models            48.0s…")
	if st := ansi.Strip(m.statusLine()); !strings.Contains(st, "FAILOVER primary → dr: restore models") {
		t.Fatalf("status line: %q", st)
	}
	// b hides it while it runs; f brings it back.
	keysInto(s, "b")
	if s.Capturing() || !strings.Contains(plainView(s), "STANDBY") {
		t.Fatalf("b should leave the failover in the background:\n%s", plainView(s))
	}
	keysInto(s, "f")
	mustShow(t, plainView(s), "planned failover running")
	// esc asks, Cancel focused: enter keeps it running.
	keysInto(s, "esc")
	mustShow(t, plainView(s), "Stop the failover?", "stays unfinished")
	keysInto(s, "enter")
	if ctx.Ops.Running() != 1 || s.wiz.stopAsk != nil {
		t.Fatal("enter on Cancel should keep the failover running")
	}
	keysInto(s, "esc", "tab", "enter")
	drainFailover(t, ctx, s, nil)
	v = plainView(s)
	mustShow(t, v, "Failover primary → dr ! cancelled", "✗ restore models", "stopped at step \"restore models\"",
		"primary is still the active site")
	keysInto(s, "enter")
	// The screen now knows the failover is unfinished: f offers to resume it.
	mustShow(t, plainView(s), "failover primary → dr failed at step \"restore models\" — f resumes or aborts it")
	keysInto(s, "f")
	mustShow(t, plainView(s), "Unfinished failover", "[ Resume ]  [ Abort ]  [ Later ]")
}

func TestFailoverUnplannedWhenActiveDown(t *testing.T) {
	f := newFakeBackend()
	f.activeDown = true
	s, _ := newFailoverScreen(t, f, false)
	keysInto(s, "f", "enter")
	v := plainView(s)
	mustShow(t, v, "✗ active site reachable", "✗ REFUSED", "u: fail over unplanned instead", "(dial tcp: connection")
	keysInto(s, "enter")
	if s.wiz.confirm != nil {
		t.Fatal("a refused plan must not reach the confirmation")
	}
	keysInto(s, "u")
	v = plainView(s)
	mustShow(t, v, "unplanned preflight", "! primary is unreachable (dial tcp: connection refused): the loss below is accepted")
	if row := lineWith(v, "datasets "); !strings.Contains(row, "30h") || !strings.Contains(row, "unknown") {
		t.Fatalf("unplanned loss and unknown replication: %q\n%s", row, v)
	}
	keysInto(s, "enter")
	mustShow(t, plainView(s), "up to 30h of data is lost (set")
	// esc from the confirmation, the plan, the mode: closed.
	keysInto(s, "esc", "esc", "esc")
	if s.wiz != nil {
		t.Fatal("esc should walk back out of the wizard")
	}
}

func TestFailoverReadOnlyRefuses(t *testing.T) {
	f := newFakeBackend()
	s, _ := newFailoverScreen(t, f, true)
	var got []tea.Msg
	_, cmd := s.Update(keyPress("f"))
	got = execCmd(cmd)
	if s.wiz != nil || len(got) != 1 {
		t.Fatalf("read-only opened the wizard: %v", got)
	}
	if st, ok := got[0].(StatusMsg); !ok || !st.Err || st.Text != engine.Refusal(true, "failover").Error() {
		t.Fatalf("status: %#v", got[0])
	}
	for _, k := range s.Keys() {
		if k.Enabled() && k.Help().Key == "f" {
			t.Fatal("f should be disabled in help")
		}
	}
}

func TestFailoverResumePromptAtStartup(t *testing.T) {
	f := newFakeBackend()
	f.unfinished = interruptedFailover()
	ctx := newTestContext(f, false)
	m := NewWithContext(ctx)
	l := newRootLoop(t, m)
	l.send(tea.WindowSizeMsg{Width: 120, Height: 40}, func() bool { return m.lastFresh != (time.Time{}) })
	if m.active != ScreenRecovery {
		t.Fatalf("the prompt should bring Recovery forward, active=%d", m.active)
	}
	v := ansi.Strip(m.View())
	mustShow(t, v, "Unfinished failover", `planned failover primary → dr was interrupted at step "restore models"`,
		"pid 4242 on bastion", "✓ preflight", "[ Resume ]  [ Abort ]  [ Later ]", "esc: later")
	// Later is focused: enter leaves it, nothing is called.
	l.keys("enter")
	if c := calls(f); strings.Contains(c, "resume") || strings.Contains(c, "abort") {
		t.Fatalf("Later called the engine: %v", c)
	}
	v = ansi.Strip(m.View())
	mustShow(t, v, "still unfinished", "f resumes or aborts it")

	// Abort asks y/N with Cancel focused.
	rs := m.screens[ScreenRecovery].(*recoveryScreen)
	l.keys("f", "shift+tab", "enter")
	mustShow(t, plainView(rs), "Abort the failover from primary to dr?", "primary stays the active site")
	l.keys("enter")
	if strings.Contains(calls(f), "abort") || rs.wiz == nil || rs.wiz.step != failoverStepResume {
		t.Fatalf("enter on Cancel aborted: %v", f.Calls())
	}
	// Resume: the confirmation step had run, so no typing is needed.
	l.keys("shift+tab")
	l.send(keyPress("enter"), func() bool { return ctx.Ops.Running() == 0 }) // Abort → Resume
	if c := calls(f); !strings.Contains(c, "resume confirm=") {
		t.Fatalf("calls: %v", c)
	}
	mustShow(t, plainView(rs), "✓ committed", "dr is the active site")
}

func TestFailoverResumeBeforeConfirmAsksTheName(t *testing.T) {
	f := newFakeBackend()
	st := interruptedFailover()
	for i := range st.Steps {
		if i >= 3 {
			st.Steps[i].Status, st.Steps[i].Detail = "pending", ""
		}
	}
	st.Steps[3].Status = "running"
	f.unfinished = st
	s, ctx := newFailoverScreen(t, f, false)
	mustShow(t, plainView(s), `at step "recovery point"`)
	keysInto(s, "tab", "enter")
	mustShow(t, plainView(s), "Resume the failover from primary to dr?", "Type dr to confirm")
	keysInto(s, "d", "r", "enter")
	drainFailover(t, ctx, s, nil)
	if c := calls(f); !strings.Contains(c, "resume confirm=dr") {
		t.Fatalf("calls: %v", c)
	}
}

func TestFailoverAbortFromPrompt(t *testing.T) {
	f := newFakeBackend()
	f.unfinished = interruptedFailover()
	s, ctx := newFailoverScreen(t, f, false)
	keysInto(s, "shift+tab", "enter", "tab", "enter")
	drainFailover(t, ctx, s, nil)
	if !strings.Contains(calls(f), "abort abandoned from the console") {
		t.Fatalf("calls: %v", f.Calls())
	}
	mustShow(t, plainView(s), "! aborted", "primary stays the active site", "aborted: abandoned from the console")
	keysInto(s, "esc")
	v := plainView(s)
	mustShow(t, v, "failover primary → dr planned ! aborted")
	if strings.Contains(v, "f resumes") {
		t.Fatalf("the aborted failover is no longer unfinished:\n%s", v)
	}
}

func TestFailoverErrorsShown(t *testing.T) {
	w := &failoverWizard{ctx: newTestContext(newFakeBackend(), false), from: "primary", to: "dr", step: failoverStepResult,
		err: &engine.LockHeldError{}, width: 120, height: 37}
	v := ansi.Strip(w.View())
	mustShow(t, v, "✗ failed", "another process holds the recovery lock")
	w.err = engine.ErrFailoverUnfinished
	mustShow(t, ansi.Strip(w.View()), "! refused", "an earlier failover is unfinished")
}

func TestFailoverFromRootRefreshesActiveSiteAndHelp(t *testing.T) {
	f := newFakeBackend()
	ctx := newTestContext(f, false)
	m := NewWithContext(ctx)
	l := newRootLoop(t, m)
	l.send(tea.WindowSizeMsg{Width: 120, Height: 40}, func() bool { return m.lastFresh != (time.Time{}) })
	l.keys("4", "?")
	mustShow(t, ansi.Strip(m.View()), "Keys — Recovery", "f", "failover", "d", "drill")
	l.keys("esc", "f", "enter", "enter", "d")
	l.send(keyPress("r"), nil)
	l.send(keyPress("enter"), func() bool {
		return ctx.Ops.Running() == 0 && !m.refreshing && m.data.Status != nil && m.data.Status.ActiveSite == "dr"
	})
	l.keys("enter") // close the result
	mustShow(t, ansi.Strip(m.View()), "active site dr", "primary: READY")

	// Read-only: help leaves f out.
	ro := NewWithContext(newTestContext(newFakeBackend(), true))
	driveRoot(ro, tea.WindowSizeMsg{Width: 120, Height: 40})
	driveRoot(ro, keyPress("4"))
	driveRoot(ro, keyPress("?"))
	if v := ansi.Strip(ro.View()); strings.Contains(v, "failover") {
		t.Fatalf("read-only help lists failover:\n%s", v)
	}
}

// TestFailoverViewsFit walks the wizard at both sizes (and a cramped one)
// and checks that every step fits.
func TestFailoverViewsFit(t *testing.T) {
	for _, sz := range append(screenSizes, struct{ w, h int }{80, 14}) {
		f := newFakeBackend()
		f.block = make(chan struct{})
		f.activeDown = true
		ctx := newTestContext(f, false)
		s := newRecoveryScreen(ctx)
		s.SetSize(sz.w, sz.h)
		feedWizard(s, screenFakeData(t, f, true, nil))
		check := func(what string) {
			t.Helper()
			v := plainView(s)
			checkViewFits(t, v, sz.w, sz.h)
			if sz.h >= 21 && !strings.Contains(v, "esc") {
				t.Fatalf("%dx%d %s: the keys line was clipped:\n%s", sz.w, sz.h, what, v)
			}
		}
		keysInto(s, "f")
		check("mode")
		keysInto(s, "enter")
		check("refused plan")
		keysInto(s, "u")
		check("unplanned plan")
		keysInto(s, "enter")
		check("confirm")
		keysInto(s, "d", "r", "enter")
		drainFailover(t, ctx, s, func() bool {
			op := ctx.Ops.Get(s.wiz.opID)
			return op != nil && op.Progress.TotalBytes > 0
		})
		check("running")
		close(f.block)
		drainFailover(t, ctx, s, nil)
		check("result")
	}
}
