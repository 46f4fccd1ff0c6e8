package proc

import (
	"context"
	"errors"
	"os"
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
