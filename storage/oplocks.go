package storage

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// OperationLock says which process runs an operation on a site. There is
// at most one per (Site, Operation), across every process sharing the
// state store.
type OperationLock struct {
	Site      string
	Operation string
	Token     string // this acquisition; tells a holder from its successor
	PID       int
	Host      string
	Operator  string
	Since     time.Time
	Renewed   time.Time // the holder's last lease refresh
}

func readOperationLock(ctx context.Context, tx *sql.Tx, site, op string) (OperationLock, bool, error) {
	l := OperationLock{Site: site, Operation: op}
	var since, renewed int64
	ok, err := rowFound(tx.QueryRowContext(ctx, `SELECT token, pid, host, operator, since, renewed FROM operation_locks
		WHERE site = ? AND operation = ?`, site, op).
		Scan(&l.Token, &l.PID, &l.Host, &l.Operator, &since, &renewed))
	if !ok {
		return OperationLock{}, false, err
	}
	l.Since, l.Renewed = fromNanos(since), fromNanos(renewed)
	return l, true, nil
}

// operationLockOf reads the lock of (site, op) as claimLock and lockHolder do.
func operationLockOf(site, op string) func(context.Context, *sql.Tx) (OperationLock, bool, error) {
	return func(ctx context.Context, tx *sql.Tx) (OperationLock, bool, error) {
		return readOperationLock(ctx, tx, site, op)
	}
}

func writeOperationLock(ctx context.Context, tx *sql.Tx, l OperationLock) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO operation_locks (site, operation, token, pid, host, operator, since, renewed)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (site, operation) DO UPDATE SET token = excluded.token, pid = excluded.pid, host = excluded.host,
			operator = excluded.operator, since = excluded.since, renewed = excluded.renewed`,
		l.Site, l.Operation, l.Token, l.PID, l.Host, l.Operator, nanos(l.Since), nanos(l.Renewed))
	return err
}

func checkOperationLock(l OperationLock) error {
	if l.Site == "" || l.Operation == "" || l.Token == "" {
		return fmt.Errorf("site %q, operation %q, token %q: none may be empty", l.Site, l.Operation, l.Token)
	}
	return nil
}

// AcquireOperationLock takes the lock (l.Site, l.Operation) for l when
// nobody holds it, in one immediate transaction. ok is false when another
// acquisition holds it; held is then that holder. Acquiring again with the
// same token succeeds.
func (s *Store) AcquireOperationLock(ctx context.Context, l OperationLock) (held OperationLock, ok bool, err error) {
	return s.claimOperationLock(ctx, l, "acquire", func(OperationLock) bool { return false })
}

// TakeOverOperationLock replaces old's lock with l, atomically: ok is false
// (and held the current holder) when the lock is no longer old's, so two
// processes taking over the same dead holder cannot both win.
func (s *Store) TakeOverOperationLock(ctx context.Context, old, l OperationLock) (held OperationLock, ok bool, err error) {
	return s.claimOperationLock(ctx, l, "take over", func(cur OperationLock) bool { return cur.Token == old.Token })
}

// claimOperationLock writes l in one immediate transaction when the lock
// is free or replace accepts its current holder; otherwise held is that
// holder, and ok says whether it is l's own acquisition.
func (s *Store) claimOperationLock(ctx context.Context, l OperationLock, verb string, replace func(cur OperationLock) bool) (held OperationLock, ok bool, err error) {
	if err := checkOperationLock(l); err != nil {
		return OperationLock{}, false, fmt.Errorf("storage: %s operation lock: %w", verb, err)
	}
	l.Since = orNow(l.Since)
	if l.Renewed.IsZero() {
		l.Renewed = l.Since
	}
	l.Renewed = l.Renewed.UTC()
	held, ok, err = claimLock(ctx, s, l, operationLockOf(l.Site, l.Operation), writeOperationLock,
		func(cur OperationLock) (kept, ok bool) { return !replace(cur), cur.Token == l.Token })
	if err != nil {
		return OperationLock{}, false, fmt.Errorf("storage: %s %s lock of site %s: %w", verb, l.Operation, l.Site, err)
	}
	return held, ok, nil
}

// RenewOperationLock refreshes the lease of the acquisition token; ok is
// false when the lock is no longer token's (it was taken over).
func (s *Store) RenewOperationLock(ctx context.Context, site, op, token string, at time.Time) (ok bool, err error) {
	res, err := s.db.ExecContext(ctx, `UPDATE operation_locks SET renewed = ? WHERE site = ? AND operation = ? AND token = ?`,
		nanos(orNow(at)), site, op, token)
	if err != nil {
		return false, fmt.Errorf("storage: renew %s lock of site %s: %w", op, site, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("storage: renew %s lock of site %s: %w", op, site, err)
	}
	return n == 1, nil
}

// ReleaseOperationLock drops the lock if token holds it; releasing a lock
// held by another acquisition (or none) does nothing.
func (s *Store) ReleaseOperationLock(ctx context.Context, site, op, token string) error {
	return execute(ctx, s.db, "release "+op+" lock of site "+site,
		`DELETE FROM operation_locks WHERE site = ? AND operation = ? AND token = ?`, site, op, token)
}

// OperationLockHolder returns the holder of (site, op), if any.
func (s *Store) OperationLockHolder(ctx context.Context, site, op string) (OperationLock, bool, error) {
	l, ok, err := lockHolder(ctx, s, operationLockOf(site, op))
	if err != nil {
		return OperationLock{}, false, fmt.Errorf("storage: read %s lock of site %s: %w", op, site, err)
	}
	return l, ok, nil
}

// SetPrunePending records that site owes a prune: a forget removed
// snapshots and their data is not yet pruned. Setting it again keeps the
// first time.
func (s *Store) SetPrunePending(ctx context.Context, site string, since time.Time, detail string) error {
	return execute(ctx, s.db, "record prune pending at site "+site, `INSERT INTO prune_pending (site, since, detail) VALUES (?, ?, ?)
		ON CONFLICT (site) DO UPDATE SET detail = excluded.detail`, site, nanos(orNow(since)), detail)
}

// PrunePending says whether site owes a prune, since when and why.
func (s *Store) PrunePending(ctx context.Context, site string) (since time.Time, detail string, ok bool, err error) {
	var n int64
	ok, err = found(s.db.QueryRowContext(ctx, `SELECT since, detail FROM prune_pending WHERE site = ?`, site).Scan(&n, &detail),
		"read prune pending at site "+site)
	if !ok {
		return time.Time{}, "", false, err
	}
	return fromNanos(n), detail, true, nil
}

// ClearPrunePending records that site's prune finished.
func (s *Store) ClearPrunePending(ctx context.Context, site string) error {
	return execute(ctx, s.db, "clear prune pending at site "+site, `DELETE FROM prune_pending WHERE site = ?`, site)
}

// OperationLocks lists every operation lock held now, by site and operation.
func (s *Store) OperationLocks(ctx context.Context) ([]OperationLock, error) {
	return queryAll(ctx, s.db, "read operation locks", func(rows *sql.Rows) (OperationLock, error) {
		var l OperationLock
		var since, renewed int64
		err := rows.Scan(&l.Site, &l.Operation, &l.Token, &l.PID, &l.Host, &l.Operator, &since, &renewed)
		l.Since, l.Renewed = fromNanos(since), fromNanos(renewed)
		return l, err
	}, `SELECT site, operation, token, pid, host, operator, since, renewed
		FROM operation_locks ORDER BY site, operation`)
}
