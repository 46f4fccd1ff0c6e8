package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// self is the absolute path of the running lifeboat: what the commands it
// prints start with, so that they run as printed whether or not lifeboat
// is on the PATH (after `make demo` it is bin/lifeboat, and it is not).
func self() string {
	exe, err := os.Executable()
	if err != nil {
		exe = os.Args[0]
	}
	if abs, err := filepath.Abs(exe); err == nil {
		exe = abs
	}
	return exe
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-=:,+@%", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func shellJoin(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = shellQuote(a)
	}
	return strings.Join(q, " ")
}

// headless are the commands an operator runs without the console, in the
// order of a day's work: where things stand, the newest report, the audit
// log, a drill, a planned failover.
// "dr" stands for a standby of the configuration.
var headless = [][]string{
	{"status"}, {"report", "latest"}, {"journal"}, {"drill", "--site", "dr"}, {"failover", "--to", "dr", "--planned"},
}

// comeBack is what the console prints once it has closed: the command that
// opens it again (the one that opened it) and the headless commands, each
// runnable as printed. global are the flags they need (--config, --state).
func comeBack(w io.Writer, exe string, args, global []string, standby string) {
	fmt.Fprintf(w, "lifeboat: the console is closed. Open it again with:\n  %s\n", shellJoin(append([]string{exe}, args...)))
	fmt.Fprintln(w, "Without the console (another terminal, scripts, cron):")
	prefix := shellJoin(append([]string{exe}, global...))
	for _, c := range headless {
		if c[0] == "drill" || c[0] == "failover" {
			if standby == "" {
				continue
			}
			c = append([]string(nil), c...)
			for i, a := range c {
				if a == "dr" {
					c[i] = standby
				}
			}
		}
		fmt.Fprintf(w, "  %s %s\n", prefix, shellJoin(c))
	}
	fmt.Fprintf(w, "  %s --help   (every command)\n", shellJoin([]string{exe}))
}
