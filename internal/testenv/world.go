package testenv

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// WorldPassword is the repository password of every World.
const WorldPassword = "fixture-password-Zq8"

// World is the two-site world the engine's and the monitor's tests start
// from: primary is a local repository, dr sits behind a real rest-server on
// a loopback port, three sets of live data, and a config naming them all.
type World struct {
	Dir  string
	Data string // root of the live data
	Srv  *RestServer
	// PrimaryGW and DRGW are the S3 gateways of an S3 world (NewS3World).
	PrimaryGW, DRGW *S3Gateway
	PwFile          string
	CfgPath         string
}

// NewWorld writes the data and the config (extraYAML appended to it); the
// repositories are not initialised.
func NewWorld(t testing.TB, extraYAML string) *World {
	t.Helper()
	dir := t.TempDir()
	w := &World{Dir: dir, Srv: StartRestServer(t)}
	w.write(t, filepath.Join(dir, "primary"), "", w.Srv.URL("dr"), "", extraYAML)
	return w
}

// write lays out the world's data and its config with the two sites'
// repositories and env blocks (YAML lines under env:, or "").
func (w *World) write(t testing.TB, primary, primaryEnv, dr, drEnv, extraYAML string) {
	t.Helper()
	dir := w.Dir
	w.Data = filepath.Join(dir, "data")
	w.PwFile = WritePassword(t, dir, "repo.pass", WorldPassword)
	WriteFiles(t, w.Data, map[string]string{
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
%s  - name: dr
    repository: %s
    password_file: %s
    role: standby
%ssets:
  - name: models
    paths: [%s]
    retention: {keep_last: 2}
  - name: datasets
    paths: [%s]
    rpo: 2h
  - name: serving
    paths: [%s, %s]
restic: {cache_dir: %s}
%s`, primary, w.PwFile, primaryEnv, dr, w.PwFile, drEnv,
		filepath.Join(w.Data, "models"), filepath.Join(w.Data, "datasets"),
		filepath.Join(w.Data, "serving", "router.yaml"), filepath.Join(w.Data, "serving", "limits.yaml"),
		filepath.Join(dir, "cache"), extraYAML)
	w.CfgPath = filepath.Join(dir, "lifeboat.yaml")
	if err := os.WriteFile(w.CfgPath, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
}

// Locate puts a world's primary in dc-west and dr in dc-east, in the config
// at cfgPath, and with appendOnly restarts dr's rest-server append-only: a
// world that can meet 3-2-1-1-0 once protected.
func (w *World) Locate(t testing.TB, appendOnly bool) {
	t.Helper()
	if appendOnly {
		w.Srv.Stop()
		w.Srv.AppendOnly = true
		w.Srv.Start()
	}
	b, err := os.ReadFile(w.CfgPath)
	if err != nil {
		t.Fatal(err)
	}
	y := strings.Replace(string(b), "    role: active\n", "    role: active\n    location: dc-west\n", 1)
	y = strings.Replace(y, "    role: standby\n", "    role: standby\n    location: dc-east\n", 1)
	if err := os.WriteFile(w.CfgPath, []byte(y), 0o600); err != nil {
		t.Fatal(err)
	}
}
