package engine

import (
	"context"
	"slices"
	"time"

	"github.com/lifeboat-dr/lifeboat/engine/config"
	"github.com/lifeboat-dr/lifeboat/engine/restic"
)

// The console sees the configuration through these views, never the raw
// config: a view is built from it once, holds no password, password source,
// environment or raw repository URL, and so cannot leak one.

// ErrCancelled and ErrPartial are restic's sentinels, re-exported so that
// a front end can classify an operation's error without importing restic.
var (
	ErrCancelled = restic.ErrCancelled
	ErrPartial   = restic.ErrPartial
)

// ConfigView is the configuration as a front end may see it.
type ConfigView struct {
	Sites []SiteView
	Sets  []SetView
	// FailoverTarget is where a failover restores to (also the console's
	// default restore target); DrillScratch where a drill restores.
	FailoverTarget string
	DrillScratch   string
}

// SiteView is a configured site; Repository is already redacted.
type SiteView struct {
	Name       string
	Repository string
	Role       string // active or standby, as written in the file
	Probes     int    // configured service probes (http, tcp, command, disk)
}

// SetView is a configured backup set.
type SetView struct {
	Name      string
	Paths     []string
	Host      string         // only this host's snapshots belong to the set; "" any
	Retention *RetentionView // nil: forget skips the set
}

// RetentionView is a set's forget policy: the counts it keeps, in the
// order restic applies them, and an age within which it keeps everything.
type RetentionView struct {
	Keep       []KeepCount
	KeepWithin time.Duration
}

// KeepCount keeps the newest N snapshots per Unit (last, hourly, daily, ...).
type KeepCount struct {
	Unit string
	N    int
}

// NewConfigView builds the view of cfg.
func NewConfigView(cfg *config.Config) *ConfigView {
	v := &ConfigView{FailoverTarget: cfg.Failover.Target, DrillScratch: cfg.Drills.Scratch}
	for _, s := range cfg.Sites {
		v.Sites = append(v.Sites, SiteView{Name: s.Name, Repository: restic.RedactRepository(s.Repository),
			Role: string(s.Role), Probes: len(s.Probes)})
	}
	for _, s := range cfg.Sets {
		set := SetView{Name: s.Name, Paths: append([]string(nil), s.Paths...), Host: s.Host}
		if r := s.Retention; r != nil {
			set.Retention = &RetentionView{KeepWithin: r.KeepWithin.D()}
			for _, k := range []KeepCount{{"last", r.KeepLast}, {"hourly", r.KeepHourly}, {"daily", r.KeepDaily},
				{"weekly", r.KeepWeekly}, {"monthly", r.KeepMonthly}, {"yearly", r.KeepYearly}} {
				if k.N > 0 {
					set.Retention.Keep = append(set.Retention.Keep, k)
				}
			}
		}
		v.Sets = append(v.Sets, set)
	}
	return v
}

// ConfigView is the engine's configuration as a front end may see it.
func (e *Engine) ConfigView() *ConfigView { return NewConfigView(e.cfg) }

// Site returns the site called name.
func (c *ConfigView) Site(name string) (*SiteView, bool) {
	return named(c.Sites, func(s SiteView) string { return s.Name }, name)
}

// Set returns the set called name.
func (c *ConfigView) Set(name string) (*SetView, bool) {
	return named(c.Sets, func(s SetView) string { return s.Name }, name)
}

// ConfigActive is the site whose role in the file is active; after a
// failover the store's record wins (Status says which).
func (c *ConfigView) ConfigActive() *SiteView {
	site, _ := named(c.Sites, func(s SiteView) string { return s.Role }, string(config.RoleActive))
	return site
}

// Standbys returns every site but the one called active, in file order.
func (c *ConfigView) Standbys(active string) []SiteView {
	return slices.DeleteFunc(slices.Clone(c.Sites), func(s SiteView) bool { return s.Name == active })
}

// SiteNames lists the site names in file order.
func (c *ConfigView) SiteNames() []string {
	return names(c.Sites, func(s SiteView) string { return s.Name })
}

// SetNames lists the set names in file order.
func (c *ConfigView) SetNames() []string {
	return names(c.Sets, func(s SetView) string { return s.Name })
}

// named finds the first of xs whose key is want.
func named[T any](xs []T, key func(T) string, want string) (*T, bool) {
	if i := slices.IndexFunc(xs, func(x T) bool { return key(x) == want }); i >= 0 {
		return &xs[i], true
	}
	return nil, false
}

func names[T any](xs []T, key func(T) string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = key(x)
	}
	return out
}

// SnapshotsOf is InSet for a set view: the snapshots of set at site.
func (c Catalog) SnapshotsOf(site string, set *SetView) []Snapshot {
	return c.InSet(site, &config.Set{Name: set.Name, Host: set.Host})
}

// DurationText writes d the way the configuration does ("12h", "1d").
func DurationText(d time.Duration) string { return config.Duration(d).String() }

// LockHolder is who holds the recovery lock: the run, and its process and
// operator, which a front end names.
type LockHolder struct {
	RunID    string
	PID      int
	Host     string
	Operator string
}

// Node is one entry of a snapshot's tree.
type Node struct {
	Name string
	Type string // file, dir, symlink, ...
	Path string
	Size uint64
}

// NodeOf is the view of a node restic listed.
func NodeOf(n restic.Node) Node { return Node{Name: n.Name, Type: n.Type, Path: n.Path, Size: n.Size} }

// ListNodes is List for a front end: each node of the snapshot's tree as a Node.
func (e *Engine) ListNodes(ctx context.Context, site, snapshotID string, fn func(Node)) error {
	return e.List(ctx, site, snapshotID, func(n restic.Node) { fn(NodeOf(n)) })
}
