//go:build !linux

package proc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"syscall"
	"time"
)

// Run runs the command and returns its combined output. When ctx ends or
// Timeout passes, the command's whole process group gets SIGTERM, then
// SIGKILL after Grace. Off Linux there is no supervisor: a process that
// leaves the group, or outlives lifeboat, is not followed.
func (s Shell) Run(ctx context.Context) ([]byte, error) {
	if s.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.Timeout)
		defer cancel()
	}
	grace := s.grace()
	cmd := exec.CommandContext(ctx, "sh", "-c", s.Command)
	cmd.Dir = s.Dir
	cmd.Env = s.environ()
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
