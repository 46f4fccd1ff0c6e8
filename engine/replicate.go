package engine

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"time"

	"github.com/lifeboat-dr/lifeboat/engine/config"
	"github.com/lifeboat-dr/lifeboat/engine/restic"
)

// ReplicateRequest says where to copy and which sets; empty means every
// standby and every set.
type ReplicateRequest struct {
	To   []string
	Sets []string
	// Select, when set, picks which missing snapshots to copy (the demo
	// leaves the last day of one set behind). Nil copies all missing ones.
	Select func(set string, s Snapshot) bool
	// Listed names sites the caller listed moments ago in this process
	// (a failover's preflight): they are not listed again before the copy.
	// A copy of a snapshot that another copied meanwhile is skipped by
	// restic, and the standby is listed after any copy.
	Listed []string
}

// ReplicateResult is one set's replication to one standby.
type ReplicateResult struct {
	From    string  `json:"from"`
	To      string  `json:"to"`
	Set     string  `json:"set"`
	Outcome Outcome `json:"outcome"`
	Copied  int     `json:"copied"`
	Missing int     `json:"missing"` // still missing afterwards
	Seconds float64 `json:"seconds"`
	Error   string  `json:"error,omitempty"`
}

var copiedLine = regexp.MustCompile(`^snapshot ([0-9a-f]+) saved, copied from source snapshot ([0-9a-f]+)`)

// Replicate copies the snapshots missing at each standby from the active
// site with `restic copy`, naming exactly the missing snapshots. One restic
// call per standby covers all sets, so each index is loaded once.
func (e *Engine) Replicate(ctx context.Context, req ReplicateRequest, obs Observer) ([]ReplicateResult, error) {
	sets, active, fromRepo, err := e.setsFromActive(ctx, "replicate", req.Sets)
	if err != nil {
		return nil, err
	}
	targets := req.To
	if len(targets) == 0 {
		if targets, err = e.Standbys(ctx); err != nil {
			return nil, err
		}
	}
	for _, t := range targets {
		if _, err := e.site(t); err != nil {
			return nil, err
		}
		if t == active {
			return nil, fmt.Errorf("site %s is the active site; replication goes from it, not to it", t)
		}
	}
	// One replication per standby at a time, across processes: the lock is
	// held from listing what is missing to judging the copy, so one that
	// waited lists after the other copied and finds nothing left to copy.
	unlock, err := e.lockOperations(ctx, targets, "replicate", obs, "replicate")
	if err != nil {
		return nil, err
	}
	defer unlock()
	// The catalog must be current at both ends to know what is missing.
	down := map[string]error{}
	var toList []string
	for _, s := range append([]string{active}, targets...) {
		if !slices.Contains(req.Listed, s) {
			toList = append(toList, s)
		}
	}
	var probes []SiteProbe
	if len(toList) > 0 { // none would mean every site
		probes = e.refreshListings(ctx, toList...)
	}
	for _, p := range probes {
		if p.Err != nil && p.Site == active && ctx.Err() == nil {
			return nil, p.Err
		}
		if p.Err != nil {
			down[p.Site] = p.Err
		}
	}

	var results []ReplicateResult
	var errs []error
	for _, to := range targets {
		if ctx.Err() != nil {
			break
		}
		if err := down[to]; err != nil {
			for _, set := range sets {
				detail := "standby not reachable: " + err.Error()
				_ = e.Journal(context.WithoutCancel(ctx), "replicate", to, set.Name, argString("--to", to, "--set", set.Name), OutcomeFailed, detail)
				obs.emit(Event{Op: "replicate", Site: to, Set: set.Name, Kind: EventFinished, Outcome: OutcomeFailed, Message: detail})
				results = append(results, ReplicateResult{From: active, To: to, Set: set.Name, Outcome: OutcomeFailed, Error: detail})
			}
			errs = append(errs, err)
			continue
		}
		rs, err := e.replicateTo(ctx, active, fromRepo, to, sets, req.Select, obs)
		results = append(results, rs...)
		if err != nil {
			errs = append(errs, err)
		}
	}
	if ctx.Err() != nil {
		results = e.journalUncopied(ctx, active, targets, sets, results, obs)
		errs = append(errs, &restic.Error{Op: "replicate", Kind: restic.ErrCancelled})
	}
	return results, errors.Join(errs...)
}

func (e *Engine) replicateTo(ctx context.Context, active string, fromRepo restic.Repo, to string,
	sets []*config.Set, sel func(string, Snapshot) bool, obs Observer) ([]ReplicateResult, error) {
	cat, err := e.LoadCatalog(ctx)
	if err != nil {
		return nil, err
	}
	_, toRepo, err := e.siteRepo(to)
	if err != nil {
		return nil, err
	}
	var ids []string
	want := map[string]int{}
	for _, set := range sets {
		for _, s := range cat.Missing(active, to, set) {
			if sel != nil && !sel(set.Name, s) {
				continue
			}
			if _, dup := want[s.ID]; !dup {
				ids = append(ids, s.ID)
			}
			want[s.ID]++
		}
	}
	tracks := map[string]*tracked{}
	for _, set := range sets {
		tracks[set.Name] = e.track(ctx, "replicate", to, set.Name, argString("--to", to, "--set", set.Name))
		obs.emit(Event{Op: "replicate", Site: to, Set: set.Name, Kind: EventStarted})
	}

	start := time.Now()
	var runErr error
	if len(ids) > 0 {
		// The destination's environment wins in a copy (the runner puts it last).
		meter := newCopyMeter(len(ids), packSize(toRepo.Env, fromRepo.Env), start, func(p Progress) {
			obs.emit(Event{Op: "replicate", Site: to, Kind: EventProgress, Progress: p})
		})
		args := append([]string{"copy", "-v"}, ids...) // -v: the size of what each snapshot copies
		_, runErr = e.runner.Run(ctx, restic.Call{Repo: toRepo, From: &fromRepo, Op: "replicate to " + to, Args: args,
			OnStart: func(pid int) { meter.watch(ctx, pid) },
			OnLine: func(l restic.Line) {
				if !l.Stderr {
					meter.line(l.Raw)
				}
			}})
		meter.stop()
	}
	elapsed := time.Since(start)

	// Judge each set by what the standby holds now, not by what restic said.
	// Nothing copied leaves the listing made just before as current.
	var probe SiteProbe
	if len(ids) > 0 {
		probe = e.refreshListings(ctx, to)[0]
	}
	// Read even when cancelled: every tracked set must be finished.
	after, err := e.LoadCatalog(context.WithoutCancel(ctx))
	if err != nil {
		for _, t := range tracks {
			t.finish(OutcomeFailed, "could not read the catalog after the copy: "+err.Error(), 0, 0)
		}
		return nil, err
	}
	var results []ReplicateResult
	var errs []error
	for _, set := range sets {
		// Judged against what was missing when the copy began: a snapshot
		// backed up meanwhile (a scheduled backup at the same tick) is for
		// the next replication, not a failure of this one.
		wanted := map[string]bool{}
		for _, s := range cat.Missing(active, to, set) {
			if sel == nil || sel(set.Name, s) {
				wanted[s.ID] = true
			}
		}
		left := after.Missing(active, to, set)
		stillWanted := 0
		for _, s := range left {
			if wanted[s.ID] {
				stillWanted++
			}
		}
		r := ReplicateResult{From: active, To: to, Set: set.Name, Copied: len(wanted) - stillWanted, Missing: len(left),
			Seconds: elapsed.Seconds()}
		var detail string
		switch {
		case runErr != nil && ctx.Err() != nil:
			r.Outcome, detail = OutcomeCancelled, fmt.Sprintf("cancelled after copying %d snapshot(s); %d still missing", r.Copied, len(left))
		case runErr != nil || probe.Err != nil && stillWanted > 0:
			cause := runErr
			if cause == nil {
				cause = probe.Err
			}
			r.Outcome, detail = OutcomeFailed, fmt.Sprintf("copied %d snapshot(s), %d still missing: %v", r.Copied, len(left), cause)
		case stillWanted > 0:
			r.Outcome, detail = OutcomeFailed, fmt.Sprintf("restic finished but %d snapshot(s) are still missing at %s", stillWanted, to)
		default:
			r.Outcome, detail = OutcomeOK, fmt.Sprintf("copied %d snapshot(s); %d missing", r.Copied, len(left))
		}
		if r.Outcome != OutcomeOK {
			r.Error = detail
		}
		tracks[set.Name].finish(r.Outcome, detail, uint64(r.Copied), 0)
		obs.emit(Event{Op: "replicate", Site: to, Set: set.Name, Kind: EventFinished, Outcome: r.Outcome, Message: detail})
		results = append(results, r)
	}
	if runErr != nil {
		errs = append(errs, runErr)
	} else {
		for _, r := range results {
			if r.Outcome == OutcomeFailed {
				errs = append(errs, fmt.Errorf("replicate %s to %s: %s", r.Set, r.To, r.Error))
			}
		}
	}
	return results, errors.Join(errs...)
}
