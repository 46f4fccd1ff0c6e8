package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"modernc.org/sqlite" // registers the "sqlite" driver (pure Go, no cgo)
	sqlite3 "modernc.org/sqlite/lib"
)

// FileName is the name of the state file inside the state directory.
const FileName = "lifeboat.db"

// dsnParams: busy_timeout comes first so the WAL switch and everything after
// it wait for other processes instead of failing with SQLITE_BUSY;
// _txlock=immediate takes the write lock at BEGIN, so a transaction never has
// to upgrade a read lock (which SQLite refuses without waiting). cache_size
// (16 MiB, a cap, not an allocation) keeps a few sites' catalogs in memory;
// the 2 MiB default re-reads pages from disk on every catalog read.
const dsnParams = "?_pragma=busy_timeout(10000)" +
	"&_pragma=journal_mode(WAL)" +
	"&_pragma=foreign_keys(1)" +
	"&_pragma=synchronous(NORMAL)" +
	"&_pragma=cache_size(-16384)" +
	"&_txlock=immediate"

// Store is an open state file. It is safe for concurrent use by several
// goroutines, and several processes may open the same file.
type Store struct {
	db   *sql.DB
	path string
}

// Open creates dir (0700) if missing, opens dir/lifeboat.db and brings its
// schema up to date.
func Open(dir string) (*Store, error) {
	if dir == "" {
		return nil, errors.New("storage: open: empty state directory")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("storage: create state directory %s: %w", dir, err)
	}
	path, err := filepath.Abs(filepath.Join(dir, FileName))
	if err != nil {
		return nil, fmt.Errorf("storage: open %s: %w", dir, err)
	}
	if err := precreate(path); err != nil {
		return nil, fmt.Errorf("storage: open state file %s: %w", path, err)
	}

	db, err := sql.Open("sqlite", dsn(path))
	if err != nil {
		return nil, fmt.Errorf("storage: open state file %s: %w", path, err)
	}
	s := &Store{db: db, path: path}
	if err := s.setup(context.Background()); err != nil {
		db.Close()
		var newer *NewerSchemaError
		if errors.As(err, &newer) {
			return nil, err
		}
		return nil, fmt.Errorf("storage: open state file %s: %w", path, err)
	}
	return s, nil
}

// setupWait bounds how long Open keeps retrying a file another process is
// setting up; it matches the busy timeout.
const setupWait = 10 * time.Second

// setup connects (running the DSN pragmas) and migrates. While two processes
// open a fresh file at once, SQLite can report SQLITE_BUSY from the switch to
// WAL without calling the busy handler, so setup retries that, briefly and
// only that; once the file is in WAL mode the switch is a no-op.
func (s *Store) setup(ctx context.Context) error {
	deadline := time.Now().Add(setupWait)
	for {
		// Ping first: a file that is not a database, or cannot be opened,
		// fails here in SQLite's own words.
		err := s.db.PingContext(ctx)
		if err == nil {
			err = s.migrate(ctx)
		}
		if err == nil || !isBusy(err) || time.Now().After(deadline) {
			return err
		}
		// Jitter so two processes do not retry in lockstep.
		time.Sleep(time.Duration(5+rand.IntN(20)) * time.Millisecond)
	}
}

// isBusy reports whether err is SQLite's "database is locked" (or a
// same-process table lock), the only errors worth retrying.
func isBusy(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code() & 0xff { // the primary code; extended codes add high bits
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return true
	}
	return false
}

// precreate makes a missing state file with mode 0600 before SQLite sees it:
// SQLite would use 0644, and its -wal and -shm files copy the database's mode.
// O_EXCL means an existing file is never opened here, so no lock SQLite holds
// on it in this process can be dropped by our close.
func precreate(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return f.Close()
}

// dsn builds a file: URI; the path is escaped so '?', '#' and '%' in a
// directory name cannot be taken for URI syntax.
func dsn(path string) string {
	return "file:" + (&url.URL{Path: filepath.ToSlash(path)}).EscapedPath() + dsnParams
}

// Close closes the state file.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("storage: close %s: %w", s.path, err)
	}
	return nil
}

// Path is the absolute path of the state file.
func (s *Store) Path() string { return s.path }

// IntegrityCheck runs SQLite's full integrity check and returns an error
// naming the file when it reports anything but "ok".
func (s *Store) IntegrityCheck(ctx context.Context) error {
	rows, err := s.db.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return fmt.Errorf("storage: integrity check %s: %w", s.path, err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return fmt.Errorf("storage: integrity check %s: %w", s.path, err)
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("storage: integrity check %s: %w", s.path, err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("storage: state file %s is damaged: %v", s.path, problems)
	}
	return nil
}

// inTx runs fn in one transaction. BEGIN is IMMEDIATE (see dsnParams), so
// writers from other processes queue on the busy timeout here.
func (s *Store) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// nanos is the stored form of a time; the zero time is stored as 0.
func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// fromNanos is the inverse of nanos, always in UTC.
func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// found reads the error of a single-row scan: no row is not found, not an
// error; any other error is wrapped with what was being read.
func found(err error, what string) (bool, error) {
	ok, err := rowFound(err)
	if err != nil {
		return false, fmt.Errorf("storage: %s: %w", what, err)
	}
	return ok, nil
}

// rowFound is found for a reader whose callers wrap the error.
func rowFound(err error) (bool, error) {
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// queryAll runs query and reads every row with read. A failure of the
// query, of a row or of read itself is wrapped with what was being read.
func queryAll[T any](ctx context.Context, db *sql.DB, what string, read func(*sql.Rows) (T, error), query string, args ...any) ([]T, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("storage: %s: %w", what, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := read(rows)
		if err != nil {
			return nil, fmt.Errorf("storage: %s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("storage: %s: %w", what, err)
	}
	return out, nil
}

// execute runs a statement that returns no rows; a failure is wrapped
// with what was being written.
func execute(ctx context.Context, db *sql.DB, what, query string, args ...any) error {
	if _, err := db.ExecContext(ctx, query, args...); err != nil {
		return fmt.Errorf("storage: %s: %w", what, err)
	}
	return nil
}

// orNow fills in a missing time at write time.
func orNow(t time.Time) time.Time {
	if t.IsZero() {
		return time.Now().UTC()
	}
	return t.UTC()
}

// limitClause turns "0 or less means no limit" into SQL's LIMIT -1.
func limitClause(limit int) int {
	if limit <= 0 {
		return -1
	}
	return limit
}
