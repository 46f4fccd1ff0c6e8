package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-dr/lifeboat/engine"
	"github.com/lifeboat-dr/lifeboat/engine/restic"
	"github.com/lifeboat-dr/lifeboat/internal/dr"
	"github.com/lifeboat-dr/lifeboat/internal/testenv"
)

func TestInitCopiesChunkerParams(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "")
	res, err := f.eng.Init(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 || !res[0].Created || !res[1].Created || res[0].Site != "primary" {
		t.Fatalf("init results: %+v", res)
	}
	f.samePolynomial()
	// A second init leaves both alone.
	res, err = f.eng.Init(context.Background(), nil)
	if err != nil || res[0].Created || res[1].Created {
		t.Fatalf("second init: %+v %v", res, err)
	}
}

// Repositories made by plain restic are read exactly: same ids, sets by
// tag, copies matched by original.
func TestCatalogMatchesRawRestic(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "")
	f.raw("primary", "init")
	f.raw("primary", "backup", "--tag", "models", filepath.Join(f.data, "models"))
	f.raw("primary", "backup", "--tag", "datasets", "--tag", "extra", filepath.Join(f.data, "datasets"))
	f.raw("primary", "backup", "--tag", "unrelated", filepath.Join(f.data, "serving"))
	f.raw("dr", "init", "--from-repo", filepath.Join(f.dir, "primary"), "--from-password-file", f.pwFile, "--copy-chunker-params")
	f.raw("dr", "copy", "--from-repo", filepath.Join(f.dir, "primary"), "--from-password-file", f.pwFile, "--tag", "models")

	ctx := context.Background()
	for _, p := range f.eng.RefreshCatalog(ctx) {
		if p.Err != nil {
			t.Fatalf("refresh %s: %v", p.Site, p.Err)
		}
	}
	for _, site := range []string{"primary", "dr"} {
		var raw []restic.Snapshot
		if err := json.Unmarshal(f.raw(site, "snapshots", "--json"), &raw); err != nil {
			t.Fatal(err)
		}
		got, err := f.eng.Snapshots(ctx, site, "")
		if err != nil {
			t.Fatal(err)
		}
		var want, have []string
		for _, s := range raw {
			want = append(want, s.ID+"|"+s.Original+"|"+strings.Join(s.Tags, ","))
		}
		for _, s := range got {
			have = append(have, s.ID+"|"+s.Original+"|"+strings.Join(s.Tags, ","))
		}
		sort.Strings(want)
		sort.Strings(have)
		if !slices.Equal(want, have) {
			t.Fatalf("site %s: catalog %v, restic %v", site, have, want)
		}
	}
	models, _ := f.eng.Snapshots(ctx, "primary", "models")
	datasets, _ := f.eng.Snapshots(ctx, "primary", "datasets")
	serving, _ := f.eng.Snapshots(ctx, "primary", "serving")
	if len(models) != 1 || len(datasets) != 1 || len(serving) != 0 {
		t.Fatalf("sets by tag: models %d datasets %d serving %d", len(models), len(datasets), len(serving))
	}
	cat, _ := f.eng.LoadCatalog(ctx)
	m, _ := f.cfg.Set("models")
	d, _ := f.cfg.Set("datasets")
	if n := len(cat.Missing("primary", "dr", m)); n != 0 {
		t.Fatalf("models copy not matched by original: %d missing", n)
	}
	if n := len(cat.Missing("primary", "dr", d)); n != 1 {
		t.Fatalf("datasets: want 1 missing at dr, got %d", n)
	}
	if at := cat.SitesHolding(models[0]); !slices.Equal(at, []string{"dr", "primary"}) {
		t.Fatalf("models snapshot held at %v", at)
	}
	// A second refresh fetches nothing new.
	for _, p := range f.eng.RefreshCatalog(ctx) {
		if p.Added != 0 || p.Err != nil {
			t.Fatalf("warm refresh of %s added %d (%v)", p.Site, p.Added, p.Err)
		}
	}
}

func TestBackupReplicateStatus(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "")
	f.init()
	ctx := context.Background()
	old := time.Now().Add(-3 * time.Hour)
	if _, err := f.eng.Backup(ctx, engine.BackupRequest{Time: old}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := f.eng.Replicate(ctx, engine.ReplicateRequest{}, nil); err != nil {
		t.Fatal(err)
	}
	// Fresh backups of two sets at primary, not replicated yet.
	var events []engine.Event
	res, err := f.eng.Backup(ctx, engine.BackupRequest{Sets: []string{"models", "datasets"}},
		func(ev engine.Event) { events = append(events, ev) })
	if err != nil || len(res) != 2 || res[0].SnapshotID == "" || res[0].Outcome != engine.OutcomeOK {
		t.Fatalf("backup: %+v %v", res, err)
	}
	if !slices.ContainsFunc(events, func(e engine.Event) bool { return e.Kind == engine.EventFinished && e.Set == "models" }) {
		t.Fatal("no finished event for models")
	}

	st, err := f.eng.Status(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	judge := map[string]bool{}
	for _, set := range st.Sets {
		for _, x := range set.Sites {
			judge[set.Name+"@"+x.Site] = x.RPOOK
		}
	}
	want := map[string]bool{
		"models@primary": true, "models@dr": false, // 3h old at dr against 1h
		"datasets@primary": true, "datasets@dr": false, // 3h against 2h
		"serving@primary": false, "serving@dr": false,
	}
	for k, v := range want {
		if judge[k] != v {
			t.Errorf("rpo_ok %s = %v, want %v", k, judge[k], v)
		}
	}
	if st.Overall != "critical" || st.Level != engine.LevelCritical {
		t.Errorf("overall %s", st.Overall)
	}
	for _, r := range st.Replication {
		wantMissing := map[string]int{"models": 1, "datasets": 1, "serving": 0}[r.Set]
		if r.MissingSnapshots != wantMissing {
			t.Errorf("replication %s: missing %d, want %d", r.Set, r.MissingSnapshots, wantMissing)
		}
		if wantMissing > 0 && (r.Lag < 3*time.Hour-2*time.Minute || r.Lag > 3*time.Hour+2*time.Minute) {
			t.Errorf("replication %s: lag %v, want about 3h", r.Set, r.Lag)
		}
	}

	// Replication copies only what is missing.
	rr, err := f.eng.Replicate(ctx, engine.ReplicateRequest{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	copied := map[string]int{}
	for _, r := range rr {
		copied[r.Set] = r.Copied
		if r.Missing != 0 || r.Outcome != engine.OutcomeOK {
			t.Errorf("replicate %s: %+v", r.Set, r)
		}
	}
	if copied["models"] != 1 || copied["datasets"] != 1 || copied["serving"] != 0 {
		t.Fatalf("copied %v", copied)
	}
	var drSnaps []restic.Snapshot
	_ = json.Unmarshal(f.raw("dr", "snapshots", "--json"), &drSnaps)
	if len(drSnaps) != 5 {
		t.Fatalf("dr holds %d snapshots, want 5", len(drSnaps))
	}
	st, _ = f.eng.Status(ctx, true)
	for _, set := range st.Sets {
		for _, x := range set.Sites {
			if (set.Name == "models" || set.Name == "datasets") && !x.RPOOK {
				t.Errorf("after replication %s@%s not within RPO", set.Name, x.Site)
			}
		}
	}
	// Journal: who, from where, what.
	j := f.journal()
	if len(j) == 0 || j[0].Operator != "alice@bastion" || j[0].Origin != "10.0.0.9" {
		t.Fatalf("journal head: %+v", j[0])
	}
}

func TestSiteDown(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "")
	f.protect()
	ctx := context.Background()
	f.srv.Stop()
	start := time.Now()
	st, err := f.eng.Status(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 20*time.Second {
		t.Fatalf("status took %v with a site down", took)
	}
	var dr engine.SiteStatus
	for _, s := range st.Sites {
		if s.Name == "dr" {
			dr = s
		}
	}
	if dr.Reachable || !strings.Contains(dr.Error, "unreachable") || st.Overall != "critical" {
		t.Fatalf("dr down: %+v overall %s", dr, st.Overall)
	}
	// The cache still tells what dr held, marked stale.
	for _, set := range st.Sets {
		for _, x := range set.Sites {
			if x.Site == "dr" && (!x.Stale || x.NewestTime == nil) {
				t.Fatalf("%s@dr: %+v", set.Name, x)
			}
		}
	}
	_, err = f.eng.Replicate(ctx, engine.ReplicateRequest{}, nil)
	if !errors.Is(err, restic.ErrUnreachable) {
		t.Fatalf("replicate to a down site: %v", err)
	}
	f.srv.Start()
	st, _ = f.eng.Status(ctx, true)
	if !st.Sites[1].Reachable {
		t.Fatalf("dr back up: %+v", st.Sites[1])
	}
}

func TestRestore(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "")
	f.protect()
	ctx := context.Background()
	// One-path set: the contents land directly in the target, byte for byte,
	// restored from the standby behind rest-server.
	target := filepath.Join(t.TempDir(), "restore")
	var progressed bool
	r, err := f.eng.Restore(ctx, engine.RestoreRequest{Site: "dr", Set: "models", Target: target, Verify: true},
		func(ev engine.Event) { progressed = progressed || ev.Kind == engine.EventFinished })
	if err != nil {
		t.Fatal(err)
	}
	if !r.Verified || r.Files < 3 || !progressed {
		t.Fatalf("restore result %+v", r)
	}
	want := testenv.Tree(t, filepath.Join(f.data, "models"))
	got := testenv.Tree(t, target)
	if len(got) != len(want) {
		t.Fatalf("restored %d files, want %d", len(got), len(want))
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("%s differs after restore", k)
		}
	}

	// A non-empty target is refused and left untouched.
	before := testenv.Tree(t, target)
	_, err = f.eng.Restore(ctx, engine.RestoreRequest{Site: "primary", Set: "models", Target: target}, nil)
	if !errors.Is(err, engine.ErrTargetNotEmpty) || !strings.Contains(err.Error(), "--overwrite") {
		t.Fatalf("non-empty target: %v", err)
	}
	after := testenv.Tree(t, target)
	if len(after) != len(before) {
		t.Fatal("refused restore changed the target")
	}
	if j := f.journal(); j[0].Outcome != "refused" || j[0].Action != "restore" {
		t.Fatalf("refusal not journaled: %+v", j[0])
	}

	// Several paths land under their full paths; --include takes one file.
	multi := filepath.Join(t.TempDir(), "multi")
	if _, err := f.eng.Restore(ctx, engine.RestoreRequest{Site: "primary", Set: "serving", Target: multi,
		Include: []string{filepath.Join(f.data, "serving", "limits.yaml")}}, nil); err != nil {
		t.Fatal(err)
	}
	gotMulti := testenv.Tree(t, multi)
	rel := strings.TrimPrefix(filepath.Join(f.data, "serving", "limits.yaml"), "/")
	if len(gotMulti) != 1 || gotMulti[rel] != "rps: 100\n" {
		t.Fatalf("multi-path include restore: %v", gotMulti)
	}
	// Include relative to a one-path set's root.
	one := filepath.Join(t.TempDir(), "one")
	if _, err := f.eng.Restore(ctx, engine.RestoreRequest{Site: "primary", Set: "models", Target: one,
		Include: []string{"config.json"}}, nil); err != nil {
		t.Fatal(err)
	}
	if g := testenv.Tree(t, one); len(g) != 1 || g["config.json"] != `{"layers": 32}` {
		t.Fatalf("one-path include restore: %v", g)
	}
}

func TestCancelledBackupIsJournaledAsCancelled(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "")
	f.init()
	// Enough incompressible data that restic is still working when cancelled.
	f.randomModel("big.bin", 64<<20)
	ctx, cancel := context.WithCancel(context.Background())
	res, err := f.eng.Backup(ctx, engine.BackupRequest{Sets: []string{"models"}}, func(ev engine.Event) {
		if ev.Kind == engine.EventStarted {
			go func() { time.Sleep(300 * time.Millisecond); cancel() }()
		}
	})
	if !errors.Is(err, restic.ErrCancelled) {
		t.Fatalf("want cancelled, got %v", err)
	}
	if len(res) != 1 || res[0].Outcome != engine.OutcomeCancelled {
		t.Fatalf("result %+v", res)
	}
	j := f.journal()
	if j[0].Action != "backup" || j[0].Outcome != "cancelled" {
		t.Fatalf("journal: %+v", j[0])
	}
	ops, _ := f.store.RecentOperations(context.Background(), 1)
	if ops[0].State != "cancelled" {
		t.Fatalf("operation record: %+v", ops[0])
	}
}

func TestWrongPasswordAndMissingRepo(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "")
	ctx := context.Background()
	// Nothing initialised yet: a missing repository names the site and says init.
	st, err := f.eng.Status(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(st.Sites[0].Error, "site primary") || len(st.Sites[0].ErrorDo) != 1 || st.Sites[0].ErrorDo[0].Act != dr.ActInit {
		t.Fatalf("missing repo: %q", st.Sites[0].Error)
	}
	f.init()
	if err := os.WriteFile(f.pwFile, []byte("not-the-password\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = f.eng.Backup(ctx, engine.BackupRequest{Sets: []string{"models"}}, nil)
	if !errors.Is(err, restic.ErrWrongPassword) || !strings.Contains(err.Error(), "site primary") {
		t.Fatalf("wrong password: %v", err)
	}
	for _, e := range f.journal() {
		if strings.Contains(e.Detail+e.Args, "not-the-password") || strings.Contains(e.Detail+e.Args, fixturePassword) {
			t.Fatalf("password in journal: %+v", e)
		}
	}
}

func TestCheckAndForget(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "")
	f.init()
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		if _, err := f.eng.Backup(ctx, engine.BackupRequest{Sets: []string{"models"}, Time: time.Now().Add(-time.Duration(3-i) * time.Hour)}, nil); err != nil {
			t.Fatal(err)
		}
	}
	res, err := f.eng.Check(ctx, engine.CheckRequest{Sites: []string{"primary"}, ReadDataSubset: "1/2"}, nil)
	if err != nil || !res[0].OK {
		t.Fatalf("check: %+v %v", res, err)
	}
	dry, err := f.eng.Forget(ctx, engine.ForgetRequest{Sites: []string{"primary"}, Sets: []string{"models"}, DryRun: true}, nil)
	if err != nil || len(dry) != 1 || len(dry[0].Groups) != 1 || len(dry[0].Groups[0].Remove) != 1 || len(dry[0].Groups[0].Keep) != 2 {
		t.Fatalf("forget dry run: %+v %v", dry, err)
	}
	f.eng.RefreshCatalog(ctx, "primary")
	if s, _ := f.eng.Snapshots(ctx, "primary", "models"); len(s) != 3 {
		t.Fatalf("dry run removed snapshots: %d left", len(s))
	}
	done, err := f.eng.Forget(ctx, engine.ForgetRequest{Sites: []string{"primary"}, Sets: []string{"models"}}, nil)
	if err != nil || !done[0].Pruned {
		t.Fatalf("forget: %+v %v", done, err)
	}
	f.eng.RefreshCatalog(ctx, "primary")
	if s, _ := f.eng.Snapshots(ctx, "primary", "models"); len(s) != 2 {
		t.Fatalf("after forget: %d snapshots, want 2", len(s))
	}

	// Damage a pack: check must fail and say so.
	var packs []string
	_ = filepath.WalkDir(filepath.Join(f.dir, "primary", "data"), func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			packs = append(packs, p)
		}
		return nil
	})
	if len(packs) == 0 {
		t.Fatal("no pack files")
	}
	for _, p := range packs {
		b, _ := os.ReadFile(p)
		for i := 100; i < len(b) && i < 400; i++ {
			b[i] ^= 0xff
		}
		_ = os.Chmod(p, 0o644)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	res, err = f.eng.Check(ctx, engine.CheckRequest{Sites: []string{"primary"}, ReadDataSubset: "100%"}, nil)
	if err == nil || res[0].OK || res[0].Level() != engine.LevelCritical || len(res[0].Errors) == 0 {
		t.Fatalf("check of damaged repo: %+v %v", res, err)
	}
	st, _ := f.eng.Status(ctx, false)
	if st.Sites[0].LastCheck == nil || st.Sites[0].LastCheck.OK {
		t.Fatalf("status last check: %+v", st.Sites[0].LastCheck)
	}
}

// `restic version` runs once per binary: later commands take the version
// from the store, still hold it against MinVersion, and a replaced binary
// is asked again.
func TestResticVersionRemembered(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "")
	ctx := context.Background()
	bin := filepath.Join(t.TempDir(), "restic")
	install := func() {
		raw, err := os.ReadFile(testenv.Restic(t))
		if err != nil {
			t.Fatal(err)
		}
		_ = os.Remove(bin)
		if err := os.WriteFile(bin, raw, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	open := func() (*engine.Engine, error) {
		return engine.New(ctx, f.cfg, f.store, engine.Options{ResticBinary: bin})
	}
	install()
	eng, err := open()
	if err != nil || eng.ResticVersion().Version != "0.19.1" {
		t.Fatalf("first start: %v", err)
	}
	stamp, err := restic.Stamp(bin)
	if err != nil {
		t.Fatal(err)
	}
	known, ok, err := f.store.KnownResticBinary(ctx, bin, stamp)
	if err != nil || !ok || !strings.Contains(known.Version, "0.19.1") {
		t.Fatalf("not remembered: %+v %v %v", known, ok, err)
	}
	// What the store says is believed while the binary is unchanged...
	known.Version = `{"version":"0.99.0"}`
	if err := f.store.RememberResticBinary(ctx, known); err != nil {
		t.Fatal(err)
	}
	if eng, err = open(); err != nil || eng.ResticVersion().Version != "0.99.0" {
		t.Fatalf("unchanged binary: ran restic version again (%v)", err)
	}
	// ...but still refused when too old...
	known.Version = `{"version":"0.9.6"}`
	if err := f.store.RememberResticBinary(ctx, known); err != nil {
		t.Fatal(err)
	}
	if _, err = open(); !errors.Is(err, restic.ErrTooOld) {
		t.Fatalf("remembered 0.9.6: got %v", err)
	}
	// ...and a replaced binary is asked again.
	install()
	if eng, err = open(); err != nil || eng.ResticVersion().Version != "0.19.1" {
		t.Fatalf("replaced binary: %v", err)
	}
}
