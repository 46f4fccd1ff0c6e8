package recovery

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/lifeboat-dr/lifeboat/internal/dr"
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

	env   *Env
	state []dr.RunbookStep
}

// NewRunID is a sortable, unique run id: UTC time plus random bits.
func NewRunID(now time.Time) string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	return now.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

// NewRunbook prepares a runbook of kind: steps already stored under id (a
// resumed run) keep their state, new ones are stored as pending.
func (env *Env) NewRunbook(ctx context.Context, kind, id string, steps []Step) (*Runbook, error) {
	rb := &Runbook{ID: id, Steps: steps, Kind: kind, env: env}
	stored, err := env.Steps(ctx, id)
	if err != nil {
		return nil, err
	}
	for i, s := range steps {
		st := dr.RunbookStep{RunID: id, Index: i, Name: s.Name, Status: dr.StepPending}
		if i < len(stored) && stored[i].Name == s.Name {
			st = stored[i]
		} else if err := env.saveStep(ctx, kind, st); err != nil {
			return nil, err
		}
		rb.state = append(rb.state, st)
	}
	return rb, nil
}

// State is a copy of the steps' persisted state.
func (rb *Runbook) State() []dr.RunbookStep {
	if rb == nil {
		return nil
	}
	return append([]dr.RunbookStep(nil), rb.state...)
}

func (rb *Runbook) save(i int) error {
	// A cancelled run still records where it stopped.
	return rb.env.saveStep(context.Background(), rb.Kind, rb.state[i])
}

// Run executes every step that is not done or skipped, in order. A failing
// step is marked failed and stops the run; later steps stay pending.
// onStep, if set, is called after each transition with the change and the
// step as it now stands.
func (rb *Runbook) Run(ctx context.Context, onStep func(dr.StepChanged, dr.RunbookStep)) error {
	kill := rb.faultKillStep(ctx)
	moved := func(from dr.StepState, st dr.RunbookStep) {
		if onStep != nil {
			onStep(dr.StepChanged{Step: st.Name, From: from, To: st.Status}, st)
		}
	}
	for i, s := range rb.Steps {
		st := &rb.state[i]
		if st.Status.Finished() {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		from := st.Status
		st.Status, st.Started, st.Finished, st.Detail = dr.StepRunning, rb.env.now().UTC(), time.Time{}, ""
		if err := rb.save(i); err != nil {
			return err
		}
		moved(from, *st)
		detail, err := s.Run(ctx)
		if kill != "" && kill == s.Name {
			faultKill()
		}
		st.Finished = rb.env.now().UTC()
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
		moved(dr.StepRunning, *st)
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

// Failed is the index and name of the first failed step, -1 when none.
func (rb *Runbook) Failed() (int, string) {
	for i, st := range rb.state {
		if st.Status == dr.StepFailed {
			return i, st.Name
		}
	}
	return -1, ""
}

// Abandon marks the steps cut short (running, or failed) as skipped with
// why before their detail, and then every pending one with why alone: an
// aborted run says what it did not finish.
func (rb *Runbook) Abandon(why string) {
	for i, s := range rb.state {
		if s.Status == dr.StepRunning || s.Status == dr.StepFailed {
			rb.state[i].Status, rb.state[i].Detail = dr.StepSkipped, why+": "+s.Detail
			_ = rb.save(i)
		}
	}
}

// StepMessage is how a step's change reads in a progress line ("restore
// models: done: 12 files"); warn is set when the step failed.
func StepMessage(st dr.RunbookStep) (msg string, warn bool) {
	msg = st.Name + ": " + string(st.Status)
	if st.Detail != "" && st.Status != dr.StepRunning {
		msg += ": " + st.Detail
	}
	return msg, st.Status == dr.StepFailed
}
