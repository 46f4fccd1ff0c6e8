package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// base is a minimal valid config; cases below replace parts of it.
const base = `sites:
  - name: a
    repository: /r/a
    password_file: /p
    role: active
sets:
  - name: s
    paths: [/data]
`

func lines(ls ...string) string { return strings.Join(ls, "\n") + "\n" }

func TestParseErrors(t *testing.T) {
	cases := []struct {
		name, yaml string
		pos        string // "line:col"
		key        string // key path the error names ("" = none)
		msg        string // substring of the message
	}{
		{"empty", "", "", "", "file is empty"},
		{"only comments", "# nothing\n\n", "", "", "file is empty"},
		{"null document", "~\n", "1:1", "", "file is empty"},
		{"top-level list", "- a\n", "1:1", "", "expected a mapping"},
		{"second document", base + "---\nsites: []\n", "10:1", "", "second YAML document"},
		{"syntax error", lines("sites:", "  - name: a", "    repository: x", "   bad: 1"), "4:4", "", "syntax error"},
		{"syntax unclosed flow", lines("sets:", "  - name: s", "    paths: [/a, /b", "sites: []"), "3:5", "", "syntax error: did not find expected ',' or ']'"},
		{"syntax tab", lines("sites:", "\t- name: a"), "2:1", "", "syntax error"},
		{"unknown alias", lines("sites: *nope"), "1:8", "", "unknown anchor 'nope'"},
		{"control character", "sites: \x01\n", "1:8", "", "control characters"},

		{"unknown top-level key", base + "bogus: 1\n", "9:1", "bogus", "unknown key (valid here: objectives, sites"},
		{"unknown key typo", lines("sites:", "  - name: a", "    repository: /r", "    pasword_file: /p"), "4:5", "sites[0].pasword_file", `did you mean "password_file"`},
		{"duplicate key", lines("sites:", "  - name: a", "    name: b"), "3:5", "sites[0].name", "duplicate key (first at line 2)"},
		{"duplicate top-level key", base + "sets: []\n", "9:1", "sets", "duplicate key (first at line 6)"},
		{"list where mapping belongs", lines("objectives: [1h]"), "1:13", "objectives", "expected a mapping, got a list"},
		{"mapping where list belongs", lines("sites: {name: a}"), "1:8", "sites", "expected a list, got a mapping"},
		{"scalar where list belongs", lines("sets:", "  - name: s", "    paths: /data"), "3:12", "sets[0].paths", `expected a list, got "/data"`},
		{"list where string belongs", lines("sites:", "  - name: [a]"), "2:11", "sites[0].name", "expected a string, got a list"},
		{"mapping key not a name", lines("sites:", "  - {[a]: 1}"), "2:6", "sites[0]", "a key must be a plain name"},
		{"duration without unit", lines("objectives:", "  rpo: 10"), "2:8", "objectives.rpo", "missing unit"},
		{"negative duration", lines("objectives:", "  rto: -1h"), "2:8", "objectives.rto", "must not be negative"},
		{"bad duration unit", lines("objectives:", "  drill_every: 3w"), "2:16", "objectives.drill_every", `unknown unit "w"`},
		{"bad bool", base + lines("drills:", "  keep: maybe"), "10:9", "drills.keep", "expected true or false"},
		{"bad int", lines("sets:", "  - name: s", "    retention: {keep_last: ten}"), "3:28", "sets[0].retention.keep_last", "expected a whole number"},
		{"bad size", lines("sites:", "  - probes:", "      - disk: {path: /x, min_free: 5XB}"), "3:36", "sites[0].probes[0].disk.min_free", `unknown unit "XB"`},
		{"negative size", lines("sites:", "  - probes:", "      - disk: {path: /x, min_free: -5GB}"), "3:36", "sites[0].probes[0].disk.min_free", "must not be negative"},
		{"unknown probe kind", lines("sites:", "  - probes:", "      - ping: x"), "3:9", "sites[0].probes[0].ping", `unknown probe kind "ping" (want http, tcp, command or disk)`},

		{"zero rpo", base + lines("objectives:", "  rpo: 0s"), "10:8", "objectives.rpo", "must be greater than zero"},
		{"zero hook timeout", base + lines("failover:", "  hooks: {timeout: 0s}"), "10:20", "failover.hooks.timeout", "must be greater than zero"},
		{"bad drill hook timeout", base + lines("drills:", "  hook_timeout: soon"), "10:17", "drills.hook_timeout", ""},
		{"bad site name", strings.Replace(base, "name: a", "name: Primary", 1), "2:11", "sites[0].name", `invalid site name "Primary"`},
		{"site name leading dash", strings.Replace(base, "name: a", "name: -a", 1), "2:11", "sites[0].name", "invalid site name"},
		{"missing site name", strings.Replace(base, "  - name: a\n    repository", "  - repository", 1), "2:5", "sites[0]", "name is required"},
		{"no active site", strings.Replace(base, "role: active", "role: standby", 1), "2:3", "sites", "exactly one site must be active"},
		{"two active sites", strings.Replace(base, "sets:", lines("  - name: b", "    repository: /r/b", "    password_env: B", "    role: active")+"sets:", 1), "9:11", "sites[1].role", `only one site may be active; sites[0] ("a", line 5) is already active`},
		{"bad role", strings.Replace(base, "role: active", "role: primary", 1), "5:11", "sites[0].role", `role must be active or standby, got "primary"`},
		{"missing repository", strings.Replace(base, "    repository: /r/a\n", "", 1), "2:5", "sites[0]", "repository is required"},
		{"empty repository", strings.Replace(base, "repository: /r/a", `repository: ""`, 1), "3:17", "sites[0].repository", "must not be empty"},
		{"no password", strings.Replace(base, "    password_file: /p\n", "", 1), "2:5", "sites[0]", "one of password_file, password_command, password_env is required"},
		{"two passwords", strings.Replace(base, "    role: active\n", "    role: active\n    password_env: PW\n", 1), "6:5", "sites[0].password_env", "only one of password_file, password_command, password_env may be set"},
		{"two passwords, second first", strings.Replace(base, "    repository: /r/a\n", "    password_command: pass x\n    repository: /r/a\n", 1), "5:5", "sites[0].password_file", "only one of"},
		{"bad password_env", strings.Replace(base, "password_file: /p", "password_env: 1PW", 1), "4:19", "sites[0].password_env", "not an environment variable name"},
		{"no sites", lines("sets:", "  - name: s", "    paths: [/data]"), "1:1", "sites", "at least one site is required"},
		{"empty sites", "sites: []\n" + base[strings.Index(base, "sets:"):], "1:8", "sites", "at least one site is required"},
		{"no sets", base[:strings.Index(base, "sets:")], "1:1", "sets", "at least one set is required"},
		{"set without paths", strings.Replace(base, "    paths: [/data]\n", "", 1), "7:5", "sets[0].paths", "at least one path is required"},
		{"set with empty paths", strings.Replace(base, "paths: [/data]", "paths: []", 1), "8:12", "sets[0].paths", "at least one path is required"},
		{"relative set path", strings.Replace(base, "paths: [/data]", "paths: [/data, data/models]", 1), "8:20", "sets[0].paths[1]", `path "data/models" is not absolute`},
		{"bad set name", strings.Replace(base, "name: s", "name: my_set", 1), "7:11", "sets[0].name", `invalid set name "my_set"`},
		{"duplicate set name", base + lines("  - name: s", "    paths: [/x]"), "9:11", "sets[1].name", `duplicate set name "s" (first at sets[0], line 7)`},
		{"zero set rpo", base + "    rpo: 0m\n", "9:10", "sets[0].rpo", "must be greater than zero"},
		{"negative retention", base + "    retention: {keep_last: 3, keep_daily: -1}\n", "9:43", "sets[0].retention.keep_daily", "must not be negative"},
		{"empty retention", base + "    retention: {}\n", "9:16", "sets[0].retention", "at least one rule"},
		{"zero retention", base + "    retention: {keep_last: 0}\n", "9:16", "sets[0].retention", "at least one rule"},

		{"probe with two kinds", strings.Replace(base, "    role: active\n", "    role: active\n    probes:\n      - http: http://x/\n        tcp: x:1\n", 1), "8:9", "sites[0].probes[0].tcp", "exactly one of http, tcp, command or disk"},
		{"probe without kind", strings.Replace(base, "    role: active\n", "    role: active\n    probes:\n      - {}\n", 1), "7:9", "sites[0].probes[0]", "a probe needs one of http, tcp, command or disk"},
		{"disk probe without path", strings.Replace(base, "    role: active\n", "    role: active\n    probes:\n      - disk: {min_free: 1GiB}\n", 1), "7:15", "sites[0].probes[0].disk", "needs a path"},
		{"disk probe null", strings.Replace(base, "    role: active\n", "    role: active\n    probes:\n      - disk:\n", 1), "7:9", "sites[0].probes[0].disk", "needs a path"},
		{"http probe not a URL", strings.Replace(base, "    role: active\n", "    role: active\n    probes:\n      - http: api.example/healthz\n", 1), "7:15", "sites[0].probes[0].http", "want an http:// or https:// URL"},
		{"tcp probe without port", strings.Replace(base, "    role: active\n", "    role: active\n    probes:\n      - tcp: db.example\n", 1), "7:14", "sites[0].probes[0].tcp", "want host:port"},

		{"alert with two targets", base + lines("alerts:", "  - url: slack://t@c", "    command: /bin/page"), "11:5", "alerts[0].command", "exactly one of url, webhook or command"},
		{"alert without target", base + lines("alerts:", "  - on: [site_down]"), "10:5", "alerts[0]", "an alert needs one of url, webhook or command"},
		{"alert unknown event", base + lines("alerts:", "  - command: /bin/page", "    on: [site_down, site_exploded]"), "11:21", "alerts[0].on[1]", `unknown event "site_exploded"`},
		{"webhook not http", base + lines("alerts:", "  - webhook: ftp://x/"), "10:14", "alerts[0].webhook", "want an http:// or https:// URL"},

		{"empty schedule", base + lines("schedule:", `  backup: ""`), "10:11", "schedule.backup", "must not be empty"},
		{"blank schedule", base + lines("schedule:", `  check: "   "`), "10:10", "schedule.check", "must not be empty"},
		{"null schedule", base + lines("schedule:", `  drill:`), "10:9", "schedule.drill", "must not be empty"},
		{"subsets 1", base + lines("drills:", "  subsets: 1"), "10:12", "drills.subsets", "between 2 and 1000"},
		{"subsets too many", base + lines("drills:", "  subsets: 1001"), "10:12", "drills.subsets", "between 2 and 1000"},
		{"empty hook", base + lines("failover:", "  hooks:", `    switch: ["/bin/switch", ""]`), "11:29", "failover.hooks.switch[1]", "a hook must not be empty"},
		{"env bad reference", strings.Replace(base, "    role: active\n", "    role: active\n    env: {AWS_KEY: \"${AWS_KEY\"}\n", 1), "6:20", "sites[0].env.AWS_KEY", "unterminated ${"},
		{"env bad key", strings.Replace(base, "    role: active\n", "    role: active\n    env: {AWS-KEY: x}\n", 1), "6:11", "sites[0].env.AWS-KEY", "not an environment variable name"},
		{"env list", strings.Replace(base, "    role: active\n", "    role: active\n    env: [A=1]\n", 1), "6:10", "sites[0].env", "expected a mapping, got a list"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.yaml), "lifeboat.yaml")
			if err == nil {
				t.Fatalf("no error for\n%s", tc.yaml)
			}
			msg := err.Error()
			first := strings.SplitN(msg, "\n", 2)[0]
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %q is not an *Error", msg)
			}
			if !strings.HasPrefix(first, "lifeboat.yaml:") {
				t.Errorf("error %q does not start with the file name", first)
			}
			if tc.pos != "" {
				if got := strconv.Itoa(e.Line) + ":" + strconv.Itoa(e.Column); got != tc.pos {
					t.Errorf("position %s, want %s (%s)\n%s", got, tc.pos, msg, tc.yaml)
				}
				if !strings.HasPrefix(first, "lifeboat.yaml:"+tc.pos+": ") {
					t.Errorf("error %q lacks position %s", first, tc.pos)
				}
			}
			if e.Key != tc.key && tc.key != "" {
				t.Errorf("key %q, want %q (%s)", e.Key, tc.key, msg)
			}
			if tc.key != "" && !strings.Contains(first, ": "+tc.key+": ") {
				t.Errorf("error %q does not name key %q", first, tc.key)
			}
			if !strings.Contains(first, tc.msg) {
				t.Errorf("error %q does not contain %q", first, tc.msg)
			}
		})
	}
}

func TestSeveralErrorsInFileOrder(t *testing.T) {
	y := lines(
		"sites:",
		"  - name: A",             // 2: bad name
		"    repository: /r",      //
		"    password_file: /p",   //
		"    role: active",        //
		"sets:",                   //
		"  - name: s",             //
		"    paths: [relative]",   // 8: not absolute
		"schedule: {backup: ' '}", // 9: blank
	)
	_, err := Parse([]byte(y), "c.yaml")
	if err == nil {
		t.Fatal("no error")
	}
	got := strings.Split(err.Error(), "\n")
	want := []string{"c.yaml:2:11: sites[0].name:", "c.yaml:8:13: sets[0].paths[0]:", "c.yaml:9:20: schedule.backup:"}
	if len(got) != len(want) {
		t.Fatalf("got %d errors, want %d:\n%s", len(got), len(want), err)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("error %d = %q, want prefix %q", i, got[i], want[i])
		}
	}
	var e *Error
	if !errors.As(err, &e) || e.Line != 2 {
		t.Errorf("errors.As gave %+v, want the first (line 2)", e)
	}
}

func TestErrorString(t *testing.T) {
	for _, tc := range []struct {
		e    Error
		want string
	}{
		{Error{File: "lifeboat.yaml", Line: 12, Column: 5, Key: "sites[1].password_file", Msg: "only one of password_file, password_command, password_env may be set"},
			"lifeboat.yaml:12:5: sites[1].password_file: only one of password_file, password_command, password_env may be set"},
		{Error{File: "f.yaml", Msg: "file is empty"}, "f.yaml: file is empty"},
		{Error{File: "f.yaml", Line: 3, Column: 1, Msg: "syntax error: x"}, "f.yaml:3:1: syntax error: x"},
		{Error{File: "f.yaml", Line: 3, Column: 1, Key: "k", Msg: "two\nlines"}, "f.yaml:3:1: k: two lines"},
	} {
		if got := tc.e.Error(); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
}

func TestExampleConfig(t *testing.T) {
	c, err := Load("testdata/lifeboat.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !filepath.IsAbs(c.Path) || filepath.Base(c.Path) != "lifeboat.example.yaml" {
		t.Errorf("Path = %q", c.Path)
	}
	if c.Objectives.RPO.D() != time.Hour || c.Objectives.RTO.D() != 30*time.Minute || c.Objectives.DrillEvery.D() != 30*24*time.Hour {
		t.Errorf("objectives = %+v", c.Objectives)
	}
	if got := c.SiteNames(); !reflect.DeepEqual(got, []string{"primary", "dr"}) {
		t.Errorf("SiteNames = %v", got)
	}
	if got := c.SetNames(); !reflect.DeepEqual(got, []string{"models"}) {
		t.Errorf("SetNames = %v", got)
	}
	p, ok := c.Site("primary")
	if !ok || p.Role != RoleActive || p.Repository != "/srv/restic/primary" || p.PasswordFile != "/etc/lifeboat/primary.pass" {
		t.Fatalf("primary = %+v", p)
	}
	if len(p.Env) != 0 {
		t.Errorf("primary env = %v", p.Env)
	}
	if len(p.Probes) != 4 {
		t.Fatalf("probes = %+v", p.Probes)
	}
	if p.Probes[0].HTTP != "https://api.primary.example/healthz" || p.Probes[1].TCP != "10.0.0.5:5432" ||
		p.Probes[2].Command != "/usr/local/bin/check-gpu-nodes" || p.Probes[3].Disk == nil ||
		p.Probes[3].Disk.Path != "/srv/restore" || p.Probes[3].Disk.MinFree != 50<<30 {
		t.Errorf("probes = %+v, disk %+v", p.Probes, p.Probes[3].Disk)
	}
	dr, ok := c.Site("dr")
	if !ok || dr.CostPerGiBMonth == nil || *dr.CostPerGiBMonth != 0.023 {
		t.Errorf("dr cost_per_gib_month = %v", dr.CostPerGiBMonth)
	}
	if !ok || dr.Role != RoleStandby || dr.Repository != "rest:http://dr-bastion:8000/lifeboat" || dr.PasswordCommand != "pass show lifeboat/dr" {
		t.Errorf("dr = %+v", dr)
	}
	if _, ok := c.Site("nope"); ok {
		t.Error("Site(nope) found")
	}
	if a := c.ConfigActive(); a == nil || a.Name != "primary" {
		t.Errorf("ConfigActive = %+v", a)
	}
	if sb := c.Standbys("primary"); len(sb) != 1 || sb[0].Name != "dr" {
		t.Errorf("Standbys(primary) = %+v", sb)
	}
	if sb := c.Standbys("dr"); len(sb) != 1 || sb[0].Name != "primary" {
		t.Errorf("Standbys(dr) = %+v", sb)
	}
	m, ok := c.Set("models")
	if !ok {
		t.Fatal("no set models")
	}
	if !reflect.DeepEqual(m.Paths, []string{"/data/models"}) || !reflect.DeepEqual(m.Exclude, []string{"*.tmp"}) || m.Host != "" {
		t.Errorf("models = %+v", m)
	}
	if c.SetRPO(m) != 15*time.Minute || c.SetRTO(m) != 30*time.Minute {
		t.Errorf("SetRPO/SetRTO = %v/%v", c.SetRPO(m), c.SetRTO(m))
	}
	if want := (Retention{KeepLast: 10, KeepHourly: 24, KeepDaily: 7, KeepWeekly: 4, KeepMonthly: 12}); m.Retention == nil || *m.Retention != want {
		t.Errorf("retention = %+v", m.Retention)
	}
	if c.Failover.Target != "/srv/restore" || len(c.Failover.Hooks.Pre)+len(c.Failover.Hooks.Verify)+len(c.Failover.Hooks.Switch) != 0 {
		t.Errorf("failover = %+v", c.Failover)
	}
	if c.Drills.Scratch != "/var/tmp/lifeboat-drill" || c.Drills.Keep || c.Drills.Subsets != DefaultSubsets ||
		c.Drills.HookTimeout.D() != 30*time.Minute || c.Failover.Hooks.Timeout.D() != 30*time.Minute {
		t.Errorf("drills = %+v", c.Drills)
	}
	if len(c.Alerts) != 3 || c.Alerts[0].URL != "slack://token@channel" || c.Alerts[1].Webhook != "http://127.0.0.1:9000/hook" || c.Alerts[2].Command != "/usr/local/bin/page-oncall" {
		t.Fatalf("alerts = %+v", c.Alerts)
	}
	for i, a := range c.Alerts {
		if !reflect.DeepEqual(a.On, AlertEvents()) {
			t.Errorf("alerts[%d].on = %v", i, a.On)
		}
	}
	if want := (Schedule{Backup: "@hourly", Replicate: "@every 15m", Check: "@daily", Forget: "@daily", Drill: "@weekly", Stats: "@daily"}); c.Schedule != want {
		t.Errorf("schedule = %+v", c.Schedule)
	}
	if c.Restic != (Restic{}) {
		t.Errorf("restic = %+v", c.Restic)
	}
	e := c.Errorf("schedule.replicate", "bad cron %q", "x")
	if e.Line != 59 || e.Column != 14 || !strings.HasSuffix(e.Error(), ":59:14: schedule.replicate: bad cron \"x\"") {
		t.Errorf("Errorf = %v", e)
	}
	if e := c.Errorf("sets[0].nothing.here", "x"); e.Line != 26 {
		t.Errorf("Errorf for a missing key = %v, want the set's line", e)
	}
}

func TestDefaults(t *testing.T) {
	y := base + lines("  - name: t", "    paths: [/data/t/]", "    rto: 2h", "alerts:", "  - command: /bin/page", "    on: []")
	y = strings.Replace(y, "sets:", lines("  - name: b", "    repository: sftp:b:/r", "    password_env: B")+"sets:", 1)
	c, err := Parse([]byte(y), "")
	if err != nil {
		t.Fatal(err)
	}
	if c.Objectives.RPO.D() != 24*time.Hour || c.Objectives.RTO.D() != time.Hour || c.Objectives.DrillEvery.D() != 30*24*time.Hour {
		t.Errorf("objectives = %+v", c.Objectives)
	}
	if c.Sites[1].Role != RoleStandby {
		t.Errorf("role of b = %q", c.Sites[1].Role)
	}
	if want := filepath.Join(os.TempDir(), "lifeboat-drill"); c.Drills.Scratch != want {
		t.Errorf("scratch = %q, want %q", c.Drills.Scratch, want)
	}
	if c.Drills.Subsets != 10 {
		t.Errorf("subsets = %d", c.Drills.Subsets)
	}
	tset, _ := c.Set("t")
	if c.SetRPO(tset) != 24*time.Hour || c.SetRTO(tset) != 2*time.Hour {
		t.Errorf("SetRPO/SetRTO(t) = %v/%v", c.SetRPO(tset), c.SetRTO(tset))
	}
	if tset.Paths[0] != "/data/t" {
		t.Errorf("paths = %v (want cleaned)", tset.Paths)
	}
	if len(c.Alerts[0].On) != len(AlertEvents()) {
		t.Errorf("on = %v, want every event", c.Alerts[0].On)
	}
	if c.Path != "" {
		t.Errorf("Path = %q for an unnamed config", c.Path)
	}
}

func TestAnchorsAndMerges(t *testing.T) {
	y := lines(
		"x-common: &common",
		"  password_env: RESTIC_PASSWORD",
		"  env: &env {AWS_ACCESS_KEY_ID: \"${AWS_ID}\", AWS_REGION: eu-west-1}",
		"sites:",
		"  - <<: *common",
		"    name: a",
		"    repository: s3:s3.amazonaws.com/a",
		"    role: active",
		"  - <<: *common",
		"    name: b",
		"    repository: s3:s3.amazonaws.com/b",
		"    env: {AWS_REGION: us-east-1}",
		"sets:",
		"  - name: s",
		"    paths: [/data]",
	)
	_, err := Parse([]byte(y), "f.yaml")
	if err == nil || !strings.Contains(err.Error(), "f.yaml:1:1: x-common: unknown key") {
		t.Fatalf("want an unknown key error for x-common, got %v", err)
	}
	// the anchors may live anywhere valid, e.g. in the first site
	y = lines(
		"sites:",
		"  - &common",
		"    name: a",
		"    password_env: RESTIC_PASSWORD",
		"    env: {AWS_REGION: eu-west-1}",
		"    repository: s3:s3.amazonaws.com/a",
		"    role: active",
		"  - <<: *common",
		"    name: b",
		"    repository: s3:s3.amazonaws.com/b",
		"    role: standby",
		"sets:",
		"  - name: s",
		"    paths: [/data]",
	)
	c, err := Parse([]byte(y), "f.yaml")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := c.Site("b")
	if b.PasswordEnv != "RESTIC_PASSWORD" || b.Env["AWS_REGION"] != "eu-west-1" || b.Repository != "s3:s3.amazonaws.com/b" || b.Role != RoleStandby {
		t.Errorf("b = %+v", b)
	}
}

func TestSiteNameRules(t *testing.T) {
	site := func(name, role string) string {
		return lines("  - name: "+name, "    repository: /r/"+name, "    password_env: PW", "    role: "+role)
	}
	y := "sites:\n" + site("a", "active") + site("b", "standby") + site("a", "standby") + "sets:\n  - name: s\n    paths: [/d]\n"
	_, err := Parse([]byte(y), "lifeboat.yaml")
	if err == nil || err.Error() != `lifeboat.yaml:10:11: sites[2].name: duplicate site name "a" (first at sites[0], line 2)` {
		t.Errorf("got %v", err)
	}
	for _, ok := range []string{"a", "0", "dr-2", "eu-west-1a"} {
		y := "sites:\n" + site(ok, "active") + "sets:\n  - name: " + ok + "\n    paths: [/d]\n"
		if _, err := Parse([]byte(y), "f"); err != nil {
			t.Errorf("name %q: %v", ok, err)
		}
	}
	for _, bad := range []string{"A", "-a", "a_b", "a.b", "ä", `"a b"`, `""`} {
		y := "sites:\n" + site(bad, "active") + "sets:\n  - name: s\n    paths: [/d]\n"
		if _, err := Parse([]byte(y), "f"); err == nil || !strings.Contains(err.Error(), "sites[0]") {
			t.Errorf("name %s: got %v", bad, err)
		}
	}
}
