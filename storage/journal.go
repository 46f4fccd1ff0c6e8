package storage

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
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
	// RunID names the drill or failover run the entry belongs to, and
	// ReportSHA256 the hash of the report it stored (the entry that ends a
	// run): `journal --verify` checks each report against it.
	RunID        string
	ReportSHA256 string
	// Bastion is "" for an entry written here, else the bastion whose
	// ledger it came from; LedgerID is then that ledger record's id.
	Bastion  string
	LedgerID string
}

// JournalQuery selects journal entries; zero fields do not filter.
type JournalQuery struct {
	Since  time.Time // entries at or after this time
	Limit  int       // at most this many, newest first
	Action string
	Site   string
	RunID  string
}

// AppendJournal adds an entry and returns its id. A zero Time means now.
// Each entry is chained to the one before it: its hash covers its fields
// and the previous entry's hash, so an edited, inserted or removed entry
// shows in VerifyJournal. The transaction is IMMEDIATE (see dsnParams), so
// two processes appending at once still form one chain.
func (s *Store) AppendJournal(ctx context.Context, e JournalEntry) (int64, error) {
	e.Time = orNow(e.Time)
	var id int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		prev, err := lastJournalHash(ctx, tx)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `
			INSERT INTO journal (time, operator, origin, action, site, set_name, args, outcome, detail, run_id, report_sha256, prev_hash, hash, bastion, ledger_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			nanos(e.Time), e.Operator, e.Origin, e.Action, e.Site, e.Set, e.Args, e.Outcome, e.Detail,
			e.RunID, e.ReportSHA256, prev, journalHash(prev, e), e.Bastion, e.LedgerID)
		if err != nil {
			return err
		}
		id, err = res.LastInsertId()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("storage: append journal: %w", err)
	}
	return id, nil
}

func lastJournalHash(ctx context.Context, tx *sql.Tx) (string, error) {
	var h string
	err := tx.QueryRowContext(ctx, `SELECT hash FROM journal ORDER BY id DESC LIMIT 1`).Scan(&h)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return h, err
}

// journalHash is the sha256 of an entry's canonical JSON, which includes
// the previous entry's hash.
func journalHash(prev string, e JournalEntry) string {
	fields := []any{prev, nanos(e.Time), e.Operator, e.Origin, e.Action, e.Site, e.Set, e.Args,
		e.Outcome, e.Detail, e.RunID, e.ReportSHA256}
	if e.Bastion != "" {
		// Entries written here hash as they always did.
		fields = append(fields, e.Bastion, e.LedgerID)
	}
	b, _ := json.Marshal(fields)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// JournalBreak is one place where the journal's chain does not hold.
type JournalBreak struct {
	ID      int64     `json:"id"`
	Time    time.Time `json:"time"`
	Problem string    `json:"problem"`
}

// VerifyJournal follows the journal's hash chain from the oldest entry and
// names every entry that was changed, or whose predecessor was changed or
// removed. Entries written before the chain existed (schema 5 and older)
// carry no hash; they are counted apart and not judged.
func (s *Store) VerifyJournal(ctx context.Context) (chained, unchained int, breaks []JournalBreak, err error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, time, operator, origin, action, site, set_name, args, outcome, detail,
		run_id, report_sha256, prev_hash, hash, bastion, ledger_id FROM journal ORDER BY id`)
	if err != nil {
		return 0, 0, nil, fmt.Errorf("storage: verify journal: %w", err)
	}
	defer rows.Close()
	prev, started := "", false
	for rows.Next() {
		var e JournalEntry
		var t int64
		var prevHash, hash string
		if err := rows.Scan(&e.ID, &t, &e.Operator, &e.Origin, &e.Action, &e.Site, &e.Set, &e.Args, &e.Outcome,
			&e.Detail, &e.RunID, &e.ReportSHA256, &prevHash, &hash, &e.Bastion, &e.LedgerID); err != nil {
			return 0, 0, nil, fmt.Errorf("storage: verify journal: %w", err)
		}
		e.Time = fromNanos(t)
		if hash == "" && !started {
			unchained++
			continue
		}
		started = true
		chained++
		switch {
		case hash == "":
			breaks = append(breaks, JournalBreak{e.ID, e.Time, "the entry has no hash: it was written outside lifeboat"})
		case journalHash(prevHash, e) != hash:
			breaks = append(breaks, JournalBreak{e.ID, e.Time, "the entry was changed after it was written (its hash no longer matches)"})
		case prevHash != prev:
			breaks = append(breaks, JournalBreak{e.ID, e.Time, "the entry before it is missing or was changed (its link does not match)"})
		}
		prev = hash
	}
	if err := rows.Err(); err != nil {
		return 0, 0, nil, fmt.Errorf("storage: verify journal: %w", err)
	}
	return chained, unchained, breaks, nil
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
	if q.RunID != "" {
		where = append(where, "run_id = ?")
		args = append(args, q.RunID)
	}
	query := `SELECT id, time, operator, origin, action, site, set_name, args, outcome, detail, run_id, report_sha256, bastion FROM journal`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	// id breaks ties so entries written in the same nanosecond keep their order.
	query += " ORDER BY time DESC, id DESC LIMIT ?"
	args = append(args, limitClause(q.Limit))

	return queryAll(ctx, s.db, "read journal", func(rows *sql.Rows) (JournalEntry, error) {
		var e JournalEntry
		var t int64
		err := rows.Scan(&e.ID, &t, &e.Operator, &e.Origin, &e.Action, &e.Site, &e.Set,
			&e.Args, &e.Outcome, &e.Detail, &e.RunID, &e.ReportSHA256, &e.Bastion)
		e.Time = fromNanos(t)
		return e, err
	}, query, args...)
}

// JournalRecordsReport says whether a journal entry recorded the report of
// run runID with this sha256 (the entry that ended the run).
func (s *Store) JournalRecordsReport(ctx context.Context, runID, sha string) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM journal WHERE run_id = ? AND report_sha256 = ?`, runID, sha).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("storage: look up the journal entry of report %s: %w", runID, err)
	}
	return n > 0, nil
}

// JournalChainStart is the time of the first chained journal entry: reports
// finished before it were written before the journal recorded reports.
// ok is false when no entry is chained yet.
func (s *Store) JournalChainStart(ctx context.Context) (t time.Time, ok bool, err error) {
	var n int64
	ok, err = found(s.db.QueryRowContext(ctx, `SELECT time FROM journal WHERE hash != '' ORDER BY id LIMIT 1`).Scan(&n),
		"read the start of the journal chain")
	if !ok {
		return time.Time{}, false, err
	}
	return fromNanos(n), true, nil
}

// JournalHasLedgerRecord says whether the journal entry of a ledger record
// was already imported.
func (s *Store) JournalHasLedgerRecord(ctx context.Context, id string) (bool, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM journal WHERE ledger_id = ?`, id).Scan(&n); err != nil {
		return false, fmt.Errorf("storage: look up journal entry of ledger record %s: %w", id, err)
	}
	return n > 0, nil
}
