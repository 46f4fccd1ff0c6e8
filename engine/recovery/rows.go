package recovery

import (
	"context"

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

// Steps reads the stored steps of a run, in order.
func (env *Env) Steps(ctx context.Context, runID string) ([]dr.RunbookStep, error) {
	rows, err := env.Store.Steps(ctx, runID)
	if err != nil {
		return nil, err
	}
	out := make([]dr.RunbookStep, len(rows))
	for i, r := range rows {
		out[i] = stepFromRow(r)
	}
	return out, nil
}

func (env *Env) saveStep(ctx context.Context, kind string, s dr.RunbookStep) error {
	if err := env.Store.SaveStep(ctx, stepRow(s)); err != nil {
		return err
	}
	env.record(ctx, kind, s)
	return nil
}

// SaveFailover stores a failover run's state and decisions.
func (env *Env) SaveFailover(ctx context.Context, f dr.FailoverRun) error {
	if err := env.Store.SaveFailover(ctx, failoverRow(f)); err != nil {
		return err
	}
	env.record(ctx, dr.KindFailover, f)
	return nil
}

// AdoptStep stores a step as another bastion's ledger recorded it.
func (env *Env) AdoptStep(ctx context.Context, s dr.RunbookStep) error {
	return env.Store.SaveStep(ctx, stepRow(s))
}

// AdoptFailover stores a run as another bastion's ledger recorded it.
func (env *Env) AdoptFailover(ctx context.Context, f dr.FailoverRun) error {
	return env.Store.SaveFailover(ctx, failoverRow(f))
}

// UnfinishedFailover is the newest failover that is running or failed: the
// one `failover --resume` or `--abort` acts on.
func (env *Env) UnfinishedFailover(ctx context.Context) (dr.FailoverRun, bool, error) {
	r, ok, err := env.Store.NewestFailoverIn(ctx, string(dr.FailoverRunning), string(dr.FailoverFailed))
	return failoverFromRow(r), ok, err
}
