package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lifeboat-dr/lifeboat/internal/testenv"
)

// gatePreHook puts a pre hook first that touches <dir>/hook-running and
// then waits for <dir>/hook-go: the test knows a hook is running, and
// decides when it ends. It returns both paths.
func (w *foWorld) gatePreHook(t *testing.T) (running, release string) {
	t.Helper()
	running, release = filepath.Join(w.dir, "hook-running"), filepath.Join(w.dir, "hook-go")
	cfg, err := os.ReadFile(w.cfg)
	if err != nil {
		t.Fatal(err)
	}
	gate := fmt.Sprintf(`'touch %s; while [ ! -e %s ]; do sleep 0.05; done', `, running, release)
	edited := strings.Replace(string(cfg), "pre: [", "pre: ["+gate, 1)
	if edited == string(cfg) {
		t.Fatal("no pre hooks in the config to gate")
	}
	if err := os.WriteFile(w.cfg, []byte(edited), 0o600); err != nil {
		t.Fatal(err)
	}
	return running, release
}

// startHeldInPreHook starts lifeboat with its pre hook gated and returns
// it once the hook runs; writing hook-go into w.dir lets the hook finish.
func (w *foWorld) startHeldInPreHook(t *testing.T, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	running, _ := w.gatePreHook(t)
	cmd, out := w.start(t, args...)
	waitFor(t, "the pre hook running", out, func() bool { _, err := os.Stat(running); return err == nil })
	return cmd, out
}

// start starts lifeboat as its own process and returns it running.
func (w *foWorld) start(t *testing.T, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"--config", w.cfg, "--state", w.state}, args...)...)
	cmd.Env = append(os.Environ(), "LIFEBOAT_TEST_AS_MAIN=1")
	out := &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start lifeboat: %v", err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd, out
}

// kill9 kills a running lifeboat with SIGKILL and reaps it.
func kill9(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("kill -9 lifeboat: %v", err)
	}
	_ = cmd.Wait()
	if !killedBySIGKILL(cmd.ProcessState) {
		t.Fatalf("lifeboat ended before the kill: %v", cmd.ProcessState)
	}
}

// waitFor polls cond until it holds; the limit only bounds a hung test.
func waitFor(t *testing.T, what string, out *bytes.Buffer, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("%s never happened; lifeboat said:\n%s", what, out)
}

type foReport struct {
	Outcome  string `json:"outcome"`
	Passed   bool   `json:"passed"`
	Attempts int    `json:"attempts"`
	Steps    []struct{ Name, Status string }
}

// resumeCommits resumes the failover and checks that it commits, dr is
// active and the target holds exactly the data, stray files gone.
func (w *foWorld) resumeCommits(t *testing.T) {
	t.Helper()
	code, o, errs := w.run(t, "failover", "--resume", "--confirm", "dr", "--yes", "--json")
	var rep foReport
	if err := json.Unmarshal([]byte(o), &rep); code != 0 || err != nil {
		t.Fatalf("resume: %d %v\n%s\n%s", code, err, o, errs)
	}
	if rep.Outcome != "committed" || !rep.Passed || rep.Attempts != 2 {
		t.Fatalf("resumed report: %+v", rep)
	}
	if a := w.activeSite(t); a != "dr" {
		t.Errorf("active site after the resume: %s", a)
	}
	if got, want := testenv.Tree(t, filepath.Join(w.target, "models")), testenv.Tree(t, filepath.Join(w.dir, "data", "models")); !reflect.DeepEqual(got, want) {
		t.Errorf("the target is not the snapshot:\n got %v\nwant %v", keys(got), keys(want))
	}
	if code, _, errs := w.run(t, "journal", "--verify"); code != 0 {
		t.Errorf("report chain: %d %s", code, errs)
	}
}

func (w *foWorld) activeSite(t *testing.T) string {
	t.Helper()
	_, o, _ := w.run(t, "status", "--json")
	var st struct {
		Active string `json:"active_site"`
	}
	_ = json.Unmarshal([]byte(o), &st)
	return st.Active
}

func keys(m map[string]string) []string {
	var out []string
	for k, v := range m {
		out = append(out, fmt.Sprintf("%s(%d)", k, len(v)))
	}
	return out
}

// strayTarget leaves files at the failover target that the snapshot does
// not hold, and one that differs from it: the restore must end with the
// directory exactly as the snapshot.
func (w *foWorld) strayTarget(t *testing.T) {
	testenv.WriteFiles(t, filepath.Join(w.target, "models"), map[string]string{
		"stray.bin": "not in the snapshot", "old/dir/left.txt": "left over", "models-c.json": "x",
		"c.json": `{"edited": true}`,
	})
}

// An unplanned failover killed with SIGKILL while restic restores into the
// target (restic held up by a frozen standby, so the kill lands mid-restore
// whatever the machine's speed) is resumed and commits, the target exactly
// the snapshot, stray files removed.
func TestFailoverKilledWhileResticRestores(t *testing.T) {
	t.Parallel()
	w := protectedFoWorld(t)
	w.strayTarget(t)
	cmd, out := w.startHeldInPreHook(t, "failover", "--to", "dr", "--unplanned", "--confirm", "dr", "--yes")
	// The standby stops answering: the restore that follows the hooks hangs.
	if err := w.srv.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	testenv.WriteFiles(t, w.dir, map[string]string{"hook-go": ""})
	var restic string
	waitFor(t, "a restic restore under lifeboat", out, func() bool {
		for _, p := range testenv.Descendants(cmd.Process.Pid) {
			if strings.Contains(p.Cmdline, testenv.Restic(t)) && strings.Contains(p.Cmdline, " restore ") {
				restic = p.Cmdline
				return true
			}
		}
		return false
	})
	t.Logf("killing lifeboat while it runs %s", restic)
	kill9(t, cmd)
	if err := w.srv.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	if a := w.activeSite(t); a != "primary" {
		t.Fatalf("active site after a kill mid-restore: %s", a)
	}
	w.resumeCommits(t)
}

// A planned failover killed with SIGKILL while a pre hook runs is resumed
// and commits.
func TestFailoverKilledWhileHookRuns(t *testing.T) {
	t.Parallel()
	w := protectedFoWorld(t)
	w.strayTarget(t)
	cmd, _ := w.startHeldInPreHook(t, "failover", "--to", "dr", "--planned", "--confirm", "dr", "--yes")
	kill9(t, cmd)
	if a := w.activeSite(t); a != "primary" {
		t.Fatalf("active site after a kill in a hook: %s", a)
	}
	// The resumed run runs the hooks again; this time the gate is open.
	testenv.WriteFiles(t, w.dir, map[string]string{"hook-go": ""})
	w.resumeCommits(t)
}

// A failover killed while its hook runs, then aborted: an aborted report,
// the primary still active, the report chain intact.
func TestFailoverKilledThenAborted(t *testing.T) {
	t.Parallel()
	w := protectedFoWorld(t)
	cmd, _ := w.startHeldInPreHook(t, "failover", "--to", "dr", "--unplanned", "--confirm", "dr", "--yes")
	kill9(t, cmd)
	code, o, errs := w.run(t, "failover", "--abort", "--yes", "--json")
	var rep foReport
	if err := json.Unmarshal([]byte(o), &rep); code != 0 || err != nil || rep.Outcome != "aborted" || rep.Passed {
		t.Fatalf("abort after a kill: %d %v %+v\n%s", code, err, rep, errs)
	}
	if a := w.activeSite(t); a != "primary" {
		t.Errorf("active site after the abort: %s", a)
	}
	if code, _, errs := w.run(t, "journal", "--verify"); code != 0 {
		t.Errorf("report chain after the abort: %d %s", code, errs)
	}
	if code, o, _ := w.run(t, "status", "--cached"); strings.Contains(o, "unfinished") {
		t.Errorf("status after the abort still shows an unfinished failover: %d\n%s", code, o)
	}
}

// hookProcesses lists the processes whose environment carries mark: every
// descendant of the hook inherits it.
func hookProcesses(mark string) []string {
	var found []string
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err != nil || !strings.Contains("\x00"+string(env), "\x00HOOKMARK="+mark+"\x00") {
			continue
		}
		stat, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if i := strings.LastIndexByte(string(stat), ')'); i > 0 && i+2 < len(stat) && stat[i+2] == 'Z' {
			continue // ended, waiting to be reaped
		}
		found = append(found, e.Name()+" "+strings.SplitN(string(stat), " ", 3)[1])
	}
	return found
}

// kill -9 of lifeboat while a switch hook runs stops everything the hook
// started, even what left its process group or session: nothing switches
// after the record says nothing switched. Status, --resume and --abort then
// say that the hook may already have acted.
func TestKillDuringSwitchHookStopsTheHook(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, background, then string }{
		{"background", `(sleep 3; touch "$HOOKMARK/switched") &`, "--resume"},
		{"setsid", `setsid sh -c 'sleep 3; touch "$HOOKMARK/switched"' &`, "--abort"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newFoWorld(t)
			mark := t.TempDir()
			// The first run leaves a process that switches 3 s later and
			// waits to be killed; the resumed run's hook does nothing.
			hook := fmt.Sprintf(`if [ ! -e %[1]s/started ]; then export HOOKMARK=%[1]s; %[2]s touch %[1]s/started; sleep 60; fi`, mark, tc.background)
			raw, err := os.ReadFile(w.cfg)
			if err != nil {
				t.Fatal(err)
			}
			old := fmt.Sprintf(`'echo switch $LIFEBOAT_RUN_ID >> %s'`, w.hookLog)
			cfg := strings.Replace(string(raw), old, "'"+strings.ReplaceAll(hook, "'", "''")+"'", 1)
			if cfg == string(raw) {
				t.Fatalf("switch hook not found in\n%s", raw)
			}
			if err := os.WriteFile(w.cfg, []byte(cfg), 0o600); err != nil {
				t.Fatal(err)
			}
			w.protect(t)

			cmd := exec.Command(os.Args[0], "--config", w.cfg, "--state", w.state,
				"failover", "--to", "dr", "--planned", "--confirm", "dr", "--yes")
			cmd.Env = append(os.Environ(), "LIFEBOAT_TEST_AS_MAIN=1")
			var out strings.Builder
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			for {
				if _, err := os.Stat(filepath.Join(mark, "started")); err == nil {
					break
				}
				select {
				case err := <-exited:
					t.Fatalf("lifeboat ended before the switch hook started: %v\n%s", err, out.String())
				case <-time.After(20 * time.Millisecond):
				}
			}
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			<-exited
			time.Sleep(5 * time.Second) // the hook's process would have switched by now
			if _, err := os.Stat(filepath.Join(mark, "switched")); err == nil {
				t.Errorf("the switch hook's process switched after lifeboat was killed")
			}
			if left := hookProcesses(mark); len(left) > 0 {
				t.Errorf("processes of the hook still run after lifeboat was killed: %v", left)
				for _, p := range left {
					var pid int
					fmt.Sscan(p, &pid)
					_ = syscall.Kill(pid, syscall.SIGKILL)
				}
			}

			const want = "switch hooks were running when lifeboat died: traffic may already point at dr"
			_, o, _ := w.run(t, "status", "--json")
			var st struct {
				Problems []struct{ Level, Message string }
			}
			_ = json.Unmarshal([]byte(o), &st)
			found := false
			for _, p := range st.Problems {
				found = found || strings.Contains(p.Message, want) && p.Level == "critical"
			}
			if !found {
				t.Errorf("status does not say the switch hooks were cut short: %+v", st.Problems)
			}
			args := []string{"failover", tc.then, "--yes"}
			if tc.then == "--resume" {
				args = append(args, "--confirm", "dr")
			}
			code, o, errs := w.run(t, args...)
			if code != 0 || !strings.Contains(o, "finding: "+want) {
				t.Errorf("failover %s: %d, its report does not say the switch hooks were cut short:\n%s\n%s", tc.then, code, o, errs)
			}
			if tc.then == "--resume" && !strings.Contains(errs, want) {
				t.Errorf("failover --resume does not warn before it continues:\n%s", errs)
			}
			_, o, _ = w.run(t, "journal", "--json", "--action", "failover")
			if !strings.Contains(o, want) {
				t.Errorf("the journal does not say the switch hooks were cut short:\n%s", o)
			}
		})
	}
}

// A kill while the pre or verify hooks run is reported in their own words.
func TestKillDuringPreAndVerifyHooksIsReported(t *testing.T) {
	t.Parallel()
	for step, want := range map[string]string{
		"pre hooks":     "pre hooks were running when lifeboat died: they may already have acted (e.g. stopped writes at primary)",
		"verify models": "verify hooks of set models may have been running when lifeboat died: they may already have acted on the restored data at dr",
	} {
		t.Run(strings.ReplaceAll(step, " ", "_"), func(t *testing.T) {
			t.Parallel()
			w := protectedFoWorld(t)
			state, out := w.child(t, []string{"LIFEBOAT_FAULT_KILL=" + step},
				"failover", "--to", "dr", "--planned", "--confirm", "dr", "--yes")
			if ws, ok := state.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
				t.Fatalf("lifeboat was not killed at %q: %v\n%s", step, state, out)
			}
			_, o, _ := w.run(t, "status")
			if !strings.Contains(strings.Join(strings.Fields(o), " "), want) {
				t.Errorf("status does not say %q:\n%s", want, o)
			}
			code, o, errs := w.run(t, "failover", "--abort")
			if code == 0 || !strings.Contains(errs, want) {
				// Without --yes and a terminal, abort shows the run and refuses.
				t.Errorf("failover --abort without --yes: %d, does not warn %q:\n%s\n%s", code, want, o, errs)
			}
		})
	}
}

// A failover killed mid-run is "interrupted" in status, never "running";
// resumed, its report and the journal give the real size of what is in
// place, though the resumed restore found every file already there.
func TestKilledFailoverIsInterruptedAndResumedCountsAreReal(t *testing.T) {
	t.Parallel()
	w := protectedFoWorld(t)
	state, out := w.child(t, []string{"LIFEBOAT_FAULT_KILL=restore models"},
		"failover", "--to", "dr", "--planned", "--confirm", "dr", "--yes")
	if ws, ok := state.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("lifeboat was not killed: %v\n%s", state, out)
	}
	_, o, _ := w.run(t, "status", "--json")
	var st struct {
		LastFailover *struct{ Outcome string } `json:"last_failover"`
		Problems     []struct{ Message string }
	}
	if err := json.Unmarshal([]byte(o), &st); err != nil {
		t.Fatalf("status: %v\n%s", err, o)
	}
	if st.LastFailover == nil || st.LastFailover.Outcome != "interrupted" {
		t.Fatalf("status after a killed failover: last_failover %+v\n%s", st.LastFailover, o)
	}
	var said bool
	for _, p := range st.Problems {
		said = said || strings.Contains(p.Message, "interrupted")
		if strings.Contains(p.Message, "(running)") {
			t.Errorf("problem calls the dead failover running: %s", p.Message)
		}
	}
	if !said {
		t.Errorf("no problem says the failover was interrupted: %+v", st.Problems)
	}
	if _, human, _ := w.run(t, "status"); strings.Contains(human, " running,") || !strings.Contains(human, "interrupted") {
		t.Errorf("status table:\n%s", human)
	}

	code, o, errs := w.run(t, "failover", "--resume", "--confirm", "dr", "--yes", "--json")
	if code != 0 {
		t.Fatalf("resume: %d\n%s\n%s", code, o, errs)
	}
	var rep struct {
		Sets []struct {
			Files, Bytes, VerifiedFiles uint64
		} `json:"sets"`
	}
	if err := json.Unmarshal([]byte(o), &rep); err != nil {
		t.Fatalf("report: %v\n%s", err, o)
	}
	// models: a.bin (20000 bytes), sub/b.bin, c.json: 3 regular files.
	if len(rep.Sets) != 1 || rep.Sets[0].Files != 3 || rep.Sets[0].Bytes != 20005 {
		t.Fatalf("resumed failover reports %+v, the target holds 3 files of 20005 bytes", rep.Sets)
	}
	_, o, _ = w.run(t, "journal", "--json", "--action", "failover")
	var j []journalLine
	_ = json.Unmarshal([]byte(o), &j)
	for _, e := range j {
		if strings.HasPrefix(e.Detail, "committed") {
			if !strings.Contains(e.Detail, "models 3 files") {
				t.Errorf("journal of the commit does not give the dialog's numbers: %s", e.Detail)
			}
			return
		}
	}
	t.Errorf("no commit in the journal:\n%s", o)
}

// The process running a failover is killed with SIGKILL at every step,
// right after the step's work and before its end is stored; `failover
// --resume` then finishes the job. The end state is the same every time
// and the journal tells the story: started, interrupted, resumed,
// committed.
func TestFailoverResumesAfterKillAtEveryStep(t *testing.T) {
	t.Parallel()
	steps := []string{"preflight", "final backup at primary", "replicate to dr", "recovery point", "confirm", "pre hooks",
		"restore models", "verify models", "switch hooks", "commit"}
	for _, step := range steps {
		t.Run(strings.ReplaceAll(step, " ", "_"), func(t *testing.T) {
			t.Parallel()
			w := protectedFoWorld(t)
			state, out := w.child(t, []string{"LIFEBOAT_FAULT_KILL=failover:" + step},
				"failover", "--to", "dr", "--planned", "--confirm", "dr", "--yes")
			ws, ok := state.Sys().(syscall.WaitStatus)
			if !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
				t.Fatalf("lifeboat was not killed at %q: %v\n%s", step, state, out)
			}
			code, o, errs := w.run(t, "status", "--json")
			var st map[string]any
			_ = json.Unmarshal([]byte(o), &st)
			if st["active_site"] != "primary" && step != "commit" {
				t.Fatalf("after a kill at %q the active site is %v (%d %s)", step, st["active_site"], code, errs)
			}

			code, o, errs = w.run(t, "failover", "--resume", "--confirm", "dr", "--yes", "--json")
			if code != 0 {
				t.Fatalf("resume after a kill at %q: %d\n%s\n%s", step, code, o, errs)
			}
			var rep struct {
				Outcome  string `json:"outcome"`
				Passed   bool   `json:"passed"`
				Attempts int    `json:"attempts"`
				Sets     []struct {
					Verified bool `json:"verified"`
				} `json:"sets"`
				Steps []struct{ Name, Status string } `json:"steps"`
			}
			if err := json.Unmarshal([]byte(o), &rep); err != nil {
				t.Fatalf("report: %v\n%s", err, o)
			}
			if rep.Outcome != "committed" || !rep.Passed || rep.Attempts != 2 || len(rep.Sets) != 1 || !rep.Sets[0].Verified {
				t.Fatalf("report after a kill at %q: %+v", step, rep)
			}
			for _, s := range rep.Steps {
				if s.Status != "ok" {
					t.Errorf("step %s: %s", s.Name, s.Status)
				}
			}
			_, o, _ = w.run(t, "status", "--json")
			st = nil
			_ = json.Unmarshal([]byte(o), &st)
			if st["active_site"] != "dr" {
				t.Errorf("active site after the resume: %v", st["active_site"])
			}
			if got, want := testenv.Tree(t, filepath.Join(w.target, "models")), testenv.Tree(t, filepath.Join(w.dir, "data", "models")); !reflect.DeepEqual(got, want) {
				t.Errorf("target holds %d files, the data %d", len(got), len(want))
			}
			hooks, _ := os.ReadFile(w.hookLog)
			for _, kind := range []string{"pre ", "verify ", "switch "} {
				if !strings.Contains(string(hooks), kind) {
					t.Errorf("the %shook never ran:\n%s", kind, hooks)
				}
			}

			_, o, _ = w.run(t, "journal", "--json", "--action", "failover")
			var j []journalLine
			_ = json.Unmarshal([]byte(o), &j)
			var story []string
			for i := len(j) - 1; i >= 0; i-- { // the journal lists newest first
				e := j[i]
				switch {
				case strings.HasPrefix(e.Detail, "started:"):
					story = append(story, "started")
				case e.Outcome == "interrupted":
					story = append(story, "interrupted")
				case strings.HasPrefix(e.Detail, "resumed at step "+fmt.Sprintf("%q", step)):
					story = append(story, "resumed")
				case strings.HasPrefix(e.Detail, "committed"):
					story = append(story, "committed")
				}
			}
			if !containsInOrder(story, "started", "interrupted", "resumed", "committed") {
				t.Errorf("journal story after a kill at %q: %v\n%s", step, story, o)
			}
			if code, _, errs := w.run(t, "journal", "--verify"); code != 0 {
				t.Errorf("report chain: %d %s", code, errs)
			}
		})
	}
}

func containsInOrder(have []string, want ...string) bool {
	i := 0
	for _, h := range have {
		if i < len(want) && h == want[i] {
			i++
		}
	}
	return i == len(want)
}
