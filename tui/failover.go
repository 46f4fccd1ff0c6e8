package tui

import (
	"context"
	"fmt"
	"github.com/lifeboat-dr/lifeboat/internal/dr"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/lifeboat-dr/lifeboat/engine"
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

func (w *failoverWizard) SetSize(wd, h int) { w.width, w.height = wd, h }

// Keys are the wizard's keys at its step, for the footer and help.
func (w *failoverWizard) Keys() []key.Binding {
	if d := w.dialog(); d != nil {
		return d.Keys()
	}
	return w.bindings().Help()
}

// dialog is the confirmation that has every key while open, if any.
func (w *failoverWizard) dialog() *Confirm {
	switch w.step {
	case failoverStepConfirm:
		return w.confirm
	case failoverStepResume:
		if w.abortAsk != nil {
			return w.abortAsk
		}
		return w.confirm
	case failoverStepRunning:
		return w.stopAsk
	}
	return nil
}

// bindings is the key table of the wizard's step.
func (w *failoverWizard) bindings() Bindings {
	closeWizard := run(func() { w.closed = true })
	switch w.step {
	case failoverStepMode:
		return Bindings{
			bind("↑/↓", "mode", func(km tea.KeyMsg) tea.Cmd {
				w.mode = engine.FailoverUnplanned
				if k := km.String(); k == "up" || k == "k" || k == "p" {
					w.mode = engine.FailoverPlanned
				}
				return nil
			}, "up", "k", "p", "down", "j", "u"),
			bind("enter", "preflight", do(w.preflight), "enter"),
			bind("esc", "cancel", closeWizard, "esc", "ctrl+c"),
		}
	case failoverStepPreflight:
		return Bindings{bind("esc", "cancel", run(func() {
			// PlanFailover only reads: leaving drops its answer (seq).
			w.seq = -1
			w.step = failoverStepMode
		}), "esc", "ctrl+c")}
	case failoverStepPlan:
		bs := Bindings{
			bind("enter", "confirm…", do(w.toConfirm), "enter"),
			bind("esc", "back", run(func() { w.step = failoverStepMode }), "esc", "ctrl+c", "backspace"),
		}
		if w.mode == engine.FailoverPlanned {
			u := bind("u", "unplanned", do(func() tea.Cmd { w.mode = engine.FailoverUnplanned; return w.preflight() }), "u")
			// Offered where the active site is down; it works whenever planned.
			u.Hidden = w.plan == nil || w.plan.FromReachable
			bs = append(bs, u)
		}
		return bs
	case failoverStepConfirm:
		return nil // the confirmation's own
	case failoverStepResume:
		later := do(func() tea.Cmd { w.closed = true; return w.laterCmd() })
		prev := bind("shift+tab", "move back", run(func() { w.choice = (w.choice + 2) % 3 }), "shift+tab", "left")
		prev.Hidden = true
		return Bindings{
			bind("tab", "move", run(func() { w.choice = (w.choice + 1) % 3 }), "tab", "right"),
			prev,
			bind("enter", "choose", do(w.choose), "enter"),
			bind("esc", "later", later, "esc", "ctrl+c", "l", "L"),
		}
	case failoverStepRunning:
		return Bindings{
			bind("esc", "stop the failover", run(w.askStop), "esc", "ctrl+c", "c"),
			bind("b", "background", do(func() tea.Cmd {
				if w.aborting {
					return nil
				}
				w.hidden = true
				return statusCmd("the failover continues in the background: f on Recovery (4) shows it again", false)
			}), "b"),
		}
	}
	return Bindings{bind("enter", "close", closeWizard, "enter", "esc", "ctrl+c", "q")}
}

// choose acts on the resume choice under the cursor.
func (w *failoverWizard) choose() tea.Cmd {
	switch w.choice {
	case resumeChoiceResume:
		return w.chooseResume()
	case resumeChoiceAbort:
		w.chooseAbort()
		return nil
	}
	w.closed = true
	return w.laterCmd()
}

func (w *failoverWizard) askStop() {
	w.stopAsk = NewConfirm(failoverStopID, "Stop the failover?",
		"The running step is cancelled and the failover stays unfinished: resume or abort it later from the Recovery screen (f). "+
			"Before the confirmation step nothing is switched. Cancel keeps it running.",
		"Stop failover")
}

// preflight runs PlanFailover in a command; the spinner turns meanwhile.
func (w *failoverWizard) preflight() tea.Cmd {
	w.step, w.plan, w.planErr = failoverStepPreflight, nil, nil
	w.seq = w.nextSeq()
	seq, b, to, mode := w.seq, w.ctx.Backend, w.to, w.mode
	return tea.Batch(w.spin.Tick, askBackend(2*time.Minute, func(ctx context.Context) tea.Msg {
		p, err := b.PlanFailover(ctx, to, mode)
		return failoverPlanMsg{seq: seq, plan: p, err: err}
	}))
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
	if d := w.dialog(); d != nil {
		return d.Update(km)
	}
	cmd, _ := w.bindings().Dispatch(km)
	return cmd
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
