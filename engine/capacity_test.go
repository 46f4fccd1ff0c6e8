package engine_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"math"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lifeboat-dr/lifeboat/engine"
	"github.com/lifeboat-dr/lifeboat/internal/testenv"
)

// resticStats is what the test reads from restic itself, field names as
// restic 0.19.1 prints them.
type resticStats struct {
	TotalSize             int64   `json:"total_size"`
	TotalUncompressedSize int64   `json:"total_uncompressed_size"`
	CompressionRatio      float64 `json:"compression_ratio"`
	SnapshotsCount        int64   `json:"snapshots_count"`
}

func (f *fixture) resticStats(site, mode string) resticStats {
	f.t.Helper()
	var s resticStats
	out := f.raw(site, "stats", "--mode", mode, "--json", "--quiet")
	if err := json.Unmarshal(out, &s); err != nil {
		f.t.Fatalf("restic stats --mode %s at %s: %v\n%s", mode, site, err, out)
	}
	return s
}

func capacityOf(t *testing.T, caps []engine.Capacity, site string) engine.Capacity {
	t.Helper()
	for _, c := range caps {
		if c.Site == site {
			return c
		}
	}
	t.Fatalf("no capacity for site %s in %+v", site, caps)
	return engine.Capacity{}
}

func withCost(f *fixture, cost string) {
	f.t.Helper()
	f.editConfig(func(y string) string {
		return strings.Replace(y, "    role: active\n", "    role: active\n    cost_per_gib_month: "+cost+"\n", 1)
	})
	f.open()
}

func TestCapacityMatchesResticStats(t *testing.T) {
	f := newFixture(t, "")
	withCost(f, "0.02")
	ctx := context.Background()
	f.protect()

	// Nothing measured yet: every figure unknown, and no restic was run to say so.
	caps, err := f.eng.Capacity(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(caps) != 2 || caps[0].MeasuredAt != nil || caps[0].StoredBytes != nil || caps[1].MonthlyCost != nil {
		t.Fatalf("before any measurement: %+v", caps)
	}

	before := time.Now()
	if err := f.eng.MeasureCapacity(ctx); err != nil {
		t.Fatal(err)
	}
	caps, err = f.eng.Capacity(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, site := range []string{"primary", "dr"} {
		c := capacityOf(t, caps, site)
		raw, rs := f.resticStats(site, "raw-data"), f.resticStats(site, "restore-size")
		t.Logf("%s: restic raw-data %+v restore-size %+v", site, raw, rs)
		if c.MeasuredAt == nil || c.MeasuredAt.Before(before.Add(-time.Second)) {
			t.Errorf("%s: measured_at = %v", site, c.MeasuredAt)
		}
		if c.StoredBytes == nil || *c.StoredBytes != raw.TotalSize || raw.TotalSize == 0 {
			t.Errorf("%s: stored_bytes = %v, restic says %d", site, c.StoredBytes, raw.TotalSize)
		}
		if c.RawBytes == nil || *c.RawBytes != raw.TotalUncompressedSize {
			t.Errorf("%s: raw_bytes = %v, restic says %d", site, c.RawBytes, raw.TotalUncompressedSize)
		}
		if c.RestoreBytes == nil || *c.RestoreBytes != rs.TotalSize {
			t.Errorf("%s: restore_bytes = %v, restic says %d", site, c.RestoreBytes, rs.TotalSize)
		}
		if c.Snapshots == nil || *c.Snapshots != raw.SnapshotsCount || raw.SnapshotsCount != 3 {
			t.Errorf("%s: snapshots = %v, restic says %d (3 sets backed up once)", site, c.Snapshots, raw.SnapshotsCount)
		}
		// The fixture's files repeat one word: restic compresses them.
		if c.CompressionRatio == nil || *c.CompressionRatio != raw.CompressionRatio || raw.CompressionRatio <= 1 {
			t.Errorf("%s: compression_ratio = %v, restic says %v", site, c.CompressionRatio, raw.CompressionRatio)
		}
		if want := float64(rs.TotalSize) / float64(raw.TotalUncompressedSize); c.DedupRatio == nil || *c.DedupRatio != want {
			t.Errorf("%s: dedup_ratio = %v, want %v", site, c.DedupRatio, want)
		}
		// One measurement: no growth, so no days to full.
		if c.GrowthBytesPerDay != nil || c.DaysToFull != nil {
			t.Errorf("%s: growth %v, days to full %v from one measurement", site, c.GrowthBytesPerDay, c.DaysToFull)
		}
	}

	p := capacityOf(t, caps, "primary")
	if want := float64(*p.StoredBytes) / (1 << 30) * 0.02; p.MonthlyCost == nil || math.Abs(*p.MonthlyCost-want) > 1e-15 {
		t.Errorf("primary: monthly_cost = %v, want %v", p.MonthlyCost, want)
	}
	// The local repository's file system tells its free space.
	var st syscall.Statfs_t
	if err := syscall.Statfs(filepath.Join(f.dir, "primary"), &st); err != nil {
		t.Fatal(err)
	}
	free := int64(st.Bavail) * int64(st.Bsize)
	// Other processes write to the same disk meanwhile: near, not equal.
	if p.FreeBytes == nil || math.Abs(float64(*p.FreeBytes-free)) > 0.05*float64(free)+64<<20 {
		t.Errorf("primary: free_bytes = %v, statfs says %d", p.FreeBytes, free)
	}
	d := capacityOf(t, caps, "dr")
	// rest-server does not say how much room it has, and dr has no price.
	if d.FreeBytes != nil || d.DaysToFull != nil || d.MonthlyCost != nil {
		t.Errorf("dr: free %v, days to full %v, cost %v; want unknown", d.FreeBytes, d.DaysToFull, d.MonthlyCost)
	}
}

func TestCapacityGrowthFromTwoMeasurements(t *testing.T) {
	f := newFixture(t, "")
	ctx := context.Background()
	f.protect()
	t0 := time.Now().Add(-48 * time.Hour)
	f.eng.SetClock(func() time.Time { return t0 })
	if err := f.eng.MeasureCapacity(ctx, "primary"); err != nil {
		t.Fatal(err)
	}
	first := f.resticStats("primary", "raw-data").TotalSize

	// New data that does not compress or deduplicate, backed up "two days later".
	testenv.WriteFiles(t, f.data, map[string]string{"models/ckpt-2/shard-0.bin": randomString(t, 300_000)})
	f.eng.SetClock(time.Now)
	if _, err := f.eng.Backup(ctx, engine.BackupRequest{Sets: []string{"models"}}, nil); err != nil {
		t.Fatal(err)
	}
	f.eng.SetClock(func() time.Time { return t0.Add(48 * time.Hour) })
	if err := f.eng.MeasureCapacity(ctx, "primary"); err != nil {
		t.Fatal(err)
	}
	second := f.resticStats("primary", "raw-data").TotalSize
	if second-first < 300_000 {
		t.Fatalf("restic says stored bytes went from %d to %d; the new file was 300000 bytes", first, second)
	}

	caps, err := f.eng.Capacity(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c := capacityOf(t, caps, "primary")
	want := float64(second-first) / 2
	if c.GrowthBytesPerDay == nil || math.Abs(*c.GrowthBytesPerDay-want) > 1e-6 {
		t.Fatalf("growth_bytes_per_day = %v, want %v", c.GrowthBytesPerDay, want)
	}
	if c.FreeBytes == nil || c.DaysToFull == nil || math.Abs(*c.DaysToFull-float64(*c.FreeBytes)/want) > 1e-6 {
		t.Errorf("days_to_full = %v with free %v and growth %v", c.DaysToFull, c.FreeBytes, want)
	}
	if len(c.History) != 2 || c.History[0].StoredBytes != first || c.History[1].StoredBytes != second {
		t.Errorf("history = %+v, want %d then %d", c.History, first, second)
	}
	if c.MonthlyCost != nil {
		t.Errorf("monthly_cost = %v without cost_per_gib_month", *c.MonthlyCost)
	}
	// dr was never measured.
	if d := capacityOf(t, caps, "dr"); d.MeasuredAt != nil || d.StoredBytes != nil {
		t.Errorf("dr = %+v, never measured", d)
	}
}

// A remote site's free space comes from its disk probe; when the site
// cannot be measured, its last figures stay and the failure is kept.
func TestCapacityFailedMeasurementKeepsLastFigures(t *testing.T) {
	f := newFixture(t, "")
	probed := t.TempDir()
	f.editConfig(func(y string) string {
		return strings.Replace(y, "    role: standby\n", "    role: standby\n    probes: [{disk: {path: "+probed+", min_free: 1}}]\n", 1)
	})
	f.open()
	ctx := context.Background()
	f.protect()
	if err := f.eng.MeasureCapacity(ctx, "dr"); err != nil {
		t.Fatal(err)
	}
	caps, err := f.eng.Capacity(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var st syscall.Statfs_t
	if err := syscall.Statfs(probed, &st); err != nil {
		t.Fatal(err)
	}
	free := int64(st.Bavail) * int64(st.Bsize)
	if d := capacityOf(t, caps, "dr"); d.FreeBytes == nil || math.Abs(float64(*d.FreeBytes-free)) > 0.05*float64(free)+64<<20 {
		t.Errorf("dr with a disk probe: free_bytes = %v, statfs of the probe's path says %d", d.FreeBytes, free)
	}
	f.srv.Stop()
	err = f.eng.MeasureCapacity(ctx, "dr")
	if err == nil || !strings.Contains(err.Error(), "site dr") {
		t.Fatalf("measuring an unreachable site: %v", err)
	}
	caps, err = f.eng.Capacity(ctx)
	if err != nil {
		t.Fatal(err)
	}
	d := capacityOf(t, caps, "dr")
	if d.StoredBytes == nil || d.LastError == "" || d.MeasuredAt == nil || !d.LastErrorAt.After(*d.MeasuredAt) {
		t.Errorf("after a failed measurement: %+v", d)
	}
	if strings.Contains(d.LastError, fixturePassword) {
		t.Error("the stored error holds the password")
	}
}

func randomString(t *testing.T, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return string(b)
}
