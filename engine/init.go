package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/lifeboat-dr/lifeboat/engine/recovery"
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
	if err := e.Permit(ctx, "init"); err != nil {
		return nil, err
	}
	active, activeRepo, err := e.activeRepo(ctx)
	if err != nil {
		return nil, err
	}
	standbys, err := e.Standbys(ctx)
	if err != nil {
		return nil, err
	}
	order := append([]string{active}, standbys...)

	var results []InitResult
	var errs []error
	for _, name := range order {
		_, repo, err := e.siteRepo(name)
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

// busyOperations names the lifeboat operations, drills and failovers that
// may be running restic now (their holders are alive or their leases
// current), other than unlocks.
func (e *Engine) busyOperations(ctx context.Context) ([]string, error) {
	locks, err := e.store.OperationLocks(ctx)
	if err != nil {
		return nil, err
	}
	host, _ := os.Hostname()
	var out []string
	for _, l := range locks {
		if l.Operation != "unlock" && deadHolder(l, host, e.now()) == "" {
			out = append(out, holderText(l))
		}
	}
	if held, ok, err := e.store.RecoveryLockHolder(ctx); err != nil {
		return nil, err
	} else if ok && recovery.HolderAlive(held) {
		out = append(out, fmt.Sprintf("%s %s is running (operator %s, pid %d on %s)", held.Kind, held.RunID, held.Operator, held.PID, held.Host))
	}
	return out, nil
}

// Unlock removes stale locks at a site (restic unlock), or every lock when
// all is set: only safe when no restic anywhere is using the repository.
func (e *Engine) Unlock(ctx context.Context, site string, all bool) error {
	if err := e.Permit(ctx, "unlock"); err != nil {
		return err
	}
	_, repo, err := e.siteRepo(site)
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
		// --remove-all also removes the locks of restic processes that are
		// working: refuse while any lifeboat operation, drill or failover
		// may be running one (a replication reads its source site too).
		if busy, err := e.busyOperations(ctx); err != nil {
			return err
		} else if len(busy) > 0 {
			err := fmt.Errorf("unlock --all at site %s refused: %s; --all would remove the restic locks they hold: wait for them to end (plain unlock removes only stale locks)",
				site, strings.Join(busy, "; "))
			_ = e.Journal(context.WithoutCancel(ctx), "unlock", site, "", "--remove-all", OutcomeRefused, err.Error())
			return err
		}
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
