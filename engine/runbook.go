package engine

import (
	"context"

	"github.com/lifeboat-dr/lifeboat/engine/recovery"
	"github.com/lifeboat-dr/lifeboat/internal/dr"
)

// The runbook machinery is engine/recovery's; drill.go and failover.go are
// the two plans that run on it. These names keep callers compiling.

type (
	Step          = recovery.Step
	Runbook       = recovery.Runbook
	LockHeldError = recovery.LockHeldError
)

// ErrRecoveryLocked is returned when another drill or failover holds the
// recovery lock.
var ErrRecoveryLocked = recovery.ErrRecoveryLocked

// FaultKillEnv names the step after which a runbook kills its own process.
const FaultKillEnv = recovery.FaultKillEnv

// recovery is the machinery's view of this engine.
func (e *Engine) recovery() *recovery.Env {
	return &recovery.Env{Store: e.store, Now: e.now, Operator: e.operator.String(), Journal: e.journal, Record: e.recordRun}
}

// NewRunbook prepares a runbook of no kind (LIFEBOAT_FAULT_KILL spares it):
// steps already stored under id keep their state.
func (e *Engine) NewRunbook(ctx context.Context, id string, steps []Step) (*Runbook, error) {
	return e.recovery().NewRunbook(ctx, "", id, steps)
}

// stepEvent is the event of a step's change: typed for the front ends,
// with a message for logs. steps, when given, is the runbook as it stands.
func stepEvent(op, site string, ch dr.StepChanged, st dr.RunbookStep, steps []dr.RunbookStep) Event {
	msg, warn := recovery.StepMessage(st)
	kind := EventInfo
	if warn {
		kind = EventWarning
	}
	return Event{Op: op, Site: site, Kind: kind, Message: msg, Step: &ch, Steps: steps}
}
