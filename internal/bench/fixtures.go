package bench

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-dr/lifeboat/internal/testenv"
)

// FixtureVersion keys the cache: change it when a fixture's shape changes
// and every fixture is rebuilt under a new directory.
const FixtureVersion = "v1"

// Shapes of the fixtures.
const (
	bigFiles      = 4        // large incompressible files in the mixed data
	bigFileSize   = 42 << 20 // each
	smallFiles    = 5000     // small files in the mixed data, 1-16 KiB each
	smallDirs     = 50
	manyRounds    = 11 // 2^11 = 2048 snapshots
	treeDirs      = 1000
	treeFilesEach = 1000      // 1000 dirs × 1000 files: 1,001,000 entries
	bigCount      = 16        // files of the 2 GiB fixture
	bigSize       = 128 << 20 // each: 16 × 128 MiB = 2 GiB, incompressible
)

// Password guards the fixture repositories; they hold generated data only.
const Password = "lifeboat-bench"

// Fixtures are the cached, read-only inputs of the suite.
type Fixtures struct {
	Dir      string // .cache/bench/<version>
	Password string // password file
	Mixed    string // ≥ 200 MiB of mixed data
	MixedB   int64  // its bytes
	MixedN   int    // its files
	Primary  string // repository holding one snapshot of Mixed, tagged "mixed"
	ManySrc  string // the small tree behind the 2048 snapshots
	Many     string // repository with 2048 snapshots tagged "many"
	TreeSrc  string // path the 1M-entry snapshot was taken of (deleted after the backup)
	Tree     string // repository with one snapshot of 1,001,000 entries, tagged "tree"
	Big      string // 2 GiB of large incompressible files (built by LoadBig)
	BigRepo  string // repository holding one snapshot of Big, tagged "big"
	BigB     int64
	BigN     int
	Scale    string // repository with 20,000 snapshots across 50 sets (built by LoadScale)
	ScaleSrc string
}

// Shape of the catalog-scale fixture: scaleSets sets of one snapshot each,
// then rewrites that copy them under new hosts up to scaleSnapshots.
const (
	scaleSets      = 50
	scaleSnapshots = 20000
)

// LoadScale builds the catalog-scale fixture when it is missing: 50 tiny
// backups (one per set, tagged set-00 … set-49), 8 rounds of `restic
// rewrite --new-host` that double them to 12,800, and one more round of
// the two host groups that add the last 7,200 (≈ 2 minutes the first time).
func (f *Fixtures) LoadScale(tb testing.TB, logf func(string, ...any)) {
	tb.Helper()
	f.Scale, f.ScaleSrc = filepath.Join(f.Dir, "repos", "scale"), filepath.Join(f.Dir, "data", "scale")
	build(tb, logf, f.Dir, "scale", func() {
		r := rand.New(rand.NewChaCha8([32]byte{'s', 'c', 'a', 'l', 'e'}))
		writeRandom(tb, r, filepath.Join(f.ScaleSrc, "f"), 4096)
		f.restic(tb, f.Scale, "init")
		for i := range scaleSets {
			f.restic(tb, f.Scale, "backup", "--quiet", "--tag", fmt.Sprintf("set-%02d", i), "--host", "h0", f.ScaleSrc)
		}
		// After round k hosts h0…hk hold 50·2^(k-1) each beyond h0's 50.
		for k := 1; k <= 8; k++ {
			f.restic(tb, f.Scale, "rewrite", "--quiet", "--new-host", fmt.Sprintf("h%d", k))
		}
		// h8 holds 6,400 and h5 800: 12,800 + 7,200 = 20,000.
		f.restic(tb, f.Scale, "rewrite", "--quiet", "--host", "h8", "--host", "h5", "--new-host", "h9")
	})
}

// CacheRoot is where fixtures live: $LIFEBOAT_BENCH_CACHE, else
// .cache/bench in the repository root (ignored by git).
func CacheRoot() string {
	if d := os.Getenv("LIFEBOAT_BENCH_CACHE"); d != "" {
		return d
	}
	return filepath.Join(testenv.Root(), ".cache", "bench")
}

// LoadFixtures builds whichever fixture is missing and returns them all. A
// fixture counts as built only once its marker file exists, so an
// interrupted build is redone from scratch.
func LoadFixtures(tb testing.TB, logf func(string, ...any)) *Fixtures {
	tb.Helper()
	dir := filepath.Join(CacheRoot(), FixtureVersion)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	f := &Fixtures{Dir: dir,
		Mixed: filepath.Join(dir, "data", "mixed"), Primary: filepath.Join(dir, "repos", "primary"),
		ManySrc: filepath.Join(dir, "data", "many"), Many: filepath.Join(dir, "repos", "many"),
		TreeSrc: filepath.Join(dir, "data", "tree"), Tree: filepath.Join(dir, "repos", "tree")}
	f.Password = testenv.WritePassword(tb, dir, "bench.pass", Password)

	build(tb, logf, dir, "mixed", func() { f.buildMixed(tb) })
	// Only the measures that run need their fixtures (LIFEBOAT_BENCH_ONLY).
	if Wanted("snapshots", "console") {
		build(tb, logf, dir, "many", func() { f.buildMany(tb) })
	}
	if Wanted("tree") {
		build(tb, logf, dir, "tree", func() { f.buildTree(tb) })
	}
	f.MixedB, f.MixedN = treeSize(tb, f.Mixed)
	return f
}

// Wanted says whether any of the measures runs: all do unless
// LIFEBOAT_BENCH_ONLY names some.
func Wanted(measures ...string) bool {
	only := os.Getenv("LIFEBOAT_BENCH_ONLY")
	if only == "" {
		return true
	}
	for _, m := range measures {
		if slices.Contains(strings.Split(only, ","), m) {
			return true
		}
	}
	return false
}

// LoadBig builds the 2 GiB fixture when it is missing (about 4 GiB of disk
// with its repository; a few minutes the first time).
func (f *Fixtures) LoadBig(tb testing.TB, logf func(string, ...any)) {
	tb.Helper()
	f.Big, f.BigRepo = filepath.Join(f.Dir, "data", "big"), filepath.Join(f.Dir, "repos", "big")
	build(tb, logf, f.Dir, "big", func() {
		r := rand.New(rand.NewChaCha8([32]byte{'b', 'i', 'g'}))
		for i := range bigCount {
			writeRandom(tb, r, filepath.Join(f.Big, fmt.Sprintf("shard-%02d.bin", i)), bigSize)
		}
		f.restic(tb, f.BigRepo, "init")
		f.restic(tb, f.BigRepo, "backup", "--quiet", "--tag", "big", f.Big)
	})
	f.BigB, f.BigN = treeSize(tb, f.Big)
}

func build(tb testing.TB, logf func(string, ...any), dir, name string, fn func()) {
	tb.Helper()
	marker := filepath.Join(dir, name+".ok")
	if _, err := os.Stat(marker); err == nil {
		return
	}
	for _, p := range []string{filepath.Join(dir, "data", name), filepath.Join(dir, "repos", name)} {
		if err := os.RemoveAll(p); err != nil {
			tb.Fatal(err)
		}
	}
	if name == "mixed" {
		_ = os.RemoveAll(filepath.Join(dir, "repos", "primary"))
	}
	start := time.Now()
	logf("building fixture %s (once; cached under %s)", name, dir)
	fn()
	if err := os.WriteFile(marker, []byte(time.Now().UTC().Format(time.RFC3339)+"\n"), 0o644); err != nil {
		tb.Fatal(err)
	}
	logf("fixture %s built in %s", name, time.Since(start).Round(time.Second))
}

// restic runs the pinned restic on repo for fixture building.
func (f *Fixtures) restic(tb testing.TB, repo string, args ...string) {
	tb.Helper()
	cmd := exec.Command(testenv.Restic(tb), args...)
	cmd.Env = append(os.Environ(), "RESTIC_REPOSITORY="+repo, "RESTIC_PASSWORD_FILE="+f.Password,
		"RESTIC_CACHE_DIR="+filepath.Join(f.Dir, "restic-cache"), "RESTIC_PROGRESS_FPS=0.1")
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("restic %s: %v\n%s", strings.Join(args, " "), err, tail(out))
	}
}

func (f *Fixtures) buildMixed(tb testing.TB) {
	r := rand.New(rand.NewChaCha8([32]byte{'l', 'i', 'f', 'e', 'b', 'o', 'a', 't'}))
	for i := range bigFiles {
		writeRandom(tb, r, filepath.Join(f.Mixed, "checkpoints", fmt.Sprintf("shard-%02d.bin", i)), bigFileSize)
	}
	for i := range smallFiles {
		p := filepath.Join(f.Mixed, "configs", fmt.Sprintf("d%02d", i%smallDirs), fmt.Sprintf("f%05d.json", i))
		writeRandom(tb, r, p, 1024+r.IntN(15*1024))
	}
	f.restic(tb, f.Primary, "init")
	f.restic(tb, f.Primary, "backup", "--quiet", "--tag", "mixed", f.Mixed)
}

func (f *Fixtures) buildMany(tb testing.TB) {
	r := rand.New(rand.NewChaCha8([32]byte{'m', 'a', 'n', 'y'}))
	for i := range 20 {
		writeRandom(tb, r, filepath.Join(f.ManySrc, fmt.Sprintf("f%02d", i)), 4096)
	}
	f.restic(tb, f.Many, "init")
	f.restic(tb, f.Many, "backup", "--quiet", "--tag", "many", "--host", "h0", f.ManySrc)
	// Each rewrite copies every snapshot under a new host and keeps the
	// originals (no --forget): 1 → 2 → … → 2048 in 11 processes instead of
	// 2048 backups of ~0.7 s of key derivation each.
	for k := 1; k <= manyRounds; k++ {
		f.restic(tb, f.Many, "rewrite", "--quiet", "--new-host", fmt.Sprintf("h%d", k))
	}
}

func (f *Fixtures) buildTree(tb testing.TB) {
	for d := range treeDirs {
		dir := filepath.Join(f.TreeSrc, fmt.Sprintf("d%03d", d))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			tb.Fatal(err)
		}
		for i := range treeFilesEach {
			fh, err := os.Create(filepath.Join(dir, fmt.Sprintf("f%04d", i)))
			if err != nil {
				tb.Fatal(err)
			}
			fh.Close()
		}
	}
	f.restic(tb, f.Tree, "init")
	f.restic(tb, f.Tree, "backup", "--quiet", "--tag", "tree", f.TreeSrc)
	// The listing needs only the repository; a million inodes are freed.
	if err := os.RemoveAll(f.TreeSrc); err != nil {
		tb.Fatal(err)
	}
}

func writeRandom(tb testing.TB, r *rand.Rand, p string, n int) {
	tb.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		tb.Fatal(err)
	}
	buf := make([]byte, n)
	for i := 0; i+8 <= n; i += 8 {
		v := r.Uint64()
		for j := range 8 {
			buf[i+j] = byte(v >> (8 * j))
		}
	}
	// Write to a temporary name and rename, so that a path hard-linked
	// elsewhere keeps its old content.
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, buf, 0o644); err != nil {
		tb.Fatal(err)
	}
	if err := os.Rename(tmp, p); err != nil {
		tb.Fatal(err)
	}
}

func treeSize(tb testing.TB, dir string) (int64, int) {
	tb.Helper()
	var bytes int64
	var files int
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			fi, err := d.Info()
			if err != nil {
				return err
			}
			bytes += fi.Size()
			files++
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return bytes, files
}

func tail(b []byte) string {
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}
