package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/lifeboat-dr/lifeboat/internal/dr"
	"github.com/lifeboat-dr/lifeboat/storage"
)

// Step is one step of a runbook. Run must be idempotent: a resumed runbook
// runs again any step that had not finished. It returns a detail line for
// the timeline.
type Step struct {
	Name string
	Run  func(ctx context.Context) (detail string, err error)
	// HumanWait, when set, says how much of the step's last run was spent
	// waiting on a person; it is stored apart from machine time.
	HumanWait func() time.Duration
}

// Runbook is an ordered list of steps whose state lives in the store after
// every transition, so that another process can show it or resume it.
type Runbook struct {
	ID    string
	Steps []Step
	// Kind (drill, failover) is what LIFEBOAT_FAULT_KILL matches against;
	// a runbook without one is never killed by it.
	Kind string

	e     *Engine
	state []dr.RunbookStep
}

// ErrRecoveryLocked is returned when another drill or failover holds the
// recovery lock.
var ErrRecoveryLocked = errors.New("another drill or failover is running")

// newRunID is a sortable, unique run id: UTC time plus random bits.
func newRunID(now time.Time) string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	return now.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

// NewRunbook prepares a runbook: steps already stored under id (a resumed
// run) keep their state, new ones are stored as pending.
func (e *Engine) NewRunbook(ctx context.Context, id string, steps []Step) (*Runbook, error) {
	rb := &Runbook{ID: id, Steps: steps, e: e}
	stored, err := e.steps(ctx, id)
	if err != nil {
		return nil, err
	}
	for i, s := range steps {
		st := dr.RunbookStep{RunID: id, Index: i, Name: s.Name, Status: dr.StepPending}
		if i < len(stored) && stored[i].Name == s.Name {
			st = stored[i]
		} else if err := e.saveStep(ctx, st); err != nil {
			return nil, err
		}
		rb.state = append(rb.state, st)
	}
	return rb, nil
}

// State is a copy of the steps' persisted state.
func (rb *Runbook) State() []dr.RunbookStep {
	return append([]dr.RunbookStep(nil), rb.state...)
}

func (rb *Runbook) save(i int) error {
	// A cancelled run still records where it stopped.
	return rb.e.saveStep(context.Background(), rb.state[i])
}

// Run executes every step that is not done or skipped, in order. A failing
// step is marked failed and stops the run; later steps stay pending.
// onStep, if set, is called after each transition.
func (rb *Runbook) Run(ctx context.Context, onStep func(dr.RunbookStep)) error {
	kill := rb.faultKillStep(ctx)
	for i, s := range rb.Steps {
		st := &rb.state[i]
		if st.Status.Finished() {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		st.Status, st.Started, st.Finished, st.Detail = dr.StepRunning, rb.e.now().UTC(), time.Time{}, ""
		if err := rb.save(i); err != nil {
			return err
		}
		if onStep != nil {
			onStep(*st)
		}
		detail, err := s.Run(ctx)
		if kill != "" && kill == s.Name {
			faultKill()
		}
		st.Finished = rb.e.now().UTC()
		if s.HumanWait != nil {
			st.HumanWait = s.HumanWait()
		}
		st.Detail = detail
		if err != nil {
			st.Status = dr.StepFailed
			if detail == "" {
				st.Detail = err.Error()
			}
		} else {
			st.Status = dr.StepDone
		}
		if serr := rb.save(i); serr != nil && err == nil {
			err = serr
		}
		if onStep != nil {
			onStep(*st)
		}
		if err != nil {
			return fmt.Errorf("step %q: %w", s.Name, err)
		}
	}
	return nil
}

// Skip marks the pending steps from index i on as skipped (a run that
// stopped early says what it did not do).
func (rb *Runbook) Skip(from int, why string) {
	for i := from; i < len(rb.state); i++ {
		if rb.state[i].Status == dr.StepPending {
			rb.state[i].Status, rb.state[i].Detail = dr.StepSkipped, why
			_ = rb.save(i)
		}
	}
}

// LockHeldError says who holds the recovery lock.
type LockHeldError struct{ Holder storage.RecoveryLock }

func (e *LockHeldError) Error() string {
	h := e.Holder
	return fmt.Sprintf("%s: %s %s holds the recovery lock (operator %s, host %s, pid %d, since %s); wait for it to end, or if that process is gone on another host, check there first",
		ErrRecoveryLocked, h.Kind, h.RunID, h.Operator, h.Host, h.PID, h.Since.Local().Format(time.RFC3339))
}

func (e *LockHeldError) Unwrap() error { return ErrRecoveryLocked }

// AcquireRecoveryLock takes the recovery lock for a run of kind (drill,
// failover). When another run holds it, it fails with a *LockHeldError
// naming the holder, unless the holder was a process on this host that no
// longer exists: then the lock is taken over and the takeover journaled.
func (e *Engine) AcquireRecoveryLock(ctx context.Context, kind, runID, site string) error {
	host, _ := os.Hostname()
	me := storage.RecoveryLock{RunID: runID, Kind: kind, PID: os.Getpid(), Host: host,
		Operator: e.operator.String(), Since: e.now().UTC()}
	for attempt := 0; attempt < 3; attempt++ {
		held, ok, err := e.store.AcquireRecoveryLock(ctx, me)
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		if held.Host != host || holderAlive(held.PID, held.Since) {
			return &LockHeldError{Holder: held}
		}
		_, ok, err = e.store.TakeOverRecoveryLock(ctx, held, me)
		if err != nil {
			return err
		}
		if ok {
			_ = e.Journal(ctx, kind, site, "", "run "+runID, OutcomeWarning,
				fmt.Sprintf("took over the recovery lock of %s %s (operator %s, pid %d on %s, since %s): that process no longer exists",
					held.Kind, held.RunID, held.Operator, held.PID, held.Host, held.Since.Format(time.RFC3339)))
			return nil
		}
		// Someone else took it over first; look again.
	}
	held, _, _ := e.store.RecoveryLockHolder(ctx)
	return &LockHeldError{Holder: held}
}

// ReleaseRecoveryLock drops the lock of runID.
func (e *Engine) ReleaseRecoveryLock(runID string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = e.store.ReleaseRecoveryLock(ctx, runID)
}

// faultKill kills this process with SIGKILL, right after a step's work and
// before its end is stored: the worst moment to die, with the step's work
// done and its record saying "running". See faultKillStep.
func faultKill() {
	_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
	select {} // the signal is on its way
}
