package engine_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lifeboat-dr/lifeboat/engine"
	"github.com/lifeboat-dr/lifeboat/engine/config"
	"github.com/lifeboat-dr/lifeboat/engine/monitor"
	"github.com/lifeboat-dr/lifeboat/internal/testenv"
)

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
	raw, err := os.ReadFile(f.cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	yaml := strings.Replace(string(raw), "password_file: "+f.pwFile+"\n    role: active",
		"password_env: LB_TEST_REPO_PW\n    role: active", 1)
	yaml = strings.Replace(yaml, "role: standby", fmt.Sprintf("role: standby\n    env: {LB_TEST_AGENT: \"${SSH_AUTH_SOCK}\"}\n    probes: [{command: 'env > %s/probe.env'}]", out), 1)
	if yaml == string(raw) || !strings.Contains(yaml, "password_env") {
		t.Fatalf("the fixture's config changed shape:\n%s", raw)
	}
	if err := os.WriteFile(f.cfgPath, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
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
