package storage

import (
	"context"
	"database/sql"
)

// The recovery lock and the operation locks are rows with at most one
// holder; claiming and reading them go the same way, whatever the row.

// claimLock writes l as the holder in one immediate transaction, unless
// read finds a holder that keep keeps: then held is that holder and ok is
// what keep says the claim counts as.
func claimLock[L any](ctx context.Context, s *Store, l L,
	read func(context.Context, *sql.Tx) (L, bool, error), write func(context.Context, *sql.Tx, L) error,
	keep func(cur L) (kept, ok bool)) (held L, ok bool, err error) {
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		cur, exists, err := read(ctx, tx)
		if err != nil {
			return err
		}
		if exists {
			if kept, won := keep(cur); kept {
				held, ok = cur, won
				return nil
			}
		}
		if err := write(ctx, tx, l); err != nil {
			return err
		}
		held, ok = l, true
		return nil
	})
	return held, ok, err
}

// lockHolder reads a lock's holder in its own transaction.
func lockHolder[L any](ctx context.Context, s *Store, read func(context.Context, *sql.Tx) (L, bool, error)) (l L, ok bool, err error) {
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		l, ok, err = read(ctx, tx)
		return err
	})
	return l, ok, err
}
