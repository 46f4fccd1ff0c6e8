package tui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/progress"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/lifeboat-dr/lifeboat/engine"
)

// restoreStep is where the restore wizard stands.
type restoreStep int

const (
	restoreStepTarget restoreStep = iota
	restoreStepPreview
	restoreStepConfirm
	restoreStepProgress
	restoreStepResult
)

// Confirm ids of the wizard's dialogs.
const (
	restoreConfirmID = "catalog-restore"
	restoreCancelID  = "catalog-restore-cancel"
)

// restoreWizard restores a snapshot, or part of one, in steps: target,
// preview, confirm, progress, result. It is a modal over the Catalog and
// owns every key while open.
type restoreWizard struct {
	ctx       *Context
	step      restoreStep
	site, set string
	snap      engine.Snapshot
	scope     restoreScope
	width     int
	height    int

	input   textinput.Model
	problem string

	target   string
	exists   bool
	nonEmpty bool

	confirm   *Confirm
	opID      int
	cancelAsk *Confirm
	result    *engine.RestoreResult
	err       error
	closed    bool
}

func newRestoreWizard(ctx *Context, site, set string, snap engine.Snapshot, sc restoreScope) *restoreWizard {
	in := textinput.New()
	in.Prompt = "› "
	in.CharLimit = 4096
	in.SetValue(restoreDefaultTarget(ctx.Backend.ConfigView().FailoverTarget, set, snap.ShortID))
	in.CursorEnd()
	return &restoreWizard{ctx: ctx, site: site, set: set, snap: snap, scope: sc, input: in}
}

func (w *restoreWizard) init() tea.Cmd { return w.input.Focus() }

// restoreDefaultTarget is a directory that does not exist yet:
// <failover.target or the temp dir>/lifeboat-restore-<set>-<shortid>[-N].
func restoreDefaultTarget(base, set, short string) string {
	if base == "" {
		base = os.TempDir()
	}
	name := "lifeboat-restore-" + set + "-" + short
	p := filepath.Join(base, name)
	for i := 2; i < 1000; i++ {
		if _, err := os.Lstat(p); errors.Is(err, os.ErrNotExist) {
			break
		}
		p = filepath.Join(base, fmt.Sprintf("%s-%d", name, i))
	}
	return p
}

// restoreInspectTarget says whether a target exists and holds anything. It is a
// local stat and one directory read, never the repository.
func restoreInspectTarget(p string) (exists, nonEmpty bool, err error) {
	st, err := os.Stat(p)
	if errors.Is(err, os.ErrNotExist) {
		return false, false, nil
	}
	if err != nil {
		return false, false, err
	}
	if !st.IsDir() {
		return true, true, fmt.Errorf("%s exists and is not a directory", p)
	}
	f, err := os.Open(p)
	if err != nil {
		return true, false, err
	}
	defer f.Close()
	if _, err := f.Readdirnames(1); errors.Is(err, io.EOF) {
		return true, false, nil
	} else if err != nil {
		return true, false, err
	}
	return true, true, nil
}

func (w *restoreWizard) SetSize(wd, h int) { w.width, w.height = wd, h }

// back is esc from the root; the wizard handles esc itself, so this only
// runs when something calls Back directly.
func (w *restoreWizard) back() bool {
	w.update(tea.KeyMsg{Type: tea.KeyEsc})
	return true
}

// Keys are the wizard's keys at its step, for the footer and help.
func (w *restoreWizard) Keys() []key.Binding {
	if d := w.dialog(); d != nil {
		return d.Keys()
	}
	return w.bindings().Help()
}

// dialog is the confirmation that has every key while open, if any.
func (w *restoreWizard) dialog() *Confirm {
	switch {
	case w.step == restoreStepConfirm:
		return w.confirm
	case w.step == restoreStepProgress:
		return w.cancelAsk
	}
	return nil
}

// bindings is the key table of the wizard's step.
func (w *restoreWizard) bindings() Bindings {
	closeWizard := run(func() { w.closed = true })
	switch w.step {
	case restoreStepTarget:
		return Bindings{bind("enter", "preview", do(w.toPreview), "enter"), bind("esc", "cancel", closeWizard, "esc", "ctrl+c")}
	case restoreStepPreview:
		return Bindings{bind("enter", "confirm", run(w.toConfirm), "enter"),
			bind("esc", "change target", do(w.editTarget), "esc", "ctrl+c", "backspace")}
	case restoreStepConfirm:
		return nil // the confirmation's own
	case restoreStepProgress:
		return Bindings{bind("c", "cancel restore", run(w.askCancel), "c", "esc", "ctrl+c"),
			bind("b", "run in background", do(func() tea.Cmd {
				w.closed = true
				return statusCmd("the restore continues: 3 Operations shows its progress", false)
			}), "b")}
	}
	return Bindings{bind("enter", "close", closeWizard, "enter", "esc", "ctrl+c", "q")}
}

// editTarget goes back from the preview to the target field.
func (w *restoreWizard) editTarget() tea.Cmd {
	w.step = restoreStepTarget
	return w.input.Focus()
}

func (w *restoreWizard) askCancel() {
	w.cancelAsk = NewConfirm(restoreCancelID, "Stop the restore?",
		"restic stops cleanly; "+w.target+" keeps what was restored so far (a partial restore) and the journal records the restore as cancelled. Cancel keeps it running.",
		"Stop restore")
}

func (w *restoreWizard) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case ConfirmMsg:
		return w.answer(msg)
	case OpEventMsg:
		return nil // the op's progress is read from Ops at draw time
	case OpDoneMsg:
		if msg.ID != w.opID || w.step != restoreStepProgress {
			return nil
		}
		w.cancelAsk = nil
		w.result, _ = msg.Result.(*engine.RestoreResult)
		w.err = msg.Err
		w.step = restoreStepResult
		return nil
	case tea.KeyMsg:
		return w.key(msg)
	}
	// Cursor blinks of the target input.
	if w.step == restoreStepTarget {
		var cmd tea.Cmd
		w.input, cmd = w.input.Update(msg)
		return cmd
	}
	return nil
}

func (w *restoreWizard) key(km tea.KeyMsg) tea.Cmd {
	if d := w.dialog(); d != nil {
		return d.Update(km)
	}
	if cmd, ok := w.bindings().Dispatch(km); ok {
		return cmd
	}
	if w.step == restoreStepTarget {
		w.problem = ""
		var cmd tea.Cmd
		w.input, cmd = w.input.Update(km)
		return cmd
	}
	return nil
}

func (w *restoreWizard) toPreview() tea.Cmd {
	p := strings.TrimSpace(w.input.Value())
	if p == "" {
		w.problem = "a target directory is required"
		return nil
	}
	if strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			p = filepath.Join(home, p[2:])
		}
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		w.problem = errWords(err)
		return nil
	}
	exists, nonEmpty, err := restoreInspectTarget(abs)
	if err != nil {
		w.problem = errWords(err)
		return nil
	}
	w.target, w.exists, w.nonEmpty = abs, exists, nonEmpty
	w.input.Blur()
	w.step = restoreStepPreview
	return nil
}

func (w *restoreWizard) toConfirm() {
	body := fmt.Sprintf("Restore %s of %s from %s (snapshot %s, %d files, %s) into %s.",
		w.scope.what, w.set, w.site, w.snap.ShortID, w.scope.files, engine.Bytes(w.scope.bytes), w.target)
	if w.nonEmpty {
		w.confirm = NewTypedConfirm(restoreConfirmID, "Restore over existing data?",
			body+" The target already holds files: files of the same name are overwritten.", "Restore", w.set)
	} else {
		w.confirm = NewConfirm(restoreConfirmID, "Restore?", body, "Restore")
	}
	w.step = restoreStepConfirm
}

func (w *restoreWizard) answer(msg ConfirmMsg) tea.Cmd {
	switch msg.ID {
	case restoreConfirmID:
		if w.step != restoreStepConfirm {
			return nil
		}
		w.confirm = nil
		if !msg.Yes {
			w.step = restoreStepPreview
			return nil
		}
		w.start()
	case restoreCancelID:
		w.cancelAsk = nil
		if msg.Yes && w.step == restoreStepProgress {
			w.ctx.Ops.Cancel(w.opID)
		}
	}
	return nil
}

func (w *restoreWizard) start() {
	req := engine.RestoreRequest{Site: w.site, Set: w.set, Snapshot: w.snap.ID, Target: w.target,
		Include: w.scope.include, Overwrite: w.nonEmpty, Verify: true}
	b := w.ctx.Backend
	w.opID = w.ctx.Ops.Start("restore", fmt.Sprintf("%s@%s → %s", w.set, w.site, w.target),
		func(ctx context.Context, obs engine.Observer) (any, error) {
			return b.Restore(ctx, req, obs)
		})
	w.step = restoreStepProgress
}

// ---- view ----

func (w *restoreWizard) boxWidth() int {
	// The dialog's border and padding take four columns.
	return max(20, min(w.width-6, 84))
}

func (w *restoreWizard) View() string {
	th := w.ctx.Theme
	switch {
	case w.step == restoreStepConfirm && w.confirm != nil:
		return w.confirm.View(th, w.width)
	case w.step == restoreStepProgress && w.cancelAsk != nil:
		return w.cancelAsk.View(th, w.width)
	}
	bw := w.boxWidth()
	wrap := lipgloss.NewStyle().Width(bw)
	var lines []string
	add := func(s ...string) { lines = append(lines, s...) }
	title := func(n int, what string) string {
		return th.Title.Render("Restore") + th.Muted.Render(fmt.Sprintf(" — step %d of 4: %s", n, what))
	}
	what := fmt.Sprintf("%s@%s · snapshot %s (%s) · %s", w.set, w.site, w.snap.ShortID,
		w.snap.Time.Local().Format("2006-01-02 15:04"), w.scope.what)
	switch w.step {
	case restoreStepTarget:
		w.input.Width = bw - 3
		add(title(1, "target"), "", wrap.Render(what), "", "Restore into:", w.input.View())
		if w.problem != "" {
			add(th.Critical.Render(wrap.Render(w.problem)))
		}
		add("", th.Muted.Render(wrap.Render("A new directory is safest: lifeboat creates it. Nothing is written before you confirm.")),
			th.Muted.Render("enter: preview · esc: cancel"))
	case restoreStepPreview:
		field := func(k, v string) string { return wrap.Render(fmt.Sprintf("%-9s %s", k, v)) }
		size := catCount(w.scope.files, "file") + ", " + engine.Bytes(w.scope.bytes)
		if w.scope.partial {
			size += th.Warn.Render(" (at least: the listing was still loading)")
		}
		add(title(2, "preview"), "",
			field("from", w.set+" @ "+w.site),
			field("snapshot", w.snap.ID),
			field("taken", w.snap.Time.Local().Format("2006-01-02 15:04")+" on "+w.snap.Host),
			field("restores", w.scope.what))
		if inc := w.scope.include; len(inc) > 1 {
			// As many paths as the height allows, at most three.
			room := max(1, min(3, w.height-20))
			for i, p := range inc {
				if i == room && len(inc) > room+1 {
					add(field("", fmt.Sprintf("… and %d more", len(inc)-room)))
					break
				}
				add(field("", p))
			}
		}
		add(
			field("size", size),
			field("target", w.target))
		switch {
		case w.nonEmpty:
			add(th.Critical.Render(wrap.Render("✗ the target exists and is not empty: files of the same name are overwritten; you will type the set name to go on")))
		case w.exists:
			add(th.OK.Render("✓ the target exists and is empty"))
		default:
			add(th.OK.Render("✓ the target does not exist yet: it will be created"))
		}
		if ex := w.landing(); ex != "" {
			add(th.Muted.Render(wrap.Render(ex)))
		}
		add("", th.Muted.Render("enter: confirm… · esc: change the target"))
	case restoreStepProgress:
		add(w.progressView(bw)...)
	case restoreStepResult:
		add(w.resultView(bw)...)
	}
	return th.Dialog.Render(strings.Join(lines, "\n"))
}

// landing shows where the data lands (contract §3: one path lands
// directly in the target, several under their full paths).
func (w *restoreWizard) landing() string {
	cs, ok := w.ctx.Backend.ConfigView().Set(w.set)
	if !ok || len(cs.Paths) == 0 {
		return ""
	}
	src := path.Clean(cs.Paths[0])
	if len(w.scope.include) > 0 {
		src = w.scope.include[0]
	}
	dst := filepath.Join(w.target, strings.TrimPrefix(src, "/"))
	if len(cs.Paths) == 1 {
		root := path.Clean(cs.Paths[0])
		dst = filepath.Join(w.target, strings.TrimPrefix(strings.TrimPrefix(src, root), "/"))
	}
	return "lands as: " + src + " → " + dst
}

func (w *restoreWizard) progressView(bw int) []string {
	th := w.ctx.Theme
	op := w.ctx.Ops.Get(w.opID)
	lines := []string{th.Title.Render("Restoring") + th.Muted.Render(" — step 4 of 4"),
		lipgloss.NewStyle().Width(bw).Render(fmt.Sprintf("%s@%s → %s", w.set, w.site, w.target)), ""}
	if op == nil {
		return append(lines, "starting…")
	}
	p := op.Progress
	pct := p.Percent
	if pct == 0 && p.TotalBytes > 0 {
		pct = float64(p.Bytes) / float64(p.TotalBytes)
	}
	eta := "—"
	if p.ETA > 0 {
		eta = engine.Age(p.ETA)
	}
	elapsed := time.Since(op.Started)
	if p.Elapsed > 0 {
		elapsed = p.Elapsed
	}
	lines = append(lines,
		progressBar(th, min(bw, 60), pct),
		fmt.Sprintf("files   %d / %d", p.Files, p.TotalFiles),
		fmt.Sprintf("bytes   %s / %s", engine.Bytes(p.Bytes), engine.Bytes(p.TotalBytes)),
		fmt.Sprintf("ETA     %s   (elapsed %s)", eta, engine.Age(elapsed)))
	if op.Message != "" {
		lines = append(lines, th.Muted.Render(lipgloss.NewStyle().Width(bw).Render(op.Message)))
	}
	return append(lines, "", th.Muted.Render("c/esc: cancel the restore · b: run in background"))
}

func (w *restoreWizard) resultView(bw int) []string {
	th := w.ctx.Theme
	wrap := lipgloss.NewStyle().Width(bw)
	r := w.result
	outcome := engineOutcome(w.err)
	if r != nil && r.Outcome != "" {
		outcome = r.Outcome
	}
	lines := []string{th.Title.Render("Restore ") + th.Level(string(outcome)), ""}
	lines = append(lines, wrap.Render(fmt.Sprintf("%s@%s · snapshot %s · %s", w.set, w.site, w.snap.ShortID, w.scope.what)))
	if r != nil {
		lines = append(lines, fmt.Sprintf("%d files · %s restored", r.Files, engine.Bytes(r.Bytes)))
		if r.FilesSkipped > 0 {
			lines = append(lines, fmt.Sprintf("%d files already in place (skipped)", r.FilesSkipped))
		}
	}
	lines = append(lines, wrap.Render("into "+w.target))
	if r != nil && r.Verified {
		lines = append(lines, th.OK.Render("✓ verified")+th.Muted.Render(": restic re-read every restored file"))
	}
	if w.err != nil {
		lines = append(lines, "", th.Critical.Render(wrap.Render(errWords(w.err))))
		if outcome == engine.OutcomeCancelled || outcome == engine.OutcomeFailed {
			lines = append(lines, th.Warn.Render(wrap.Render(w.target+" may hold a partial restore")))
		}
	}
	return append(lines, "", th.Muted.Render("enter/esc: close"))
}

// progressBar is a bubbles/progress bar drawn at a percentage (no spring
// animation: restic's status lines are its frames). A plain theme
// (NO_COLOR) draws it without colour.
func progressBar(th Theme, width int, pct float64) string {
	opts := []progress.Option{progress.WithSolidFill("6"), progress.WithWidth(width)}
	if _, plain := th.Accent.GetForeground().(lipgloss.NoColor); plain {
		opts = append(opts, progress.WithColorProfile(termenv.Ascii))
	}
	return progress.New(opts...).ViewAs(max(0, min(1, pct)))
}
