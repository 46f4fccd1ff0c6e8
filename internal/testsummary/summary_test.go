package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A run as go test -json prints it: a pass, a failure with its output, a
// skip with its reason, a subtest skip, a package that fails in TestMain,
// a build failure and a line that is not JSON.
const run1 = `{"Action":"start","Package":"x/a"}
{"Action":"run","Package":"x/a","Test":"TestOK"}
{"Action":"output","Package":"x/a","Test":"TestOK","Output":"=== RUN   TestOK\n"}
{"Action":"output","Package":"x/a","Test":"TestOK","Output":"    a_test.go:3: chatter of a pass\n"}
{"Action":"pass","Package":"x/a","Test":"TestOK","Elapsed":0.1}
{"Action":"run","Package":"x/a","Test":"TestBad"}
{"Action":"output","Package":"x/a","Test":"TestBad","Output":"=== RUN   TestBad\n"}
{"Action":"output","Package":"x/a","Test":"TestBad","Output":"    a_test.go:9: restore differs\n"}
{"Action":"output","Package":"x/a","Test":"TestBad","Output":"--- FAIL: TestBad (0.20s)\n"}
{"Action":"fail","Package":"x/a","Test":"TestBad","Elapsed":0.2}
{"Action":"run","Package":"x/a","Test":"TestTmux"}
{"Action":"output","Package":"x/a","Test":"TestTmux","Output":"=== RUN   TestTmux\n"}
{"Action":"output","Package":"x/a","Test":"TestTmux","Output":"    e2e_test.go:44: tmux is not installed\n"}
{"Action":"output","Package":"x/a","Test":"TestTmux","Output":"--- SKIP: TestTmux (0.00s)\n"}
{"Action":"skip","Package":"x/a","Test":"TestTmux","Elapsed":0}
{"Action":"output","Package":"x/a","Test":"TestTable/big","Output":"    --- SKIP: TestTable/big (0.00s)\n"}
{"Action":"skip","Package":"x/a","Test":"TestTable/big","Elapsed":0}
{"Action":"output","Package":"x/a","Output":"FAIL\n"}
{"Action":"output","Package":"x/a","Output":"FAIL\tx/a\t0.3s\n"}
{"Action":"fail","Package":"x/a","Elapsed":0.3}
{"Action":"output","Package":"x/b","Output":"ok  \tx/b\t1.0s\n"}
{"Action":"pass","Package":"x/b","Elapsed":1}
{"Action":"run","Package":"x/c","Test":"TestHangs"}
{"Action":"output","Package":"x/c","Test":"TestHangs","Output":"=== RUN   TestHangs\n"}
{"Action":"output","Package":"x/c","Test":"TestHangs","Output":"    c_test.go:5: waiting for restic\n"}
{"Action":"output","Package":"x/c","Output":"panic: test timed out after 20m0s\n"}
{"Action":"fail","Package":"x/c","Elapsed":1200}
{"ImportPath":"x/d [x/d.test]","Action":"build-output","Output":"d_test.go:3:1: syntax error\n"}
{"ImportPath":"x/d [x/d.test]","Action":"build-fail"}
go: downloading something
`

func TestSummarise(t *testing.T) {
	var out bytes.Buffer
	s := Summarise(strings.NewReader(run1), &out)
	got := out.String()
	t.Logf("\n%s", got)
	if s.OK() || s.Passed != 1 || s.Failed != 1 || len(s.Skipped) != 2 {
		t.Errorf("summary: %+v", s)
	}
	for _, want := range []string{
		"    a_test.go:9: restore differs\n--- FAIL: TestBad (0.20s)\n", // the failure's output, in order
		"FAIL\tx/a\t0.3s\n", "ok  \tx/b\t1.0s\n", "panic: test timed out after 20m0s\n",
		"--- x/c TestHangs never ended; its output:\n    c_test.go:5: waiting for restic\n", "d_test.go:3:1: syntax error\n", "go: downloading something\n",
		"SLOWEST (2):\n      0.2s  x/a TestBad\n      0.1s  x/a TestOK\n\n1 passed, 1 failed, 2 skipped\n",
		"SKIPPED (2):\n  x/a TestTable/big: (no reason given)\n  x/a TestTmux: e2e_test.go:44: tmux is not installed\n",
		"BUILD FAILED: x/d [x/d.test]\n", "FAILED: x/a TestBad\n", "FAILED: x/c\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	for _, noise := range []string{"chatter of a pass", "=== RUN", "\nFAIL\n", "FAILED: x/a\n"} {
		if strings.Contains(got, noise) {
			t.Errorf("output has %q", noise)
		}
	}
}

// The exit code is the test run's: go test's own code when it failed,
// 1 when a test failed under a command that exited 0, 0 when all passed.
func TestRunKeepsTheExitCode(t *testing.T) {
	dir := t.TempDir()
	fail := filepath.Join(dir, "fail.json")
	pass := filepath.Join(dir, "pass.json")
	if err := os.WriteFile(fail, []byte(run1), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pass, []byte(`{"Action":"pass","Package":"x/b","Test":"TestOK"}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		script string
		want   int
	}{
		{"cat " + fail + "; exit 3", 3},
		{"cat " + fail, 1},
		{"cat " + pass, 0},
		{"cat " + pass + "; exit 2", 2},
		{"kill -9 $$", 1},
	} {
		var out, errb bytes.Buffer
		if got := run([]string{"--", "sh", "-c", c.script}, &out, &errb); got != c.want {
			t.Errorf("%q: exit %d, want %d\n%s%s", c.script, got, c.want, out.String(), errb.String())
		}
	}
	var out, errb bytes.Buffer
	if got := run(nil, &out, &errb); got != 2 || !strings.Contains(errb.String(), "usage") {
		t.Errorf("no command: %d %s", got, errb.String())
	}
}
