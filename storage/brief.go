package storage

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Brief is what status needs of a cached snapshot: which set it is in
// (tags, host), when, and its identity across copies (id, original).
type Brief struct {
	ID, Original, Host string
	Tags               []string // nil when empty
	Time               time.Time
}

// briefBuild makes the briefs of a site (of every site, grouped by site)
// into one NUL-joined value, five fields a snapshot. modernc.org/sqlite
// pays per row and per column, and status --cached at 3 sites × 20,000
// snapshots spent most of its time reading rows one by one; then it spent
// it building this value, so syncSnapshots keeps it built
// (catalog_briefs). NUL cannot occur inside the fields (see
// snapshotSelect).
const briefBuild = `SELECT site, count(*),
	coalesce(group_concat(concat_ws(char(0), time, id, original, host, tags), char(0)), '')
	FROM snapshots INDEXED BY snapshots_brief`

// rebuildBriefs refreshes site's row of catalog_briefs, inside tx.
func rebuildBriefs(ctx context.Context, tx *sql.Tx, site string) error {
	_, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO catalog_briefs (site, n, briefs) `+briefBuild+` WHERE site = ?`, site)
	return err
}

// briefsChange says whether a sync changes site's briefs: it removes
// snapshots, or adds one that is not Lifeboat's own (those the briefs
// leave out), or replaces one. A ledger publication then costs no rebuild.
func briefsChange(ctx context.Context, tx *sql.Tx, site string, add []Snapshot, remove []string) (bool, error) {
	if len(remove) > 0 {
		return true, nil
	}
	for _, sn := range add {
		if !IsCanary(sn) && !IsLedger(sn) {
			return true, nil
		}
		var one int
		ok, err := found(tx.QueryRowContext(ctx, `SELECT 1 FROM snapshots WHERE site = ? AND id = ?`, site, sn.ID).Scan(&one), "look up "+sn.ID)
		if err != nil || ok {
			return true, err
		}
	}
	return false, nil
}

// CachedBriefs returns the briefs of the snapshots cached for site, in no
// particular order (briefs share their Tags: do not change them), without Lifeboat's own (canaries, the ledger): the
// snapshots CachedSnapshots returns.
func (s *Store) CachedBriefs(ctx context.Context, site string) ([]Brief, error) {
	var n int
	var packed string
	ok, err := found(s.db.QueryRowContext(ctx, `SELECT n, briefs FROM catalog_briefs WHERE site = ?`, site).Scan(&n, &packed),
		"read snapshots for "+site)
	if err != nil {
		return nil, err
	}
	out := make([]Brief, 0, n)
	if !ok || n == 0 {
		return out, nil
	}
	// Sets share few tag lists: decode each once.
	lists := map[string][]string{}
	rest := packed
	for i := range n {
		var f [5]string
		for k := range f {
			var ok bool
			f[k], rest, ok = strings.Cut(rest, "\x00")
			if !ok && (k < 4 || i < n-1) {
				return nil, fmt.Errorf("storage: read snapshots for %s: brief %d has %d fields, want 5", site, i, k+1)
			}
		}
		t, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("storage: read snapshots for %s: time of %s: %w", site, f[1], err)
		}
		tags, ok := lists[f[4]]
		if !ok {
			if tags, err = decodeList(f[4]); err != nil {
				return nil, fmt.Errorf("storage: read snapshots for %s: snapshot %s tags: %w", site, f[1], err)
			}
			lists[f[4]] = tags
		}
		b := Brief{ID: f[1], Original: f[2], Host: f[3], Tags: tags, Time: fromNanos(t)}
		if hasTagIn(b.Tags, CanaryTag) || hasTagIn(b.Tags, LedgerTag) {
			continue
		}
		out = append(out, b)
	}
	if rest != "" {
		return nil, fmt.Errorf("storage: read snapshots for %s: more than %d briefs", site, n)
	}
	return out, nil
}
