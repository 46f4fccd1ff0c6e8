package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Invocation is one run of the restic binary, for the command log. Args is
// argv with secrets already removed by the caller.
type Invocation struct {
	ID       int64
	Time     time.Time
	Site     string
	Args     []string // nil when empty
	Duration time.Duration
	ExitCode int
	Error    string
}

// RecordInvocation appends inv to the command log. A zero Time means now.
func (s *Store) RecordInvocation(ctx context.Context, inv Invocation) error {
	args, err := encodeList(inv.Args)
	if err != nil {
		return fmt.Errorf("storage: record invocation: %w", err)
	}
	return execute(ctx, s.db, "record invocation", `
		INSERT INTO invocations (time, site, args, duration, exit_code, error)
		VALUES (?, ?, ?, ?, ?, ?)`,
		nanos(orNow(inv.Time)), inv.Site, args, int64(inv.Duration), inv.ExitCode, inv.Error)
}

// RecentInvocations returns up to limit invocations, the last to end first
// (a long command that just ended is the newest news); limit <= 0
// means all.
func (s *Store) RecentInvocations(ctx context.Context, limit int) ([]Invocation, error) {
	return queryAll(ctx, s.db, "read invocations", func(rows *sql.Rows) (Invocation, error) {
		var inv Invocation
		var t, d int64
		var args string
		if err := rows.Scan(&inv.ID, &t, &inv.Site, &args, &d, &inv.ExitCode, &inv.Error); err != nil {
			return inv, err
		}
		inv.Time, inv.Duration = fromNanos(t), time.Duration(d)
		var err error
		if inv.Args, err = decodeList(args); err != nil {
			return inv, fmt.Errorf("args of invocation %d: %w", inv.ID, err)
		}
		return inv, nil
	}, `
		SELECT id, time, site, args, duration, exit_code, error FROM invocations
		ORDER BY time + duration DESC, id DESC LIMIT ?`, limitClause(limit))
}

// PruneInvocations deletes all but the newest keep invocations (the same
// order RecentInvocations uses); keep 0 empties the log.
func (s *Store) PruneInvocations(ctx context.Context, keep int) error {
	if keep < 0 {
		return errors.New("storage: prune invocations: negative keep")
	}
	return execute(ctx, s.db, "prune invocations", `
		DELETE FROM invocations WHERE id NOT IN (
			SELECT id FROM invocations ORDER BY time + duration DESC, id DESC LIMIT ?)`, keep)
}
