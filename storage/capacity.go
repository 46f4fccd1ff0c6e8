package storage

import (
	"context"
	"database/sql"
	"time"
)

// CapacitySample is one measurement of a site's repository by restic stats.
// Nil fields are figures that were not known (a failed run, or a backend
// whose free space cannot be read); Error says why a run failed.
type CapacitySample struct {
	Site             string
	Time             time.Time
	StoredBytes      *int64
	RawBytes         *int64
	RestoreBytes     *int64
	CompressionRatio *float64
	Snapshots        *int64
	FreeBytes        *int64
	Error            string
}

// RecordCapacity stores one measurement. A zero Time means now.
func (s *Store) RecordCapacity(ctx context.Context, c CapacitySample) error {
	return execute(ctx, s.db, "record capacity of "+c.Site, `
		INSERT INTO capacity_stats (site, time, stored_bytes, raw_bytes, restore_bytes,
			compression_ratio, snapshots, free_bytes, error)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.Site, nanos(orNow(c.Time)), nullInt(c.StoredBytes), nullInt(c.RawBytes), nullInt(c.RestoreBytes),
		nullFloat(c.CompressionRatio), nullInt(c.Snapshots), nullInt(c.FreeBytes), c.Error)
}

// CapacityHistory returns site's measurements at or after since, oldest first.
func (s *Store) CapacityHistory(ctx context.Context, site string, since time.Time) ([]CapacitySample, error) {
	return queryAll(ctx, s.db, "read capacity of "+site, func(rows *sql.Rows) (CapacitySample, error) {
		c := CapacitySample{Site: site}
		var t int64
		var stored, raw, restore, snaps, free sql.NullInt64
		var ratio sql.NullFloat64
		if err := rows.Scan(&t, &stored, &raw, &restore, &ratio, &snaps, &free, &c.Error); err != nil {
			return c, err
		}
		c.Time = fromNanos(t)
		c.StoredBytes, c.RawBytes, c.RestoreBytes = ptrInt(stored), ptrInt(raw), ptrInt(restore)
		c.Snapshots, c.FreeBytes = ptrInt(snaps), ptrInt(free)
		if ratio.Valid {
			v := ratio.Float64
			c.CompressionRatio = &v
		}
		return c, nil
	}, `
		SELECT time, stored_bytes, raw_bytes, restore_bytes, compression_ratio, snapshots, free_bytes, error
		FROM capacity_stats WHERE site = ? AND time >= ? ORDER BY time, id`, site, nanos(since))
}

// LatestCapacity returns site's newest measurement that did not fail; ok
// is false when there is none.
func (s *Store) LatestCapacity(ctx context.Context, site string) (CapacitySample, bool, error) {
	var t int64
	ok, err := found(s.db.QueryRowContext(ctx, `
		SELECT time FROM capacity_stats WHERE site = ? AND error = ''
		ORDER BY time DESC, id DESC LIMIT 1`, site).Scan(&t), "read capacity of "+site)
	if !ok {
		return CapacitySample{}, false, err
	}
	h, err := s.CapacityHistory(ctx, site, fromNanos(t))
	if err != nil {
		return CapacitySample{}, false, err
	}
	for i := len(h) - 1; i >= 0; i-- {
		if h[i].Error == "" {
			return h[i], true, nil
		}
	}
	return CapacitySample{}, false, nil
}

func nullInt(p *int64) sql.NullInt64 {
	if p == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: *p, Valid: true}
}

func nullFloat(p *float64) sql.NullFloat64 {
	if p == nil {
		return sql.NullFloat64{}
	}
	return sql.NullFloat64{Float64: *p, Valid: true}
}

func ptrInt(n sql.NullInt64) *int64 {
	if !n.Valid {
		return nil
	}
	v := n.Int64
	return &v
}
