package engine

import (
	"context"
	"errors"

	"github.com/lifeboat-dr/lifeboat/engine/config"
)

func (e *Engine) noteCancel(outcome Outcome, err error) {
	if outcome == OutcomeCancelled && err == nil {
		e.cancelJournaled.Store(true)
	}
}

// CancelJournaled says whether this engine journaled a cancellation.
func (e *Engine) CancelJournaled() bool { return e.cancelJournaled.Load() }

// cancelledBefore journals an operation cancelled before its work began
// (while the catalog was listed, say), which track would not have seen, and
// returns err. Anything but a cancellation is returned as it is.
func (e *Engine) cancelledBefore(ctx context.Context, action, site, set, args, what string, err error) error {
	if err == nil || (outcomeOf(err) != OutcomeCancelled && !errors.Is(ctx.Err(), context.Canceled)) {
		return err
	}
	_ = e.Journal(context.WithoutCancel(ctx), action, site, set, args, OutcomeCancelled, "cancelled before it began: "+what)
	return err
}

// journalUncopied journals as cancelled each set of each standby that a
// cancelled replication never reached (the listing before the copy, or a
// standby after the one cut short), so that none ends without a trace.
func (e *Engine) journalUncopied(ctx context.Context, active string, targets []string, sets []*config.Set,
	results []ReplicateResult, obs Observer) []ReplicateResult {
	done := map[[2]string]bool{}
	for _, r := range results {
		done[[2]string{r.To, r.Set}] = true
	}
	for _, to := range targets {
		for _, set := range sets {
			if done[[2]string{to, set.Name}] {
				continue
			}
			detail := "cancelled before copying to " + to + " began; nothing was copied"
			_ = e.Journal(context.WithoutCancel(ctx), "replicate", to, set.Name, argString("--to", to, "--set", set.Name), OutcomeCancelled, detail)
			obs.emit(Event{Op: "replicate", Site: to, Set: set.Name, Kind: EventFinished, Outcome: OutcomeCancelled, Message: detail})
			results = append(results, ReplicateResult{From: active, To: to, Set: set.Name, Outcome: OutcomeCancelled, Error: detail})
		}
	}
	return results
}
