package tui

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/lifeboat-dr/lifeboat/engine"
)

// screenSizes are the content areas of an 80×24 and a 120×40 terminal.
var screenSizes = []struct{ w, h int }{{120, 37}, {80, 21}}

// screenFakeData is the DataMsg the root would broadcast, built from the fake;
// mod, when set, edits the status first.
func screenFakeData(t *testing.T, f *fakeBackend, fresh bool, mod func(*engine.Status)) DataMsg {
	t.Helper()
	ctx := context.Background()
	st, err := f.Status(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	cat, err := f.LoadCatalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if mod != nil {
		mod(st)
	}
	return DataMsg{Seq: 1, Status: st, Catalog: cat, Fresh: fresh}
}

// feedScreen gives a screen a message and runs the commands it returns, feeding
// their messages back. Commands that do not answer at once (the filter's
// cursor blink) are dropped.
func feedScreen(s Screen, msg tea.Msg) Screen {
	queue := []tea.Msg{msg}
	for steps := 0; len(queue) > 0 && steps < 50; steps++ {
		var cmd tea.Cmd
		s, cmd = s.Update(queue[0])
		queue = append(queue[1:], execCmd(cmd)...)
	}
	return s
}

func typeInto(s Screen, text string) Screen {
	for _, r := range text {
		s = feedScreen(s, keyPress(string(r)))
	}
	return s
}

func plainView(s Screen) string { return ansi.Strip(s.View()) }

// checkViewFits fails when a view is taller or wider than its area.
func checkViewFits(t *testing.T, v string, w, h int) {
	t.Helper()
	lines := strings.Split(v, "\n")
	if len(lines) > h {
		t.Fatalf("view has %d lines for a height of %d:\n%s", len(lines), h, v)
	}
	for _, l := range lines {
		if lw := ansi.StringWidth(l); lw > w {
			t.Fatalf("line of width %d for a width of %d: %q", lw, w, l)
		}
	}
}

// tableRow is the table line that starts with name, or "".
func tableRow(v, name string) string {
	for _, l := range strings.Split(v, "\n") {
		if strings.HasPrefix(l, name+" ") {
			return l
		}
	}
	return ""
}

func newSitesForTest(t *testing.T, w, h int, data DataMsg) (*sitesScreen, *fakeBackend) {
	t.Helper()
	f := newFakeBackend()
	s := newSitesScreen(newTestContext(f, false))
	s.SetSize(w, h)
	for _, msg := range execCmd(s.Init()) {
		feedScreen(s, msg)
	}
	if data.Status != nil {
		feedScreen(s, data)
	}
	return s, f
}

func TestSitesLoadingThenStates(t *testing.T) {
	for _, sz := range screenSizes {
		s, _ := newSitesForTest(t, sz.w, sz.h, DataMsg{})
		if v := plainView(s); !strings.Contains(v, "loading…") {
			t.Fatalf("%dx%d before data:\n%s", sz.w, sz.h, v)
		}
		feedScreen(s, screenFakeData(t, newFakeBackend(), true, nil))
		v := plainView(s)
		checkViewFits(t, v, sz.w, sz.h)
		primary, dr := tableRow(v, "primary"), tableRow(v, "dr")
		if !strings.Contains(primary, "active") || !strings.Contains(primary, "✓ OK") || !strings.Contains(primary, "12 ms") {
			t.Fatalf("%dx%d primary row %q in:\n%s", sz.w, sz.h, primary, v)
		}
		if !strings.Contains(primary, "20h ago ✓ ok") || !strings.Contains(primary, "never") {
			t.Fatalf("%dx%d primary check/drill %q", sz.w, sz.h, primary)
		}
		// dr has a problem (datasets over its RPO) and one lock.
		if !strings.Contains(dr, "standby") || !strings.Contains(dr, "! DEGRADED") || !strings.Contains(dr, "48 ms") {
			t.Fatalf("%dx%d dr row %q in:\n%s", sz.w, sz.h, dr, v)
		}
		if f := strings.Fields(dr); !hasField(f, "1") {
			t.Fatalf("%dx%d dr row should show 1 lock: %q", sz.w, sz.h, dr)
		}
		if !strings.Contains(v, "probed just now") || strings.Contains(v, "cached") {
			t.Fatalf("%dx%d header:\n%s", sz.w, sz.h, v)
		}
		// The trend came from the samples command.
		if !strings.Contains(primary, "█") {
			t.Fatalf("%dx%d no latency trend in %q", sz.w, sz.h, primary)
		}
	}
}

func hasField(ss []string, want string) bool {
	for _, s := range ss {
		if s == want {
			return true
		}
	}
	return false
}

func TestSitesDetailsOfSelected(t *testing.T) {
	for _, sz := range screenSizes {
		s, _ := newSitesForTest(t, sz.w, sz.h, screenFakeData(t, newFakeBackend(), true, nil))
		v := plainView(s)
		for _, want := range []string{"repository  /srv/restic/primary", "active, from the config", "✓ none at this site"} {
			if !strings.Contains(v, want) {
				t.Fatalf("%dx%d primary details lack %q:\n%s", sz.w, sz.h, want, v)
			}
		}
		feedScreen(s, keyPress("down"))
		v = plainView(s)
		checkViewFits(t, v, sz.w, sz.h)
		for _, want := range []string{"repository  rest:http://dr:8000/lb", "standby — the active site is primary",
			"locks       1", "✗ critical  set datasets at site dr is 1d old", "over its RPO of", "last drill  never"} {
			if !strings.Contains(v, want) {
				t.Fatalf("%dx%d dr details lack %q:\n%s", sz.w, sz.h, want, v)
			}
		}
		// enter hides the details, and brings them back.
		feedScreen(s, keyPress("enter"))
		if v := plainView(s); strings.Contains(v, "rest:http://dr:8000/lb") {
			t.Fatalf("enter should hide the details:\n%s", v)
		}
		feedScreen(s, keyPress("enter"))
		if v := plainView(s); !strings.Contains(v, "rest:http://dr:8000/lb") {
			t.Fatalf("enter again should show the details:\n%s", v)
		}
	}
}

func TestSitesRedactsRepositoryAndFailoverRole(t *testing.T) {
	f := newFakeBackend()
	f.cfg.Sites[1].Repository = "rest:https://lifeboat:s3cret@dr:8000/lb"
	s := newSitesScreen(newTestContext(f, false))
	s.SetSize(120, 37)
	feedScreen(s, screenFakeData(t, f, true, func(st *engine.Status) {
		st.ActiveSite, st.ActiveFrom = "dr", "failover"
		st.Sites[0].Role, st.Sites[1].Role = "standby", "active"
	}))
	feedScreen(s, keyPress("down"))
	v := plainView(s)
	if strings.Contains(v, "s3cret") || !strings.Contains(v, "rest:https://lifeboat:***@dr:8000/lb") {
		t.Fatalf("repository not redacted:\n%s", v)
	}
	if !strings.Contains(v, "active, by a failover record (the config says standby)") {
		t.Fatalf("failover role:\n%s", v)
	}
}

func TestSitesFilter(t *testing.T) {
	for _, sz := range screenSizes {
		s, _ := newSitesForTest(t, sz.w, sz.h, screenFakeData(t, newFakeBackend(), true, nil))
		feedScreen(s, keyPress("/"))
		if !s.Capturing() {
			t.Fatal("/ should focus the filter")
		}
		typeInto(s, "dr")
		v := plainView(s)
		checkViewFits(t, v, sz.w, sz.h)
		if tableRow(v, "primary") != "" || tableRow(v, "dr") == "" || s.list.Len() != 1 {
			t.Fatalf("%dx%d /dr should leave only dr:\n%s", sz.w, sz.h, v)
		}
		if !strings.Contains(v, "/dr") || !strings.Contains(v, "1/2") {
			t.Fatalf("%dx%d filter line:\n%s", sz.w, sz.h, v)
		}
		// q types into the filter; esc drops it.
		typeInto(s, "q")
		if s.list.FilterText() != "drq" {
			t.Fatalf("filter text %q", s.list.FilterText())
		}
		feedScreen(s, keyPress("esc"))
		if s.Capturing() || s.list.Len() != 2 {
			t.Fatalf("esc should clear the filter: capturing=%v len=%d", s.Capturing(), s.list.Len())
		}
	}
}

func TestSitesDown(t *testing.T) {
	down := func(st *engine.Status) {
		st.Sites[1].Reachable, st.Sites[1].Error = false, "site dr: repository is unreachable"
		st.Problems = append(st.Problems, engine.Problem{Level: "critical", Site: "dr", Message: "site dr is down: site dr: repository is unreachable"})
	}
	for _, sz := range screenSizes {
		s, _ := newSitesForTest(t, sz.w, sz.h, screenFakeData(t, newFakeBackend(), true, down))
		feedScreen(s, keyPress("down"))
		v := plainView(s)
		checkViewFits(t, v, sz.w, sz.h)
		dr := tableRow(v, "dr")
		if !strings.Contains(dr, "✗ DOWN") || strings.Contains(dr, "48 ms") {
			t.Fatalf("%dx%d down row %q:\n%s", sz.w, sz.h, dr, v)
		}
		if !strings.Contains(v, "error       site dr: repository is unreachable") {
			t.Fatalf("%dx%d details lack the error:\n%s", sz.w, sz.h, v)
		}
	}
}

func TestSitesCachedHeader(t *testing.T) {
	s, _ := newSitesForTest(t, 80, 21, screenFakeData(t, newFakeBackend(), false, func(st *engine.Status) {
		for i := range st.Sites {
			st.Sites[i].Probed = fakeNow.Add(-12 * time.Second)
		}
	}))
	v := plainView(s)
	if !strings.Contains(v, "probed 12s ago") || !strings.Contains(v, "cached — refreshing") {
		t.Fatalf("cached header:\n%s", v)
	}
	checkViewFits(t, v, 80, 21)
}

func TestSitesNeverProbed(t *testing.T) {
	s, _ := newSitesForTest(t, 80, 21, screenFakeData(t, newFakeBackend(), false, func(st *engine.Status) {
		for i := range st.Sites {
			st.Sites[i] = engine.SiteStatus{Name: st.Sites[i].Name, Role: st.Sites[i].Role, Error: "not probed yet"}
		}
	}))
	v := plainView(s)
	if !strings.Contains(v, "never probed") || !strings.Contains(tableRow(v, "dr"), "? UNKNOWN") {
		t.Fatalf("never probed:\n%s", v)
	}
}

func TestSitesLateSamplesIgnored(t *testing.T) {
	s, _ := newSitesForTest(t, 120, 37, screenFakeData(t, newFakeBackend(), true, nil))
	late := siteSamplesMsg{seq: s.seq - 1, samples: map[string][]engine.SiteSample{
		"primary": {{Site: "primary", Reachable: false}}}}
	feedScreen(s, late)
	if strings.Contains(tableRow(plainView(s), "primary"), "✗") {
		t.Fatal("a late samples answer replaced the current one")
	}
}

func TestSitesTinyHeights(t *testing.T) {
	for h := 1; h <= 12; h++ {
		s, _ := newSitesForTest(t, 80, h, screenFakeData(t, newFakeBackend(), true, nil))
		checkViewFits(t, plainView(s), 80, h)
		feedScreen(s, keyPress("/"))
		checkViewFits(t, plainView(s), 80, h)
	}
}

func TestSitesSparkline(t *testing.T) {
	ms := time.Millisecond
	smp := []engine.SiteSample{
		{Reachable: true, Latency: 10 * ms}, {Reachable: true, Latency: 80 * ms},
		{Reachable: false}, {Reachable: true, Latency: 40 * ms}, {Reachable: true, Latency: 1 * ms},
	}
	th := NewTheme(true)
	if got := ansi.Strip(siteSparkline(th, smp, 20)); got != "▁█✗▄▁" {
		t.Fatalf("siteSparkline %q", got)
	}
	if got := ansi.Strip(siteSparkline(th, smp, 3)); got != "✗█▁" {
		t.Fatalf("the trend keeps (and scales to) the newest: %q", got)
	}
	if got := siteSparkline(th, nil, 20); got != "" {
		t.Fatalf("no samples: %q", got)
	}
}

func TestSitesUnlock(t *testing.T) {
	s, f := newSitesForTest(t, 120, 37, screenFakeData(t, newFakeBackend(), true, nil))
	s.ctx.Backend = f
	feedScreen(s, keyPress("down")) // dr, the site with a lock
	feedScreen(s, keyPress("u"))
	if v := plainView(s); !strings.Contains(v, "Remove stale locks at dr?") || !strings.Contains(v, "[ Cancel ]") {
		t.Fatalf("unlock confirmation:\n%s", v)
	}
	feedScreen(s, keyPress("enter")) // Cancel has the focus
	if s.confirm != nil || s.ctx.Ops.Running() != 0 || strings.Contains(strings.Join(f.Calls(), ","), "unlock") {
		t.Fatal("enter on Cancel must change nothing")
	}
	feedScreen(s, keyPress("u"))
	feedScreen(s, keyPress("tab"))
	feedScreen(s, keyPress("enter"))
	drainOps(t, s.ctx, nil, nil)
	if !strings.Contains(strings.Join(f.Calls(), ","), "unlock dr all=false") {
		t.Fatalf("calls: %v", f.Calls())
	}
	// Every lock: only after typing the site's name.
	feedScreen(s, keyPress("U"))
	s = typeInto(s, "primary").(*sitesScreen)
	feedScreen(s, keyPress("enter"))
	if s.confirm == nil || !strings.Contains(plainView(s), "that is not dr") {
		t.Fatalf("a wrong name must be refused:\n%s", plainView(s))
	}
	for range "primary" {
		feedScreen(s, keyPress("backspace"))
	}
	s = typeInto(s, "dr").(*sitesScreen)
	feedScreen(s, keyPress("enter"))
	drainOps(t, s.ctx, nil, nil)
	if !strings.Contains(strings.Join(f.Calls(), ","), "unlock dr all=true") {
		t.Fatalf("calls: %v", f.Calls())
	}
}

func TestSitesUnlockReadOnly(t *testing.T) {
	s, f := newSitesForTest(t, 120, 37, screenFakeData(t, newFakeBackend(), true, nil))
	s.ctx.ReadOnly = true
	var got []tea.Msg
	_, cmd := s.Update(keyPress("u"))
	got = execCmd(cmd)
	if len(got) != 1 || !strings.Contains(got[0].(StatusMsg).Text, "read-only") || s.confirm != nil {
		t.Fatalf("read-only unlock: %v", got)
	}
	if strings.Contains(strings.Join(f.Calls(), ","), "unlock") {
		t.Fatal("read-only unlock ran")
	}
}

func TestSitesShowServiceProbesAndLocks(t *testing.T) {
	s, _ := newSitesForTest(t, 120, 37, screenFakeData(t, newFakeBackend(), true, nil))
	feedScreen(s, keyPress("down")) // dr: one lock and an http probe
	v := plainView(s)
	for _, want := range []string{"exclusive lock by restic@old-bastion pid 4242", "stale", "services", "✗ failed http https://api.dr.example/healthz"} {
		if !strings.Contains(v, want) {
			t.Fatalf("details lack %q:\n%s", want, v)
		}
	}
}

// The Sites detail's advice for a site never drilled names keys that work:
// the CLI refuses to drill the active site, so it must not be suggested.
func TestSitesDrillAdviceNamesKeys(t *testing.T) {
	for _, sz := range screenSizes {
		s, _ := newSitesForTest(t, sz.w, sz.h, screenFakeData(t, newFakeBackend(), true, func(st *engine.Status) {
			for i := range st.Sites {
				st.Sites[i].LastDrill = nil
			}
		}))
		v := plainView(s)
		if strings.Contains(v, "lifeboat drill") || !strings.Contains(v, "a drill rehearses a standby: 4 then d") {
			t.Fatalf("%dx%d active site's drill advice:\n%s", sz.w, sz.h, v)
		}
		feedScreen(s, keyPress("down"))
		v = plainView(s)
		if strings.Contains(v, "lifeboat drill") || !strings.Contains(v, "4 then d on dr rehearses a failover") {
			t.Fatalf("%dx%d standby's drill advice:\n%s", sz.w, sz.h, v)
		}
	}
}
