package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/lifeboat-dr/lifeboat/engine/recovery"
	"github.com/lifeboat-dr/lifeboat/storage"
)

// Operation locks serialise one operation on one site across every process
// sharing the state store (the console, watch, cron, a shell). A holder
// refreshes its lease every opLockRenew; a holder on another host whose
// lease is older than opLockLease is taken to be dead, as is a holder on
// this host whose process is gone.
const (
	opLockRenew = 30 * time.Second
	opLockLease = 2 * time.Minute
	opLockPoll  = 250 * time.Millisecond
)

// ErrOperationLocked is wrapped by the error of an operation that stopped
// waiting for another process's operation lock.
var ErrOperationLocked = errors.New("the same operation is running in another process")

// OperationLockedError says who holds an operation lock that was waited
// for and not obtained (the wait was cancelled).
type OperationLockedError struct {
	Holder storage.OperationLock
	Cause  error
}

func (e *OperationLockedError) Error() string {
	if e.Cause == errNotWaiting {
		return fmt.Sprintf("%s; run it again when that one has ended", holderText(e.Holder))
	}
	return fmt.Sprintf("%s: gave up waiting: %v", holderText(e.Holder), e.Cause)
}

// errNotWaiting is the cause of a refusal by tryLockOperation.
var errNotWaiting = errors.New("not waiting")

// Unwrap lets errors.Is see both the lock and the cancellation.
func (e *OperationLockedError) Unwrap() []error { return []error{ErrOperationLocked, e.Cause} }

func holderText(h storage.OperationLock) string {
	return fmt.Sprintf("%s at site %s is running in another process (operator %s, pid %d on %s, since %s)",
		h.Operation, h.Site, h.Operator, h.PID, h.Host, h.Since.Local().Format(time.RFC3339))
}

// opLock is one held operation lock.
type opLock struct {
	e     *Engine
	l     storage.OperationLock
	stop  chan struct{}
	done  chan struct{}
	freed bool
}

// lockOperation waits until this process holds the lock of operation op at
// site, and returns it held; release it when done. It waits rather than
// refuses: a scheduled replication that meets a manual one should run
// after it (and then find nothing left to copy), not fail. While it waits
// it says once per holder, on obs as an EventInfo of evOp/set, who holds
// the lock. A dead holder is taken over and the takeover journaled. A
// cancelled ctx ends the wait with an *OperationLockedError.
func (e *Engine) lockOperation(ctx context.Context, site, op string, obs Observer, evOp, set string) (*opLock, error) {
	return e.takeOperationLock(ctx, site, op, obs, evOp, set, true)
}

// tryLockOperation is lockOperation that refuses, naming the holder, when
// a live holder has the lock: for a short command run by hand (unlock),
// where a silent wait would look like a hang.
func (e *Engine) tryLockOperation(ctx context.Context, site, op, evOp string) (*opLock, error) {
	return e.takeOperationLock(ctx, site, op, nil, evOp, "", false)
}

func (e *Engine) takeOperationLock(ctx context.Context, site, op string, obs Observer, evOp, set string, wait bool) (*opLock, error) {
	host, _ := os.Hostname()
	me := storage.OperationLock{Site: site, Operation: op, Token: recovery.NewRunID(e.now()), PID: os.Getpid(), Host: host,
		Operator: e.operator.String()}
	var told string
	for {
		me.Since = e.now().UTC()
		me.Renewed = me.Since
		held, ok, err := e.store.AcquireOperationLock(ctx, me)
		if err != nil {
			return nil, err
		}
		if !ok {
			if why := deadHolder(held, host, e.now()); why != "" {
				if _, ok, err = e.store.TakeOverOperationLock(ctx, held, me); err != nil {
					return nil, err
				}
				if ok {
					_ = e.Journal(context.WithoutCancel(ctx), evOp, site, set, "", OutcomeWarning,
						fmt.Sprintf("took over the %s lock of site %s from operator %s (pid %d on %s, since %s): %s",
							op, site, held.Operator, held.PID, held.Host, held.Since.Format(time.RFC3339), why))
				}
			}
		}
		if ok {
			l := &opLock{e: e, l: me, stop: make(chan struct{}), done: make(chan struct{})}
			go l.renew()
			return l, nil
		}
		if !wait {
			return nil, &OperationLockedError{Holder: held, Cause: errNotWaiting}
		}
		if held.Token != told {
			told = held.Token
			obs.emit(Event{Op: evOp, Site: site, Set: set, Kind: EventInfo,
				Message: "waiting: " + holderText(held)})
		}
		t := time.NewTimer(opLockPoll)
		select {
		case <-ctx.Done():
			t.Stop()
			// A run cancelled while it waited is journaled like any other.
			_ = e.Journal(context.WithoutCancel(ctx), evOp, site, set, "", OutcomeCancelled,
				"cancelled while waiting: "+holderText(held))
			return nil, &OperationLockedError{Holder: held, Cause: ctx.Err()}
		case <-t.C:
		}
	}
}

// deadHolder says why holder h can be taken over, or "" when it may still
// be running.
//
// On this host the process itself answers: one that is alive keeps its
// lock however old its lease (a stopped or suspended process resumes
// mid-copy, and a second copy would duplicate snapshots). The lease only
// speaks for a holder on another host.
func deadHolder(h storage.OperationLock, host string, now time.Time) string {
	switch {
	case h.Host == host && !holderAlive(h.PID, h.Since):
		return "that process no longer exists"
	case h.Host == host:
		return ""
	case now.Sub(h.Renewed) > opLockLease:
		return fmt.Sprintf("its lease ran out (last renewed %s, leases last %s)", h.Renewed.Format(time.RFC3339), opLockLease)
	}
	return ""
}

func (l *opLock) renew() {
	defer close(l.done)
	t := time.NewTicker(opLockRenew)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), opLockRenew)
			ok, err := l.e.store.RenewOperationLock(ctx, l.l.Site, l.l.Operation, l.l.Token, l.e.now())
			cancel()
			if err == nil && !ok {
				// Taken over after a lapsed lease: nothing more to renew.
				_ = l.e.Journal(context.Background(), l.l.Operation, l.l.Site, "", "", OutcomeWarning,
					fmt.Sprintf("the %s lock of site %s was taken over by another process while pid %d still ran", l.l.Operation, l.l.Site, l.l.PID))
				return
			}
		}
	}
}

// release drops the lock; releasing twice does nothing.
func (l *opLock) release() {
	if l == nil || l.freed {
		return
	}
	l.freed = true
	close(l.stop)
	<-l.done
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = l.e.store.ReleaseOperationLock(ctx, l.l.Site, l.l.Operation, l.l.Token)
}

// lockOperations takes the lock of op at each site, in name order so two
// processes locking overlapping sites cannot deadlock. On error none is held.
func (e *Engine) lockOperations(ctx context.Context, sites []string, op string, obs Observer, evOp string) (func(), error) {
	sorted := append([]string(nil), sites...)
	sort.Strings(sorted)
	var held []*opLock
	releaseAll := func() {
		for i := len(held) - 1; i >= 0; i-- {
			held[i].release()
		}
	}
	for i, s := range sorted {
		if i > 0 && s == sorted[i-1] {
			continue
		}
		l, err := e.lockOperation(ctx, s, op, obs, evOp, "")
		if err != nil {
			releaseAll()
			return nil, err
		}
		held = append(held, l)
	}
	return releaseAll, nil
}
