package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/lifeboat-dr/lifeboat/engine/restic"
)

// InitResult is what init found or did at one site.
type InitResult struct {
	Site    string  `json:"site"`
	Role    string  `json:"role"`
	Created bool    `json:"created"`
	Outcome Outcome `json:"outcome"`
	Detail  string  `json:"detail"`
}

// Init creates every site repository that does not exist yet: the active
// one first, then the standbys with the active one's chunker parameters so
// that copies deduplicate.
func (e *Engine) Init(ctx context.Context, obs Observer) ([]InitResult, error) {
	active, _, err := e.ActiveSite(ctx)
	if err != nil {
		return nil, err
	}
	order := []string{active}
	standbys, err := e.Standbys(ctx)
	if err != nil {
		return nil, err
	}
	order = append(order, standbys...)
	activeSite, _ := e.site(active)
	activeRepo, err := e.repo(activeSite)
	if err != nil {
		return nil, err
	}

	var results []InitResult
	var errs []error
	for _, name := range order {
		site, _ := e.site(name)
		repo, err := e.repo(site)
		if err != nil {
			return results, err
		}
		r := InitResult{Site: name, Role: "standby"}
		if name == active {
			r.Role = "active"
		}
		obs.emit(Event{Op: "init", Site: name, Kind: EventStarted})
		probeCtx, cancel := context.WithTimeout(ctx, ProbeTimeout())
		_, err = e.runner.Run(probeCtx, restic.Call{Repo: repo, Op: "init", Capture: true,
			Args: []string{"cat", "config", "--no-lock", "--quiet"}, FailFast: true})
		if err != nil && probeCtx.Err() != nil && ctx.Err() == nil {
			err = &restic.Error{Site: name, Op: "init", Code: -1, Kind: restic.ErrUnreachable,
				Message: fmt.Sprintf("no answer within %s", ProbeTimeout())}
		}
		cancel()
		switch {
		case err == nil:
			r.Outcome, r.Detail = OutcomeOK, "repository exists"
		case errors.Is(err, restic.ErrRepoNotFound):
			args := []string{"init", "--json"}
			call := restic.Call{Repo: repo, Op: "init", Capture: true}
			if name != active {
				args = append(args, "--copy-chunker-params")
				call.From = &activeRepo
			}
			call.Args = args
			_, err = e.runner.Run(ctx, call)
			r.Outcome = outcomeOf(err)
			if err == nil {
				r.Created = true
				r.Detail = "created"
				if name != active {
					r.Detail = fmt.Sprintf("created with the chunker parameters of %s", active)
				}
			} else {
				r.Detail = err.Error()
				errs = append(errs, err)
			}
			_ = e.Journal(context.WithoutCancel(ctx), "init", name, "", argString(call.Args...), r.Outcome, r.Detail)
		case outcomeOf(err) == OutcomeCancelled:
			r.Outcome, r.Detail = OutcomeCancelled, "cancelled while finding out whether the repository exists; nothing was created"
			_ = e.Journal(context.WithoutCancel(ctx), "init", name, "", "", r.Outcome, r.Detail)
			errs = append(errs, err)
		default:
			r.Outcome, r.Detail = OutcomeFailed, err.Error()
			errs = append(errs, err)
		}
		obs.emit(Event{Op: "init", Site: name, Kind: EventFinished, Outcome: r.Outcome, Message: r.Detail})
		results = append(results, r)
		if name == active && r.Outcome != OutcomeOK {
			// Standbys take their chunker parameters from the active site.
			errs = append(errs, fmt.Errorf("standbys not initialised: the active site %s is not ready", active))
			break
		}
	}
	return results, errors.Join(errs...)
}

// Unlock removes stale locks at a site (restic unlock), or every lock when
// all is set: only safe when no restic anywhere is using the repository.
func (e *Engine) Unlock(ctx context.Context, site string, all bool) error {
	st, err := e.site(site)
	if err != nil {
		return err
	}
	repo, err := e.repo(st)
	if err != nil {
		return err
	}
	// One unlock per site at a time, across processes.
	lock, err := e.tryLockOperation(ctx, site, "unlock", "unlock")
	if err != nil {
		return err
	}
	defer lock.release()
	args := []string{"unlock"}
	if all {
		args = append(args, "--remove-all")
	}
	_, err = e.runner.Run(ctx, restic.Call{Repo: repo, Op: "unlock", Args: args, Capture: true})
	_ = e.Journal(context.WithoutCancel(ctx), "unlock", site, "", argString(args[1:]...), outcomeOf(err), errText(err, "stale locks removed"))
	return err
}

func errText(err error, ok string) string {
	if err != nil {
		return err.Error()
	}
	return ok
}
