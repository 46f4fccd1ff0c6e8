package storage

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Operation records one piece of work (backup, replicate, restore, ...):
// the console's "recent results", and how a new process spots work whose
// process died (state still running, PID gone).
type Operation struct {
	ID       int64
	Kind     string
	Site     string
	Set      string
	Started  time.Time
	Finished time.Time // zero while running
	State    string    // running, ok, warning, failed, cancelled, interrupted
	PID      int
	Host     string
	Files    int64
	Bytes    int64
	Detail   string
}

// StateRunning is the state of an operation between Start and Finish.
const StateRunning = "running"

const operationColumns = `id, kind, site, set_name, started, finished, state, pid, host, files, bytes, detail`

// StartOperation records op as running and returns its id. State is forced
// to "running" and a zero Started means now; Finished is ignored.
func (s *Store) StartOperation(ctx context.Context, op Operation) (int64, error) {
	res, err := s.db.ExecContext(ctx, `
		INSERT INTO operations (kind, site, set_name, started, finished, state, pid, host, files, bytes, detail)
		VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?)`,
		op.Kind, op.Site, op.Set, nanos(orNow(op.Started)), StateRunning, op.PID, op.Host, op.Files, op.Bytes, op.Detail)
	if err != nil {
		return 0, fmt.Errorf("storage: start operation %s: %w", op.Kind, err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("storage: start operation %s: %w", op.Kind, err)
	}
	return id, nil
}

// FinishOperation ends operation id now with a final state. Finishing an
// operation already marked (for example "interrupted" by another process)
// overwrites that mark: the process that did the work knows best.
func (s *Store) FinishOperation(ctx context.Context, id int64, state, detail string, files, bytes int64) error {
	if state == "" || state == StateRunning {
		return fmt.Errorf("storage: finish operation %d: invalid final state %q", id, state)
	}
	res, err := s.db.ExecContext(ctx, `
		UPDATE operations SET finished = ?, state = ?, detail = ?, files = ?, bytes = ?
		WHERE id = ?`,
		nanos(orNow(time.Time{})), state, detail, files, bytes, id)
	if err != nil {
		return fmt.Errorf("storage: finish operation %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("storage: finish operation %d: %w", id, err)
	}
	if n == 0 {
		return fmt.Errorf("storage: finish operation %d: no such operation", id)
	}
	return nil
}

// RecentOperations returns up to limit operations, newest first; limit <= 0
// means all.
func (s *Store) RecentOperations(ctx context.Context, limit int) ([]Operation, error) {
	return queryAll(ctx, s.db, "read recent operations", readOperation,
		`SELECT `+operationColumns+` FROM operations ORDER BY started DESC, id DESC LIMIT ?`, limitClause(limit))
}

// RunningOperations returns the operations still marked running, oldest
// first, whether or not their process is still alive.
func (s *Store) RunningOperations(ctx context.Context) ([]Operation, error) {
	return queryAll(ctx, s.db, "read running operations", readOperation,
		`SELECT `+operationColumns+` FROM operations WHERE state = ? ORDER BY started, id`, StateRunning)
}

// readOperation reads one row of operationColumns.
func readOperation(rows *sql.Rows) (Operation, error) {
	var op Operation
	var started, finished int64
	err := rows.Scan(&op.ID, &op.Kind, &op.Site, &op.Set, &started, &finished, &op.State,
		&op.PID, &op.Host, &op.Files, &op.Bytes, &op.Detail)
	op.Started, op.Finished = fromNanos(started), fromNanos(finished)
	return op, err
}
