// Command testsummary runs `go test -json` and prints it readably, then
// every failure and every skipped test with its reason, so that a test
// that skips (a missing tool, a missing privilege) is seen at the end of
// `make test` instead of scrolling by. Its exit code is the test run's:
// non-zero when go test failed or any test failed.
//
//	go run ./internal/testsummary -- go test -json ./...
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: testsummary -- go test -json [packages]")
		return 2
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stderr = stderr
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		fmt.Fprintf(stderr, "testsummary: %v\n", err)
		return 1
	}
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(stderr, "testsummary: start %s: %v\n", args[0], err)
		return 1
	}
	s := Summarise(pipe, stdout)
	err = cmd.Wait()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		if code := ee.ExitCode(); code > 0 {
			return code
		}
		return 1 // killed by a signal
	case err != nil:
		fmt.Fprintf(stderr, "testsummary: %v\n", err)
		return 1
	case !s.OK():
		return 1
	}
	return 0
}
