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

// Lease is how long a holder's claim on the recovery lock lasts without a
// renewal; a running holder renews it every Lease/3. A holder on another
// host whose lease ran out is taken for dead.
const Lease = 2 * time.Minute

// HolderAlive says whether the lock's holder may still run. A process on
// this host is looked for; one on another host cannot be probed, so it
// counts as alive while its lease lasts (always, for a lock taken before
// leases existed).
func HolderAlive(l storage.RecoveryLock) bool {
	host, _ := os.Hostname()
	if l.Host == host {
		return proc.HolderAlive(l.PID, l.Since)
	}
	return l.LeaseUntil.IsZero() || time.Now().Before(l.LeaseUntil)
}

// LockChange is a change of the recovery lock, as the ledger records it.
type LockChange struct {
	storage.RecoveryLock
	Renewed  bool // the lease moved on; the holder is the same
	Released bool
}

// claim is this process's lock for a run.
func (env *Env) claim(kind, runID string) storage.RecoveryLock {
	host, _ := os.Hostname()
	now := env.now().UTC()
	return storage.RecoveryLock{RunID: runID, Kind: kind, PID: os.Getpid(), Host: host,
		Operator: env.Operator, Since: now, LeaseUntil: now.Add(Lease)}
}

// KeepLease renews this process's lease on runID's lock until stop is
// called, telling the ledger each time.
func (env *Env) KeepLease(runID string) (stop func()) {
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(Lease / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			until := env.now().UTC().Add(Lease)
			if ok, err := env.Store.RenewRecoveryLease(ctx, runID, os.Getpid(), until); err == nil && ok {
				if l, held, err := env.Store.RecoveryLockHolder(ctx); err == nil && held && l.RunID == runID {
					env.record(ctx, l.Kind, LockChange{RecoveryLock: l, Renewed: true})
				}
			}
			cancel()
		}
	}()
	return func() { close(done) }
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
			env.record(ctx, kind, LockChange{RecoveryLock: me})
			return nil
		}
		if HolderAlive(held) {
			return &LockHeldError{Holder: held}
		}
		_, ok, err = env.takeOver(ctx, held, me, storage.JournalEntry{Action: kind, Site: site, Args: "run " + runID, RunID: runID,
			Detail: fmt.Sprintf("took over the recovery lock of %s %s (operator %s, pid %d on %s, since %s): %s",
				held.Kind, held.RunID, held.Operator, held.PID, held.Host, held.Since.Format(time.RFC3339), whyDead(held))})
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
		Detail: fmt.Sprintf("took over the recovery lock of %s %s from pid %d on %s (operator %s): %s",
			kind, runID, holder.PID, holder.Host, holder.Operator, whyDead(*holder))})
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
		env.record(ctx, me.Kind, LockChange{RecoveryLock: me})
	}
	return held, ok, err
}

// ReleaseLock drops the lock of runID.
func (env *Env) ReleaseLock(runID string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	held, ok, _ := env.Store.RecoveryLockHolder(ctx)
	if err := env.Store.ReleaseRecoveryLock(ctx, runID); err == nil && ok && held.RunID == runID {
		env.record(ctx, held.Kind, LockChange{RecoveryLock: held, Released: true})
	}
}

// whyDead says why a holder counts as dead, for the journal.
func whyDead(l storage.RecoveryLock) string {
	if host, _ := os.Hostname(); l.Host != host {
		return "its lease ran out at " + l.LeaseUntil.Format(time.RFC3339) + " and it did not renew it"
	}
	return "that process no longer exists"
}
