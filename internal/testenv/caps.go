package testenv

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// Linux capability bits that let root ignore file permissions.
const (
	capDACOverride   = 1
	capDACReadSearch = 2
)

// IgnoresFilePermissions says whether this process reads and writes files
// whatever their mode (root with CAP_DAC_OVERRIDE or CAP_DAC_READ_SEARCH).
func IgnoresFilePermissions() bool {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return os.Geteuid() == 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "CapEff:"); ok {
			caps, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			if err != nil {
				return os.Geteuid() == 0
			}
			return caps&(1<<capDACOverride|1<<capDACReadSearch) != 0
		}
	}
	return os.Geteuid() == 0
}

// RespectingFilePermissions returns the argv prefix that runs a command
// without the capabilities that let root ignore file permissions
// (setpriv from util-linux drops them from the bounding set), or nil when
// this process has none to drop. As root, a file of mode 000 is then as
// unreadable as it is for anybody else: the tests of unreadable files run
// for real in CI, which runs as root.
func RespectingFilePermissions(t testing.TB) []string {
	t.Helper()
	if !IgnoresFilePermissions() {
		return nil
	}
	p, err := exec.LookPath("setpriv")
	if err != nil {
		t.Fatalf("this test runs as root and needs setpriv (util-linux) to drop CAP_DAC_OVERRIDE: %v", err)
	}
	return []string{p, "--bounding-set", "-dac_override,-dac_read_search", "--"}
}

// RerunRespectingFilePermissions runs the calling test again in a child
// test process without the capabilities that ignore file permissions, and
// reports true when it did (the caller then returns: the child ran the
// test). It reports false when this process already respects them, so the
// test runs here. A test that used to skip as root runs as root this way.
func RerunRespectingFilePermissions(t *testing.T) bool {
	t.Helper()
	prefix := RespectingFilePermissions(t)
	if prefix == nil {
		return false
	}
	args := append(prefix[1:], os.Args[0], "-test.run", "^"+t.Name()+"$", "-test.count", "1", "-test.v")
	cmd := exec.Command(prefix[0], args...)
	out, err := cmd.CombinedOutput()
	t.Logf("rerun without CAP_DAC_OVERRIDE:\n%s", out)
	if err != nil || !strings.Contains(string(out), "--- PASS: "+t.Name()) {
		t.Fatalf("%s without CAP_DAC_OVERRIDE: %v", t.Name(), err)
	}
	return true
}
