package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
)

// event is one line of `go test -json` (cmd/test2json).
type event struct {
	Action     string
	Package    string
	ImportPath string // build-output, build-fail
	Test       string
	Output     string
	Elapsed    float64
}

// Skip is a skipped test and why.
type Skip struct {
	Package, Test, Reason string
}

// Summary is what a run of go test -json came to.
type Summary struct {
	Passed, Failed int
	Skipped        []Skip
	FailedTests    []string // "pkg TestName", and "pkg" for a package that failed outside its tests
	BuildFailed    []string
	// Slowest are the top-level tests that took longest, slowest first: the
	// suite must stay under 20 minutes, and these are where it goes.
	Slowest []Timed
}

// Timed is a top-level test and how long it took (a parallel test's time
// includes its waits for the others).
type Timed struct {
	Package, Test string
	Seconds       float64
}

// slowestShown is how many of the slowest tests the report lists.
const slowestShown = 10

// OK says whether nothing failed.
func (s *Summary) OK() bool { return len(s.FailedTests) == 0 && len(s.BuildFailed) == 0 }

// Summarise reads go test -json from r and writes a readable run to w: the
// package result lines, the whole output of every failing test and build,
// and at the end the failures and every skipped test with its reason.
// Lines that are not JSON (go's own messages) are passed through.
func Summarise(r io.Reader, w io.Writer) *Summary {
	s := &Summary{}
	out := map[string][]string{} // pkg + "\x00" + test → its output so far
	pkgFailed := map[string]bool{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	for sc.Scan() {
		line := sc.Bytes()
		var ev event
		if len(line) == 0 || line[0] != '{' || json.Unmarshal(line, &ev) != nil {
			fmt.Fprintf(w, "%s\n", line)
			continue
		}
		key := ev.Package + "\x00" + ev.Test
		switch ev.Action {
		case "build-output":
			fmt.Fprint(w, ev.Output)
		case "build-fail":
			s.BuildFailed = append(s.BuildFailed, ev.ImportPath)
		case "output":
			if ev.Test == "" {
				// The package's own lines: "ok  pkg 1.2s", "FAIL pkg", a
				// panic or a TestMain's words; the bare PASS/FAIL are noise.
				if t := strings.TrimSpace(ev.Output); t != "PASS" && t != "FAIL" && !strings.HasPrefix(t, "=== ") {
					fmt.Fprint(w, ev.Output)
				}
				continue
			}
			// go test -v's framing (=== RUN, PAUSE, CONT) says nothing here.
			if !strings.HasPrefix(strings.TrimSpace(ev.Output), "=== ") {
				out[key] = append(out[key], ev.Output)
			}
		case "pass":
			if ev.Test != "" {
				s.Passed++
				s.timed(ev)
			}
			delete(out, key)
		case "skip":
			if ev.Test != "" {
				s.Skipped = append(s.Skipped, Skip{Package: ev.Package, Test: ev.Test, Reason: skipReason(out[key])})
			}
			delete(out, key)
		case "fail":
			if ev.Test == "" {
				pkgFailed[ev.Package] = true
				continue
			}
			s.Failed++
			s.timed(ev)
			s.FailedTests = append(s.FailedTests, ev.Package+" "+ev.Test)
			for _, o := range out[key] {
				fmt.Fprint(w, o)
			}
			delete(out, key)
		}
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintf(w, "testsummary: reading go test -json: %v\n", err)
		s.FailedTests = append(s.FailedTests, "(the test output could not be read: "+err.Error()+")")
	}
	// A package can fail with no failing test: a panic, a timeout, a
	// TestMain that exits non-zero. Tests still running then never ended.
	for pkg := range pkgFailed {
		failedTest := false
		for _, f := range s.FailedTests {
			failedTest = failedTest || strings.HasPrefix(f, pkg+" ")
		}
		if !failedTest {
			s.FailedTests = append(s.FailedTests, pkg)
		}
	}
	for key, lines := range out {
		pkg, test, _ := strings.Cut(key, "\x00")
		if test != "" && pkgFailed[pkg] {
			fmt.Fprintf(w, "--- %s %s never ended; its output:\n%s", pkg, test, strings.Join(lines, ""))
		}
	}
	s.report(w)
	return s
}

// timed keeps a top-level test among the slowest.
func (s *Summary) timed(ev event) {
	if strings.Contains(ev.Test, "/") {
		return // a subtest's time is in its parent's
	}
	s.Slowest = append(s.Slowest, Timed{ev.Package, ev.Test, ev.Elapsed})
	sort.SliceStable(s.Slowest, func(i, j int) bool { return s.Slowest[i].Seconds > s.Slowest[j].Seconds })
	if len(s.Slowest) > slowestShown {
		s.Slowest = s.Slowest[:slowestShown]
	}
}

// skipReason is what a skipped test said, without go test's framing.
func skipReason(lines []string) string {
	var r []string
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "--- SKIP") {
			continue
		}
		r = append(r, t)
	}
	if len(r) == 0 {
		return "(no reason given)"
	}
	return strings.Join(r, " ")
}

func (s *Summary) report(w io.Writer) {
	sort.Slice(s.Skipped, func(i, j int) bool {
		if s.Skipped[i].Package != s.Skipped[j].Package {
			return s.Skipped[i].Package < s.Skipped[j].Package
		}
		return s.Skipped[i].Test < s.Skipped[j].Test
	})
	if len(s.Slowest) > 0 {
		fmt.Fprintf(w, "\nSLOWEST (%d):\n", len(s.Slowest))
		for _, t := range s.Slowest {
			fmt.Fprintf(w, "  %7.1fs  %s %s\n", t.Seconds, t.Package, t.Test)
		}
	}
	fmt.Fprintf(w, "\n%d passed, %d failed, %d skipped\n", s.Passed, s.Failed, len(s.Skipped))
	if len(s.Skipped) > 0 {
		fmt.Fprintf(w, "SKIPPED (%d):\n", len(s.Skipped))
		for _, k := range s.Skipped {
			fmt.Fprintf(w, "  %s %s: %s\n", k.Package, k.Test, k.Reason)
		}
	}
	for _, b := range s.BuildFailed {
		fmt.Fprintf(w, "BUILD FAILED: %s\n", b)
	}
	for _, f := range s.FailedTests {
		fmt.Fprintf(w, "FAILED: %s\n", f)
	}
}
