// Package recovery is the runbook machinery that drills and failovers
// share: steps stored as they run so another process can show or resume
// them, the step events, the recovery lock with its takeover from a dead
// holder, and the hash chain of the reports they write. The plans (which
// steps, and what they do at the sites) are the engine's.
package recovery

import (
	"context"
	"time"

	"github.com/lifeboat-dr/lifeboat/internal/dr"
	"github.com/lifeboat-dr/lifeboat/storage"
)

// Env is what the machinery needs from the engine.
type Env struct {
	Store *storage.Store
	Now   func() time.Time
	// Operator is who runs the work, as the recovery lock records it.
	Operator string
	// Journal appends an entry as the engine's operator.
	Journal func(ctx context.Context, entry storage.JournalEntry) error
	// Record, when set, is told of every stored change of a run of kind
	// (its steps, the run itself, its lock) so that the engine can put it
	// into the ledger: another bastion resumes from there.
	Record func(ctx context.Context, kind string, change any)
}

func (env *Env) record(ctx context.Context, kind string, change any) {
	if env.Record != nil {
		env.Record(ctx, kind, change)
	}
}

func (env *Env) now() time.Time {
	if env.Now == nil {
		return time.Now()
	}
	return env.Now()
}

// warn journals a warning about a run.
func (env *Env) warn(ctx context.Context, entry storage.JournalEntry) {
	if env.Journal == nil {
		return
	}
	entry.Outcome = string(dr.OutcomeWarning)
	_ = env.Journal(ctx, entry)
}
