package proc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"
)

// Run runs the command under a supervisor (see supervise) and returns its
// combined output. When ctx ends or Timeout passes, the command's process
// group gets SIGTERM, then everything it started SIGKILL after Grace. When
// the shell exits, whatever it left running is stopped. When lifeboat dies,
// even by kill -9, the supervisor stops everything at once.
func (s Shell) Run(ctx context.Context) ([]byte, error) {
	if s.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.Timeout)
		defer cancel()
	}
	grace := s.grace()
	// The supervisor reads the other end: EOF means lifeboat is gone, even
	// when the parent-death signal was lost with the thread that started it.
	lifeline, hold, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("start %q: %w", s.Command, err)
	}
	defer hold.Close()
	cmd := exec.CommandContext(ctx, "/proc/self/exe")
	cmd.Args = []string{supervisorName, grace.String(), strconv.Itoa(os.Getpid()), s.Command}
	cmd.Dir = s.Dir
	cmd.Env = s.environ()
	cmd.Stdin = s.Stdin
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.ExtraFiles = []*os.File{lifeline}
	// SIGTERM, not SIGKILL: a supervisor killed outright could not stop
	// what it supervises.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	var kill *time.Timer
	cmd.Cancel = func() error {
		p := cmd.Process
		// The supervisor kills the command after grace; this only covers a
		// supervisor that hangs.
		kill = time.AfterFunc(grace+2*time.Second, func() { _ = p.Kill() })
		return p.Signal(syscall.SIGTERM)
	}
	cmd.WaitDelay = grace + 3*time.Second
	err = cmd.Start()
	lifeline.Close()
	if err == nil {
		err = cmd.Wait()
	}
	if kill != nil {
		kill.Stop()
	}
	if err != nil && s.Timeout > 0 && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		err = fmt.Errorf("%w: stopped after %s", ErrTimeout, s.Timeout)
	}
	return out.Bytes(), err
}
