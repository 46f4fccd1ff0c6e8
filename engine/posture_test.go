package engine_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lifeboat-dr/lifeboat/engine"
	"github.com/lifeboat-dr/lifeboat/engine/enginetest"
	"github.com/lifeboat-dr/lifeboat/internal/dr"
	"github.com/lifeboat-dr/lifeboat/internal/testenv"
	"github.com/lifeboat-dr/lifeboat/storage"
)

// postureFixture is the two-site world with primary in dc-west and dr in
// dc-east, dr's rest-server append-only or not; every set backed up and
// replicated, both sites checked and dr drilled.
func postureFixture(t *testing.T, appendOnly bool, extraYAML ...string) *fixture {
	t.Helper()
	f := newFixture(t, "drills: {scratch: "+t.TempDir()+"}\n"+strings.Join(extraYAML, ""))
	f.world.Locate(t, appendOnly)
	f.open()
	f.protect()
	enginetest.CheckAndDrill(t, f.eng)
	return f
}

func canariesAt(t *testing.T, f *fixture, site string) int {
	t.Helper()
	var list []json.RawMessage
	if err := json.Unmarshal(f.raw(site, "snapshots", "--json", "--no-lock", "--tag", storage.CanaryTag), &list); err != nil {
		t.Fatal(err)
	}
	return len(list)
}

// TestPostureMetWithAppendOnlyStandby: an append-only rest-server standby in
// another location makes every set meet 3-2-1-1-0, and the canary it keeps
// never shows in the catalog, status or a set.
func TestPostureMetWithAppendOnlyStandby(t *testing.T) {
	t.Parallel()
	f := postureFixture(t, true)
	ctx := context.Background()
	before, err := f.eng.Status(ctx, false)
	if err != nil {
		t.Fatal(err)
	}

	ps, err := f.eng.Posture(ctx, engine.PostureOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 3 {
		t.Fatalf("posture: %+v", ps)
	}
	for _, p := range ps {
		if !p.Met || p.Copies != 3 || p.Media != 2 || !p.Offsite || !p.Immutable || p.Errors != 0 || len(p.Missing) != 0 {
			t.Errorf("set %s: %+v", p.Set, p)
		}
	}
	if l := engine.PostureLevel(ps); l != engine.LevelOK {
		t.Errorf("level %v", l)
	}
	pr, ok, err := f.store.LastImmutabilityProbe(ctx, "dr")
	if err != nil || !ok || pr.Result != storage.ProbeImmutable || pr.Canary == "" {
		t.Fatalf("dr probe: %+v %v %v", pr, ok, err)
	}
	if pp, ok, _ := f.store.LastImmutabilityProbe(ctx, "primary"); !ok || pp.Result != storage.ProbeMutable {
		t.Errorf("primary probe: %+v", pp)
	}
	// The refused delete left the canary; the mutable site lost its own.
	if n := canariesAt(t, f, "dr"); n != 1 {
		t.Errorf("%d canaries at dr, want 1", n)
	}
	if n := canariesAt(t, f, "primary"); n != 0 {
		t.Errorf("%d canaries at primary, want 0", n)
	}

	// A second posture within a day reuses the result; a forced probe
	// reuses the canary.
	if _, err := f.eng.Posture(ctx, engine.PostureOptions{}); err != nil {
		t.Fatal(err)
	}
	if again, _, _ := f.store.LastImmutabilityProbe(ctx, "dr"); !again.Time.Equal(pr.Time) {
		t.Errorf("probe ran again within a day: %v then %v", pr.Time, again.Time)
	}
	if _, err := f.eng.Posture(ctx, engine.PostureOptions{Probe: true}); err != nil {
		t.Fatal(err)
	}
	forced, _, _ := f.store.LastImmutabilityProbe(ctx, "dr")
	if !forced.Time.After(pr.Time) || forced.Result != storage.ProbeImmutable || forced.Canary != pr.Canary {
		t.Errorf("forced probe: %+v, first %+v", forced, pr)
	}
	if n := canariesAt(t, f, "dr"); n != 1 {
		t.Errorf("%d canaries at dr after a forced probe, want 1 (reused)", n)
	}

	// The canary is in the cache (so refreshes need not fetch it again) but
	// nowhere a snapshot list is shown.
	if c, _ := f.store.CachedCanaries(ctx, "dr"); len(c) != 1 {
		t.Fatalf("cached canaries at dr: %+v", c)
	}
	all, err := f.eng.Snapshots(ctx, "dr", "")
	if err != nil {
		t.Fatal(err)
	}
	cat, err := f.eng.LoadCatalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range append(all, cat["dr"]...) {
		if slices.Contains(s.Tags, storage.CanaryTag) {
			t.Errorf("canary %s in the catalog", s.ShortID)
		}
	}
	after, err := f.eng.Status(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	for i, set := range after.Sets {
		for j, x := range set.Sites {
			if b := before.Sets[i].Sites[j]; x.Snapshots != b.Snapshots || x.NewestSnapshot != b.NewestSnapshot {
				t.Errorf("set %s at %s: %d snapshots (newest %s), before the probe %d (%s)",
					set.Name, x.Site, x.Snapshots, x.NewestSnapshot, b.Snapshots, b.NewestSnapshot)
			}
		}
	}
	// Retention never touches it either.
	if _, err := f.eng.Forget(ctx, engine.ForgetRequest{Sites: []string{"dr"}}, nil); err != nil && !strings.Contains(err.Error(), "403") {
		t.Logf("forget at append-only dr: %v", err)
	}
	if n := canariesAt(t, f, "dr"); n != 1 {
		t.Errorf("%d canaries at dr after forget, want 1", n)
	}
}

// TestPostureMissesImmutableThenErrors: the same standby without
// append-only misses exactly "immutable"; a failing check then makes
// "errors" missing too.
func TestPostureMissesImmutableThenErrors(t *testing.T) {
	t.Parallel()
	f := postureFixture(t, false)
	ctx := context.Background()
	ps, err := f.eng.Posture(ctx, engine.PostureOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if p.Met || p.Immutable || p.Copies != 3 || p.Media != 2 || !p.Offsite || p.Errors != 0 ||
			len(p.Missing) != 1 || !strings.HasPrefix(p.Missing[0], "immutable") || len(p.Advice) != 1 {
			t.Errorf("set %s: %+v", p.Set, p)
		}
		if !strings.Contains(p.Missing[0], "dr") || !strings.Contains(p.Advice[0].Text, "append-only") {
			t.Errorf("set %s: missing %q advice %q", p.Set, p.Missing, p.Advice)
		}
	}
	if l := engine.PostureLevel(ps); l != engine.LevelWarning {
		t.Errorf("level %v, want warning", l)
	}
	if n := canariesAt(t, f, "dr"); n != 0 {
		t.Errorf("%d canaries at a normal rest-server, want 0 (the probe forgot it)", n)
	}

	testenv.DamagePacks(t, filepath.Join(f.dir, "primary"))
	if res, err := f.eng.Check(ctx, engine.CheckRequest{Sites: []string{"primary"}, ReadData: true}, nil); err == nil || res[0].OK {
		t.Fatalf("check of damaged packs: %+v %v", res, err)
	}
	ps, err = f.eng.Posture(ctx, engine.PostureOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if p.Errors != 1 || len(p.Missing) != 2 || !strings.HasPrefix(p.Missing[1], "errors") {
			t.Errorf("set %s after a failing check: %+v", p.Set, p)
		}
		if !slices.ContainsFunc(p.Advice, func(a dr.Advice) bool { return slices.Contains(a.Do, dr.Remedy{Act: dr.ActCheck, Site: "primary"}) }) {
			t.Errorf("set %s: advice %q names no check of primary", p.Set, p.Advice)
		}
	}
	if l := engine.PostureLevel(ps); l != engine.LevelCritical {
		t.Errorf("level %v, want critical", l)
	}
}

// TestPostureOfflineSiteIsDeclaredOnly: a standby declared offline counts
// as immutable only while it cannot be reached and held the set when last
// listed, and the advice says it is a declaration; answering now, it does
// not count.
func TestPostureOfflineSiteIsDeclaredOnly(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "")
	f.editConfig(func(y string) string {
		return strings.Replace(y, "    role: standby\n", "    role: standby\n    offline: true\n", 1)
	})
	f.open()
	f.protect()
	ctx := context.Background()
	declared := func(p engine.PostureSet) bool {
		return slices.ContainsFunc(p.Advice, func(a dr.Advice) bool { return strings.Contains(a.Text, "declared, not verified") })
	}
	ps, err := f.eng.Posture(ctx, engine.PostureOptions{NoWrite: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if p.Immutable || declared(p) || !slices.ContainsFunc(p.Advice, func(a dr.Advice) bool { return strings.Contains(a.Text, "declared offline but answered now") }) {
			t.Errorf("set %s with the offline site answering: %+v", p.Set, p)
		}
	}
	f.srv.Stop()
	ps, err = f.eng.Posture(ctx, engine.PostureOptions{NoWrite: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if !p.Immutable || !declared(p) || p.Copies != 2 || slices.ContainsFunc(p.Missing, func(m string) bool { return strings.HasPrefix(m, "immutable") }) {
			t.Errorf("set %s with the offline site away: %+v", p.Set, p)
		}
	}
	if pr, ok, _ := f.store.LastImmutabilityProbe(ctx, "dr"); ok {
		t.Errorf("NoWrite probed: %+v", pr)
	}
}

func TestBackendKind(t *testing.T) {
	for repo, want := range map[string]string{
		"/srv/restic/a": "local", "local:/srv/a": "local", "rest:http://h:8000/r": "rest", "s3:s3.amazonaws.com/b": "s3",
		"sftp:user@host:/r": "sftp", "b2:bucket:p": "b2", "azure:c:/": "azure", "gs:b:/": "gs", "swift:c:/p": "swift",
		"rclone:remote:p": "rclone", "C:\\restic": "local",
	} {
		if got := engine.BackendKind(repo); got != want {
			t.Errorf("BackendKind(%q) = %q, want %q", repo, got, want)
		}
	}
}
