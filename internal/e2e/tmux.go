// Package e2e drives the real lifeboat binary in tmux, as a person would:
// send-keys to type, capture-pane to read the screen.
package e2e

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Session is one tmux session running a command.
type Session struct {
	t    testing.TB
	name string
}

// HaveTmux says whether tmux is installed.
func HaveTmux() bool {
	_, err := exec.LookPath("tmux")
	return err == nil
}

// Start runs command (a shell line) in a detached tmux session of the given
// size; the session is killed when the test ends.
func Start(t testing.TB, width, height int, env []string, command string) *Session {
	t.Helper()
	name := fmt.Sprintf("lifeboat-e2e-%d", time.Now().UnixNano())
	args := []string{"new-session", "-d", "-s", name, "-x", fmt.Sprint(width), "-y", fmt.Sprint(height)}
	for _, e := range env {
		args = append(args, "-e", e)
	}
	args = append(args, command)
	if out, err := exec.Command("tmux", args...).CombinedOutput(); err != nil {
		t.Fatalf("tmux new-session: %v %s", err, out)
	}
	s := &Session{t: t, name: name}
	t.Cleanup(func() { _ = exec.Command("tmux", "kill-session", "-t", name).Run() })
	return s
}

// Keys sends tmux key names ("Enter", "Tab", "Escape", "C-c", "q", ...).
func (s *Session) Keys(keys ...string) {
	s.t.Helper()
	for _, k := range keys {
		if out, err := exec.Command("tmux", "send-keys", "-t", s.name, k).CombinedOutput(); err != nil {
			s.t.Fatalf("send-keys %q: %v %s", k, err, out)
		}
		time.Sleep(40 * time.Millisecond)
	}
}

// Type sends literal text.
func (s *Session) Type(text string) {
	s.t.Helper()
	if out, err := exec.Command("tmux", "send-keys", "-t", s.name, "-l", text).CombinedOutput(); err != nil {
		s.t.Fatalf("send-keys -l %q: %v %s", text, err, out)
	}
	time.Sleep(40 * time.Millisecond)
}

// Screen is what the pane shows now.
func (s *Session) Screen() string {
	out, err := exec.Command("tmux", "capture-pane", "-p", "-t", s.name).Output()
	if err != nil {
		return ""
	}
	return string(out)
}

// WaitFor polls the screen until every text appears, or fails with the
// screen as it was.
func (s *Session) WaitFor(timeout time.Duration, texts ...string) string {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	var screen string
	for time.Now().Before(deadline) {
		screen = s.Screen()
		ok := true
		for _, x := range texts {
			if !strings.Contains(screen, x) {
				ok = false
				break
			}
		}
		if ok {
			return screen
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.t.Fatalf("screen never showed %q within %s; it shows:\n%s", texts, timeout, screen)
	return ""
}

// Alive says whether the session still runs (the program has not exited).
func (s *Session) Alive() bool {
	return exec.Command("tmux", "has-session", "-t", s.name).Run() == nil
}

// Resize changes the pane's size, as a person dragging the terminal would.
func (s *Session) Resize(width, height int) {
	s.t.Helper()
	if out, err := exec.Command("tmux", "resize-window", "-t", s.name, "-x", fmt.Sprint(width), "-y", fmt.Sprint(height)).CombinedOutput(); err != nil {
		s.t.Fatalf("resize-window: %v %s", err, out)
	}
}

// KeyLatency sends one key and returns how long until the pane shows want
// (which it must not show before): from send-keys to the changed pane, as
// a person sees it. It fails the test after timeout.
func (s *Session) KeyLatency(key, want string, timeout time.Duration) time.Duration {
	s.t.Helper()
	if strings.Contains(s.Screen(), want) {
		s.t.Fatalf("%q is on the screen before %s was pressed:\n%s", want, key, s.Screen())
	}
	start := time.Now()
	if out, err := exec.Command("tmux", "send-keys", "-t", s.name, key).CombinedOutput(); err != nil {
		s.t.Fatalf("send-keys %q: %v %s", key, err, out)
	}
	for time.Since(start) < timeout {
		if strings.Contains(s.Screen(), want) {
			return time.Since(start)
		}
	}
	s.t.Fatalf("%q not on the screen %v after %s:\n%s", want, timeout, key, s.Screen())
	return 0
}
