// Package proc runs the shell commands operators put in the config (hooks,
// probe and alert commands) so that stopping one stops everything it
// started: a hook's curl or ssh child must not outlive a cancelled failover.
package proc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// Shell is one `sh -c` command.
type Shell struct {
	Command string
	Dir     string
	Env     []string // added to lifeboat's environment
	Stdin   io.Reader
	// Timeout bounds the run; 0 means only ctx does.
	Timeout time.Duration
	// Grace is how long the command has between SIGTERM and SIGKILL when
	// it is stopped; 0 means 5 seconds.
	Grace time.Duration
}

// ErrTimeout is returned when the command ran out of its Timeout.
var ErrTimeout = errors.New("did not finish in time")

// Run runs the command and returns its combined output. When ctx ends or
// Timeout passes, the command's whole process group gets SIGTERM, then
// SIGKILL after Grace.
func (s Shell) Run(ctx context.Context) ([]byte, error) {
	if s.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.Timeout)
		defer cancel()
	}
	grace := s.Grace
	if grace <= 0 {
		grace = 5 * time.Second
	}
	cmd := exec.CommandContext(ctx, "sh", "-c", s.Command)
	cmd.Dir = s.Dir
	cmd.Env = append(os.Environ(), s.Env...)
	cmd.Stdin = s.Stdin
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = Attr()
	var kill *time.Timer
	cmd.Cancel = func() error {
		pid := cmd.Process.Pid
		kill = time.AfterFunc(grace, func() { _ = syscall.Kill(-pid, syscall.SIGKILL) })
		return syscall.Kill(-pid, syscall.SIGTERM)
	}
	// Wait returns even when a child that left the group keeps the output open.
	cmd.WaitDelay = grace + time.Second
	err := cmd.Run()
	if kill != nil && kill.Stop() {
		// The leader is gone before the grace ran out; its group may not be.
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	if err != nil && s.Timeout > 0 && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		err = fmt.Errorf("%w: stopped after %s", ErrTimeout, s.Timeout)
	}
	return out.Bytes(), err
}
