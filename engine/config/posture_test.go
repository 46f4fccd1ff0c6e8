package config

import (
	"errors"
	"strings"
	"testing"
)

// TestPostureKeys: location and offline are read per site; the active site
// cannot be offline, a location is one line, and alerts accept the posture
// events.
func TestPostureKeys(t *testing.T) {
	yaml := lines("sites:",
		"  - name: a", "    repository: /r/a", "    password_file: /p", "    role: active", "    location: dc-west",
		"  - name: b", "    repository: rest:http://h:8000/b", "    password_file: /p", "    location: dc-east", "    offline: true",
		"sets:", "  - name: s", "    paths: [/data]",
		"alerts:", "  - command: /bin/page", "    on: [posture_degraded, posture_ok]")
	cfg, err := Parse([]byte(yaml), "lifeboat.yaml")
	if err != nil {
		t.Fatal(err)
	}
	a, b := cfg.Sites[0], cfg.Sites[1]
	if a.Location != "dc-west" || a.Offline || b.Location != "dc-east" || !b.Offline {
		t.Errorf("sites = %+v / %+v", a, b)
	}
	if got := strings.Join(cfg.Alerts[0].On, ","); got != "posture_degraded,posture_ok" {
		t.Errorf("on = %s", got)
	}

	for _, tc := range []struct{ name, yaml, key, msg string }{
		{"active offline", strings.Replace(base, "    role: active\n", "    role: active\n    offline: true\n", 1), "sites[0].offline", "cannot be offline"},
		{"offline not a bool", strings.Replace(base, "    role: active\n", "    role: active\n    offline: sometimes\n", 1), "sites[0].offline", "expected true or false"},
		{"location two lines", strings.Replace(base, "    role: active\n", "    role: active\n    location: \"dc\\nwest\"\n", 1), "sites[0].location", "one line"},
		{"location a list", strings.Replace(base, "    role: active\n", "    role: active\n    location: [a, b]\n", 1), "sites[0].location", "expected a string"},
	} {
		_, err := Parse([]byte(tc.yaml), "lifeboat.yaml")
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("%s: err = %v", tc.name, err)
		}
		if e.Key != tc.key || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: key %q, error %q; want %q containing %q", tc.name, e.Key, err, tc.key, tc.msg)
		}
	}
}
