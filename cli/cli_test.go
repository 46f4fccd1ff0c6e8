package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lifeboat-dr/lifeboat/internal/testenv"
	"github.com/lifeboat-dr/lifeboat/storage"
)

const testPassword = "cli-test-Pa55word-q1"

// world writes a two-site config (primary local, dr behind rest-server)
// and returns a runner of lifeboat commands against it.
func world(t *testing.T) (run func(args ...string) (int, string, string), dir string, srv *testenv.RestServer) {
	t.Helper()
	dir = t.TempDir()
	srv = testenv.StartRestServer(t)
	pw := testenv.WritePassword(t, dir, "pass", testPassword)
	testenv.WriteFiles(t, filepath.Join(dir, "data"), map[string]string{
		"models/a.bin": strings.Repeat("A", 10000), "models/b.bin": "bee",
		"serving/router.yaml": "routes: []\n",
	})
	cfg := fmt.Sprintf(`sites:
  - {name: primary, repository: %[1]s/primary, password_file: %[2]s, role: active}
  - {name: dr, repository: %[3]s, password_file: %[2]s, role: standby}
sets:
  - {name: models, paths: [%[1]s/data/models], retention: {keep_last: 1}}
  - {name: serving, paths: [%[1]s/data/serving]}
restic: {binary: %[4]s, cache_dir: %[1]s/cache}
drills: {scratch: %[1]s/scratch}
`, dir, pw, srv.URL("dr"), testenv.Restic(t))
	cfgPath := filepath.Join(dir, "lifeboat.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return lifeboatIn(t, cfgPath, dir), dir, srv
}

// lifeboatIn runs lifeboat commands on the config at cfgPath with its state
// in dir/state.
func lifeboatIn(t *testing.T, cfgPath, dir string) func(args ...string) (int, string, string) {
	return func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		all := append([]string{"--config", cfgPath, "--state", filepath.Join(dir, "state")}, args...)
		code := Main(all, &out, &errb)
		// Secrets never reach what lifeboat prints, whatever the command.
		if strings.Contains(out.String()+errb.String(), testPassword) {
			t.Fatalf("lifeboat %v printed the repository password", args)
		}
		return code, out.String(), errb.String()
	}
}

// openState opens lifeboat's state in dir, as a second process would;
// the test closes it.
func openState(t *testing.T, dir string) *storage.Store {
	t.Helper()
	st, err := storage.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// runAll runs each command in order, as the setup of a test: one that
// fails ends the test.
func runAll(t *testing.T, run func(args ...string) (int, string, string), cmds [][]string) {
	t.Helper()
	for _, args := range cmds {
		if code, out, errs := run(args...); code != 0 {
			t.Fatalf("%v: %d\n%s\n%s", args, code, out, errs)
		}
	}
}

func TestCommandsEndToEnd(t *testing.T) {
	run, dir, srv := world(t)
	if code, _, errs := run("init"); code != 0 {
		t.Fatalf("init: %d %s", code, errs)
	}
	if code, out, errs := run("backup", "--json"); code != 0 || !strings.Contains(out, `"snapshot_id"`) {
		t.Fatalf("backup: %d %s %s", code, out, errs)
	}
	// Nothing replicated yet: dr has no snapshot of any set → critical.
	code, out, _ := run("status", "--json")
	if code != 2 {
		t.Fatalf("status before replication: exit %d\n%s", code, out)
	}
	var st map[string]any
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"overall", "active_site", "sites", "sets", "replication"} {
		if _, ok := st[k]; !ok {
			t.Fatalf("status --json lacks %q", k)
		}
	}
	if code, _, errs := run("replicate"); code != 0 {
		t.Fatalf("replicate: %d %s", code, errs)
	}
	// Never drilled: the standby needs a drill (a warning).
	if code, out, _ := run("status"); code != 1 || !strings.Contains(out, "drill needed") || strings.Contains(out, "CRITICAL") {
		t.Fatalf("status after replication: %d\n%s", code, out)
	}

	code, out, _ = run("snapshots", "--json", "--site", "dr", "--set", "models")
	var snaps []map[string]any
	if err := json.Unmarshal([]byte(out), &snaps); code != 0 || err != nil || len(snaps) != 1 {
		t.Fatalf("snapshots: %d %v %s", code, err, out)
	}
	for _, k := range []string{"id", "short_id", "time", "host", "paths", "tags", "set", "site", "original"} {
		if _, ok := snaps[0][k]; !ok {
			t.Fatalf("snapshots --json lacks %q", k)
		}
	}
	if snaps[0]["original"] == "" {
		t.Fatal("copy at dr has no original")
	}

	target := filepath.Join(dir, "restored")
	if code, _, errs := run("restore", "--site", "dr", "--set", "models", "--target", target); code != 0 {
		t.Fatalf("restore: %d %s", code, errs)
	}
	if b, _ := os.ReadFile(filepath.Join(target, "a.bin")); string(b) != strings.Repeat("A", 10000) {
		t.Fatal("restored a.bin differs")
	}
	code, _, errs := run("restore", "--site", "dr", "--set", "models", "--target", target)
	if code != 1 || !strings.Contains(errs, "not empty") || strings.Count(errs, "\n") != 1 {
		t.Fatalf("non-empty target: %d %q", code, errs)
	}

	if code, _, errs := run("forget"); code != 2 || !strings.Contains(errs, "--dry-run") {
		t.Fatalf("forget without mode: %d %s", code, errs)
	}
	if code, _, errs := run("--read-only", "backup"); code != 1 || !strings.Contains(errs, "read-only") {
		t.Fatalf("read-only backup: %d %s", code, errs)
	}
	if code, out, _ := run("check", "--json"); code != 0 || !strings.Contains(out, `"ok": true`) {
		t.Fatalf("check: %d %s", code, out)
	}

	code, out, _ = run("journal", "--json")
	var j []map[string]any
	if err := json.Unmarshal([]byte(out), &j); code != 0 || err != nil || len(j) < 4 {
		t.Fatalf("journal: %d %v %s", code, err, out)
	}
	for _, k := range []string{"time", "operator", "action", "site", "set", "args", "outcome", "detail"} {
		if _, ok := j[0][k]; !ok {
			t.Fatalf("journal --json lacks %q", k)
		}
	}
	if j[0]["action"] != "check" {
		t.Fatalf("journal newest first: %v", j[0])
	}
	if strings.Contains(out, testPassword) {
		t.Fatal("password in the journal")
	}

	// The standby goes down: status says so, critical, one line per problem.
	srv.Stop()
	code, out, _ = run("status")
	if code != 2 || !strings.Contains(out, "DOWN") || !strings.Contains(out, "site dr is down") {
		t.Fatalf("status with dr down: %d\n%s", code, out)
	}
	code, _, errs = run("snapshots", "--site", "dr")
	if code != 1 || !strings.Contains(errs, "site dr could not be listed") {
		t.Fatalf("snapshots with dr down: %d %s", code, errs)
	}
}

func TestBadInput(t *testing.T) {
	run, dir, _ := world(t)
	cases := []struct {
		args []string
		code int
		want []string
	}{
		{[]string{"restore", "--site", "nowhere", "--set", "models", "--target", "/tmp/x"}, 1, []string{`unknown site "nowhere"`, "primary, dr"}},
		{[]string{"backup", "--set", "weights"}, 1, []string{`unknown set "weights"`, "models, serving"}},
		{[]string{"status", "--bogus"}, 2, []string{"unknown flag", "--bogus"}},
		{[]string{"snapshots", "--site", "primary"}, 1, []string{"site primary", "lifeboat init"}},
	}
	for _, c := range cases {
		code, _, errs := run(c.args...)
		if code != c.code {
			t.Errorf("%v: exit %d, want %d (%s)", c.args, code, c.code, errs)
		}
		for _, w := range c.want {
			if !strings.Contains(errs, w) {
				t.Errorf("%v: stderr %q lacks %q", c.args, errs, w)
			}
		}
		if strings.Contains(errs, "goroutine") || strings.Contains(errs, ".go:") {
			t.Errorf("%v: stack trace on stderr: %s", c.args, errs)
		}
	}

	// A malformed config: status is UNKNOWN (3) and names file, line, column and key.
	bad := filepath.Join(dir, "bad.yaml")
	_ = os.WriteFile(bad, []byte("sites:\n  - name: primary\n    repository: /x\n    password_file: /p\n    pasword_command: x\n"), 0o600)
	var out, errb bytes.Buffer
	code := Main([]string{"--config", bad, "--state", filepath.Join(dir, "state"), "status"}, &out, &errb)
	if code != 3 || !strings.Contains(errb.String(), "bad.yaml:5:5") || !strings.Contains(errb.String(), "pasword_command") {
		t.Fatalf("bad config: %d %q", code, errb.String())
	}

	// A missing restic binary says how to get the pinned one.
	cfg, _ := os.ReadFile(filepath.Join(dir, "lifeboat.yaml"))
	noRestic := filepath.Join(dir, "norestic.yaml")
	_ = os.WriteFile(noRestic, []byte(strings.Replace(string(cfg), testenv.Restic(t), "/nonexistent/restic", 1)), 0o600)
	errb.Reset()
	code = Main([]string{"--config", noRestic, "--state", filepath.Join(dir, "state"), "snapshots"}, &out, &errb)
	if code != 1 || !strings.Contains(errb.String(), "/nonexistent/restic") || !strings.Contains(errb.String(), "make restic") {
		t.Fatalf("missing restic: %d %q", code, errb.String())
	}
}
