package engine

import (
	"context"
	"math"
	"time"

	"github.com/lifeboat-dr/lifeboat/internal/dr"
	"github.com/lifeboat-dr/lifeboat/storage"
)

// The store keeps states as text; these map its rows to and from the
// recovery vocabulary of internal/dr, in one place.

func stepFromRow(r storage.RunbookStep) dr.RunbookStep {
	return dr.RunbookStep{RunID: r.RunID, Index: r.Index, Name: r.Name, Status: dr.StepState(r.Status),
		Started: r.Started, Finished: r.Finished, Detail: r.Detail, HumanWait: r.HumanWait}
}

func stepRow(s dr.RunbookStep) storage.RunbookStep {
	return storage.RunbookStep{RunID: s.RunID, Index: s.Index, Name: s.Name, Status: string(s.Status),
		Started: s.Started, Finished: s.Finished, Detail: s.Detail, HumanWait: s.HumanWait}
}

func failoverFromRow(r storage.FailoverRun) dr.FailoverRun {
	return dr.FailoverRun{RunID: r.RunID, From: r.From, To: r.To, Mode: dr.FailoverMode(r.Mode),
		State: dr.FailoverState(r.State), Declared: r.Declared, Updated: r.Updated, Operator: r.Operator, Data: r.Data}
}

func failoverRow(f dr.FailoverRun) storage.FailoverRun {
	return storage.FailoverRun{RunID: f.RunID, From: f.From, To: f.To, Mode: string(f.Mode), State: string(f.State),
		Declared: f.Declared, Updated: f.Updated, Operator: f.Operator, Data: f.Data}
}

// secondsDuration reads float seconds stored by the engine itself (a
// failover's data).
func secondsDuration(s float64) time.Duration {
	return time.Duration(math.Round(s * float64(time.Second)))
}

// steps reads the stored steps of a run.
func (e *Engine) steps(ctx context.Context, runID string) ([]dr.RunbookStep, error) {
	rows, err := e.store.Steps(ctx, runID)
	if err != nil {
		return nil, err
	}
	out := make([]dr.RunbookStep, len(rows))
	for i, r := range rows {
		out[i] = stepFromRow(r)
	}
	return out, nil
}

func (e *Engine) saveStep(ctx context.Context, s dr.RunbookStep) error {
	return e.store.SaveStep(ctx, stepRow(s))
}

func (e *Engine) saveFailoverRun(ctx context.Context, f dr.FailoverRun) error {
	return e.store.SaveFailover(ctx, failoverRow(f))
}

// unfinishedRun is the newest failover that is running or failed: the one
// `failover --resume` or `--abort` acts on.
func (e *Engine) unfinishedRun(ctx context.Context) (dr.FailoverRun, bool, error) {
	r, ok, err := e.store.NewestFailoverIn(ctx, string(dr.FailoverRunning), string(dr.FailoverFailed))
	return failoverFromRow(r), ok, err
}
