package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lifeboat-dr/lifeboat/internal/testenv"
)

// TestMain lets the test binary stand in for the lifeboat binary: the
// failover tests run it as a child process and kill -9 it.
func TestMain(m *testing.M) {
	if os.Getenv("LIFEBOAT_TEST_AS_MAIN") == "1" {
		os.Exit(Main(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// foWorld is a two-site world with one set and a failover target, whose
// hooks append to a log.
type foWorld struct {
	dir, cfg, state, target, hookLog string
	srv                              *testenv.RestServer
}

func newFoWorld(t *testing.T) *foWorld {
	t.Helper()
	dir := t.TempDir()
	w := &foWorld{dir: dir, cfg: filepath.Join(dir, "lifeboat.yaml"), state: filepath.Join(dir, "state"),
		target: filepath.Join(dir, "target"), hookLog: filepath.Join(dir, "hooks.log"), srv: testenv.StartRestServer(t)}
	pw := testenv.WritePassword(t, dir, "pass", testPassword)
	testenv.WriteFiles(t, filepath.Join(dir, "data"), map[string]string{
		"models/a.bin": strings.Repeat("A", 20000), "models/sub/b.bin": "bee", "models/c.json": "{}",
	})
	hook := func(kind string) string {
		return fmt.Sprintf(`'echo %s $LIFEBOAT_RUN_ID >> %s'`, kind, w.hookLog)
	}
	cfg := fmt.Sprintf(`sites:
  - {name: primary, repository: %[1]s/primary, password_file: %[2]s, role: active}
  - {name: dr, repository: %[3]s, password_file: %[2]s, role: standby}
sets:
  - {name: models, paths: [%[1]s/data/models]}
restic: {binary: %[4]s, cache_dir: %[1]s/cache}
failover:
  target: %[5]s
  hooks: {pre: [%[6]s], verify: [%[7]s], switch: [%[8]s]}
`, dir, pw, w.srv.URL("dr"), testenv.Restic(t), w.target, hook("pre"), hook("verify"), hook("switch"))
	if err := os.WriteFile(w.cfg, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return w
}

// run runs lifeboat in this process.
func (w *foWorld) run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(append([]string{"--config", w.cfg, "--state", w.state}, args...), &out, &errb)
	if strings.Contains(out.String()+errb.String(), testPassword) {
		t.Fatalf("lifeboat %v printed the repository password", args)
	}
	return code, out.String(), errb.String()
}

// child runs lifeboat as its own process, with extra environment.
func (w *foWorld) child(t *testing.T, env []string, args ...string) (*os.ProcessState, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"--config", w.cfg, "--state", w.state}, args...)...)
	cmd.Env = append(append(os.Environ(), "LIFEBOAT_TEST_AS_MAIN=1"), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("run lifeboat: %v", err)
	}
	return cmd.ProcessState, out.String()
}

// protectedFoWorld is the failover world with models backed up at primary
// and replicated to dr.
func protectedFoWorld(t *testing.T) *foWorld {
	t.Helper()
	w := newFoWorld(t)
	w.protect(t)
	return w
}

// protect initialises both sites, backs up and replicates.
func (w *foWorld) protect(t *testing.T) {
	t.Helper()
	runAll(t, func(args ...string) (int, string, string) { return w.run(t, args...) },
		[][]string{{"init"}, {"backup"}, {"replicate"}})
}

type journalLine struct {
	Action, Outcome, Detail, Args string
}

// Command-line refusals: a mistyped --confirm, a mistyped answer at the
// prompt, and --resume/--abort with nothing to act on; then a failover
// cut short by a failing step is aborted and recorded.
func TestFailoverCommandRefusalsAndAbort(t *testing.T) {
	t.Parallel()
	w := protectedFoWorld(t)
	if code, _, errs := w.run(t, "failover", "--to", "dr", "--planned"); code != 2 || !strings.Contains(errs, "--confirm dr") {
		t.Fatalf("no --confirm: %d %s", code, errs)
	}
	if code, _, errs := w.run(t, "failover", "--to", "dr", "--planned", "--confirm", "dr-east", "--yes"); code != 1 || !strings.Contains(errs, `"dr-east"`) {
		t.Fatalf("mistyped --confirm: %d %s", code, errs)
	}
	if code, _, errs := w.run(t, "failover", "--resume"); code != 1 || !strings.Contains(errs, "no unfinished failover") {
		t.Fatalf("resume with nothing to resume: %d %s", code, errs)
	}
	// At the prompt the operator types something else: refused, nothing changed.
	var out, errb bytes.Buffer
	a := []string{"--config", w.cfg, "--state", w.state, "failover", "--to", "dr", "--unplanned", "--confirm", "dr"}
	code := mainWithInput(a, "primary\n", &out, &errb)
	if code != 1 || !strings.Contains(errb.String(), "DATA LOSS") || !strings.Contains(errb.String(), "refused") {
		t.Fatalf("mistyped answer: %d\n%s", code, errb.String())
	}
	if _, err := os.Stat(w.hookLog); !os.IsNotExist(err) {
		t.Fatal("hooks ran after a refused confirmation")
	}

	// A verify hook that fails stops the failover after the restore:
	// unfinished, resumable, then aborted.
	cfg, _ := os.ReadFile(w.cfg)
	bad := strings.Replace(string(cfg), "verify: ['echo", "verify: ['exit 7', 'echo", 1)
	if err := os.WriteFile(w.cfg, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errs := w.run(t, "failover", "--to", "dr", "--unplanned", "--confirm", "dr", "--yes")
	if code != 1 || !strings.Contains(errs, `step "verify models"`) || !strings.Contains(errs, "--resume") {
		t.Fatalf("failing verify hook: %d %s", code, errs)
	}
	if code, o, _ := w.run(t, "status", "--cached"); code != 2 || !strings.Contains(o, "is unfinished (failed)") {
		t.Fatalf("status while a failover is unfinished: %d\n%s", code, o)
	}
	if code, _, errs := w.run(t, "failover", "--to", "dr", "--unplanned", "--confirm", "dr", "--yes"); code != 1 || !strings.Contains(errs, "unfinished") {
		t.Fatalf("a second failover while one is unfinished: %d %s", code, errs)
	}
	out.Reset()
	errb.Reset()
	code = mainWithInput([]string{"--config", w.cfg, "--state", w.state, "failover", "--abort"}, "n\n", &out, &errb)
	if code != 1 || !strings.Contains(errb.String(), "not aborted") {
		t.Fatalf("abort answered no: %d %s", code, errb.String())
	}
	code, o, errs := w.run(t, "failover", "--abort", "--yes", "--json")
	var rep map[string]any
	_ = json.Unmarshal([]byte(o), &rep)
	if code != 0 || rep["outcome"] != "aborted" || rep["passed"] != false {
		t.Fatalf("abort: %d %v %s", code, rep, errs)
	}
	_, o, _ = w.run(t, "status", "--json")
	var st map[string]any
	_ = json.Unmarshal([]byte(o), &st)
	if st["active_site"] != "primary" {
		t.Errorf("active site after an abort: %v", st["active_site"])
	}
	_, o, _ = w.run(t, "journal", "--action", "failover")
	if !strings.Contains(o, "aborted") {
		t.Errorf("journal does not record the abort:\n%s", o)
	}
	if code, _, errs := w.run(t, "journal", "--verify"); code != 0 {
		t.Errorf("chain: %d %s", code, errs)
	}
}

// mainWithInput runs lifeboat with stdin answering its prompts.
func mainWithInput(args []string, input string, stdout, stderr *bytes.Buffer) int {
	a := &app{stdout: stdout, stderr: stderr, stdin: strings.NewReader(input)}
	return a.main(args)
}
