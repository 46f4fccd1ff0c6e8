package storage

import (
	"context"
	"reflect"
	"sort"
	"testing"
	"time"
)

// CachedBriefs holds the same snapshots as CachedSnapshots, with the same
// fields: copies, odd tags (quotes, backslashes, an escaped NUL), no tags,
// Lifeboat's own left out, another site's kept apart, an empty site.
func TestCachedBriefsMatchCachedSnapshots(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	a := snap(id64(1), at(time.Hour))
	b := snap(id64(2), at(2*time.Hour))
	b.Original, b.Host, b.Tags = id64(99), "", []string{`we"ird\tag`, "x\x00y", "pg"}
	c := snap(id64(3), at(-time.Hour))
	c.Tags = nil
	d := snap(id64(4), at(2*time.Hour)) // same time as b
	canary, ledger := snap(id64(5), at(0)), snap(id64(6), at(0))
	canary.Tags, ledger.Tags = []string{"pg", CanaryTag}, []string{LedgerTag}
	if err := s.SyncSnapshots(ctx, "main", []Snapshot{a, b, c, d, canary, ledger}, nil, at(0)); err != nil {
		t.Fatal(err)
	}
	if err := s.SyncSnapshots(ctx, "other", []Snapshot{snap(id64(7), at(0))}, nil, at(0)); err != nil {
		t.Fatal(err)
	}
	for _, site := range []string{"main", "other", "empty"} {
		full, err := s.CachedSnapshots(ctx, site)
		if err != nil {
			t.Fatal(err)
		}
		var want []Brief
		for _, sn := range full {
			want = append(want, Brief{ID: sn.ID, Original: sn.Original, Host: sn.Host, Tags: sn.Tags, Time: sn.Time})
		}
		got, err := s.CachedBriefs(ctx, site)
		if err != nil {
			t.Fatal(err)
		}
		sort.Slice(got, func(i, j int) bool { return got[i].ID < got[j].ID })
		sort.Slice(want, func(i, j int) bool { return want[i].ID < want[j].ID })
		if len(got) != len(want) || (len(want) > 0 && !reflect.DeepEqual(got, want)) {
			t.Errorf("briefs of %s:\n got %+v\nwant %+v", site, got, want)
		}
	}
	if got, _ := s.CachedBriefs(ctx, "main"); len(got) != 4 {
		t.Errorf("main: %d briefs, want 4 (canary and ledger left out)", len(got))
	}
}
