package tui

import (
	"errors"
	"fmt"
	"github.com/lifeboat-dr/lifeboat/internal/dr"
	"strings"

	"github.com/charmbracelet/lipgloss"

	"github.com/lifeboat-dr/lifeboat/engine"
)

// The failover wizard's drawing: one view per step, the runbook with its
// timings, and the report.

func (w *failoverWizard) boxWidth() int {
	// The dialog's border and padding take four columns.
	return max(20, min(w.width-6, 96))
}

func (w *failoverWizard) View() string {
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
			for _, l := range wrapLines(errWords(w.err), bw) {
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
		tail = append(tail, th.Muted.Render("report sha256 "+shortID(r.SHA256)+" · :report "+r.ID+" opens it in full"))
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
