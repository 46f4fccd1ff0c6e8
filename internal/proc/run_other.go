//go:build !linux

package proc

import (
	"context"
	"io"
	"syscall"
	"time"
)

// run runs the command in its own process group. Off Linux there is no
// supervisor: a process that leaves the group, or outlives lifeboat, is
// not followed.
func (s Shell) run(ctx context.Context, grace time.Duration, out io.Writer) error {
	cmd := s.command(ctx, out, "sh", "-c", s.Command)
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
	return err
}
