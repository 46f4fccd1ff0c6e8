package storage

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// JournalEntry is one line of the operator journal: who did what, from
// where, and how it ended. It is the audit trail, so rows are only appended.
type JournalEntry struct {
	ID       int64
	Time     time.Time
	Operator string // "user@host"
	Origin   string // SSH origin IP from SSH_CLIENT, "" when local
	Action   string // backup, replicate, restore, forget, check, init, failover, ...
	Site     string
	Set      string
	Args     string // the command's arguments, secrets already removed by the caller
	Outcome  string // ok, warning, failed, cancelled, refused, interrupted
	Detail   string
}

// JournalQuery selects journal entries; zero fields do not filter.
type JournalQuery struct {
	Since  time.Time // entries at or after this time
	Limit  int       // at most this many, newest first
	Action string
	Site   string
}

// AppendJournal adds an entry and returns its id. A zero Time means now.
func (s *Store) AppendJournal(ctx context.Context, e JournalEntry) (int64, error) {
	res, err := s.db.ExecContext(ctx, `
		INSERT INTO journal (time, operator, origin, action, site, set_name, args, outcome, detail)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		nanos(orNow(e.Time)), e.Operator, e.Origin, e.Action, e.Site, e.Set, e.Args, e.Outcome, e.Detail)
	if err != nil {
		return 0, fmt.Errorf("storage: append journal: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("storage: append journal: %w", err)
	}
	return id, nil
}

// Journal returns matching entries, newest first.
func (s *Store) Journal(ctx context.Context, q JournalQuery) ([]JournalEntry, error) {
	var where []string
	var args []any
	if !q.Since.IsZero() {
		where = append(where, "time >= ?")
		args = append(args, nanos(q.Since))
	}
	if q.Action != "" {
		where = append(where, "action = ?")
		args = append(args, q.Action)
	}
	if q.Site != "" {
		where = append(where, "site = ?")
		args = append(args, q.Site)
	}
	query := `SELECT id, time, operator, origin, action, site, set_name, args, outcome, detail FROM journal`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	// id breaks ties so entries written in the same nanosecond keep their order.
	query += " ORDER BY time DESC, id DESC LIMIT ?"
	args = append(args, limitClause(q.Limit))

	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("storage: read journal: %w", err)
	}
	defer rows.Close()
	var out []JournalEntry
	for rows.Next() {
		var e JournalEntry
		var t int64
		if err := rows.Scan(&e.ID, &t, &e.Operator, &e.Origin, &e.Action, &e.Site, &e.Set,
			&e.Args, &e.Outcome, &e.Detail); err != nil {
			return nil, fmt.Errorf("storage: read journal: %w", err)
		}
		e.Time = fromNanos(t)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("storage: read journal: %w", err)
	}
	return out, nil
}
