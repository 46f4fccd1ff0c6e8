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
		sameBriefs(t, s, site)
	}
	if got, _ := s.CachedBriefs(ctx, "main"); len(got) != 4 {
		t.Errorf("main: %d briefs, want 4 (canary and ledger left out)", len(got))
	}
}

// sameBriefs checks site's briefs against its snapshots.
func sameBriefs(t *testing.T, s *Store, site string) {
	t.Helper()
	ctx := context.Background()
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

// The briefs follow every change of the catalog: removals, replacements
// (even by one of Lifeboat's own), additions; a ledger publication adds
// nothing to them.
func TestCachedBriefsFollowSyncs(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	a, b, c := snap(id64(1), at(time.Hour)), snap(id64(2), at(2*time.Hour)), snap(id64(3), at(3*time.Hour))
	steps := []struct {
		add    []Snapshot
		remove []string
		n      int
	}{
		{add: []Snapshot{a, b}, n: 2},
		{add: []Snapshot{c}, remove: []string{a.ID}, n: 2},
		{add: []Snapshot{{ID: id64(4), Time: at(0), Tags: []string{LedgerTag}}}, n: 2},
		{add: []Snapshot{{ID: b.ID, Time: b.Time, Tags: []string{CanaryTag}}}, n: 1},
		{add: []Snapshot{func() Snapshot { x := c; x.Host, x.Tags = "db2", []string{"other"}; return x }()}, n: 1},
		{remove: []string{c.ID, id64(4)}, n: 0},
	}
	for i, st := range steps {
		if err := s.SyncSnapshots(ctx, "main", st.add, st.remove, at(0)); err != nil {
			t.Fatal(err)
		}
		sameBriefs(t, s, "main")
		if got, _ := s.CachedBriefs(ctx, "main"); len(got) != st.n {
			t.Errorf("step %d: %d briefs, want %d", i, len(got), st.n)
		}
	}
}

// A store from before the briefs gets them built by the migration.
func TestBriefsMigrationBuildsThem(t *testing.T) {
	dir := t.TempDir()
	saved := migrations
	t.Cleanup(func() { migrations = saved })
	migrations = saved[:9]
	s := openDir(t, dir)
	ctx := context.Background()
	for i, site := range []string{"main", "main", "dr"} {
		if _, err := s.db.ExecContext(ctx, `INSERT INTO snapshots (site, id, time, host, tags, original) VALUES (?, ?, ?, 'h', ?, ?)`,
			site, id64(i), nanos(at(time.Duration(i)*time.Hour)), `["pg"]`, []string{"", id64(9), ""}[i]); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	migrations = saved
	s = openDir(t, dir)
	defer s.Close()
	for site, n := range map[string]int{"main": 2, "dr": 1} {
		sameBriefs(t, s, site)
		if got, _ := s.CachedBriefs(ctx, site); len(got) != n {
			t.Errorf("%s: %d briefs after the migration, want %d", site, len(got), n)
		}
	}
}
