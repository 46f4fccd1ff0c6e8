package storage

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// LedgerTag marks the snapshots that carry the ledger in a repository. Like
// the canary's, the colon keeps it from ever being a set name: no set's
// catalog, retention or replication ever selects them.
const LedgerTag = "lifeboat:ledger"

// LedgerRecord is one stored ledger record, as the ledger package defines
// it; storage keeps its fields and does not interpret them.
type LedgerRecord struct {
	ID      string
	Kind    string
	Bastion string
	Seq     uint64
	Prev    string
	Time    time.Time
	Body    string
	// Source is "" for a record written on this bastion, else the site
	// whose ledger it was first read from.
	Source string
	Added  time.Time
}

// BastionID names this state directory in the ledger: made once, at
// random, so two bastions (or one that lost its state and started again)
// never write the same chain.
func (s *Store) BastionID(ctx context.Context) (string, error) {
	var id string
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT id FROM bastion LIMIT 1`).Scan(&id)
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		b := make([]byte, 8)
		if _, err := rand.Read(b); err != nil {
			return err
		}
		id = "b-" + hex.EncodeToString(b)
		_, err = tx.ExecContext(ctx, `INSERT INTO bastion (id, created) VALUES (?, ?)`, id, nanos(time.Now()))
		return err
	})
	if err != nil {
		return "", fmt.Errorf("storage: bastion id: %w", err)
	}
	return id, nil
}

// AppendOwnLedger adds a record of this bastion's after its newest one.
// make is called inside the write transaction with that record's ID and
// sequence ("" and 0 for the first), so two processes on one bastion never
// write the same sequence number.
func (s *Store) AppendOwnLedger(ctx context.Context, bastion string, make func(prevID string, prevSeq uint64) (LedgerRecord, error)) (LedgerRecord, error) {
	var rec LedgerRecord
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var prev string
		var seq uint64
		err := tx.QueryRowContext(ctx, `SELECT id, seq FROM ledger_records WHERE bastion = ? ORDER BY seq DESC LIMIT 1`, bastion).Scan(&prev, &seq)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if rec, err = make(prev, seq); err != nil {
			return err
		}
		rec.Source = ""
		return insertLedger(ctx, tx, rec)
	})
	if err != nil {
		return LedgerRecord{}, fmt.Errorf("storage: append ledger record: %w", err)
	}
	return rec, nil
}

// AddLedgerRecords stores records read from a site; ones already held are
// skipped. It returns how many were new.
func (s *Store) AddLedgerRecords(ctx context.Context, recs []LedgerRecord) (int, error) {
	n := 0
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		for _, r := range recs {
			var one int
			err := tx.QueryRowContext(ctx, `SELECT 1 FROM ledger_records WHERE id = ?`, r.ID).Scan(&one)
			if err == nil {
				continue
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			if err := insertLedger(ctx, tx, r); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("storage: add ledger records: %w", err)
	}
	return n, nil
}

func insertLedger(ctx context.Context, tx *sql.Tx, r LedgerRecord) error {
	_, err := tx.ExecContext(ctx, `
		INSERT INTO ledger_records (id, kind, bastion, seq, prev, time, body, source, added)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.Kind, r.Bastion, int64(r.Seq), r.Prev, nanos(r.Time), r.Body, r.Source, nanos(orNow(r.Added)))
	return err
}

// LedgerRecords returns every record held, oldest first.
func (s *Store) LedgerRecords(ctx context.Context) ([]LedgerRecord, error) {
	rows, err := s.db.QueryContext(ctx, `
		SELECT id, kind, bastion, seq, prev, time, body, source, added
		FROM ledger_records ORDER BY time, bastion, seq`)
	if err != nil {
		return nil, fmt.Errorf("storage: read ledger: %w", err)
	}
	defer rows.Close()
	var out []LedgerRecord
	for rows.Next() {
		var r LedgerRecord
		var seq, t, added int64
		if err := rows.Scan(&r.ID, &r.Kind, &r.Bastion, &seq, &r.Prev, &t, &r.Body, &r.Source, &added); err != nil {
			return nil, fmt.Errorf("storage: read ledger: %w", err)
		}
		r.Seq, r.Time, r.Added = uint64(seq), fromNanos(t), fromNanos(added)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("storage: read ledger: %w", err)
	}
	return out, nil
}

// LedgerSite is what one site was last sent and read.
type LedgerSite struct {
	Site          string
	PublishedAt   time.Time
	PublishedHash string // sha256 of the encoding last sent
	PublishedN    int    // records in it
	Snapshot      string // the ledger snapshot written then
	Error         string // why the last publication failed, "" when it did not
	ErrorAt       time.Time
	ReadAt        time.Time // when its ledger was last read
}

// LedgerSites returns the publication state of every site that has one.
func (s *Store) LedgerSites(ctx context.Context) (map[string]LedgerSite, error) {
	rows, err := s.db.QueryContext(ctx, `
		SELECT site, published_at, published_hash, published_n, snapshot, error, error_at, read_at FROM ledger_sites`)
	if err != nil {
		return nil, fmt.Errorf("storage: read ledger sites: %w", err)
	}
	defer rows.Close()
	out := map[string]LedgerSite{}
	for rows.Next() {
		var l LedgerSite
		var pub, errAt, read int64
		if err := rows.Scan(&l.Site, &pub, &l.PublishedHash, &l.PublishedN, &l.Snapshot, &l.Error, &errAt, &read); err != nil {
			return nil, fmt.Errorf("storage: read ledger sites: %w", err)
		}
		l.PublishedAt, l.ErrorAt, l.ReadAt = fromNanos(pub), fromNanos(errAt), fromNanos(read)
		out[l.Site] = l
	}
	return out, rows.Err()
}

// LedgerPublished records a successful publication to site.
func (s *Store) LedgerPublished(ctx context.Context, site, hash string, n int, snapshot string, at time.Time) error {
	return execute(ctx, s.db, "ledger published to "+site, `
		INSERT INTO ledger_sites (site, published_at, published_hash, published_n, snapshot, error, error_at)
		VALUES (?, ?, ?, ?, ?, '', 0)
		ON CONFLICT(site) DO UPDATE SET published_at = excluded.published_at, published_hash = excluded.published_hash,
			published_n = excluded.published_n, snapshot = excluded.snapshot, error = '', error_at = 0`,
		site, nanos(at), hash, n, snapshot)
}

// LedgerPublishFailed records why a publication to site failed; what was
// published before stays recorded, so the site is known to be behind.
func (s *Store) LedgerPublishFailed(ctx context.Context, site, reason string, at time.Time) error {
	return execute(ctx, s.db, "ledger publication to "+site+" failed", `
		INSERT INTO ledger_sites (site, error, error_at) VALUES (?, ?, ?)
		ON CONFLICT(site) DO UPDATE SET error = excluded.error, error_at = excluded.error_at`,
		site, reason, nanos(at))
}

// LedgerRead records that site's ledger snapshot was read (so it is not
// read again; "" for a reading that found nothing new) at time at.
func (s *Store) LedgerRead(ctx context.Context, site, snapshot string, at time.Time) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if snapshot != "" {
			if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO ledger_read (site, snapshot) VALUES (?, ?)`, site, snapshot); err != nil {
				return fmt.Errorf("storage: ledger read at %s: %w", site, err)
			}
		}
		_, err := tx.ExecContext(ctx, `
			INSERT INTO ledger_sites (site, read_at) VALUES (?, ?)
			ON CONFLICT(site) DO UPDATE SET read_at = excluded.read_at`, site, nanos(at))
		if err != nil {
			return fmt.Errorf("storage: ledger read at %s: %w", site, err)
		}
		return nil
	})
}

// LedgerSnapshotsRead returns the ledger snapshots of site already read.
func (s *Store) LedgerSnapshotsRead(ctx context.Context, site string) (map[string]bool, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT snapshot FROM ledger_read WHERE site = ?`, site)
	if err != nil {
		return nil, fmt.Errorf("storage: ledger snapshots read at %s: %w", site, err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}
