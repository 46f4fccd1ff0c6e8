package engine

import "context"

// Notify hands over an alert event that an operation raises itself
// (failover_started, failover_finished; config.Alert*) and waits until it
// is delivered. Monitoring implements it (monitor.Deliver): the engine says
// what happened and knows nothing of alert targets.
type Notify func(ctx context.Context, e *Engine, event, site, set, message string)

// Notify raises an alert event through Options.Notify; an engine built
// without one sends none, as one without alert targets would.
func (e *Engine) Notify(ctx context.Context, event, site, set, message string) {
	if e.notify != nil {
		e.notify(ctx, e, event, site, set, message)
	}
}
