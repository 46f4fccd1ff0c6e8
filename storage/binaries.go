package storage

import (
	"context"
	"time"
)

// ResticBinary is what was learnt about a restic binary: its identity on
// disk (stamp) and the output of `restic version --json` for it.
type ResticBinary struct {
	Path    string
	Stamp   string
	Version string
	Checked time.Time
}

// KnownResticBinary returns what was stored for path; ok is false when
// nothing was, or when the binary's stamp has changed since.
func (s *Store) KnownResticBinary(ctx context.Context, path, stamp string) (ResticBinary, bool, error) {
	b := ResticBinary{Path: path}
	var t int64
	ok, err := found(s.db.QueryRowContext(ctx, `SELECT stamp, version, checked FROM restic_binaries WHERE path = ?`, path).
		Scan(&b.Stamp, &b.Version, &t), "read restic binary "+path)
	if !ok {
		return ResticBinary{}, false, err
	}
	b.Checked = fromNanos(t)
	return b, b.Stamp == stamp, nil
}

// RememberResticBinary stores (or replaces) what was learnt about a binary.
func (s *Store) RememberResticBinary(ctx context.Context, b ResticBinary) error {
	return execute(ctx, s.db, "remember restic binary "+b.Path, `
		INSERT INTO restic_binaries (path, stamp, version, checked) VALUES (?, ?, ?, ?)
		ON CONFLICT(path) DO UPDATE SET stamp = excluded.stamp, version = excluded.version, checked = excluded.checked`,
		b.Path, b.Stamp, b.Version, nanos(orNow(b.Checked)))
}
