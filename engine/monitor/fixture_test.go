package monitor_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/lifeboat-dr/lifeboat/engine"
	"github.com/lifeboat-dr/lifeboat/engine/enginetest"
	"github.com/lifeboat-dr/lifeboat/internal/testenv"
	"github.com/lifeboat-dr/lifeboat/storage"
)

// fixture is the engine over testenv's two-site world, as `lifeboat watch`
// opens it.
type fixture struct {
	*testenv.World
	t     *testing.T
	store *storage.Store
	eng   *engine.Engine
}

func newFixture(t *testing.T, extraYAML string) *fixture {
	t.Helper()
	f := &fixture{World: testenv.NewWorld(t, extraYAML), t: t}
	f.open()
	return f
}

// open (re)reads the config and opens the store and the engine over it.
func (f *fixture) open() {
	f.t.Helper()
	_, f.store, f.eng = enginetest.Open(f.t, f.CfgPath, filepath.Join(f.Dir, "state"))
}

func (f *fixture) init() {
	f.t.Helper()
	if _, err := f.eng.Init(context.Background(), nil); err != nil {
		f.t.Fatal(err)
	}
}

// replicated backs sets up at primary and copies them to dr; none means
// every set.
func (f *fixture) replicated(sets ...string) {
	f.t.Helper()
	ctx := context.Background()
	if _, err := f.eng.Backup(ctx, engine.BackupRequest{Sets: sets}, nil); err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.eng.Replicate(ctx, engine.ReplicateRequest{Sets: sets}, nil); err != nil {
		f.t.Fatal(err)
	}
}

// protect initialises both sites, backs up every set and replicates it.
func (f *fixture) protect() {
	f.t.Helper()
	f.init()
	f.replicated()
}

func (f *fixture) journal() []storage.JournalEntry { return enginetest.Journal(f.t, f.store) }

// waitFor polls until cond holds or the deadline passes.
var waitFor = testenv.WaitFor
