package engine_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/lifeboat-dr/lifeboat/engine"
	"github.com/lifeboat-dr/lifeboat/internal/testenv"
)

// production is what a drill must leave alone: the active site's record,
// every file of its repository (locks aside: they come and go), its
// snapshots as restic lists them, the live data and failover.target.
type production struct {
	active    string
	repo      map[string]string
	snapshots []string
	data      map[string]string
	target    map[string]string
}

func (f *fixture) production(target string) production {
	f.t.Helper()
	repo := testenv.Tree(f.t, filepath.Join(f.dir, "primary"))
	for k := range repo {
		if strings.HasPrefix(k, "locks"+string(filepath.Separator)) {
			delete(repo, k)
		}
	}
	var snaps []struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(f.raw("primary", "snapshots", "--json", "--no-lock"), &snaps); err != nil {
		f.t.Fatal(err)
	}
	p := production{active: f.active(), repo: repo, data: testenv.Tree(f.t, f.data), target: testenv.Tree(f.t, target)}
	for _, s := range snaps {
		p.snapshots = append(p.snapshots, s.ID)
	}
	return p
}

// A drill rehearses at the standby without touching production: the
// active site, its repository and snapshots, the data and failover.target
// (which holds the last failover's files) are exactly as before.
func TestDrillLeavesProductionUntouched(t *testing.T) {
	t.Parallel()
	f, target, _, _ := failoverFixture(t)
	testenv.WriteFiles(t, target, map[string]string{"models/config.json": "what the last failover left", "serving/x": "y"})
	before := f.production(target)
	if len(before.snapshots) != 3 || len(before.target) != 2 {
		t.Fatalf("fixture: %d snapshots at primary, %d files at the target", len(before.snapshots), len(before.target))
	}
	rep, err := f.eng.Drill(context.Background(), engine.DrillRequest{}, nil)
	if err != nil || !rep.Passed {
		t.Fatalf("drill: %v %+v", err, rep)
	}
	after := f.production(target)
	if after.active != before.active {
		t.Errorf("active site: %s, was %s", after.active, before.active)
	}
	if !reflect.DeepEqual(after.snapshots, before.snapshots) {
		t.Errorf("snapshots at primary: %v, were %v", after.snapshots, before.snapshots)
	}
	if !reflect.DeepEqual(after.repo, before.repo) {
		t.Errorf("the primary repository changed: %d files, were %d", len(after.repo), len(before.repo))
	}
	if !reflect.DeepEqual(after.data, before.data) {
		t.Errorf("the live data changed")
	}
	if !reflect.DeepEqual(after.target, before.target) {
		t.Errorf("failover.target changed: %v", after.target)
	}
	if _, err := os.Stat(rep.Scratch); !os.IsNotExist(err) {
		t.Errorf("scratch %s left behind: %v", rep.Scratch, err)
	}
}
