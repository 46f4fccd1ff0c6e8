// Package engine is Lifeboat's core: it reads the configuration, drives
// restic for every site, keeps the state store current and reports progress
// as events. It knows nothing of terminals; the CLI and the console are two
// consumers of the same events.
package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lifeboat-dr/lifeboat/engine/config"
	"github.com/lifeboat-dr/lifeboat/engine/restic"
	"github.com/lifeboat-dr/lifeboat/storage"
)

// Engine drives the sites of one configuration.
type Engine struct {
	cfg      *config.Config
	store    *storage.Store
	runner   *restic.Runner
	operator Operator
	version  restic.Version
	log      *CommandLog
	now      func() time.Time
	notify   Notify
	// readOnly refuses every action that writes (see Refusal).
	readOnly bool
	// slowProbe: a listing slower than this makes a site DEGRADED (slow).
	slowProbe time.Duration

	// refreshMu serialises catalog refreshes per site so two screens asking
	// at once do not list the same repository twice.
	refreshMu sync.Map // site -> *sync.Mutex

	proofs proofCache

	// cancelJournaled is set once this engine journals a cancellation: the
	// CLI says "journaled as cancelled" only when it is true.
	cancelJournaled atomic.Bool

	// ledgerMu guards bastionID, this state directory's name in the ledger.
	ledgerMu  sync.Mutex
	bastionID string
	// publishMu serialises publications: two at once would send a site the
	// same ledger twice.
	publishMu sync.Mutex
	pub       publisher
}

// Options configure New.
type Options struct {
	// ResticBinary overrides the search for restic (tests).
	ResticBinary string
	// Operator overrides who is recorded in the journal (tests).
	Operator *Operator
	// Notify delivers the alert events operations raise themselves; nil
	// sends none (see Notify).
	Notify Notify
	// ReadOnly refuses every action that writes to a repository (--read-only).
	ReadOnly bool
	// OutageLimit is how long a long run (a copy, a restore, a backup)
	// rides out a site that stopped answering before it fails: 0 means
	// $LIFEBOAT_OUTAGE_LIMIT (a Go duration), else restic's own 15 minutes.
	OutageLimit time.Duration
	// SlowProbe is how long a listing of a site may take before the site
	// is DEGRADED (slow): 0 means SlowProbe().
	SlowProbe time.Duration
}

// New checks restic and returns an engine over cfg and store.
func New(ctx context.Context, cfg *config.Config, store *storage.Store, opts Options) (*Engine, error) {
	bin := opts.ResticBinary
	if bin == "" {
		var err error
		if bin, err = restic.Find(cfg.Restic.Binary); err != nil {
			return nil, err
		}
	}
	v, err := resticVersion(ctx, store, bin)
	if err != nil {
		return nil, err
	}
	e := &Engine{cfg: cfg, store: store, version: v, log: NewCommandLog(500), now: time.Now, notify: opts.Notify,
		readOnly: opts.ReadOnly, slowProbe: opts.SlowProbe}
	if e.slowProbe == 0 {
		e.slowProbe = SlowProbe()
	}
	if opts.Operator != nil {
		e.operator = *opts.Operator
	} else {
		e.operator = CurrentOperator()
	}
	e.runner = &restic.Runner{Binary: bin, CacheDir: cfg.Restic.CacheDir, OnInvocation: e.recordInvocation, Explain: e.explain,
		OnMessage: e.liveMessage, OutageLimit: opts.OutageLimit}
	if d, err := time.ParseDuration(os.Getenv("LIFEBOAT_OUTAGE_LIMIT")); err == nil && d > 0 && opts.OutageLimit == 0 {
		e.runner.OutageLimit = d
	}
	return e, nil
}

// explain adds the catalog's knowledge to restic's errors: a repository
// that does not exist but held snapshots when it was last listed is
// missing (a mount or URL problem), and `lifeboat init` would hide that
// behind a new, empty repository.
func (e *Engine) explain(err *restic.Error) {
	if err.Kind != restic.ErrRepoNotFound || err.Site == "" {
		return
	}
	ids, serr := e.store.CachedSnapshotIDs(context.Background(), err.Site)
	if serr == nil && len(ids) > 0 {
		err.Held, err.Hint = len(ids), ""
	}
}

// resticVersion checks the binary's version, running `restic version` only
// when the binary is new or changed on disk since the store last saw it
// (it costs 0.07–0.24 s of every command; docs/performance.md).
func resticVersion(ctx context.Context, store *storage.Store, bin string) (restic.Version, error) {
	if abs, err := filepath.Abs(bin); err == nil {
		bin = abs
	}
	stamp, stampErr := restic.Stamp(bin)
	if stampErr == nil {
		if known, ok, _ := store.KnownResticBinary(ctx, bin, stamp); ok {
			var v restic.Version
			// Still held against MinVersion: a newer lifeboat may need more.
			if json.Unmarshal([]byte(known.Version), &v) == nil && v.Version != "" {
				return v, restic.Supported(bin, v)
			}
		}
	}
	v, err := restic.CheckVersion(ctx, bin)
	if err != nil || stampErr != nil {
		return v, err
	}
	if out, merr := json.Marshal(v); merr == nil {
		// Only a cache: failing to write it costs the next command 0.1 s.
		_ = store.RememberResticBinary(ctx, storage.ResticBinary{Path: bin, Stamp: stamp, Version: string(out)})
	}
	return v, nil
}

// Config returns the configuration the engine runs on.
func (e *Engine) Config() *config.Config { return e.cfg }

// Store returns the state store.
func (e *Engine) Store() *storage.Store { return e.store }

// ResticVersion is the version of the restic binary in use.
func (e *Engine) ResticVersion() restic.Version { return e.version }

// ResticBinary is the path of the restic binary in use.
func (e *Engine) ResticBinary() string { return e.runner.Binary }

// Operator is who runs this process.
func (e *Engine) Operator() Operator { return e.operator }

// Now is the engine's clock: what journal entries, reports and alerts are
// stamped with.
func (e *Engine) Now() time.Time { return e.now() }

// CommandLog is the in-memory log of restic invocations of this process.
func (e *Engine) CommandLog() *CommandLog { return e.log }

func (e *Engine) recordInvocation(inv restic.Invocation) {
	e.log.add(inv)
	// The store keeps the log across processes; a failure to write it must
	// not fail the operation that ran restic.
	_ = e.store.RecordInvocation(context.Background(), storage.Invocation{
		Time: inv.Start, Site: inv.Site, Args: inv.Args, Duration: inv.Duration,
		ExitCode: inv.ExitCode, Error: inv.Err,
	})
}

// Operator identifies the person behind an action.
type Operator struct {
	User   string // user@host
	Origin string // SSH client address, "" when local
}

func (o Operator) String() string {
	if o.Origin != "" {
		return fmt.Sprintf("%s (ssh from %s)", o.User, o.Origin)
	}
	return o.User
}

// CurrentOperator reads the user, host and SSH origin of this process.
func CurrentOperator() Operator {
	name := os.Getenv("USER")
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	if name == "" {
		name = "unknown"
	}
	host, _ := os.Hostname()
	op := Operator{User: name + "@" + host}
	if f := strings.Fields(os.Getenv("SSH_CLIENT")); len(f) > 0 {
		op.Origin = f[0]
	}
	return op
}

// Typed errors of the engine itself, for callers that explain them.
var (
	ErrUnknownSite    = errors.New("unknown site")
	ErrUnknownSet     = errors.New("unknown set")
	ErrTargetNotEmpty = errors.New("target is not empty")
	ErrNoSnapshot     = errors.New("no snapshot")
	ErrReadOnly       = errors.New("read-only mode")
)

func (e *Engine) site(name string) (*config.Site, error) {
	s, ok := e.cfg.Site(name)
	if !ok {
		return nil, fmt.Errorf("%w %q (known: %s)", ErrUnknownSite, name, strings.Join(e.cfg.SiteNames(), ", "))
	}
	return s, nil
}

func (e *Engine) set(name string) (*config.Set, error) {
	s, ok := e.cfg.Set(name)
	if !ok {
		return nil, fmt.Errorf("%w %q (known: %s)", ErrUnknownSet, name, strings.Join(e.cfg.SetNames(), ", "))
	}
	return s, nil
}

// sets resolves set names; none means every set.
func (e *Engine) sets(names []string) ([]*config.Set, error) {
	if len(names) == 0 {
		out := make([]*config.Set, len(e.cfg.Sets))
		for i := range e.cfg.Sets {
			out[i] = &e.cfg.Sets[i]
		}
		return out, nil
	}
	var out []*config.Set
	for _, n := range names {
		s, err := e.set(n)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// repo turns a configured site into what the runner needs.
func (e *Engine) repo(s *config.Site) (restic.Repo, error) {
	env, err := s.ExpandedEnv()
	if err != nil {
		return restic.Repo{}, err
	}
	return restic.Repo{Site: s.Name, Repository: s.Repository, PasswordFile: s.PasswordFile,
		PasswordCommand: s.PasswordCommand, PasswordEnv: s.PasswordEnv, Env: env, Options: s.Options}, nil
}

// siteRepo resolves a site by name and what the runner needs to reach it.
func (e *Engine) siteRepo(name string) (*config.Site, restic.Repo, error) {
	s, err := e.site(name)
	if err != nil {
		return nil, restic.Repo{}, err
	}
	repo, err := e.repo(s)
	return s, repo, err
}

// activeRepo is the active site and what the runner needs to reach it:
// where backups go and replication comes from.
func (e *Engine) activeRepo(ctx context.Context) (string, restic.Repo, error) {
	active, _, err := e.ActiveSite(ctx)
	if err != nil {
		return "", restic.Repo{}, err
	}
	_, repo, err := e.siteRepo(active)
	return active, repo, err
}

// setsFromActive is setsToChange for an action that works from the active
// site (a backup goes to it, replication comes from it), with that site
// and its repository.
func (e *Engine) setsFromActive(ctx context.Context, action string, names []string) ([]*config.Set, string, restic.Repo, error) {
	sets, err := e.setsToChange(ctx, action, names)
	if err != nil {
		return nil, "", restic.Repo{}, err
	}
	active, repo, err := e.activeRepo(ctx)
	if err != nil {
		return nil, "", restic.Repo{}, err
	}
	return sets, active, repo, nil
}

// siteNames is the requested sites; none means every site.
func (e *Engine) siteNames(names []string) []string {
	if len(names) == 0 {
		return e.cfg.SiteNames()
	}
	return names
}

// inParallel runs fn for every item at once and returns the answers in the
// order of items: one slow site or probe does not hold up the others.
func inParallel[In, Out any](items []In, fn func(In) Out) []Out {
	out := make([]Out, len(items))
	var wg sync.WaitGroup
	for i, item := range items {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = fn(item)
		}()
	}
	wg.Wait()
	return out
}

// ActiveSite is the site production writes to: the store's record after a
// failover, else the config's role. fromStore says which.
func (e *Engine) ActiveSite(ctx context.Context) (name string, fromStore bool, err error) {
	n, _, ok, err := e.store.ActiveSite(ctx)
	if err != nil {
		return "", false, err
	}
	if ok {
		if _, known := e.cfg.Site(n); known {
			return n, true, nil
		}
	}
	return e.cfg.ConfigActive().Name, false, nil
}

// Standbys are every site but the active one, in config order.
func (e *Engine) Standbys(ctx context.Context) ([]string, error) {
	active, _, err := e.ActiveSite(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, s := range e.cfg.Sites {
		if s.Name != active {
			out = append(out, s.Name)
		}
	}
	return out, nil
}
