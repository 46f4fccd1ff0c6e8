package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/lifeboat-dr/lifeboat/engine/config"
	"github.com/lifeboat-dr/lifeboat/engine/restic"
	"github.com/lifeboat-dr/lifeboat/storage"
)

// GrowthWindow is how far back growth_bytes_per_day looks.
const GrowthWindow = 30 * 24 * time.Hour

// Capacity is what Lifeboat knows of one site's storage: the newest stored
// measurement by restic stats and what follows from its history. Unknown
// figures are nil (JSON null). Its JSON is contract §6's capacity shape.
type Capacity struct {
	Site              string     `json:"site"`
	StoredBytes       *int64     `json:"stored_bytes"`
	RawBytes          *int64     `json:"raw_bytes"`
	RestoreBytes      *int64     `json:"restore_bytes"`
	CompressionRatio  *float64   `json:"compression_ratio"`
	DedupRatio        *float64   `json:"dedup_ratio"`
	Snapshots         *int64     `json:"snapshots"`
	GrowthBytesPerDay *float64   `json:"growth_bytes_per_day"`
	FreeBytes         *int64     `json:"free_bytes"`
	DaysToFull        *float64   `json:"days_to_full"`
	MonthlyCost       *float64   `json:"monthly_cost"`
	MeasuredAt        *time.Time `json:"measured_at"`

	// LastError is why the newest measurement failed, when it did (the
	// figures above are then the last good ones); not part of the JSON.
	LastError   string    `json:"-"`
	LastErrorAt time.Time `json:"-"`
	// History is stored bytes over the growth window, oldest first, for
	// the console's sparkline.
	History []CapacityPoint `json:"-"`
}

// CapacityPoint is one measurement of stored bytes.
type CapacityPoint struct {
	Time        time.Time
	StoredBytes int64
}

// resticRawStats is `restic stats --mode raw-data --json` (restic 0.19.1:
// total_size, total_uncompressed_size, compression_ratio,
// compression_progress, compression_space_saving, total_blob_count,
// snapshots_count). Pointers tell a missing field from a zero.
type resticRawStats struct {
	TotalSize             *int64   `json:"total_size"`
	TotalUncompressedSize *int64   `json:"total_uncompressed_size"`
	CompressionRatio      *float64 `json:"compression_ratio"`
	SnapshotsCount        *int64   `json:"snapshots_count"`
}

// resticRestoreStats is `restic stats --mode restore-size --json`
// (total_size, total_file_count, snapshots_count).
type resticRestoreStats struct {
	TotalSize *int64 `json:"total_size"`
}

// Capacity returns every site's capacity from the store, in config order.
// It runs no restic: figures come from the last MeasureCapacity.
func (e *Engine) Capacity(ctx context.Context) ([]Capacity, error) {
	out := make([]Capacity, 0, len(e.cfg.Sites))
	for i := range e.cfg.Sites {
		c, err := e.siteCapacity(ctx, &e.cfg.Sites[i])
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

func (e *Engine) siteCapacity(ctx context.Context, s *config.Site) (Capacity, error) {
	c := Capacity{Site: s.Name}
	// Only the growth window is read: the history grows with every
	// measurement, and this runs on every console refresh.
	since := e.now().Add(-GrowthWindow)
	if l, ok, err := e.store.LatestCapacity(ctx, s.Name); err != nil {
		return c, err
	} else if ok && l.Time.Add(-GrowthWindow).Before(since) {
		since = l.Time.Add(-GrowthWindow)
	}
	hist, err := e.store.CapacityHistory(ctx, s.Name, since)
	if err != nil {
		return c, err
	}
	var good []storage.CapacitySample
	for _, h := range hist {
		if h.Error == "" {
			good = append(good, h)
		}
	}
	if n := len(hist); n > 0 && hist[n-1].Error != "" {
		c.LastError, c.LastErrorAt = hist[n-1].Error, hist[n-1].Time
	}
	if len(good) == 0 {
		return c, nil
	}
	last := good[len(good)-1]
	t := last.Time
	c.MeasuredAt = &t
	c.StoredBytes, c.RawBytes, c.RestoreBytes = last.StoredBytes, last.RawBytes, last.RestoreBytes
	c.CompressionRatio, c.Snapshots, c.FreeBytes = last.CompressionRatio, last.Snapshots, last.FreeBytes
	if c.RestoreBytes != nil && c.RawBytes != nil && *c.RawBytes > 0 {
		c.DedupRatio = ptr(float64(*c.RestoreBytes) / float64(*c.RawBytes))
	}
	var window []storage.CapacitySample
	for _, h := range good {
		if h.StoredBytes != nil && !h.Time.Before(last.Time.Add(-GrowthWindow)) {
			window = append(window, h)
			c.History = append(c.History, CapacityPoint{Time: h.Time, StoredBytes: *h.StoredBytes})
		}
	}
	c.GrowthBytesPerDay = growthPerDay(window)
	if g := c.GrowthBytesPerDay; g != nil && *g > 0 && c.FreeBytes != nil {
		c.DaysToFull = ptr(float64(*c.FreeBytes) / *g)
	}
	if s.CostPerGiBMonth != nil && c.StoredBytes != nil {
		c.MonthlyCost = ptr(float64(*c.StoredBytes) / (1 << 30) * *s.CostPerGiBMonth)
	}
	return c, nil
}

// growthPerDay is the least-squares slope of stored bytes over time, in
// bytes per day; nil unless the samples span at least a day (two probes a
// minute apart would make any noise look like a trend).
func growthPerDay(samples []storage.CapacitySample) *float64 {
	if len(samples) < 2 || samples[len(samples)-1].Time.Sub(samples[0].Time) < 24*time.Hour {
		return nil
	}
	t0 := samples[0].Time
	var n, sx, sy, sxx, sxy float64
	for _, s := range samples {
		x := s.Time.Sub(t0).Hours() / 24
		y := float64(*s.StoredBytes)
		n++
		sx += x
		sy += y
		sxx += x * x
		sxy += x * y
	}
	den := n*sxx - sx*sx
	if den == 0 {
		return nil
	}
	return ptr((n*sxy - sx*sy) / den)
}

func ptr[T any](v T) *T { return &v }

// MeasureCapacity runs restic stats (raw-data and restore-size) on each
// site, all in parallel, reads the free space where it can be known and
// stores the measurement with its time; a failure is stored too, so the
// console can say the figures are old. No sites means every site. It
// takes no repository lock (--no-lock): measuring writes nothing, not even
// under --read-only. The error joins the sites that could not be measured.
func (e *Engine) MeasureCapacity(ctx context.Context, sites ...string) error {
	return errors.Join(inParallel(e.siteNames(sites), func(name string) error {
		return e.measureSite(ctx, name)
	})...)
}

func (e *Engine) measureSite(ctx context.Context, name string) error {
	s, err := e.site(name)
	if err != nil {
		return err
	}
	smp, err := e.stats(ctx, s)
	smp.Site, smp.Time = name, e.now()
	if err != nil {
		if ctx.Err() != nil {
			return err // a cancelled refresh says nothing about the site
		}
		smp = storage.CapacitySample{Site: name, Time: smp.Time, Error: err.Error()}
	}
	if rerr := e.store.RecordCapacity(context.WithoutCancel(ctx), smp); rerr != nil {
		return errors.Join(err, rerr)
	}
	if err != nil {
		// restic's errors name the site already.
		return fmt.Errorf("capacity: %w", err)
	}
	return nil
}

func (e *Engine) stats(ctx context.Context, s *config.Site) (storage.CapacitySample, error) {
	var smp storage.CapacitySample
	repo, err := e.repo(s)
	if err != nil {
		return smp, err
	}
	var raw resticRawStats
	if err := e.resticJSON(ctx, repo, "stats raw-data", &raw, "stats", "--mode", "raw-data", "--json", "--no-lock", "--quiet"); err != nil {
		return smp, err
	}
	var rs resticRestoreStats
	if err := e.resticJSON(ctx, repo, "stats restore-size", &rs, "stats", "--mode", "restore-size", "--json", "--no-lock", "--quiet"); err != nil {
		return smp, err
	}
	smp.StoredBytes, smp.RawBytes, smp.CompressionRatio = raw.TotalSize, raw.TotalUncompressedSize, raw.CompressionRatio
	smp.Snapshots, smp.RestoreBytes = raw.SnapshotsCount, rs.TotalSize
	if err := e.leaveOutOwn(ctx, s.Name, &smp); err != nil {
		return smp, err
	}
	// restic leaves out zero fields: an empty repository holds nothing
	// uncompressed either.
	if smp.RawBytes == nil && smp.StoredBytes != nil && *smp.StoredBytes == 0 {
		smp.RawBytes = ptr(int64(0))
	}
	// restic prints compression_ratio 0 for a repository with no data; a
	// ratio of nothing is unknown, not zero.
	if smp.CompressionRatio != nil && *smp.CompressionRatio <= 0 {
		smp.CompressionRatio = nil
	}
	if path := siteFreePath(s); path != "" {
		if free, err := freeBytes(path); err == nil {
			smp.FreeBytes = ptr(int64(free))
		}
	}
	return smp, nil
}

func (e *Engine) resticJSON(ctx context.Context, repo restic.Repo, op string, v any, args ...string) error {
	res, err := e.runner.Run(ctx, restic.Call{Repo: repo, Op: op, Capture: true, FailFast: true, Args: args})
	if err != nil {
		return err
	}
	if err := json.Unmarshal(res.Stdout, v); err != nil {
		return fmt.Errorf("site %s: %s: unexpected output from restic: %w", repo.Site, op, err)
	}
	return nil
}

// siteFreePath is where a site's free space can be read: its repository
// when that is a local path, else the path of its first disk probe; ""
// when neither (a remote backend does not tell its free space).
func siteFreePath(s *config.Site) string {
	if p := config.RepositoryKey(s.Repository); filepath.IsAbs(p) {
		return p
	}
	for _, pr := range s.Probes {
		if pr.Disk != nil {
			return pr.Disk.Path
		}
	}
	return ""
}

// Figures of a capacity for people; "" for an unknown value, so callers
// can print their own dash.

// SizeOf renders a byte count, or "" when unknown.
func SizeOf(p *int64) string {
	if p == nil {
		return ""
	}
	if *p < 0 {
		return "-" + Bytes(uint64(-*p))
	}
	return Bytes(uint64(*p))
}

// RatioOf renders a ratio such as 1.67x, or "" when unknown.
func RatioOf(p *float64) string {
	if p == nil {
		return ""
	}
	return fmt.Sprintf("%.2fx", *p)
}

// GrowthOf renders growth per day with its sign, or "" when unknown.
func GrowthOf(p *float64) string {
	if p == nil {
		return ""
	}
	n := int64(*p)
	sign := "+"
	if n < 0 {
		sign = ""
	}
	return sign + SizeOf(&n) + "/day"
}

// DaysOf renders days to full, or "" when unknown.
func DaysOf(p *float64) string {
	switch {
	case p == nil:
		return ""
	case *p < 1:
		return "under a day"
	case *p > 3650:
		return "over 10 years"
	}
	return fmt.Sprintf("%.0f days", *p)
}

// CostOf renders a monthly cost (the config's currency), or "" when unknown.
func CostOf(p *float64) string {
	if p == nil {
		return ""
	}
	if *p != 0 && *p < 0.01 {
		return "<0.01/month" // the JSON has the exact figure
	}
	return fmt.Sprintf("%.2f/month", *p)
}

// leaveOutOwn takes Lifeboat's own snapshots (the ledger, canaries) out of
// the snapshot count and the restore size: they are not the operator's
// data. The bytes they store stay in: the site stores them. The listing is
// refreshed first so that the count matches what stats just saw.
func (e *Engine) leaveOutOwn(ctx context.Context, site string, smp *storage.CapacitySample) error {
	for _, p := range e.refreshListings(ctx, site) {
		if p.Err != nil {
			return p.Err
		}
	}
	ledgers, err := e.store.CachedLedgers(ctx, site)
	if err != nil {
		return err
	}
	canaries, err := e.store.CachedCanaries(ctx, site)
	if err != nil {
		return err
	}
	own := append(ledgers, canaries...)
	if smp.Snapshots != nil {
		smp.Snapshots = ptr(max(0, *smp.Snapshots-int64(len(own))))
	}
	if smp.RestoreBytes != nil {
		var b int64
		for _, sn := range own {
			b += sn.TotalBytes
		}
		smp.RestoreBytes = ptr(max(0, *smp.RestoreBytes-b))
	}
	return nil
}
