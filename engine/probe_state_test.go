package engine_test

import (
	"testing"

	"github.com/lifeboat-dr/lifeboat/engine"
)

func TestSiteHealthDoesNotFlap(t *testing.T) {
	t.Parallel()
	ok := engine.SiteObservation{State: engine.StateOK}
	down := engine.SiteObservation{State: engine.StateDown, Reasons: []string{"unreachable"}}
	degraded := engine.SiteObservation{State: engine.StateDegraded, Reasons: []string{"http probe failed"}}

	h := engine.NewSiteHealth("dr")
	if s, _ := h.State(); s != engine.StateUnknown {
		t.Fatalf("initial state %s", s)
	}
	// One result is not enough, two agreeing ones are.
	if _, changed := h.Observe(ok); changed {
		t.Fatal("changed on the first result")
	}
	tr, changed := h.Observe(ok)
	if !changed || tr.From != engine.StateUnknown || tr.To != engine.StateOK || tr.Site != "dr" {
		t.Fatalf("second OK: %+v %v", tr, changed)
	}
	// Alternating results never change it, nor does alternating between
	// two different problems.
	alternate := func(what string, n int, a, b engine.SiteObservation) {
		for i := 0; i < n; i++ {
			in := a
			if i%2 == 1 {
				in = b
			}
			if tr, changed := h.Observe(in); changed {
				t.Fatalf("flapped %sat %d: %+v", what, i, tr)
			}
		}
	}
	alternate("", 20, down, ok)
	alternate("between problems ", 10, down, degraded)
	// The last was DEGRADED; one more DEGRADED confirms it, with its reasons.
	tr, changed = h.Observe(degraded)
	if !changed || tr.From != engine.StateOK || tr.To != engine.StateDegraded || len(tr.Reasons) != 1 {
		t.Fatalf("confirmed degraded: %+v %v", tr, changed)
	}
	if s, r := h.State(); s != engine.StateDegraded || r[0] != "http probe failed" {
		t.Fatalf("state %s %v", s, r)
	}
	// Two DOWN in a row: down.
	h.Observe(down)
	if tr, changed := h.Observe(down); !changed || tr.To != engine.StateDown {
		t.Fatalf("down: %+v %v", tr, changed)
	}
	// Reasons follow the confirmed state without a transition.
	other := engine.SiteObservation{State: engine.StateDown, Reasons: []string{"timeout"}}
	if _, changed := h.Observe(other); changed {
		t.Fatal("a new reason is not a transition")
	}
	if _, r := h.State(); r[0] != "timeout" {
		t.Fatalf("reasons %v", r)
	}
}

func TestJudge(t *testing.T) {
	t.Parallel()
	if o := engine.Judge(false, "", []string{"x"}); o.State != engine.StateDown || o.Reasons[0] != "repository unreachable" {
		t.Fatalf("down: %+v", o)
	}
	if o := engine.Judge(true, "", []string{"stale lock"}); o.State != engine.StateDegraded {
		t.Fatalf("degraded: %+v", o)
	}
	if o := engine.Judge(true, "", nil); o.State != engine.StateOK || len(o.Reasons) != 0 {
		t.Fatalf("ok: %+v", o)
	}
}
