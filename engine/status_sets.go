package engine

import (
	"context"
	"slices"
	"time"

	"github.com/lifeboat-dr/lifeboat/engine/config"
	"github.com/lifeboat-dr/lifeboat/storage"
)

// setCatalog is what status asks of the cached catalog, set by set: the
// snapshots of each set at each site (their briefs: no paths, no tree),
// built in one pass over every site. At 3 sites × 20,000 snapshots × 50
// sets, reading whole snapshots and scanning them per set and site was
// most of `status --cached` (docs/performance.md).
type setCatalog struct {
	in []map[string][]*storage.Brief // per set (config order), per site
}

func (e *Engine) loadSetCatalog(ctx context.Context) (*setCatalog, error) {
	sets := e.cfg.Sets
	byName := map[string][]int{}
	c := &setCatalog{in: make([]map[string][]*storage.Brief, len(sets))}
	for i := range sets {
		byName[sets[i].Name] = append(byName[sets[i].Name], i)
		c.in[i] = map[string][]*storage.Brief{}
	}
	// Each site is read on its own connection, in parallel: the reading
	// is most of the time, and SQLite readers in WAL mode do not wait on
	// each other.
	type read struct {
		briefs []storage.Brief
		err    error
	}
	reads := inParallel(e.cfg.Sites, func(s config.Site) read {
		b, err := e.store.CachedBriefs(ctx, s.Name)
		return read{b, err}
	})
	for n, site := range e.cfg.Sites {
		briefs, err := reads[n].briefs, reads[n].err
		if err != nil {
			return nil, err
		}
		for k := range briefs {
			b := &briefs[k]
			for j, tag := range b.Tags {
				if slices.Contains(b.Tags[:j], tag) {
					continue // a tag given twice is one membership
				}
				for _, i := range byName[tag] {
					if h := sets[i].Host; h == "" || h == b.Host {
						c.in[i][site.Name] = append(c.in[i][site.Name], b)
					}
				}
			}
		}
	}
	return c, nil
}

// count is how many snapshots of set i are at site (Catalog.InSet's length).
func (c *setCatalog) count(i int, site string) int { return len(c.in[i][site]) }

// newest is the newest snapshot of set i at site: the latest time, and of
// equal times the first in catalog order (smallest id), as Catalog.Newest.
func (c *setCatalog) newest(i int, site string) (id string, t time.Time, ok bool) {
	var best *storage.Brief
	for _, b := range c.in[i][site] {
		if best == nil || b.Time.After(best.Time) || (b.Time.Equal(best.Time) && b.ID < best.ID) {
			best = b
		}
	}
	if best == nil {
		return "", time.Time{}, false
	}
	return best.ID, best.Time, true
}

// missing is how many snapshots of set i at from have no copy at to, and
// the time of the oldest of them (Catalog.Missing).
func (c *setCatalog) missing(i int, from, to string) (n int, oldest time.Time) {
	have := make(map[string]struct{}, len(c.in[i][to]))
	for _, b := range c.in[i][to] {
		have[briefOrigin(b)] = struct{}{}
	}
	for _, b := range c.in[i][from] {
		if _, ok := have[briefOrigin(b)]; !ok {
			if n == 0 || b.Time.Before(oldest) {
				oldest = b.Time
			}
			n++
		}
	}
	return n, oldest
}

// briefOrigin is Origin of a brief.
func briefOrigin(b *storage.Brief) string {
	if b.Original != "" {
		return b.Original
	}
	return b.ID
}
