package testenv

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Proc is a live process: its pid and its argv joined by spaces.
type Proc struct {
	PID     int
	Cmdline string
}

// Descendants returns the live processes under pid (children, their
// children, ...), read from /proc. Tests that check argv sample these and
// nothing else: a process of another test or another user of the machine
// is none of their business.
func Descendants(pid int) []Proc {
	parent := parents()
	var out []Proc
	for p := range parent {
		for a, n := parent[p], 0; a > 0 && n < 64; a, n = parent[a], n+1 {
			if a == pid {
				if c, ok := cmdline(p); ok {
					out = append(out, c)
				}
				break
			}
		}
	}
	return out
}

// Children returns the live processes whose parent is pid.
func Children(pid int) []Proc {
	var out []Proc
	for p, pp := range parents() {
		if pp == pid {
			if c, ok := cmdline(p); ok {
				out = append(out, c)
			}
		}
	}
	return out
}

// parents maps every live process to its parent, read from /proc.
func parents() map[int]int {
	parent := map[int]int{}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// After the command's closing parenthesis: state, ppid, ...
		f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(f) < 2 || f[0] == "Z" {
			continue
		}
		if pp, err := strconv.Atoi(f[1]); err == nil {
			parent[p] = pp
		}
	}
	return parent
}

func cmdline(pid int) (Proc, bool) {
	cl, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
	if err != nil {
		return Proc{}, false
	}
	return Proc{PID: pid, Cmdline: strings.ReplaceAll(string(cl), "\x00", " ")}, true
}

// LiveProcess starts a process that lives until the test ends (or the test
// kills it): a holder of a lock that is alive on this host.
func LiveProcess(t testing.TB) *exec.Cmd {
	t.Helper()
	live := exec.Command("sleep", "300")
	if err := live.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = live.Process.Kill(); _ = live.Wait() })
	return live
}
