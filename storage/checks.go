package storage

import (
	"context"
	"time"
)

// CheckRecord is the result of one `restic check` against a site.
type CheckRecord struct {
	Site   string
	Time   time.Time
	OK     bool
	Subset string // the --read-data-subset used, "" for none
	Detail string
}

// RecordCheck stores a check result. A zero Time means now.
func (s *Store) RecordCheck(ctx context.Context, c CheckRecord) error {
	return execute(ctx, s.db, "record check for "+c.Site,
		`INSERT INTO checks (site, time, ok, subset, detail) VALUES (?, ?, ?, ?, ?)`,
		c.Site, nanos(orNow(c.Time)), c.OK, c.Subset, c.Detail)
}

// LastCheck returns the newest check result for site; ok is false when the
// site was never checked.
func (s *Store) LastCheck(ctx context.Context, site string) (CheckRecord, bool, error) {
	c := CheckRecord{Site: site}
	var t int64
	ok, err := found(s.db.QueryRowContext(ctx, `
		SELECT time, ok, subset, detail FROM checks WHERE site = ?
		ORDER BY time DESC, id DESC LIMIT 1`, site).Scan(&t, &c.OK, &c.Subset, &c.Detail), "read last check for "+site)
	if !ok {
		return CheckRecord{}, false, err
	}
	c.Time = fromNanos(t)
	return c, true, nil
}
