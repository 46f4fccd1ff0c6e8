// Package enginetest opens engines over testenv's world for the tests of
// the engine and of the packages that sit on it (monitor), as httptest does
// for net/http. Only tests import it.
package enginetest

import (
	"context"
	"testing"

	"github.com/lifeboat-dr/lifeboat/engine"
	"github.com/lifeboat-dr/lifeboat/engine/config"
	"github.com/lifeboat-dr/lifeboat/engine/monitor"
	"github.com/lifeboat-dr/lifeboat/internal/testenv"
	"github.com/lifeboat-dr/lifeboat/storage"
)

// Open loads the config at cfgPath, opens the store in stateDir (closed when
// the test ends) and an engine over both that journals as alice@bastion and
// has monitoring deliver its own alerts, as `lifeboat` opens it.
func Open(t testing.TB, cfgPath, stateDir string) (*config.Config, *storage.Store, *engine.Engine) {
	t.Helper()
	return OpenWith(t, cfgPath, stateDir, engine.Options{})
}

// OpenWith is Open with opts (restic, operator and alert delivery are
// filled in as Open does).
func OpenWith(t testing.TB, cfgPath, stateDir string, opts engine.Options) (*config.Config, *storage.Store, *engine.Engine) {
	t.Helper()
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	st, err := storage.Open(stateDir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	opts.ResticBinary = testenv.Restic(t)
	opts.Operator = &engine.Operator{User: "alice@bastion", Origin: "10.0.0.9"}
	opts.Notify = monitor.Deliver
	eng, err := engine.New(context.Background(), cfg, st, opts)
	if err != nil {
		t.Fatal(err)
	}
	return cfg, st, eng
}

// Journal is the whole journal of a store.
func Journal(t testing.TB, st *storage.Store) []storage.JournalEntry {
	t.Helper()
	j, err := st.Journal(context.Background(), storage.JournalQuery{})
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// CheckAndDrill checks both sites of the world and drills dr; both must
// pass.
func CheckAndDrill(t testing.TB, eng *engine.Engine) {
	t.Helper()
	ctx := context.Background()
	if res, err := eng.Check(ctx, engine.CheckRequest{}, nil); err != nil || len(res) != 2 || !res[0].OK || !res[1].OK {
		t.Fatalf("check: %+v %v", res, err)
	}
	if rep, err := eng.Drill(ctx, engine.DrillRequest{Site: "dr"}, nil); err != nil || !rep.Passed {
		t.Fatalf("drill: %v %+v", err, rep)
	}
}
