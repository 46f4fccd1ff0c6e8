package testenv

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// ResticCounter stands in front of the real restic: Path is a wrapper that
// records the argv and repository of every process started through it and
// then execs the real binary (same pid, same process group), so what it
// counts are real restic processes, not calls of lifeboat's runner.
type ResticCounter struct {
	Path string // give this to lifeboat as its restic binary
	dir  string
	// Sites names repositories (RESTIC_REPOSITORY) for messages and PerSite.
	Sites map[string]string
}

// Call is one restic process.
type Call struct {
	Repo string   // RESTIC_REPOSITORY
	From string   // RESTIC_FROM_REPOSITORY (copy), "" otherwise
	Args []string // argv after "restic"
}

// ledgerTag is storage.LedgerTag (testenv imports nothing of the project).
const ledgerTag = "lifeboat:ledger"

// Ledger says whether the process publishes or reads the ledger: a
// `backup --stdin` or `snapshots` with the reserved tag, or a `dump`. They
// are counted apart from an operation's own processes.
func (c Call) Ledger() bool {
	if len(c.Args) == 0 {
		return false
	}
	tagged := false
	for i, a := range c.Args {
		if a == "--tag="+ledgerTag || (a == "--tag" && i+1 < len(c.Args) && c.Args[i+1] == ledgerTag) {
			tagged = true
		}
	}
	switch c.Args[0] {
	case "backup":
		return tagged && slices.Contains(c.Args, "--stdin")
	case "snapshots":
		return tagged
	case "dump":
		return true
	}
	return false
}

func (c Call) String() string { return strings.Join(c.Args, " ") }

// CountingRestic writes the wrapper around Restic(t) into a temp dir.
func CountingRestic(t testing.TB) *ResticCounter {
	t.Helper()
	dir := t.TempDir()
	c := &ResticCounter{Path: filepath.Join(dir, "restic"), dir: filepath.Join(dir, "calls"), Sites: map[string]string{}}
	if err := os.Mkdir(c.dir, 0o700); err != nil {
		t.Fatal(err)
	}
	// One file per pid, one line per process: concurrent processes never
	// write to the same file, and a reused pid appends a second line.
	script := fmt.Sprintf(`#!/bin/sh
us=$(printf '\037')
line="${RESTIC_REPOSITORY}${us}${RESTIC_FROM_REPOSITORY}"
for a in "$@"; do line="${line}${us}${a}"; done
printf '%%s\n' "$line" >> %q/$$
exec %q "$@"
`, c.dir, Restic(t))
	if err := os.WriteFile(c.Path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return c
}

// Reset forgets the processes counted so far.
func (c *ResticCounter) Reset(t testing.TB) {
	t.Helper()
	ents, err := os.ReadDir(c.dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if err := os.Remove(filepath.Join(c.dir, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
}

// Calls are the restic processes started since the last Reset, sorted by
// argv (processes run in parallel have no order).
func (c *ResticCounter) Calls(t testing.TB) []Call {
	t.Helper()
	ents, err := os.ReadDir(c.dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []Call
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(c.dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
			f := strings.Split(l, "\037")
			if len(f) < 2 {
				t.Fatalf("restic counter: malformed line %q", l)
			}
			out = append(out, Call{Repo: f[0], From: f[1], Args: f[2:]})
		}
	}
	slices.SortFunc(out, func(a, b Call) int {
		if x := strings.Compare(c.site(a.Repo), c.site(b.Repo)); x != 0 {
			return x
		}
		return strings.Compare(a.String(), b.String())
	})
	return out
}

func (c *ResticCounter) site(repo string) string {
	if s, ok := c.Sites[repo]; ok {
		return s
	}
	return repo
}

// Split separates an operation's own processes from the ledger's.
func Split(calls []Call) (own, ledger []Call) {
	for _, c := range calls {
		if c.Ledger() {
			ledger = append(ledger, c)
		} else {
			own = append(own, c)
		}
	}
	return own, ledger
}

// PerSite counts processes by the site (repository) they opened.
func (c *ResticCounter) PerSite(calls []Call) map[string]int {
	out := map[string]int{}
	for _, k := range calls {
		out[c.site(k.Repo)]++
	}
	return out
}

// Describe lists calls one a line, "site: argv", for failure messages.
func (c *ResticCounter) Describe(calls []Call) string {
	var b strings.Builder
	for _, k := range calls {
		fmt.Fprintf(&b, "  %s: restic %s", c.site(k.Repo), k)
		if k.From != "" {
			fmt.Fprintf(&b, " (from %s)", c.site(k.From))
		}
		b.WriteString("\n")
	}
	return b.String()
}
