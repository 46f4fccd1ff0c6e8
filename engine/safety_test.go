package engine_test

import (
	"context"
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
