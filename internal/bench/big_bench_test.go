package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lifeboat-dr/lifeboat/internal/e2e"
	"github.com/lifeboat-dr/lifeboat/internal/testenv"
	"github.com/lifeboat-dr/lifeboat/storage"
)

// processes reads, from a state's command log, the restic processes that
// lifeboat started since t0: its own, and the ledger's (issue #9: reads as
// a command starts, publications as it ends) with the wall time during
// which at least one of those ran.
func (s *suite) processes(state string, t0 time.Time) string {
	s.b.Helper()
	st, err := storage.Open(state)
	if err != nil {
		s.b.Fatal(err)
	}
	defer st.Close()
	invs, err := st.RecentInvocations(context.Background(), 500)
	if err != nil {
		s.b.Fatal(err)
	}
	own := 0
	var spans [][2]time.Time
	for _, inv := range invs {
		if inv.Time.Before(t0) || len(inv.Args) < 2 {
			continue
		}
		if !(testenv.Call{Args: inv.Args[1:]}).Ledger() {
			own++
			continue
		}
		spans = append(spans, [2]time.Time{inv.Time, inv.Time.Add(inv.Duration)})
	}
	slices.SortFunc(spans, func(a, b [2]time.Time) int { return a[0].Compare(b[0]) })
	var covered time.Duration
	var end time.Time
	for _, sp := range spans {
		if sp[0].After(end) {
			covered += sp[1].Sub(sp[0])
			end = sp[1]
		} else if sp[1].After(end) {
			covered += sp[1].Sub(end)
			end = sp[1]
		}
	}
	return fmt.Sprintf("%d restic process(es) of its own; %d of the ledger, running during %s of it", own, len(spans), fmtDur(covered))
}

// lbCounted is s.lb that also logs the processes the run started.
func (s *suite) lbCounted(measure, cfg, state string, ok []int, args ...string) Run {
	s.b.Helper()
	t0 := time.Now()
	r := s.lb(cfg, state, ok, args...)
	s.details = append(s.details, fmt.Sprintf("%s: lifeboat %s: %s", measure, fmtDur(r.Wall), s.processes(state, t0)))
	return r
}

// runsBig is the runs of each 2 GiB measure: LIFEBOAT_BENCH_BIG_RUNS, else
// LIFEBOAT_BENCH_RUNS, else 2 (each run moves 2 GiB twice).
func runsBig() int {
	for _, k := range []string{"LIFEBOAT_BENCH_BIG_RUNS", "LIFEBOAT_BENCH_RUNS"} {
		if n, err := strconv.Atoi(os.Getenv(k)); err == nil && n > 0 {
			return n
		}
	}
	return 2
}

// copyEnv is the environment of a restic that writes repo from from.
func (s *suite) copyEnv(repo, from, cache string) []string {
	return env("RESTIC_REPOSITORY="+repo, "RESTIC_PASSWORD_FILE="+s.f.Password, "RESTIC_CACHE_DIR="+cache,
		"RESTIC_FROM_REPOSITORY="+from, "RESTIC_FROM_PASSWORD_FILE="+s.f.Password)
}

// rawCopy runs restic with copyEnv and fails the suite on error.
func (s *suite) rawCopy(repo, from, cache string, args ...string) Run {
	s.b.Helper()
	r := Exec(s.copyEnv(repo, from, cache), s.restic, args...)
	if r.Code != 0 {
		s.b.Fatalf("restic %v to %s: %s", args, repo, tail(r.Err))
	}
	return r
}

// ratioRow times lifeboat against raw restic runs times (alternating who
// goes first) and adds a Ratio row; prepare and cleanup run untimed.
func (s *suite) ratioRow(measure string, limit float64, runs int, bytes int64, note string,
	prepare func(i int), lb func(i int) time.Duration, raw func(i int) time.Duration, cleanup func(i int)) {
	var lbs, raws []time.Duration
	for i := range runs {
		if prepare != nil {
			prepare(i)
		}
		var l, r time.Duration
		inOrder(i, func() { l = lb(i) }, func() { r = raw(i) })
		if cleanup != nil {
			cleanup(i)
		}
		lbs, raws = append(lbs, l), append(raws, r)
		s.detail(measure, l, r)
	}
	l, r := Median(lbs), Median(raws)
	if bytes > 0 {
		note = fmt.Sprintf("%s vs %s; %s", MiBps(bytes, l), MiBps(bytes, r), note)
	}
	s.rows = append(s.rows, Row{Measure: measure, Kind: Ratio, LB: l, Raw: r, Limit: limit, Runs: runs, Note: note})
	s.logf("%s: lifeboat %s, restic %s", measure, fmtDur(l), fmtDur(r))
}

// benchBig is restore, backup, replicate and drill of 2 GiB of large
// incompressible files, where throughput shows and a process's start-up
// (0.5-0.7 s of key derivation) is small beside the work (issue #17).
func (s *suite) benchBig() {
	s.f.LoadBig(s.b, s.logf)
	runs := runsBig()
	primary, dr := s.path("big-primary"), s.rest.URL("big-dr")
	linkTree(s.b, s.f.BigRepo, primary)
	cache := s.path("cache-big")
	s.rawCopy(dr, primary, cache, "init", "--copy-chunker-params")
	s.rawCopy(dr, primary, cache, "copy")
	state := s.path("state-big")
	cfg := s.config("big", []siteCfg{{"primary", primary, "active"}, {"dr", dr, "standby"}}, "big", s.f.Big, cache)
	s.lb(cfg, state, ok0, "snapshots")
	pSnap, dSnap := s.latest(primary, cache, "big"), s.latest(dr, cache, "big")
	s.logf("2 GiB sites ready: %d files, %s; primary %s, dr %s", s.f.BigN, fmtBytes(s.f.BigB), pSnap[:8], dSnap[:8])
	wall := func(r Run) time.Duration { return r.Wall }
	target := func(side string, i int) string { return s.path("big-restore", fmt.Sprintf("%s-%d", side, i)) }

	s.ratioRow("restore 2 GiB, verified", 1.03, runs, s.f.BigB, "restic restore --verify",
		nil,
		func(i int) time.Duration {
			r := s.lbCounted("restore 2 GiB", cfg, state, ok0, "restore", "--site", "primary", "--set", "big", "--target", target("lb", i))
			if b, _ := treeSize(s.b, target("lb", i)); b != s.f.BigB {
				s.b.Fatalf("lifeboat restored %d bytes, want %d", b, s.f.BigB)
			}
			return r.Wall
		},
		func(i int) time.Duration {
			return wall(s.raw(primary, cache, "restore", pSnap+":"+s.f.Big, "--target", target("raw", i), "--verify"))
		},
		func(i int) { removeAll(s.b, target("lb", i), target("raw", i)) })

	// Backups into empty repositories: every byte is new (init untimed).
	repo := func(side string, i int) string { return s.path(fmt.Sprintf("big-backup-%s-%d", side, i)) }
	bcfg := func(i int) string { return s.path(fmt.Sprintf("big-backup-%d.yaml", i)) }
	bstate := func(i int) string { return s.path(fmt.Sprintf("state-big-backup-%d", i)) }
	s.ratioRow("backup 2 GiB, all new", 1.03, runs, s.f.BigB, "into an empty repository",
		func(i int) {
			s.raw(repo("lb", i), cache, "init")
			s.raw(repo("raw", i), cache, "init")
			s.config(fmt.Sprintf("big-backup-%d", i), []siteCfg{{"primary", repo("lb", i), "active"}}, "big", s.f.Big, cache)
			s.lb(bcfg(i), bstate(i), ok0, "snapshots")
		},
		func(i int) time.Duration {
			return wall(s.lbCounted("backup 2 GiB", bcfg(i), bstate(i), ok0, "backup", "--set", "big"))
		},
		func(i int) time.Duration {
			return wall(s.raw(repo("raw", i), cache, "backup", "--tag", "big", s.f.Big))
		},
		func(i int) { removeAll(s.b, repo("lb", i), repo("raw", i)) })

	// Replication into empty standbys with primary's chunker (init untimed).
	name := func(side string, i int) string { return fmt.Sprintf("big-dr-%s-%d", side, i) }
	rcfg := func(i int) string { return s.path(fmt.Sprintf("big-repl-%d.yaml", i)) }
	rstate := func(i int) string { return s.path(fmt.Sprintf("state-big-repl-%d", i)) }
	s.ratioRow("replicate 2 GiB to rest-server", 1.05, runs, s.f.BigB, "raw = restic copy",
		func(i int) {
			s.rawCopy(s.rest.URL(name("lb", i)), primary, cache, "init", "--copy-chunker-params")
			s.rawCopy(s.rest.URL(name("raw", i)), primary, cache, "init", "--copy-chunker-params")
			s.config(fmt.Sprintf("big-repl-%d", i), []siteCfg{{"primary", primary, "active"}, {"dr", s.rest.URL(name("lb", i)), "standby"}},
				"big", s.f.Big, cache)
			s.lb(rcfg(i), rstate(i), ok0, "snapshots")
		},
		func(i int) time.Duration {
			return wall(s.lbCounted("replicate 2 GiB", rcfg(i), rstate(i), ok0, "replicate", "--to", "dr", "--set", "big"))
		},
		func(i int) time.Duration { return wall(s.rawCopy(s.rest.URL(name("raw", i)), primary, cache, "copy")) },
		func(i int) {
			removeAll(s.b, filepath.Join(s.rest.Dir, name("lb", i)), filepath.Join(s.rest.Dir, name("raw", i)))
		})

	s.ratioRow("drill 2 GiB vs restore + sha256 of the tree", 1.15, runs, 0, "drill also checks 1/10 of the packs",
		nil,
		func(i int) time.Duration {
			l := s.lbCounted("drill 2 GiB", cfg, state, []int{0, 1}, "drill", "--site", "dr")
			s.details = append(s.details, fmt.Sprintf("drill 2 GiB steps (exit %d): %s", l.Code, s.drillSteps(l)))
			return l.Wall
		},
		func(i int) time.Duration {
			t0 := time.Now()
			s.raw(dr, cache, "restore", dSnap+":"+s.f.Big, "--target", target("raw", i))
			if n := sha256Tree(s.b, target("raw", i)); n != s.f.BigN {
				s.b.Fatalf("raw drill hashed %d files, want %d", n, s.f.BigN)
			}
			return time.Since(t0)
		},
		func(i int) { removeAll(s.b, target("raw", i)) })
}

// benchSiteSnapshots is `snapshots --site S` against `restic snapshots` on
// that site: one restic process each (issue #17).
func (s *suite) benchSiteSnapshots() {
	var lbs, raws []time.Duration
	for i := range runsFast {
		var l, r Run
		inOrder(i, func() {
			l = s.lbCounted("snapshots --site primary", ms.cfg, ms.state, ok0, "snapshots", "--site", "primary")
		},
			func() { r = s.raw(ms.primary, ms.rawCache, "snapshots", "--json", "--no-lock") })
		lbs, raws = append(lbs, l.Wall), append(raws, r.Wall)
		s.detail("snapshots --site primary", l.Wall, r.Wall)
	}
	l, r := Median(lbs), Median(raws)
	s.rows = append(s.rows, Row{Measure: "snapshots --site S, 209 MiB sites", Kind: Ratio, LB: l, Raw: r, Limit: 1.15, Runs: runsFast,
		Note: "raw = restic snapshots --json on S"})
	s.logf("snapshots --site: lifeboat %s, restic %s", fmtDur(l), fmtDur(r))
}

// scaleWorld is the catalog at scale (issue #17): 3 sites of 20,000
// snapshots across 50 sets, listed once so the state store holds it all.
// It returns the config, the state directory and the repositories.
func (s *suite) scaleWorld() (cfg, state string, repos []string) {
	s.f.LoadScale(s.b, s.logf)
	var sites []siteCfg
	for i, name := range []string{"east", "west", "north"} {
		repo := s.path("scale-" + name)
		linkTree(s.b, s.f.Scale, repo)
		role := "standby"
		if i == 0 {
			role = "active"
		}
		sites = append(sites, siteCfg{name, repo, role})
		repos = append(repos, repo)
	}
	cache := s.path("cache-scale")
	state = s.path("state-scale")
	cfg = s.config("scale", sites, "set-00", s.f.ScaleSrc, cache)
	// 49 more sets: the config writer makes one.
	b, err := os.ReadFile(cfg)
	if err != nil {
		s.b.Fatal(err)
	}
	var more string
	for i := 1; i < scaleSets; i++ {
		more += fmt.Sprintf("  - name: set-%02d\n    paths: [%q]\n", i, s.f.ScaleSrc)
	}
	y := strings.Replace(string(b), "\ndrills:", "\n"+strings.TrimSuffix(more, "\n")+"\ndrills:", 1)
	if err := os.WriteFile(cfg, []byte(y), 0o644); err != nil {
		s.b.Fatal(err)
	}
	t0 := time.Now()
	// The first listing fetches 60,000 snapshots: on a loaded machine that
	// outlasts the 30 s a listing is given before the site counts as down.
	r := Exec(env("LIFEBOAT_PROBE_TIMEOUT=20m"), s.lifeboat, "--config", cfg, "--state", state, "snapshots", "--set", "set-00", "--json")
	if r.Code != 0 {
		s.b.Fatalf("lifeboat snapshots (cold, 3 × 20,000): exit %d\n%s", r.Code, tail(r.Err))
	}
	if n := strings.Count(string(r.Out), `"short_id"`); n != 3*scaleSnapshots/scaleSets {
		s.b.Fatalf("lifeboat listed %d snapshots of set-00, want %d", n, 3*scaleSnapshots/scaleSets)
	}
	s.logf("scale catalog cached in %s: 3 sites × %d snapshots × %d sets", fmtDur(time.Since(t0)), scaleSnapshots, scaleSets)
	return cfg, state, repos
}

// benchScale measures the catalog at scale. `status --cached` is served
// from the state store; a refresh with nothing new is one `restic list
// snapshots` per site, run in parallel; the console's first frame reads
// the cached catalog.
func (s *suite) benchScale() {
	cfg, state, repos := s.scaleWorld()
	cache := s.path("cache-scale")
	s.lb(cfg, state, []int{0, 1, 2, 3}, "status") // the probes status --cached reports

	var cached []time.Duration
	for range runsFast {
		c := s.lb(cfg, state, []int{0, 1, 2, 3}, "status", "--cached")
		cached = append(cached, c.Wall)
		s.detail("status --cached, 3 × 20,000 snapshots", c.Wall, 0)
	}
	s.rows = append(s.rows, Row{Measure: "status --cached, 3 × 20,000 × 50 sets", Kind: Within, LB: Median(cached), LimitD: 100 * time.Millisecond,
		Runs: runsFast, Note: "no restic; the state store only"})

	var lbs, raws, one []time.Duration
	for i := range runsFast {
		var l Run
		var r, single time.Duration
		inOrder(i, func() { l = s.lbCounted("refresh, 3 × 20,000", cfg, state, ok0, "snapshots", "--set", "set-00") }, func() {
			t0 := time.Now()
			for k, repo := range repos {
				x := s.raw(repo, cache, "list", "snapshots", "--no-lock", "--quiet")
				if k == 0 {
					single = x.Wall
				}
			}
			r = time.Since(t0)
		})
		lbs, raws, one = append(lbs, l.Wall), append(raws, r), append(one, single)
		s.detail("refresh nothing new vs restic list snapshots per site", l.Wall, r)
	}
	s.rows = append(s.rows, Row{Measure: "refresh, nothing new, 3 × 20,000", Kind: Ratio, LB: Median(lbs), Raw: Median(raws), Limit: 1.2, Runs: runsFast,
		Note: fmt.Sprintf("raw = restic list snapshots at each site in turn (one site: %s); lifeboat: snapshots --set set-00", fmtDur(Median(one)))})
	s.logf("scale: status --cached %s; refresh %s vs %s", fmtDur(Median(cached)), fmtDur(Median(lbs)), fmtDur(Median(raws)))

	if !e2e.HaveTmux() {
		s.logf("tmux not installed: console first frame at scale not measured")
		return
	}
	l, r := s.consoleFirstFrame(cfg, state, "east")
	s.rows = append(s.rows, Row{Measure: "console first frame, 3 × 20,000 × 50 sets", Kind: Overhead, LB: l, Raw: r, LimitD: 300 * time.Millisecond,
		Runs: runsFast, Note: fmt.Sprintf("raw = bare echo; tmux %d×%d, the catalog cached", termW, termH)})
	s.logf("scale: console first frame %s, echo %s", fmtDur(l), fmtDur(r))
}
