package engine_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-dr/lifeboat/engine"
	"github.com/lifeboat-dr/lifeboat/engine/config"
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
}

const fixturePassword = "fixture-password-Zq8"

func newFixture(t *testing.T, extraYAML string) *fixture {
	t.Helper()
	dir := t.TempDir()
	f := &fixture{t: t, dir: dir, data: filepath.Join(dir, "data"), srv: testenv.StartRestServer(t)}
	f.pwFile = testenv.WritePassword(t, dir, "repo.pass", fixturePassword)
	testenv.WriteFiles(t, f.data, map[string]string{
		"models/ckpt-1/shard-0.bin": strings.Repeat("weights-0 ", 5000),
		"models/ckpt-1/shard-1.bin": strings.Repeat("weights-1 ", 7000),
		"models/config.json":        `{"layers": 32}`,
		"datasets/part-0001.jsonl":  `{"text": "hello"}` + "\n",
		"datasets/part-0002.jsonl":  `{"text": "world"}` + "\n",
		"serving/router.yaml":       "routes: [a, b]\n",
		"serving/limits.yaml":       "rps: 100\n",
	})
	yaml := fmt.Sprintf(`objectives: {rpo: 1h, rto: 30m, drill_every: 30d}
sites:
  - name: primary
    repository: %s
    password_file: %s
    role: active
  - name: dr
    repository: %s
    password_file: %s
    role: standby
sets:
  - name: models
    paths: [%s]
    retention: {keep_last: 2}
  - name: datasets
    paths: [%s]
    rpo: 2h
  - name: serving
    paths: [%s, %s]
restic: {cache_dir: %s}
%s`, filepath.Join(dir, "primary"), f.pwFile, f.srv.URL("dr"), f.pwFile,
		filepath.Join(f.data, "models"), filepath.Join(f.data, "datasets"),
		filepath.Join(f.data, "serving", "router.yaml"), filepath.Join(f.data, "serving", "limits.yaml"),
		filepath.Join(dir, "cache"), extraYAML)
	f.cfgPath = filepath.Join(dir, "lifeboat.yaml")
	if err := os.WriteFile(f.cfgPath, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	f.open()
	return f
}

func (f *fixture) open() {
	f.t.Helper()
	cfg, err := config.Load(f.cfgPath)
	if err != nil {
		f.t.Fatal(err)
	}
	st, err := storage.Open(filepath.Join(f.dir, "state"))
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { st.Close() })
	eng, err := engine.New(context.Background(), cfg, st, engine.Options{ResticBinary: testenv.Restic(f.t),
		Operator: &engine.Operator{User: "alice@bastion", Origin: "10.0.0.9"}})
	if err != nil {
		f.t.Fatal(err)
	}
	f.cfg, f.store, f.eng = cfg, st, eng
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

func (f *fixture) journal() []storage.JournalEntry {
	f.t.Helper()
	j, err := f.store.Journal(context.Background(), storage.JournalQuery{})
	if err != nil {
		f.t.Fatal(err)
	}
	return j
}

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

// holdResticLock starts a plain restic backup at site that holds its lock
// for a minute (killed when the test ends) and waits until the lock shows.
func (f *fixture) holdResticLock(site string) {
	f.t.Helper()
	s, _ := f.cfg.Site(site)
	slow := exec.Command(testenv.Restic(f.t), "backup", "--stdin-from-command", "--stdin-filename", "slow", "--", "sh", "-c", "sleep 60")
	slow.Env = append(os.Environ(), "RESTIC_REPOSITORY="+s.Repository, "RESTIC_PASSWORD_FILE="+f.pwFile)
	if err := slow.Start(); err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { _ = slow.Process.Kill(); _ = slow.Wait() })
	waitFor(f.t, 30*time.Second, "the backup's lock", func() bool {
		return strings.TrimSpace(string(f.raw(site, "list", "locks", "--no-lock"))) != ""
	})
}
