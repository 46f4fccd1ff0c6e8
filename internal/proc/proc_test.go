package proc

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A stopped command takes its children with it, and Run returns promptly
// even though a child held the output open.
func TestStopKillsTheGroup(t *testing.T) {
	for _, tc := range []struct {
		name    string
		timeout time.Duration
		cancel  time.Duration
	}{{"timeout", 500 * time.Millisecond, 0}, {"cancel", 0, 500 * time.Millisecond}} {
		t.Run(tc.name, func(t *testing.T) {
			pidFile := filepath.Join(t.TempDir(), "child")
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tc.cancel > 0 {
				time.AfterFunc(tc.cancel, cancel)
			}
			start := time.Now()
			// The child ignores SIGTERM: only the group's SIGKILL ends it.
			out, err := Shell{Command: `sh -c 'trap "" TERM; sleep 60' & echo $! > child; echo started; wait`,
				Dir: filepath.Dir(pidFile), Timeout: tc.timeout, Grace: 300 * time.Millisecond}.Run(ctx)
			if took := time.Since(start); took > 5*time.Second {
				t.Fatalf("Run took %v after the stop", took)
			}
			if err == nil || !strings.Contains(string(out), "started") {
				t.Fatalf("got %q, %v", out, err)
			}
			if tc.timeout > 0 != errors.Is(err, ErrTimeout) {
				t.Errorf("timeout %v, error %v", tc.timeout, err)
			}
			raw, rerr := os.ReadFile(pidFile)
			pid, _ := strconv.Atoi(strings.TrimSpace(string(raw)))
			if rerr != nil || pid <= 0 {
				t.Fatalf("child pid: %q %v", raw, rerr)
			}
			deadline := time.Now().Add(3 * time.Second)
			for syscall.Kill(pid, 0) == nil {
				if time.Now().After(deadline) {
					t.Fatalf("child %d still runs after the stop", pid)
				}
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
}

func TestOutputAndEnv(t *testing.T) {
	out, err := Shell{Command: `echo "$X"; cat; exit 3`, Env: []string{"X=hello"}, Stdin: strings.NewReader("in\n")}.Run(context.Background())
	var ee interface{ ExitCode() int }
	if !errors.As(err, &ee) || ee.ExitCode() != 3 || string(out) != "hello\nin\n" {
		t.Fatalf("got %q, %v", out, err)
	}
}

// TestMain lets the test binary play lifeboat: as a helper it runs the
// command in PROC_TEST_COMMAND and waits to be killed.
func TestMain(m *testing.M) {
	if c := os.Getenv("PROC_TEST_COMMAND"); c != "" {
		_, err := Shell{Command: c, Dir: os.Getenv("PROC_TEST_DIR")}.Run(context.Background())
		fmt.Fprintln(os.Stderr, "helper: the command ended:", err)
		os.Exit(3)
	}
	os.Exit(m.Run())
}

// escapees is a command that leaves processes behind in every way a shell
// can: in its group, in a subshell, and setsid'd into a session of its own.
// Each writes its pid into dir, the subshell and the setsid'd one touch a
// file after 3 s; "ready" appears once all are up.
const escapees = `sh -c 'echo $$ > group.pid; exec sleep 60' &
(echo $(sh -c 'echo $PPID') > sub.pid; sleep 3; touch sub.acted) &
setsid sh -c 'echo $$ > session.pid; sleep 3; touch session.acted' &
while [ ! -s group.pid ] || [ ! -s sub.pid ] || [ ! -s session.pid ]; do sleep 0.05; done
touch ready
`

// waitFile waits for path to exist while the process still can make it.
func waitFile(t *testing.T, path string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		if _, err := os.Stat(path); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not appear within %s", path, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func readPids(t *testing.T, dir string) map[string]int {
	t.Helper()
	pids := map[string]int{}
	for _, n := range []string{"group", "sub", "session"} {
		raw, err := os.ReadFile(filepath.Join(dir, n+".pid"))
		pid, _ := strconv.Atoi(strings.TrimSpace(string(raw)))
		if err != nil || pid <= 0 {
			t.Fatalf("%s pid: %q %v", n, raw, err)
		}
		pids[n] = pid
	}
	return pids
}

// alive says whether pid runs (a zombie has ended: it only waits to be reaped).
func alive(pid int) bool {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(raw)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

// assertGone waits a little longer than the escapees would need to act,
// then asserts that none ran to the end and none is left.
func assertGone(t *testing.T, dir string, pids map[string]int) {
	t.Helper()
	time.Sleep(5 * time.Second)
	for _, f := range []string{"sub.acted", "session.acted"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			t.Errorf("%s exists: a process the command started kept going", f)
		}
	}
	for n, pid := range pids {
		if alive(pid) {
			t.Errorf("the %s process %d still runs", n, pid)
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

// kill -9 of lifeboat takes every process of the command with it, even
// those that left its process group or session.
func TestParentKillStopsEveryDescendant(t *testing.T) {
	dir := t.TempDir()
	helper := exec.Command(os.Args[0], "-test.run=^$")
	helper.Env = append(os.Environ(), "PROC_TEST_COMMAND="+escapees+"sleep 60", "PROC_TEST_DIR="+dir)
	var out strings.Builder
	helper.Stdout, helper.Stderr = &out, &out
	if err := helper.Start(); err != nil {
		t.Fatal(err)
	}
	waitFile(t, filepath.Join(dir, "ready"), 30*time.Second)
	pids := readPids(t, dir)
	if err := helper.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = helper.Wait()
	assertGone(t, dir, pids)
	if t.Failed() {
		t.Logf("helper output: %s", out.String())
	}
}

// A command is over when its shell exits: what it left running is stopped,
// so nothing acts after lifeboat recorded the command's end.
func TestLeftoversStopWithTheCommand(t *testing.T) {
	dir := t.TempDir()
	out, err := Shell{Command: escapees, Dir: dir}.Run(context.Background())
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	assertGone(t, dir, readPids(t, dir))
}

// The command sees only the allowlisted part of lifeboat's environment and
// the variables lifeboat sets for it, never a hidden one.
func TestEnvironmentIsFiltered(t *testing.T) {
	t.Setenv("PROC_TEST_SECRET", "s3cret-unlisted")
	t.Setenv("HTTPS_PROXY", "http://user:s3cret-hidden@proxy")
	out, err := Shell{Command: "env", Env: []string{"LIFEBOAT_SITE=dr"}, Hide: []string{"HTTPS_PROXY"}}.Run(context.Background())
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	env := string(out)
	if strings.Contains(env, "s3cret") {
		t.Errorf("the command saw a secret:\n%s", env)
	}
	for _, want := range []string{"LIFEBOAT_SITE=dr\n", "PATH=" + os.Getenv("PATH") + "\n"} {
		if !strings.Contains(env, want) {
			t.Errorf("the command's environment lacks %q:\n%s", want, env)
		}
	}
}

// Lifeboat may itself be pid 1 (a container's entrypoint): its commands
// must run, not be taken for orphans of a dead lifeboat.
func TestCommandsRunWhenLifeboatIsPID1(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("a pid namespace needs root (CI runs as root)")
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skip("unshare (util-linux) is not installed")
	}
	out, err := exec.Command(unshare, "--pid", "--fork", "--mount-proc", os.Args[0],
		"-test.run=^TestOutputAndEnv$", "-test.count=1", "-test.v").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestOutputAndEnv") {
		t.Fatalf("a command run by lifeboat as pid 1: %v\n%s", err, out)
	}
}
