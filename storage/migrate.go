package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// migrations are applied in order; migrations[i] takes the schema from
// version i to version i+1. Never edit a released entry: append a new one.
var migrations = []string{
	// 1: initial schema.
	`
CREATE TABLE journal (
	id       INTEGER PRIMARY KEY AUTOINCREMENT, -- audit ids are never reused
	time     INTEGER NOT NULL,
	operator TEXT NOT NULL DEFAULT '',
	origin   TEXT NOT NULL DEFAULT '',
	action   TEXT NOT NULL DEFAULT '',
	site     TEXT NOT NULL DEFAULT '',
	set_name TEXT NOT NULL DEFAULT '',
	args     TEXT NOT NULL DEFAULT '',
	outcome  TEXT NOT NULL DEFAULT '',
	detail   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX journal_time ON journal(time);
CREATE INDEX journal_site_time ON journal(site, time);
CREATE INDEX journal_action_time ON journal(action, time);

CREATE TABLE snapshots (
	site            TEXT NOT NULL,
	id              TEXT NOT NULL,
	short_id        TEXT NOT NULL DEFAULT '',
	time            INTEGER NOT NULL,
	host            TEXT NOT NULL DEFAULT '',
	username        TEXT NOT NULL DEFAULT '',
	paths           TEXT NOT NULL DEFAULT '', -- JSON array, '' when empty
	tags            TEXT NOT NULL DEFAULT '', -- JSON array, '' when empty
	original        TEXT NOT NULL DEFAULT '',
	parent          TEXT NOT NULL DEFAULT '',
	tree            TEXT NOT NULL DEFAULT '',
	program_version TEXT NOT NULL DEFAULT '',
	total_files     INTEGER NOT NULL DEFAULT 0,
	total_bytes     INTEGER NOT NULL DEFAULT 0,
	-- Clustered by (site, time, id): reading a site's catalog in time order,
	-- the hot path, is one range scan with no row lookups and no sort.
	PRIMARY KEY (site, time, id),
	UNIQUE (site, id)
) WITHOUT ROWID;

CREATE TABLE catalog_refresh (
	site      TEXT PRIMARY KEY,
	refreshed INTEGER NOT NULL
);

CREATE TABLE active_site (
	id     INTEGER PRIMARY KEY AUTOINCREMENT,
	name   TEXT NOT NULL,
	reason TEXT NOT NULL DEFAULT '',
	since  INTEGER NOT NULL
);

CREATE TABLE operations (
	id       INTEGER PRIMARY KEY AUTOINCREMENT,
	kind     TEXT NOT NULL DEFAULT '',
	site     TEXT NOT NULL DEFAULT '',
	set_name TEXT NOT NULL DEFAULT '',
	started  INTEGER NOT NULL,
	finished INTEGER NOT NULL DEFAULT 0, -- 0 while running
	state    TEXT NOT NULL,
	pid      INTEGER NOT NULL DEFAULT 0,
	host     TEXT NOT NULL DEFAULT '',
	files    INTEGER NOT NULL DEFAULT 0,
	bytes    INTEGER NOT NULL DEFAULT 0,
	detail   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX operations_started ON operations(started);
CREATE INDEX operations_state ON operations(state);

CREATE TABLE checks (
	id     INTEGER PRIMARY KEY,
	site   TEXT NOT NULL,
	time   INTEGER NOT NULL,
	ok     INTEGER NOT NULL,
	subset TEXT NOT NULL DEFAULT '',
	detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX checks_site_time ON checks(site, time);

CREATE TABLE invocations (
	id        INTEGER PRIMARY KEY,
	time      INTEGER NOT NULL,
	site      TEXT NOT NULL DEFAULT '',
	args      TEXT NOT NULL DEFAULT '', -- JSON array, '' when empty
	duration  INTEGER NOT NULL DEFAULT 0, -- nanoseconds
	exit_code INTEGER NOT NULL DEFAULT 0,
	error     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX invocations_time ON invocations(time);

CREATE TABLE site_samples (
	id        INTEGER PRIMARY KEY,
	site      TEXT NOT NULL,
	time      INTEGER NOT NULL,
	reachable INTEGER NOT NULL,
	latency   INTEGER NOT NULL DEFAULT 0, -- nanoseconds
	locks     INTEGER NOT NULL DEFAULT 0,
	error     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX site_samples_site_time ON site_samples(site, time);
CREATE INDEX site_samples_time ON site_samples(time); -- for pruning across sites
`,
	// 2: drill reports (hash-chained), runbook steps, the recovery lock.
	`
CREATE TABLE drills (
	seq         INTEGER PRIMARY KEY AUTOINCREMENT, -- chain order
	id          TEXT NOT NULL UNIQUE,
	site        TEXT NOT NULL,
	started     INTEGER NOT NULL,
	finished    INTEGER NOT NULL DEFAULT 0,
	passed      INTEGER NOT NULL DEFAULT 0,
	report_json TEXT NOT NULL DEFAULT '',
	report_md   TEXT NOT NULL DEFAULT '',
	prev_sha256 TEXT NOT NULL DEFAULT '',
	sha256      TEXT NOT NULL DEFAULT '',
	config_hash TEXT NOT NULL DEFAULT '',
	subset_n    INTEGER NOT NULL DEFAULT 0,
	subset_t    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX drills_site_started ON drills(site, started);

CREATE TABLE runbook_steps (
	run_id        TEXT NOT NULL,
	idx           INTEGER NOT NULL,
	name          TEXT NOT NULL,
	status        TEXT NOT NULL DEFAULT 'pending',
	started       INTEGER NOT NULL DEFAULT 0,
	finished      INTEGER NOT NULL DEFAULT 0,
	detail        TEXT NOT NULL DEFAULT '',
	human_wait_ns INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (run_id, idx)
) WITHOUT ROWID;

CREATE TABLE recovery_lock (
	one      INTEGER PRIMARY KEY CHECK (one = 1), -- at most one row
	run_id   TEXT NOT NULL,
	kind     TEXT NOT NULL DEFAULT '',
	pid      INTEGER NOT NULL DEFAULT 0,
	host     TEXT NOT NULL DEFAULT '',
	operator TEXT NOT NULL DEFAULT '',
	since    INTEGER NOT NULL
);
`,
	// 3: failover runs, and the kind of each chained report (drill or
	// failover share one chain).
	`
ALTER TABLE drills ADD COLUMN kind TEXT NOT NULL DEFAULT 'drill';
CREATE INDEX drills_kind_seq ON drills(kind, seq);

CREATE TABLE failovers (
	run_id     TEXT PRIMARY KEY,
	from_site  TEXT NOT NULL,
	to_site    TEXT NOT NULL,
	mode       TEXT NOT NULL,
	state      TEXT NOT NULL, -- running, failed, refused, committed, aborted
	declared   INTEGER NOT NULL,
	updated    INTEGER NOT NULL,
	operator   TEXT NOT NULL DEFAULT '',
	data_json  TEXT NOT NULL DEFAULT '' -- what the steps decided (snapshots, results)
) WITHOUT ROWID;
CREATE INDEX failovers_state ON failovers(state);
`,
	// 4: what `restic version` said about a binary, keyed by its identity
	// on disk, so each command need not run it again.
	`
CREATE TABLE restic_binaries (
	path    TEXT PRIMARY KEY,
	stamp   TEXT NOT NULL, -- size, mtime, ctime, inode: any change re-runs restic version
	version TEXT NOT NULL, -- restic version --json
	checked INTEGER NOT NULL
) WITHOUT ROWID;
`,
	// 5: operation locks, so that the console, watch, cron and a shell do
	// not run the same operation on the same site at once; and prunes owed
	// by a forget whose prune did not finish.
	`
CREATE TABLE operation_locks (
	site      TEXT NOT NULL,
	operation TEXT NOT NULL, -- replicate, backup <set>, check, forget, unlock
	token     TEXT NOT NULL, -- one acquisition; a takeover must name it
	pid       INTEGER NOT NULL DEFAULT 0,
	host      TEXT NOT NULL DEFAULT '',
	operator  TEXT NOT NULL DEFAULT '',
	since     INTEGER NOT NULL,
	renewed   INTEGER NOT NULL, -- the lease: refreshed while held
	PRIMARY KEY (site, operation)
) WITHOUT ROWID;

CREATE TABLE prune_pending (
	site   TEXT PRIMARY KEY,
	since  INTEGER NOT NULL,
	detail TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;
`,
	// 6: the journal is hash-chained (each entry carries the hash of the one
	// before it), and entries that end a drill or failover name the run and
	// the sha256 of the report they stored, as columns rather than text.
	`
ALTER TABLE journal ADD COLUMN run_id TEXT NOT NULL DEFAULT '';
ALTER TABLE journal ADD COLUMN report_sha256 TEXT NOT NULL DEFAULT '';
ALTER TABLE journal ADD COLUMN prev_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE journal ADD COLUMN hash TEXT NOT NULL DEFAULT '';
CREATE INDEX journal_run ON journal(run_id);
`,
	// 7: immutability probes (posture): what the canary test last found at each site.
	`
CREATE TABLE immutability_probes (
	site     TEXT PRIMARY KEY,
	time     INTEGER NOT NULL,
	result   TEXT NOT NULL, -- immutable, mutable, unknown
	canary   TEXT NOT NULL DEFAULT '', -- id of the canary snapshot left at the site
	detail   TEXT NOT NULL DEFAULT ''
);
`,
	// 8: capacity statistics, one row per
	// site per measurement (restic stats is too slow to run on every view).
	// A figure restic did not give is NULL, not 0.
	`
CREATE TABLE capacity_stats (
	id                INTEGER PRIMARY KEY AUTOINCREMENT,
	site              TEXT NOT NULL,
	time              INTEGER NOT NULL,
	stored_bytes      INTEGER,
	raw_bytes         INTEGER,
	restore_bytes     INTEGER,
	compression_ratio REAL,
	snapshots         INTEGER,
	free_bytes        INTEGER,
	error             TEXT NOT NULL DEFAULT ''
);
CREATE INDEX capacity_stats_site_time ON capacity_stats(site, time);
`,
	// 9: the ledger (records of truth published into every site's
	// repository): this bastion's identity, the records it holds (its own and
	// those read from sites), and what each site was last sent and read.
	`
CREATE TABLE bastion (
	id      TEXT NOT NULL,
	created INTEGER NOT NULL
);
CREATE TABLE ledger_records (
	id      TEXT PRIMARY KEY,
	kind    TEXT NOT NULL,
	bastion TEXT NOT NULL,
	seq     INTEGER NOT NULL,
	prev    TEXT NOT NULL,
	time    INTEGER NOT NULL,
	body    TEXT NOT NULL,
	source  TEXT NOT NULL DEFAULT '', -- '' written here, else the site it was read from
	added   INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX ledger_records_bastion ON ledger_records(bastion, seq);
CREATE INDEX ledger_records_kind ON ledger_records(kind, time);
CREATE TABLE ledger_sites (
	site           TEXT PRIMARY KEY,
	published_at   INTEGER NOT NULL DEFAULT 0,
	published_hash TEXT NOT NULL DEFAULT '', -- sha256 of the encoding last sent
	published_n    INTEGER NOT NULL DEFAULT 0,
	snapshot       TEXT NOT NULL DEFAULT '', -- the ledger snapshot last written there
	error          TEXT NOT NULL DEFAULT '', -- why the last publication failed
	error_at       INTEGER NOT NULL DEFAULT 0,
	read_at        INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE TABLE ledger_read (
	site     TEXT NOT NULL,
	snapshot TEXT NOT NULL,
	PRIMARY KEY (site, snapshot)
) WITHOUT ROWID;
-- A holder on another host cannot be probed: it holds the recovery lock
-- while its lease (refreshed as it runs) lasts; 0 is a lease never given.
ALTER TABLE recovery_lock ADD COLUMN lease_until INTEGER NOT NULL DEFAULT 0;
-- Reports and journal entries read from another bastion's ledger: each
-- bastion's reports form a chain of their own; ledger_id keeps an entry
-- from being imported twice.
ALTER TABLE drills ADD COLUMN bastion TEXT NOT NULL DEFAULT '';
ALTER TABLE journal ADD COLUMN bastion TEXT NOT NULL DEFAULT '';
ALTER TABLE journal ADD COLUMN ledger_id TEXT NOT NULL DEFAULT '';
CREATE INDEX journal_ledger_id ON journal(ledger_id) WHERE ledger_id != '';
`,
	// 10: what status reads of every snapshot (CachedBriefs), kept per site
	// as one value, rebuilt in the transaction that changes the site's
	// catalog (syncSnapshots), from an index that holds only those columns.
	`
CREATE INDEX snapshots_brief ON snapshots(site, host, tags, original);
CREATE TABLE catalog_briefs (
	site   TEXT PRIMARY KEY,
	n      INTEGER NOT NULL,
	briefs TEXT NOT NULL -- briefSelect's value
);
INSERT INTO catalog_briefs (site, n, briefs) ` + briefBuild + ` GROUP BY site;
`,
}

// SchemaVersion is the schema version this binary writes.
func SchemaVersion() int { return len(migrations) }

// NewerSchemaError reports a state file written by a newer lifeboat. The
// binary refuses it rather than guess at tables it does not know.
type NewerSchemaError struct {
	Path  string
	Found int // the file's schema version
	Known int // the newest version this binary knows
}

func (e *NewerSchemaError) Error() string {
	return fmt.Sprintf("storage: state file %s was written by a newer lifeboat (schema %d, this binary knows %d)",
		e.Path, e.Found, e.Known)
}

// migrate applies pending migrations, one transaction each. The version is
// re-read inside every transaction, so two processes opening a fresh file at
// once apply each step exactly once: the second waits on BEGIN IMMEDIATE and
// then finds nothing to do.
func (s *Store) migrate(ctx context.Context) error {
	for {
		done := false
		err := s.inTx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx,
				`CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
				return fmt.Errorf("create schema_version: %w", err)
			}
			v, err := schemaVersion(ctx, tx)
			if err != nil {
				return err
			}
			switch {
			case v > len(migrations):
				return &NewerSchemaError{Path: s.path, Found: v, Known: len(migrations)}
			case v == len(migrations):
				// Prove the file is writable now, not at the first append
				// mid-operation: SQLite lets BEGIN IMMEDIATE through on a
				// read-only file and only refuses the first real write.
				if _, err := tx.ExecContext(ctx, `UPDATE schema_version SET version = version`); err != nil {
					return fmt.Errorf("state file is not writable: %w", err)
				}
				done = true
				return nil
			}
			if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
				return fmt.Errorf("migrate to schema %d: %w", v+1, err)
			}
			if err := setSchemaVersion(ctx, tx, v+1); err != nil {
				return err
			}
			return nil
		})
		if err != nil {
			return err
		}
		if done {
			return nil
		}
	}
}

// schemaVersion reads the single-row version table; no row means a new file.
func schemaVersion(ctx context.Context, tx *sql.Tx) (int, error) {
	var v int
	err := tx.QueryRowContext(ctx, `SELECT version FROM schema_version LIMIT 1`).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return v, nil
}

func setSchemaVersion(ctx context.Context, tx *sql.Tx, v int) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM schema_version`); err != nil {
		return fmt.Errorf("set schema version: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_version (version) VALUES (?)`, v); err != nil {
		return fmt.Errorf("set schema version: %w", err)
	}
	return nil
}
