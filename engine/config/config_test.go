package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestRelativePaths(t *testing.T) {
	dir := t.TempDir()
	cfgDir := filepath.Join(dir, "etc", "lifeboat")
	home, _ := os.UserHomeDir()
	y := lines(
		"sites:",
		"  - name: a",
		"    repository: repos/a",
		"    password_file: secrets/a.pass",
		"    role: active",
		"    probes:",
		"      - disk: {path: ../restore}",
		"  - name: b",
		"    repository: sftp:backup@b:/srv/restic",
		"    password_command: ./get-pass b",
		"  - name: c",
		"    repository: local:repos/c",
		"    password_env: PW",
		"  - name: d",
		"    repository: /abs/repo",
		"    password_file: ~/d.pass",
		"  - name: e",
		"    repository: rest:http://host:8000/e",
		"    password_env: PW",
		"sets:",
		"  - name: s",
		"    paths: [/data]",
		"failover: {target: restore}",
		"drills: {scratch: scratch}",
		"restic: {binary: bin/restic, cache_dir: cache}",
	)
	path := filepath.Join(cfgDir, "lifeboat.yaml")
	writeFile(t, path, y)
	t.Chdir(dir) // resolution must not depend on the working directory

	for _, p := range []string{path, filepath.Join("etc", "lifeboat", "lifeboat.yaml")} {
		c, err := Load(p)
		if err != nil {
			t.Fatal(err)
		}
		if c.Path != path {
			t.Errorf("Path = %q, want %q", c.Path, path)
		}
		for _, tc := range []struct{ name, got, want string }{
			{"a.repository", c.Sites[0].Repository, filepath.Join(cfgDir, "repos/a")},
			{"a.password_file", c.Sites[0].PasswordFile, filepath.Join(cfgDir, "secrets/a.pass")},
			{"a.probes[0].disk.path", c.Sites[0].Probes[0].Disk.Path, filepath.Join(dir, "etc", "restore")},
			{"b.repository", c.Sites[1].Repository, "sftp:backup@b:/srv/restic"},
			{"b.password_command", c.Sites[1].PasswordCommand, "./get-pass b"},
			{"c.repository", c.Sites[2].Repository, "local:" + filepath.Join(cfgDir, "repos/c")},
			{"d.repository", c.Sites[3].Repository, "/abs/repo"},
			{"d.password_file", c.Sites[3].PasswordFile, filepath.Join(home, "d.pass")},
			{"e.repository", c.Sites[4].Repository, "rest:http://host:8000/e"},
			{"failover.target", c.Failover.Target, filepath.Join(cfgDir, "restore")},
			{"drills.scratch", c.Drills.Scratch, filepath.Join(cfgDir, "scratch")},
			{"restic.binary", c.Restic.Binary, filepath.Join(cfgDir, "bin/restic")},
			{"restic.cache_dir", c.Restic.CacheDir, filepath.Join(cfgDir, "cache")},
		} {
			if tc.got != tc.want {
				t.Errorf("%s: %s = %q, want %q", p, tc.name, tc.got, tc.want)
			}
		}
	}

	// a bare binary name is left for $PATH
	writeFile(t, path, strings.Replace(y, "binary: bin/restic", "binary: restic", 1))
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.Restic.Binary != "restic" {
		t.Errorf("restic.binary = %q, want it left as restic", c.Restic.Binary)
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := Load(filepath.Join(dir, "missing.yaml")); err == nil || !os.IsNotExist(unwrapAll(err)) {
		t.Errorf("missing file: %v", err)
	}
	p := filepath.Join(dir, "empty.yaml")
	writeFile(t, p, "\n\n")
	if _, err := Load(p); err == nil || err.Error() != p+": file is empty" {
		t.Errorf("empty file: %v", err)
	}
}

func unwrapAll(err error) error {
	for {
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return err
		}
		err = u.Unwrap()
	}
}

func TestFind(t *testing.T) {
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	work := filepath.Join(dir, "work")
	xdg := filepath.Join(dir, "xdg")
	for _, d := range []string{home, work, xdg} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", "")
	t.Setenv("LIFEBOAT_CONFIG", "")
	t.Chdir(work)

	// nothing anywhere: the error lists the places looked
	_, err := Find("")
	if err == nil {
		t.Fatal("Find found something in an empty world")
	}
	for _, want := range []string{"--config", "$LIFEBOAT_CONFIG", filepath.Join(work, "lifeboat.yaml"), filepath.Join(home, ".config", "lifeboat", "lifeboat.yaml")} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}

	// ~/.config
	homeCfg := filepath.Join(home, ".config", "lifeboat", "lifeboat.yaml")
	writeFile(t, homeCfg, base)
	if got, err := Find(""); err != nil || got != homeCfg {
		t.Errorf("Find = %q, %v; want %q", got, err, homeCfg)
	}
	// $XDG_CONFIG_HOME replaces ~/.config
	t.Setenv("XDG_CONFIG_HOME", xdg)
	if _, err := Find(""); err == nil || !strings.Contains(err.Error(), filepath.Join(xdg, "lifeboat", "lifeboat.yaml")) {
		t.Errorf("with XDG_CONFIG_HOME and no file there: %v", err)
	}
	xdgCfg := filepath.Join(xdg, "lifeboat", "lifeboat.yaml")
	writeFile(t, xdgCfg, base)
	if got, err := Find(""); err != nil || got != xdgCfg {
		t.Errorf("Find = %q, %v; want %q", got, err, xdgCfg)
	}
	// ./lifeboat.yaml beats XDG
	cwdCfg := filepath.Join(work, "lifeboat.yaml")
	writeFile(t, cwdCfg, base)
	if got, err := Find(""); err != nil || got != cwdCfg {
		t.Errorf("Find = %q, %v; want %q", got, err, cwdCfg)
	}
	// $LIFEBOAT_CONFIG beats ./lifeboat.yaml
	envCfg := filepath.Join(dir, "env.yaml")
	writeFile(t, envCfg, base)
	t.Setenv("LIFEBOAT_CONFIG", envCfg)
	if got, err := Find(""); err != nil || got != envCfg {
		t.Errorf("Find = %q, %v; want %q", got, err, envCfg)
	}
	// the flag beats everything
	flagCfg := filepath.Join(dir, "flag.yaml")
	writeFile(t, flagCfg, base)
	if got, err := Find(flagCfg); err != nil || got != flagCfg {
		t.Errorf("Find = %q, %v; want %q", got, err, flagCfg)
	}
	// an explicit path that does not exist is an error, not a reason to look elsewhere
	if _, err := Find(filepath.Join(dir, "nope.yaml")); err == nil || !strings.Contains(err.Error(), "--config") {
		t.Errorf("missing --config file: %v", err)
	}
	t.Setenv("LIFEBOAT_CONFIG", filepath.Join(dir, "nope.yaml"))
	if _, err := Find(""); err == nil || !strings.Contains(err.Error(), "$LIFEBOAT_CONFIG") {
		t.Errorf("missing $LIFEBOAT_CONFIG file: %v", err)
	}
	if _, err := Find(dir); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("--config naming a directory: %v", err)
	}
}

func TestRecoveryHash(t *testing.T) {
	load := func(y string) string {
		t.Helper()
		c, err := Parse([]byte(y), "f.yaml")
		if err != nil {
			t.Fatal(err)
		}
		return c.RecoveryHash()
	}
	example, err := os.ReadFile("testdata/lifeboat.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	y := string(example)
	h := load(y)
	if len(h) != 64 {
		t.Fatalf("hash %q", h)
	}
	if load(y) != h {
		t.Error("hash is not stable")
	}
	same := map[string]string{
		"a probe changes":      strings.Replace(y, "tcp: 10.0.0.5:5432", "tcp: 10.0.0.6:5432", 1),
		"an alert changes":     strings.Replace(y, "slack://token@channel", "slack://other@channel", 1),
		"the schedule changes": strings.Replace(y, `backup: "@hourly"`, `backup: "@daily"`, 1),
		"a comment changes":    strings.Replace(y, "# optional override", "# tighter", 1),
		"a default is spelled": strings.Replace(y, "  keep: false", "  keep: false\n  subsets: 10", 1),
	}
	for what, v := range same {
		if load(v) != h {
			t.Errorf("hash changed when %s", what)
		}
	}
	differ := map[string]string{
		"a set's paths change":  strings.Replace(y, "paths: [/data/models]", "paths: [/data/models, /data/ckpt]", 1),
		"a repository changes":  strings.Replace(y, "/srv/restic/primary", "/srv/restic/primary2", 1),
		"an objective changes":  strings.Replace(y, "rto: 30m", "rto: 45m", 1),
		"the failover target":   strings.Replace(y, "target: /srv/restore", "target: /srv/restore2", 1),
		"a drill verify hook":   strings.Replace(y, "verify: []                          #", "verify: [/bin/true]  #", 1),
		"a set's retention":     strings.Replace(y, "keep_last: 10", "keep_last: 11", 1),
		"a site's initial role": strings.Replace(strings.Replace(y, "role: active", "role: standby", 1), "role: standby\n\nsets", "role: active\n\nsets", 1),
		"a site's env":          strings.Replace(y, "env: {}", "env: {AWS_REGION: eu-west-1}", 1),
	}
	for what, v := range differ {
		if v == y {
			t.Fatalf("test edit for %q did not apply", what)
		}
		if load(v) == h {
			t.Errorf("hash did not change when %s", what)
		}
	}
}

func TestExpandedEnv(t *testing.T) {
	t.Setenv("LB_TEST_ID", "AKIA123")
	t.Setenv("LB_TEST_EMPTY", "")
	s := Site{Name: "dr", Env: map[string]string{
		"AWS_ACCESS_KEY_ID": "${LB_TEST_ID}",
		"MIXED":             "pre-${LB_TEST_ID}-post",
		"EMPTY":             "${LB_TEST_EMPTY}",
		"LITERAL":           "pa$$word $x $${NOT_A_VAR}",
	}}
	got, err := s.ExpandedEnv()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"AWS_ACCESS_KEY_ID": "AKIA123",
		"MIXED":             "pre-AKIA123-post",
		"EMPTY":             "",
		"LITERAL":           "pa$$word $x ${NOT_A_VAR}",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}

	s.Env["AWS_SECRET_ACCESS_KEY"] = "secret-literal-${LB_TEST_UNSET_VAR}"
	_, err = s.ExpandedEnv()
	if err == nil {
		t.Fatal("no error for an unset variable")
	}
	for _, want := range []string{`"dr"`, "AWS_SECRET_ACCESS_KEY", "LB_TEST_UNSET_VAR", "not set"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
	if strings.Contains(err.Error(), "secret-literal") || strings.Contains(err.Error(), "AKIA123") {
		t.Errorf("error %q shows a value", err)
	}

	if env, err := (&Site{Name: "x"}).ExpandedEnv(); err != nil || env == nil || len(env) != 0 {
		t.Errorf("empty env = %v, %v", env, err)
	}
}
