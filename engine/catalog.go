package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/lifeboat-dr/lifeboat/engine/config"
	"github.com/lifeboat-dr/lifeboat/engine/restic"
	"github.com/lifeboat-dr/lifeboat/storage"
)

// Snapshot is a catalog entry: a restic snapshot at one site.
type Snapshot = storage.Snapshot

// Origin is the identity a snapshot shares with its copies: restic's
// `original` for a copy, its own id otherwise. restic copy keeps an existing
// original, so copies of copies still point at the first snapshot.
func Origin(s Snapshot) string {
	if s.Original != "" {
		return s.Original
	}
	return s.ID
}

// InSet says whether a snapshot belongs to a set: it carries the set's tag
// and, when the set names a host, comes from that host.
func InSet(s Snapshot, set *config.Set) bool {
	if set.Host != "" && s.Host != set.Host {
		return false
	}
	return slices.Contains(s.Tags, set.Name)
}

// ProbeTimeout bounds how long one site's listing may take before the site
// counts as unreachable: 30s, or $LIFEBOAT_PROBE_TIMEOUT (a Go duration).
func ProbeTimeout() time.Duration {
	if d, err := time.ParseDuration(os.Getenv("LIFEBOAT_PROBE_TIMEOUT")); err == nil && d > 0 {
		return d
	}
	return 30 * time.Second
}

// SlowProbe is how long a listing of a site's repository may take before
// the site counts as DEGRADED (slow), apart from DOWN: 5s, or
// $LIFEBOAT_PROBE_SLOW (a Go duration).
func SlowProbe() time.Duration {
	if d, err := time.ParseDuration(os.Getenv("LIFEBOAT_PROBE_SLOW")); err == nil && d > 0 {
		return d
	}
	return 5 * time.Second
}

// SiteProbe is what one refresh learned about a site's repository.
type SiteProbe struct {
	Site      string
	Reachable bool
	Latency   time.Duration
	Locks     int
	Err       error
	Time      time.Time
	Added     int // snapshots new to the cache
	Removed   int
}

// RefreshCatalog brings the cached catalog of each site up to date, all
// sites in parallel, and measures reachability and locks on the way. Only
// snapshot ids are listed; details are fetched only for ids the cache lacks.
// No sites means every site.
func (e *Engine) RefreshCatalog(ctx context.Context, sites ...string) []SiteProbe {
	return e.refresh(ctx, true, sites)
}

// RefreshListings brings the catalog of each site up to date without
// counting locks: one restic process per site when nothing is new (the
// listing of ids, which also says whether the site answers), two when
// there are snapshots to fetch. No sites means every site.
func (e *Engine) RefreshListings(ctx context.Context, sites ...string) []SiteProbe {
	return e.refresh(ctx, false, sites)
}

// refreshListings is RefreshListings: operations that only need to know
// what is where skip the lock count.
func (e *Engine) refreshListings(ctx context.Context, sites ...string) []SiteProbe {
	return e.refresh(ctx, false, sites)
}

// CatalogListed is when site's catalog was last listed from the site; the
// zero time when never. What the cache says of a site is as old as this.
func (e *Engine) CatalogListed(ctx context.Context, site string) (time.Time, error) {
	return e.store.CatalogRefreshed(ctx, site)
}

func (e *Engine) refresh(ctx context.Context, locks bool, sites []string) []SiteProbe {
	return inParallel(e.siteNames(sites), func(name string) SiteProbe {
		return e.refreshSite(ctx, name, locks)
	})
}

func (e *Engine) siteLock(name string) *sync.Mutex {
	m, _ := e.refreshMu.LoadOrStore(name, &sync.Mutex{})
	return m.(*sync.Mutex)
}

// The result is named so that the deferred functions below see and amend
// what is returned.
func (e *Engine) refreshSite(ctx context.Context, name string, locks bool) (p SiteProbe) {
	p = SiteProbe{Site: name, Time: e.now()}
	mu := e.siteLock(name)
	mu.Lock()
	defer mu.Unlock()
	defer func() {
		if !locks {
			return // a sample without the lock count would mislead the cached view
		}
		// History for the console's sparkline and for the cached view at start-up.
		errText := ""
		if p.Err != nil {
			errText = p.Err.Error()
		}
		_ = e.store.RecordSample(context.WithoutCancel(ctx), storage.SiteSample{Site: name, Time: p.Time,
			Reachable: p.Reachable, Latency: p.Latency, Locks: p.Locks, Error: errText})
	}()

	_, repo, err := e.siteRepo(name)
	if err != nil {
		p.Err = err
		return p
	}
	// A site that accepts connections and never answers would hold restic
	// for its 5-minute stuck-request timeout; a probe gives up sooner.
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, ProbeTimeout())
	defer cancel()
	defer func() {
		if p.Err != nil && ctx.Err() != nil && parent.Err() == nil {
			p.Err = &restic.Error{Site: name, Op: "probe", Code: -1, Kind: restic.ErrUnreachable,
				Message: fmt.Sprintf("no answer within %s", ProbeTimeout()),
				Hint:    fmt.Sprintf("is the server of site %s up and reachable from here?", name)}
		}
	}()
	// list locks is the cheapest call that opens the repository (key and
	// config): its duration is the site's latency. Without it, the listing's
	// duration stands in.
	if locks {
		res, err := e.runner.Run(ctx, restic.Call{Repo: repo, Op: "list locks", Capture: true,
			Args: []string{"list", "locks", "--no-lock", "--quiet"}, FailFast: true})
		if err != nil {
			p.Err = err
			return p
		}
		p.Latency = res.Duration
		p.Locks = countLines(res.Stdout)
	}
	start := time.Now()
	ids, err := e.listSnapshotIDs(ctx, repo)
	if err != nil {
		p.Err = err
		return p
	}
	p.Reachable = true
	if !locks {
		p.Latency = time.Since(start)
	}
	cached, err := e.store.CachedSnapshotIDs(ctx, name)
	if err != nil {
		p.Err = err
		return p
	}
	var fresh []string
	present := make(map[string]struct{}, len(ids))
	for _, id := range ids {
		present[id] = struct{}{}
		if _, ok := cached[id]; !ok {
			fresh = append(fresh, id)
		}
	}
	var removed []string
	for id := range cached {
		if _, ok := present[id]; !ok {
			removed = append(removed, id)
		}
	}
	var added []Snapshot
	if len(fresh) > 0 {
		args := []string{"snapshots", "--json", "--no-lock"}
		// Naming a few ids saves decoding the rest; past a point one full
		// listing is cheaper than a long argv.
		if len(fresh) <= 256 && len(fresh) < len(ids) {
			args = append(args, fresh...)
		}
		res, err := e.runner.Run(ctx, restic.Call{Repo: repo, Op: "snapshots", Capture: true, FailFast: true, Args: args})
		if err != nil {
			p.Err = err
			return p
		}
		var list []restic.Snapshot
		if err := json.Unmarshal(res.Stdout, &list); err != nil {
			p.Err = fmt.Errorf("site %s: snapshots: unexpected output from restic: %w", name, err)
			return p
		}
		for _, s := range list {
			if _, ok := cached[s.ID]; ok {
				continue
			}
			added = append(added, fromRestic(name, s))
		}
	}
	// Always sync: it also records when the site was last listed.
	if err := e.store.SyncSnapshots(ctx, name, added, removed, p.Time); err != nil {
		p.Err = err
		return p
	}
	p.Added, p.Removed = len(added), len(removed)
	return p
}

func (e *Engine) listSnapshotIDs(ctx context.Context, repo restic.Repo) ([]string, error) {
	res, err := e.runner.Run(ctx, restic.Call{Repo: repo, Op: "list snapshots", Capture: true,
		Args: []string{"list", "snapshots", "--no-lock", "--quiet"}, FailFast: true})
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, l := range strings.Split(string(res.Stdout), "\n") {
		if l = strings.TrimSpace(l); len(l) == 64 {
			ids = append(ids, l)
		}
	}
	return ids, nil
}

func countLines(b []byte) int {
	n := 0
	for _, l := range strings.Split(string(b), "\n") {
		if strings.TrimSpace(l) != "" {
			n++
		}
	}
	return n
}

func fromRestic(site string, s restic.Snapshot) Snapshot {
	out := Snapshot{Site: site, ID: s.ID, ShortID: s.ShortID, Time: s.Time.UTC(), Host: s.Hostname,
		Username: s.Username, Paths: s.Paths, Tags: s.Tags, Original: s.Original, Parent: s.Parent,
		Tree: s.Tree, ProgramVersion: s.ProgramVersion}
	if out.ShortID == "" && len(s.ID) >= 8 {
		out.ShortID = s.ID[:8]
	}
	if s.Summary != nil {
		out.TotalFiles = s.Summary.TotalFilesProcessed
		out.TotalBytes = s.Summary.TotalBytesProcessed
	}
	return out
}

// Snapshots returns the cached catalog of a site, oldest first, optionally
// only one set's. It runs no restic.
func (e *Engine) Snapshots(ctx context.Context, site, set string) ([]Snapshot, error) {
	if _, err := e.site(site); err != nil {
		return nil, err
	}
	all, err := e.store.CachedSnapshots(ctx, site)
	if err != nil {
		return nil, err
	}
	if set == "" {
		return all, nil
	}
	st, err := e.set(set)
	if err != nil {
		return nil, err
	}
	out := all[:0:0]
	for _, s := range all {
		if InSet(s, st) {
			out = append(out, s)
		}
	}
	return out, nil
}

// Catalog is every site's cached snapshots, keyed by site.
type Catalog map[string][]Snapshot

// LoadCatalog reads the cached catalog of every site.
func (e *Engine) LoadCatalog(ctx context.Context) (Catalog, error) {
	c := Catalog{}
	for _, s := range e.cfg.Sites {
		snaps, err := e.store.CachedSnapshots(ctx, s.Name)
		if err != nil {
			return nil, err
		}
		c[s.Name] = snaps
	}
	return c, nil
}

// BySet splits the catalog by set: for each set, a catalog of only its
// snapshots. Views that ask every set about every site (status) then scan
// each set's snapshots, not every snapshot once per set: at 50 sets of
// 20,000 snapshots a site, that is what keeps status --cached fast.
func (c Catalog) BySet(sets []config.Set) map[string]Catalog {
	byName := map[string][]*config.Set{}
	out := make(map[string]Catalog, len(sets))
	for i := range sets {
		byName[sets[i].Name] = append(byName[sets[i].Name], &sets[i])
		out[sets[i].Name] = Catalog{}
	}
	for site, snaps := range c {
		for _, sn := range snaps {
			for j, tag := range sn.Tags {
				if slices.Contains(sn.Tags[:j], tag) {
					continue // a tag given twice is one membership
				}
				for _, set := range byName[tag] {
					if InSet(sn, set) {
						out[set.Name][site] = append(out[set.Name][site], sn)
					}
				}
			}
		}
	}
	return out
}

// InSet returns a site's snapshots of one set, oldest first.
func (c Catalog) InSet(site string, set *config.Set) []Snapshot {
	var out []Snapshot
	for _, s := range c[site] {
		if InSet(s, set) {
			out = append(out, s)
		}
	}
	return out
}

// Newest is the newest snapshot of a set at a site, if any.
func (c Catalog) Newest(site string, set *config.Set) (Snapshot, bool) {
	var best Snapshot
	found := false
	for _, s := range c[site] {
		if InSet(s, set) && (!found || s.Time.After(best.Time)) {
			best, found = s, true
		}
	}
	return best, found
}

// Missing lists the snapshots of a set at from that are not at to (neither
// the snapshot nor a copy of it), oldest first.
func (c Catalog) Missing(from, to string, set *config.Set) []Snapshot {
	have := map[string]bool{}
	for _, s := range c.InSet(to, set) {
		have[Origin(s)] = true
	}
	var out []Snapshot
	for _, s := range c.InSet(from, set) {
		if !have[Origin(s)] {
			out = append(out, s)
		}
	}
	return out
}

// SitesHolding lists the sites that hold s or a copy of it.
func (c Catalog) SitesHolding(s Snapshot) []string {
	o := Origin(s)
	var out []string
	for site, snaps := range c {
		for _, x := range snaps {
			if Origin(x) == o {
				out = append(out, site)
				break
			}
		}
	}
	slices.Sort(out)
	return out
}
