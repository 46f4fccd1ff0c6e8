package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lifeboat-dr/lifeboat/engine/restic"
	"github.com/lifeboat-dr/lifeboat/storage"
)

// CheckRequest names the sites to check (none: every site) and how much
// pack data to read (restic's --read-data-subset: "n/t", "x%", or "").
type CheckRequest struct {
	Sites          []string
	ReadDataSubset string
	// ReadData reads every pack of Snapshots (all of them when none): a
	// failover reads exactly the data it is about to restore.
	ReadData  bool
	Snapshots []string
}

// CheckResult is one site's check.
type CheckResult struct {
	Site    string   `json:"site"`
	OK      bool     `json:"ok"`
	Outcome Outcome  `json:"outcome"`
	Subset  string   `json:"read_data_subset,omitempty"`
	Errors  []string `json:"errors,omitempty"`
	Seconds float64  `json:"seconds"`
	// Error is set when the check could not run (site down, locked, ...),
	// as opposed to running and finding damage.
	Error string `json:"error,omitempty"`
}

// Level is the monitoring verdict of a check: damage or a site that cannot
// be reached is critical, a check that could not run otherwise is unknown.
func (r CheckResult) Level() Level {
	switch {
	case r.OK:
		return LevelOK
	case r.Error == "":
		return LevelCritical
	case strings.Contains(r.Error, restic.ErrUnreachable.Error()), strings.Contains(r.Error, restic.ErrRepoNotFound.Error()):
		return LevelCritical
	}
	return LevelUnknown
}

// Check runs `restic check` at each site and records the result.
func (e *Engine) Check(ctx context.Context, req CheckRequest, obs Observer) ([]CheckResult, error) {
	if err := e.Permit(ctx, "check"); err != nil {
		return nil, err
	}
	var results []CheckResult
	var errs []error
	for _, name := range e.siteNames(req.Sites) {
		site, err := e.site(name)
		if err != nil {
			return results, err
		}
		if ctx.Err() != nil {
			break
		}
		repo, err := e.repo(site)
		if err != nil {
			return results, err
		}
		// check needs restic's exclusive lock: a ledger publication or a
		// backup holding a shared one for a moment must not make it fail.
		args := []string{"check", "--json", "--retry-lock", lockPatience}
		if req.ReadDataSubset != "" {
			args = append(args, "--read-data-subset", req.ReadDataSubset)
		}
		targs := argString("--site", name, readSubsetArg(req.ReadDataSubset))
		if req.ReadData {
			args = append(args, "--read-data")
			targs = argString("--site", name, "--read-data")
		}
		if len(req.Snapshots) > 0 {
			args = append(args, req.Snapshots...)
			targs += " " + strings.Join(req.Snapshots, " ")
		}
		// One check per site at a time, across processes.
		lock, err := e.lockOperation(ctx, name, "check", obs, "check", "")
		if err != nil {
			errs = append(errs, err)
			break
		}
		t := e.track(ctx, "check", name, "", targs)
		obs.emit(Event{Op: "check", Site: name, Kind: EventStarted})
		var summary *restic.CheckSummary
		// A site that is down when the check starts fails it at once as
		// "could not check" instead of restic retrying for minutes while
		// the other jobs wait; an outage later in a long check is ridden out.
		call := restic.Call{Repo: repo, Op: "check", Args: args, FailFastWithin: time.Minute,
			OnLine: func(l restic.Line) {
				switch l.Type {
				case "summary":
					summary = &restic.CheckSummary{}
					_ = json.Unmarshal(l.Raw, summary)
				case "error":
					obs.emit(Event{Op: "check", Site: name, Kind: EventWarning, Message: restic.ErrorText(l.Raw)})
				}
			}}
		// No ledger publication of this process runs beside a check: its
		// lock coming and going is what the check would trip over.
		e.publishMu.Lock()
		res, err := e.runner.Run(ctx, call)
		if errors.Is(err, restic.ErrLocked) && ctx.Err() == nil {
			// A lock left by a restic that was killed on this host (a
			// lifeboat killed mid-publication) is stale: restic's own unlock
			// removes only such locks, never a live one. Then once more.
			if _, uerr := e.runner.Run(ctx, restic.Call{Repo: repo, Op: "remove stale locks", Args: []string{"unlock"}, Capture: true, FailFast: true}); uerr == nil {
				summary = nil
				res, err = e.runner.Run(ctx, call)
			}
		}
		e.publishMu.Unlock()
		r := CheckResult{Site: name, Subset: req.ReadDataSubset}
		if res != nil {
			r.Seconds = res.Duration.Seconds()
			r.Errors = withoutLockNoise(res.Errors)
		}
		damaged := summary != nil && summary.NumErrors > 0 || len(r.Errors) > 0
		var rerr *restic.Error
		switch {
		case err == nil && !damaged:
			r.OK, r.Outcome = true, OutcomeOK
		case errors.Is(err, restic.ErrCancelled):
			r.Outcome, r.Error = OutcomeCancelled, err.Error()
		case errors.Is(err, restic.ErrLocked), errors.Is(err, restic.ErrUnreachable):
			// restic could not start checking: that says nothing about
			// damage (the soak saw a lock conflict alerted as check_failed).
			r.Outcome, r.Error = OutcomeFailed, err.Error()
		case damaged || errors.As(err, &rerr) && errors.Is(err, restic.ErrFailed):
			// restic ran and found the repository damaged.
			r.Outcome = OutcomeFailed
			if len(r.Errors) == 0 && err != nil {
				r.Errors = []string{err.Error()}
			}
		default:
			r.Outcome, r.Error = OutcomeFailed, err.Error()
		}
		detail := "no errors"
		switch {
		case r.Error != "":
			detail = "could not check: " + r.Error
		case !r.OK:
			detail = fmt.Sprintf("%d error(s): %s", len(r.Errors), strings.Join(first(r.Errors, 3), "; "))
			if summary != nil && len(summary.BrokenPacks) > 0 {
				detail += fmt.Sprintf("; %d broken pack(s)", len(summary.BrokenPacks))
			}
		}
		// Only a check that ran says something about the repository.
		if r.Error == "" {
			_ = e.store.RecordCheck(context.WithoutCancel(ctx), storage.CheckRecord{Site: name, OK: r.OK,
				Subset: req.ReadDataSubset, Detail: detail})
		}
		t.finish(r.Outcome, detail, 0, 0)
		lock.release()
		obs.emit(Event{Op: "check", Site: name, Kind: EventFinished, Outcome: r.Outcome, Message: detail})
		results = append(results, r)
		if !r.OK {
			errs = append(errs, fmt.Errorf("site %s: check: %s", name, detail))
		}
	}
	return results, errors.Join(errs...)
}

func readSubsetArg(s string) string {
	if s == "" {
		return ""
	}
	return "--read-data-subset " + s
}

// withoutLockNoise drops restic's complaints about lock files that vanished
// while it listed them (another process, another bastion's ledger
// publication, released its lock): they say nothing about the data.
func withoutLockNoise(errs []string) []string {
	out := errs[:0:0]
	for _, e := range errs {
		if strings.Contains(e, "<lock/") {
			continue
		}
		out = append(out, e)
	}
	return out
}
