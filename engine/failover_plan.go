package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/lifeboat-dr/lifeboat/engine/config"
	"github.com/lifeboat-dr/lifeboat/engine/recovery"
	"github.com/lifeboat-dr/lifeboat/internal/dr"
)

// The failover's preflight: what a failover would do and cost, judged
// without changing anything.

// FailoverPlan is what a failover would do and what it would cost: the
// preflight's findings and, per set, the recovery point and expected loss.
type FailoverPlan struct {
	RunID         string            `json:"run_id,omitempty"`
	From          string            `json:"from"`
	To            string            `json:"to"`
	Mode          FailoverMode      `json:"mode"`
	FromReachable bool              `json:"from_reachable"`
	FromError     string            `json:"from_error,omitempty"`
	Target        string            `json:"target"`
	FreeBytes     uint64            `json:"free_bytes"`
	NeedBytes     uint64            `json:"need_bytes"`
	Sets          []FailoverSetPlan `json:"sets"`
	Checks        []PreflightCheck  `json:"checks"`
	// Refusal, when set, is why the failover cannot go ahead as asked;
	// RefusalDo what may be done about it.
	Refusal   string      `json:"refusal,omitempty"`
	RefusalDo []dr.Remedy `json:"refusal_do,omitempty"`
}

// FailoverSetPlan is one set's recovery point at the target. Its JSON
// states DataLoss in float seconds (data_loss_seconds).
type FailoverSetPlan struct {
	Name         string    `json:"name"`
	Snapshot     string    `json:"snapshot"`
	SnapshotTime time.Time `json:"snapshot_time"`
	// DataLoss is the age of the newest copy at the target, in whole
	// seconds: what an unplanned failover loses. A planned one replicates
	// first.
	DataLoss time.Duration `json:"-"`
	// MissingSnapshots are at the active site and not at the target (-1:
	// unknown, the active site could not be listed).
	MissingSnapshots int    `json:"missing_snapshots"`
	Bytes            uint64 `json:"bytes"`
	Target           string `json:"target"`
	// TargetEntries is how many entries the target directory holds now;
	// the failover replaces them with the snapshot.
	TargetEntries int `json:"target_entries"`
}

// PlanFailover runs the failover's preflight without changing anything:
// reachability of both sites, the recovery point of each set at the
// target and the data an unplanned failover would lose, space at the
// failover target, and whether anything stands in the way.
func (e *Engine) PlanFailover(ctx context.Context, to string, mode FailoverMode) (*FailoverPlan, error) {
	active, _, err := e.ActiveSite(ctx)
	if err != nil {
		return nil, err
	}
	if err := e.validateFailover(to, mode, active); err != nil {
		return nil, err
	}
	sets, err := e.sets(nil)
	if err != nil {
		return nil, err
	}
	return e.planFailover(ctx, active, to, mode, sets, "", nil)
}

func (e *Engine) validateFailover(to string, mode FailoverMode, active string) error {
	if _, err := e.site(to); err != nil {
		return err
	}
	if to == active {
		return fmt.Errorf("%w: site %s is already the active site (standbys: %s)", ErrFailoverRefused, to, strings.Join(standbyNames(e.cfg, active), ", "))
	}
	if mode != FailoverPlanned && mode != FailoverUnplanned {
		return fmt.Errorf("failover: say --planned (the active site %s is up: last backup and replication first, no data lost) or --unplanned (it is down: restore what %s holds)", active, to)
	}
	if e.cfg.Failover.Target == "" {
		return fmt.Errorf("%w: failover.target is not set in the config; set the directory each set is restored into (<target>/<set>)", ErrFailoverRefused)
	}
	return nil
}

// planFailover is the preflight; runID is the run asking (its own lock
// and record do not stand in its way), "" for a preview. With fromOK set,
// the sites are not probed again: the catalog was just refreshed and
// *fromOK says whether the active site answered then.
func (e *Engine) planFailover(ctx context.Context, active, to string, mode FailoverMode, sets []*config.Set, runID string, fromOK *bool) (*FailoverPlan, error) {
	p := &FailoverPlan{RunID: runID, From: active, To: to, Mode: mode, Target: e.cfg.Failover.Target, Sets: []FailoverSetPlan{}, Checks: []PreflightCheck{}}
	check := func(name string, ok bool, format string, args ...any) *PreflightCheck {
		p.Checks = append(p.Checks, PreflightCheck{Name: name, OK: ok, Detail: fmt.Sprintf(format, args...)})
		if !ok && p.Refusal == "" {
			p.Refusal = fmt.Sprintf(format, args...)
		}
		return &p.Checks[len(p.Checks)-1]
	}
	if run, ok, err := e.recovery().UnfinishedFailover(ctx); err != nil {
		return nil, err
	} else if ok && run.RunID != p.RunID {
		c := check("no unfinished failover", false, "failover %s to %s (%s) is unfinished", run.RunID, run.To, run.State)
		c.Do = dr.ResumeOrAbort()
		if p.RefusalDo == nil {
			p.RefusalDo = c.Do
		}
	}
	if held, ok, err := e.store.RecoveryLockHolder(ctx); err != nil {
		return nil, err
	} else if ok && held.RunID != p.RunID {
		check("recovery lock free", !recovery.HolderAlive(held), "%s %s holds the recovery lock (operator %s, host %s, pid %d)", held.Kind, held.RunID, held.Operator, held.Host, held.PID)
	}
	// A restore replaces what the target holds: never live data.
	targetBad := overlapRefusal(e.cfg, "failover.target", p.Target, "a failover replaces what the target holds and would destroy live data")
	if targetBad != "" {
		check("target outside the data", false, "%s", targetBad)
	} else {
		check("target outside the data", true, "%s lies apart from every set's paths", p.Target)
	}

	var probes []SiteProbe
	targetOK := fromOK != nil // a cached plan: the target was read at the recovery point
	if fromOK == nil {
		probes = e.refreshListings(ctx, to, active)
	} else {
		p.FromReachable = *fromOK
		if !p.FromReachable {
			p.FromError = "it did not answer at the recovery point step"
		}
	}
	for _, pr := range probes {
		switch pr.Site {
		case to:
			if pr.Err != nil {
				check("target reachable", false, "site %s cannot be reached: %s", to, siteCause(to, pr.Err))
			} else {
				targetOK = true
				check("target reachable", true, "site %s answered in %s, password accepted", to, pr.Latency.Round(time.Millisecond))
			}
		case active:
			p.FromReachable = pr.Err == nil
			if pr.Err != nil {
				p.FromError = pr.Err.Error()
			}
		}
	}
	// Judged when both sites were listed just now.
	if p.FromReachable && probeOK(probes, to) {
		if id, same, err := e.sameRepository(ctx, to, active); err != nil {
			check("target is its own repository", false, "%v", err)
		} else if same {
			check("target is its own repository", false, "%s", sameRepositoryRefusal(to, active, id))
		} else {
			check("target is its own repository", true, "site %s is a repository apart from %s", to, active)
		}
	}
	if mode == FailoverPlanned {
		if p.FromReachable {
			check("active site reachable", true, "site %s is up: a last backup and replication run first", active)
		} else {
			check("active site reachable", false, "a planned failover needs the active site %s for a last backup, and it cannot be reached (%s); if it is down, fail over with --unplanned and accept the loss shown", active, p.FromError)
		}
	}

	cat, err := e.LoadCatalog(ctx)
	if err != nil {
		return nil, err
	}
	now := e.now()
	var missing []string
	for _, s := range sets {
		sp := FailoverSetPlan{Name: s.Name, Target: filepath.Join(p.Target, s.Name), MissingSnapshots: -1}
		snap, ok := cat.Newest(to, s)
		if ok {
			sp.Snapshot, sp.SnapshotTime, sp.Bytes = snap.ID, snap.Time, uint64(max(snap.TotalBytes, 0))
			sp.DataLoss = max(0, now.Sub(snap.Time).Round(time.Second))
		}
		if p.FromReachable {
			sp.MissingSnapshots = len(cat.Missing(active, to, s))
			if mode == FailoverPlanned {
				if a, ok := cat.Newest(active, s); ok && uint64(max(a.TotalBytes, 0)) > sp.Bytes {
					sp.Bytes = uint64(max(a.TotalBytes, 0))
				}
			}
		}
		if !ok && !(mode == FailoverPlanned && p.FromReachable) {
			missing = append(missing, s.Name)
		}
		sp.TargetEntries = countEntries(sp.Target)
		p.NeedBytes += sp.Bytes
		p.Sets = append(p.Sets, sp)
	}
	switch {
	case !targetOK:
		// The cache cannot vouch for a site that does not answer.
		check("every set at the target", false, "not checked: site %s cannot be reached", to)
	case len(missing) > 0:
		check("every set at the target", false, "site %s holds no snapshot of set(s) %s: nothing to fail over to", to, strings.Join(missing, ", "))
	default:
		check("every set at the target", true, "%d set(s) have a recovery point", len(sets))
	}
	if targetBad != "" {
		return p, nil // nothing is created inside the data
	}
	if err := os.MkdirAll(p.Target, 0o700); err != nil {
		check("failover target", false, "failover.target %s cannot be created: %v", p.Target, err)
		return p, nil
	}
	free, err := freeBytes(p.Target)
	if err != nil {
		check("failover target", false, "failover.target %s: %v", p.Target, err)
		return p, nil
	}
	p.FreeBytes = free
	check("space at the failover target", free >= p.NeedBytes, "%s has %s free, the restore needs %s", p.Target, Bytes(free), Bytes(p.NeedBytes))
	return p, nil
}

// standbyNames are the standbys a drill or failover may go to.
func standbyNames(cfg *config.Config, active string) []string {
	var out []string
	for _, s := range cfg.Standbys(active) {
		out = append(out, s.Name)
	}
	return out
}
