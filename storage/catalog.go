package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Snapshot is the cached form of one restic snapshot at one site.
type Snapshot struct {
	Site           string
	ID             string
	ShortID        string
	Time           time.Time
	Host           string
	Username       string
	Paths          []string // nil when empty
	Tags           []string // nil when empty
	Original       string
	Parent         string
	Tree           string
	ProgramVersion string
	// From restic's snapshot summary (total_files_processed,
	// total_bytes_processed); 0 when absent.
	TotalFiles int64
	TotalBytes int64
}

// CachedSnapshotIDs returns the full ids of the snapshots cached for site,
// so a refresh can work out what to add and remove without reading rows.
func (s *Store) CachedSnapshotIDs(ctx context.Context, site string) (map[string]struct{}, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM snapshots WHERE site = ?`, site)
	if err != nil {
		return nil, fmt.Errorf("storage: read snapshot ids for %s: %w", site, err)
	}
	defer rows.Close()
	ids := make(map[string]struct{})
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("storage: read snapshot ids for %s: %w", site, err)
		}
		ids[id] = struct{}{}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("storage: read snapshot ids for %s: %w", site, err)
	}
	return ids, nil
}

// snapshotSelect reads a site's catalog in time order. The console reads
// every site's catalog at start-up, and modernc.org/sqlite pays per column
// per row (several calls into the transpiled library, each taking the
// connection mutex), so the text fields travel as one NUL-joined value:
// about twice as fast as fetching them one by one. NUL cannot occur inside
// them: SyncSnapshots refuses it, and the lists are JSON, which escapes it.
const snapshotSelect = `
	SELECT time, total_files, total_bytes,
	       id || char(0) || short_id || char(0) || host || char(0) || username || char(0) ||
	       paths || char(0) || tags || char(0) || original || char(0) || parent || char(0) ||
	       tree || char(0) || program_version
	FROM snapshots WHERE site = ? ORDER BY time, id`

// CanaryTag marks the tiny snapshots Lifeboat writes to test whether a site
// refuses deletes. The colon keeps it from ever being a set name; the cache
// holds canaries (so refreshes do not fetch them again) but never hands them
// out as part of a catalog.
const CanaryTag = "lifeboat:canary"

// IsCanary says whether a snapshot is one of Lifeboat's immutability canaries.
func IsCanary(sn Snapshot) bool { return hasTag(sn, CanaryTag) }

// IsLedger says whether a snapshot carries the ledger.
func IsLedger(sn Snapshot) bool { return hasTag(sn, LedgerTag) }

func hasTag(sn Snapshot, tag string) bool { return hasTagIn(sn.Tags, tag) }

func hasTagIn(tags []string, tag string) bool {
	for _, t := range tags {
		if t == tag {
			return true
		}
	}
	return false
}

// CachedSnapshots returns the snapshots cached for site, oldest first,
// without Lifeboat's own (canaries, the ledger).
func (s *Store) CachedSnapshots(ctx context.Context, site string) ([]Snapshot, error) {
	return s.cachedTagged(ctx, site, func(sn Snapshot) bool { return !IsCanary(sn) && !IsLedger(sn) })
}

// CachedCanaries returns the canary snapshots cached for site, oldest first.
func (s *Store) CachedCanaries(ctx context.Context, site string) ([]Snapshot, error) {
	return s.cachedTagged(ctx, site, IsCanary)
}

// CachedLedgers returns the ledger snapshots cached for site, oldest first.
func (s *Store) CachedLedgers(ctx context.Context, site string) ([]Snapshot, error) {
	return s.cachedTagged(ctx, site, IsLedger)
}

func (s *Store) cachedTagged(ctx context.Context, site string, keep func(Snapshot) bool) ([]Snapshot, error) {
	all, err := s.cachedSnapshots(ctx, site)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, sn := range all {
		if keep(sn) {
			out = append(out, sn)
		}
	}
	return out, nil
}

func (s *Store) cachedSnapshots(ctx context.Context, site string) ([]Snapshot, error) {
	// Sizing the slice up front saves copying thousands of large structs as
	// it grows; the count is only a hint.
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM snapshots WHERE site = ?`, site).Scan(&n); err != nil {
		return nil, fmt.Errorf("storage: read snapshots for %s: %w", site, err)
	}
	rows, err := s.db.QueryContext(ctx, snapshotSelect, site)
	if err != nil {
		return nil, fmt.Errorf("storage: read snapshots for %s: %w", site, err)
	}
	defer rows.Close()
	out := make([]Snapshot, 0, n)
	for rows.Next() {
		sn := Snapshot{Site: site}
		var t int64
		var packed string
		if err := rows.Scan(&t, &sn.TotalFiles, &sn.TotalBytes, &packed); err != nil {
			return nil, fmt.Errorf("storage: read snapshots for %s: %w", site, err)
		}
		sn.Time = fromNanos(t)
		if err := unpackSnapshot(&sn, packed); err != nil {
			return nil, fmt.Errorf("storage: read snapshots for %s: %w", site, err)
		}
		out = append(out, sn)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("storage: read snapshots for %s: %w", site, err)
	}
	return out, nil
}

// unpackSnapshot fills sn's text fields from snapshotSelect's joined column.
func unpackSnapshot(sn *Snapshot, packed string) error {
	var paths, tags string
	fields := [...]*string{&sn.ID, &sn.ShortID, &sn.Host, &sn.Username, &paths, &tags,
		&sn.Original, &sn.Parent, &sn.Tree, &sn.ProgramVersion}
	rest, more := packed, true
	for i, f := range fields {
		if !more {
			return fmt.Errorf("snapshot row has %d fields, want %d", i, len(fields))
		}
		*f, rest, more = strings.Cut(rest, "\x00")
	}
	if more {
		return fmt.Errorf("snapshot %s: row has more than %d fields", sn.ID, len(fields))
	}
	var err error
	if sn.Paths, err = decodeList(paths); err != nil {
		return fmt.Errorf("snapshot %s paths: %w", sn.ID, err)
	}
	if sn.Tags, err = decodeList(tags); err != nil {
		return fmt.Errorf("snapshot %s tags: %w", sn.ID, err)
	}
	return nil
}

// AddSnapshots caches snapshots of site that lifeboat itself just made
// (its ledger publications) without recording a listing: the next listing
// finds them known and fetches nothing for them.
func (s *Store) AddSnapshots(ctx context.Context, site string, add []Snapshot) error {
	return s.syncSnapshots(ctx, site, add, nil, nil)
}

// SyncSnapshots applies one catalog refresh for site in a single
// transaction: remove (by full id; unknown ids are ignored), then add (insert
// or replace by id), and record refreshed (zero means now). Readers never see
// a half-applied refresh.
// A Snapshot's Site may be empty (site is used) but must not name another.
func (s *Store) SyncSnapshots(ctx context.Context, site string, add []Snapshot, remove []string, refreshed time.Time) error {
	return s.syncSnapshots(ctx, site, add, remove, &refreshed)
}

// syncSnapshots records the listing's time only when refreshed is set.
func (s *Store) syncSnapshots(ctx context.Context, site string, add []Snapshot, remove []string, refreshed *time.Time) error {
	if site == "" {
		return errors.New("storage: sync snapshots: empty site")
	}
	for _, sn := range add {
		if sn.ID == "" {
			return fmt.Errorf("storage: sync snapshots for %s: snapshot with empty id", site)
		}
		if sn.Site != "" && sn.Site != site {
			return fmt.Errorf("storage: sync snapshots for %s: snapshot %s belongs to site %s", site, sn.ID, sn.Site)
		}
		// snapshotSelect joins these with NUL; no real value holds one.
		for _, f := range [...]string{sn.ID, sn.ShortID, sn.Host, sn.Username, sn.Original, sn.Parent, sn.Tree, sn.ProgramVersion} {
			if strings.IndexByte(f, 0) >= 0 {
				return fmt.Errorf("storage: sync snapshots for %s: snapshot %q has a NUL byte in a field", site, sn.ID)
			}
		}
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		rebuild, err := briefsChange(ctx, tx, site, add, remove)
		if err != nil {
			return err
		}
		if len(remove) > 0 {
			del, err := tx.PrepareContext(ctx, `DELETE FROM snapshots WHERE site = ? AND id = ?`)
			if err != nil {
				return err
			}
			defer del.Close()
			for _, id := range remove {
				if _, err := del.ExecContext(ctx, site, id); err != nil {
					return fmt.Errorf("remove %s: %w", id, err)
				}
			}
		}
		if len(add) > 0 {
			ins, err := tx.PrepareContext(ctx, `
				INSERT OR REPLACE INTO snapshots (site, id, short_id, time, host, username, paths, tags,
					original, parent, tree, program_version, total_files, total_bytes)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
			if err != nil {
				return err
			}
			defer ins.Close()
			for _, sn := range add {
				paths, err := encodeList(sn.Paths)
				if err != nil {
					return fmt.Errorf("add %s: %w", sn.ID, err)
				}
				tags, err := encodeList(sn.Tags)
				if err != nil {
					return fmt.Errorf("add %s: %w", sn.ID, err)
				}
				if _, err := ins.ExecContext(ctx, site, sn.ID, sn.ShortID, nanos(sn.Time), sn.Host, sn.Username,
					paths, tags, sn.Original, sn.Parent, sn.Tree, sn.ProgramVersion, sn.TotalFiles, sn.TotalBytes); err != nil {
					return fmt.Errorf("add %s: %w", sn.ID, err)
				}
			}
		}
		if rebuild {
			if err := rebuildBriefs(ctx, tx, site); err != nil {
				return fmt.Errorf("briefs: %w", err)
			}
		}
		if refreshed == nil {
			return nil
		}
		_, err = tx.ExecContext(ctx, `
			INSERT INTO catalog_refresh (site, refreshed) VALUES (?, ?)
			ON CONFLICT (site) DO UPDATE SET refreshed = excluded.refreshed`,
			site, nanos(orNow(*refreshed)))
		return err
	})
	if err != nil {
		return fmt.Errorf("storage: sync snapshots for %s: %w", site, err)
	}
	return nil
}

// CatalogRefreshed returns when site's catalog was last synced; the zero
// time when never.
func (s *Store) CatalogRefreshed(ctx context.Context, site string) (time.Time, error) {
	var t int64
	ok, err := found(s.db.QueryRowContext(ctx, `SELECT refreshed FROM catalog_refresh WHERE site = ?`, site).Scan(&t),
		"read catalog refresh time for "+site)
	if !ok {
		return time.Time{}, err
	}
	return fromNanos(t), nil
}

// encodeList stores a string list as JSON text, so commas or newlines in a
// path survive (the lists come from restic's JSON, so they are valid UTF-8).
// HTML escaping is off to keep stored paths readable and, mostly, free of
// backslashes, which decodeList's fast path relies on. Empty lists are
// stored as the empty string.
func encodeList(l []string) (string, error) {
	if len(l) == 0 {
		return "", nil
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(l); err != nil {
		return "", err
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}

// decodeList reverses encodeList. Catalog reads decode two lists per
// snapshot, so the common case skips encoding/json: without a backslash no
// element holds a quote, so `","` can only separate elements; the quote count
// then confirms the text was compact JSON and not, say, `["a", "b"]`.
func decodeList(s string) ([]string, error) {
	if s == "" {
		return nil, nil
	}
	if len(s) >= 4 && strings.HasPrefix(s, `["`) && strings.HasSuffix(s, `"]`) && !strings.Contains(s, `\`) {
		l := strings.Split(s[2:len(s)-2], `","`)
		if strings.Count(s, `"`) == 2*len(l) {
			return l, nil
		}
	}
	var l []string
	if err := json.Unmarshal([]byte(s), &l); err != nil {
		return nil, err
	}
	return l, nil
}
