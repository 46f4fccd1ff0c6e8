package bench

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// BenchmarkWatchSoak runs `lifeboat watch` over the catalog at scale (3
// sites × 20,000 snapshots × 50 sets) for LIFEBOAT_SOAK (default 2h), a
// round of probes every LIFEBOAT_SOAK_INTERVAL (default 15s, a quarter of
// the default minute: more rounds in the same hours), and samples its
// resident memory every 30s. Memory must stay flat (issue #17): the last
// twelfth of the soak within 10 % of the level after warm-up (the second
// twelfth; the first holds the start-up and the first rounds).
// `make soak` runs it.
func BenchmarkWatchSoak(b *testing.B) {
	soak := 2 * time.Hour
	if d, err := time.ParseDuration(os.Getenv("LIFEBOAT_SOAK")); err == nil && d > 0 {
		soak = d
	}
	interval := "15s"
	if v := os.Getenv("LIFEBOAT_SOAK_INTERVAL"); v != "" {
		interval = v
	}
	start := time.Now()
	loadBefore := loadAverage()
	s := newSuite(b)
	lifeboat := s.lifeboat
	cfg, state, _ := s.scaleWorld()

	log := s.path("watch.log")
	errf, err := os.Create(log)
	if err != nil {
		b.Fatal(err)
	}
	defer errf.Close()
	cmd := exec.Command(lifeboat, "--config", cfg, "--state", state, "watch", "--interval", interval)
	cmd.Env, cmd.Stdout, cmd.Stderr = env(), errf, errf
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t0 := time.Now()
	s.logf("watch (pid %d, --interval %s) over 3 × %d snapshots × %d sets for %s", cmd.Process.Pid, interval, scaleSnapshots, scaleSets, soak)

	type sample struct {
		at  time.Duration
		rss int64
	}
	var samples []sample
	tick := time.NewTicker(30 * time.Second)
	defer tick.Stop()
	end := time.After(soak)
loop:
	for {
		select {
		case err := <-exited:
			b.Fatalf("watch ended after %s: %v\n%s", time.Since(t0).Round(time.Second), err, tail([]byte(readFile(log))))
		case <-end:
			break loop
		case <-tick.C:
			rss, err := residentBytes(cmd.Process.Pid)
			if err != nil {
				b.Fatalf("watch's memory: %v", err)
			}
			samples = append(samples, sample{time.Since(t0), rss})
			if len(samples)%20 == 0 {
				s.logf("%s: RSS %s", time.Since(t0).Round(time.Second), fmtBytes(rss))
			}
		}
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(time.Minute):
		_ = cmd.Process.Kill()
		<-exited
	}
	if len(samples) < 12 {
		b.Fatalf("%d samples in %s: a soak needs at least 6 minutes", len(samples), soak)
	}

	// Median RSS of the samples in [from, to) of the soak.
	window := func(from, to time.Duration) int64 {
		var xs []time.Duration // Median works on durations; bytes fit
		for _, x := range samples {
			if x.at >= from && x.at < to {
				xs = append(xs, time.Duration(x.rss))
			}
		}
		return int64(Median(xs))
	}
	twelfth := soak / 12
	warm, last := window(twelfth, 2*twelfth), window(soak-twelfth, soak+time.Minute)
	peak := int64(0)
	for _, x := range samples {
		peak = max(peak, x.rss)
	}
	row := Row{Measure: fmt.Sprintf("watch RSS after a %s soak, 3 × 20,000 × 50 sets", soak), Kind: Absolute, LBBytes: last, RawBytes: warm,
		LimitB: warm * 110 / 100, Runs: len(samples),
		Note: fmt.Sprintf("raw = watch's own RSS after warm-up; peak %s; --interval %s", fmtBytes(peak), interval)}

	var out strings.Builder
	fmt.Fprintf(&out, "\nlifeboat watch soak — %s\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(&out, "machine: %s\n", Machine(s.restic))
	if v, err := exec.Command(lifeboat, "--version").Output(); err == nil {
		fmt.Fprintf(&out, "%s; 1-minute load average before %s, after %s\n", strings.TrimSpace(string(v)), loadBefore, loadAverage())
	}
	fmt.Fprintf(&out, "a round of probes every %s: about %d rounds\n\n", interval, int(soak/max(time.Second, parseDur(interval))))
	PrintTable(&out, []Row{row})
	fmt.Fprintf(&out, "\nRSS every 10 minutes:\n")
	next := time.Duration(0)
	for _, x := range samples {
		if x.at >= next {
			fmt.Fprintf(&out, "  %6s  %s\n", x.at.Round(time.Minute), fmtBytes(x.rss))
			next += 10 * time.Minute
		}
	}
	fmt.Fprintf(&out, "suite took %s\n", time.Since(start).Round(time.Second))
	fmt.Print(out.String())
	_ = os.WriteFile(filepath.Join(CacheRoot(), "last-soak.md"), []byte(out.String()), 0o644)
	if !row.Met() {
		s.logf("memory grew: %s after warm-up, %s at the end", fmtBytes(warm), fmtBytes(last))
	}
}

// residentBytes is a process's resident set (VmRSS).
func residentBytes(pid int) (int64, error) {
	f, err := os.Open(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no VmRSS for pid %d", pid)
}

func readFile(p string) string {
	b, _ := os.ReadFile(p)
	return string(b)
}

func parseDur(s string) time.Duration {
	d, _ := time.ParseDuration(s)
	return d
}
