package bench

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-dr/lifeboat/internal/e2e"
	"github.com/lifeboat-dr/lifeboat/internal/testenv"
)

// Runs per measure: medians of these. LIFEBOAT_BENCH_RUNS scales them
// (e.g. 1 for a quick smoke run).
var (
	runsFast = 5 // sub-second measures
	runsSlow = 3 // measures of seconds and more
)

// suite is one run of the benchmark: a workspace in a temp dir over the
// cached fixtures, and the rows measured so far.
type suite struct {
	b        *testing.B
	f        *Fixtures
	ws       string
	lifeboat string
	restic   string
	rest     *testenv.RestServer
	rows     []Row
	details  []string
}

func (s *suite) logf(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	fmt.Printf("  %s  %s\n", time.Now().Format("15:04:05"), line)
}

// detail records one measured run for the log under the table.
func (s *suite) detail(measure string, lb, raw time.Duration) {
	s.details = append(s.details, fmt.Sprintf("%s: lifeboat %s, restic %s", measure, fmtDur(lb), fmtDur(raw)))
}

// BenchmarkLifeboatVsRestic is the suite of issue #6: run it with
// `make bench` (go test -run '^$' -bench LifeboatVsRestic -benchtime 1x).
func BenchmarkLifeboatVsRestic(b *testing.B) {
	if n, err := strconv.Atoi(os.Getenv("LIFEBOAT_BENCH_RUNS")); err == nil && n > 0 {
		runsFast, runsSlow = n, n
	}
	start := time.Now()
	loadBefore := loadAverage()
	s := newSuite(b)
	s.rest = testenv.StartRestServer(b)
	s.logf("fixtures ready (%s); workspace %s; rest-server %s", time.Since(start).Round(time.Second), s.ws, s.rest.Addr)

	s.setup()
	if e2e.HaveTmux() {
		// The tmux server exits with its last session; a session started
		// just then fails. This one keeps the server up for the suite.
		e2e.Start(b, termW, termH, nil, "sleep 86400")
	}
	for _, m := range []struct {
		name string
		fn   func()
	}{{"restore", s.benchRestore}, {"replicate", s.benchReplicate}, {"drill", s.benchDrill}, {"status", s.benchStatus},
		{"backup", s.benchBackup}, {"site", s.benchSiteSnapshots}, {"snapshots", s.benchSnapshots}, {"console", s.benchConsole},
		{"tree", s.benchTree}, {"big", s.benchBig}, {"scale", s.benchScale}} {
		// LIFEBOAT_BENCH_ONLY=a,b runs only those measures (console needs snapshots).
		if !Wanted(m.name) {
			continue
		}
		m.fn()
	}

	var out strings.Builder
	fmt.Fprintf(&out, "\nLifeboat vs raw restic — medians; %s\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(&out, "machine: %s\n", Machine(s.restic))
	if v, err := exec.Command(s.lifeboat, "--version").Output(); err == nil {
		fmt.Fprintf(&out, "%s; 1-minute load average before the run %s, after it %s (2 cores: above 2, other work competed)\n",
			strings.TrimSpace(string(v)), loadBefore, loadAverage())
	}
	fmt.Fprintf(&out, "data: %d files, %.0f MiB mixed; %d snapshots; 1,001,000-entry snapshot\n\n", s.f.MixedN, float64(s.f.MixedB)/(1<<20), 1<<manyRounds)
	PrintTable(&out, s.rows)
	unmet := 0
	for _, r := range s.rows {
		if !r.Met() {
			unmet++
		}
	}
	fmt.Fprintf(&out, "\n%d of %d targets met; suite took %s\n", countTargets(s.rows)-unmet, countTargets(s.rows), time.Since(start).Round(time.Second))
	fmt.Fprintf(&out, "\nruns:\n")
	for _, d := range s.details {
		fmt.Fprintf(&out, "  %s\n", d)
	}
	fmt.Print(out.String())
	last := filepath.Join(CacheRoot(), "last-run.md")
	if err := os.WriteFile(last, []byte(out.String()), 0o644); err == nil {
		fmt.Printf("\n(also written to %s)\n", last)
	}
}

// newSuite is a suite over the built binaries and the cached fixtures,
// in a fresh workspace.
func newSuite(b *testing.B) *suite {
	lifeboat := filepath.Join(testenv.Root(), "bin", "lifeboat")
	if _, err := os.Stat(lifeboat); err != nil {
		b.Fatalf("%s is not built: run `make build`", lifeboat)
	}
	s := &suite{b: b, lifeboat: lifeboat, restic: testenv.Restic(b)}
	s.f = LoadFixtures(b, s.logf)
	s.ws = b.TempDir()
	return s
}

func countTargets(rows []Row) int {
	n := 0
	for _, r := range rows {
		if r.Kind != Info {
			n++
		}
	}
	return n
}

// ---- environment, configs, commands ----

func (s *suite) path(parts ...string) string {
	return filepath.Join(append([]string{s.ws}, parts...)...)
}

// env is the process environment without any RESTIC_* or LIFEBOAT_* of
// the caller, plus extra.
func env(extra ...string) []string {
	var out []string
	for _, e := range os.Environ() {
		if strings.HasPrefix(e, "RESTIC_") || strings.HasPrefix(e, "LIFEBOAT_") {
			continue
		}
		out = append(out, e)
	}
	return append(out, extra...)
}

// raw runs the pinned restic the way an operator would by hand.
func (s *suite) raw(repo, cache string, args ...string) Run {
	s.b.Helper()
	r := Exec(env("RESTIC_REPOSITORY="+repo, "RESTIC_PASSWORD_FILE="+s.f.Password, "RESTIC_CACHE_DIR="+cache), s.restic, args...)
	if r.Code != 0 {
		s.b.Fatalf("restic %s: exit %d\n%s", strings.Join(args, " "), r.Code, tail(r.Err))
	}
	return r
}

// lb runs lifeboat with --json; ok lists the exit codes that are success.
func (s *suite) lb(cfg, state string, ok []int, args ...string) Run {
	s.b.Helper()
	all := append([]string{"--config", cfg, "--state", state}, args...)
	all = append(all, "--json")
	r := Exec(env(), s.lifeboat, all...)
	for _, c := range ok {
		if r.Code == c {
			return r
		}
	}
	s.b.Fatalf("lifeboat %s: exit %d\n%s", strings.Join(args, " "), r.Code, tail(r.Err))
	return r
}

var ok0 = []int{0}

type siteCfg struct{ name, repo, role string }

// config writes a lifeboat config with one set and returns its path.
func (s *suite) config(name string, sites []siteCfg, set string, path string, cache string) string {
	s.b.Helper()
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	q := func(v string) string { j, _ := json.Marshal(v); return string(j) }
	w("objectives: {rpo: 10000d, rto: 1h, drill_every: 10000d}")
	w("sites:")
	for _, st := range sites {
		w("  - name: %s", st.name)
		w("    repository: %s", q(st.repo))
		w("    password_file: %s", q(s.f.Password))
		w("    role: %s", st.role)
	}
	w("sets:")
	w("  - name: %s", set)
	w("    paths: [%s]", q(path))
	w("drills:")
	w("  scratch: %s", q(s.path("scratch")))
	w("restic:")
	w("  binary: %s", q(s.restic))
	w("  cache_dir: %s", q(cache))
	p := s.path(name + ".yaml")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		s.b.Fatal(err)
	}
	return p
}

// linkTree copies a repository as hard links: restic never rewrites a file
// in place (it writes new files and deletes old ones), so the cached
// fixture stays intact whatever the copy goes through.
func linkTree(tb testing.TB, from, to string) {
	tb.Helper()
	err := filepath.WalkDir(from, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		dst := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		return os.Link(p, dst)
	})
	if err != nil {
		tb.Fatal(err)
	}
}

func removeAll(tb testing.TB, paths ...string) {
	for _, p := range paths {
		if err := os.RemoveAll(p); err != nil {
			tb.Fatal(err)
		}
	}
}

// latest is the id of the newest snapshot with tag in repo.
func (s *suite) latest(repo, cache, tag string) string {
	s.b.Helper()
	r := s.raw(repo, cache, "snapshots", "--json", "--no-lock", "--tag", tag, "--latest", "1")
	var list []struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(r.Out, &list); err != nil || len(list) == 0 {
		s.b.Fatalf("no snapshot tagged %s in %s: %v", tag, repo, err)
	}
	return list[len(list)-1].ID
}

// ---- the main site pair: primary (local) and dr (rest-server) ----

type mainSites struct {
	cfg, state          string
	primary, dr         string // repository strings
	lbCache, rawCache   string
	primarySnap, drSnap string
}

var ms mainSites

func (s *suite) setup() {
	ms.primary = s.path("primary")
	linkTree(s.b, s.f.Primary, ms.primary)
	ms.dr = s.rest.URL("dr")
	// Warm measures share one restic cache: both sides find the same state.
	ms.lbCache, ms.rawCache = s.path("cache"), s.path("cache")
	ms.state = s.path("state-main")
	ms.cfg = s.config("main", []siteCfg{{"primary", ms.primary, "active"}, {"dr", ms.dr, "standby"}}, "mixed", s.f.Mixed, ms.lbCache)
	s.initCopy(ms.dr)
	s.copyAll(ms.dr)
	// Warm both: lifeboat's catalog and restic caches, restic's own cache.
	s.lb(ms.cfg, ms.state, ok0, "snapshots")
	ms.primarySnap = s.latest(ms.primary, ms.rawCache, "mixed")
	ms.drSnap = s.latest(ms.dr, ms.rawCache, "mixed")
	s.logf("main sites ready: primary %s, dr %s", ms.primarySnap[:8], ms.drSnap[:8])
}

// initCopy makes an empty standby repository with primary's chunker.
func (s *suite) initCopy(repo string) {
	s.b.Helper()
	r := Exec(env("RESTIC_REPOSITORY="+repo, "RESTIC_PASSWORD_FILE="+s.f.Password, "RESTIC_CACHE_DIR="+ms.rawCache,
		"RESTIC_FROM_REPOSITORY="+ms.primary, "RESTIC_FROM_PASSWORD_FILE="+s.f.Password), s.restic, "init", "--copy-chunker-params")
	if r.Code != 0 {
		s.b.Fatalf("restic init %s: %s", repo, tail(r.Err))
	}
}

// copyAll is raw restic's replication: copy every snapshot of primary.
func (s *suite) copyAll(repo string) Run {
	s.b.Helper()
	r := Exec(env("RESTIC_REPOSITORY="+repo, "RESTIC_PASSWORD_FILE="+s.f.Password, "RESTIC_CACHE_DIR="+ms.rawCache,
		"RESTIC_FROM_REPOSITORY="+ms.primary, "RESTIC_FROM_PASSWORD_FILE="+s.f.Password), s.restic, "copy")
	if r.Code != 0 {
		s.b.Fatalf("restic copy to %s: %s", repo, tail(r.Err))
	}
	return r
}

func (s *suite) benchRestore() {
	var lbs, raws []time.Duration
	for i := range runsSlow {
		lt, rt := s.path("restore", fmt.Sprintf("lb-%d", i)), s.path("restore", fmt.Sprintf("raw-%d", i))
		var l, r Run
		inOrder(i, func() {
			l = s.lbCounted("restore 209 MiB", ms.cfg, ms.state, ok0, "restore", "--site", "primary", "--set", "mixed", "--target", lt)
		},
			func() {
				r = s.raw(ms.primary, ms.rawCache, "restore", ms.primarySnap+":"+s.f.Mixed, "--target", rt, "--verify")
			})
		if b, _ := treeSize(s.b, lt); b != s.f.MixedB {
			s.b.Fatalf("lifeboat restored %d bytes, want %d", b, s.f.MixedB)
		}
		lbs, raws = append(lbs, l.Wall), append(raws, r.Wall)
		s.detail("restore", l.Wall, r.Wall)
		removeAll(s.b, lt, rt)
	}
	l, r := Median(lbs), Median(raws)
	s.rows = append(s.rows, Row{Measure: "restore 209 MiB, verified", Kind: Ratio, LB: l, Raw: r, Limit: 1.10, Runs: runsSlow,
		Note: fmt.Sprintf("%s vs %s", MiBps(s.f.MixedB, l), MiBps(s.f.MixedB, r))})
	s.logf("restore: lifeboat %s, restic %s", fmtDur(l), fmtDur(r))
}

func (s *suite) benchReplicate() {
	var lbs, raws []time.Duration
	for i := range runsSlow {
		lbRepo, rawRepo := s.rest.URL(fmt.Sprintf("dr-lb-%d", i)), s.rest.URL(fmt.Sprintf("dr-raw-%d", i))
		s.initCopy(lbRepo)
		s.initCopy(rawRepo)
		state := s.path(fmt.Sprintf("state-repl-%d", i))
		cfg := s.config(fmt.Sprintf("repl-%d", i), []siteCfg{{"primary", ms.primary, "active"}, {"dr", lbRepo, "standby"}},
			"mixed", s.f.Mixed, ms.lbCache)
		s.lb(cfg, state, ok0, "snapshots") // what an operator's lifeboat already knows
		var l, r Run
		inOrder(i, func() { l = s.lb(cfg, state, ok0, "replicate", "--to", "dr", "--set", "mixed") },
			func() { r = s.copyAll(rawRepo) })
		lbs, raws = append(lbs, l.Wall), append(raws, r.Wall)
		s.detail("replicate", l.Wall, r.Wall)
		removeAll(s.b, filepath.Join(s.rest.Dir, fmt.Sprintf("dr-lb-%d", i)), filepath.Join(s.rest.Dir, fmt.Sprintf("dr-raw-%d", i)))
	}
	l, r := Median(lbs), Median(raws)
	s.rows = append(s.rows, Row{Measure: "replicate 209 MiB to rest-server", Kind: Info, LB: l, Raw: r, Runs: runsSlow,
		Note: fmt.Sprintf("%s vs %s; no target in #6", MiBps(s.f.MixedB, l), MiBps(s.f.MixedB, r))})
	s.logf("replicate: lifeboat %s, restic %s", fmtDur(l), fmtDur(r))
}

// sha256Tree hashes every regular file under dir, as `find -type f | xargs
// sha256sum` would.
func sha256Tree(tb testing.TB, dir string) int {
	tb.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		fh, err := os.Open(p)
		if err != nil {
			return err
		}
		defer fh.Close()
		h := sha256.New()
		if _, err := io.Copy(h, fh); err != nil {
			return err
		}
		_ = h.Sum(nil)
		n++
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

func (s *suite) benchDrill() {
	var lbs, raws []time.Duration
	for i := range runsSlow {
		rt := s.path("drill-raw", fmt.Sprint(i))
		var l Run
		var r time.Duration
		inOrder(i, func() {
			// 0 passed, 1 passed with findings (none expected: objectives are loose).
			l = s.lb(ms.cfg, ms.state, []int{0, 1}, "drill", "--site", "dr")
		}, func() {
			t0 := time.Now()
			s.raw(ms.dr, ms.rawCache, "restore", ms.drSnap+":"+s.f.Mixed, "--target", rt)
			if n := sha256Tree(s.b, rt); n != s.f.MixedN {
				s.b.Fatalf("raw drill hashed %d files, want %d", n, s.f.MixedN)
			}
			r = time.Since(t0)
		})
		lbs, raws = append(lbs, l.Wall), append(raws, r)
		s.detail(fmt.Sprintf("drill (exit %d; %s)", l.Code, s.drillSteps(l)), l.Wall, r)
		removeAll(s.b, rt)
	}
	l, r := Median(lbs), Median(raws)
	s.rows = append(s.rows, Row{Measure: "drill vs restore + sha256 of the tree", Kind: Ratio, LB: l, Raw: r, Limit: 1.15, Runs: runsSlow,
		Note: "drill also checks 1/10 of the packs"})
	s.logf("drill: lifeboat %s, restic+sha256 %s", fmtDur(l), fmtDur(r))
}

func (s *suite) benchStatus() {
	var lbs, raws []time.Duration
	for i := range runsFast {
		var l Run
		var r time.Duration
		inOrder(i, func() { l = s.lb(ms.cfg, ms.state, []int{0, 1, 2, 3}, "status") }, func() {
			t0 := time.Now()
			for _, repo := range []string{ms.primary, ms.dr} {
				s.raw(repo, ms.rawCache, "list", "locks", "--no-lock", "--quiet")
				s.raw(repo, ms.rawCache, "snapshots", "--json", "--no-lock")
			}
			r = time.Since(t0)
		})
		lbs, raws = append(lbs, l.Wall), append(raws, r)
		s.detail("status", l.Wall, r)
	}
	l, r := Median(lbs), Median(raws)
	s.rows = append(s.rows, Row{Measure: "status, 2 sites", Kind: Overhead, LB: l, Raw: r, LimitD: 100 * time.Millisecond, Runs: runsFast,
		Note: "restic: list locks + snapshots per site"})
	s.logf("status: lifeboat %s, restic %s", fmtDur(l), fmtDur(r))
}

// mutate changes one large file and 50 small ones of the workspace data,
// returning the bytes changed.
func mutate(tb testing.TB, r *rand.Rand, dir string) int64 {
	tb.Helper()
	writeRandom(tb, r, filepath.Join(dir, "checkpoints", fmt.Sprintf("shard-%02d.bin", r.IntN(bigFiles))), bigFileSize)
	n := int64(bigFileSize)
	for range 50 {
		i := r.IntN(smallFiles)
		size := 1024 + r.IntN(15*1024)
		writeRandom(tb, r, filepath.Join(dir, "configs", fmt.Sprintf("d%02d", i%smallDirs), fmt.Sprintf("f%05d.json", i)), size)
		n += int64(size)
	}
	return n
}

func (s *suite) benchBackup() {
	data := s.path("data", "mixed")
	if err := os.MkdirAll(filepath.Dir(data), 0o755); err != nil {
		s.b.Fatal(err)
	}
	if out, err := exec.Command("cp", "-a", s.f.Mixed, data).CombinedOutput(); err != nil {
		s.b.Fatalf("cp: %v %s", err, out)
	}
	state := s.path("state-backup")
	cfg := s.config("backup", []siteCfg{{"primary", ms.primary, "active"}}, "mixed", data, ms.lbCache)
	s.raw(ms.primary, ms.rawCache, "backup", "--tag", "mixed", data) // the parent both start from
	s.lb(cfg, state, ok0, "snapshots")

	var lbs, raws []time.Duration
	for i := range runsFast {
		var l, r Run
		inOrder(i, func() { l = s.lb(cfg, state, ok0, "backup", "--set", "mixed") },
			func() { r = s.raw(ms.primary, ms.rawCache, "backup", "--tag", "mixed", data) })
		lbs, raws = append(lbs, l.Wall), append(raws, r.Wall)
		s.detail("backup unchanged", l.Wall, r.Wall)
	}
	l, r := Median(lbs), Median(raws)
	s.rows = append(s.rows, Row{Measure: "backup, unchanged 209 MiB", Kind: Overhead, LB: l, Raw: r, LimitD: 100 * time.Millisecond, Runs: runsFast})
	s.logf("backup unchanged: lifeboat %s, restic %s", fmtDur(l), fmtDur(r))

	rng := rand.New(rand.NewChaCha8([32]byte{'c', 'h', 'u', 'r', 'n'}))
	lbs, raws = nil, nil
	var changed int64
	for i := range runsSlow {
		var l, r Run
		inOrder(i, func() {
			changed = mutate(s.b, rng, data)
			l = s.lb(cfg, state, ok0, "backup", "--set", "mixed")
		}, func() {
			mutate(s.b, rng, data)
			r = s.raw(ms.primary, ms.rawCache, "backup", "--tag", "mixed", data)
		})
		lbs, raws = append(lbs, l.Wall), append(raws, r.Wall)
		s.detail("backup changed", l.Wall, r.Wall)
	}
	l, r = Median(lbs), Median(raws)
	s.rows = append(s.rows, Row{Measure: "backup, 43 MiB changed of 209", Kind: Ratio, LB: l, Raw: r, Limit: 1.03, Runs: runsSlow,
		Note: fmt.Sprintf("%s vs %s of changed data", MiBps(changed, l), MiBps(changed, r))})
	s.logf("backup changed: lifeboat %s, restic %s", fmtDur(l), fmtDur(r))
	removeAll(s.b, data)
}

// ---- 2,048 snapshots ----

var many struct{ cfg, state, repo, rawCache string }

func (s *suite) benchSnapshots() {
	linkTree(s.b, s.f.Many, filepath.Join(s.rest.Dir, "many"))
	many.repo = s.rest.URL("many")
	sites := []siteCfg{{"many", many.repo, "active"}}
	var lbs, raws []time.Duration
	for i := range runsSlow {
		// Cold: a new state store and empty restic caches on both sides.
		cfg := s.config(fmt.Sprintf("many-%d", i), sites, "many", s.f.ManySrc, s.path(fmt.Sprintf("cache-many-lb-%d", i)))
		state := s.path(fmt.Sprintf("state-many-%d", i))
		rawCache := s.path(fmt.Sprintf("cache-many-raw-%d", i))
		var l, r Run
		inOrder(i, func() { l = s.lb(cfg, state, ok0, "snapshots") },
			func() { r = s.raw(many.repo, rawCache, "snapshots", "--json", "--no-lock") })
		if n := strings.Count(string(l.Out), `"short_id"`); n != 1<<manyRounds {
			s.b.Fatalf("lifeboat listed %d snapshots, want %d", n, 1<<manyRounds)
		}
		lbs, raws = append(lbs, l.Wall), append(raws, r.Wall)
		s.detail("snapshots cold", l.Wall, r.Wall)
		many.cfg, many.state, many.rawCache = cfg, state, rawCache
	}
	l, r := Median(lbs), Median(raws)
	s.rows = append(s.rows, Row{Measure: "snapshots, 2,048, cold", Kind: Info, LB: l, Raw: r, Runs: runsSlow, Note: "empty caches and store"})
	s.logf("snapshots cold: lifeboat %s, restic %s", fmtDur(l), fmtDur(r))

	var lbc, lbr []time.Duration
	raws = nil
	for i := range runsFast {
		var c, f, r Run
		inOrder(i, func() {
			c = s.lb(many.cfg, many.state, ok0, "snapshots", "--cached")
			f = s.lb(many.cfg, many.state, ok0, "snapshots")
		}, func() { r = s.raw(many.repo, many.rawCache, "snapshots", "--json", "--no-lock") })
		lbc, lbr, raws = append(lbc, c.Wall), append(lbr, f.Wall), append(raws, r.Wall)
		s.detail("snapshots warm (--cached / refresh)", c.Wall, r.Wall)
		s.detail("snapshots warm refresh", f.Wall, r.Wall)
	}
	r = Median(raws)
	s.rows = append(s.rows, Row{Measure: "snapshots, 2,048, warm (--cached)", Kind: Ratio, LB: Median(lbc), Raw: r, Limit: 0.3, Runs: runsFast,
		Note: "served from the state store"},
		Row{Measure: "snapshots, 2,048, warm (refresh)", Kind: Info, LB: Median(lbr), Raw: r, Runs: runsFast,
			Note: "lists ids, nothing new to fetch"})
	s.logf("snapshots warm: lifeboat --cached %s, refresh %s, restic %s", fmtDur(Median(lbc)), fmtDur(Median(lbr)), fmtDur(r))
}

// ---- the console ----

// pollUntil polls the screen every interval until done says so, or fails.
func pollUntil(tb testing.TB, sess *e2e.Session, timeout, every time.Duration, done func(string) bool) (time.Duration, string) {
	tb.Helper()
	t0 := time.Now()
	var scr string
	for time.Since(t0) < timeout {
		scr = sess.Screen()
		if done(scr) {
			return time.Since(t0), scr
		}
		time.Sleep(every)
	}
	tb.Fatalf("screen never got there within %s; it shows:\n%s", timeout, scr)
	return 0, ""
}

func contains(texts ...string) func(string) bool {
	return func(scr string) bool {
		for _, t := range texts {
			if !strings.Contains(scr, t) {
				return false
			}
		}
		return true
	}
}

const termW, termH = 120, 40

func (s *suite) benchConsole() {
	if !e2e.HaveTmux() {
		s.logf("tmux not installed: console first frame not measured")
		return
	}
	l, r := s.consoleFirstFrame(many.cfg, many.state, "many")
	s.rows = append(s.rows, Row{Measure: "console first frame, catalog cached", Kind: Overhead, LB: l, Raw: r, LimitD: 300 * time.Millisecond, Runs: runsFast,
		Note: fmt.Sprintf("raw = bare echo; tmux %d×%d, 2,048 snapshots cached", termW, termH)})
	s.logf("console: lifeboat %s, echo %s", fmtDur(l), fmtDur(r))
}

// consoleFirstFrame is the median time from starting the console in tmux
// until its Sites tab names site, and of a bare echo in a session of the
// same size, interleaved run by run.
func (s *suite) consoleFirstFrame(cfg, state, site string) (lifeboat, echo time.Duration) {
	tuiEnv := []string{"LIFEBOAT_CONFIG=" + cfg, "LIFEBOAT_STATE=" + state, "TERM=xterm-256color", "HOME=" + os.Getenv("HOME")}
	var lbs, raws []time.Duration
	for i := range runsFast {
		var l, r time.Duration
		inOrder(i, func() {
			t0 := time.Now()
			sess := e2e.Start(s.b, termW, termH, tuiEnv, s.lifeboat)
			pollUntil(s.b, sess, 20*time.Second, 5*time.Millisecond, contains("1 Sites", site))
			l = time.Since(t0)
			sess.Keys("q")
		}, func() {
			t0 := time.Now()
			sess := e2e.Start(s.b, termW, termH, nil, "echo lifeboat-bench-ready; sleep 3")
			pollUntil(s.b, sess, 20*time.Second, 5*time.Millisecond, contains("lifeboat-bench-ready"))
			r = time.Since(t0)
		})
		lbs, raws = append(lbs, l), append(raws, r)
		s.detail("console first frame vs echo ("+site+")", l, r)
	}
	return Median(lbs), Median(raws)
}

// ---- the 1M-entry tree ----

var treeRow = regexp.MustCompile(`(?m)\bd\d{3}/`)

func (s *suite) benchTree() {
	// One restic cache for both sides, warmed before either is timed.
	cache := s.path("cache-tree")
	id := s.latest(s.f.Tree, cache, "tree")
	s.raw(s.f.Tree, cache, "cat", "snapshot", id)
	var raws []time.Duration
	var rawRSS []int64
	var rawFirst []time.Duration
	lsRuns := runsSlow
	for range lsRuns {
		// The console's first screen holds the first 34 directories:
		// restic ls has printed them after 34 × 1001 lines (and the parents).
		lines := LineCounter{Mark: 34 * (treeFilesEach + 1), Start: time.Now()}
		r := ExecTo(&lines, env("RESTIC_REPOSITORY="+s.f.Tree, "RESTIC_PASSWORD_FILE="+s.f.Password, "RESTIC_CACHE_DIR="+cache),
			s.restic, "ls", "--json", "--no-lock", id)
		if r.Code != 0 || lines.Lines < treeDirs*treeFilesEach {
			s.b.Fatalf("restic ls: exit %d, %d lines, want ≥ %d\n%s", r.Code, lines.Lines, treeDirs*treeFilesEach, tail(r.Err))
		}
		raws, rawRSS, rawFirst = append(raws, r.Wall), append(rawRSS, r.MaxRSS), append(rawFirst, lines.MarkAt)
		s.detail(fmt.Sprintf("restic ls --json, 1M entries (first screen's entries printed after %s)", fmtDur(lines.MarkAt)), 0, r.Wall)
	}
	if !e2e.HaveTmux() {
		s.logf("tmux not installed: tree browser not measured")
		return
	}
	state := s.path("state-tree")
	cfg := s.config("tree", []siteCfg{{"tree", s.f.Tree, "active"}}, "tree", s.f.TreeSrc, cache)
	s.lb(cfg, state, ok0, "snapshots")
	tuiEnv := []string{"LIFEBOAT_CONFIG=" + cfg, "LIFEBOAT_STATE=" + state, "TERM=xterm-256color", "HOME=" + os.Getenv("HOME")}
	var firsts, fulls, alls []time.Duration
	var rss []int64
	for i := range runsSlow {
		m := s.treeConsole(fmt.Sprint(i), tuiEnv)
		firsts, fulls, alls, rss = append(firsts, m.first), append(fulls, m.full), append(alls, m.all), append(rss, m.peak)
		s.detail(fmt.Sprintf("tree: first row %s, first screen (%d rows) %s, peak RSS %s; listed", fmtDur(m.first), m.rows, fmtDur(m.full), fmtBytes(m.peak)), m.all, 0)
	}
	// Not what ships: what a soft memory limit would do to the peak (see
	// docs/performance.md).
	lim := s.treeConsole("memlimit", append(slices.Clone(tuiEnv), "GOMEMLIMIT="+treeMemLimit))
	s.detail(fmt.Sprintf("tree with GOMEMLIMIT=%s (experiment): first screen %s, peak RSS %s; listed", treeMemLimit, fmtDur(lim.full), fmtBytes(lim.peak)), lim.all, 0)
	r := Median(raws)
	s.rows = append(s.rows,
		Row{Measure: "1M-entry tree, first screen", Kind: Ratio, LB: Median(fulls), Raw: r, Limit: 1.2, Runs: runsSlow,
			Note: fmt.Sprintf("raw = whole restic ls --json (its first screen's entries: %s); first row %s", fmtDur(Median(rawFirst)), fmtDur(Median(firsts)))},
		Row{Measure: "1M-entry tree, whole listing", Kind: Info, LB: Median(alls), Raw: r, Runs: runsSlow, Note: "until “entries listed”"},
		Row{Measure: "1M-entry tree, peak RSS", Kind: Absolute, LBBytes: Median(rss), RawBytes: Median(rawRSS), LimitB: 150e6, Runs: runsSlow,
			Note: fmt.Sprintf("lifeboat process (VmHWM) vs restic ls (maxrss); with GOMEMLIMIT=%s: %s", treeMemLimit, fmtBytes(lim.peak))})
	s.logf("tree: first screen %s, listed %s, restic ls %s, peak RSS %s (restic %s)", fmtDur(Median(fulls)), fmtDur(Median(alls)), fmtDur(r),
		fmtBytes(Median(rss)), fmtBytes(Median(rawRSS)))
}

// loadAverage is the 1-minute load: other work on the machine skews figures.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Fields(string(b))[0]
}

// treeMemLimit is the soft memory limit of the experiment run.
const treeMemLimit = "100MiB"

type treeRun struct {
	first, full, all time.Duration
	rows             int
	peak             int64
}

// treeConsole opens the 1M-entry snapshot's tree in the console and times
// the first row, the first full screen and the whole listing from the key
// press; peak is the console process's VmHWM.
func (s *suite) treeConsole(name string, tuiEnv []string) treeRun {
	pidFile := s.path("tree-" + name + ".pid")
	sess := e2e.Start(s.b, termW, termH, tuiEnv, fmt.Sprintf("sh -c 'echo $$ > %s; exec %s'", pidFile, s.lifeboat))
	pollUntil(s.b, sess, 20*time.Second, 50*time.Millisecond, contains("1 Sites", "tree"))
	time.Sleep(2 * time.Second) // let the start-up refresh finish
	sess.Keys("2")
	pollUntil(s.b, sess, 10*time.Second, 50*time.Millisecond, contains("2 Catalog", "tree"))
	sess.Keys("Enter")
	pollUntil(s.b, sess, 10*time.Second, 50*time.Millisecond, contains("tree @ tree"))
	time.Sleep(300 * time.Millisecond)

	type sample struct {
		at   time.Duration
		rows int
	}
	var samples []sample
	t0 := time.Now()
	sess.Keys("Enter")
	// Polling is every 50 ms: tmux capture-pane costs CPU the listing needs.
	all, scr := pollUntil(s.b, sess, 10*time.Minute, 50*time.Millisecond, func(scr string) bool {
		samples = append(samples, sample{time.Since(t0), len(treeRow.FindAllString(scr, -1))})
		return strings.Contains(scr, "entries listed in")
	})
	m := treeRun{all: all, rows: len(treeRow.FindAllString(scr, -1))}
	for _, sm := range samples {
		if m.first == 0 && sm.rows > 0 {
			m.first = sm.at
		}
		if m.full == 0 && sm.rows >= m.rows {
			m.full = sm.at
		}
	}
	b, _ := os.ReadFile(pidFile)
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	m.peak = VmHWM(pid)
	sess.Keys("q")
	return m
}

// inOrder runs Lifeboat's side and raw restic's side of run i, Lifeboat
// first in even runs and restic first in odd ones, so that neither always
// runs on the caches (or the write-back) the other left.
func inOrder(i int, lifeboat, raw func()) {
	if i%2 == 0 {
		lifeboat()
		raw()
		return
	}
	raw()
	lifeboat()
}

// drillSteps checks that a drill passed and names its steps' times.
func (s *suite) drillSteps(l Run) string {
	var rep struct {
		Passed bool `json:"passed"`
		Steps  []struct {
			Name    string  `json:"name"`
			Seconds float64 `json:"seconds"`
		} `json:"steps"`
	}
	if err := json.Unmarshal(l.Out, &rep); err != nil || !rep.Passed {
		s.b.Fatalf("drill did not pass (exit %d, %v):\n%s", l.Code, err, tail(l.Out))
	}
	var steps []string
	for _, st := range rep.Steps {
		steps = append(steps, fmt.Sprintf("%s %.2f s", st.Name, st.Seconds))
	}
	return strings.Join(steps, ", ")
}
