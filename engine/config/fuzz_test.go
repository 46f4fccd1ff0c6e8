package config

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

// FuzzParse checks that no input makes Parse panic (Parse's own recover would turn a panic
// into an "internal error", which counts as a failure here too) and that every error is a
// non-empty message whose lines each carry the file name.
func FuzzParse(f *testing.F) {
	if ex, err := os.ReadFile("testdata/lifeboat.example.yaml"); err == nil {
		f.Add(ex)
	}
	for _, s := range []string{
		base,
		"",
		"~",
		"a: *x",
		"sites: &x [*x]",
		"x: &a {<<: *a}",
		"sites:\n  - &s {name: a, repository: /r, password_env: P, role: active}\n  - <<: *s\n    name: b\nsets: [{name: s, paths: [/d]}]\n",
		"objectives: {rpo: 1d12h, rto: 90s, drill_every: 7d}\n",
		"sites: [{probes: [{disk: {path: /x, min_free: 1.5TiB}}, {ping: x}]}]\n",
		"sets: [{name: s, paths: [/d], retention: {keep_daily: -1}}]\n",
		"alerts: [{url: 'slack://x', on: [site_down, bogus]}]\n",
		"a: [\n",
		"\t- x\n",
		"a: 1\n---\nb: 2\n",
		"env: {A: \"${B\"}\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		c, err := Parse(data, "f.yaml")
		if d := time.Since(start); d > 10*time.Second {
			t.Fatalf("Parse took %v", d)
		}
		if err == nil {
			if c == nil {
				t.Fatal("nil config without an error")
			}
			_ = c.RecoveryHash()
			for i := range c.Sites {
				_, _ = c.Sites[i].ExpandEnv(func(string) (string, bool) { return "v", true })
			}
			return
		}
		if c != nil {
			t.Fatal("a config and an error")
		}
		msg := err.Error()
		if msg == "" {
			t.Fatal("empty error message")
		}
		if strings.Contains(msg, "internal error") {
			t.Fatalf("internal error: %s", msg)
		}
		for _, l := range strings.Split(msg, "\n") {
			if !strings.HasPrefix(l, "f.yaml") && !strings.HasPrefix(l, "... and ") {
				t.Fatalf("error line %q does not name the file", l)
			}
		}
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("error %q is not an *Error", msg)
		}
	})
}
