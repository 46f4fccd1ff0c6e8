// Package demo builds a self-contained disaster-recovery environment for
// `lifeboat demo`: two local restic repositories (an active site and a DR
// standby), a week of backup history of three sets of sample AI-infra data
// (model checkpoints, a dataset of many small files, serving configuration)
// and one set whose replication lags so that its RPO at the standby is
// breached. Everything lives under one directory; nothing outside it is
// touched, and the real restic does all the work through the engine.
//
// The generated data is deterministic: the same Now gives byte-identical
// files, because every file's content is seeded from its name and step.
package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/lifeboat-dr/lifeboat/engine"
	"github.com/lifeboat-dr/lifeboat/engine/config"
	"github.com/lifeboat-dr/lifeboat/storage"
)

// Options configure Build.
type Options struct {
	// Dir is where the demo lives; it is created if missing. If it already
	// holds a finished demo (its marker file), Build returns that demo
	// without rebuilding unless Fresh is set. A non-empty Dir that holds no
	// demo is refused, so that a mistyped --dir never loses anyone's files.
	Dir string
	// Fresh wipes the demo content of Dir (only the entries the demo
	// creates) and rebuilds it.
	Fresh bool
	// ResticBinary is passed to engine.Options (empty: the engine finds it).
	ResticBinary string
	// Now anchors the history, which is laid out backwards from it; zero
	// means time.Now(). It is truncated to the second (restic's precision).
	Now time.Time
	// Progress, when set, gets one line per step ("backing up models
	// (3/14)"). Calls are serialised, though they come from several goroutines.
	Progress func(msg string)
}

// Result describes a built (or reused) demo.
type Result struct {
	Dir        string // absolute
	ConfigPath string // <Dir>/lifeboat.yaml
	StateDir   string // <Dir>/state
	Reused     bool   // an existing finished demo was returned as it was
	Snapshots  int    // snapshots made at the active site
	Took       time.Duration
	// Built is the Now the history was laid out from (for a reused demo, the
	// Now of the build that made it): a demo reused days later shows every
	// RPO breached, and callers may want to say so.
	Built time.Time
}

// Env is what a shell needs to point lifeboat at the demo:
// LIFEBOAT_CONFIG=... and LIFEBOAT_STATE=....
func Env(res *Result) []string {
	return []string{"LIFEBOAT_CONFIG=" + res.ConfigPath, "LIFEBOAT_STATE=" + res.StateDir}
}

// Fixed demo passwords: the demo repositories guard nothing but sample data.
const (
	primaryPassword = "lifeboat-demo-primary"
	drPassword      = "lifeboat-demo-dr"
)

// MarkerName is the file in Dir that says a demo lives there. It is written
// with state "building" before anything else and rewritten with state "done"
// last, so a half-built demo is never reused.
const MarkerName = ".lifeboat-demo.json"

// markerVersion changes when the layout or the generated data changes; a
// finished demo of another version is rebuilt rather than reused.
const markerVersion = 1

type marker struct {
	Version   int       `json:"version"`
	State     string    `json:"state"` // building | done
	Now       time.Time `json:"now"`
	Snapshots int       `json:"snapshots,omitempty"`
	Seconds   float64   `json:"seconds,omitempty"`
}

// entries are everything the demo creates in Dir; Fresh removes only these.
var entries = []string{"lifeboat.yaml", "secrets", "data", "repos", "state", "restore", "scratch", "cache"}

// replicationHold is how much recent history of laggingSet is left behind
// at the standby: its newest copy there is then more than a day old against
// a 12h RPO.
const (
	laggingSet      = "datasets"
	replicationHold = 26 * time.Hour
	historyLength   = 7 * 24 * time.Hour
)

// Build builds the demo in opts.Dir (see Options), or returns the finished
// one already there.
func Build(ctx context.Context, opts Options) (*Result, error) {
	start := time.Now()
	if opts.Dir == "" {
		return nil, errors.New("demo: no directory given")
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	res := &Result{Dir: dir, ConfigPath: filepath.Join(dir, "lifeboat.yaml"), StateDir: filepath.Join(dir, "state")}
	markerPath := filepath.Join(dir, MarkerName)

	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("demo: create %s: %w", dir, err)
	}
	m, found, err := readMarker(markerPath)
	if err != nil {
		return nil, err
	}
	switch {
	case found && m.State == "done" && m.Version == markerVersion && !opts.Fresh && fileExists(res.ConfigPath):
		res.Reused, res.Snapshots, res.Built, res.Took = true, m.Snapshots, m.Now, time.Since(start)
		return res, nil
	case found:
		// A demo of ours, half-built, outdated or to be rebuilt: remove only what we made.
		for _, e := range append(slices.Clone(entries), MarkerName+".tmp") {
			if err := os.RemoveAll(filepath.Join(dir, e)); err != nil {
				return nil, fmt.Errorf("demo: wipe %s: %w", dir, err)
			}
		}
	default:
		ents, err := os.ReadDir(dir)
		if err != nil {
			return nil, fmt.Errorf("demo: %w", err)
		}
		if len(ents) > 0 {
			return nil, fmt.Errorf("demo: %s is not empty and holds no Lifeboat demo (no %s); choose a new or empty directory", dir, MarkerName)
		}
	}

	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	now = now.Truncate(time.Second)
	res.Built = now
	if err := writeMarker(markerPath, marker{Version: markerVersion, State: "building", Now: now}); err != nil {
		return nil, err
	}

	var progressMu sync.Mutex
	progress := func(format string, args ...any) {
		if opts.Progress != nil {
			progressMu.Lock()
			defer progressMu.Unlock()
			opts.Progress(fmt.Sprintf(format, args...))
		}
	}

	progress("writing the configuration")
	l := layout{dir: dir}
	if err := l.prepare(); err != nil {
		return nil, err
	}
	if err := os.WriteFile(res.ConfigPath, []byte(l.configYAML()), 0o644); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	cfg, err := config.Load(res.ConfigPath)
	if err != nil {
		return nil, fmt.Errorf("demo: the generated config is invalid: %w", err)
	}
	store, err := storage.Open(res.StateDir)
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	storeOpen := true
	defer func() {
		if storeOpen {
			store.Close()
		}
	}()
	eng, err := engine.New(ctx, cfg, store, engine.Options{ResticBinary: opts.ResticBinary})
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}

	progress("creating the repositories of sites primary and dr")
	if _, err := eng.Init(ctx, nil); err != nil {
		return nil, fmt.Errorf("demo: init: %w", err)
	}

	n, err := backupHistory(ctx, eng, l, now, progress)
	if err != nil {
		return nil, err
	}
	res.Snapshots = n

	progress("replicating to dr (leaving the last %s of %s behind)", engine.Age(replicationHold), laggingSet)
	hold := now.Add(-replicationHold)
	_, err = eng.Replicate(ctx, engine.ReplicateRequest{Select: func(set string, s engine.Snapshot) bool {
		return set != laggingSet || !s.Time.After(hold)
	}}, nil)
	if err != nil {
		return nil, fmt.Errorf("demo: replicate: %w", err)
	}

	// Replicate has just listed both sites: the catalog cache and the
	// health samples the console paints from at start-up are current.
	storeOpen = false
	if err := store.Close(); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	res.Took = time.Since(start)
	if err := writeMarker(markerPath, marker{Version: markerVersion, State: "done", Now: now,
		Snapshots: res.Snapshots, Seconds: res.Took.Seconds()}); err != nil {
		return nil, err
	}
	progress("demo ready in %s: %d snapshots", res.Took.Round(100*time.Millisecond), res.Snapshots)
	return res, nil
}

// backupHistory runs each set's history in its own goroutine (restic lets
// several backups share a repository) and returns how many snapshots it made.
func backupHistory(ctx context.Context, eng *engine.Engine, l layout, now time.Time, progress func(string, ...any)) (int, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	gens := generators(l, now)
	// The first failure is the news; the others are mostly the cancellation it caused.
	var (
		mu       sync.Mutex
		firstErr error
		total    int
		wg       sync.WaitGroup
	)
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if firstErr == nil {
			firstErr = err
		}
		cancel()
	}
	for _, g := range gens {
		wg.Add(1)
		go func() {
			defer wg.Done()
			times := g.plan.times(now)
			for step, t := range times {
				if err := ctx.Err(); err != nil {
					fail(fmt.Errorf("demo: %s: %w", g.plan.set, err))
					return
				}
				if err := g.mutate(step, t); err != nil {
					fail(fmt.Errorf("demo: generate %s (step %d): %w", g.plan.set, step+1, err))
					return
				}
				progress("backing up %s (%d/%d)", g.plan.set, step+1, len(times))
				if _, err := eng.Backup(ctx, engine.BackupRequest{Sets: []string{g.plan.set}, Time: t}, nil); err != nil {
					fail(fmt.Errorf("demo: backup %s (step %d of %d): %w", g.plan.set, step+1, len(times), err))
					return
				}
				mu.Lock()
				total++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return total, firstErr
}

// plan is one set's backup schedule: every interval, the newest lag before Now.
type plan struct {
	set   string
	every time.Duration
	lag   time.Duration
}

// times are the set's step times, oldest first: from Now-7d (or just after)
// up to Now-lag.
func (p plan) times(now time.Time) []time.Time {
	last := now.Add(-p.lag)
	k := int(last.Sub(now.Add(-historyLength)) / p.every)
	out := make([]time.Time, 0, k+1)
	for i := k; i >= 0; i-- {
		out = append(out, last.Add(-time.Duration(i)*p.every))
	}
	return out
}

// The sets interleave: their newest backups lie 35, 50 and 75 minutes before Now.
var (
	modelsPlan   = plan{set: "models", every: 12 * time.Hour, lag: 35 * time.Minute}
	datasetsPlan = plan{set: "datasets", every: 12 * time.Hour, lag: 50 * time.Minute}
	servingPlan  = plan{set: "serving", every: 24 * time.Hour, lag: 75 * time.Minute}
)

// Steps returns how many backups Build makes of each set (for tests and
// for callers that describe the demo).
func Steps() map[string]int {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC) // the count does not depend on Now
	out := map[string]int{}
	for _, p := range []plan{modelsPlan, datasetsPlan, servingPlan} {
		out[p.set] = len(p.times(now))
	}
	return out
}

// layout names the paths of a demo directory.
type layout struct{ dir string }

func (l layout) path(elem ...string) string {
	return filepath.Join(append([]string{l.dir}, elem...)...)
}

func (l layout) prepare() error {
	for _, d := range []string{"data/models", "data/datasets", "data/serving", "repos", "restore", "scratch", "cache"} {
		if err := os.MkdirAll(l.path(d), 0o755); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	}
	if err := os.MkdirAll(l.path("secrets"), 0o700); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	for name, pw := range map[string]string{"primary": primaryPassword, "dr": drPassword} {
		p := l.path("secrets", name+".pass")
		if err := os.WriteFile(p, []byte(pw+"\n"), 0o600); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		if err := os.Chmod(p, 0o600); err != nil { // whatever the umask
			return fmt.Errorf("demo: %w", err)
		}
	}
	return nil
}

// q quotes a string for YAML: JSON strings are YAML double-quoted scalars.
func q(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func (l layout) configYAML() string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	w("# Lifeboat demo, made by `lifeboat demo`: two local sites, a week of sample")
	w("# AI-infra backups, and one set (%s) whose replication to dr lags.", laggingSet)
	w("objectives:")
	w("  rpo: 12h")
	w("  rto: 30m")
	w("  drill_every: 30d")
	w("")
	w("sites:")
	w("  - name: primary")
	w("    repository: %s", q(l.path("repos", "primary")))
	w("    password_file: %s", q(l.path("secrets", "primary.pass")))
	w("    role: active")
	w("    location: lab        # both sites sit on this machine: not off-site to each other")
	w("  - name: dr")
	w("    repository: %s", q(l.path("repos", "dr")))
	w("    password_file: %s", q(l.path("secrets", "dr.pass")))
	w("    role: standby")
	w("    location: lab")
	w("")
	w("sets:")
	w("  - name: models")
	w("    paths: [%s]", q(l.path("data", "models")))
	w("    rpo: 24h")
	w("    retention: {keep_last: 10, keep_daily: 7}")
	w("  - name: datasets")
	w("    paths: [%s]", q(l.path("data", "datasets")))
	w("    rpo: 12h")
	w("    retention: {keep_daily: 7, keep_weekly: 4}")
	w("  - name: serving")
	w("    paths: [%s]", q(l.path("data", "serving")))
	w("    rpo: 12h")
	w("")
	w("failover:")
	w("  target: %s", q(l.path("restore")))
	w("  hooks: {pre: [], verify: [], switch: []}")
	w("")
	w("drills:")
	w("  scratch: %s", q(l.path("scratch")))
	w("")
	w("restic:")
	w("  cache_dir: %s", q(l.path("cache")))
	return b.String()
}

func readMarker(path string) (marker, bool, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return marker{}, false, nil
	}
	if err != nil {
		return marker{}, false, fmt.Errorf("demo: %w", err)
	}
	var m marker
	if err := json.Unmarshal(b, &m); err != nil {
		// Ours (by name) but unreadable: treat it as half-built.
		return marker{State: "building"}, true, nil
	}
	return m, true, nil
}

// writeMarker replaces the marker atomically.
func writeMarker(path string, m marker) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	return nil
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}
