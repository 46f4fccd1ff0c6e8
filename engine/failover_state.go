package engine

import (
	"context"
	"fmt"
	"strings"

	"github.com/lifeboat-dr/lifeboat/engine/recovery"
	"github.com/lifeboat-dr/lifeboat/internal/dr"
)

// unfinishedState is how an unfinished failover stands: a run stored as
// running whose process no longer holds the recovery lock alive (killed,
// crashed, the host rebooted) is "interrupted", not running.
func unfinishedState(ctx context.Context, e *Engine, run dr.FailoverRun) dr.FailoverState {
	if run.State != dr.FailoverRunning {
		return run.State
	}
	held, ok, err := e.store.RecoveryLockHolder(ctx)
	if err != nil {
		return run.State // cannot tell: keep what is stored
	}
	// The lock of a process on this host that still exists (this one
	// included: the console runs failovers in-process) means it runs.
	if ok && held.RunID == run.RunID && recovery.HolderAlive(held) {
		return run.State
	}
	return dr.FailoverInterrupted
}

// setCounts is the journal's account of what a failover put in place, the
// numbers its report and the console's result dialog show (verified files:
// regular files, as compared with the snapshot's listing).
func setCounts(sets []FailoverResult) (detail string, files, bytes uint64) {
	var parts []string
	for _, r := range sets {
		state := "not verified"
		if r.Verified {
			state = "verified"
		}
		parts = append(parts, fmt.Sprintf("%s %d files (%s) %s", r.Name, r.VerifiedFiles, Bytes(r.Bytes), state))
		files += r.VerifiedFiles
		bytes += r.Bytes
	}
	if len(parts) == 0 {
		return "", 0, 0
	}
	return "; sets: " + strings.Join(parts, ", "), files, bytes
}
