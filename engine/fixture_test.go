package engine_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/lifeboat-dr/lifeboat/engine"
	"github.com/lifeboat-dr/lifeboat/engine/config"
	"github.com/lifeboat-dr/lifeboat/engine/enginetest"
	"github.com/lifeboat-dr/lifeboat/internal/testenv"
	"github.com/lifeboat-dr/lifeboat/storage"
)

// fixture is a two-site world: primary is a local repository, dr sits
// behind a real rest-server on a loopback port.
type fixture struct {
	t       *testing.T
	dir     string
	data    string // root of the live data
	srv     *testenv.RestServer
	pwFile  string
	cfgPath string
	cfg     *config.Config
	store   *storage.Store
	eng     *engine.Engine
	world   *testenv.World
	opts    engine.Options // how open opens the engine
}

const fixturePassword = testenv.WorldPassword

func newFixture(t *testing.T, extraYAML string) *fixture {
	t.Helper()
	w := testenv.NewWorld(t, extraYAML)
	f := &fixture{t: t, dir: w.Dir, data: w.Data, srv: w.Srv, pwFile: w.PwFile, cfgPath: w.CfgPath, world: w}
	f.open()
	return f
}

func (f *fixture) open() {
	f.t.Helper()
	f.cfg, f.store, f.eng = enginetest.OpenWith(f.t, f.cfgPath, filepath.Join(f.dir, "state"), f.opts)
}

func (f *fixture) init() {
	f.t.Helper()
	if _, err := f.eng.Init(context.Background(), nil); err != nil {
		f.t.Fatal(err)
	}
}

// protect initialises both sites, backs up every set and replicates it:
// the state most tests start from.
func (f *fixture) protect() {
	f.t.Helper()
	f.init()
	ctx := context.Background()
	if _, err := f.eng.Backup(ctx, engine.BackupRequest{}, nil); err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.eng.Replicate(ctx, engine.ReplicateRequest{}, nil); err != nil {
		f.t.Fatal(err)
	}
}

// raw runs plain restic against a site, as an operator would by hand.
// replicated backs set up at primary and copies it to dr.
func (f *fixture) replicated(set string) {
	f.t.Helper()
	ctx := context.Background()
	if _, err := f.eng.Backup(ctx, engine.BackupRequest{Sets: []string{set}}, nil); err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.eng.Replicate(ctx, engine.ReplicateRequest{Sets: []string{set}}, nil); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) raw(site string, args ...string) []byte {
	f.t.Helper()
	s, _ := f.cfg.Site(site)
	return testenv.RunRestic(f.t, s.Repository, f.pwFile, args...)
}

func (f *fixture) journal() []storage.JournalEntry { return enginetest.Journal(f.t, f.store) }

// samePolynomial fails unless primary and dr share restic's chunker
// polynomial: restic copy then copies no data twice.
func (f *fixture) samePolynomial() {
	f.t.Helper()
	var a, b struct {
		Poly string `json:"chunker_polynomial"`
	}
	_ = json.Unmarshal(f.raw("primary", "cat", "config"), &a)
	_ = json.Unmarshal(f.raw("dr", "cat", "config"), &b)
	if a.Poly == "" || a.Poly != b.Poly {
		f.t.Fatalf("chunker polynomials differ: %q vs %q", a.Poly, b.Poly)
	}
}

// randomModel writes size random (incompressible) bytes to name in the
// models set.
func (f *fixture) randomModel(name string, size int) {
	f.t.Helper()
	b := make([]byte, size)
	_, _ = rand.Read(b)
	testenv.WriteFiles(f.t, f.data, map[string]string{filepath.Join("models", name): string(b)})
}

// journaled counts the journal entries that match.
func (f *fixture) journaled(match func(j storage.JournalEntry) bool) int {
	n := 0
	for _, j := range f.journal() {
		if match(j) {
			n++
		}
	}
	return n
}

// waitFor polls until cond holds or the deadline passes.
var waitFor = testenv.WaitFor

// editConfig rewrites the fixture's config file through edit; callers
// reopen the engine (f.open) when it should see the change.
func (f *fixture) editConfig(edit func(yaml string) string) {
	f.t.Helper()
	b, err := os.ReadFile(f.cfgPath)
	if err != nil {
		f.t.Fatal(err)
	}
	if err := os.WriteFile(f.cfgPath, []byte(edit(string(b))), 0o600); err != nil {
		f.t.Fatal(err)
	}
}
