package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/lifeboat-dr/lifeboat/engine/config"
	"github.com/lifeboat-dr/lifeboat/engine/recovery"
	"github.com/lifeboat-dr/lifeboat/internal/dr"
	"github.com/lifeboat-dr/lifeboat/storage"
)

// Failover errors callers explain.
var (
	ErrConfirmMismatch    = errors.New("confirmation does not match")
	ErrFailoverUnfinished = errors.New("an earlier failover is unfinished")
	ErrNoFailover         = errors.New("no unfinished failover")
	ErrFailoverRefused    = errors.New("failover refused")
)

// FailoverRequest asks for a failover to site To.
type FailoverRequest struct {
	To   string
	Mode FailoverMode
	// Confirm is the operator's typed confirmation: it must equal To.
	Confirm string
	// Ask, when set, is called at the confirmation step with the plan as
	// it stands after any final replication; it returns nil to go on. The
	// time spent in it is human wait. When nil, Confirm is the confirmation
	// (--yes, or the console asked before the call).
	Ask func(ctx context.Context, plan *FailoverPlan) error
	// Declared is when the operator declared the failover (zero: now);
	// HumanWait is time already spent waiting on a person before the call
	// (the console's confirmation dialog). Both feed the achieved RTO.
	Declared  time.Time
	HumanWait time.Duration
	Report    string // optional path for the Markdown report
}

// FailoverStatus is an unfinished failover, for the resume prompt.
type FailoverStatus struct {
	Run   dr.FailoverRun
	Steps []dr.RunbookStep
	// Holder is the process holding the recovery lock for this run, if any;
	// HolderAlive says whether it still runs (then it is not interrupted).
	Holder      *LockHolder
	HolderAlive bool
	held        *storage.RecoveryLock // Holder's row, for the takeover
	// HooksCut says what hooks cut short by the dead process may have done.
	HooksCut []string
}

// NextStep is the first step that is not done, "" when all are.
func (s *FailoverStatus) NextStep() string {
	for _, st := range s.Steps {
		if !st.Status.Finished() {
			return st.Name
		}
	}
	return ""
}

// failoverData is what the steps decide, persisted with the run so that a
// resumed run restores the same snapshots and reports the whole story.
type failoverData struct {
	Sets          []string          `json:"sets"`
	Results       []*FailoverResult `json:"results"`
	Findings      []string          `json:"findings"`
	HumanWaitNS   int64             `json:"human_wait_ns"`
	Switched      time.Time         `json:"switched"`
	Attempts      int               `json:"attempts"`
	Report        string            `json:"report"`
	RTOObjectiveS float64           `json:"rto_objective_seconds"`
	Aborted       string            `json:"aborted,omitempty"`
	FromReachable bool              `json:"from_reachable"` // at the recovery point step
}

// failoverRun is the state the steps of one failover share.
type failoverRun struct {
	e    *Engine
	run  dr.FailoverRun
	data failoverData
	sets []*config.Set
	obs  Observer
	ask  func(ctx context.Context, plan *FailoverPlan) error
	// confirm is the typed confirmation a resumed run was given.
	confirm string
	// asked is how long the operator took at the confirmation.
	asked time.Duration
	// listedTo is set once this process listed the target in this run
	// (preflight, replication): the catalog of it is current, as nothing
	// but this run writes there (a resumed run lists it again).
	listedTo bool
}

func (f *failoverRun) result(set string) *FailoverResult {
	for _, r := range f.data.Results {
		if r.Name == set {
			return r
		}
	}
	r := &FailoverResult{Name: set}
	f.data.Results = append(f.data.Results, r)
	return r
}

func (f *failoverRun) finding(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	for _, have := range f.data.Findings {
		if have == msg {
			return
		}
	}
	f.data.Findings = append(f.data.Findings, msg)
	f.obs.emit(Event{Op: "failover", Site: f.run.To, Kind: EventWarning, Message: msg})
}

// save persists the run's state and decisions.
func (f *failoverRun) save(ctx context.Context) error {
	b, err := json.Marshal(f.data)
	if err != nil {
		return err
	}
	f.run.Data = string(b)
	f.run.Updated = f.e.now().UTC()
	return f.e.recovery().SaveFailover(context.WithoutCancel(ctx), f.run)
}

func (f *failoverRun) setTarget(set string) string {
	return filepath.Join(f.e.cfg.Failover.Target, set)
}

func failoverArgs(to string, mode FailoverMode) string {
	return argString("--to", to, "--"+string(mode))
}

// Failover makes site To the active one: preflight; for a planned failover
// a last backup and replication; the recovery point, with every pack it
// needs read and checked; the typed confirmation; pre hooks; a verified
// restore of each set into <failover.target>/<set>; the listing compared
// and the verify hooks; switch hooks; commit (To becomes active, the old
// active site a standby). Every step is stored as it runs: a failover cut
// short by a dead process or a failing step is continued by ResumeFailover
// or abandoned by AbortFailover. A failure before the confirmation
// refuses the failover: nothing was switched.
func (e *Engine) Failover(ctx context.Context, req FailoverRequest, obs Observer) (*FailoverReport, error) {
	if err := e.Permit(ctx, "failover"); err != nil {
		return nil, err
	}
	defer e.settleLedger(ctx)
	if err := e.refuseOnConflict(ctx, "failover"); err != nil {
		return nil, err
	}
	active, _, err := e.ActiveSite(ctx)
	if err != nil {
		return nil, err
	}
	args := failoverArgs(req.To, req.Mode)
	if err := e.validateFailover(req.To, req.Mode, active); err != nil {
		_ = e.Journal(ctx, "failover", req.To, "", args, OutcomeRefused, err.Error())
		return nil, err
	}
	if req.Confirm != req.To {
		err := fmt.Errorf("%w: you typed %q, a failover to %s needs exactly %q; nothing was changed", ErrConfirmMismatch, req.Confirm, req.To, req.To)
		_ = e.Journal(ctx, "failover", req.To, "", args, OutcomeRefused, err.Error())
		return nil, err
	}
	if run, ok, err := e.recovery().UnfinishedFailover(ctx); err != nil {
		return nil, err
	} else if ok {
		err := dr.Advise(fmt.Errorf("%w: failover %s to %s (%s) must end first", ErrFailoverUnfinished, run.RunID, run.To, run.State), dr.ResumeOrAbort()...)
		_ = e.Journal(ctx, "failover", req.To, "", args, OutcomeRefused, err.Error())
		return nil, err
	}
	sets, err := e.sets(nil)
	if err != nil {
		return nil, err
	}
	declared := req.Declared
	if declared.IsZero() {
		declared = e.now()
	}
	runID := recovery.NewRunID(e.now())
	rec := e.recovery()
	if err := rec.AcquireLock(ctx, dr.KindFailover, runID, req.To); err != nil {
		_ = e.Journal(ctx, "failover", req.To, "", args, OutcomeRefused, err.Error())
		return nil, err
	}
	defer rec.ReleaseLock(runID)
	defer rec.KeepLease(runID)()

	var rto time.Duration
	for _, s := range sets {
		if r := e.cfg.SetRTO(s); r > 0 && (rto == 0 || r < rto) {
			rto = r
		}
	}
	f := &failoverRun{e: e, obs: obs, ask: req.Ask, sets: sets,
		run: dr.FailoverRun{RunID: runID, From: active, To: req.To, Mode: req.Mode, State: dr.FailoverRunning,
			Declared: declared.UTC(), Operator: e.operator.String()},
		data: failoverData{HumanWaitNS: int64(req.HumanWait), Attempts: 1, Report: req.Report, RTOObjectiveS: rto.Seconds()}}
	for _, s := range sets {
		f.data.Sets = append(f.data.Sets, s.Name)
		f.result(s.Name).RPOObjective = e.cfg.SetRPO(s)
	}
	if err := f.save(ctx); err != nil {
		return nil, err
	}
	msg := fmt.Sprintf("%s failover %s from %s to %s declared by %s", req.Mode, runID, active, req.To, e.operator)
	_ = e.journalRun(ctx, "failover", req.To, args+" --run "+runID, runID, OutcomeOK, "started: "+msg)
	e.Notify(context.WithoutCancel(ctx), config.AlertFailoverStarted, req.To, "", msg)
	return f.execute(ctx)
}

// ResumeOptions continue an interrupted failover. Confirm and Ask serve
// when the run stopped before its confirmation step.
type ResumeOptions struct {
	Confirm string
	Ask     func(ctx context.Context, plan *FailoverPlan) error
}

// UnfinishedFailover returns the failover that --resume or --abort would
// act on, with its steps and the lock's holder.
func (e *Engine) UnfinishedFailover(ctx context.Context) (*FailoverStatus, error) {
	run, ok, err := e.recovery().UnfinishedFailover(ctx)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, nil
	}
	steps, err := e.recovery().Steps(ctx, run.RunID)
	if err != nil {
		return nil, err
	}
	st := &FailoverStatus{Run: run, Steps: steps}
	if held, ok, err := e.store.RecoveryLockHolder(ctx); err != nil {
		return nil, err
	} else if ok && held.RunID == run.RunID {
		st.Holder, st.held = &LockHolder{RunID: held.RunID, PID: held.PID, Host: held.Host, Operator: held.Operator}, &held
		st.HolderAlive = recovery.HolderAlive(held) && !(held.PID == os.Getpid())
	}
	st.HooksCut = e.hooksCut(st)
	return st, nil
}

// takeRunLock takes the recovery lock for an existing run: a live holder
// refuses, a dead one is taken over and the takeover journaled.
func (e *Engine) takeRunLock(ctx context.Context, st *FailoverStatus) error {
	return e.recovery().ReclaimLock(ctx, dr.KindFailover, st.Run.RunID, st.Run.To, st.held, st.HolderAlive)
}

func (e *Engine) loadRun(st *FailoverStatus, obs Observer) (*failoverRun, error) {
	f := &failoverRun{e: e, run: st.Run, obs: obs}
	if err := json.Unmarshal([]byte(st.Run.Data), &f.data); err != nil {
		return nil, fmt.Errorf("failover %s: its stored state is unreadable: %w", st.Run.RunID, err)
	}
	sets, err := e.sets(f.data.Sets)
	if err != nil {
		return nil, fmt.Errorf("failover %s was started with sets %s: %w; restore the config it ran with, or abort it",
			st.Run.RunID, strings.Join(f.data.Sets, ", "), err)
	}
	f.sets = sets
	return f, nil
}

// reopen takes up the unfinished failover for a resume or an abort (verb):
// its recovery lock, taken over from a dead holder, and its stored
// decisions. release drops the lock again.
func (e *Engine) reopen(ctx context.Context, verb string, obs Observer) (st *FailoverStatus, f *failoverRun, release func(), err error) {
	st, err = e.UnfinishedFailover(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	if st == nil {
		return nil, nil, nil, fmt.Errorf("%w to %s: every recorded failover has ended", ErrNoFailover, verb)
	}
	if err := e.takeRunLock(ctx, st); err != nil {
		_ = e.journalRun(ctx, "failover", st.Run.To, "--"+verb+" --run "+st.Run.RunID, st.Run.RunID, OutcomeRefused, err.Error())
		return nil, nil, nil, err
	}
	stopLease := e.recovery().KeepLease(st.Run.RunID)
	release = func() { stopLease(); e.recovery().ReleaseLock(st.Run.RunID) }
	if f, err = e.loadRun(st, obs); err != nil {
		release()
		return nil, nil, nil, err
	}
	return st, f, release, nil
}

// onUnfinished runs act on the unfinished failover, reopened for verb
// (resume, abort) under its recovery lock, and lets the ledger settle after.
func (e *Engine) onUnfinished(ctx context.Context, verb string, obs Observer, act func(*FailoverStatus, *failoverRun) (*FailoverReport, error)) (*FailoverReport, error) {
	if err := e.Permit(ctx, "failover"); err != nil {
		return nil, err
	}
	defer e.settleLedger(ctx)
	st, f, release, err := e.reopen(ctx, verb, obs)
	if err != nil {
		return nil, err
	}
	defer release()
	return act(st, f)
}

// ResumeFailover continues the unfinished failover from its first step
// that did not finish, after its process died or a step failed.
func (e *Engine) ResumeFailover(ctx context.Context, opts ResumeOptions, obs Observer) (*FailoverReport, error) {
	return e.onUnfinished(ctx, "resume", obs, func(st *FailoverStatus, f *failoverRun) (*FailoverReport, error) {
		return e.resume(ctx, st, f, opts)
	})
}

// resume is ResumeFailover on the reopened run.
func (e *Engine) resume(ctx context.Context, st *FailoverStatus, f *failoverRun, opts ResumeOptions) (*FailoverReport, error) {
	f.ask, f.confirm = opts.Ask, opts.Confirm
	f.data.Attempts++
	prev := st.Run.State
	f.run.State = dr.FailoverRunning
	if err := f.save(ctx); err != nil {
		return nil, err
	}
	how := "failed"
	if prev == dr.FailoverRunning {
		how = "was interrupted (its process died)"
	}
	_ = e.journalRun(ctx, "failover", st.Run.To, "--resume --run "+st.Run.RunID, st.Run.RunID, OutcomeOK,
		fmt.Sprintf("resumed at step %q: the failover %s (attempt %d)", st.NextStep(), how, f.data.Attempts))
	for _, m := range e.journalHooksCut(ctx, st, "--resume --run "+st.Run.RunID) {
		f.finding("%s", m)
	}
	return f.execute(ctx)
}

// AbortFailover abandons the unfinished failover: pending steps are
// skipped, the run is recorded as aborted with a report, and the active
// site stays as it is. A run whose process still works is refused: stop
// that process first.
func (e *Engine) AbortFailover(ctx context.Context, reason string) (*FailoverReport, error) {
	return e.onUnfinished(ctx, "abort", nil, func(st *FailoverStatus, f *failoverRun) (*FailoverReport, error) {
		return e.abort(ctx, st, f, reason)
	})
}

// abort is AbortFailover on the reopened run.
func (e *Engine) abort(ctx context.Context, st *FailoverStatus, f *failoverRun, reason string) (*FailoverReport, error) {
	if reason == "" {
		reason = "abandoned by " + e.operator.String()
	}
	f.data.Aborted = reason
	for _, m := range e.journalHooksCut(ctx, st, "--abort --run "+st.Run.RunID) {
		f.finding("%s", m)
	}
	rb, err := e.recovery().NewRunbook(ctx, "", f.run.RunID, f.steps())
	if err != nil {
		return nil, err
	}
	for _, s := range rb.State() {
		if s.Status == dr.StepDone && strings.HasPrefix(s.Name, "switch hooks") {
			f.finding("the switch hooks had run before the abort: traffic may already point at %s while lifeboat keeps %s active; check your switch", f.run.To, f.run.From)
		}
	}
	rb.Abandon("aborted")
	rb.Skip(0, "aborted: "+reason)
	f.run.State = dr.FailoverAborted
	rep, saveErr := f.finish(ctx, rb)
	return rep, saveErr
}

// steps is the runbook of a failover; its names are stable, so a resumed
// run finds its stored state.
func (f *failoverRun) steps() []Step {
	steps := []Step{{Name: "preflight", Run: f.preflight}}
	if f.run.Mode == FailoverPlanned {
		steps = append(steps, Step{Name: "final backup at " + f.run.From, Run: f.finalBackup},
			Step{Name: "replicate to " + f.run.To, Run: f.replicate})
	}
	steps = append(steps, Step{Name: "recovery point", Run: f.recoveryPoint},
		Step{Name: "confirm", Run: f.confirmStep, HumanWait: func() time.Duration { return f.asked }},
		Step{Name: "pre hooks", Run: f.hookStep(f.e.cfg.Failover.Hooks.Pre, "pre")})
	for _, s := range f.sets {
		steps = append(steps, Step{Name: "restore " + s.Name, Run: f.restoreStep(s)})
	}
	for _, s := range f.sets {
		steps = append(steps, Step{Name: "verify " + s.Name, Run: f.verifyStep(s)})
	}
	steps = append(steps, Step{Name: "switch hooks", Run: f.hookStep(f.e.cfg.Failover.Hooks.Switch, "switch")},
		Step{Name: "commit", Run: f.commit})
	return steps
}

// stepsBeforeChange are the steps whose failure refuses the failover:
// until the pre hooks run, nothing at the target has been touched.
func isBeforeChange(name string) bool {
	switch {
	case name == "preflight", name == "recovery point", name == "confirm",
		strings.HasPrefix(name, "final backup"), strings.HasPrefix(name, "replicate to"):
		return true
	}
	return false
}

func (f *failoverRun) execute(ctx context.Context) (*FailoverReport, error) {
	e := f.e
	tr := e.track(ctx, "failover", f.run.To, "", failoverArgs(f.run.To, f.run.Mode)+" --run "+f.run.RunID)
	tr.runID = f.run.RunID
	rb, err := e.recovery().NewRunbook(ctx, dr.KindFailover, f.run.RunID, f.steps())
	if err != nil {
		tr.finish(OutcomeFailed, err.Error(), 0, 0)
		return nil, err
	}
	f.obs.emit(Event{Op: "failover", Site: f.run.To, Kind: EventStarted, Steps: rb.State(),
		Message: fmt.Sprintf("%s failover %s from %s to %s", f.run.Mode, f.run.RunID, f.run.From, f.run.To)})
	runErr := rb.Run(ctx, func(ch dr.StepChanged, st dr.RunbookStep) {
		// Decisions are saved with every transition: a kill -9 loses none.
		_ = f.save(ctx)
		f.obs.emit(stepEvent("failover", f.run.To, ch, st, rb.State()))
	})
	if runErr == nil {
		f.run.State = dr.FailoverCommitted
		rep, err := f.finish(ctx, rb)
		detail := fmt.Sprintf("committed: %s is the active site, %s a standby; RTO %s (human wait %s apart)",
			f.run.To, f.run.From, secs(rep.RTO), secsOrZero(rep.HumanWait))
		setsDetail, files, bytes := setCounts(rep.Sets)
		detail += setsDetail
		if rep.SHA256 != "" {
			detail += "; report sha256 " + rep.SHA256
			tr.report = rep.SHA256
		}
		outcome := OutcomeOK
		if len(rep.Findings) > 0 {
			outcome = OutcomeWarning
		}
		tr.finish(outcome, detail, files, bytes)
		f.obs.emit(Event{Op: "failover", Site: f.run.To, Kind: EventFinished, Outcome: outcome, Message: detail, Steps: rb.State()})
		return rep, err
	}

	failed := ""
	for _, st := range rb.State() {
		if st.Status == dr.StepFailed {
			failed = st.Name
			break
		}
	}
	outcome := outcomeOf(runErr)
	if ctx.Err() != nil {
		outcome = OutcomeCancelled
	}
	var detail string
	if failed != "" && isBeforeChange(failed) {
		// Nothing switched: the failover is refused, not left half-done.
		f.run.State = dr.FailoverRefused
		rb.Skip(0, "not run: the failover was refused at "+failed)
		if outcome != OutcomeCancelled {
			outcome = OutcomeRefused
		}
		detail = fmt.Sprintf("refused at step %q: %v; nothing was switched, %s stays active", failed, unwrapStep(runErr), f.run.From)
		cause := unwrapStep(runErr)
		runErr = dr.Advise(fmt.Errorf("%w at step %q: %v; nothing was switched, %s stays active", ErrFailoverRefused, failed, cause, f.run.From),
			dr.RemediesOf(cause)...)
		if outcome == OutcomeCancelled {
			// Say cancelled, not refused: the operator stopped it.
			detail = fmt.Sprintf("cancelled at step %q; nothing was switched, %s stays active", failed, f.run.From)
			runErr = fmt.Errorf("%w: cancelled at step %q (%w); nothing was switched, %s stays active", ErrFailoverRefused, failed, context.Canceled, f.run.From)
		}
	} else {
		f.run.State = dr.FailoverFailed
		cause := unwrapStep(runErr)
		if errors.Is(cause, ErrGenerationMoved) || errors.Is(cause, ErrConflict) {
			// Resuming would meet the same fence: the site it would switch
			// from is no longer the active one.
			detail = fmt.Sprintf("stopped at step %q: %v; nothing was switched, abort it", failed, cause)
			runErr = dr.Advise(fmt.Errorf("failover %s to %s stopped at step %q: %w; nothing was switched: abort it, then plan again from the new active site",
				f.run.RunID, f.run.To, failed, cause), append(dr.RemediesOf(cause), dr.Remedy{Act: dr.ActAbort, Effect: "abandons it"})...)
		} else {
			detail = fmt.Sprintf("stopped at step %q: %v; resume it once the cause is fixed, or abort it", failed, cause)
			runErr = dr.Advise(fmt.Errorf("failover %s to %s stopped at step %q: %v; fix the cause, then resume it from that step",
				f.run.RunID, f.run.To, failed, cause), append(dr.RemediesOf(cause),
				dr.Remedy{Act: dr.ActResume, Effect: "continues from that step"}, dr.Remedy{Act: dr.ActAbort, Effect: "abandons it"})...)
		}
	}
	_ = f.save(ctx)
	tr.finish(outcome, detail, 0, 0)
	f.obs.emit(Event{Op: "failover", Site: f.run.To, Kind: EventFinished, Outcome: outcome, Message: detail, Steps: rb.State()})
	if f.run.State == dr.FailoverRefused {
		e.Notify(context.WithoutCancel(ctx), config.AlertFailoverFinished, f.run.To, "", "failover "+f.run.RunID+" "+detail)
	}
	return nil, runErr
}

// unwrapStep drops the runbook's "step %q: " prefix where the caller names
// the step itself.
func unwrapStep(err error) error {
	if u := errors.Unwrap(err); u != nil && strings.HasPrefix(err.Error(), "step ") {
		return u
	}
	return err
}

// finish builds the report of a run that ended (committed or aborted),
// chains and stores it once, and announces the end.
func (f *failoverRun) finish(ctx context.Context, rb *Runbook) (*FailoverReport, error) {
	e := f.e
	ctx = context.WithoutCancel(ctx)
	rep := &FailoverReport{ID: f.run.RunID, Kind: dr.KindFailover, From: f.run.From, To: f.run.To,
		Mode: f.run.Mode, Outcome: f.run.State, Declared: f.run.Declared, Finished: e.now().UTC(),
		Operator: f.run.Operator, RTOObjective: dr.FromSeconds(f.data.RTOObjectiveS), Attempts: f.data.Attempts,
		Sets: []FailoverResult{}, Steps: []DrillStep{}, Findings: append([]string{}, f.data.Findings...),
		ResticVersion: e.version.Version, ConfigHash: e.cfg.RecoveryHash(), Target: e.cfg.Failover.Target}
	if f.data.Aborted != "" {
		rep.Findings = append(rep.Findings, "aborted: "+f.data.Aborted)
	}
	var wait time.Duration = time.Duration(f.data.HumanWaitNS)
	for _, st := range rb.State() {
		rep.Steps = append(rep.Steps, dr.TimelineStep(st))
	}
	rep.HumanWait = dr.Tenth(wait)
	rep.Passed = f.run.State == dr.FailoverCommitted
	for _, r := range f.data.Results {
		rep.Sets = append(rep.Sets, *r)
		if !r.Verified {
			rep.Passed = false
		}
	}
	if !f.data.Switched.IsZero() {
		sw := f.data.Switched
		rep.Switched = &sw
		rep.RTO = dr.Tenth(max(0, sw.Sub(f.run.Declared)-wait))
		if !rep.RTOMet() {
			rep.Findings = append(rep.Findings, fmt.Sprintf("RTO not met: %s from declaration to switch (human wait apart), the objective is %s",
				secs(rep.RTO), secs(rep.RTOObjective)))
		}
	}
	for _, r := range rep.Sets {
		if !r.RPOMet() {
			rep.Findings = append(rep.Findings, fmt.Sprintf("RPO not met for set %s: %s of data lost, the objective is %s",
				r.Name, secs(r.DataLoss), secs(r.RPOObjective)))
		}
	}
	if err := f.save(ctx); err != nil {
		return rep, err
	}
	have, err := e.store.HasReport(ctx, rep.ID)
	if err != nil {
		return rep, err
	}
	if !have {
		var stored storage.DrillRecord
		stored, err = e.chain(ctx, storage.DrillRecord{ID: rep.ID, Site: rep.To, Kind: dr.KindFailover,
			Started: rep.Declared, Finished: rep.Finished, Passed: rep.Passed, ConfigHash: rep.ConfigHash},
			rep, func(prev string) string {
				rep.PrevSHA256 = prev
				rep.Markdown = failoverMarkdown(rep)
				return rep.Markdown
			})
		rep.SHA256 = stored.SHA256
		if err != nil {
			return rep, err
		}
	} else {
		rec, err := e.store.Report(ctx, rep.ID)
		if err != nil {
			return rep, err
		}
		_ = json.Unmarshal([]byte(rec.ReportJSON), rep)
		rep.SHA256, rep.Markdown = rec.SHA256, rec.ReportMD
	}
	msg := fmt.Sprintf("failover %s from %s to %s %s", rep.ID, rep.From, rep.To, rep.Outcome)
	if rep.Switched != nil {
		msg += fmt.Sprintf("; RTO %s", secs(rep.RTO))
	}
	if f.run.State == dr.FailoverAborted {
		_ = e.journal(ctx, storage.JournalEntry{Action: "failover", Site: rep.To, Args: "--abort --run " + rep.ID,
			Outcome: string(OutcomeCancelled), RunID: rep.ID, ReportSHA256: rep.SHA256,
			Detail: "aborted: " + f.data.Aborted + "; " + f.run.From + " stays active; report sha256 " + rep.SHA256})
	}
	e.Notify(ctx, config.AlertFailoverFinished, rep.To, "", msg)
	if f.data.Report != "" && rep.Markdown != "" {
		if err := os.WriteFile(f.data.Report, []byte(rep.Markdown), 0o600); err != nil {
			return rep, fmt.Errorf("failover: write report: %w", err)
		}
	}
	return rep, nil
}
