package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// RunbookStep is the stored row of one step of a runbook (a drill or a
// failover). Status is the step state as text; its words belong to
// internal/dr, and the engine maps rows to and from them.
type RunbookStep struct {
	RunID     string
	Index     int
	Name      string
	Status    string
	Started   time.Time
	Finished  time.Time
	Detail    string
	HumanWait time.Duration // time spent waiting on a person, apart from machine time
}

// SaveStep inserts or replaces the step (RunID, Index).
func (s *Store) SaveStep(ctx context.Context, st RunbookStep) error {
	if st.RunID == "" {
		return errors.New("storage: save step: empty run id")
	}
	if st.Status == "" {
		return fmt.Errorf("storage: save step %d of %s: empty status", st.Index, st.RunID)
	}
	_, err := s.db.ExecContext(ctx, `
		INSERT INTO runbook_steps (run_id, idx, name, status, started, finished, detail, human_wait_ns)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (run_id, idx) DO UPDATE SET name = excluded.name, status = excluded.status,
			started = excluded.started, finished = excluded.finished, detail = excluded.detail,
			human_wait_ns = excluded.human_wait_ns`,
		st.RunID, st.Index, st.Name, st.Status, nanos(st.Started), nanos(st.Finished), st.Detail, int64(st.HumanWait))
	if err != nil {
		return fmt.Errorf("storage: save step %d of %s: %w", st.Index, st.RunID, err)
	}
	return nil
}

// Steps returns the steps of a run in order.
func (s *Store) Steps(ctx context.Context, runID string) ([]RunbookStep, error) {
	rows, err := s.db.QueryContext(ctx, `
		SELECT run_id, idx, name, status, started, finished, detail, human_wait_ns
		FROM runbook_steps WHERE run_id = ? ORDER BY idx`, runID)
	if err != nil {
		return nil, fmt.Errorf("storage: read steps of %s: %w", runID, err)
	}
	defer rows.Close()
	var out []RunbookStep
	for rows.Next() {
		var st RunbookStep
		var started, finished, wait int64
		if err := rows.Scan(&st.RunID, &st.Index, &st.Name, &st.Status, &started, &finished, &st.Detail, &wait); err != nil {
			return nil, fmt.Errorf("storage: read steps of %s: %w", runID, err)
		}
		st.Started, st.Finished, st.HumanWait = fromNanos(started), fromNanos(finished), time.Duration(wait)
		out = append(out, st)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("storage: read steps of %s: %w", runID, err)
	}
	return out, nil
}

// RecoveryLock says which drill or failover holds the right to run. There
// is at most one.
type RecoveryLock struct {
	RunID    string
	Kind     string // drill, failover
	PID      int
	Host     string
	Operator string
	Since    time.Time
	// LeaseUntil is when the holder's lease runs out unless it refreshes
	// it; zero for a lock taken before leases existed.
	LeaseUntil time.Time
}

func readLock(ctx context.Context, tx *sql.Tx) (RecoveryLock, bool, error) {
	var l RecoveryLock
	var since, lease int64
	ok, err := rowFound(tx.QueryRowContext(ctx, `SELECT run_id, kind, pid, host, operator, since, lease_until FROM recovery_lock WHERE one = 1`).
		Scan(&l.RunID, &l.Kind, &l.PID, &l.Host, &l.Operator, &since, &lease))
	if !ok {
		return RecoveryLock{}, false, err
	}
	l.Since, l.LeaseUntil = fromNanos(since), fromNanos(lease)
	return l, true, nil
}

// AcquireRecoveryLock takes the lock for l when nobody holds it, in one
// immediate transaction. ok is false when another run holds it; held is
// then that holder. Acquiring a lock the same run already holds succeeds.
func (s *Store) AcquireRecoveryLock(ctx context.Context, l RecoveryLock) (held RecoveryLock, ok bool, err error) {
	if l.RunID == "" {
		return RecoveryLock{}, false, errors.New("storage: acquire recovery lock: empty run id")
	}
	return s.claimRecoveryLock(ctx, "acquire", l, func(cur RecoveryLock) (kept, ok bool) {
		return true, cur.RunID == l.RunID
	})
}

// claimRecoveryLock writes l as the lock's holder in one transaction,
// unless a current holder is kept: keep says whether cur stays, and if so
// whether the claim counts as won (ok) all the same.
func (s *Store) claimRecoveryLock(ctx context.Context, verb string, l RecoveryLock, keep func(cur RecoveryLock) (kept, ok bool)) (held RecoveryLock, ok bool, err error) {
	l.Since = orNow(l.Since)
	held, ok, err = claimLock(ctx, s, l, readLock, putLock, keep)
	if err != nil {
		return RecoveryLock{}, false, fmt.Errorf("storage: %s recovery lock: %w", verb, err)
	}
	return held, ok, nil
}

// RecoveryLockHolder returns the current holder, if any.
func (s *Store) RecoveryLockHolder(ctx context.Context) (RecoveryLock, bool, error) {
	l, ok, err := lockHolder(ctx, s, readLock)
	if err != nil {
		return RecoveryLock{}, false, fmt.Errorf("storage: read recovery lock: %w", err)
	}
	return l, ok, nil
}

// ReleaseRecoveryLock drops the lock if runID holds it; releasing a lock
// held by another run (or none) does nothing.
func (s *Store) ReleaseRecoveryLock(ctx context.Context, runID string) error {
	return execute(ctx, s.db, "release recovery lock of "+runID, `DELETE FROM recovery_lock WHERE run_id = ?`, runID)
}

// TakeOverRecoveryLock replaces old's lock with l, atomically: ok is false
// (and held the current holder) when the lock is no longer old's, so two
// processes taking over the same dead holder cannot both win.
func (s *Store) TakeOverRecoveryLock(ctx context.Context, old, l RecoveryLock) (held RecoveryLock, ok bool, err error) {
	return s.claimRecoveryLock(ctx, "take over", l, func(cur RecoveryLock) (kept, ok bool) {
		return cur.RunID != old.RunID || cur.PID != old.PID || cur.Host != old.Host, false
	})
}

func putLock(ctx context.Context, tx *sql.Tx, l RecoveryLock) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO recovery_lock (one, run_id, kind, pid, host, operator, since, lease_until)
		VALUES (1, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (one) DO UPDATE SET run_id = excluded.run_id, kind = excluded.kind, pid = excluded.pid,
			host = excluded.host, operator = excluded.operator, since = excluded.since, lease_until = excluded.lease_until`,
		l.RunID, l.Kind, l.PID, l.Host, l.Operator, nanos(l.Since), nanos(l.LeaseUntil))
	return err
}

// RenewRecoveryLease moves the lease of runID's lock (held by pid) to
// until; it reports whether that lock is still there to renew.
func (s *Store) RenewRecoveryLease(ctx context.Context, runID string, pid int, until time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE recovery_lock SET lease_until = ? WHERE run_id = ? AND pid = ?`, nanos(until), runID, pid)
	if err != nil {
		return false, fmt.Errorf("storage: renew the recovery lease of %s: %w", runID, err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// AdoptRecoveryLock records a lock that the ledger says a process on
// another bastion holds (or held): l replaces the lock only when none is
// held or the one held belongs to the same run, so that a takeover here is
// never undone by an older record.
func (s *Store) AdoptRecoveryLock(ctx context.Context, l RecoveryLock) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		cur, exists, err := readLock(ctx, tx)
		if err != nil {
			return err
		}
		if exists && cur.RunID != l.RunID {
			return nil
		}
		if err := putLock(ctx, tx, l); err != nil {
			return fmt.Errorf("storage: adopt recovery lock of %s: %w", l.RunID, err)
		}
		return nil
	})
}
