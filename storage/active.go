package storage

import (
	"context"
	"errors"
	"time"
)

// ActiveSite returns the site recorded as active by the newest failover (or
// manual switch); it wins over the config's roles. ok is false when no site
// was ever recorded.
func (s *Store) ActiveSite(ctx context.Context) (name string, since time.Time, ok bool, err error) {
	var t int64
	ok, err = found(s.db.QueryRowContext(ctx,
		`SELECT name, since FROM active_site ORDER BY id DESC LIMIT 1`).Scan(&name, &t), "read active site")
	if !ok {
		return "", time.Time{}, false, err
	}
	return name, fromNanos(t), true, nil
}

// SetActiveSite records name as the active site from now on. Earlier
// records are kept as history; ActiveSite returns the newest.
func (s *Store) SetActiveSite(ctx context.Context, name, reason string) error {
	if name == "" {
		return errors.New("storage: set active site: empty site name")
	}
	return execute(ctx, s.db, "set active site "+name,
		`INSERT INTO active_site (name, reason, since) VALUES (?, ?, ?)`,
		name, reason, nanos(orNow(time.Time{})))
}
