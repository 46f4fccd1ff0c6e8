package cli

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestPostureCommand: the JSON shape of contract §6 and the exit codes
// (2 fewer than two copies, 1 something missing, 3 cannot evaluate).
func TestPostureCommand(t *testing.T) {
	run, dir, _ := world(t)
	posture := func(wantCode int, args ...string) []map[string]any {
		t.Helper()
		code, out, errs := run(append([]string{"posture", "--json"}, args...)...)
		if code != wantCode {
			t.Fatalf("posture %v: exit %d, want %d\n%s%s", args, code, wantCode, out, errs)
		}
		var ps []map[string]any
		if err := json.Unmarshal([]byte(out), &ps); err != nil || len(ps) != 2 {
			t.Fatalf("posture --json: %v\n%s", err, out)
		}
		for _, p := range ps {
			var keys []string
			for k := range p {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			if want := []string{"advice", "copies", "errors", "immutable", "media", "met", "missing", "offsite", "set"}; !slices.Equal(keys, want) {
				t.Fatalf("keys %v, want %v", keys, want)
			}
			for _, k := range []string{"copies", "media", "errors"} {
				if n, ok := p[k].(float64); !ok || n != float64(int(n)) {
					t.Fatalf("%s = %v, want an integer", k, p[k])
				}
			}
		}
		return ps
	}

	// No repository yet: only production's live data → fewer than two copies.
	ps := posture(2)
	if ps[0]["set"] != "models" || ps[0]["copies"] != 1.0 || ps[0]["met"] != false {
		t.Fatalf("before init: %v", ps[0])
	}

	runAll(t, run, [][]string{{"init"}, {"backup"}, {"replicate"}, {"check"}, {"drill", "--site", "dr"}})
	// Three copies on two media, checked and drilled; no location declared
	// and no append-only site: something missing → 1.
	ps = posture(1)
	for _, p := range ps {
		if p["copies"] != 3.0 || p["media"] != 2.0 || p["errors"] != 0.0 || p["offsite"] != false || p["immutable"] != false {
			t.Errorf("set %v: %v", p["set"], p)
		}
		missing, _ := json.Marshal(p["missing"])
		advice, _ := json.Marshal(p["advice"])
		if !strings.Contains(string(missing), "offsite") || !strings.Contains(string(missing), "immutable") ||
			!strings.Contains(string(advice), "no location is declared for the active site primary") {
			t.Errorf("set %v: missing %s advice %s", p["set"], missing, advice)
		}
	}
	code, out, _ := run("posture")
	if code != 1 || !strings.Contains(out, "3-2-1-1-0") || !strings.Contains(out, "missing  offsite") {
		t.Errorf("posture: %d\n%s", code, out)
	}

	// Under --read-only the probe (which writes a canary) is refused.
	if code, _, errs := run("--read-only", "posture", "--probe"); code != 3 || !strings.Contains(errs, "read-only") {
		t.Errorf("read-only probe: %d %s", code, errs)
	}
	// A config that cannot be read: unknown.
	if code, _, errs := run("--config", filepath.Join(dir, "nope.yaml"), "posture"); code != 3 || errs == "" {
		t.Errorf("missing config: %d %s", code, errs)
	}
}
