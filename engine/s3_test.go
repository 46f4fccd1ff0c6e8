package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-dr/lifeboat/engine"
	"github.com/lifeboat-dr/lifeboat/engine/restic"
	"github.com/lifeboat-dr/lifeboat/internal/dr"
	"github.com/lifeboat-dr/lifeboat/internal/testenv"
)

// newS3Fixture is newFixture with dr on an S3 gateway (versitygw) and, with
// primaryOnS3, primary on another: the buckets do not exist yet.
func newS3Fixture(t *testing.T, primaryOnS3 bool, extraYAML string) *fixture {
	t.Helper()
	w := testenv.NewS3World(t, primaryOnS3, extraYAML)
	f := &fixture{t: t, dir: w.Dir, data: w.Data, pwFile: w.PwFile, cfgPath: w.CfgPath, world: w,
		opts: engine.Options{OutageLimit: 2 * time.Second}}
	f.open()
	return f
}

// An S3 site whose bucket does not exist yet: init creates bucket and
// repository at once, without waiting on restic's retries.
func TestS3InitCreatesBucket(t *testing.T) {
	t.Parallel()
	f := newS3Fixture(t, true, "")
	// Before init every listing says so at once: the bucket is missing.
	start := time.Now()
	for _, p := range f.eng.RefreshCatalog(context.Background()) {
		do := dr.RemediesOf(p.Err)
		if !errors.Is(p.Err, restic.ErrRepoNotFound) || !strings.Contains(p.Err.Error(), "bucket does not exist") || len(do) != 1 || do[0].Act != dr.ActInit {
			t.Fatalf("site %s before init: %v", p.Site, p.Err)
		}
	}
	if took := time.Since(start); took > 15*time.Second {
		t.Errorf("listing two missing buckets took %v", took)
	}
	start = time.Now()
	res, err := f.eng.Init(context.Background(), nil)
	took := time.Since(start)
	if err != nil {
		t.Fatalf("init after %v: %v", took, err)
	}
	if len(res) != 2 || !res[0].Created || !res[1].Created {
		t.Fatalf("init results: %+v", res)
	}
	if took > 15*time.Second {
		t.Errorf("init of two new buckets took %v", took)
	}
	f.samePolynomial()
	if res, err = f.eng.Init(context.Background(), nil); err != nil || res[0].Created || res[1].Created {
		t.Fatalf("second init: %+v %v", res, err)
	}

	t.Logf("init of two new buckets: %v", took)
}

// Both sites on S3: every operation the rest-server world has, end to end.
func TestS3BothSitesOnObjectStorage(t *testing.T) {
	t.Parallel()
	target := filepath.Join(t.TempDir(), "target")
	f := newS3Fixture(t, true, "failover: {target: "+target+"}\n")
	ctx := context.Background()
	last := time.Now()
	phase := func(name string) { t.Logf("%-28s %5.1fs", name, time.Since(last).Seconds()); last = time.Now() }
	f.protect()
	phase("init, backup, replicate")

	// snapshots: the catalog is what restic lists at each bucket.
	for _, site := range []string{"primary", "dr"} {
		var raw []restic.Snapshot
		if err := json.Unmarshal(f.raw(site, "snapshots", "--json"), &raw); err != nil {
			t.Fatal(err)
		}
		got, err := f.eng.Snapshots(ctx, site, "")
		if err != nil || len(got) != 3 || len(raw) != 3 {
			t.Fatalf("site %s: catalog %d snapshots (%v), restic %d", site, len(got), err, len(raw))
		}
	}
	phase("snapshots")
	if res, err := f.eng.Check(ctx, engine.CheckRequest{}, nil); err != nil || len(res) != 2 || !res[0].OK || !res[1].OK {
		t.Fatalf("check: %+v %v", res, err)
	}
	phase("check")
	// restore from the standby's bucket, byte for byte.
	restored := filepath.Join(t.TempDir(), "restored")
	if r, err := f.eng.Restore(ctx, engine.RestoreRequest{Site: "dr", Set: "models", Target: restored, Verify: true}, nil); err != nil || !r.Verified {
		t.Fatalf("restore: %+v %v", r, err)
	}
	if got, want := testenv.Tree(t, restored), testenv.Tree(t, filepath.Join(f.data, "models")); !reflect.DeepEqual(got, want) {
		t.Fatalf("restored %d files, the data has %d (or they differ)", len(got), len(want))
	}
	phase("restore")
	// forget: keep_last 2 of models at primary.
	for i := 0; i < 2; i++ {
		if _, err := f.eng.Backup(ctx, engine.BackupRequest{Sets: []string{"models"}}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if done, err := f.eng.Forget(ctx, engine.ForgetRequest{Sites: []string{"primary"}, Sets: []string{"models"}}, nil); err != nil || !done[0].Pruned {
		t.Fatalf("forget: %+v %v", done, err)
	}
	var kept []restic.Snapshot
	_ = json.Unmarshal(f.raw("primary", "snapshots", "--json", "--tag", "models"), &kept)
	if len(kept) != 2 {
		t.Fatalf("after forget restic lists %d models snapshots at primary, want 2", len(kept))
	}
	phase("forget")
	// drill at the standby, then failover to it and failback.
	if rep, err := f.eng.Drill(ctx, engine.DrillRequest{Site: "dr"}, nil); err != nil || !rep.Passed {
		t.Fatalf("drill: %v %+v", err, rep)
	}
	phase("drill")
	rep, err := f.eng.Failover(ctx, engine.FailoverRequest{To: "dr", Mode: engine.FailoverPlanned, Confirm: "dr"}, nil)
	if err != nil || !rep.Passed || f.active() != "dr" {
		t.Fatalf("failover: %v %+v", err, rep)
	}
	if got, want := testenv.Tree(t, filepath.Join(target, "models")), testenv.Tree(t, filepath.Join(f.data, "models")); !reflect.DeepEqual(got, want) {
		t.Fatalf("failover target holds %d files of models, the data %d", len(got), len(want))
	}
	phase("failover")
	testenv.WriteFiles(t, f.data, map[string]string{"serving/router.yaml": "routes: [c]\n"})
	back, err := f.eng.Failover(ctx, engine.FailoverRequest{To: "primary", Mode: engine.FailoverPlanned, Confirm: "primary"}, nil)
	if err != nil || !back.Passed || f.active() != "primary" {
		t.Fatalf("failback: %v %+v", err, back)
	}
	if b, _ := os.ReadFile(filepath.Join(target, "serving", f.data, "serving", "router.yaml")); string(b) != "routes: [c]\n" {
		t.Errorf("failback restored router.yaml %q", b)
	}
	phase("failback")
}

// bigModels adds n MiB of incompressible data to models: enough that a copy
// or restore is still running when a test stops the object store.
func bigModels(t *testing.T, f *fixture, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		f.randomModel(filepath.Join("big", string(rune('a'+i))+".bin"), 1<<20)
	}
}

// waitForLock waits until restic holds a lock in the gateway's bucket of
// site: the operation has started there.
func waitForLock(t *testing.T, gw *testenv.S3Gateway) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if m, _ := filepath.Glob(filepath.Join(gw.Dir, "*", "lifeboat", "locks", "*")); len(m) > 0 {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Fatal("no restic lock appeared at the gateway within 30s")
}

// local → S3, and the object store stops in the middle of the copy: the
// replication fails naming the standby, reports nothing copied that is not
// there, and the next one (the store back) copies each snapshot once.
func TestS3StoppedMidCopy(t *testing.T) {
	t.Parallel()
	f := newS3Fixture(t, false, "")
	f.world.DRGW.Stoppable(t)
	f.init()
	bigModels(t, f, 8)
	ctx := context.Background()
	if _, err := f.eng.Backup(ctx, engine.BackupRequest{}, nil); err != nil {
		t.Fatal(err)
	}
	type out struct {
		res []engine.ReplicateResult
		err error
	}
	done := make(chan out, 1)
	go func() {
		res, err := f.eng.Replicate(ctx, engine.ReplicateRequest{}, nil)
		done <- out{res, err}
	}()
	waitForLock(t, f.world.DRGW)
	copying := testenv.Descendants(os.Getpid())
	f.world.DRGW.Stop()
	stopped := time.Now()
	_, secret := testenv.S3Keys()
	sawCopy := false
	for _, p := range copying {
		if strings.Contains(p.Cmdline, "restic") && strings.Contains(p.Cmdline, " copy ") {
			sawCopy = true
			if !strings.Contains(p.Cmdline, "-o s3.bucket-lookup=path -o s3.connections=2 copy") {
				t.Errorf("restic copy without dr's options: %q", p.Cmdline)
			}
		}
		if strings.Contains(p.Cmdline, secret) {
			t.Errorf("the S3 secret in the argv of pid %d: %q", p.PID, p.Cmdline)
		}
	}
	if !sawCopy {
		t.Fatalf("the sample missed restic copy, it proves nothing: %v", copying)
	}
	var o out
	select {
	case o = <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("replication still running 60s after the object store stopped")
	}
	t.Logf("replication failed %v after the store stopped: %v", time.Since(stopped).Round(time.Millisecond), o.err)
	if o.err == nil || !strings.Contains(o.err.Error(), "site dr") || !errors.Is(o.err, restic.ErrUnreachable) {
		t.Fatalf("replication with the store stopped: %v", o.err)
	}
	claimed := 0
	for _, r := range o.res {
		claimed += r.Copied
		if r.Outcome == engine.OutcomeOK {
			t.Errorf("set %s reported ok with the store stopped mid-copy: %+v", r.Set, r)
		}
	}
	f.world.DRGW.Start()
	var at []restic.Snapshot
	_ = json.Unmarshal(f.raw("dr", "snapshots", "--json"), &at)
	if len(at) != claimed {
		t.Fatalf("replication claimed %d snapshots copied, dr holds %d", claimed, len(at))
	}
	res, err := f.eng.Replicate(ctx, engine.ReplicateRequest{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Outcome != engine.OutcomeOK || r.Missing != 0 {
			t.Fatalf("second replication: %+v", r)
		}
	}
	shown := o.err.Error()
	for _, j := range f.journal() {
		shown += "\n" + j.Args + " " + j.Detail
	}
	invs, _ := f.eng.CommandLog().Recent()
	for _, inv := range invs {
		shown += "\n" + strings.Join(inv.Args, " ") + " " + inv.Err
	}
	if strings.Contains(shown, secret) {
		t.Errorf("the S3 secret in the error, the journal or the command log:\n%s", shown)
	}
	_ = json.Unmarshal(f.raw("dr", "snapshots", "--json"), &at)
	seen := map[string]int{}
	for _, s := range at {
		seen[s.Original]++
	}
	if len(at) != 3 || len(seen) != 3 {
		t.Fatalf("dr holds %d snapshots of %d originals after the store came back, want 3 of 3", len(at), len(seen))
	}
}

// The object store stops in the middle of a restore from it: the restore
// fails naming the site and is not reported as done.
func TestS3StoppedMidRestore(t *testing.T) {
	t.Parallel()
	f := newS3Fixture(t, false, "")
	f.world.DRGW.Stoppable(t)
	bigModels(t, f, 8)
	f.init()
	f.replicated("models")
	ctx := context.Background()
	target := filepath.Join(t.TempDir(), "restore")
	type out struct {
		res *engine.RestoreResult
		err error
	}
	done := make(chan out, 1)
	go func() {
		res, err := f.eng.Restore(ctx, engine.RestoreRequest{Site: "dr", Set: "models", Target: target, Verify: true}, nil)
		done <- out{res, err}
	}()
	waitForLock(t, f.world.DRGW)
	f.world.DRGW.Stop()
	var o out
	select {
	case o = <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("restore still running 60s after the object store stopped")
	}
	if o.err == nil || !strings.Contains(o.err.Error(), "site dr") {
		t.Fatalf("restore with the store stopped: %v %+v", o.err, o.res)
	}
	if o.res != nil && (o.res.Verified || o.res.Outcome == engine.OutcomeOK) {
		t.Fatalf("interrupted restore reported done: %+v", o.res)
	}
	j := f.journal()
	if j[0].Action != "restore" || j[0].Outcome == "ok" {
		t.Fatalf("journal after the interrupted restore: %+v", j[0])
	}
	t.Logf("restore: %v", o.err)
}

// Why config load refuses two S3 sites with different keys: restic's copy
// opens both repositories with one environment, so with each site's own
// key (the destination's, as the runner's environment ends) it cannot read
// the source. restic 0.19.1 has no --from- form of backend credentials.
func TestS3CopyHoldsOneSetOfCredentials(t *testing.T) {
	t.Parallel()
	if os.Getenv("LIFEBOAT_TEST_S3_ENDPOINT") != "" {
		t.Skip("needs two servers with keys of its own; LIFEBOAT_TEST_S3_ENDPOINT is one external endpoint")
	}
	dir := t.TempDir()
	pw := testenv.WritePassword(t, dir, "pw", "copy-two-keys")
	src := testenv.StartS3Gateway(t, "source-key", "source-secret-"+t.Name())
	dst := testenv.StartS3Gateway(t, "dest-key", "dest-secret-"+t.Name())
	srcRepo, dstRepo := src.URL("src", "lifeboat"), dst.URL("dst", "lifeboat")
	run := func(gw *testenv.S3Gateway, args ...string) (string, error) {
		cmd := exec.Command(testenv.Restic(t), append([]string{"-o", "s3.bucket-lookup=path"}, args...)...)
		cmd.Env = append(os.Environ(), "RESTIC_PASSWORD_FILE="+pw, "RESTIC_FROM_PASSWORD_FILE="+pw,
			"RESTIC_CACHE_DIR="+filepath.Join(dir, "cache"),
			"AWS_ACCESS_KEY_ID="+gw.AccessKey, "AWS_SECRET_ACCESS_KEY="+gw.SecretKey)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := run(src, "-r", srcRepo, "init"); err != nil {
		t.Fatalf("init source: %v\n%s", err, out)
	}
	if out, err := run(src, "-r", srcRepo, "backup", "--tag", "x", pw); err != nil {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	if out, err := run(dst, "-r", dstRepo, "init"); err != nil {
		t.Fatalf("init destination: %v\n%s", err, out)
	}
	// restic takes the refusal for a transient error and retries it for 15
	// minutes: a few seconds show what it says.
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, testenv.Restic(t), "-o", "s3.bucket-lookup=path", "-r", dstRepo, "copy", "--from-repo", srcRepo)
	cmd.Env = append(os.Environ(), "RESTIC_PASSWORD_FILE="+pw, "RESTIC_FROM_PASSWORD_FILE="+pw, "RESTIC_CACHE_DIR="+filepath.Join(dir, "cache"),
		"AWS_ACCESS_KEY_ID="+dst.AccessKey, "AWS_SECRET_ACCESS_KEY="+dst.SecretKey)
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("restic copy between two S3 servers with different keys succeeded:\n%s", out)
	}
	t.Logf("restic copy with the destination's key (%v): %s", err, firstLine(string(out)))
	if !strings.Contains(string(out), "access key") && !strings.Contains(string(out), "Access Key") {
		t.Fatalf("restic copy did not fail on the source's credentials:\n%s", out)
	}
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return l
}

// Keys the object store refuses: said at once, naming the site and its
// env, never as a site that does not answer (restic retries the refusal
// for 15 minutes), and the secret is not in the message.
func TestS3WrongKeys(t *testing.T) {
	t.Parallel()
	f := newS3Fixture(t, false, "")
	f.world.DRGW.Stoppable(t)
	f.init()
	f.world.DRGW.Stop()
	f.world.DRGW.SecretKey = "another-secret-" + t.Name()
	f.world.DRGW.Start()
	start := time.Now()
	_, err := f.eng.Backup(context.Background(), engine.BackupRequest{Sets: []string{"serving"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.eng.Replicate(context.Background(), engine.ReplicateRequest{}, nil)
	took := time.Since(start)
	_, secret := testenv.S3Keys()
	if err == nil || !errors.Is(err, restic.ErrCredentials) || !strings.Contains(err.Error(), "site dr") ||
		!strings.Contains(err.Error(), "env") || strings.Contains(err.Error(), secret) {
		t.Fatalf("replicate to a store that refuses the keys, after %v: %v %+v", took, err, res)
	}
	if took > 20*time.Second {
		t.Errorf("refused keys took %v to report", took)
	}
	t.Logf("after %v: %v", took.Round(time.Millisecond), err)
}
