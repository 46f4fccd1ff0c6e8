package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/lifeboat-dr/lifeboat/engine"
	"github.com/lifeboat-dr/lifeboat/internal/dr"
)

// failoverStep is where the failover wizard stands.
type failoverStep int

const (
	failoverStepMode      failoverStep = iota // planned or unplanned
	failoverStepPreflight                     // PlanFailover runs
	failoverStepPlan                          // the preflight's findings and the expected loss
	failoverStepConfirm                       // typed confirmation of the target's name
	failoverStepRunning                       // live steps
	failoverStepResult                        // achieved against objective
	failoverStepResume                        // the resume prompt of an interrupted run
)

// Confirm ids of the wizard's dialogs.
const (
	failoverConfirmID = "failover-confirm"
	failoverStopID    = "failover-stop"
	failoverAbortID   = "failover-abort"
)

// Op kinds of the wizard's work, for the Operations screen and the status line.
const (
	failoverOpKind      = "failover"
	failoverAbortOpKind = "failover abort"
)

// failoverPlanMsg answers a preflight; seq drops the answer of a wizard
// that was closed or re-planned meanwhile.
type failoverPlanMsg struct {
	seq  int
	plan *engine.FailoverPlan
	err  error
}

// failoverUnfinishedMsg answers the question "is a failover unfinished?";
// startup marks the one asked when the console starts (it may prompt).
type failoverUnfinishedMsg struct {
	st      *engine.FailoverStatus
	err     error
	startup bool
}

// loadUnfinished asks the engine for an unfinished failover off the UI goroutine.
func loadUnfinished(b Backend, startup bool) tea.Cmd {
	return func() tea.Msg {
		st, err := b.UnfinishedFailover(context.Background())
		return failoverUnfinishedMsg{st: st, err: err, startup: startup}
	}
}

// failoverWizard makes a standby the active site: mode, preflight, plan,
// typed confirmation, live steps, result. It also resumes or aborts an
// interrupted failover. It is a modal over the Recovery screen and owns
// every key while open.
type failoverWizard struct {
	ctx  *Context
	step failoverStep

	from, to string
	mode     engine.FailoverMode
	fromUp   bool      // the active site answered the last probe
	declared time.Time // when the operator pressed f

	spin    spinner.Model
	nextSeq func() int
	seq     int
	plan    *engine.FailoverPlan
	planErr error

	confirm   *Confirm
	confirmAt time.Time
	humanWait time.Duration

	// The resume prompt: the interrupted run and the focused choice.
	unfinished *engine.FailoverStatus
	choice     int // resumeChoice*
	abortAsk   *Confirm
	resuming   bool
	aborting   bool

	opID    int
	stopAsk *Confirm
	report  *engine.FailoverReport
	err     error

	closed bool
	// hidden: the failover runs in the background (b); f on Recovery shows it again.
	hidden        bool
	width, height int
}

// Choices of the resume prompt, left to right; Later is focused.
const (
	resumeChoiceResume = iota
	resumeChoiceAbort
	resumeChoiceLater
)

func newFailoverSpinner() spinner.Model {
	return spinner.New(spinner.WithSpinner(spinner.Line))
}

// newFailoverWizard opens the wizard for a failover from the active site
// to site to; fromUp picks the default mode.
func newFailoverWizard(ctx *Context, from, to string, fromUp bool, nextSeq func() int) *failoverWizard {
	w := &failoverWizard{ctx: ctx, from: from, to: to, fromUp: fromUp, declared: ctx.Now(),
		spin: newFailoverSpinner(), nextSeq: nextSeq, mode: engine.FailoverPlanned}
	if !fromUp {
		w.mode = engine.FailoverUnplanned
	}
	return w
}

// newResumePrompt opens the wizard on an interrupted failover: Resume,
// Abort or Later, Later focused.
func newResumePrompt(ctx *Context, st *engine.FailoverStatus) *failoverWizard {
	return &failoverWizard{ctx: ctx, step: failoverStepResume, unfinished: st, choice: resumeChoiceLater,
		from: st.Run.From, to: st.Run.To, mode: engine.FailoverMode(st.Run.Mode), declared: st.Run.Declared,
		spin: newFailoverSpinner()}
}

func (w *failoverWizard) setSize(wd, h int) { w.width, w.height = wd, h }

func (w *failoverWizard) keys() []key.Binding {
	b := func(k, h string) key.Binding { return key.NewBinding(key.WithKeys(k), key.WithHelp(k, h)) }
	switch w.step {
	case failoverStepMode:
		return []key.Binding{b("↑/↓", "mode"), b("enter", "preflight"), b("esc", "cancel")}
	case failoverStepPreflight:
		return []key.Binding{b("esc", "cancel")}
	case failoverStepPlan:
		ks := []key.Binding{b("enter", "confirm…"), b("esc", "back")}
		if w.mode == engine.FailoverPlanned && w.plan != nil && !w.plan.FromReachable {
			ks = append(ks, b("u", "unplanned"))
		}
		return ks
	case failoverStepConfirm:
		return []key.Binding{b("tab", "move"), b("enter", "choose"), b("esc", "cancel")}
	case failoverStepResume:
		if w.confirm != nil || w.abortAsk != nil {
			return []key.Binding{b("tab", "move"), b("enter", "choose"), b("esc", "cancel")}
		}
		return []key.Binding{b("tab", "move"), b("enter", "choose"), b("esc", "later")}
	case failoverStepRunning:
		return []key.Binding{b("esc", "stop the failover"), b("b", "background")}
	}
	return []key.Binding{b("enter", "close")}
}

// preflight runs PlanFailover in a command; the spinner turns meanwhile.
func (w *failoverWizard) preflight() tea.Cmd {
	w.step, w.plan, w.planErr = failoverStepPreflight, nil, nil
	w.seq = w.nextSeq()
	seq, b, to, mode := w.seq, w.ctx.Backend, w.to, w.mode
	return tea.Batch(w.spin.Tick, func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		p, err := b.PlanFailover(ctx, to, mode)
		return failoverPlanMsg{seq: seq, plan: p, err: err}
	})
}

func (w *failoverWizard) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case failoverPlanMsg:
		if msg.seq != w.seq || w.step != failoverStepPreflight {
			return nil
		}
		w.plan, w.planErr = msg.plan, msg.err
		w.step = failoverStepPlan
		return nil
	case ConfirmMsg:
		return w.answer(msg)
	case OpEventMsg:
		return nil // the steps and progress are read from Ops at draw time
	case OpDoneMsg:
		if msg.ID != w.opID || w.step != failoverStepRunning {
			return nil
		}
		w.stopAsk = nil
		w.report, _ = msg.Result.(*engine.FailoverReport)
		w.err = msg.Err
		w.step = failoverStepResult
		return nil
	case spinner.TickMsg:
		// Hidden, the spinner stops (f restarts it): no redraws for nothing.
		if w.hidden || (w.step != failoverStepPreflight && w.step != failoverStepRunning) {
			return nil
		}
		var cmd tea.Cmd
		w.spin, cmd = w.spin.Update(msg)
		return cmd
	case tea.KeyMsg:
		return w.key(msg)
	}
	if w.confirm != nil {
		// Cursor blinks of the typed confirmation.
		return w.confirm.Update(msg)
	}
	return nil
}

func (w *failoverWizard) key(km tea.KeyMsg) tea.Cmd {
	k := km.String()
	esc := k == "esc" || k == "ctrl+c"
	switch w.step {
	case failoverStepMode:
		switch {
		case esc:
			w.closed = true
		case k == "up", k == "k", k == "p":
			w.mode = engine.FailoverPlanned
		case k == "down", k == "j", k == "u":
			w.mode = engine.FailoverUnplanned
		case k == "enter":
			return w.preflight()
		}
	case failoverStepPreflight:
		if esc {
			// PlanFailover only reads: leaving drops its answer (seq).
			w.seq = -1
			w.step = failoverStepMode
		}
	case failoverStepPlan:
		switch {
		case esc, k == "backspace":
			w.step = failoverStepMode
		case k == "u" && w.mode == engine.FailoverPlanned:
			w.mode = engine.FailoverUnplanned
			return w.preflight()
		case k == "enter":
			return w.toConfirm()
		}
	case failoverStepConfirm:
		if w.confirm != nil {
			return w.confirm.Update(km)
		}
	case failoverStepResume:
		if w.abortAsk != nil {
			return w.abortAsk.Update(km)
		}
		if w.confirm != nil {
			return w.confirm.Update(km)
		}
		switch k {
		case "esc", "ctrl+c", "l", "L":
			w.closed = true
			return w.laterCmd()
		case "tab", "right":
			w.choice = (w.choice + 1) % 3
		case "shift+tab", "left":
			w.choice = (w.choice + 2) % 3
		case "enter":
			switch w.choice {
			case resumeChoiceResume:
				return w.chooseResume()
			case resumeChoiceAbort:
				w.chooseAbort()
			default:
				w.closed = true
				return w.laterCmd()
			}
		}
	case failoverStepRunning:
		if w.stopAsk != nil {
			return w.stopAsk.Update(km)
		}
		if k == "b" && !w.aborting {
			w.hidden = true
			return statusCmd("the failover continues in the background: f on Recovery (4) shows it again", false)
		}
		if esc || k == "c" {
			w.stopAsk = NewConfirm(failoverStopID, "Stop the failover?",
				"The running step is cancelled and the failover stays unfinished: resume or abort it later from the Recovery screen (f) "+
					"or with `lifeboat failover --resume` / `--abort`. Before the confirmation step nothing is switched. Cancel keeps it running.",
				"Stop failover")
		}
	case failoverStepResult:
		if esc || k == "enter" || k == "q" {
			w.closed = true
		}
	}
	return nil
}

func (w *failoverWizard) laterCmd() tea.Cmd {
	r := w.unfinished.Run
	return statusCmd(fmt.Sprintf("failover %s → %s is still unfinished: f on Recovery (4) resumes or aborts it", r.From, r.To), false)
}

// toConfirm opens the typed confirmation, unless the preflight refused.
func (w *failoverWizard) toConfirm() tea.Cmd {
	if w.planErr != nil || w.plan == nil {
		return nil
	}
	if w.plan.Refusal != "" {
		return statusCmd("the preflight refused this failover: "+w.plan.Refusal, true)
	}
	w.confirm = NewTypedConfirm(failoverConfirmID, fmt.Sprintf("Fail over from %s to %s?", w.from, w.to), w.confirmBody(), "Fail over", w.to)
	w.confirmAt = time.Now()
	w.step = failoverStepConfirm
	return nil
}

func (w *failoverWizard) confirmBody() string {
	var what string
	if w.mode == engine.FailoverPlanned {
		what = fmt.Sprintf("A last backup runs at %s and is replicated to %s: no data is lost.", w.from, w.to)
	} else {
		worst, loss := "", 0.0
		for _, s := range w.plan.Sets {
			if s.DataLoss.Seconds() >= loss {
				worst, loss = s.Name, s.DataLoss.Seconds()
			}
		}
		what = fmt.Sprintf("Unplanned: what %s holds now is restored; up to %s of data is lost (set %s).", w.to, secsAge(loss), worst)
	}
	entries := 0
	for _, s := range w.plan.Sets {
		entries += s.TargetEntries
	}
	replace := fmt.Sprintf("Each set is restored into %s/<set>", w.plan.Target)
	if entries > 0 {
		replace += fmt.Sprintf(", replacing the %d entries there", entries)
	}
	return fmt.Sprintf("%s %s. The switch hooks run, then %s becomes the active site and %s a standby.", what, replace, w.to, w.from)
}

func (w *failoverWizard) chooseResume() tea.Cmd {
	st := w.unfinished
	if stepDone(st.Steps, "confirm") {
		return w.startResume("")
	}
	// The run stopped before its confirmation: ask it now.
	w.confirm = NewTypedConfirm(failoverConfirmID, fmt.Sprintf("Resume the failover from %s to %s?", st.Run.From, st.Run.To),
		fmt.Sprintf("Failover %s stopped before its confirmation. Resuming continues at step %q and then switches %s to the active site.",
			st.Run.RunID, st.NextStep(), st.Run.To), "Resume", st.Run.To)
	w.confirmAt = time.Now()
	w.resuming = true
	return nil
}

func (w *failoverWizard) chooseAbort() {
	st := w.unfinished
	w.abortAsk = NewConfirm(failoverAbortID, fmt.Sprintf("Abort the failover from %s to %s?", st.Run.From, st.Run.To),
		fmt.Sprintf("Failover %s is abandoned: its pending steps are skipped, it is recorded as aborted with a report, and %s stays the active site. "+
			"Whatever it already restored into the failover target stays there.", st.Run.RunID, st.Run.From), "Abort failover")
}

func stepDone(steps []dr.RunbookStep, name string) bool {
	for _, s := range steps {
		if s.Name == name {
			return s.Status == dr.StepDone || s.Status == dr.StepSkipped
		}
	}
	return false
}

func (w *failoverWizard) answer(msg ConfirmMsg) tea.Cmd {
	switch msg.ID {
	case failoverConfirmID:
		if w.confirm == nil {
			return nil
		}
		typed := strings.TrimSpace(w.confirm.input.Value())
		w.confirm = nil
		if w.resuming {
			w.resuming = false
			if !msg.Yes {
				return nil // back to the prompt
			}
			return w.startResume(typed)
		}
		if !msg.Yes {
			w.step = failoverStepPlan
			return nil
		}
		w.humanWait = time.Since(w.confirmAt)
		return w.start(typed)
	case failoverStopID:
		w.stopAsk = nil
		if msg.Yes && w.step == failoverStepRunning {
			w.ctx.Ops.Cancel(w.opID)
		}
	case failoverAbortID:
		w.abortAsk = nil
		if msg.Yes && w.step == failoverStepResume {
			b := w.ctx.Backend
			w.aborting = true
			w.opID = w.ctx.Ops.Start(failoverAbortOpKind, w.from+" → "+w.to, func(ctx context.Context, _ engine.Observer) (any, error) {
				return b.AbortFailover(ctx, "abandoned from the console")
			})
			w.step = failoverStepRunning
			return w.spin.Tick
		}
	}
	return nil
}

// start runs the failover as an operation: the console confirmed, so the
// engine gets the typed name and no Ask.
func (w *failoverWizard) start(typed string) tea.Cmd {
	req := engine.FailoverRequest{To: w.to, Mode: w.mode, Confirm: typed, Declared: w.declared, HumanWait: w.humanWait}
	b := w.ctx.Backend
	w.opID = w.ctx.Ops.Start(failoverOpKind, w.from+" → "+w.to, func(ctx context.Context, obs engine.Observer) (any, error) {
		return b.Failover(ctx, req, obs)
	})
	w.step = failoverStepRunning
	return w.spin.Tick
}

func (w *failoverWizard) startResume(typed string) tea.Cmd {
	b := w.ctx.Backend
	w.opID = w.ctx.Ops.Start(failoverOpKind, w.from+" → "+w.to, func(ctx context.Context, obs engine.Observer) (any, error) {
		return b.ResumeFailover(ctx, engine.ResumeOptions{Confirm: typed}, obs)
	})
	w.step = failoverStepRunning
	return w.spin.Tick
}

// ---- view ----

func (w *failoverWizard) boxWidth() int {
	// The dialog's border and padding take four columns.
	return max(20, min(w.width-6, 96))
}

func secsAge(s float64) string { return engine.Age(time.Duration(s * float64(time.Second))) }

// stepTime renders a step's duration: tenths below a minute.
func stepTime(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
	return d.Round(time.Second).String()
}

func (w *failoverWizard) view() string {
	th := w.ctx.Theme
	switch {
	case w.confirm != nil:
		return w.confirm.View(th, w.width)
	case w.abortAsk != nil:
		return w.abortAsk.View(th, w.width)
	case w.stopAsk != nil:
		return w.stopAsk.View(th, w.width)
	}
	bw := w.boxWidth()
	var lines []string
	switch w.step {
	case failoverStepMode:
		lines = w.modeView(bw)
	case failoverStepPreflight:
		lines = []string{w.title(2, "preflight"), "",
			w.spin.View() + fmt.Sprintf(" probing %s and %s, reading the catalog, checking the failover target…", w.from, w.to),
			"", th.Muted.Render("nothing is changed by the preflight · esc: back")}
	case failoverStepPlan:
		lines = w.planView(bw)
	case failoverStepRunning:
		lines = w.runningView(bw)
	case failoverStepResult:
		lines = w.resultView(bw)
	case failoverStepResume:
		lines = w.resumeView(bw)
	}
	for i, l := range lines {
		lines[i] = fit(l, bw)
	}
	return th.Dialog.Render(strings.Join(clipLines(lines, w.height-2), "\n"))
}

// clipLines keeps the dialog within h lines, the last line (its keys) kept.
func clipLines(lines []string, h int) []string {
	if h < 2 || len(lines) <= h {
		return lines
	}
	return append(append([]string{}, lines[:h-2]...), "…", lines[len(lines)-1])
}

func (w *failoverWizard) title(n int, what string) string {
	th := w.ctx.Theme
	return th.Title.Render(fmt.Sprintf("Failover %s → %s", w.from, w.to)) + th.Muted.Render(fmt.Sprintf(" — step %d of 4: %s", n, what))
}

func wrapLines(s string, width int) []string {
	return strings.Split(lipgloss.NewStyle().Width(width).Render(s), "\n")
}

func (w *failoverWizard) modeView(bw int) []string {
	th := w.ctx.Theme
	up := th.OK.Render("✓ " + w.from + " answered the last probe")
	if !w.fromUp {
		up = th.Critical.Render("✗ " + w.from + " did not answer the last probe")
	}
	opt := func(m engine.FailoverMode, about string) string {
		mark := "  "
		label := fmt.Sprintf("%-10s", m)
		if w.mode == m {
			mark = "› "
			label = th.Selected.Render(label)
		}
		return mark + label + " " + about
	}
	lines := []string{w.title(1, "mode"), "", "active site: " + up, "",
		opt(engine.FailoverPlanned, fmt.Sprintf("last backup at %s, replicated to %s first: no data lost", w.from, w.to)),
		opt(engine.FailoverUnplanned, fmt.Sprintf("%s is down: restore what %s holds, accept the loss", w.from, w.to)),
		""}
	lines = append(lines, th.Muted.Render("↑/↓: mode · enter: run the preflight (changes nothing) · esc: cancel"))
	return lines
}

func (w *failoverWizard) planView(bw int) []string {
	th := w.ctx.Theme
	lines := []string{w.title(2, string(w.mode)+" preflight"), ""}
	if w.planErr != nil {
		lines = append(lines, th.Critical.Render("✗ preflight failed:"))
		for _, l := range wrapLines(w.planErr.Error(), bw) {
			lines = append(lines, th.Critical.Render(l))
		}
		return append(lines, "", th.Muted.Render("esc: back"))
	}
	p := w.plan
	for _, c := range p.Checks {
		mark := th.OK.Render("✓")
		if !c.OK {
			mark = th.Critical.Render("✗")
		}
		if c.OK {
			lines = append(lines, mark+" "+c.Name+th.Muted.Render(": "+c.Detail))
			continue
		}
		// A failed check is why the failover cannot go: all of it is shown.
		for i, l := range wrapLines(c.Name+": "+c.Detail, bw-2) {
			if i == 0 {
				lines = append(lines, mark+" "+th.Critical.Render(l))
			} else {
				lines = append(lines, "  "+th.Critical.Render(l))
			}
		}
	}
	if !p.FromReachable && w.mode == engine.FailoverUnplanned {
		lines = append(lines, th.Warn.Render(fmt.Sprintf("! %s is unreachable (%s): the loss below is accepted", p.From, p.FromError)))
	}
	const row = "%-10s %-25s %-10s %-8s %s"
	lines = append(lines, "", th.Header.Render(fmt.Sprintf(row, "SET", "RECOVERY POINT", "DATA LOSS", "MISSING", "REPLACES")))
	for _, s := range p.Sets {
		point := "none"
		if s.Snapshot != "" {
			point = shortID(s.Snapshot) + " " + s.SnapshotTime.Local().Format("2006-01-02 15:04")
		}
		loss := secsAge(s.DataLoss.Seconds())
		if s.Snapshot == "" {
			loss = "everything"
		}
		if w.mode == engine.FailoverPlanned && p.FromReachable {
			loss = "none"
		}
		missing := "unknown"
		if s.MissingSnapshots >= 0 {
			missing = itoa(s.MissingSnapshots)
		}
		replaces := "nothing"
		if s.TargetEntries > 0 {
			replaces = fmt.Sprintf("%d entries", s.TargetEntries)
		}
		lines = append(lines, fmt.Sprintf(row, s.Name, point, loss, missing, replaces))
	}
	note := fmt.Sprintf("Restores %s into %s/<set> (%s free); REPLACES is what is there now, MISSING the snapshots not yet at %s.",
		engine.Bytes(p.NeedBytes), p.Target, engine.Bytes(p.FreeBytes), w.to)
	if w.mode == engine.FailoverPlanned && p.FromReachable {
		note += " Planned: they are replicated first, so no data is lost."
	}
	for _, l := range wrapLines(note, bw) {
		lines = append(lines, th.Muted.Render(l))
	}
	lines = append(lines, "")
	if p.Refusal != "" {
		shown := false
		for _, c := range p.Checks {
			shown = shown || (!c.OK && c.Detail == p.Refusal)
		}
		if shown {
			lines = append(lines, th.Critical.Render("✗ REFUSED: this failover cannot go ahead (✗ above)"))
		} else {
			lines = append(lines, th.Critical.Render("✗ REFUSED — this failover cannot go ahead:"))
			for _, l := range wrapLines(p.Refusal, bw) {
				lines = append(lines, th.Critical.Render(l))
			}
		}
		keys := "esc: back"
		if w.mode == engine.FailoverPlanned && !p.FromReachable {
			keys = "u: fail over unplanned instead, accepting the loss shown · esc: back"
		}
		return append(lines, "", th.Muted.Render(keys))
	}
	return append(lines, th.Muted.Render("enter: confirm… (you will type "+w.to+") · esc: back"))
}

func shortID(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

// stepsView is the runbook with per-step timings; the running step shows
// its elapsed time and, when it reports any, its progress.
func (w *failoverWizard) stepsView(steps []dr.RunbookStep, op *Op) []string {
	th := w.ctx.Theme
	now := w.ctx.Now()
	nameW := 8
	for _, s := range steps {
		if s.Started.IsZero() && s.Status == dr.StepDone {
			continue // a summary line of compactSteps
		}
		nameW = max(nameW, min(28, len(s.Name)))
	}
	var lines []string
	for _, s := range steps {
		mark, took := th.Muted.Render("·"), ""
		switch s.Status {
		case dr.StepDone:
			mark = th.OK.Render("✓")
		case dr.StepFailed:
			mark = th.Critical.Render("✗")
		case dr.StepSkipped:
			mark = th.Muted.Render("–")
		case dr.StepRunning:
			mark = th.Accent.Render(w.spin.View())
			if op == nil || !op.Running() {
				mark = th.Warn.Render("!")
			}
		}
		switch {
		case !s.Started.IsZero() && !s.Finished.IsZero():
			took = stepTime(s.Finished.Sub(s.Started))
		case !s.Started.IsZero() && s.Status == dr.StepRunning && op != nil && op.Running():
			took = stepTime(now.Sub(s.Started)) + "…"
		}
		detail := s.Detail
		if s.Status == dr.StepRunning {
			detail = "interrupted"
			if op != nil && op.Running() {
				detail = progressText(op.Progress)
			}
		}
		line := fmt.Sprintf("%s %-*s %8s  ", mark, nameW, s.Name, took)
		if s.Status == dr.StepFailed {
			line += th.Critical.Render(detail)
		} else {
			line += th.Muted.Render(detail)
		}
		lines = append(lines, line)
	}
	return lines
}

// compactSteps fits a runbook into room lines: the leading finished steps
// become one line, then the trailing pending ones.
func compactSteps(steps []dr.RunbookStep, room int) []dr.RunbookStep {
	if len(steps) <= room {
		return steps
	}
	room = max(room, 3)
	done := 0
	for done < len(steps) && (steps[done].Status == dr.StepDone || steps[done].Status == dr.StepSkipped) {
		done++
	}
	out := steps
	if cut := min(done, len(steps)-room+1); cut > 1 {
		sum := dr.RunbookStep{Name: fmt.Sprintf("%d steps done (%s … %s)", cut, steps[0].Name, steps[cut-1].Name), Status: dr.StepDone}
		out = append([]dr.RunbookStep{sum}, steps[cut:]...)
	}
	if len(out) > room {
		rest := len(out) - room + 1
		out = append(out[:room-1:room-1], dr.RunbookStep{Name: fmt.Sprintf("… %d more step(s)", rest), Status: dr.StepPending})
	}
	return out
}

// progressText is a running step's restic progress: files, bytes, ETA.
func progressText(p engine.Progress) string {
	if p.TotalBytes == 0 && p.TotalFiles == 0 && p.Bytes == 0 {
		return ""
	}
	s := fmt.Sprintf("%d/%d files · %s / %s", p.Files, p.TotalFiles, engine.Bytes(p.Bytes), engine.Bytes(p.TotalBytes))
	if p.Percent > 0 {
		s += fmt.Sprintf(" · %.0f%%", p.Percent*100)
	}
	if p.ETA > 0 {
		s += " · ETA " + engine.Age(p.ETA)
	}
	return s
}

func (w *failoverWizard) runningView(bw int) []string {
	th := w.ctx.Theme
	op := w.ctx.Ops.Get(w.opID)
	if w.aborting {
		return []string{th.Title.Render(fmt.Sprintf("Aborting failover %s → %s", w.from, w.to)), "", w.spin.View() + " recording the abort…"}
	}
	lines := []string{w.title(4, string(w.mode)+" failover running"), ""}
	var steps []dr.RunbookStep
	if op != nil {
		steps = op.Steps
	}
	if steps == nil && w.unfinished != nil {
		steps = w.unfinished.Steps
	}
	if len(steps) == 0 {
		lines = append(lines, w.spin.View()+" starting…")
	}
	var tail []string
	if op != nil && len(op.Warnings) > 0 {
		tail = append(tail, "")
		for _, f := range op.Warnings {
			tail = append(tail, th.Warn.Render("! "+f))
		}
	}
	tail = append(tail, "", th.Muted.Render("esc: stop the failover (it stays unfinished and can be resumed) · b: run in background"))
	room := w.height - 2 - len(lines) - len(tail)
	lines = append(lines, w.stepsView(compactSteps(steps, room), op)...)
	return append(lines, tail...)
}

func (w *failoverWizard) resultView(bw int) []string {
	th := w.ctx.Theme
	r := w.report
	var lines []string
	if r == nil || r.ID == "" {
		outcome := engineOutcome(w.err)
		word := "failed"
		switch {
		case errors.Is(w.err, engine.ErrFailoverRefused), errors.Is(w.err, engine.ErrConfirmMismatch),
			errors.Is(w.err, engine.ErrFailoverUnfinished):
			word = "refused"
		case outcome == engine.OutcomeCancelled:
			word = "cancelled"
		}
		lines = append(lines, th.Title.Render(fmt.Sprintf("Failover %s → %s ", w.from, w.to))+th.Level(word), "")
		if op := w.ctx.Ops.Get(w.opID); op != nil && len(op.Steps) > 0 {
			lines = append(lines, w.stepsView(op.Steps, op)...)
			lines = append(lines, "")
		}
		if w.err != nil {
			var held *engine.LockHeldError
			if errors.As(w.err, &held) {
				lines = append(lines, th.Critical.Render("another process holds the recovery lock:"))
			}
			for _, l := range wrapLines(w.err.Error(), bw) {
				lines = append(lines, th.Critical.Render(l))
			}
		}
		if word != "refused" {
			lines = append(lines, "", th.Warn.Render(fmt.Sprintf("%s is still the active site; an unfinished failover is resumed or aborted with f on this screen", w.from)))
		}
		return append(lines, "", th.Muted.Render("enter/esc: close"))
	}
	verdict := th.Level(string(r.Outcome))
	if r.Outcome == dr.FailoverCommitted && !r.Passed {
		verdict += th.Warn.Render(" (not every set verified)")
	}
	lines = append(lines, th.Title.Render(fmt.Sprintf("Failover %s → %s (%s) ", r.From, r.To, r.Mode))+verdict, "")
	if r.Outcome == dr.FailoverCommitted {
		lines = append(lines, th.OK.Render(fmt.Sprintf("%s is the active site; %s is a standby", r.To, r.From)))
	} else {
		lines = append(lines, fmt.Sprintf("%s stays the active site", r.From))
	}
	if r.Switched != nil {
		lines = append(lines, "RTO "+achieved(th, r.RTO.Seconds(), r.RTOObjective.Seconds())+th.Muted.Render(fmt.Sprintf("  (declared → switched; human wait %s kept apart)", secsAge(r.HumanWait.Seconds()))))
	} else {
		lines = append(lines, "RTO not switched"+th.Muted.Render(" / objective "+secsAge(r.RTOObjective.Seconds())))
	}
	for _, s := range r.Sets {
		line := fmt.Sprintf("RPO %-12s ", s.Name) + achieved(th, s.DataLoss.Seconds(), s.RPOObjective.Seconds())
		if s.Verified {
			line += th.OK.Render("  ✓ verified") + th.Muted.Render(fmt.Sprintf(" %d files", s.VerifiedFiles))
		} else {
			line += th.Warn.Render("  not verified")
		}
		lines = append(lines, line)
	}
	var tail []string
	if len(r.Findings) > 0 {
		tail = append(tail, "", th.Warn.Render(fmt.Sprintf("%d finding(s):", len(r.Findings))))
		for _, f := range r.Findings {
			tail = append(tail, th.Warn.Render("! "+f))
		}
	}
	if r.SHA256 != "" {
		tail = append(tail, th.Muted.Render("report sha256 "+shortID(r.SHA256)+" · lifeboat report shows it in full"))
	}
	tail = append(tail, "", th.Muted.Render("enter/esc: close"))
	// The timeline, when it fits.
	if len(r.Steps) > 0 && len(lines)+len(tail)+1+len(r.Steps) <= w.height-2 {
		lines = append(lines, "")
		for _, s := range r.Steps {
			lines = append(lines, fmt.Sprintf("  %-28s %-8s %7s", s.Name, s.Status, stepTime(s.Elapsed)))
		}
	}
	return append(lines, tail...)
}

// achieved renders "4m / 30m ✓": achieved against objective.
func achieved(th Theme, got, objective float64) string {
	s := secsAge(got) + " / " + secsAge(objective)
	if objective <= 0 {
		return secsAge(got) + th.Muted.Render(" (no objective)")
	}
	if got <= objective {
		return s + " " + th.OK.Render("✓")
	}
	return s + " " + th.Critical.Render("✗ over")
}

func (w *failoverWizard) resumeView(bw int) []string {
	th := w.ctx.Theme
	st := w.unfinished
	r := st.Run
	how := "was interrupted"
	if r.State == dr.FailoverFailed {
		how = "failed"
	}
	next := st.NextStep()
	lines := []string{th.Title.Render("Unfinished failover"), ""}
	lines = append(lines, wrapLines(fmt.Sprintf("%s failover %s → %s %s at step %q. Declared %s by %s (run %s).",
		r.Mode, r.From, r.To, how, next, r.Declared.Local().Format("2006-01-02 15:04"), r.Operator, r.RunID), bw)...)
	if st.Holder != nil {
		for _, l := range wrapLines(fmt.Sprintf("Its process (pid %d on %s) no longer runs: resuming takes over its lock.", st.Holder.PID, st.Holder.Host), bw) {
			lines = append(lines, th.Muted.Render(l))
		}
	}
	for _, m := range st.HooksCut {
		for _, l := range wrapLines(m, bw) {
			lines = append(lines, th.Critical.Render(l))
		}
	}
	lines = append(lines, "")
	tail := []string{""}
	tail = append(tail, wrapLines(fmt.Sprintf("Resume continues at %q. Abort abandons it: %s stays active. Later leaves it for now.", next, r.From), bw)...)
	button := func(label string, i int) string {
		if w.choice == i {
			return th.Selected.Render("[ " + label + " ]")
		}
		return "[ " + label + " ]"
	}
	tail = append(tail, "", button("Resume", resumeChoiceResume)+"  "+button("Abort", resumeChoiceAbort)+"  "+button("Later", resumeChoiceLater),
		th.Muted.Render("tab: move  enter: choose  esc: later"))
	room := w.height - 2 - len(lines) - len(tail)
	lines = append(lines, w.stepsView(compactSteps(st.Steps, room), nil)...)
	return append(lines, tail...)
}

// runningFailover names a failover the console runs, for the status line.
func runningFailover(ops *Ops) string {
	for _, op := range ops.All() {
		if op.Kind != failoverOpKind || !op.Running() {
			continue
		}
		s := "FAILOVER " + op.Target
		for _, st := range op.Steps {
			if st.Status == dr.StepRunning {
				s += ": " + st.Name
				break
			}
		}
		return s
	}
	return ""
}
