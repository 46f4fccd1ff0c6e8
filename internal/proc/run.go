package proc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
)

// Run runs the command and returns its combined output. When ctx ends or
// Timeout passes, the command's process group gets SIGTERM, then SIGKILL
// after Grace; how far that reaches depends on the platform (see run).
func (s Shell) Run(ctx context.Context) ([]byte, error) {
	if s.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.Timeout)
		defer cancel()
	}
	var out bytes.Buffer
	err := s.run(ctx, s.grace(), &out)
	if err != nil && s.Timeout > 0 && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		err = fmt.Errorf("%w: stopped after %s", ErrTimeout, s.Timeout)
	}
	return out.Bytes(), err
}

// command is name run in the command's directory and environment, its
// input from Stdin and its output and errors both to out.
func (s Shell) command(ctx context.Context, out io.Writer, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = s.Dir
	cmd.Env = s.environ()
	cmd.Stdin = s.Stdin
	cmd.Stdout, cmd.Stderr = out, out
	return cmd
}
