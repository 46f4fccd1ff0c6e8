package engine

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/lifeboat-dr/lifeboat/engine/recovery"
	"github.com/lifeboat-dr/lifeboat/internal/dr"
	"github.com/lifeboat-dr/lifeboat/internal/ledger"
	"github.com/lifeboat-dr/lifeboat/storage"
)

// recordRun puts a stored change of a failover (the run, a step, its lock)
// into the ledger, so that a bastion that takes over can resume it. It is
// published in the background, coalesced: a failover never waits on a slow
// or hung site for it (the commit publishes the new generation itself).
func (e *Engine) recordRun(ctx context.Context, kind string, change any) {
	if kind != dr.KindFailover {
		return // a drill is this bastion's business; its report is what lasts
	}
	ctx = context.WithoutCancel(ctx)
	var err error
	switch c := change.(type) {
	case dr.RunbookStep:
		_, err = e.appendLedger(ctx, ledger.KindStep, c)
	case dr.FailoverRun:
		_, err = e.appendLedger(ctx, ledger.KindRun, c)
	case recovery.LockChange:
		_, err = e.appendLedger(ctx, ledger.KindLock, c)
	default:
		err = fmt.Errorf("no ledger record for %T", change)
	}
	if err != nil {
		_ = e.Journal(ctx, "ledger", "", "", "", OutcomeWarning, "a change of a failover was stored here but not put into the ledger: "+err.Error())
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
	if err := e.adoptHistory(ctx, l, self); err != nil {
		return err
	}
	rec := e.recovery()
	if err := adoptNewest(l.Of(ledger.KindRun), self, func(run dr.FailoverRun) string { return run.RunID },
		func(_ ledger.Record, run dr.FailoverRun) error { return rec.AdoptFailover(ctx, run) }); err != nil {
		return err
	}
	// A step's outcome counts only with the decisions the run saved after
	// it: a publication can catch a step's end before the run record that
	// holds what the step decided (the snapshots pinned, the targets).
	runAt := map[string]time.Time{}
	for _, r := range l.Of(ledger.KindRun) {
		var run dr.FailoverRun
		if r.Decode(&run) == nil && r.At.After(runAt[run.RunID]) {
			runAt[run.RunID] = r.At
		}
	}
	var steps []ledger.Record
	for _, r := range l.Of(ledger.KindStep) {
		var st dr.RunbookStep
		if r.Decode(&st) == nil && !r.At.After(runAt[st.RunID]) {
			steps = append(steps, r)
		}
	}
	stepKey := func(st dr.RunbookStep) string { return fmt.Sprintf("%s/%d", st.RunID, st.Index) }
	if err := adoptNewest(steps, self, stepKey, func(r ledger.Record, st dr.RunbookStep) error {
		if onBastion(st.Name) && st.Status != dr.StepPending {
			// Restored data is on the other bastion's disk: here the
			// restore and its verification run again.
			st.Status, st.Started, st.Finished = dr.StepPending, time.Time{}, time.Time{}
			st.Detail = "ran on bastion " + r.Bastion + "; runs again here, where the data is restored"
		}
		return rec.AdoptStep(ctx, st)
	}); err != nil {
		return err
	}
	return adoptNewest(l.Of(ledger.KindLock), self, func(c recovery.LockChange) string { return c.RunID },
		func(_ ledger.Record, c recovery.LockChange) error { return e.adoptLock(ctx, c) })
}

// adoptNewest adopts, for each key, the newest of recs that another
// bastion wrote, decoded as T; the first error stops it.
func adoptNewest[T any](recs []ledger.Record, self string, key func(T) string, adopt func(ledger.Record, T) error) error {
	for _, r := range newestBy(recs, func(r ledger.Record) (string, error) {
		var v T
		err := r.Decode(&v)
		return key(v), err
	}) {
		if r.Bastion == self {
			continue
		}
		var v T
		if err := r.Decode(&v); err != nil {
			return err
		}
		if err := adopt(r, v); err != nil {
			return err
		}
	}
	return nil
}

// onBastion says whether a failover step acts on the bastion's own disk
// (restoring into failover.target, verifying what was restored there)
// rather than on the sites or the world outside.
func onBastion(step string) bool {
	return strings.HasPrefix(step, "restore ") || strings.HasPrefix(step, "verify ")
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

// lockPatience is how long an operation that needs restic's exclusive lock
// (check, forget, prune) waits for shared ones to go: a ledger publication
// holds one for a second or two.
const lockPatience = "10s"

// chain stores a report at the head of this bastion's chain and puts it
// into the ledger: the drill and failover history survives this bastion.
func (e *Engine) chain(ctx context.Context, rec storage.DrillRecord, report any, link func(prev string) string) (storage.DrillRecord, error) {
	stored, err := recovery.Chain(ctx, e.store, rec, report, link)
	if err != nil {
		return stored, err
	}
	// Published with the operation's end (the command, the console's
	// operation, watch's job), like the journal entry that records it.
	if _, err := e.appendLedger(context.WithoutCancel(ctx), ledger.KindReport, stored); err != nil {
		return stored, fmt.Errorf("report %s stored here but not in the ledger: %w", stored.ID, err)
	}
	return stored, nil
}

// settleLedger waits for the background publications a failover started,
// so that none outlives the call that made it, unless the call was
// cancelled: then the operator wants out, and the next command publishes.
func (e *Engine) settleLedger(ctx context.Context) {
	if ctx.Err() != nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	e.WaitPublished(ctx)
}

// adoptHistory stores the reports and journal entries other bastions put
// into the ledger, once each, marked with the bastion they came from.
func (e *Engine) adoptHistory(ctx context.Context, l *ledger.Ledger, self string) error {
	for _, r := range l.Of(ledger.KindReport) {
		if r.Bastion == self {
			continue
		}
		var d storage.DrillRecord
		if err := r.Decode(&d); err != nil {
			return err
		}
		have, err := e.store.HasReport(ctx, d.ID)
		if err != nil {
			return err
		}
		if have {
			continue
		}
		d.Bastion = r.Bastion
		if err := e.store.SaveDrill(ctx, d); err != nil {
			return err
		}
	}
	for _, r := range l.Of(ledger.KindJournal) {
		if r.Bastion == self {
			continue
		}
		have, err := e.store.JournalHasLedgerRecord(ctx, r.ID)
		if err != nil {
			return err
		}
		if have {
			continue
		}
		var j journalBody
		if err := r.Decode(&j); err != nil {
			return err
		}
		if _, err := e.store.AppendJournal(ctx, storage.JournalEntry{Time: j.Time, Operator: j.Operator, Origin: j.Origin,
			Action: j.Action, Site: j.Site, Set: j.Set, Args: j.Args, Outcome: j.Outcome, Detail: j.Detail,
			RunID: j.RunID, ReportSHA256: j.ReportSHA256, Bastion: r.Bastion, LedgerID: r.ID}); err != nil {
			return err
		}
	}
	return nil
}
