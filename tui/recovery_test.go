package tui

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/lifeboat-dr/lifeboat/engine"
)

// openRecovery is the Recovery screen over ctx at w×h, fed through feed
// what its Init loads.
func openRecovery(ctx *Context, w, h int, feed func(Screen, tea.Msg) Screen) *recoveryScreen {
	s := newRecoveryScreen(ctx)
	s.SetSize(w, h)
	for _, msg := range execCmd(s.Init()) {
		feed(s, msg)
	}
	return s
}

func newRecoveryForTest(t *testing.T, w, h int, data DataMsg) *recoveryScreen {
	t.Helper()
	s := openRecovery(newTestContext(newFakeBackend(), false), w, h, feedScreen)
	if data.Status != nil {
		feedScreen(s, data)
	}
	return s
}

// addOffsite adds a second standby, reachable, with every set within RPO.
func addOffsite(st *engine.Status) {
	st.Sites = append(st.Sites, engine.SiteStatus{Name: "offsite", Role: "standby", Reachable: true, LatencyMS: 90, Probed: fakeNow})
	for i := range st.Sets {
		age := time.Hour
		st.Sets[i].Sites = append(st.Sets[i].Sites, engine.SetSiteStatus{Site: "offsite", NewestSnapshot: "0fff", NewestTime: tp(fakeNow.Add(-time.Hour)),
			Age: &age, RPOOK: true, Grade: "compliant", BreachIn: st.Sets[i].RPOObjective - age, Snapshots: 1})
		st.Replication = append(st.Replication, engine.ReplicationStatus{From: "primary", To: "offsite", Set: st.Sets[i].Name})
	}
}

func TestRecoveryNotReady(t *testing.T) {
	for _, sz := range screenSizes {
		s := newRecoveryForTest(t, sz.w, sz.h, DataMsg{})
		if v := plainView(s); !strings.Contains(v, "loading…") {
			t.Fatalf("%dx%d before data:\n%s", sz.w, sz.h, v)
		}
		feedScreen(s, screenFakeData(t, newFakeBackend(), true, nil))
		v := plainView(s)
		checkViewFits(t, v, sz.w, sz.h)
		if !strings.Contains(v, "✗ dr: NOT READY — datasets is 30h old (RPO 12h)") {
			t.Fatalf("%dx%d verdict:\n%s", sz.w, sz.h, v)
		}
		if strings.Contains(v, "primary") && tableRow(v, "primary") != "" {
			t.Fatalf("the active site is not a standby:\n%s", v)
		}
		datasets := ""
		for _, l := range strings.Split(v, "\n") {
			if strings.HasPrefix(l, "dr ") && strings.Contains(l, "datasets") {
				datasets = l
			}
		}
		for _, want := range []string{"30h", "12h", "✗ severe", "over by 18h", "1 · 29h lag"} {
			if !strings.Contains(datasets, want) {
				t.Fatalf("%dx%d datasets@dr row lacks %q: %q\n%s", sz.w, sz.h, want, datasets, v)
			}
		}
		for _, want := range []string{"✓ reachable in 48 ms", "last check never", "last drill never", "d on a standby rehearses one"} {
			if !strings.Contains(v, want) {
				t.Fatalf("%dx%d lacks %q:\n%s", sz.w, sz.h, want, v)
			}
		}
	}
}

func TestRecoveryReadyAndBreachSoon(t *testing.T) {
	ok := func(st *engine.Status) {
		x := &st.Sets[1].Sites[1] // datasets at dr
		age := time.Hour
		x.Age, x.NewestTime, x.RPOOK, x.Grade, x.BreachIn = &age, tp(fakeNow.Add(-time.Hour)), true, "compliant", 39600*time.Second
		y := &st.Sets[2].Sites[1] // serving at dr: 3h left
		age2 := 32400 * time.Second
		y.Age, y.BreachIn = &age2, 10800*time.Second
		st.Problems = nil
	}
	for _, sz := range screenSizes {
		s := newRecoveryForTest(t, sz.w, sz.h, screenFakeData(t, newFakeBackend(), false, ok))
		v := plainView(s)
		checkViewFits(t, v, sz.w, sz.h)
		if !strings.Contains(v, "✓ dr: READY — every set within RPO") || strings.Contains(v, "NOT READY") {
			t.Fatalf("%dx%d ready verdict:\n%s", sz.w, sz.h, v)
		}
		if !strings.Contains(v, "breach in 3h") || !strings.Contains(v, "✓ compliant") {
			t.Fatalf("%dx%d breach soon:\n%s", sz.w, sz.h, v)
		}
		if !strings.Contains(v, "cached — refreshing") {
			t.Fatalf("%dx%d cached data not marked:\n%s", sz.w, sz.h, v)
		}
	}
}

func TestRecoveryUnreachableAndNoCopy(t *testing.T) {
	mod := func(st *engine.Status) {
		st.Sites[1].Reachable, st.Sites[1].Error = false, "site dr: repository is unreachable"
		// What the engine says of every set at a site it cannot list.
		for i := range st.Sets {
			x := &st.Sets[i].Sites[1]
			x.Stale, x.Grade, x.RPOOK, x.BreachIn = true, engine.GradeUnknown, false, 0
		}
		st.Sets[0].Sites[1] = engine.SetSiteStatus{Site: "dr", Grade: engine.GradeUnknown, Stale: true} // models: none cached
	}
	s := newRecoveryForTest(t, 120, 37, screenFakeData(t, newFakeBackend(), true, mod))
	v := plainView(s)
	checkViewFits(t, v, 120, 37)
	for _, want := range []string{"dr: NOT READY — site is unreachable: site dr: repository is unreachable",
		"✗ unreachable", "unknown", "site down"} {
		if !strings.Contains(v, want) {
			t.Fatalf("lacks %q:\n%s", want, v)
		}
	}
	// A site that cannot be reached is never shown compliant, nor judged
	// from what the cache held.
	for _, bad := range []string{"compliant", "30m*", "has no copy there"} {
		if row := tableRow(v, "dr"); strings.Contains(row, bad) || strings.Contains(v, "models "+bad) {
			t.Fatalf("a down site shows %q:\n%s", bad, v)
		}
	}
}

func TestRecoveryFilter(t *testing.T) {
	for _, sz := range screenSizes {
		s := newRecoveryForTest(t, sz.w, sz.h, screenFakeData(t, newFakeBackend(), true, addOffsite))
		v := plainView(s)
		if !strings.Contains(v, "✓ offsite: READY — every set within RPO") || tableRow(v, "offsite") == "" {
			t.Fatalf("%dx%d two standbys:\n%s", sz.w, sz.h, v)
		}
		feedScreen(s, keyPress("/"))
		if !s.Capturing() {
			t.Fatal("/ should focus the filter")
		}
		typeInto(s, "dr")
		v = plainView(s)
		checkViewFits(t, v, sz.w, sz.h)
		if s.list.Len() != 3 || tableRow(v, "offsite") != "" || tableRow(v, "dr") == "" {
			t.Fatalf("%dx%d /dr should leave the three dr rows:\n%s", sz.w, sz.h, v)
		}
		if !strings.Contains(v, "3/6") {
			t.Fatalf("%dx%d filter count:\n%s", sz.w, sz.h, v)
		}
		feedScreen(s, keyPress("enter")) // ends the filter, keeps it
		if s.Capturing() || s.list.Len() != 3 {
			t.Fatal("enter should keep the filter and release the keys")
		}
		if !s.Back() || s.list.Len() != 6 {
			t.Fatal("esc (Back) should clear the filter")
		}
	}
}

func TestRecoveryManyStandbysFit(t *testing.T) {
	many := func(st *engine.Status) {
		for i := 0; i < 15; i++ {
			st.Sites = append(st.Sites, engine.SiteStatus{Name: "edge" + itoa(i), Role: "standby", Reachable: true, Probed: fakeNow})
		}
	}
	for _, sz := range screenSizes {
		s := newRecoveryForTest(t, sz.w, sz.h, screenFakeData(t, newFakeBackend(), true, many))
		v := plainView(s)
		checkViewFits(t, v, sz.w, sz.h)
		if !strings.Contains(v, "edge0: NOT READY — models has no copy there") {
			t.Fatalf("%dx%d many standbys:\n%s", sz.w, sz.h, v)
		}
		// 16 verdicts take more than half of 21 lines, not of 37.
		if more := strings.Contains(v, "more standby site(s)"); more != (sz.h < 32) {
			t.Fatalf("%dx%d many standbys:\n%s", sz.w, sz.h, v)
		}
	}
	for h := 1; h <= 10; h++ {
		s := newRecoveryForTest(t, 80, h, screenFakeData(t, newFakeBackend(), true, many))
		checkViewFits(t, plainView(s), 80, h)
	}
}

func TestRecoveryStartsADrillAndShowsIt(t *testing.T) {
	f := newFakeBackend()
	ctx := newTestContext(f, false)
	s := openRecovery(ctx, 120, 37, feedScreen)
	feedScreen(s, screenFakeData(t, f, true, nil))
	feedScreen(s, keyPress("d"))
	if v := plainView(s); !strings.Contains(v, "Rehearse a failover to dr?") || !strings.Contains(v, "[ Cancel ]") {
		t.Fatalf("drill confirmation:\n%s", v)
	}
	feedScreen(s, keyPress("enter")) // Cancel is focused
	if ctx.Ops.Running() != 0 || strings.Contains(strings.Join(f.Calls(), ","), "drill") {
		t.Fatal("enter on Cancel started a drill")
	}
	feedScreen(s, keyPress("d"))
	feedScreen(s, keyPress("tab"))
	feedScreen(s, keyPress("enter"))
	drainOps(t, ctx, func(msg tea.Msg) { feedScreen(s, msg) }, nil)
	if !strings.Contains(strings.Join(f.Calls(), ","), "drill dr") {
		t.Fatalf("calls: %v", f.Calls())
	}
	v := plainView(s)
	if !strings.Contains(v, "Recent drills") || !strings.Contains(v, "✓ passed") || !strings.Contains(v, "RTO 42s / 30m") {
		t.Fatalf("drill history:\n%s", v)
	}
	checkViewFits(t, v, 120, 37)
}
