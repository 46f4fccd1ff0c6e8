package proc

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"syscall"
	"time"
)

// run runs the command under a supervisor (see supervise). When the shell
// exits, whatever it left running is stopped; when ctx ends, everything it
// started gets SIGKILL after grace. When lifeboat dies, even by kill -9,
// the supervisor stops everything at once.
func (s Shell) run(ctx context.Context, grace time.Duration, out io.Writer) error {
	// The supervisor reads the other end: EOF means lifeboat is gone, even
	// when the parent-death signal was lost with the thread that started it.
	lifeline, hold, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("start %q: %w", s.Command, err)
	}
	defer hold.Close()
	cmd := s.command(ctx, out, "/proc/self/exe")
	cmd.Args = []string{supervisorName, grace.String(), strconv.Itoa(os.Getpid()), s.Command}
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
	return err
}
