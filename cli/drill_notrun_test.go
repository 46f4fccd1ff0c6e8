package cli

import (
	"encoding/json"
	"strings"
	"testing"
)

// A drill that could not run (the standby is down) says nothing about the
// standby's data: exit 3, no RTO ("—", not "0s"), "evaluated": false with
// the reason, and status keeps judging the site by its last real drill.
func TestDrillThatCouldNotRunIsUnknownWithoutRTO(t *testing.T) {
	t.Parallel()
	run, _, srv := world(t)
	runAll(t, run, [][]string{{"init"}, {"backup"}, {"replicate"}, {"drill", "--set", "serving"}})
	srv.Stop()

	code, out, errs := run("drill", "--set", "serving", "--json")
	var rep map[string]any
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("drill --json with the standby down: %v\n%s\n%s", err, out, errs)
	}
	if code != 3 {
		t.Errorf("drill with the standby down exits %d, want 3 (could not evaluate)\n%s", code, errs)
	}
	if rep["evaluated"] != false || !strings.Contains(rep["not_evaluated"].(string), "site dr") {
		t.Errorf("drill --json: evaluated %v, not_evaluated %q", rep["evaluated"], rep["not_evaluated"])
	}
	if rep["passed"] != false {
		t.Errorf("a drill that could not run passed: %v", rep["passed"])
	}

	code, out, errs = run("drill", "--set", "serving")
	if code != 3 || !strings.Contains(out, "COULD NOT RUN") || !strings.Contains(out, "RTO achieved: —") || strings.Contains(out, "RTO achieved: 0") {
		t.Errorf("drill with the standby down: %d\n%s\n%s", code, out, errs)
	}

	// The standby's last real drill passed; that it was down is a problem
	// of its own, not a failed drill.
	_, out, _ = run("status", "--cached", "--json")
	var st struct {
		Sites []struct {
			Name      string
			LastDrill *struct{ Passed bool } `json:"last_drill"`
		}
		Problems []struct{ Message string }
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil || len(st.Sites) == 0 {
		t.Fatalf("status: %v\n%s", err, out)
	}
	for _, s := range st.Sites {
		if s.Name == "dr" && (s.LastDrill == nil || !s.LastDrill.Passed) {
			t.Errorf("status counts the drill that could not run as dr's last drill: %+v", s.LastDrill)
		}
	}
	for _, p := range st.Problems {
		if strings.Contains(p.Message, "last drill of site dr failed") {
			t.Errorf("status: %s", p.Message)
		}
	}
}
