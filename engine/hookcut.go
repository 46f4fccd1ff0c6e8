package engine

import (
	"context"
	"fmt"
	"strings"

	"github.com/lifeboat-dr/lifeboat/internal/dr"
)

// hooksCut says what the operator hooks of an interrupted failover may have
// done: a step that runs hooks left "running" by a dead process means a hook
// was cut short after it may have acted, and the record cannot say how far
// it got. Lifeboat stops the hook's processes with it; what they already
// did (a DNS change, a drained load balancer) stays done.
func (e *Engine) hooksCut(st *FailoverStatus) []string {
	if st == nil || st.HolderAlive {
		return nil
	}
	hooks := e.cfg.Failover.Hooks
	var out []string
	for _, s := range st.Steps {
		if s.Status != dr.StepRunning {
			continue
		}
		switch {
		case s.Name == "pre hooks" && len(hooks.Pre) > 0:
			out = append(out, fmt.Sprintf("pre hooks were running when lifeboat died: they may already have acted (e.g. stopped writes at %s); check before you resume or abort",
				st.Run.From))
		case s.Name == "switch hooks" && len(hooks.Switch) > 0:
			out = append(out, fmt.Sprintf("switch hooks were running when lifeboat died: traffic may already point at %s while lifeboat keeps %s active; check your switch",
				st.Run.To, st.Run.From))
		case strings.HasPrefix(s.Name, "verify ") && len(hooks.Verify) > 0:
			out = append(out, fmt.Sprintf("verify hooks of set %s may have been running when lifeboat died: they may already have acted on the restored data at %s",
				strings.TrimPrefix(s.Name, "verify "), st.Run.To))
		}
	}
	return out
}

// journalHooksCut records what hooksCut says, as a warning of the resume or
// abort that found it (args is that action's --run argument string).
func (e *Engine) journalHooksCut(ctx context.Context, st *FailoverStatus, args string) []string {
	cut := st.HooksCut
	for _, m := range cut {
		_ = e.journalRun(ctx, "failover", st.Run.To, args, st.Run.RunID, OutcomeWarning, m)
	}
	return cut
}
