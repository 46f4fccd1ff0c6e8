package storage

import (
	"context"
	"database/sql"
	"time"
)

// SiteSample is one health probe of a site: the history behind sparklines,
// and what the console shows at start-up before the first live probe.
type SiteSample struct {
	Site      string
	Time      time.Time
	Reachable bool
	Latency   time.Duration
	Locks     int
	Error     string
}

// RecordSample stores a health sample. A zero Time means now.
func (s *Store) RecordSample(ctx context.Context, smp SiteSample) error {
	return execute(ctx, s.db, "record sample for "+smp.Site, `
		INSERT INTO site_samples (site, time, reachable, latency, locks, error)
		VALUES (?, ?, ?, ?, ?, ?)`,
		smp.Site, nanos(orNow(smp.Time)), smp.Reachable, int64(smp.Latency), smp.Locks, smp.Error)
}

// LastSample returns the newest sample for site; ok is false when there is
// none.
func (s *Store) LastSample(ctx context.Context, site string) (SiteSample, bool, error) {
	smp := SiteSample{Site: site}
	var t, lat int64
	ok, err := found(s.db.QueryRowContext(ctx, `
		SELECT time, reachable, latency, locks, error FROM site_samples WHERE site = ?
		ORDER BY time DESC, id DESC LIMIT 1`, site).Scan(&t, &smp.Reachable, &lat, &smp.Locks, &smp.Error),
		"read last sample for "+site)
	if !ok {
		return SiteSample{}, false, err
	}
	smp.Time, smp.Latency = fromNanos(t), time.Duration(lat)
	return smp, true, nil
}

// Samples returns site's samples at or after since, oldest first.
func (s *Store) Samples(ctx context.Context, site string, since time.Time) ([]SiteSample, error) {
	return queryAll(ctx, s.db, "read samples for "+site, func(rows *sql.Rows) (SiteSample, error) {
		smp := SiteSample{Site: site}
		var t, lat int64
		err := rows.Scan(&t, &smp.Reachable, &lat, &smp.Locks, &smp.Error)
		smp.Time, smp.Latency = fromNanos(t), time.Duration(lat)
		return smp, err
	}, `
		SELECT time, reachable, latency, locks, error FROM site_samples
		WHERE site = ? AND time >= ? ORDER BY time, id`, site, nanos(since))
}

// PruneSamples deletes samples of every site taken before before.
func (s *Store) PruneSamples(ctx context.Context, before time.Time) error {
	return execute(ctx, s.db, "prune samples", `DELETE FROM site_samples WHERE time < ?`, nanos(before))
}
