package engine

import (
	"context"
	"fmt"
	"os"

	"github.com/lifeboat-dr/lifeboat/engine/recovery"
	"github.com/lifeboat-dr/lifeboat/internal/dr"
	"github.com/lifeboat-dr/lifeboat/internal/ledger"
)

// recordRun puts a stored change of a failover (the run, a step, its lock)
// into the ledger, so that a bastion that takes over can resume it. The run
// itself and its lock are published at once (without them another bastion
// knows of no failover to resume); steps go out in the background.
func (e *Engine) recordRun(ctx context.Context, kind string, change any) {
	if kind != dr.KindFailover {
		return // a drill is this bastion's business; its report is what lasts
	}
	ctx = context.WithoutCancel(ctx)
	var err error
	now := false
	switch c := change.(type) {
	case dr.RunbookStep:
		_, err = e.appendLedger(ctx, ledger.KindStep, c)
	case dr.FailoverRun:
		_, err = e.appendLedger(ctx, ledger.KindRun, c)
		now = true
	case recovery.LockChange:
		_, err = e.appendLedger(ctx, ledger.KindLock, c)
		now = !c.Released && !c.Renewed
	default:
		err = fmt.Errorf("no ledger record for %T", change)
	}
	if err != nil {
		_ = e.Journal(ctx, "ledger", "", "", "", OutcomeWarning, "a change of a failover was stored here but not put into the ledger: "+err.Error())
		return
	}
	if now {
		e.PublishLedger(ctx)
		return
	}
	e.publishSoon()
}

// adoptRuns makes the local store follow the failovers the ledger records:
// for each run, each step and each run's lock, the newest record wins; when
// it came from another bastion, it is stored here as that bastion left it.
func (e *Engine) adoptRuns(ctx context.Context) error {
	self, err := e.bastion(ctx)
	if err != nil {
		return err
	}
	l, err := e.Ledger(ctx)
	if err != nil {
		return err
	}
	rec := e.recovery()
	for _, r := range newestBy(l.Of(ledger.KindRun), func(r ledger.Record) (string, error) {
		var run dr.FailoverRun
		err := r.Decode(&run)
		return run.RunID, err
	}) {
		if r.Bastion == self {
			continue
		}
		var run dr.FailoverRun
		if err := r.Decode(&run); err != nil {
			return err
		}
		if err := rec.AdoptFailover(ctx, run); err != nil {
			return err
		}
	}
	for _, r := range newestBy(l.Of(ledger.KindStep), func(r ledger.Record) (string, error) {
		var st dr.RunbookStep
		err := r.Decode(&st)
		return fmt.Sprintf("%s/%d", st.RunID, st.Index), err
	}) {
		if r.Bastion == self {
			continue
		}
		var st dr.RunbookStep
		if err := r.Decode(&st); err != nil {
			return err
		}
		if err := rec.AdoptStep(ctx, st); err != nil {
			return err
		}
	}
	for _, r := range newestBy(l.Of(ledger.KindLock), func(r ledger.Record) (string, error) {
		var c recovery.LockChange
		err := r.Decode(&c)
		return c.RunID, err
	}) {
		if r.Bastion == self {
			continue
		}
		var c recovery.LockChange
		if err := r.Decode(&c); err != nil {
			return err
		}
		if err := e.adoptLock(ctx, c); err != nil {
			return err
		}
	}
	return nil
}

func (e *Engine) adoptLock(ctx context.Context, c recovery.LockChange) error {
	if !c.Released {
		return e.store.AdoptRecoveryLock(ctx, c.RecoveryLock)
	}
	held, ok, err := e.store.RecoveryLockHolder(ctx)
	if err != nil || !ok {
		return err
	}
	if held.RunID == c.RunID && held.PID == c.PID && held.Host == c.Host && held.PID != os.Getpid() {
		return e.store.ReleaseRecoveryLock(ctx, c.RunID)
	}
	return nil
}

// newestBy keeps, for each key, the newest record (records come oldest
// first).
func newestBy(recs []ledger.Record, key func(ledger.Record) (string, error)) []ledger.Record {
	idx := map[string]int{}
	var out []ledger.Record
	for _, r := range recs {
		k, err := key(r)
		if err != nil {
			continue // named by Decode when it is applied; a record unreadable here is skipped
		}
		if i, ok := idx[k]; ok {
			out[i] = r
			continue
		}
		idx[k] = len(out)
		out = append(out, r)
	}
	return out
}
