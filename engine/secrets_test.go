package engine_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-dr/lifeboat/engine"
	"github.com/lifeboat-dr/lifeboat/engine/config"
	"github.com/lifeboat-dr/lifeboat/engine/monitor"
	"github.com/lifeboat-dr/lifeboat/internal/testenv"
)

// While restic copies from a site whose password comes from
// password_command and whose backend credential is a ${VAR} in its env
// (the copy source: RESTIC_FROM_*), no process this test started — restic,
// the password command, anything under them — carries the password or the
// credential in its argv; nor do the journal or the events. The password
// command waits for the test, so the sample is taken while it runs.
func TestCopySourceSecretsNeverInArgv(t *testing.T) {
	const credential = "s3-Secret-Value-7Hq2-never-shown"
	t.Setenv("LIFEBOAT_TEST_S3_SECRET", credential) // no t.Parallel: the environment is the process's
	f := newFixture(t, "")
	running, release := filepath.Join(f.dir, "pwcmd-running"), filepath.Join(f.dir, "pwcmd-go")
	old := "    password_file: " + f.pwFile + "\n    role: active\n"
	// Only under restic copy does the command wait: listings, init and
	// backups run it too.
	gate := filepath.Join(f.dir, "pwcmd.sh")
	testenv.WriteFiles(t, f.dir, map[string]string{"pwcmd.sh": fmt.Sprintf(`if tr '\0' ' ' </proc/$PPID/cmdline | grep -q ' copy '; then
  touch %s
  while [ ! -e %s ]; do sleep 0.05; done
fi
cat %s
`, running, release, f.pwFile)})
	cmd := "sh " + gate
	f.editConfig(func(cfg string) string {
		edited := strings.Replace(cfg, old, "    password_command: \""+cmd+"\"\n"+
			"    env: {AWS_SECRET_ACCESS_KEY: \"${LIFEBOAT_TEST_S3_SECRET}\"}\n    role: active\n", 1)
		if edited == cfg {
			t.Fatal("the fixture's primary has no password_file to replace")
		}
		return edited
	})
	f.open()
	f.init()
	ctx := context.Background()
	if _, err := f.eng.Backup(ctx, engine.BackupRequest{Sets: []string{"serving"}}, nil); err != nil {
		t.Fatal(err)
	}

	var events []string
	done := make(chan error, 1)
	go func() {
		_, err := f.eng.Replicate(ctx, engine.ReplicateRequest{Sets: []string{"serving"}}, func(e engine.Event) {
			events = append(events, e.Message)
		})
		done <- err
	}()
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(20 * time.Millisecond) {
		if _, err := os.Stat(running); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the password command never ran")
		}
	}
	procs := testenv.Descendants(os.Getpid())
	var sawCopy, sawCommand bool
	for _, p := range procs {
		sawCopy = sawCopy || strings.Contains(p.Cmdline, " copy")
		sawCommand = sawCommand || strings.Contains(p.Cmdline, gate)
		for _, s := range []string{fixturePassword, credential} {
			if strings.Contains(p.Cmdline, s) {
				t.Errorf("a secret in the argv of pid %d: %q", p.PID, p.Cmdline)
			}
		}
	}
	testenv.WriteFiles(t, f.dir, map[string]string{"pwcmd-go": ""})
	if err := <-done; err != nil {
		t.Fatalf("replicate: %v", err)
	}
	if !sawCopy || !sawCommand {
		t.Fatalf("the sample missed restic copy (%v) or the password command (%v), it proves nothing: %v", sawCopy, sawCommand, procs)
	}
	all := strings.Join(events, "\n")
	for _, j := range f.journal() {
		all += "\n" + j.Args + " " + j.Detail
	}
	for _, s := range []string{fixturePassword, credential} {
		if strings.Contains(all, s) {
			t.Errorf("a secret in the journal or the events:\n%s", all)
		}
	}
}

// Hooks, command probes and alert commands see the allowlisted part of
// lifeboat's environment and their LIFEBOAT_* variables, never a site's
// password_env nor a variable a site's env reads through ${VAR}, even an
// allowlisted one.
func TestOperatorCommandsGetNoCredentials(t *testing.T) {
	out := t.TempDir()
	f := newFixture(t, fmt.Sprintf("drills: {verify: ['env > %[1]s/hook.env']}\nalerts: [{command: 'env > %[1]s/alert.env'}]\n", out))
	f.init()
	f.replicated("models")
	t.Setenv("LB_TEST_REPO_PW", fixturePassword)
	t.Setenv("SSH_AUTH_SOCK", "/run/s3cret-sock") // allowlisted, but a credential source here
	t.Setenv("LB_TEST_UNLISTED", "s3cret-unlisted")
	f.editConfig(func(raw string) string {
		yaml := strings.Replace(raw, "password_file: "+f.pwFile+"\n    role: active",
			"password_env: LB_TEST_REPO_PW\n    role: active", 1)
		yaml = strings.Replace(yaml, "role: standby", fmt.Sprintf("role: standby\n    env: {LB_TEST_AGENT: \"${SSH_AUTH_SOCK}\"}\n    probes: [{command: 'env > %s/probe.env'}]", out), 1)
		if yaml == raw || !strings.Contains(yaml, "password_env") {
			t.Fatalf("the fixture's config changed shape:\n%s", raw)
		}
		return yaml
	})
	cfg, err := config.Load(f.cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(context.Background(), cfg, f.store, engine.Options{ResticBinary: testenv.Restic(t)})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if rep, err := eng.Drill(ctx, engine.DrillRequest{Site: "dr", Sets: []string{"models"}}, nil); err != nil || !rep.Passed {
		t.Fatalf("drill: %v %+v", err, rep)
	}
	if r := eng.ProbeServices(ctx, "dr"); len(r) != 1 || !r[0].OK {
		t.Fatalf("probe: %+v", r)
	}
	if d := monitor.Notify(ctx, eng, config.AlertFailoverStarted, "dr", "", "test"); len(d) != 1 || d[0].Error != "" {
		t.Fatalf("alert: %+v", d)
	}
	for name, want := range map[string]string{"hook": "LIFEBOAT_RUN_ID=", "probe": "", "alert": "LIFEBOAT_EVENT=failover_started"} {
		raw, err := os.ReadFile(filepath.Join(out, name+".env"))
		if err != nil {
			t.Fatalf("the %s command did not run: %v", name, err)
		}
		env := string(raw)
		for _, secret := range []string{fixturePassword, "LB_TEST_REPO_PW", "s3cret", "SSH_AUTH_SOCK"} {
			if strings.Contains(env, secret) {
				t.Errorf("the %s command saw %q:\n%s", name, secret, env)
			}
		}
		if !strings.Contains(env, "\nPATH=") && !strings.HasPrefix(env, "PATH=") || !strings.Contains(env, want) {
			t.Errorf("the %s command's environment lacks PATH or %q:\n%s", name, want, env)
		}
	}
}
