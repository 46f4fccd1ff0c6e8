package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/lifeboat-dr/lifeboat/engine"
)

// The Recovery screen grades each set after a fresh status (never a canary
// write from the console) and draws each standby's RTO achieved over time.
func TestRecoveryPostureAndRTOTrend(t *testing.T) {
	f := newFakeBackend()
	f.posture[0] = engine.PostureSet{Set: "models", Copies: 3, Media: 2, Offsite: true, Immutable: true, Met: true, Missing: []string{}}
	s := openRecovery(newTestContext(f, false), 80, 24, feedScreen)
	feedScreen(s, screenFakeData(t, f, false, nil))
	if len(s.posture) != 0 {
		t.Fatalf("posture graded from a cached status: %+v", s.posture)
	}
	feedScreen(s, screenFakeData(t, f, true, nil))
	calls := strings.Join(f.Calls(), "|")
	if !strings.Contains(calls, "posture nowrite=true") || strings.Contains(calls, "posture nowrite=false") {
		t.Fatalf("calls %s", calls)
	}
	v := plainView(s)
	mustShow(t, v, "3-2-1-1-0", "✓ models met", "✗ datasets missing copies 2/3, offsite, immutable, errors 1", "✗ serving missing offsite, immutable")

	// Many sets missing something: three in full, the rest counted.
	s.posture = append(s.posture, engine.PostureSet{Set: "extra-1", Missing: []string{"offsite: x"}}, engine.PostureSet{Set: "extra-2", Missing: []string{"offsite: x"}})
	mustShow(t, plainView(s), "✗ extra-1 missing offsite", "✗ 1 more set(s) miss something")
	if strings.Contains(plainView(s), "extra-2") {
		t.Error("a fourth set that misses something is shown in full")
	}

	at := func(h int) time.Time { return fakeNow.Add(time.Duration(h) * time.Hour) }
	feedScreen(s, recoveryDrillsMsg{seq: s.drillSeq, drills: []engine.DrillReport{ // newest first
		{ID: "d-4", Site: "dr", Started: at(-1), Passed: true, Evaluated: true, RTO: 240 * time.Second, RTOObjective: 1800 * time.Second},
		{ID: "d-3", Site: "dr", Started: at(-2), Passed: false, Evaluated: true, RTO: 90 * time.Second, RTOObjective: 1800 * time.Second},
		{ID: "d-2", Site: "dr", Started: at(-3), Evaluated: false, NotEvaluated: "site dr: repository is unreachable", RTOObjective: 1800 * time.Second},
		{ID: "d-1", Site: "dr", Started: at(-4), Passed: true, Evaluated: true, RTO: 2700 * time.Second, RTOObjective: 1800 * time.Second},
	}})
	v = plainView(s)
	// Oldest first: over the objective (full bar), failed, then 4m of 30m;
	// the drill that could not run has no RTO to draw.
	mustShow(t, v, "RTO trend dr       █✗▂  last 4m / 30m objective · 3 drill(s)")
	if n := strings.Count(v, "\n") + 1; n > 24 {
		t.Fatalf("view has %d lines", n)
	}
	for _, l := range strings.Split(v, "\n") {
		if w := ansi.StringWidth(l); w > 80 {
			t.Fatalf("line %q is %d wide", l, w)
		}
	}
}
