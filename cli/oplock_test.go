package cli

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lifeboat-dr/lifeboat/internal/testenv"
	"github.com/lifeboat-dr/lifeboat/storage"
)

// lockedBuffer is an output buffer read while the child writes it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// A `lifeboat replicate` that meets another process's replication to the
// same standby says on stderr who it waits for, and stops on Ctrl-C.
func TestReplicateSaysWhoItWaitsFor(t *testing.T) {
	t.Parallel()
	w := newFoWorld(t)
	if code, _, errs := w.run(t, "init"); code != 0 {
		t.Fatalf("init: %d %s", code, errs)
	}
	live := testenv.LiveProcess(t)
	st := openState(t, w.state)
	host, _ := os.Hostname()
	ctx := context.Background()
	if _, ok, err := st.AcquireOperationLock(ctx, storage.OperationLock{Site: "dr", Operation: "replicate",
		Token: "live", PID: live.Process.Pid, Host: host, Operator: "carol@bastion"}); err != nil || !ok {
		t.Fatalf("recording a live holder: %v %v", ok, err)
	}
	st.Close()

	cmd := exec.Command(os.Args[0], "--config", w.cfg, "--state", w.state, "replicate")
	cmd.Env = append(os.Environ(), "LIFEBOAT_TEST_AS_MAIN=1")
	var out lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	want := "replicate at site dr is running in another process (operator carol@bastion, pid " + strconv.Itoa(live.Process.Pid)
	// The deadline only keeps a broken build from hanging the suite.
	deadline := time.After(2 * time.Minute)
	for !strings.Contains(out.String(), want) {
		select {
		case <-exited:
			t.Fatalf("replicate ended without saying who it waits for:\n%s", out.String())
		case <-deadline:
			_ = cmd.Process.Kill()
			t.Fatalf("replicate did not say who it waits for in 2 minutes:\n%s", out.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	<-exited
	if cmd.ProcessState.ExitCode() == 0 {
		t.Errorf("replicate that never got its lock exited 0:\n%s", out.String())
	}
}
