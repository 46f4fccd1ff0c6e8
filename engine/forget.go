package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/lifeboat-dr/lifeboat/engine/config"
	"github.com/lifeboat-dr/lifeboat/engine/restic"
)

// ForgetRequest applies each set's retention at each site. DryRun only
// reports what would go; otherwise snapshots are forgotten and each site
// that lost any is pruned as a separate step.
type ForgetRequest struct {
	Sites  []string
	Sets   []string
	DryRun bool
}

// ForgetResult is one set at one site.
type ForgetResult struct {
	Site    string        `json:"site"`
	Set     string        `json:"set"`
	DryRun  bool          `json:"dry_run"`
	Outcome Outcome       `json:"outcome"`
	Groups  []ForgetGroup `json:"groups"`
	Skipped string        `json:"skipped,omitempty"` // why nothing was done
	Pruned  bool          `json:"pruned"`
	Error   string        `json:"error,omitempty"`
}

// ForgetGroup is restic's keep/remove decision for one group of snapshots.
type ForgetGroup struct {
	Host   string   `json:"host"`
	Tags   []string `json:"tags"`
	Keep   []string `json:"keep"`
	Remove []string `json:"remove"`
}

func retentionArgs(r *config.Retention) []string {
	var a []string
	add := func(flag string, n int) {
		if n > 0 {
			a = append(a, flag, strconv.Itoa(n))
		}
	}
	add("--keep-last", r.KeepLast)
	add("--keep-hourly", r.KeepHourly)
	add("--keep-daily", r.KeepDaily)
	add("--keep-weekly", r.KeepWeekly)
	add("--keep-monthly", r.KeepMonthly)
	add("--keep-yearly", r.KeepYearly)
	if r.KeepWithin > 0 {
		a = append(a, "--keep-within", restic.DurationArg(r.KeepWithin.D()))
	}
	return a
}

// Forget applies retention. Snapshots are grouped by host and tags within
// the set's tag, so a set whose paths changed keeps one history.
func (e *Engine) Forget(ctx context.Context, req ForgetRequest, obs Observer) ([]ForgetResult, error) {
	sets, err := e.setsToChange(ctx, "forget", req.Sets)
	if err != nil {
		return nil, err
	}
	var results []ForgetResult
	var errs []error
	for _, name := range e.siteNames(req.Sites) {
		_, repo, err := e.siteRepo(name)
		if err != nil {
			return nil, err
		}
		// One forget and prune per site at a time, across processes: two
		// prunes would fight over restic's exclusive lock.
		var siteLock *opLock
		if !req.DryRun {
			if siteLock, err = e.lockOperation(ctx, name, "forget", obs, "forget", ""); err != nil {
				errs = append(errs, err)
				break
			}
		}
		// A forget whose prune did not finish (killed, failed) left the
		// prune owed; it is run now even if nothing new is forgotten.
		pendingSince, _, pending, err := e.store.PrunePending(ctx, name)
		if err != nil {
			siteLock.release()
			return nil, err
		}
		removedAny := false
		for _, set := range sets {
			if ctx.Err() != nil {
				break
			}
			r := ForgetResult{Site: name, Set: set.Name, DryRun: req.DryRun, Groups: []ForgetGroup{}}
			if set.Retention == nil {
				r.Outcome, r.Skipped = OutcomeOK, "no retention policy for this set"
				results = append(results, r)
				continue
			}
			args := []string{"forget", "--json", "--retry-lock", lockPatience, "--tag", set.Name, "--group-by", "host,tags"}
			if set.Host != "" {
				args = append(args, "--host", set.Host)
			}
			args = append(args, retentionArgs(set.Retention)...)
			if req.DryRun {
				args = append(args, "--dry-run")
			}
			var t *tracked
			if !req.DryRun {
				t = e.track(ctx, "forget", name, set.Name, argString("--site", name, "--set", set.Name, "--yes"))
			}
			obs.emit(Event{Op: "forget", Site: name, Set: set.Name, Kind: EventStarted})
			// Owed before restic forget runs: a process killed, or a reply
			// lost, after restic removed snapshots still leaves the prune
			// owed. It is taken back below when forget provably removed none.
			provisional := false
			if !req.DryRun && !pending {
				if perr := e.store.SetPrunePending(context.WithoutCancel(ctx), name, e.now(),
					fmt.Sprintf("forget of %s running", set.Name)); perr != nil {
					siteLock.release()
					return nil, perr
				}
				provisional = true
			}
			res, err := e.runner.Run(ctx, restic.Call{Repo: repo, Op: "forget " + set.Name, Args: args, Capture: true})
			if err == nil {
				var groups []restic.ForgetGroup
				if jerr := json.Unmarshal(res.Stdout, &groups); jerr != nil {
					err = fmt.Errorf("site %s: forget %s: unexpected output from restic: %w", name, set.Name, jerr)
				}
				for _, g := range groups {
					fg := ForgetGroup{Host: g.Host, Tags: g.Tags, Keep: []string{}, Remove: []string{}}
					for _, s := range g.Keep {
						fg.Keep = append(fg.Keep, s.ID)
					}
					for _, s := range g.Remove {
						fg.Remove = append(fg.Remove, s.ID)
					}
					if len(fg.Remove) > 0 && !req.DryRun {
						removedAny = true
					}
					r.Groups = append(r.Groups, fg)
				}
			}
			r.Outcome = outcomeOf(err)
			removed := 0
			for _, g := range r.Groups {
				removed += len(g.Remove)
			}
			if provisional && removed == 0 && err == nil {
				if cerr := e.store.ClearPrunePending(context.WithoutCancel(ctx), name); cerr != nil {
					err = cerr
				}
			}
			detail := fmt.Sprintf("removed %d snapshot(s)", removed)
			if removed > 0 && !req.DryRun && err == nil {
				// Recorded as soon as restic forget returns, before the
				// prune: a process killed during prune leaves what it removed
				// in the journal and the prune owed in the store.
				if perr := e.store.SetPrunePending(context.WithoutCancel(ctx), name, e.now(),
					fmt.Sprintf("forget of %s removed %d snapshot(s)", set.Name, removed)); perr != nil {
					err = perr
				} else {
					pending = true
				}
				var ids []string
				for _, g := range r.Groups {
					ids = append(ids, g.Remove...)
				}
				detail += ": " + strings.Join(ids, " ") + "; prune pending"
			}
			if req.DryRun {
				detail = fmt.Sprintf("would remove %d snapshot(s)", removed)
			}
			if err != nil {
				r.Error = err.Error()
				detail = r.Error
				errs = append(errs, err)
			}
			if t != nil {
				t.finish(r.Outcome, detail, 0, 0)
			}
			obs.emit(Event{Op: "forget", Site: name, Set: set.Name, Kind: EventFinished, Outcome: r.Outcome, Message: detail})
			results = append(results, r)
		}
		if req.DryRun {
			continue
		}
		var pruneErr error
		pruned := false
		if pending && ctx.Err() == nil {
			obs.emit(Event{Op: "prune", Site: name, Kind: EventStarted})
			_, pruneErr = e.runner.Run(ctx, restic.Call{Repo: repo, Op: "prune", Args: []string{"prune", "--retry-lock", lockPatience}})
			outcome := outcomeOf(pruneErr)
			detail := "pruned unreferenced data"
			if !removedAny {
				detail += fmt.Sprintf(" left by an earlier forget whose prune did not finish (owed since %s)",
					pendingSince.Format(time.RFC3339))
			}
			if pruneErr == nil {
				if cerr := e.store.ClearPrunePending(context.WithoutCancel(ctx), name); cerr != nil {
					errs = append(errs, cerr)
				}
				pruned = true
			} else {
				detail = "forget succeeded but prune did not (the next forget --yes prunes): " + pruneErr.Error()
				errs = append(errs, pruneErr)
			}
			_ = e.Journal(context.WithoutCancel(ctx), "prune", name, "", "", outcome, detail)
			obs.emit(Event{Op: "prune", Site: name, Kind: EventFinished, Outcome: outcome, Message: detail})
		}
		siteLock.release()
		for i := range results {
			if results[i].Site == name && results[i].Error == "" && results[i].Skipped == "" {
				results[i].Pruned = pruned
			}
		}
	}
	if ctx.Err() != nil {
		errs = append(errs, &restic.Error{Op: "forget", Kind: restic.ErrCancelled})
	}
	return results, errors.Join(errs...)
}
