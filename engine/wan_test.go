package engine_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-dr/lifeboat/engine"
	"github.com/lifeboat-dr/lifeboat/engine/restic"
	"github.com/lifeboat-dr/lifeboat/internal/testenv"
)

// drState is dr's observation in one probe round.
func drState(t *testing.T, f *fixture) engine.SiteObservation {
	t.Helper()
	ctx := context.Background()
	st, err := f.eng.Status(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range f.eng.ProbeRound(ctx, st) {
		if r.Site == "dr" {
			return r.Observation
		}
	}
	t.Fatal("no probe round for dr")
	return engine.SiteObservation{}
}

// The WAN as it is: the standby's object store behind a link of 300 ms
// latency and 1 MB/s, then cut in the middle of a replication, then back.
// Replication is as fast as restic's own copy over the same link, rides
// out the partition, and copies each snapshot once; probes say DEGRADED
// (slow) while the link is slow and DOWN while it is cut.
func TestWANSlowThenPartitioned(t *testing.T) {
	t.Parallel()
	f := newS3Fixture(t, false, "")
	gw := f.world.DRGW
	gw.Stoppable(t)
	wan := testenv.StartWAN(t, gw.Addr)
	f.editConfig(func(y string) string { return strings.ReplaceAll(y, gw.Addr, wan.Addr) })
	f.opts.OutageLimit = time.Minute // a partition of seconds is ridden out
	f.open()
	f.init()
	bigModels(t, f, 1)
	ctx := context.Background()
	models := []string{"models"} // one set: round trips, not data, are what the link costs
	if _, err := f.eng.Backup(ctx, engine.BackupRequest{Sets: models}, nil); err != nil {
		t.Fatal(err)
	}
	drRepo := func(name string) string {
		s, _ := f.cfg.Site("dr")
		return strings.Replace(s.Repository, "/lifeboat", "/"+name, 1)
	}
	primary := filepath.Join(f.dir, "primary")
	testenv.RunRestic(t, drRepo("raw"), f.pwFile, "init", "--from-repo", primary, "--from-password-file", f.pwFile, "--copy-chunker-params")
	if o := drState(t, f); strings.Contains(strings.Join(o.Reasons, ";"), "slow") {
		t.Fatalf("dr slow on a clean link: %+v", o)
	}
	clean := f.latency()
	t.Logf("dr on a clean link: listing in %v", clean)
	// Slow is what this link adds to what a clean one takes on this
	// machine now: 300 ms each way costs several round trips more.
	f.opts.SlowProbe = clean + 1500*time.Millisecond
	f.open()

	wan.Slow(300, 1024)
	if o := drState(t, f); o.State != engine.StateDegraded || !strings.Contains(strings.Join(o.Reasons, ";"), "slow: the repository answered in") {
		t.Fatalf("dr over a 300 ms, 1 MB/s link: %+v (want DEGRADED, slow)", o)
	}
	t.Logf("dr over 300 ms + 1 MB/s: listing in %v (slow above %v): DEGRADED", f.latency(), f.opts.SlowProbe)
	start := time.Now()
	res, err := f.eng.Replicate(ctx, engine.ReplicateRequest{Sets: models}, nil)
	lifeboat := time.Since(start)
	if err != nil {
		t.Fatalf("replicate over the slow link: %v", err)
	}
	for _, r := range res {
		if r.Outcome != engine.OutcomeOK || r.Copied != 1 {
			t.Fatalf("replicate over the slow link: %+v", r)
		}
	}
	var src []restic.Snapshot
	_ = json.Unmarshal(testenv.RunRestic(t, primary, f.pwFile, "snapshots", "--json"), &src)
	args := []string{"copy", "--from-repo", primary, "--from-password-file", f.pwFile, "-o", "s3.bucket-lookup=path", "-o", "s3.connections=2"}
	for _, s := range src {
		args = append(args, s.ID)
	}
	start = time.Now()
	testenv.RunRestic(t, drRepo("raw"), f.pwFile, args...)
	raw := time.Since(start)
	t.Logf("over 300 ms + 1 MB/s: lifeboat replicate %.1fs (listings, copy, judging), raw restic copy %.1fs, of %d snapshots (%.1f MiB)",
		lifeboat.Seconds(), raw.Seconds(), len(src), float64(treeBytes(t, f.data))/(1<<20))
	if lifeboat > 3*raw+20*time.Second {
		t.Errorf("lifeboat took %v where restic's copy took %v", lifeboat, raw)
	}

	// A partition in the middle of the next replication, then recovery
	// (on a clean link again: the partition is what this part is about).
	wan.Clear()
	testenv.WriteFiles(t, f.data, map[string]string{"models/big/z.bin": randomText(1 << 20)})
	if _, err := f.eng.Backup(ctx, engine.BackupRequest{Sets: []string{"models"}}, nil); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	var results []engine.ReplicateResult
	go func() {
		var err error
		results, err = f.eng.Replicate(ctx, engine.ReplicateRequest{Sets: models}, nil)
		done <- err
	}()
	waitForLock(t, gw)
	wan.Partition()
	cut := time.Now()
	if o := drState(t, f); o.State != engine.StateDown {
		t.Errorf("dr with the link cut: %+v (want DOWN)", o)
	}
	time.Sleep(3*time.Second - time.Since(cut)) // the partition lasts 3s
	select {
	case err := <-done:
		t.Fatalf("replication ended during the partition (%v): it missed the copy or gave up", err)
	default:
	}
	wan.Heal()
	healed := time.Now()
	if err := <-done; err != nil {
		t.Fatalf("replication across a 3s partition: %v", err)
	}
	t.Logf("partition of %.1fs mid-replication; replication finished %.1fs after the link came back",
		healed.Sub(cut).Seconds(), time.Since(healed).Seconds())
	for _, r := range results {
		if r.Outcome != engine.OutcomeOK || r.Missing != 0 {
			t.Fatalf("replication across the partition: %+v", r)
		}
	}
	var at []restic.Snapshot
	_ = json.Unmarshal(testenv.RunRestic(t, drRepo("lifeboat"), f.pwFile, "snapshots", "--json"), &at)
	seen := map[string]int{}
	for _, s := range at {
		seen[s.Original]++
	}
	if len(at) != 2 || len(seen) != 2 {
		t.Fatalf("dr holds %d snapshots of %d originals, want 2 of 2 (each copied once)", len(at), len(seen))
	}
}

func treeBytes(t *testing.T, dir string) int {
	n := 0
	for _, v := range testenv.Tree(t, dir) {
		n += len(v)
	}
	return n
}

func randomText(n int) string {
	b := make([]byte, n)
	f, _ := os.Open("/dev/urandom")
	defer f.Close()
	_, _ = f.Read(b)
	return string(b)
}

// latency is dr's listing latency as status last measured it.
func (f *fixture) latency() time.Duration {
	f.t.Helper()
	st, err := f.eng.Status(context.Background(), false)
	if err != nil {
		f.t.Fatal(err)
	}
	for _, s := range st.Sites {
		if s.Name == "dr" {
			return time.Duration(s.LatencyMS * float64(time.Millisecond)).Round(time.Millisecond)
		}
	}
	f.t.Fatal("no dr in status")
	return 0
}

// Progress over a 300 ms, 1 MB/s link: restic copy reports no rate, so the
// one shown is measured from the packs the standby has taken; it must be
// near the link's real rate, and the ETA must count down.
func TestWANReplicationProgress(t *testing.T) {
	t.Parallel()
	f := newS3Fixture(t, false, "")
	wan := testenv.StartWAN(t, f.world.DRGW.Addr)
	f.editConfig(func(y string) string {
		y = strings.ReplaceAll(y, f.world.DRGW.Addr, wan.Addr)
		// Packs of 4 MiB (restic's least), sent one at a time: a copy of
		// seconds has packs arriving one after the other to measure.
		y = strings.Replace(y, "s3.connections: 2", "s3.connections: 1", 1)
		return strings.Replace(y, "    role: active\n", "    role: active\n    env: {RESTIC_PACK_SIZE: \"4\"}\n", 1)
	})
	f.open()
	f.init()
	// 28 MiB: enough full packs (4 MiB and more) that a rate is known
	// with several of them still to come.
	bigModels(t, f, 28)
	ctx := context.Background()
	models := []string{"models"}
	if _, err := f.eng.Backup(ctx, engine.BackupRequest{Sets: models}, nil); err != nil {
		t.Fatal(err)
	}
	wan.Slow(300, 1024) // toxiproxy's KB is 1000 bytes: 1.024 MB/s
	const link = 1024 * 1000.0
	type seen struct {
		at time.Duration
		p  engine.Progress
	}
	var shown []seen
	start := time.Now()
	arrived := watchPacks(t, f.world.DRGW.Dir, start)
	_, err := f.eng.Replicate(ctx, engine.ReplicateRequest{Sets: models}, func(ev engine.Event) {
		if ev.Kind == engine.EventProgress {
			shown = append(shown, seen{time.Since(start), ev.Progress})
		}
	})
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	// The truth: when each pack landed in the standby's bucket.
	packs := arrived()
	if len(packs) < 3 {
		t.Fatalf("%d packs arrived at dr, want several", len(packs))
	}
	var after uint64
	for _, p := range packs[1:] {
		after += p.size
	}
	actual := float64(after) / (packs[len(packs)-1].at - packs[0].at).Seconds()

	var rates, etas []string
	var last seen
	var first time.Duration
	for _, s := range shown {
		if s.p.Rate == 0 {
			continue
		}
		if r := engine.RateText(s.p.Rate); last.p.Rate == 0 || r != engine.RateText(last.p.Rate) {
			rates = append(rates, fmt.Sprintf("%.0fs:%s", s.at.Seconds(), r))
		}
		if s.p.ETA > 0 {
			if first == 0 {
				first = s.p.ETA
			}
			// The ETA counts down; it may rise only when the rate fell.
			if last.p.ETA > 0 && s.p.ETA > last.p.ETA+time.Second && s.p.Rate >= last.p.Rate {
				t.Errorf("at %v the ETA went up from %v to %v at the same rate", s.at.Round(time.Second), last.p.ETA, s.p.ETA)
			}
			if e := s.p.ETA.Round(time.Second); last.p.ETA.Round(time.Second) != e {
				etas = append(etas, fmt.Sprintf("%.0fs:%v", s.at.Seconds(), e))
			}
		}
		last = s
	}
	t.Logf("replicated %.1f MiB over 300 ms + %s in %.1fs: %d packs reached dr at %s; rates shown %v; ETAs shown %v",
		float64(treeBytes(t, filepath.Join(f.data, "models")))/(1<<20), engine.RateText(link), took.Seconds(), len(packs),
		engine.RateText(actual), rates, etas)
	if last.p.Rate == 0 || len(etas) < 3 || last.p.ETA >= first {
		t.Fatalf("no measured rate or no ETA counting down in %d progress events", len(shown))
	}
	if r := last.p.Rate / actual; r < 0.5 || r > 2 {
		t.Errorf("the rate shown last, %s, is far from the %s at which packs reached dr", engine.RateText(last.p.Rate), engine.RateText(actual))
	}
}

type landed struct {
	at   time.Duration
	size uint64
}

// watchPacks notes when each pack file appears in a gateway's buckets,
// until the returned function is called; it returns them by arrival.
func watchPacks(t *testing.T, dir string, start time.Time) func() []landed {
	stop, done := make(chan struct{}), make(chan []landed)
	go func() {
		seen := map[string]landed{}
		for {
			files, _ := filepath.Glob(filepath.Join(dir, "*", "lifeboat", "data", "*", "*"))
			for _, p := range files {
				if _, ok := seen[p]; !ok {
					if fi, err := os.Stat(p); err == nil {
						seen[p] = landed{time.Since(start), uint64(fi.Size())}
					}
				}
			}
			select {
			case <-stop:
				var out []landed
				for _, l := range seen {
					out = append(out, l)
				}
				sort.Slice(out, func(i, j int) bool { return out[i].at < out[j].at })
				done <- out
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	return func() []landed { close(stop); return <-done }
}
