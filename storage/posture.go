package storage

import (
	"context"
	"time"
)

// Results of an immutability probe.
const (
	ProbeImmutable = "immutable" // the site refused to forget the canary
	ProbeMutable   = "mutable"   // the site let the canary be forgotten
	ProbeUnknown   = "unknown"   // the probe could not tell (site down, locked, ...)
)

// ImmutabilityProbe is what the last canary test found at one site.
type ImmutabilityProbe struct {
	Site   string
	Time   time.Time
	Result string // ProbeImmutable, ProbeMutable or ProbeUnknown
	Canary string // the canary snapshot left at the site, "" when none
	Detail string
}

// RecordImmutabilityProbe stores a site's probe result, replacing the last.
func (s *Store) RecordImmutabilityProbe(ctx context.Context, p ImmutabilityProbe) error {
	return execute(ctx, s.db, "record immutability probe for "+p.Site, `
		INSERT INTO immutability_probes (site, time, result, canary, detail) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT(site) DO UPDATE SET time = excluded.time, result = excluded.result,
			canary = excluded.canary, detail = excluded.detail`,
		p.Site, nanos(orNow(p.Time)), p.Result, p.Canary, p.Detail)
}

// LastImmutabilityProbe returns a site's last probe; ok is false when the
// site was never probed.
func (s *Store) LastImmutabilityProbe(ctx context.Context, site string) (ImmutabilityProbe, bool, error) {
	p := ImmutabilityProbe{Site: site}
	var t int64
	ok, err := found(s.db.QueryRowContext(ctx,
		`SELECT time, result, canary, detail FROM immutability_probes WHERE site = ?`, site).
		Scan(&t, &p.Result, &p.Canary, &p.Detail), "read immutability probe for "+site)
	if !ok {
		return ImmutabilityProbe{}, false, err
	}
	p.Time = fromNanos(t)
	return p, true, nil
}
