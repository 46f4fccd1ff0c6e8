package engine_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-dr/lifeboat/engine"
	"github.com/lifeboat-dr/lifeboat/engine/enginetest"
	"github.com/lifeboat-dr/lifeboat/internal/testenv"
	"github.com/lifeboat-dr/lifeboat/storage"
)

// scaleWorld is a state store seeded directly with a large catalog (no
// restic repository is needed: status --cached reads only the store).
// Each site holds perSite snapshots spread over sets; the standbys lack
// the newest `lag` snapshots of every set, and copies carry `original`.
func scaleWorld(tb testing.TB, sites []string, sets, perSite, lag int) *engine.Engine {
	tb.Helper()
	dir := tb.TempDir()
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	pw := filepath.Join(dir, "pw")
	if err := os.WriteFile(pw, []byte("x\n"), 0o600); err != nil {
		tb.Fatal(err)
	}
	w("objectives: {rpo: 24h, rto: 1h, drill_every: 10000d}")
	w("sites:")
	for i, s := range sites {
		role := "standby"
		if i == 0 {
			role = "active"
		}
		w("  - name: %s\n    repository: %q\n    password_file: %q\n    role: %s", s, filepath.Join(dir, s), pw, role)
	}
	w("sets:")
	data := filepath.Join(dir, "data")
	for i := range sets {
		w("  - name: set-%02d\n    paths: [%q]", i, data)
	}
	w("drills:\n  scratch: %q", filepath.Join(dir, "scratch"))
	w("restic:\n  binary: %q", testenv.Restic(tb))
	cfg := filepath.Join(dir, "lifeboat.yaml")
	if err := os.WriteFile(cfg, []byte(b.String()), 0o644); err != nil {
		tb.Fatal(err)
	}
	_, st, eng := enginetest.OpenWith(tb, cfg, filepath.Join(dir, "state"), engine.Options{})
	ctx := context.Background()
	t0 := time.Now().Add(-48 * time.Hour).UTC()
	id := func(k int) string { h := sha256.Sum256([]byte(fmt.Sprint(k))); return hex.EncodeToString(h[:]) }
	for si, site := range sites {
		var add []storage.Snapshot
		for k := range perSite {
			set := k % sets
			if si > 0 && k >= perSite-lag*sets {
				continue // not yet replicated
			}
			sn := storage.Snapshot{ID: id(k), ShortID: id(k)[:8], Time: t0.Add(time.Duration(k) * 8 * time.Second),
				Host: fmt.Sprintf("h%d", k%10), Username: "root", Paths: []string{data},
				Tags: []string{fmt.Sprintf("set-%02d", set)}, Tree: id(-k), ProgramVersion: "restic 0.19.1",
				TotalFiles: 1, TotalBytes: 4096}
			if si > 0 {
				sn.Original, sn.ID = sn.ID, id(k*7+si)
			}
			add = append(add, sn)
		}
		if err := st.SyncSnapshots(ctx, site, add, nil, time.Now()); err != nil {
			tb.Fatal(err)
		}
		if err := st.RecordSample(ctx, storage.SiteSample{Site: site, Time: time.Now(), Reachable: true, Latency: time.Millisecond}); err != nil {
			tb.Fatal(err)
		}
	}
	return eng
}

// BenchmarkStatusCachedAtScale is status --cached over the catalog of the
// scale bench (3 sites × 20,000 snapshots × 50 sets), in process: profile
// it with -cpuprofile.
func BenchmarkStatusCachedAtScale(b *testing.B) {
	eng := scaleWorld(b, []string{"east", "west", "north"}, 50, 20000, 2)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		if _, err := eng.Status(ctx, false); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCachedBriefs(b *testing.B) {
	eng := scaleWorld(b, []string{"east", "west", "north"}, 50, 20000, 2)
	st := engine.StoreOf(eng)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		if _, err := st.CachedBriefs(ctx, "east"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBriefsRebuild is what a sync that changes a 20,000-snapshot
// site pays to rebuild its briefs (the removal of an unknown id rebuilds).
func BenchmarkBriefsRebuild(b *testing.B) {
	eng := scaleWorld(b, []string{"east"}, 50, 20000, 0)
	st := engine.StoreOf(eng)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		if err := st.SyncSnapshots(ctx, "east", nil, []string{"unknown"}, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
}
