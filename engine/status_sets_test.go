package engine

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/lifeboat-dr/lifeboat/engine/config"
	"github.com/lifeboat-dr/lifeboat/storage"
)

// The set catalog status reads (briefs, one pass) answers what the whole
// catalog answers (Catalog.InSet, Newest, Missing) on a catalog seeded
// with the awkward cases: copies, a copy under another tag, a set bound to
// a host, a tag given twice, equal times, canaries and the ledger, an odd
// tag, untagged snapshots and an empty site.
func TestSetCatalogAgreesWithTheWholeCatalog(t *testing.T) {
	st, err := storage.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	id := func(n int) string { return fmt.Sprintf("%064x", n) }
	sn := func(n, h int, host string, tags ...string) storage.Snapshot {
		return storage.Snapshot{ID: id(n), ShortID: id(n)[:8], Time: t0.Add(time.Duration(h) * time.Hour), Host: host,
			Paths: []string{"/srv"}, Tags: tags}
	}
	cp := func(s storage.Snapshot, n int, tags ...string) storage.Snapshot {
		s.Original, s.ID = s.ID, id(n)
		if tags != nil {
			s.Tags = tags
		}
		return s
	}
	odd := `we"ird\tag`
	a, b, c := sn(1, 1, "h1", "models"), sn(2, 2, "h2", "models", "datasets"), sn(3, 3, "h1", "datasets", "datasets")
	tieLo, tieHi := sn(5, 4, "h1", "models"), sn(4, 4, "h1", "models") // equal times: id 4 comes first
	primary := []storage.Snapshot{a, b, c, tieLo, tieHi, sn(6, 5, "h2", "serving"), sn(7, 6, "h1"),
		sn(8, 7, "h1", "models", storage.CanaryTag), sn(9, 8, "h1", storage.LedgerTag), sn(10, 0, "h1", odd), sn(11, 9, "h1", "serving")}
	dr := []storage.Snapshot{cp(a, 101), cp(b, 102, "datasets"), cp(c, 103), sn(104, 9, "h2", "serving"),
		cp(sn(8, 7, "h1", "models", storage.CanaryTag), 105), cp(tieHi, 106, "models", storage.LedgerTag)}
	third := []storage.Snapshot{cp(cp(a, 101), 201), cp(b, 202, "other"), cp(sn(10, 0, "h1", odd), 203)}
	ctx := context.Background()
	for site, snaps := range map[string][]storage.Snapshot{"primary": primary, "dr": dr, "third": third} {
		if err := st.SyncSnapshots(ctx, site, snaps, nil, t0); err != nil {
			t.Fatal(err)
		}
	}
	cfg := &config.Config{
		Sites: []config.Site{{Name: "primary"}, {Name: "dr"}, {Name: "third"}, {Name: "empty"}},
		Sets: []config.Set{{Name: "models"}, {Name: "datasets"}, {Name: "serving", Host: "h2"},
			{Name: odd}, {Name: "none"}},
	}
	e := &Engine{cfg: cfg, store: st}
	whole, err := e.LoadCatalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sets, err := e.loadSetCatalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for i := range cfg.Sets {
		set := &cfg.Sets[i]
		for _, site := range cfg.Sites {
			if got, want := sets.count(i, site.Name), len(whole.InSet(site.Name, set)); got != want {
				t.Errorf("set %s at %s: %d snapshots, want %d", set.Name, site.Name, got, want)
			}
			gotID, gotT, gotOK := sets.newest(i, site.Name)
			want, wantOK := whole.Newest(site.Name, set)
			if gotID != want.ID || !gotT.Equal(want.Time) || gotOK != wantOK {
				t.Errorf("newest of set %s at %s: %s %s %v, want %s %s %v", set.Name, site.Name, gotID, gotT, gotOK, want.ID, want.Time, wantOK)
			}
			for _, to := range cfg.Sites {
				n, oldest := sets.missing(i, site.Name, to.Name)
				miss := whole.Missing(site.Name, to.Name, set)
				if n != len(miss) || (n > 0 && !oldest.Equal(miss[0].Time)) {
					t.Errorf("set %s from %s to %s: %d missing (oldest %s), want %d", set.Name, site.Name, to.Name, n, oldest, len(miss))
				}
				checked += n
			}
		}
	}
	// The catalog is not trivial: some snapshots are missing somewhere, and
	// the tie is resolved as the catalog order resolves it.
	if checked == 0 {
		t.Fatal("no set is missing any snapshot anywhere: the seed does not exercise Missing")
	}
	if id, _, _ := sets.newest(0, "primary"); id != tieHi.ID {
		t.Errorf("newest models at primary is %s, want %s (equal times, smaller id)", id, tieHi.ID)
	}
}
