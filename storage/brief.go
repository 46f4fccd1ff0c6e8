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

// briefSelect reads a site's briefs as one value. modernc.org/sqlite pays
// per row and per column (status --cached at 3 sites × 20,000 snapshots
// spent most of its time reading rows one by one), so the whole site
// crosses as one NUL-joined text: five fields a snapshot. NUL cannot
// occur inside them (see snapshotSelect).
const briefSelect = `
	SELECT count(*), group_concat(concat_ws(char(0), time, id, original, host, tags), char(0))
	FROM snapshots INDEXED BY snapshots_brief WHERE site = ?`

// CachedBriefs returns the briefs of the snapshots cached for site, in no
// particular order (briefs share their Tags: do not change them), without Lifeboat's own (canaries, the ledger): the
// snapshots CachedSnapshots returns.
func (s *Store) CachedBriefs(ctx context.Context, site string) ([]Brief, error) {
	var n int
	var packed sql.NullString
	if err := s.db.QueryRowContext(ctx, briefSelect, site).Scan(&n, &packed); err != nil {
		return nil, fmt.Errorf("storage: read snapshots for %s: %w", site, err)
	}
	out := make([]Brief, 0, n)
	if n == 0 {
		return out, nil
	}
	// Sets share few tag lists: decode each once.
	lists := map[string][]string{}
	rest := packed.String
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
