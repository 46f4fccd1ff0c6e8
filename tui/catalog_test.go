package tui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/lifeboat-dr/lifeboat/engine"
)

const catW, catH = 120, 37

// catDriver runs the Catalog screen the way the root does: esc goes to
// Back unless the screen captures keys, operation messages are applied to
// Ops before the screen sees them, status messages are kept. Commands run
// in goroutines (as under bubbletea) and their messages come back through
// one channel, so a wait command that blocks is never abandoned mid-batch.
type catDriver struct {
	t      *testing.T
	ctx    *Context
	s      *catalogScreen
	msgs   chan tea.Msg
	status []string
}

func newCatDriver(t *testing.T, b Backend, readOnly bool) *catDriver {
	t.Helper()
	ctx := newTestContext(newFakeBackend(), readOnly)
	ctx.Backend = b
	d := &catDriver{t: t, ctx: ctx, s: newCatalogScreen(ctx), msgs: make(chan tea.Msg, 1024)}
	d.s.SetSize(catW, catH)
	d.exec(ctx.Ops.Wait())
	st, err := b.Status(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	cat, err := b.LoadCatalog(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	proven, err := b.ProvenSnapshots(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	d.send(DataMsg{Status: st, Catalog: cat, Proven: proven})
	return d
}

// exec runs a command off the test goroutine, expanding batches.
func (d *catDriver) exec(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	go func() {
		msg := cmd()
		if b, ok := msg.(tea.BatchMsg); ok {
			for _, c := range b {
				d.exec(c)
			}
			return
		}
		if msg != nil {
			d.msgs <- msg
		}
	}()
}

func (d *catDriver) deliver(msg tea.Msg) {
	switch m := msg.(type) {
	case StatusMsg:
		d.status = append(d.status, m.Text)
		return
	case OpEventMsg, OpDoneMsg:
		d.ctx.Ops.Apply(m)
		d.exec(d.ctx.Ops.Wait())
	case tea.KeyMsg:
		if m.String() == "esc" && !d.s.Capturing() {
			d.s.Back()
			return
		}
	}
	// Cursor blinks would run for ever; the view does not depend on them.
	if strings.HasPrefix(fmt.Sprintf("%T", msg), "cursor.") {
		return
	}
	_, cmd := d.s.Update(msg)
	d.exec(cmd)
}

// settle feeds messages back until none came for a while, until done
// reports true, or until max passed.
func (d *catDriver) settle(done func() bool, maxWait time.Duration) {
	d.t.Helper()
	deadline := time.After(maxWait)
	for steps := 0; steps < 100000; steps++ {
		if done != nil && done() {
			return
		}
		select {
		case msg := <-d.msgs:
			d.deliver(msg)
		case <-time.After(100 * time.Millisecond):
			if done == nil {
				return
			}
		case <-deadline:
			if done != nil {
				d.t.Fatalf("timed out after %s; view:\n%s", maxWait, d.view())
			}
			return
		}
	}
}

func (d *catDriver) send(msg tea.Msg) {
	d.t.Helper()
	d.deliver(msg)
	d.settle(nil, 5*time.Second)
}

func (d *catDriver) press(keys ...string) {
	d.t.Helper()
	for _, k := range keys {
		d.send(keyPress(k))
	}
}

func (d *catDriver) typeText(s string) {
	d.t.Helper()
	for _, r := range s {
		d.send(keyPress(string(r)))
	}
}

// view is the screen without colour; it also checks the screen stays in
// its area.
func (d *catDriver) view() string {
	d.t.Helper()
	v := ansi.Strip(d.s.View())
	lines := strings.Split(v, "\n")
	if len(lines) > catH {
		d.t.Fatalf("view has %d lines, more than the height %d:\n%s", len(lines), catH, v)
	}
	for _, l := range lines {
		if w := ansi.StringWidth(l); w > catW {
			d.t.Fatalf("line wider than %d (%d): %q", catW, w, l)
		}
	}
	return v
}

func (d *catDriver) waitTree() {
	d.t.Helper()
	d.settle(func() bool { return d.s.br != nil && !d.s.br.loading }, 30*time.Second)
}

func catLineWith(v, s string) string {
	for _, l := range strings.Split(v, "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	return ""
}

// catMustContain checks the view for each text, ignoring how lines wrapped.
func catMustContain(t *testing.T, v string, want ...string) {
	t.Helper()
	flat := strings.Join(strings.Fields(strings.ReplaceAll(v, "│", " ")), " ")
	for _, w := range want {
		if !strings.Contains(v, w) && !strings.Contains(flat, strings.Join(strings.Fields(w), " ")) {
			t.Fatalf("view lacks %q:\n%s", w, v)
		}
	}
}

// catRestoreRecorder keeps the whole requests, which the fake's call log
// abbreviates.
type catRestoreRecorder struct {
	*fakeBackend
	mu   sync.Mutex
	reqs []engine.RestoreRequest
}

func (r *catRestoreRecorder) Restore(ctx context.Context, req engine.RestoreRequest, obs engine.Observer) (*engine.RestoreResult, error) {
	r.mu.Lock()
	r.reqs = append(r.reqs, req)
	r.mu.Unlock()
	return r.fakeBackend.Restore(ctx, req, obs)
}

func (r *catRestoreRecorder) requests() []engine.RestoreRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]engine.RestoreRequest(nil), r.reqs...)
}

func TestCatalogMatrix(t *testing.T) {
	d := newCatDriver(t, newFakeBackend(), false)
	v := d.view()
	catMustContain(t, v, "primary (active)", "dr (standby)")
	row := catLineWith(v, "datasets")
	for _, want := range []string{"12h", "✓ 1h", "✗ 30h severe", "1 missing"} {
		if !strings.Contains(row, want) {
			t.Fatalf("datasets row lacks %q: %q\n%s", want, row, v)
		}
	}
	if row := catLineWith(v, "models"); !strings.Contains(row, "24h") || !strings.Contains(row, "✓ 2h") || strings.Contains(row, "missing") {
		t.Fatalf("models row: %q", row)
	}
	// The cursor moves over sets and sites; the detail says why.
	d.press("down", "right")
	v = d.view()
	catMustContain(t, v, "datasets at dr", "not within RPO 12h", "severe", "1 snapshot(s) missing")
	d.press("l") // already the last site
	if d.s.col != 1 {
		t.Fatalf("col %d after l on the last site", d.s.col)
	}
	d.press("enter")
	v = d.view()
	catMustContain(t, v, "datasets @ dr", "dddd0000", "SHORT ID", "ALSO AT", "primary", "5.0 GiB", "34")
	if strings.Contains(v, "bbbb1111") {
		t.Fatalf("snapshots of primary shown at dr:\n%s", v)
	}
	if !d.s.Back() || d.s.level != catMatrix {
		t.Fatal("esc from the snapshots goes back to the matrix")
	}
	if d.s.Back() {
		t.Fatal("the matrix has nothing to go back from")
	}
	// At primary the newest comes first and the standby copy is named.
	d.press("left", "enter")
	v = d.view()
	catMustContain(t, v, "datasets @ primary")
	if strings.Index(v, "bbbb1111") > strings.Index(v, "bbbb0000") {
		t.Fatalf("snapshots not newest first:\n%s", v)
	}
	if l := catLineWith(v, "bbbb1111"); !strings.Contains(l, "only here") {
		t.Fatalf("an unreplicated snapshot should say so: %q", l)
	}
	if l := catLineWith(v, "bbbb0000"); !strings.Contains(l, "dr") {
		t.Fatalf("a replicated snapshot should name dr: %q", l)
	}
	// TESTED names the drill that restored and verified a snapshot.
	d.s.Back()
	d.press("up", "right", "enter") // models at dr
	v = d.view()
	catMustContain(t, v, "models @ dr", "TESTED")
	if l := catLineWith(v, "eeee1111"); !strings.Contains(l, "✓ drill 1h") {
		t.Fatalf("the drilled snapshot should say so: %q\n%s", l, v)
	}
	if l := catLineWith(v, "eeee0000"); strings.Contains(l, "✓") || !strings.Contains(l, "—") {
		t.Fatalf("an untested snapshot: %q", l)
	}
	d.s.Back()
	d.press("down", "left", "enter") // back to datasets at primary
	// / filters the snapshots.
	d.press("/")
	d.typeText("0000")
	d.press("enter")
	if v := d.view(); strings.Contains(v, "bbbb1111") || !strings.Contains(v, "bbbb0000") {
		t.Fatalf("filter 0000:\n%s", v)
	}
}

func TestCatalogTreeAndRestore(t *testing.T) {
	f := newFakeBackend()
	tmp := t.TempDir()
	f.cfg.Failover.Target = tmp
	d := newCatDriver(t, f, false)
	d.press("right", "enter") // models at dr
	catMustContain(t, d.view(), "models @ dr", "eeee1111", "eeee0000")
	d.press("enter")
	d.waitTree()
	if calls := strings.Join(f.Calls(), ","); !strings.Contains(calls, "ls dr eeee1111") {
		t.Fatalf("tree not listed from dr: %s", calls)
	}
	v := d.view()
	catMustContain(t, v, "/data/models", "ckpt-1/", "ckpt-2/", "config.json", "36 entries")
	if a, b, c := strings.Index(v, "ckpt-1/"), strings.Index(v, "ckpt-2/"), strings.Index(v, "config.json"); !(a < b && b < c) {
		t.Fatalf("directories must come before files, by name:\n%s", v)
	}
	if l := catLineWith(v, "ckpt-2/"); !strings.Contains(l, "465.0 MiB") || !strings.Contains(l, "30 files") {
		t.Fatalf("a directory shows what it holds: %q", l)
	}
	d.press("down", "enter")
	v = d.view()
	catMustContain(t, v, "/data/models/ckpt-2")
	if n := strings.Count(v, "shard-"); n != 30 {
		t.Fatalf("ckpt-2 shows %d shards, want 30:\n%s", n, v)
	}
	// up and down again land on the directory we came from.
	d.press("backspace")
	if r, _ := d.s.br.list.Selected(); !strings.Contains(r.Cells[1], "ckpt-2") {
		t.Fatalf("going up should focus ckpt-2, got %q", r.Cells[1])
	}
	d.press("l")
	// The filter narrows the listing.
	d.press("/")
	d.typeText("shard-1")
	d.press("enter")
	v = d.view()
	if n := strings.Count(v, ".bin"); n != 10 {
		t.Fatalf("filter shard-1 shows %d entries, want 10:\n%s", n, v)
	}
	// space selects, R restores the selection.
	d.press("space", "down", "space")
	v = d.view()
	catMustContain(t, v, "● 2 selected (23.0 MiB)")
	if l := catLineWith(v, "shard-10.bin"); !strings.Contains(l, "●") {
		t.Fatalf("selected entry not marked: %q", l)
	}
	d.press("R")
	if d.s.wiz == nil || !d.s.Capturing() {
		t.Fatal("R should open the restore wizard, capturing keys")
	}
	target := filepath.Join(tmp, "lifeboat-restore-models-eeee1111")
	if got := d.s.wiz.input.Value(); got != target {
		t.Fatalf("default target %q, want %q", got, target)
	}
	catMustContain(t, d.view(), "step 1 of 4", "lifeboat-restore-models-eeee1111")
	d.press("enter")
	v = d.view()
	catMustContain(t, v, "step 2 of 4", "2 files, 23.0 MiB", "2 selected entries", "does not exist yet", "dr", "eeee1111")
	d.press("enter")
	v = d.view()
	catMustContain(t, v, "Restore?", "[ Cancel ]", "[ Restore ]")
	if strings.Contains(v, "Type models") {
		t.Fatal("a new target needs no typed name")
	}
	d.press("tab", "enter")
	d.settle(func() bool { return d.s.wiz != nil && d.s.wiz.step == restoreStepResult }, 10*time.Second)
	want := fmt.Sprintf("restore dr models eeee1111 %s [/data/models/ckpt-2/shard-10.bin /data/models/ckpt-2/shard-11.bin]", target)
	if calls := f.Calls(); calls[len(calls)-1] != want {
		t.Fatalf("restore call\n got %q\nwant %q", calls[len(calls)-1], want)
	}
	v = d.view()
	catMustContain(t, v, "Restore ✓ ok", "10 files · 100.0 MiB restored", target, "verified")
	d.press("enter")
	if d.s.wiz != nil || d.s.Capturing() {
		t.Fatal("enter on the result closes the wizard")
	}
	// esc leaves the tree for the snapshots.
	d.press("esc") // the filter first
	d.press("esc")
	if d.s.level != catSnapshots || d.s.br != nil {
		t.Fatalf("esc from the tree: level %d", d.s.level)
	}
}

func TestCatalogRestoreOverNonEmptyTarget(t *testing.T) {
	rec := &catRestoreRecorder{fakeBackend: newFakeBackend()}
	tmp := t.TempDir()
	rec.cfg.Failover.Target = tmp
	// The default steps past a directory that exists.
	if err := os.Mkdir(filepath.Join(tmp, "lifeboat-restore-models-eeee1111"), 0o700); err != nil {
		t.Fatal(err)
	}
	d := newCatDriver(t, rec, false)
	d.press("right", "enter", "R") // the whole newest snapshot of models at dr
	if got, want := d.s.wiz.input.Value(), filepath.Join(tmp, "lifeboat-restore-models-eeee1111-2"); got != want {
		t.Fatalf("default target %q, want %q", got, want)
	}
	busy := filepath.Join(tmp, "busy")
	if err := os.MkdirAll(busy, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(busy, "keep.txt"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	d.s.wiz.input.SetValue(busy)
	d.press("enter")
	v := d.view()
	catMustContain(t, v, "the whole snapshot", "34 files, 5.0 GiB", "exists and is not empty")
	d.press("enter")
	catMustContain(t, d.view(), "Restore over existing data?", "Type models to confirm")
	d.typeText("wrong")
	d.press("enter")
	catMustContain(t, d.view(), "that is not models")
	if len(rec.requests()) != 0 {
		t.Fatal("a wrong name must not restore")
	}
	for range "wrong" {
		d.press("backspace")
	}
	d.typeText("models")
	d.press("enter")
	d.settle(func() bool { return d.s.wiz != nil && d.s.wiz.step == restoreStepResult }, 10*time.Second)
	reqs := rec.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d restores", len(reqs))
	}
	r := reqs[0]
	if r.Site != "dr" || r.Set != "models" || !strings.HasPrefix(r.Snapshot, "eeee1111") || len(r.Snapshot) != 64 ||
		r.Target != busy || r.Include != nil || !r.Overwrite || !r.Verify {
		t.Fatalf("request %+v", r)
	}
	catMustContain(t, d.view(), "Restore ✓ ok", "verified")
}

func TestCatalogRestoreProgressCancelAndFailure(t *testing.T) {
	f := newFakeBackend()
	f.cfg.Failover.Target = t.TempDir()
	f.block = make(chan struct{})
	d := newCatDriver(t, f, false)
	d.press("right", "enter", "R", "enter", "enter", "tab", "enter")
	d.settle(func() bool {
		op := d.ctx.Ops.Get(d.s.wiz.opID)
		return op != nil && op.Progress.TotalFiles > 0
	}, 10*time.Second)
	v := d.view()
	catMustContain(t, v, "Restoring", "███", "░░░", "50%", "files   5 / 10", "bytes   50.0 MiB / 100.0 MiB", "ETA     30s", "c/esc: cancel")
	// c asks first; Cancel (the default) keeps it running.
	d.press("c")
	catMustContain(t, d.view(), "Stop the restore?", "partial restore", "[ Stop restore ]")
	d.press("enter")
	if op := d.ctx.Ops.Get(d.s.wiz.opID); !op.Running() || d.s.wiz.cancelAsk != nil {
		t.Fatal("enter on Cancel must not stop the restore")
	}
	d.press("esc", "tab", "enter")
	d.settle(func() bool { return d.s.wiz != nil && d.s.wiz.step == restoreStepResult }, 10*time.Second)
	v = d.view()
	catMustContain(t, v, "Restore ! cancelled", "may hold a partial restore")
	if strings.Contains(v, "verified") {
		t.Fatalf("a cancelled restore is not verified:\n%s", v)
	}
	d.press("esc")
	if d.s.wiz != nil {
		t.Fatal("esc closes the result")
	}

	// A failure shows its whole error.
	d.s.wiz = nil
	long := "site dr: restore models: " + strings.Repeat("pack 0123456789abcdef is damaged; ", 6) + "the end"
	w := newRestoreWizard(d.ctx, "dr", "models", d.s.snaps[0], wholeSnapshot(d.s.snaps[0]))
	w.SetSize(catW, catH)
	w.target, w.step, w.opID = "/tmp/x", restoreStepProgress, 99
	d.s.wiz = w
	d.send(OpDoneMsg{ID: 99, Err: fmt.Errorf("%s", long), Result: (*engine.RestoreResult)(nil)})
	v = strings.Join(strings.Fields(d.view()), " ")
	catMustContain(t, v, "Restore ✗ failed", "the end", "pack 0123456789abcdef is damaged;")
}

func TestCatalogReadOnly(t *testing.T) {
	f := newFakeBackend()
	d := newCatDriver(t, f, true)
	d.press("right", "enter")
	catMustContain(t, d.view(), "restore disabled (read-only)")
	d.press("R")
	if d.s.wiz != nil {
		t.Fatal("read-only must not open the wizard")
	}
	if len(d.status) == 0 || d.status[len(d.status)-1] != engine.Refusal(true, "restore").Error() {
		t.Fatalf("status: %q", d.status)
	}
	for _, k := range d.s.Keys() {
		if k.Enabled() && k.Help().Desc == "restore" {
			t.Fatal("restore binding enabled in read-only mode")
		}
	}
	d.press("enter")
	d.waitTree()
	d.press("space", "R")
	if d.s.wiz != nil || d.status[len(d.status)-1] != engine.Refusal(true, "restore").Error() {
		t.Fatalf("R in the tree: wizard %v, status %q", d.s.wiz != nil, d.status)
	}
	d.send(ActionMsg{Name: "restore", Args: []string{"models"}})
	if d.s.wiz != nil || d.status[len(d.status)-1] != engine.Refusal(true, "restore").Error() {
		t.Fatal(":restore in read-only mode")
	}
	for _, c := range f.Calls() {
		if strings.HasPrefix(c, "restore") {
			t.Fatalf("read-only restored: %s", c)
		}
	}
}

func TestCatalogPaletteRestore(t *testing.T) {
	f := newFakeBackend()
	f.cfg.Failover.Target = t.TempDir()
	d := newCatDriver(t, f, false)
	d.send(ActionMsg{Name: "restore", Args: []string{"datasets", "dr"}})
	if d.s.wiz == nil || d.s.wiz.snap.ShortID != "dddd0000" || d.s.wiz.site != "dr" {
		t.Fatalf("restore datasets dr: %+v", d.s.wiz)
	}
	catMustContain(t, d.view(), "datasets@dr", "the whole snapshot")
	d.press("esc")
	if d.s.wiz != nil || d.s.level != catSnapshots {
		t.Fatal("esc on the target step closes the wizard")
	}
}

// catBlockingLister's first listing gives one entry, then waits for its
// context to end; later ones are the fake's.
type catBlockingLister struct {
	*fakeBackend
	cancelled chan struct{}
	once      sync.Once
}

func (b *catBlockingLister) ListNodes(ctx context.Context, site, id string, fn func(engine.Node)) error {
	first := false
	b.once.Do(func() { first = true })
	if !first {
		return b.fakeBackend.ListNodes(ctx, site, id, fn)
	}
	fn(engine.Node{Name: "first", Type: "file", Path: "/data/models/first", Size: 1})
	<-ctx.Done()
	close(b.cancelled)
	return ctx.Err()
}

func TestCatalogEscCancelsListing(t *testing.T) {
	b := &catBlockingLister{fakeBackend: newFakeBackend(), cancelled: make(chan struct{})}
	d := newCatDriver(t, b, false)
	d.press("right", "enter", "enter")
	d.settle(func() bool { return d.s.br.tree.len() > 2 }, 5*time.Second)
	catMustContain(t, d.view(), "loading… 3 entries", "first")
	old := d.s.br.req
	d.press("esc")
	if d.s.level != catSnapshots {
		t.Fatal("esc while loading goes back")
	}
	select {
	case <-b.cancelled:
	case <-time.After(5 * time.Second):
		t.Fatal("esc did not cancel the listing")
	}
	// A late batch of the old listing lands nowhere.
	d.press("enter")
	d.waitTree()
	n := d.s.br.tree.len()
	d.send(treeBatchMsg{req: old, nodes: []treeNode{{path: "/data/models/stray", name: "stray"}}})
	if d.s.br.tree.len() != n || strings.Contains(d.view(), "stray") {
		t.Fatal("a batch of an older listing was applied")
	}
}

// catMillionLister streams a snapshot of a million files in one directory,
// made on the fly so that the test holds only the console's copy.
type catMillionLister struct {
	*fakeBackend
	n int
}

func (m *catMillionLister) ListNodes(ctx context.Context, site, id string, fn func(engine.Node)) error {
	fn(engine.Node{Name: "data", Type: "dir", Path: "/data"})
	fn(engine.Node{Name: "models", Type: "dir", Path: "/data/models"})
	for i := m.n - 1; i >= 0; i-- { // reverse order: the console sorts
		if i%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		name := fmt.Sprintf("f-%07d.bin", i)
		fn(engine.Node{Name: name, Type: "file", Path: "/data/models/" + name, Size: uint64(i)})
	}
	return nil
}

func TestCatalogMillionNodes(t *testing.T) {
	if testing.Short() {
		t.Skip("a million nodes")
	}
	const n = 1_000_000
	d := newCatDriver(t, &catMillionLister{fakeBackend: newFakeBackend(), n: n}, false)
	d.press("right", "enter")
	t0 := time.Now()
	d.send(keyPress("enter"))
	d.settle(func() bool { return d.s.br != nil && !d.s.br.loading }, 120*time.Second)
	load := time.Since(t0)
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)

	t1 := time.Now()
	v := d.view()
	first := time.Since(t1)
	t.Logf("1M nodes: loaded and laid out in %s; first screen View in %s; heap in use %d MiB",
		load.Round(time.Millisecond), first, ms.HeapInuse>>20)
	if first > 50*time.Millisecond {
		t.Fatalf("first screen took %s to draw", first)
	}
	catMustContain(t, v, "f-0000000.bin", "f-0000001.bin", fmt.Sprintf("%d entries", n+2))
	if strings.Contains(v, "f-0999999.bin") || strings.Count(v, "f-0") > catH {
		t.Fatal("more rows drawn than fit")
	}
	// Jumping to the end and selecting there stay quick: selecting marks
	// the row in place rather than rebuilding a million rows.
	t2 := time.Now()
	d.s.Update(keyPress("G"))
	v = d.view()
	d.s.Update(keyPress("space"))
	v2 := d.view()
	el := time.Since(t2)
	t.Logf("G, View, space, View: %s", el)
	catMustContain(t, v, "f-0999999.bin")
	if el > 100*time.Millisecond {
		t.Fatalf("G and space took %s", el)
	}
	if l := catLineWith(v2, "f-0999999.bin"); !strings.Contains(l, "●") {
		t.Fatalf("last row not marked: %q", l)
	}
	catMustContain(t, d.view(), "● 1 selected")
}

func TestCatalogFitsSmallTerminal(t *testing.T) {
	d := newCatDriver(t, newFakeBackend(), false)
	d.s.SetSize(80, 21) // 80×24 less the tab bar, status line and footer
	steps := [][]string{{}, {"right", "enter"}, {"enter"}, {"down", "enter"}, {"R"}, {"enter"}, {"enter"},
		{"esc", "esc", "esc"}, {"space", "down", "space", "down", "space", "down", "space"}, {"R"}, {"enter"}, {"enter"}}
	for _, keys := range steps {
		d.press(keys...)
		d.settle(func() bool { return d.s.br == nil || !d.s.br.loading }, 5*time.Second)
		v := ansi.Strip(d.s.View())
		if n := strings.Count(v, "\n") + 1; n > 21 {
			t.Fatalf("after %v: %d lines at 80×21:\n%s", keys, n, v)
		}
		for _, l := range strings.Split(v, "\n") {
			if ansi.StringWidth(l) > 80 {
				t.Fatalf("after %v: line wider than 80: %q", keys, l)
			}
		}
	}
	if d.s.wiz == nil || d.s.wiz.step != restoreStepConfirm || len(d.s.wiz.scope.include) != 4 {
		t.Fatalf("the walk should end confirming a restore of four entries:\n%s", ansi.Strip(d.s.View()))
	}
}

func TestCatalogThroughRoot(t *testing.T) {
	m, f := newTestModel(t, false, 120, 40)
	f.cfg.Failover.Target = t.TempDir()
	driveRoot(m, keyPress("2"))
	v := view(m)
	catMustContain(t, v, "2 Catalog", "datasets", "1 missing")
	// :restore opens the wizard, which then owns every key: q types a q.
	driveRoot(m, keyPress(":"))
	for _, r := range "restore models dr" {
		driveRoot(m, keyPress(string(r)))
	}
	driveRoot(m, keyPress("enter"))
	catMustContain(t, view(m), "step 1 of 4", "models@dr")
	if quit := driveRoot(m, keyPress("q")); quit {
		t.Fatal("q in the restore wizard must not quit")
	}
	if !strings.HasSuffix(m.screens[ScreenCatalog].(*catalogScreen).wiz.input.Value(), "eeee1111q") {
		t.Fatal("q should be typed into the target")
	}
	driveRoot(m, keyPress("esc"))
	if m.screens[ScreenCatalog].Capturing() {
		t.Fatal("esc closes the wizard")
	}
	if n := strings.Count(view(m), "\n") + 1; n > 40 {
		t.Fatalf("%d lines at 120×40", n)
	}
}

func TestCatalogSaysWhenABreachComes(t *testing.T) {
	f := newFakeBackend()
	st, _ := f.Status(context.Background(), false)
	st.Sets[2].Sites[1].BreachIn = 20 * time.Minute // serving at dr: 20 minutes left
	cat, _ := f.LoadCatalog(context.Background())
	s := newCatalogScreen(newTestContext(f, false))
	s.SetSize(120, 37)
	s.Update(DataMsg{Status: st, Catalog: cat, Fresh: true})
	if v := ansi.Strip(s.View()); !strings.Contains(v, "breach in 20m") {
		t.Fatalf("matrix does not say when the breach comes:\n%s", v)
	}
}

// A set at a site that cannot be listed is "? unknown (site down, last
// seen …)", never compliant from the cache.
func TestCatalogDownSiteIsUnknown(t *testing.T) {
	b := newFakeBackend()
	d := newCatDriver(t, b, false)
	st, err := b.Status(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	seen := fakeNow.Add(-5 * time.Minute)
	st.Sites[1].Reachable, st.Sites[1].Error = false, "site dr: repository is unreachable"
	for i := range st.Sets {
		x := &st.Sets[i].Sites[1]
		x.Stale, x.Grade, x.RPOOK, x.BreachIn, x.LastSeen = true, engine.GradeUnknown, false, 0, &seen
	}
	cat, _ := b.LoadCatalog(context.Background())
	d.send(DataMsg{Status: st, Catalog: cat, Fresh: true})
	row := catLineWith(d.view(), "models")
	if !strings.Contains(row, "? unknown") || !strings.Contains(row, "site down, last seen 5m ago") || strings.Count(row, "✓") > 1 {
		t.Fatalf("models row with dr down: %q", row)
	}
}
