package storage

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"
)

// FailoverRun is the stored row of one failover: who started it, where
// to, its state as text (the words belong to internal/dr), and what its
// steps decided (Data, JSON owned by the engine).
type FailoverRun struct {
	RunID    string
	From     string
	To       string
	Mode     string // planned, unplanned
	State    string
	Declared time.Time
	Updated  time.Time
	Operator string
	Data     string
}

// SaveFailover inserts or updates a run.
func (s *Store) SaveFailover(ctx context.Context, r FailoverRun) error {
	if r.RunID == "" || r.To == "" {
		return errors.New("storage: save failover: run id and target site are required")
	}
	return execute(ctx, s.db, "save failover "+r.RunID, `
		INSERT INTO failovers (run_id, from_site, to_site, mode, state, declared, updated, operator, data_json)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (run_id) DO UPDATE SET state = excluded.state, updated = excluded.updated,
			data_json = excluded.data_json`,
		r.RunID, r.From, r.To, r.Mode, r.State, nanos(orNow(r.Declared)), nanos(orNow(r.Updated)), r.Operator, r.Data)
}

const failoverColumns = `run_id, from_site, to_site, mode, state, declared, updated, operator, data_json`

// readFailover reads one row of failoverColumns.
func readFailover(rows *sql.Rows) (FailoverRun, error) {
	var r FailoverRun
	var declared, updated int64
	err := rows.Scan(&r.RunID, &r.From, &r.To, &r.Mode, &r.State, &declared, &updated, &r.Operator, &r.Data)
	r.Declared, r.Updated = fromNanos(declared), fromNanos(updated)
	return r, err
}

// Failover returns one run.
func (s *Store) Failover(ctx context.Context, runID string) (FailoverRun, bool, error) {
	out, err := queryAll(ctx, s.db, "read failover "+runID, readFailover,
		`SELECT `+failoverColumns+` FROM failovers WHERE run_id = ?`, runID)
	if err != nil {
		return FailoverRun{}, false, err
	}
	if len(out) == 0 {
		return FailoverRun{}, false, nil
	}
	return out[0], true, nil
}

// NewestFailoverIn returns the newest run (by declaration) whose state is
// one of states: the engine asks for the unfinished ones.
func (s *Store) NewestFailoverIn(ctx context.Context, states ...string) (FailoverRun, bool, error) {
	if len(states) == 0 {
		return FailoverRun{}, false, nil
	}
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(states)), ", ")
	args := make([]any, len(states))
	for i, st := range states {
		args[i] = st
	}
	out, err := queryAll(ctx, s.db, "read unfinished failover", readFailover, `SELECT `+failoverColumns+` FROM failovers
		WHERE state IN (`+marks+`) ORDER BY declared DESC LIMIT 1`, args...)
	if err != nil {
		return FailoverRun{}, false, err
	}
	if len(out) == 0 {
		return FailoverRun{}, false, nil
	}
	return out[0], true, nil
}
