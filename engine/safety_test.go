package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/lifeboat-dr/lifeboat/engine"
	"github.com/lifeboat-dr/lifeboat/internal/testenv"
)

// A failover target that reaches the live data through a symlink passes
// the config's lexical check; the preflight resolves it and refuses before
// anything is restored: the data, including a file written after the last
// backup, is left byte-identical.
func TestFailoverRefusesTargetSymlinkedIntoData(t *testing.T) {
	t.Parallel()
	link := filepath.Join(t.TempDir(), "restore")
	f := newFixture(t, "failover: {target: "+link+"}\n")
	if err := os.Symlink(f.data, link); err != nil {
		t.Fatal(err)
	}
	f.protect()
	testenv.WriteFiles(t, f.data, map[string]string{"models/late.bin": "written after the last backup"})
	before := testenv.Tree(t, f.data)
	ctx := context.Background()

	plan, err := f.eng.PlanFailover(ctx, "dr", engine.FailoverUnplanned)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(plan.Refusal, link) || !strings.Contains(plan.Refusal, filepath.Join(f.data, "models")) || !strings.Contains(plan.Refusal, "set models") {
		t.Errorf("plan refusal %q does not name the target, the set's path and the set", plan.Refusal)
	}

	_, err = f.eng.Failover(ctx, engine.FailoverRequest{To: "dr", Mode: engine.FailoverUnplanned, Confirm: "dr"}, nil)
	if !errors.Is(err, engine.ErrFailoverRefused) || !strings.Contains(err.Error(), link) || !strings.Contains(err.Error(), "set models") {
		t.Errorf("failover into the live data through a symlink: %v", err)
	}
	if after := testenv.Tree(t, f.data); !reflect.DeepEqual(before, after) {
		t.Fatalf("the live data changed: %d files before, %d after (late.bin: %q)", len(before), len(after), after["models/late.bin"])
	}
	if f.active() != "primary" {
		t.Errorf("active site after a refused failover: %s", f.active())
	}
}

// A drill scratch that lies inside a set's path through a symlink (and
// does not exist yet) is refused at the preflight, naming both paths; the
// data is untouched and no scratch directory appears inside it.
func TestDrillRefusesScratchSymlinkedIntoData(t *testing.T) {
	t.Parallel()
	link := filepath.Join(t.TempDir(), "work")
	scratch := filepath.Join(link, "drill-scratch")
	f := newFixture(t, "drills: {scratch: "+scratch+"}\n")
	if err := os.Symlink(filepath.Join(f.data, "models"), link); err != nil {
		t.Fatal(err)
	}
	f.protect()
	testenv.WriteFiles(t, f.data, map[string]string{"models/late.bin": "written after the last backup"})
	before := testenv.Tree(t, f.data)

	rep, err := f.eng.Drill(context.Background(), engine.DrillRequest{}, nil)
	if err == nil || rep == nil || rep.Passed {
		t.Errorf("drill with its scratch inside the data: %v", err)
	} else if !strings.Contains(err.Error(), scratch) || !strings.Contains(err.Error(), filepath.Join(f.data, "models")) || !strings.Contains(err.Error(), "set models") {
		t.Errorf("refusal %q does not name the scratch, the set's path and the set", err)
	}
	if after := testenv.Tree(t, f.data); !reflect.DeepEqual(before, after) {
		t.Fatalf("the live data changed: %d files before, %d after", len(before), len(after))
	}
	if _, err := os.Lstat(filepath.Join(f.data, "models", "drill-scratch")); !os.IsNotExist(err) {
		t.Errorf("the drill made its scratch inside the data: %v", err)
	}
}

// Two sites that are one repository under different strings (a local path
// and a rest-server URL whose directory is a symlink to it) pass the
// config's check; the preflight learns from restic that they share one
// repository id and refuses the drill and the failover, naming both sites
// and the id.
func TestSameRepositoryRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "failover: {target: "+filepath.Join(t.TempDir(), "target")+"}\n")
	f.protect()
	// dr now serves primary's repository.
	drDir := filepath.Join(f.srv.Dir, "dr")
	if err := os.RemoveAll(drDir); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(f.dir, "primary"), drDir); err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(f.raw("dr", "cat", "config", "--no-lock"), &cfg); err != nil || len(cfg.ID) != 64 {
		t.Fatalf("repository id of dr: %v %q", err, cfg.ID)
	}
	ctx := context.Background()
	named := func(what, msg string) {
		t.Helper()
		if !strings.Contains(msg, "dr") || !strings.Contains(msg, "primary") || !strings.Contains(msg, cfg.ID) || !strings.Contains(msg, "same restic repository") {
			t.Errorf("%s: %q does not name both sites and the repository id %s", what, msg, cfg.ID)
		}
	}

	rep, err := f.eng.Drill(ctx, engine.DrillRequest{}, nil)
	if err == nil || rep == nil || rep.Passed {
		t.Errorf("a drill of a site that is the active site's repository passed: %v", err)
	} else {
		named("drill", err.Error())
	}
	plan, err := f.eng.PlanFailover(ctx, "dr", engine.FailoverUnplanned)
	if err != nil {
		t.Fatal(err)
	}
	named("failover plan", plan.Refusal)
	_, err = f.eng.Failover(ctx, engine.FailoverRequest{To: "dr", Mode: engine.FailoverUnplanned, Confirm: "dr"}, nil)
	if !errors.Is(err, engine.ErrFailoverRefused) {
		t.Errorf("a failover to a site that is the active site's repository: %v", err)
	} else {
		named("failover", err.Error())
	}
	if f.active() != "primary" {
		t.Errorf("active site: %s", f.active())
	}
}

// The restore step checks again right before it writes: a target turned
// into a symlink to the data after the preflight (here while the operator
// reads the plan; a resumed run skips the preflight it already passed)
// stops the failover before anything is restored.
func TestFailoverRestoreRechecksTarget(t *testing.T) {
	t.Parallel()
	target := filepath.Join(t.TempDir(), "restore")
	f := newFixture(t, "failover: {target: "+target+"}\n")
	f.protect()
	testenv.WriteFiles(t, f.data, map[string]string{"models/late.bin": "written after the last backup"})
	before := testenv.Tree(t, f.data)
	_, err := f.eng.Failover(context.Background(), engine.FailoverRequest{To: "dr", Mode: engine.FailoverUnplanned, Confirm: "dr",
		Ask: func(context.Context, *engine.FailoverPlan) error {
			if err := os.RemoveAll(target); err != nil {
				return err
			}
			return os.Symlink(f.data, target)
		}}, nil)
	if err == nil || !strings.Contains(err.Error(), "restore") || !strings.Contains(err.Error(), "set models") {
		t.Errorf("failover whose target became a symlink into the data: %v", err)
	}
	if after := testenv.Tree(t, f.data); !reflect.DeepEqual(before, after) {
		t.Fatalf("the live data changed: %d files before, %d after (late.bin: %q)", len(before), len(after), after["models/late.bin"])
	}
	if f.active() != "primary" {
		t.Errorf("active site: %s", f.active())
	}
}

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
