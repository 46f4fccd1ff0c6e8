package tui

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
)

// opsHarness drives the Operations screen the way the root does: commands
// are run and their messages fed back; operation messages come from the
// ops channel, are applied to ctx.Ops, then given to the screen.
type opsHarness struct {
	t      *testing.T
	f      *fakeBackend
	ctx    *Context
	s      *operationsScreen
	status []StatusMsg
}

func newOpsHarness(t *testing.T, readOnly bool) *opsHarness {
	t.Helper()
	f := newFakeBackend()
	ctx := newTestContext(f, readOnly)
	h := &opsHarness{t: t, f: f, ctx: ctx, s: newOperationsScreen(ctx)}
	h.s.SetSize(120, 37)
	h.run(h.s.Init())
	return h
}

func (h *opsHarness) run(cmd tea.Cmd) {
	for _, msg := range execCmd(cmd) {
		h.send(msg)
	}
}

// send gives a message to the screen and runs what it returns; status
// messages are collected as the root would show them.
func (h *opsHarness) send(msg tea.Msg) {
	if st, ok := msg.(StatusMsg); ok {
		h.status = append(h.status, st)
		return
	}
	_, cmd := h.s.Update(msg)
	h.run(cmd)
}

func (h *opsHarness) keys(keys ...string) {
	for _, k := range keys {
		h.send(keyPress(k))
	}
}

func (h *opsHarness) view() string { return ansi.Strip(h.s.View()) }

func (h *opsHarness) lastStatus() StatusMsg {
	if len(h.status) == 0 {
		return StatusMsg{}
	}
	return h.status[len(h.status)-1]
}

// step takes one message from the ops channel, applies it and feeds it.
func (h *opsHarness) step() *Op {
	h.t.Helper()
	got := make(chan tea.Msg, 1)
	wait := h.ctx.Ops.Wait()
	go func() { got <- wait() }()
	select {
	case msg := <-got:
		ended := h.ctx.Ops.Apply(msg)
		h.send(msg)
		return ended
	case <-time.After(5 * time.Second):
		h.t.Fatal("no operation message within 5s")
	}
	return nil
}

// drain runs the ops channel until operation id ends.
func (h *opsHarness) drain(id int) *Op {
	h.t.Helper()
	for {
		if ended := h.step(); ended != nil && ended.ID == id {
			return ended
		}
	}
}

// pick moves the open picker's cursor to the row with id and chooses it.
func (h *opsHarness) pick(id string) {
	h.t.Helper()
	if h.s.picker == nil {
		h.t.Fatalf("no picker open; view:\n%s", h.view())
	}
	h.send(keyPress("g"))
	for i := 0; i < 20; i++ {
		if r, ok := h.s.picker.list.Selected(); ok && r.ID == id {
			h.send(keyPress("enter"))
			return
		}
		h.send(keyPress("down"))
	}
	h.t.Fatalf("picker has no row %q; view:\n%s", id, h.view())
}

func (h *opsHarness) called(prefix string) bool {
	for _, c := range h.f.Calls() {
		if strings.HasPrefix(c, prefix) {
			return true
		}
	}
	return false
}

func (h *opsHarness) newest() *Op {
	h.t.Helper()
	all := h.ctx.Ops.All()
	if len(all) == 0 {
		h.t.Fatalf("no operation started; calls %v; view:\n%s", h.f.Calls(), h.view())
	}
	return all[0]
}

func TestOperationsBackupConfirmsThenRuns(t *testing.T) {
	h := newOpsHarness(t, false)
	h.keys("b")
	if !h.s.Capturing() {
		t.Fatal("the picker must capture keys")
	}
	h.pick("models")
	if h.s.confirm == nil {
		t.Fatalf("no confirmation after picking models; view:\n%s", h.view())
	}
	if h.s.confirm.focus != 1 {
		t.Fatalf("confirmation focus = %d, want Cancel (1)", h.s.confirm.focus)
	}
	v := h.view()
	for _, want := range []string{"Back up models to primary?", "[ Cancel ]", "[ Back up ]", "/data/models"} {
		if !strings.Contains(v, want) {
			t.Errorf("confirmation lacks %q:\n%s", want, v)
		}
	}
	h.keys("enter") // on Cancel
	if h.s.confirm != nil || h.s.Capturing() {
		t.Fatal("Cancel must close the confirmation")
	}
	if h.called("backup") || len(h.ctx.Ops.All()) != 0 {
		t.Fatalf("Cancel started something: %v", h.f.Calls())
	}

	h.keys("b")
	h.pick("models")
	h.keys("tab", "enter")
	op := h.newest()
	if op.Kind != "backup" || op.Target != "models → primary" {
		t.Fatalf("started %s %q", op.Kind, op.Target)
	}
	done := h.drain(op.ID)
	if done.State != OpOK {
		t.Fatalf("state %s: %s", done.State, done.Message)
	}
	if !h.called("backup [models]") {
		t.Fatalf("calls %v", h.f.Calls())
	}
	v = h.view()
	for _, want := range []string{"backup", "models → primary", "✓ ok", "100%"} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
	// Details of the finished operation show its result.
	h.keys("o", "enter")
	if v := h.view(); !strings.Contains(v, "snapshot 9999aaaa") {
		t.Errorf("details lack the snapshot:\n%s", v)
	}
	h.keys("esc")
	if h.s.modalOpen() {
		t.Fatal("esc must close details")
	}
}

func TestOperationsProgressAndCancel(t *testing.T) {
	h := newOpsHarness(t, false)
	h.f.block = make(chan struct{}) // never released: only a cancel ends it
	h.send(ActionMsg{Name: "backup", Args: []string{"models"}})
	if h.s.confirm == nil {
		t.Fatalf("a named set must go straight to the confirmation:\n%s", h.view())
	}
	h.keys("tab", "enter")
	op := h.newest()
	for op.Progress.Percent == 0 {
		h.step()
	}
	v := h.view()
	for _, want := range []string{"! running", "50%", "files 5/10", "ETA 30s", "bytes 50.0 MiB/100.0 MiB"} {
		if !strings.Contains(v, want) {
			t.Errorf("running view lacks %q:\n%s", want, v)
		}
	}

	h.keys("c")
	if h.s.confirm == nil || h.s.confirm.focus != 1 {
		t.Fatalf("c must ask with Cancel focused:\n%s", h.view())
	}
	if !strings.Contains(h.view(), "Stop backup models → primary?") {
		t.Errorf("cancel dialog:\n%s", h.view())
	}
	h.keys("enter") // Cancel: keeps running
	if !op.Running() {
		t.Fatal("Cancel in the dialog stopped the operation")
	}
	h.keys("c", "tab", "enter")
	done := h.drain(op.ID)
	if done.State != OpCancelled {
		t.Fatalf("state %s, want cancelled", done.State)
	}
	if v := h.view(); !strings.Contains(v, "! cancelled") {
		t.Errorf("view lacks the cancelled state:\n%s", v)
	}
	h.keys("c")
	if st := h.lastStatus(); !st.Err || !strings.Contains(st.Text, "already ended") {
		t.Errorf("c on an ended op: %+v", st)
	}
}

func TestOperationsForgetDryRunThenTypedName(t *testing.T) {
	h := newOpsHarness(t, false)
	h.keys("f")
	h.pick("datasets")
	h.pick("*") // all sites
	op := h.newest()
	if !strings.Contains(op.Target, "dry run") {
		t.Fatalf("first op %q is not the dry run", op.Target)
	}
	h.drain(op.ID)
	if !h.called("forget [] [datasets] dry=true") || h.called("forget [] [datasets] dry=false") {
		t.Fatalf("calls %v", h.f.Calls())
	}
	if h.s.notice == nil {
		t.Fatalf("no dry-run review:\n%s", h.view())
	}
	v := h.view()
	for _, want := range []string{"Forget dry run: datasets at all sites", "keep 1, remove 1", "aaaa0000", "Nothing has changed yet"} {
		if !strings.Contains(v, want) {
			t.Errorf("review lacks %q:\n%s", want, v)
		}
	}
	h.keys("enter")
	if h.s.confirm == nil || h.s.confirm.Typed != "datasets" || h.s.confirm.focus != 1 {
		t.Fatalf("want a typed confirmation for datasets with Cancel focused:\n%s", h.view())
	}
	h.keys("models", "enter")
	if h.s.confirm == nil {
		t.Fatal("a wrong name closed the confirmation")
	}
	if v := h.view(); !strings.Contains(v, "that is not datasets") {
		t.Errorf("no refusal shown:\n%s", v)
	}
	if h.called("forget [] [datasets] dry=false") {
		t.Fatal("a wrong name applied the forget")
	}
	for range "models" {
		h.keys("backspace")
	}
	h.keys("datasets", "enter")
	apply := h.newest()
	if apply.ID == op.ID || strings.Contains(apply.Target, "dry run") {
		t.Fatalf("no apply op started: %q", apply.Target)
	}
	if done := h.drain(apply.ID); done.State != OpOK {
		t.Fatalf("apply %s", done.State)
	}
	if !h.called("forget [] [datasets] dry=false") {
		t.Fatalf("calls %v", h.f.Calls())
	}
}

func TestOperationsForgetCancelAfterDryRunChangesNothing(t *testing.T) {
	h := newOpsHarness(t, false)
	h.send(ActionMsg{Name: "forget", Args: []string{"datasets", "dr"}})
	op := h.newest()
	h.drain(op.ID)
	if !h.called("forget [dr] [datasets] dry=true") {
		t.Fatalf("calls %v", h.f.Calls())
	}
	h.keys("esc") // at the review
	if h.s.modalOpen() {
		t.Fatal("esc must close the review")
	}
	h.keys("f")
	h.keys("esc") // at the picker
	if h.s.modalOpen() || h.called("forget [dr] [datasets] dry=false") || len(h.ctx.Ops.All()) != 1 {
		t.Fatalf("cancelling changed something: %v", h.f.Calls())
	}
}

func TestOperationsReplicateAndCheckFlows(t *testing.T) {
	h := newOpsHarness(t, false)
	h.keys("p")
	h.pick("dr")
	h.pick("models")
	if h.s.confirm == nil || !strings.Contains(h.view(), "Replicate models to dr?") {
		t.Fatalf("replicate confirmation:\n%s", h.view())
	}
	h.keys("tab", "enter")
	h.drain(h.newest().ID)
	if !h.called("replicate [dr] [models]") {
		t.Fatalf("calls %v", h.f.Calls())
	}

	h.keys("k")
	h.pick("dr")
	h.pick("1/10")
	v := h.view()
	for _, want := range []string{"Check dr (read 1/10)?", "reads the repository", "may take long"} {
		if !strings.Contains(v, want) {
			t.Errorf("check confirmation lacks %q:\n%s", want, v)
		}
	}
	h.keys("tab", "enter")
	h.drain(h.newest().ID)
	if !h.called("check [dr]") {
		t.Fatalf("calls %v", h.f.Calls())
	}

	// The palette skips what it names.
	h.send(ActionMsg{Name: "check", Args: []string{"primary", "structure"}})
	if h.s.confirm == nil || !strings.Contains(h.view(), "Check primary (structure)?") {
		t.Fatalf("palette check:\n%s", h.view())
	}
	h.keys("esc")
	h.send(ActionMsg{Name: "replicate", Args: []string{"dr"}})
	if h.s.confirm == nil || !strings.Contains(h.view(), "Replicate all sets to dr?") {
		t.Fatalf("palette replicate:\n%s", h.view())
	}
	h.keys("esc")
}

func TestOperationsUnknownNames(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want []string
	}{
		{"backup", []string{"nosuchset"}, []string{"nosuchset", "models", "datasets"}},
		{"replicate", []string{"mars"}, []string{"mars", "primary", "dr"}},
		{"replicate", []string{"primary"}, []string{"primary is the active site"}},
		{"check", []string{"moon"}, []string{"moon", "primary, dr"}},
		{"forget", []string{"nosuchset"}, []string{"nosuchset", "models"}},
	}
	for _, c := range cases {
		h := newOpsHarness(t, false)
		h.send(ActionMsg{Name: c.name, Args: c.args})
		st := h.lastStatus()
		if !st.Err {
			t.Errorf("%s %v: no error status (%+v)", c.name, c.args, st)
		}
		for _, w := range c.want {
			if !strings.Contains(st.Text, w) {
				t.Errorf("%s %v: %q lacks %q", c.name, c.args, st.Text, w)
			}
		}
		if h.s.modalOpen() || len(h.ctx.Ops.All()) != 0 {
			t.Errorf("%s %v: an unknown name opened or started something", c.name, c.args)
		}
	}
}

func TestOperationsReadOnly(t *testing.T) {
	h := newOpsHarness(t, true)
	for _, k := range []string{"b", "p", "k", "f"} {
		h.status = nil
		h.keys(k)
		if st := h.lastStatus(); !st.Err || !strings.Contains(st.Text, "read-only") {
			t.Errorf("%s in read-only: %+v", k, st)
		}
		if h.s.modalOpen() {
			t.Errorf("%s opened a dialog in read-only", k)
		}
	}
	h.status = nil
	h.send(ActionMsg{Name: "forget", Args: []string{"datasets"}})
	if st := h.lastStatus(); !strings.Contains(st.Text, "read-only") {
		t.Errorf("palette forget in read-only: %+v", st)
	}
	if len(h.ctx.Ops.All()) != 0 {
		t.Fatal("read-only started an operation")
	}
	for _, c := range h.f.Calls() {
		if !strings.HasPrefix(c, "status") {
			t.Errorf("read-only made call %q", c)
		}
	}
	if v := h.view(); !strings.Contains(v, "actions are disabled") || !strings.Contains(v, "--read-only") {
		t.Errorf("header does not say actions are disabled:\n%s", v)
	}
}

func TestOperationsHistoryPanes(t *testing.T) {
	h := newOpsHarness(t, false)
	v := h.view()
	for _, want := range []string{"restic backup --json --tag models", "0 ✓", "40.0s", "snapshot 1a2b3c4d", "5.0 GiB", "✓ ok"} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
	// A late answer to an older request is ignored.
	h.send(opsHistoryMsg{seq: h.s.seq - 1})
	if !strings.Contains(h.view(), "restic backup --json --tag models") {
		t.Error("a stale history answer replaced the log")
	}
	h.keys("l", "/")
	if h.s.focus != paneLog || !h.s.Capturing() {
		t.Fatalf("focus %d, capturing %v", h.s.focus, h.s.Capturing())
	}
	h.keys("zzz")
	if v := h.view(); !strings.Contains(v, "no row matches /zzz") {
		t.Errorf("filter not applied:\n%s", v)
	}
	h.keys("enter")
	if h.s.Capturing() {
		t.Fatal("enter must end filter typing")
	}
	if !h.s.Back() || h.s.lists[paneLog].FilterText() != "" {
		t.Fatal("Back must clear the filter")
	}
	h.keys("enter")
	if v := h.view(); !strings.Contains(v, "restic backup --json --tag models /data/models") || !strings.Contains(v, "exit 0") {
		t.Errorf("log details:\n%s", v)
	}
	h.keys("esc", "[", "enter")
	if v := h.view(); !strings.Contains(v, "backup models@primary") {
		t.Errorf("result details:\n%s", v)
	}
	h.keys("esc")
	if len(h.s.Keys()) == 0 {
		t.Error("no key bindings for help")
	}
}

func TestOperationsFitsItsArea(t *testing.T) {
	for _, size := range [][2]int{{80, 21}, {120, 37}} {
		w, hgt := size[0], size[1]
		h := newOpsHarness(t, false)
		h.s.SetSize(w, hgt)
		check := func(state string) {
			t.Helper()
			v := h.s.View()
			lines := strings.Split(v, "\n")
			if len(lines) > hgt {
				t.Errorf("%dx%d %s: %d lines > %d:\n%s", w, hgt, state, len(lines), hgt, ansi.Strip(v))
			}
			for i, l := range lines {
				if lipgloss.Width(l) > w {
					t.Errorf("%dx%d %s: line %d is %d wide: %q", w, hgt, state, i, lipgloss.Width(l), ansi.Strip(l))
				}
			}
		}
		check("idle")
		h.keys("b")
		check("picker")
		h.pick("*")
		check("confirm")
		h.keys("tab", "enter")
		h.drain(h.newest().ID)
		check("after backup")
		h.send(ActionMsg{Name: "forget", Args: []string{"models"}})
		check("dry run")
		h.drain(h.newest().ID)
		check("review")
		h.keys("enter")
		check("typed confirm")
		h.keys("wrong", "enter")
		check("typed refusal")
		h.keys("esc")
		for i := 0; i < 5; i++ {
			h.send(ActionMsg{Name: "check", Args: []string{"dr", "read"}})
			h.keys("tab", "enter")
			h.drain(h.newest().ID)
		}
		check("many ops")
		h.keys("o", "enter")
		check("details")
	}
}

func TestOperationsThroughRoot(t *testing.T) {
	f := newFakeBackend()
	m := startModel(f, false, 80, 24)
	driveRoot(m, keyPress("3"))
	if v := ansi.Strip(m.View()); !strings.Contains(v, "restic backup --json --tag models") {
		t.Fatalf("operations screen not shown:\n%s", v)
	}
	driveRoot(m, keyPress("b"))
	if v := ansi.Strip(m.View()); !strings.Contains(v, "Back up which set?") {
		t.Fatalf("no picker:\n%s", v)
	}
	if driveRoot(m, keyPress("q")) {
		t.Fatal("q in the picker quit the console")
	}
	if v := ansi.Strip(m.View()); strings.Contains(v, "Back up which set?") {
		t.Fatalf("q did not close the picker:\n%s", v)
	}
	driveRoot(m, keyPress(":"))
	driveRoot(m, keyPress("backup nosuchset"))
	driveRoot(m, keyPress("enter"))
	v := ansi.Strip(m.View())
	if !strings.Contains(v, "nosuchset") {
		t.Errorf("palette error not shown:\n%s", v)
	}
	if n := len(strings.Split(m.View(), "\n")); n > 24 {
		t.Errorf("root view has %d lines at 80x24", n)
	}
	for _, c := range f.Calls() {
		if strings.HasPrefix(c, "backup") {
			t.Errorf("unexpected call %q", c)
		}
	}
}
