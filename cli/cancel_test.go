package cli

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lifeboat-dr/lifeboat/storage"
)

// slowWorld is a foWorld whose second config opens both repositories with
// a password_command that marks that it started, then waits: restic waits
// on it, so a run under that config is busy until it is signalled.
func slowWorld(t *testing.T) (w *foWorld, slowCfg, mark string) {
	t.Helper()
	w = newFoWorld(t)
	w.protect(t)
	mark = filepath.Join(w.dir, "password-asked")
	pwCmd := fmt.Sprintf(`sh -c 'touch %s; sleep 30; cat %s'`, mark, filepath.Join(w.dir, "pass"))
	cfg, err := os.ReadFile(w.cfg)
	if err != nil {
		t.Fatal(err)
	}
	slow := strings.ReplaceAll(string(cfg), "password_file: "+filepath.Join(w.dir, "pass"), fmt.Sprintf("password_command: %q", pwCmd))
	// forget has work to do only with a retention policy.
	slow = strings.Replace(slow, "/data/models]}", "/data/models], retention: {keep_last: 1}}", 1)
	slow += "drills: {scratch: " + filepath.Join(w.dir, "scratch") + "}\n"
	slowCfg = filepath.Join(w.dir, "slow.yaml")
	if err := os.WriteFile(slowCfg, []byte(slow), 0o600); err != nil {
		t.Fatal(err)
	}
	return w, slowCfg, mark
}

// Every operation cancelled by SIGINT or SIGTERM while restic runs is
// journaled as cancelled before the process exits, leaves no operation
// record running, exits promptly and says only what is true.
func TestCancelledRunIsJournaledForEveryOperation(t *testing.T) {
	t.Parallel()
	cases := []struct {
		action string
		sig    syscall.Signal
		args   []string
	}{
		{"backup", syscall.SIGINT, []string{"backup"}},
		{"replicate", syscall.SIGTERM, []string{"replicate"}},
		{"check", syscall.SIGINT, []string{"check", "--site", "dr"}},
		{"forget", syscall.SIGTERM, []string{"forget", "--yes"}},
		{"restore", syscall.SIGINT, []string{"restore", "--site", "dr", "--set", "models", "--target", "RESTORE"}},
		{"drill", syscall.SIGTERM, []string{"drill", "--site", "dr"}},
		{"failover", syscall.SIGINT, []string{"failover", "--to", "dr", "--planned", "--confirm", "dr", "--yes"}},
		{"init", syscall.SIGTERM, []string{"init"}},
	}
	for _, c := range cases {
		t.Run(c.action, func(t *testing.T) {
			t.Parallel()
			w, slowCfg, mark := slowWorld(t)
			args := append([]string{"--config", slowCfg, "--state", w.state}, c.args...)
			for i, a := range args {
				if a == "RESTORE" {
					args[i] = filepath.Join(w.dir, "restored")
				}
			}
			out, err := os.Create(filepath.Join(w.dir, "out.txt"))
			if err != nil {
				t.Fatal(err)
			}
			defer out.Close()
			cmd := exec.Command(os.Args[0], args...)
			cmd.Env = append(os.Environ(), "LIFEBOAT_TEST_AS_MAIN=1")
			cmd.Stdout, cmd.Stderr = out, out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			// Signal once restic waits on the password: the run is busy.
			for {
				if _, err := os.Stat(mark); err == nil {
					break
				}
				select {
				case err := <-exited:
					b, _ := os.ReadFile(out.Name())
					t.Fatalf("lifeboat %s ended (%v) before restic asked for the password:\n%s", c.action, err, b)
				case <-time.After(20 * time.Millisecond):
				}
			}
			if err := cmd.Process.Signal(c.sig); err != nil {
				t.Fatal(err)
			}
			signalled := time.Now()
			// The password command sleeps 30s: a process still waiting on
			// restic would outlive this bound by far.
			select {
			case <-exited:
			case <-time.After(20 * time.Second):
				_ = cmd.Process.Kill()
				<-exited
				t.Fatalf("lifeboat %s did not exit after %v", c.action, c.sig)
			}
			t.Logf("lifeboat %s exited %s after %v", c.action, time.Since(signalled).Round(time.Millisecond), c.sig)
			b, _ := os.ReadFile(out.Name())
			msg := string(b)
			if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || ws.Signaled() || ws.ExitStatus() == 0 {
				t.Fatalf("lifeboat %s after %v: %v\n%s", c.action, c.sig, cmd.ProcessState, msg)
			}
			if !strings.Contains(msg, "cancelled") {
				t.Errorf("lifeboat %s after %v does not say it was cancelled:\n%s", c.action, c.sig, msg)
			}

			// The store as the process left it (no lifeboat run first:
			// opening the engine would mark dead records interrupted).
			st := openState(t, w.state)
			defer st.Close()
			ctx := context.Background()
			running, err := st.RunningOperations(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, op := range running {
				t.Errorf("operation %s at %s left %q after %v", op.Kind, op.Site, op.State, c.sig)
			}
			j, err := st.Journal(ctx, storage.JournalQuery{Action: c.action})
			if err != nil {
				t.Fatal(err)
			}
			var journaled bool
			for _, e := range j {
				journaled = journaled || e.Outcome == "cancelled"
			}
			if !journaled {
				t.Errorf("lifeboat %s cancelled by %v: no cancelled entry in the journal %+v\n%s", c.action, c.sig, j, msg)
			}
			if strings.Contains(msg, testPassword) {
				t.Errorf("the password was printed")
			}
		})
	}
}
