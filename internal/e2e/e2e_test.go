package e2e

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-dr/lifeboat/internal/testenv"
)

var (
	lifeboat string // bin/lifeboat
	demoDir  string // one demo shared by the tests
)

func TestMain(m *testing.M) {
	lifeboat = filepath.Join(testenv.Root(), "bin", "lifeboat")
	// tmux's server exits with its last session; a session started at that
	// moment fails ("server exited unexpectedly"). An idle session keeps
	// the server up between tests.
	keeper := fmt.Sprintf("lifeboat-e2e-keeper-%d", os.Getpid())
	if HaveTmux() {
		_ = exec.Command("tmux", "new-session", "-d", "-s", keeper, "sleep 3600").Run()
	}
	code := m.Run()
	if HaveTmux() {
		_ = exec.Command("tmux", "kill-session", "-t", keeper).Run()
	}
	if demoDir != "" {
		os.RemoveAll(demoDir)
	}
	os.Exit(code)
}

func need(t *testing.T) {
	t.Helper()
	if !HaveTmux() {
		testenv.Missing(t, "tmux is not installed (make test installs it with apt-get); the console tests drive lifeboat in tmux")
	}
	if _, err := os.Stat(lifeboat); err != nil {
		t.Fatalf("%s is not built: run `make build`", lifeboat)
	}
}

// demo builds the demo once for all tests.
func demo(t *testing.T) string {
	t.Helper()
	if demoDir != "" {
		return demoDir
	}
	dir, err := os.MkdirTemp("", "lifeboat-e2e-demo-")
	if err != nil {
		t.Fatal(err)
	}
	dir = filepath.Join(dir, "demo")
	out, err := exec.Command(lifeboat, "demo", "--no-tui", "--dir", dir).CombinedOutput()
	if err != nil {
		t.Fatalf("lifeboat demo: %v\n%s", err, out)
	}
	demoDir = dir
	return dir
}

func demoEnv(dir string) []string {
	return []string{"LIFEBOAT_CONFIG=" + filepath.Join(dir, "lifeboat.yaml"), "LIFEBOAT_STATE=" + filepath.Join(dir, "state"),
		"TERM=xterm-256color", "HOME=" + os.Getenv("HOME")}
}

// TestConsoleInTmux uses the console the way an operator would: every
// screen, a snapshot's files, a restore through the wizard (bytes compared
// with the source), the filter, the palette, quit.
func TestConsoleInTmux(t *testing.T) {
	need(t)
	dir := demo(t)
	s := Start(t, 120, 40, demoEnv(dir), lifeboat)
	s.WaitFor(20*time.Second, "1 Sites", "primary", "dr", "updated")

	// The lagging set is flagged against its RPO.
	s.Keys("2")
	scr := s.WaitFor(5*time.Second, "datasets", "severe")
	if !strings.Contains(scr, "missing") {
		t.Fatalf("catalog does not show the replication gap:\n%s", scr)
	}
	// models @ primary → snapshots → newest snapshot's files → newest checkpoint.
	s.Keys("Enter")
	s.WaitFor(5*time.Second, "models @ primary", "ALSO AT")
	s.Keys("Enter")
	s.WaitFor(20*time.Second, "ckpt-step-", "entries listed")
	s.Keys("Down", "Down", "Enter")
	s.WaitFor(5*time.Second, "shard-00-of-04.safetensors")
	// The filter narrows the listing; q typed in it is text, not quit.
	s.Keys("/")
	s.Type("shard-02")
	scr = s.WaitFor(5*time.Second, "/shard-02")
	if strings.Contains(scr, "shard-01-of-04") {
		t.Fatalf("filter did not narrow the list:\n%s", scr)
	}
	s.Keys("Enter", "Space")
	s.Type("R")
	s.WaitFor(5*time.Second, "Restore into:")
	target := filepath.Join(t.TempDir(), "restored")
	s.Keys("C-u")
	s.Type(target)
	s.Keys("Enter")
	s.WaitFor(5*time.Second, "preview", "1 file")
	s.Keys("Enter")
	s.WaitFor(5*time.Second, "[ Cancel ]")
	s.Keys("Tab", "Enter")
	s.WaitFor(60*time.Second, "verified")

	restored, err := filepath.Glob(filepath.Join(target, "ckpt-step-*", "shard-02-of-04.safetensors"))
	if err != nil || len(restored) != 1 {
		t.Fatalf("restored file not found under %s: %v %v", target, restored, err)
	}
	want, _ := os.ReadFile(filepath.Join(dir, "data", "models", filepath.Base(filepath.Dir(restored[0])), "shard-02-of-04.safetensors"))
	got, _ := os.ReadFile(restored[0])
	if len(want) == 0 || !bytes.Equal(want, got) {
		t.Fatalf("restored shard differs from the source (%d vs %d bytes)", len(got), len(want))
	}
	s.Keys("Enter")

	// Operations lists the restore and the restic commands; Recovery the readiness.
	s.Keys("3")
	s.WaitFor(5*time.Second, "restore", "restic restore")
	s.Keys("4")
	s.WaitFor(5*time.Second, "NOT READY")
	// A drill from Recovery: Cancel is focused, tab to Drill.
	s.Keys("d")
	s.WaitFor(5*time.Second, "Rehearse a failover to dr?", "[ Cancel ]")
	s.Keys("Tab", "Enter")
	s.WaitFor(90*time.Second, "drill dr: ok")
	s.WaitFor(10*time.Second, "drill    dr       ✓ passed")
	// The catalog marks what the drill restored and verified at dr.
	s.Keys("2", "Escape", "Escape", "Escape")
	s.WaitFor(5*time.Second, "primary (active)", "dr (standby)")
	s.Keys("Right", "Enter")
	scr = s.WaitFor(10*time.Second, "models @ dr", "TESTED", "✓ drill")
	if n := strings.Count(scr, "✓ drill"); n != 1 {
		t.Fatalf("%d snapshots of models at dr marked tested, want the newest only:\n%s", n, scr)
	}
	s.Keys("5")
	s.WaitFor(5*time.Second, "restore", "ok")

	// The palette: go to Sites by name.
	s.Type(":")
	s.Type("sit")
	s.Keys("Tab", "Enter")
	s.WaitFor(5*time.Second, "LATENCY", "TREND")

	s.Keys("q")
	deadline := time.Now().Add(5 * time.Second)
	for s.Alive() && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if s.Alive() {
		t.Fatalf("q did not quit:\n%s", s.Screen())
	}
}

// TestDemoTapeReplays plays demo.tape's keystrokes against the real binary.
func TestDemoTapeReplays(t *testing.T) {
	need(t)
	dir := demo(t)
	steps, err := ParseTape(filepath.Join(testenv.Root(), "demo.tape"))
	if err != nil {
		t.Fatal(err)
	}
	s := Start(t, 120, 40, demoEnv(dir), "bash --norc --noprofile")
	s.Type("cd " + testenv.Root())
	s.Keys("Enter")
	// The tape's demo directory becomes this test's shared demo, built
	// fresh for this run already.
	s.Replay(steps, func(text string) string {
		return strings.ReplaceAll(strings.ReplaceAll(text, "/tmp/lifeboat-tour", dir), "--fresh ", "")
	})
	// Back at the shell: lifeboat has quit.
	s.Type("echo tape-$((40+2))")
	s.Keys("Enter")
	scr := s.WaitFor(10*time.Second, "tape-42")
	if strings.Contains(scr, "1 Sites") {
		t.Fatalf("the tape should end with lifeboat closed:\n%s", scr)
	}
	restored, _ := filepath.Glob(filepath.Join(dir, "restore", "lifeboat-restore-models-*", "ckpt-step-*", "shard-00-of-04.safetensors"))
	if len(restored) == 0 {
		t.Fatal("the tape's restore left no file")
	}
	// The tape's failover committed: dr is active and models is at the target.
	if _, err := os.Stat(filepath.Join(dir, "restore", "models")); err != nil {
		t.Fatalf("the tape's failover restored nothing: %v", err)
	}
	cmd := exec.Command(lifeboat, "status", "--json", "--cached")
	cmd.Env = append(os.Environ(), demoEnv(dir)...)
	if out, _ := cmd.Output(); !strings.Contains(string(out), `"active_site": "dr"`) {
		t.Fatalf("status after the tape's failover:\n%s", out)
	}
}

// TestConsoleStaysResponsive: a standby that never answers (a listener that
// accepts and stays silent) and one that is down must not block the console.
func TestConsoleStaysResponsive(t *testing.T) {
	need(t)
	dir := t.TempDir()
	pw := testenv.WritePassword(t, dir, "pass", "pw")
	testenv.WriteFiles(t, filepath.Join(dir, "data"), map[string]string{"a.txt": "alpha"})

	hole, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer hole.Close()
	go func() {
		for {
			c, err := hole.Accept()
			if err != nil {
				return
			}
			defer c.Close() // never answer
		}
	}()
	srv := testenv.StartRestServer(t)
	sites := fmt.Sprintf(`sites:
  - {name: primary, repository: %[1]s/primary, password_file: %[2]s, role: active}
  - {name: dr, repository: %[3]s, password_file: %[2]s, role: standby}
`, dir, pw, srv.URL("dr"))
	rest := fmt.Sprintf("sets:\n  - {name: docs, paths: [%[1]s/data]}\nrestic: {binary: %[2]s, cache_dir: %[1]s/cache}\n", dir, testenv.Restic(t))
	cfgPath := filepath.Join(dir, "lifeboat.yaml")
	if err := os.WriteFile(cfgPath, []byte(sites+rest), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"LIFEBOAT_CONFIG=" + cfgPath, "LIFEBOAT_STATE=" + filepath.Join(dir, "state"), "TERM=xterm-256color",
		"LIFEBOAT_PROBE_TIMEOUT=20s"}
	for _, args := range [][]string{{"init"}, {"backup"}, {"replicate", "--to", "dr"}} {
		cmd := exec.Command(lifeboat, args...)
		cmd.Env = append(os.Environ(), env...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("lifeboat %v: %v\n%s", args, err, out)
		}
	}
	srv.Stop()
	// A third site that accepts connections and never answers.
	sites += fmt.Sprintf("  - {name: tarpit, repository: \"rest:http://%s/x\", password_file: %s, role: standby}\n", hole.Addr(), pw)
	if err := os.WriteFile(cfgPath, []byte(sites+rest), 0o600); err != nil {
		t.Fatal(err)
	}

	s := Start(t, 120, 40, env, lifeboat)
	s.WaitFor(15*time.Second, "1 Sites", "tarpit")
	// While the tarpit is still being probed, every screen answers at once.
	for _, k := range []string{"2", "3", "4", "5", "1"} {
		start := time.Now()
		s.Keys(k)
		want := map[string]string{"1": "LATENCY", "2": "RPO", "3": "Operations", "4": "Recovery", "5": "Journal"}[k]
		s.WaitFor(2*time.Second, want)
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("screen %s took %s", k, d)
		}
	}
	// The stopped rest-server shows as down with its reason.
	s.WaitFor(45*time.Second, "DOWN")
	s.Keys("Down", "Down")
	s.WaitFor(10*time.Second, "no answer within 20s")
	s.Keys("q")
}

// TestConsoleFailover fails over from the Recovery screen the way an
// operator would: the wizard's preflight, the typed confirmation, the live
// steps to the end; then `lifeboat status --json` names the new active site.
func TestConsoleFailover(t *testing.T) {
	need(t)
	dir := t.TempDir()
	pw := testenv.WritePassword(t, dir, "pass", "pw")
	testenv.WriteFiles(t, filepath.Join(dir, "data"), map[string]string{"a.txt": "alpha", "sub/b.txt": "beta"})
	srv := testenv.StartRestServer(t)
	cfg := fmt.Sprintf(`sites:
  - {name: primary, repository: %[1]s/primary, password_file: %[2]s, role: active}
  - {name: dr, repository: %[3]s, password_file: %[2]s, role: standby}
sets:
  - {name: docs, paths: [%[1]s/data]}
failover: {target: %[1]s/failover}
restic: {binary: %[4]s, cache_dir: %[1]s/cache}
`, dir, pw, srv.URL("dr"), testenv.Restic(t))
	cfgPath := filepath.Join(dir, "lifeboat.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"LIFEBOAT_CONFIG=" + cfgPath, "LIFEBOAT_STATE=" + filepath.Join(dir, "state"), "TERM=xterm-256color", "HOME=" + os.Getenv("HOME")}
	lb := func(args ...string) []byte {
		t.Helper()
		cmd := exec.Command(lifeboat, args...)
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("lifeboat %v: %v\n%s", args, err, out)
		}
		return out
	}
	lb("init")
	lb("backup")
	lb("replicate", "--to", "dr")

	s := Start(t, 120, 40, env, lifeboat)
	s.WaitFor(20*time.Second, "1 Sites", "updated")
	s.Keys("4")
	s.WaitFor(5*time.Second, "dr: READY")
	s.Type("f")
	s.WaitFor(5*time.Second, "step 1 of 4: mode", "› planned")
	s.Keys("Enter")
	s.WaitFor(30*time.Second, "planned preflight", "✓ target reachable", "you will type dr")
	s.Keys("Enter")
	s.WaitFor(5*time.Second, "Fail over from primary to dr?", "[ Cancel ]")
	s.Type("dr")
	s.Keys("Enter")
	scr := s.WaitFor(60*time.Second, "✓ committed", "dr is the active site")
	for _, want := range []string{"RTO", "RPO docs", "✓ verified"} {
		if !strings.Contains(scr, want) {
			t.Fatalf("result lacks %q:\n%s", want, scr)
		}
	}
	s.Keys("Enter")
	s.WaitFor(20*time.Second, "active site dr", "failover primary → dr planned ✓ committed")

	got, err := os.ReadFile(filepath.Join(dir, "failover", "docs", "sub", "b.txt"))
	if err != nil || string(got) != "beta" {
		t.Fatalf("failover target: %q %v", got, err)
	}
	// status exits non-zero on warnings (primary was never drilled): read its JSON anyway.
	cmd := exec.Command(lifeboat, "status", "--json")
	cmd.Env = append(os.Environ(), env...)
	if out, _ := cmd.Output(); !bytes.Contains(out, []byte(`"active_site": "dr"`)) {
		t.Fatalf("status after the failover:\n%s", out)
	}
	s.Keys("q")
}
