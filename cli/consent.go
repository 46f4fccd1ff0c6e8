package cli

import (
	"context"
	"fmt"
	"os"

	"golang.org/x/term"

	"github.com/lifeboat-dr/lifeboat/engine"
	"github.com/lifeboat-dr/lifeboat/internal/dr"
)

// canAsk says whether a question on the terminal can be answered: stdin
// is a terminal, or a test answers through a.stdin.
func (a *app) canAsk() bool {
	if a.stdin != nil {
		return true
	}
	return term.IsTerminal(int(os.Stdin.Fd()))
}

// confirmedBefore says whether the run got past its confirmation step, so
// that a resume asks nothing.
func confirmedBefore(st *engine.FailoverStatus) bool {
	for _, s := range st.Steps {
		if s.Name == "confirm" {
			return s.Status == dr.StepDone
		}
	}
	return false
}

// refuseUnasked refuses a failover command that would have to ask and
// cannot, before it runs anything, and journals the refusal. Exit 2: the
// command was called wrongly for where it runs (like forget without
// --dry-run or --yes), and nothing was started.
func (a *app) refuseUnasked(ctx context.Context, eng *engine.Engine, site, args, what string) error {
	err := fmt.Errorf("%s asks for a confirmation and stdin is not a terminal: run it on a terminal, or pass --yes to confirm without asking; nothing was run", what)
	_ = eng.Journal(ctx, "failover", site, "", args, engine.OutcomeRefused, "refused: "+err.Error())
	return withCode(2, err)
}
