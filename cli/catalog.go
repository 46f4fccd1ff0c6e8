package cli

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/lifeboat-dr/lifeboat/engine"
)

// snapshotJSON is one entry of `snapshots --json` (contract §4).
type snapshotJSON struct {
	ID       string    `json:"id"`
	ShortID  string    `json:"short_id"`
	Time     time.Time `json:"time"`
	Host     string    `json:"host"`
	Paths    []string  `json:"paths"`
	Tags     []string  `json:"tags"`
	Set      string    `json:"set"`
	Site     string    `json:"site"`
	Original string    `json:"original"`
	// Added fields: where else a copy exists, the size, and whether the
	// site could not be listed just now (the cache speaks).
	AlsoAt []string `json:"also_at"`
	Files  int64    `json:"files"`
	Bytes  int64    `json:"bytes"`
	Stale  bool     `json:"stale"`
	// Tested is the newest passing drill or committed failover that
	// restored this snapshot and verified it; null when none did.
	Tested *engine.Proof `json:"tested"`
	// AlsoAtListed says, for each other site that this command did not
	// list (snapshots --site S lists only S), when the cache that also_at
	// comes from was listed; absent when every site was listed just now.
	AlsoAtListed map[string]*time.Time `json:"also_at_listed,omitempty"`
}

func (a *app) snapshotsCommand() *cobra.Command {
	var site, set string
	var cached bool
	cmd := &cobra.Command{
		Use:   "snapshots",
		Short: "The catalog: snapshots per site and set, and where copies exist",
		Long: `Lists snapshots per site and set. Each site is listed by id first and only new
snapshots are fetched (one restic process per site when nothing is new); a
site that cannot be reached is shown from the cache, marked stale, and the
command exits 1. With --site S only S is contacted: "also at" for the other
sites comes from their cached catalog, and says how old it is.`,
		Args: cobra.NoArgs,
		RunE: withEngine(a.open, func(ctx context.Context, eng *engine.Engine) error {
			sites := eng.Config().SiteNames()
			if site != "" {
				if _, ok := eng.Config().Site(site); !ok {
					return fmt.Errorf("unknown site %q (known: %s)", site, strings.Join(sites, ", "))
				}
				sites = []string{site}
			}
			if set != "" {
				if _, ok := eng.Config().Set(set); !ok {
					return fmt.Errorf("unknown set %q (known: %s)", set, strings.Join(eng.Config().SetNames(), ", "))
				}
			}
			stale := map[string]error{}
			listed := map[string]bool{}
			if !cached {
				// Only the sites shown are contacted, one listing each; the
				// others' "also at" is the cache's, with its age.
				for _, p := range eng.RefreshListings(ctx, sites...) {
					listed[p.Site] = p.Err == nil
					if p.Err != nil {
						stale[p.Site] = p.Err
					}
				}
			}
			asOf, err := cacheAges(ctx, eng, listed)
			if err != nil {
				return err
			}
			cat, err := eng.LoadCatalog(ctx)
			if err != nil {
				return err
			}
			proven, err := eng.ProvenSnapshots(ctx)
			if err != nil {
				return err
			}
			out := []snapshotJSON{}
			for _, s := range sites {
				for _, sn := range cat[s] {
					for _, setName := range setsOf(eng, sn) {
						if set != "" && setName != set {
							continue
						}
						out = append(out, snapshotJSON{ID: sn.ID, ShortID: sn.ShortID, Time: sn.Time, Host: sn.Host,
							Paths: nonNil(sn.Paths), Tags: nonNil(sn.Tags), Set: setName, Site: s, Original: sn.Original,
							AlsoAt: others(cat.SitesHolding(sn), s), Files: sn.TotalFiles, Bytes: sn.TotalBytes,
							Stale: stale[s] != nil, Tested: proofOf(proven, sn.ID), AlsoAtListed: othersAsOf(asOf, s)})
					}
				}
			}
			slices.SortStableFunc(out, func(x, y snapshotJSON) int {
				if c := strings.Compare(x.Site, y.Site); c != 0 {
					return c
				}
				if c := strings.Compare(x.Set, y.Set); c != 0 {
					return c
				}
				return x.Time.Compare(y.Time)
			})
			if err := a.show(out, func() { a.printSnapshots(out, asOf, sites) }); err != nil {
				return err
			}
			for s, e := range stale {
				if slices.Contains(sites, s) {
					fmt.Fprintf(a.stderr, "warning: site %s could not be listed, showing its cached catalog: %s\n", s, errText(e))
				}
			}
			for _, s := range sites {
				if stale[s] != nil {
					return withCode(1, errSilent)
				}
			}
			return nil
		}),
	}
	cmd.Flags().StringVar(&site, "site", "", "only this site")
	cmd.Flags().StringVar(&set, "set", "", "only this set")
	cmd.Flags().BoolVar(&cached, "cached", false, "do not contact the sites: print the cached catalog")
	return cmd
}

// cacheAges is when each site not listed just now was last listed (nil:
// never), for every configured site.
func cacheAges(ctx context.Context, eng *engine.Engine, listed map[string]bool) (map[string]*time.Time, error) {
	out := map[string]*time.Time{}
	for _, s := range eng.Config().SiteNames() {
		if listed[s] {
			continue
		}
		t, err := eng.CatalogListed(ctx, s)
		if err != nil {
			return nil, err
		}
		if t.IsZero() {
			out[s] = nil
		} else {
			t = t.UTC()
			out[s] = &t
		}
	}
	return out, nil
}

// othersAsOf is asOf without self; nil when empty.
func othersAsOf(asOf map[string]*time.Time, self string) map[string]*time.Time {
	var out map[string]*time.Time
	for s, t := range asOf {
		if s == self {
			continue
		}
		if out == nil {
			out = map[string]*time.Time{}
		}
		out[s] = t
	}
	return out
}

// proofOf is the proof of a snapshot, nil when it has none.
func proofOf(proven map[string]engine.Proof, id string) *engine.Proof {
	if p, ok := proven[id]; ok {
		return &p
	}
	return nil
}

// setsOf names the sets a snapshot belongs to; "" when none.
func setsOf(eng *engine.Engine, sn engine.Snapshot) []string {
	var out []string
	cfg := eng.Config()
	for i := range cfg.Sets {
		if engine.InSet(sn, &cfg.Sets[i]) {
			out = append(out, cfg.Sets[i].Name)
		}
	}
	if len(out) == 0 {
		return []string{""}
	}
	return out
}

func others(sites []string, self string) []string {
	out := []string{}
	for _, s := range sites {
		if s != self {
			out = append(out, s)
		}
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (a *app) printSnapshots(out []snapshotJSON, asOf map[string]*time.Time, shown []string) {
	t := &table{head: []string{"SITE", "SET", "ID", "TIME", "AGE", "HOST", "SIZE", "TESTED", "ALSO AT"}}
	for _, s := range out {
		tested := "-"
		if s.Tested != nil {
			tested = s.Tested.Kind + " " + ago(s.Tested.At)
		}
		t.add(s.Site, dash(s.Set), s.ShortID, s.Time.Local().Format("2006-01-02 15:04"), ago(s.Time), s.Host,
			engine.Bytes(uint64(s.Bytes)), tested, dash(strings.Join(s.AlsoAt, ",")))
	}
	t.print(a.stdout, a.palette())
	fmt.Fprintf(a.stdout, "%d snapshot(s)\n", len(out))
	var notes []string
	for _, s := range sortedSites(asOf) {
		if slices.Contains(shown, s) {
			continue // a shown site that could not be listed has its own warning
		}
		if t := asOf[s]; t != nil {
			notes = append(notes, fmt.Sprintf("%s as listed %s", s, ago(*t)))
		} else {
			notes = append(notes, s+" never listed")
		}
	}
	if len(notes) > 0 {
		fmt.Fprintf(a.stdout, "ALSO AT from the cached catalog (not contacted): %s; `lifeboat snapshots` lists every site\n", strings.Join(notes, ", "))
	}
}

func sortedSites(m map[string]*time.Time) []string {
	out := make([]string, 0, len(m))
	for s := range m {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}
