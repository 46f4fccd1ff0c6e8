package engine_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/lifeboat-dr/lifeboat/engine"
	"github.com/lifeboat-dr/lifeboat/engine/config"
)

// BySet answers every set's questions as the whole catalog does: a
// snapshot in two sets is in both, a set with a host takes only that
// host's, a tag given twice counts once, untagged ones are in none.
func TestCatalogBySetAgreesWithTheWholeCatalog(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	sn := func(id, host string, h int, tags ...string) engine.Snapshot {
		return engine.Snapshot{ID: id, Host: host, Time: t0.Add(time.Duration(h) * time.Hour), Tags: tags}
	}
	cat := engine.Catalog{
		"primary": {sn("a", "h1", 1, "models"), sn("b", "h2", 2, "models", "datasets"), sn("c", "h1", 3, "datasets", "datasets"),
			sn("d", "h1", 4), sn("e", "h2", 5, "serving")},
		"dr": {{ID: "a2", Original: "a", Host: "h1", Time: t0, Tags: []string{"models"}}, sn("c2", "h1", 3, "datasets")},
	}
	sets := []config.Set{{Name: "models"}, {Name: "datasets"}, {Name: "serving", Host: "h1"}, {Name: "empty"}}
	by := cat.BySet(sets)
	for i := range sets {
		set := &sets[i]
		for _, site := range []string{"primary", "dr"} {
			if got, want := by[set.Name].InSet(site, set), cat.InSet(site, set); !reflect.DeepEqual(got, want) {
				t.Errorf("set %s at %s: %v, want %v", set.Name, site, got, want)
			}
			gotN, gotOK := by[set.Name].Newest(site, set)
			wantN, wantOK := cat.Newest(site, set)
			if gotN.ID != wantN.ID || gotOK != wantOK {
				t.Errorf("newest of set %s at %s: %s %v, want %s %v", set.Name, site, gotN.ID, gotOK, wantN.ID, wantOK)
			}
		}
		if got, want := by[set.Name].Missing("primary", "dr", set), cat.Missing("primary", "dr", set); !reflect.DeepEqual(got, want) {
			t.Errorf("missing of set %s: %v, want %v", set.Name, got, want)
		}
	}
	if n := len(by["datasets"]["primary"]); n != 2 {
		t.Errorf("datasets at primary: %d snapshots, want 2 (b and c, c once)", n)
	}
}
