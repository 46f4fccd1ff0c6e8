package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

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
			w := newFoWorld(t)
			w.protect(t)
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
