package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// keyCount counts the keystrokes of each mission flow as the test presses
// them: what an operator would press, waits excluded. A typed name (the
// failover's confirmation) is counted apart, as the issue states.
type keyCount struct {
	s      *Session
	counts map[string]int
	order  []string
}

// then presses key for flow and waits for what it brings up.
func (k *keyCount) then(flow string, timeout time.Duration, key string, waits ...string) string {
	k.press(flow, key)
	return k.s.WaitFor(timeout, waits...)
}

func (k *keyCount) press(flow string, keys ...string) {
	if _, ok := k.counts[flow]; !ok {
		k.order = append(k.order, flow)
	}
	k.counts[flow] += len(keys)
	k.s.Keys(keys...)
}

// TestConsoleMissionFlows drives the real binary in tmux through the three
// mission flows on a fresh demo, each within the keystrokes the console
// promises: restore a file (≤ 12), drill (≤ 4), planned failover (≤ 8 beyond
// the typed name). On the way it watches the drill's live log, opens the
// drill's report and scrolls it, and checks that keys pressed below the
// minimum size (60×20) change nothing. Quitting prints how to come back and
// the headless commands, which run as printed; so do the demo's.
func TestConsoleMissionFlows(t *testing.T) {
	need(t)
	dir := filepath.Join(t.TempDir(), "demo")
	built := exec.Command(lifeboat, "demo", "--no-tui", "--dir", dir)
	var stderr bytes.Buffer
	built.Stderr = &stderr
	if err := built.Run(); err != nil {
		t.Fatalf("lifeboat demo: %v\n%s", err, stderr.String())
	}
	use := printed(stderr.String(), "to use it")
	path := printed(stderr.String(), "on the PATH")
	if len(use) != 3 || len(path) != 1 || !strings.HasPrefix(use[1], "/") {
		t.Fatalf("the demo does not print its commands with an absolute path:\n%s", stderr.String())
	}
	runPrinted(t, "the demo's commands", nil, use[0], use[1])
	runPrinted(t, "the demo's PATH line", nil, use[0], path[0], "lifeboat status")

	// The console in a shell that stays after it quits, to read what it printed.
	s := Start(t, 120, 40, demoEnv(dir), lifeboat+"; sleep 600")
	k := &keyCount{s: s, counts: map[string]int{}}
	s.WaitFor(30*time.Second, "1 Sites", "primary", "dr", "updated")

	// 1. Restore a file: the first entry of the newest checkpoint of models.
	k.then("restore a file", 5*time.Second, "2", "datasets", "models")
	k.then("restore a file", 5*time.Second, "Enter", "models @ primary", "ALSO AT")
	k.then("restore a file", 20*time.Second, "Enter", "ckpt-step-", "entries listed")
	k.press("restore a file", "Down", "Down", "Enter")
	s.WaitFor(5*time.Second, "shard-00-of-04.safetensors")
	k.then("restore a file", 5*time.Second, "R", "Restore into:")
	k.then("restore a file", 5*time.Second, "Enter", "preview", "1 file") // the proposed target: a new directory
	k.then("restore a file", 5*time.Second, "Enter", "[ Cancel ]")
	k.press("restore a file", "Tab", "Enter")
	s.WaitFor(60*time.Second, "verified")
	k.press("restore a file", "Enter") // close the result
	checkRestoredFile(t, dir)

	// 2. Drill dr, watching restic's messages live on Operations.
	k.then("drill", 5*time.Second, "4", "dr")
	k.then("drill", 5*time.Second, "d", "Rehearse a failover to dr?", "[ Cancel ]")
	k.press("drill", "Tab", "Enter")
	scr := k.then("watch a live log", 60*time.Second, "3", "og of #2 drill dr", "restored /")
	if strings.Contains(scr, "Recent results") {
		t.Fatalf("the live log does not replace the results pane:\n%s", scr)
	}
	s.WaitFor(120*time.Second, "drill dr: ok")

	// The drill's report, opened and scrolled.
	k.then("open the drill's report and scroll it", 10*time.Second, "4", "✓ passed")
	top := k.then("open the drill's report and scroll it", 10*time.Second, "Enter", "drill", "y copy")
	scrolled := k.then("open the drill's report and scroll it", 5*time.Second, "G", "y copy")
	if firstLines(scrolled, 3) == firstLines(top, 3) {
		t.Fatalf("G did not scroll the report:\n%s", scrolled)
	}
	k.press("open the drill's report and scroll it", "Escape")

	// 3. Below the minimum size keys change nothing.
	before := k.then("keys at 60×20", 5*time.Second, "5", "Journal", "who did what")
	s.Resize(60, 20)
	s.WaitFor(5*time.Second, "too small")
	k.press("keys at 60×20", "4", "d", "Tab", "Enter", "f", "Enter", "2", "R", "3", "b", "Enter")
	s.Resize(120, 40)
	after := s.WaitFor(5*time.Second, "Journal", "who did what")
	for _, dialog := range []string{"Rehearse", "step 1 of 4", "Restore into", "Back up", "too small"} {
		if strings.Contains(after, dialog) {
			t.Fatalf("keys at 60×20 acted (%q on screen):\n%s", dialog, after)
		}
	}
	if firstLines(before, 2) != firstLines(after, 2) { // the tab bar and the screen's heading
		t.Fatalf("the screen changed under keys at 60×20:\n%s\nnow:\n%s", before, after)
	}

	// 4. Planned failover to dr.
	k.then("planned failover", 5*time.Second, "4", "Recovery")
	k.then("planned failover", 5*time.Second, "f", "step 1 of 4: mode", "› planned")
	k.then("planned failover", 90*time.Second, "Enter", "planned preflight", "you will type dr")
	k.then("planned failover", 5*time.Second, "Enter", "Fail over from primary to dr?", "[ Cancel ]")
	s.Type("dr") // the typed name, not counted
	k.then("planned failover", 180*time.Second, "Enter", "dr is the active site")
	s.WaitFor(60*time.Second, "failover primary → dr: ok")
	k.press("planned failover", "Enter") // close the result

	// Quit: how to come back, and the headless commands.
	out := k.then("quit", 10*time.Second, "q", "the console is closed", "--help")
	again, headless := printed(out, "Open it again"), printed(out, "Without the console")
	if len(again) != 1 || !strings.HasPrefix(again[0], "/") || len(headless) < 4 {
		t.Fatalf("quitting does not say how to come back and go on:\n%s", out)
	}
	// The console ran with the demo's variables set: so does this shell.
	runPrinted(t, "the goodbye's status", demoEnv(dir), headless[0])
	runPrinted(t, "the goodbye's report", demoEnv(dir), headless[1])

	for _, flow := range k.order {
		t.Logf("keystrokes: %-40s %d", flow, k.counts[flow])
	}
	for flow, max := range map[string]int{"restore a file": 12, "drill": 4, "planned failover": 8} {
		if k.counts[flow] > max {
			t.Errorf("%s took %d keys, more than %d", flow, k.counts[flow], max)
		}
	}
}

// checkRestoredFile compares the file the flow restored with its source.
func checkRestoredFile(t *testing.T, dir string) {
	t.Helper()
	restored, _ := filepath.Glob(filepath.Join(dir, "restore", "lifeboat-restore-models-*", "ckpt-step-*", "*"))
	if len(restored) != 1 {
		t.Fatalf("restored %v, want one file", restored)
	}
	rel, _ := filepath.Rel(filepath.Dir(filepath.Dir(restored[0])), restored[0])
	want, _ := os.ReadFile(filepath.Join(dir, "data", "models", rel))
	got, _ := os.ReadFile(restored[0])
	if len(want) == 0 || !bytes.Equal(want, got) {
		t.Fatalf("restored %s differs from the source (%d vs %d bytes)", rel, len(got), len(want))
	}
}

// printed are the indented lines of out after the line holding header,
// up to the next line that is not indented, with their comments cut.
func printed(out, header string) []string {
	var cmds []string
	in := false
	for _, line := range strings.Split(out, "\n") {
		switch {
		case strings.Contains(line, header):
			in = true
		case in && strings.HasPrefix(line, "  "):
			for _, cut := range []string{"   #", "   ("} {
				if i := strings.Index(line, cut); i > 0 {
					line = line[:i]
				}
			}
			cmds = append(cmds, strings.TrimSpace(line))
		case in:
			return cmds
		}
	}
	return cmds
}

// runPrinted runs lines in one plain shell, as a person pasting them would
// (no lifeboat on the PATH, env added): the last must be a lifeboat command
// that ran (exit below 3: status grades the demo with its exit code) and
// spoke of the demo's sites.
func runPrinted(t *testing.T, what string, env []string, lines ...string) {
	t.Helper()
	cmd := exec.Command("sh", "-c", strings.Join(lines, "\n"))
	cmd.Env = append([]string{"PATH=/usr/bin:/bin", "HOME=" + os.Getenv("HOME")}, env...)
	res, err := cmd.CombinedOutput()
	code := cmd.ProcessState.ExitCode()
	if code < 0 || code > 2 || !bytes.Contains(res, []byte("dr")) {
		t.Fatalf("%s: %q ran with exit %d (%v):\n%s", what, lines, code, err, res)
	}
	t.Logf("%s ran as printed: %q (exit %d)", what, lines, code)
}

func firstLines(screen string, n int) string {
	lines := strings.SplitN(screen, "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "\n")
}
