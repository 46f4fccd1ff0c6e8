package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lifeboat-dr/lifeboat/engine/config"
	"github.com/lifeboat-dr/lifeboat/internal/dr"
)

// The steps of a failover. Each is idempotent: a resumed run runs again
// the step that was cut short.

// plan is the preflight of this run: probing both sites, or (cached) from
// the catalog the recovery point step refreshed.
func (f *failoverRun) plan(ctx context.Context, cached bool) (*FailoverPlan, error) {
	var fromOK *bool
	if cached {
		fromOK = &f.data.FromReachable
	}
	p, err := f.e.planFailover(ctx, f.run.From, f.run.To, FailoverMode(f.run.Mode), f.sets, f.run.RunID, fromOK)
	if err != nil {
		return nil, err
	}
	p.RunID = f.run.RunID
	return p, nil
}

func (f *failoverRun) preflight(ctx context.Context) (string, error) {
	p, err := f.plan(ctx, false)
	if err != nil {
		return "", err
	}
	if p.Refusal != "" {
		return p.Refusal, dr.Advise(errors.New(p.Refusal), p.RefusalDo...)
	}
	f.data.FromReachable = p.FromReachable
	f.listedTo = true
	if !p.FromReachable {
		f.finding("active site %s could not be reached (%s): the loss since each set's newest copy at %s is accepted", f.run.From, p.FromError, f.run.To)
	}
	var ok []string
	for _, c := range p.Checks {
		ok = append(ok, c.Name)
	}
	return fmt.Sprintf("%s: %s free at %s for %s", strings.Join(ok, ", "), Bytes(p.FreeBytes), p.Target, Bytes(p.NeedBytes)), nil
}

func (f *failoverRun) setNames() []string {
	out := make([]string, len(f.sets))
	for i, s := range f.sets {
		out[i] = s.Name
	}
	return out
}

func (f *failoverRun) finalBackup(ctx context.Context) (string, error) {
	res, err := f.e.Backup(ctx, BackupRequest{Sets: f.setNames()}, f.obs)
	if err != nil {
		return "", fmt.Errorf("last backup at %s: %w", f.run.From, err)
	}
	var ids []string
	for _, r := range res {
		ids = append(ids, r.Set+" "+shortHash(r.SnapshotID))
	}
	return "snapshots " + strings.Join(ids, ", "), nil
}

func (f *failoverRun) replicate(ctx context.Context) (string, error) {
	req := ReplicateRequest{To: []string{f.run.To}, Sets: f.setNames()}
	if f.listedTo {
		req.Listed = []string{f.run.To} // the preflight did; only the active site was written since
	}
	res, err := f.e.Replicate(ctx, req, f.obs)
	if err != nil {
		return "", fmt.Errorf("replication to %s: %w", f.run.To, err)
	}
	var n int
	for _, r := range res {
		n += r.Copied
	}
	return fmt.Sprintf("%d snapshot(s) copied; %s holds every snapshot of %s", n, f.run.To, f.run.From), nil
}

// recoveryPoint pins each set's newest snapshot at the target and reads
// every pack those snapshots need (restic check --read-data on them): a
// damaged standby is found before anything at the target is touched.
func (f *failoverRun) recoveryPoint(ctx context.Context) (string, error) {
	e := f.e
	// The preflight (and for a planned failover the replication) listed
	// both sites moments ago: the target is listed again, to pin what it
	// holds now, only when that was another process (a resumed run).
	if !f.listedTo {
		if p := e.refreshListings(ctx, f.run.To)[0]; p.Err != nil {
			return "", atSite(f.run.To, p.Err)
		}
	}
	fromOK := f.data.FromReachable
	cat, err := e.LoadCatalog(ctx)
	if err != nil {
		return "", err
	}
	var ids, parts []string
	for _, s := range f.sets {
		snap, ok := cat.Newest(f.run.To, s)
		if !ok {
			return "", fmt.Errorf("%w of set %s at site %s", ErrNoSnapshot, s.Name, f.run.To)
		}
		if f.run.Mode == FailoverPlanned && fromOK {
			if missing := cat.Missing(f.run.From, f.run.To, s); len(missing) > 0 {
				return "", fmt.Errorf("set %s: %d snapshot(s) at %s are still not at %s after replication", s.Name, len(missing), f.run.From, f.run.To)
			}
		}
		r := f.result(s.Name)
		r.Snapshot, r.SnapshotTime, r.Tree = snap.ID, snap.Time.UTC().Format(time.RFC3339), snap.Tree
		r.Target = f.setTarget(s.Name)
		r.DataLoss = max(0, f.run.Declared.Sub(snap.Time).Round(time.Second))
		ids = append(ids, snap.ID)
		parts = append(parts, s.Name+" "+snap.ShortID)
	}
	res, err := e.Check(ctx, CheckRequest{Sites: []string{f.run.To}, ReadData: true, Snapshots: ids}, f.obs)
	if err != nil || len(res) == 0 || !res[0].OK {
		msg := "the check could not run"
		switch {
		case len(res) > 0 && res[0].Error != "":
			msg = "the check could not run: " + res[0].Error
		case len(res) > 0:
			msg = "damaged data: " + strings.Join(first(res[0].Errors, 3), "; ")
		case err != nil:
			msg += ": " + err.Error()
		}
		// Only a check that reads the data finds damaged packs; a plain
		// check passes on them, so the advice names --read-data.
		return "", dr.Advise(fmt.Errorf("site %s: reading the packs of the recovery point: %s; fail over to another standby meanwhile", f.run.To, msg),
			dr.Remedy{Act: dr.ActCheckReadData, Site: f.run.To, Effect: "reads every pack and names the damaged ones"})
	}
	return fmt.Sprintf("%s; every pack read and intact (%.1fs)", strings.Join(parts, ", "), res[0].Seconds), nil
}

// confirmStep is the typed confirmation, asked with the final plan when
// an Ask is given; the time it takes is human wait, apart from the RTO.
func (f *failoverRun) confirmStep(ctx context.Context) (string, error) {
	if f.ask == nil {
		if f.data.Attempts > 1 && f.confirm != f.run.To {
			return "", fmt.Errorf("%w: the run stopped before its confirmation; resume with --confirm %s", ErrConfirmMismatch, f.run.To)
		}
		return "confirmed by typing " + f.run.To, nil
	}
	p, err := f.plan(ctx, true)
	if err != nil {
		return "", err
	}
	start := time.Now()
	err = f.ask(ctx, p)
	wait := time.Since(start)
	f.asked = wait
	f.data.HumanWaitNS += int64(wait)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("confirmed by typing %s after %s", f.run.To, wait.Round(100*time.Millisecond)), nil
}

func (f *failoverRun) hookEnv(set, target string) []string {
	return []string{"LIFEBOAT_FROM=" + f.run.From, "LIFEBOAT_TO=" + f.run.To, "LIFEBOAT_SET=" + set,
		"LIFEBOAT_TARGET=" + target, "LIFEBOAT_RUN_ID=" + f.run.RunID}
}

// hookStep runs the pre or switch hooks once for the whole failover:
// LIFEBOAT_SET lists every set, LIFEBOAT_TARGET is failover.target.
func (f *failoverRun) hookStep(hooks []string, kind string) func(context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		env := f.hookEnv(strings.Join(f.setNames(), " "), f.e.cfg.Failover.Target)
		for _, h := range hooks {
			if err := f.e.runHook(ctx, h, f.e.cfg.Failover.Target, env, f.e.cfg.Failover.Hooks.Timeout, "failover.hooks.timeout"); err != nil {
				return "", fmt.Errorf("%s hook %q: %w", kind, h, err)
			}
		}
		if kind == "switch" {
			// The switch is the moment production moves: the RTO ends here.
			f.data.Switched = f.e.now().UTC()
		}
		if len(hooks) == 0 {
			return "no " + kind + " hooks configured", nil
		}
		return fmt.Sprintf("%d %s hook(s) ok", len(hooks), kind), nil
	}
}

func (f *failoverRun) restoreStep(s *config.Set) func(context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		r := f.result(s.Name)
		// Checked again right before the write: the preflight may lie far
		// back (a resumed run, a long human wait) and symlinks can change.
		if why := overlapRefusal(f.e.cfg, "the restore target", r.Target, "a failover restore with --delete would destroy live data"); why != "" {
			return "", errors.New(why + "; nothing was restored")
		}
		res, err := f.e.Restore(ctx, RestoreRequest{Site: f.run.To, Set: s.Name, Snapshot: r.Snapshot, Target: r.Target,
			Overwrite: true, Delete: true, Verify: true, Action: "failover"}, f.obs)
		if res != nil {
			// What is in place: a resumed restore skips the files an
			// earlier attempt already wrote.
			r.Files, r.Bytes = res.Files+res.FilesSkipped, res.Bytes+res.BytesSkipped
		}
		if err != nil {
			return "", fmt.Errorf("restore of set %s (snapshot %s) from %s into %s: %w", s.Name, shortHash(r.Snapshot), f.run.To, r.Target, err)
		}
		return fmt.Sprintf("snapshot %s: %d files, %s in place at %s, verified by restic", shortHash(r.Snapshot), r.Files, Bytes(r.Bytes), r.Target), nil
	}
}

func (f *failoverRun) verifyStep(s *config.Set) func(context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		r := f.result(s.Name)
		r.Verified = false
		c, err := f.e.compareRestored(ctx, f.run.To, r.Snapshot, s, r.Target)
		r.ListedFiles, r.ListedBytes = c.listedFiles, c.listedBytes
		if err != nil {
			return "", err
		}
		for _, h := range f.e.cfg.Failover.Hooks.Verify {
			if err := f.e.runHook(ctx, h, r.Target, f.hookEnv(s.Name, r.Target), f.e.cfg.Failover.Hooks.Timeout, "failover.hooks.timeout"); err != nil {
				return "", fmt.Errorf("verify hook %q for set %s: %w", h, s.Name, err)
			}
		}
		r.VerifiedFiles, r.Verified = c.files, true
		detail := fmt.Sprintf("%d files, %s: as listed in snapshot %s", c.files, Bytes(c.bytes), shortHash(r.Snapshot))
		if n := len(f.e.cfg.Failover.Hooks.Verify); n > 0 {
			detail += fmt.Sprintf("; %d verify hook(s) ok", n)
		}
		return detail, nil
	}
}

// commit records the target as the active site. Replication turns around
// by itself: the standbys are every site but the active one.
func (f *failoverRun) commit(ctx context.Context) (string, error) {
	e := f.e
	ledgered, err := e.commitGeneration(ctx, f.run.From, f.run.To, f.run.RunID, "failover")
	if err != nil {
		return "", err
	}
	cur, _, err := e.ActiveSite(ctx)
	if err != nil {
		return "", err
	}
	if cur != f.run.To {
		if err := e.store.SetActiveSite(ctx, f.run.To, "failover "+f.run.RunID+" from "+f.run.From); err != nil {
			return "", err
		}
	}
	if f.data.Switched.IsZero() {
		f.data.Switched = e.now().UTC()
	}
	detail := fmt.Sprintf("%s is the active site; %s is a standby and replication runs %s → %s", f.run.To, f.run.From, f.run.To, f.run.From)
	if ledgered != "" {
		detail += "; " + ledgered
	}
	return detail, nil
}
