package recovery

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/lifeboat-dr/lifeboat/internal/proc"
	"github.com/lifeboat-dr/lifeboat/storage"
)

// ErrRecoveryLocked is returned when another drill or failover holds the
// recovery lock.
var ErrRecoveryLocked = errors.New("another drill or failover is running")

// LockHeldError says who holds the recovery lock.
type LockHeldError struct{ Holder storage.RecoveryLock }

func (e *LockHeldError) Error() string {
	h := e.Holder
	return fmt.Sprintf("%s: %s %s holds the recovery lock (operator %s, host %s, pid %d, since %s); wait for it to end, or if that process is gone on another host, check there first",
		ErrRecoveryLocked, h.Kind, h.RunID, h.Operator, h.Host, h.PID, h.Since.Local().Format(time.RFC3339))
}

func (e *LockHeldError) Unwrap() error { return ErrRecoveryLocked }

// HolderAlive says whether the lock's holder may still run: a process on
// another host cannot be probed, so it counts as alive.
func HolderAlive(l storage.RecoveryLock) bool {
	host, _ := os.Hostname()
	return l.Host != host || proc.HolderAlive(l.PID, l.Since)
}

// claim is this process's lock for a run.
func (env *Env) claim(kind, runID string) storage.RecoveryLock {
	host, _ := os.Hostname()
	return storage.RecoveryLock{RunID: runID, Kind: kind, PID: os.Getpid(), Host: host,
		Operator: env.Operator, Since: env.now().UTC()}
}

// AcquireLock takes the recovery lock for a new run of kind (drill,
// failover). When another run holds it, it fails with a *LockHeldError
// naming the holder, unless the holder was a process on this host that no
// longer exists: then the lock is taken over and the takeover journaled.
func (env *Env) AcquireLock(ctx context.Context, kind, runID, site string) error {
	me := env.claim(kind, runID)
	for attempt := 0; attempt < 3; attempt++ {
		held, ok, err := env.Store.AcquireRecoveryLock(ctx, me)
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		if HolderAlive(held) {
			return &LockHeldError{Holder: held}
		}
		_, ok, err = env.takeOver(ctx, held, me, storage.JournalEntry{Action: kind, Site: site, Args: "run " + runID, RunID: runID,
			Detail: fmt.Sprintf("took over the recovery lock of %s %s (operator %s, pid %d on %s, since %s): that process no longer exists",
				held.Kind, held.RunID, held.Operator, held.PID, held.Host, held.Since.Format(time.RFC3339))})
		if err != nil || ok {
			return err
		}
		// Someone else took it over first; look again.
	}
	held, _, _ := env.Store.RecoveryLockHolder(ctx)
	return &LockHeldError{Holder: held}
}

// ReclaimLock takes the recovery lock for an existing run (a resume or an
// abort) whose holder, if any, was read with it: a live holder refuses, a
// dead one is taken over and the takeover journaled.
func (env *Env) ReclaimLock(ctx context.Context, kind, runID, site string, holder *storage.RecoveryLock, alive bool) error {
	if holder == nil {
		return env.AcquireLock(ctx, kind, runID, site)
	}
	if alive {
		return &LockHeldError{Holder: *holder}
	}
	held, ok, err := env.takeOver(ctx, *holder, env.claim(kind, runID), storage.JournalEntry{Action: kind, Site: site,
		Args: "--run " + runID, RunID: runID,
		Detail: fmt.Sprintf("took over the recovery lock of %s %s from pid %d on %s (operator %s): that process no longer exists",
			kind, runID, holder.PID, holder.Host, holder.Operator)})
	if err != nil {
		return err
	}
	if !ok {
		return &LockHeldError{Holder: held}
	}
	return nil
}

// takeOver replaces a dead holder's lock with me, atomically, and journals
// say when it did; ok is false (held the holder now) when someone else
// took it first.
func (env *Env) takeOver(ctx context.Context, dead, me storage.RecoveryLock, say storage.JournalEntry) (held storage.RecoveryLock, ok bool, err error) {
	held, ok, err = env.Store.TakeOverRecoveryLock(ctx, dead, me)
	if err == nil && ok {
		env.warn(ctx, say)
	}
	return held, ok, err
}

// ReleaseLock drops the lock of runID.
func (env *Env) ReleaseLock(runID string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = env.Store.ReleaseRecoveryLock(ctx, runID)
}
