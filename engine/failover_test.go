package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lifeboat-dr/lifeboat/engine"
	"github.com/lifeboat-dr/lifeboat/internal/dr"
	"github.com/lifeboat-dr/lifeboat/internal/testenv"
	"github.com/lifeboat-dr/lifeboat/storage"
)

// events collects the alert events a webhook receives.
type events struct {
	mu  sync.Mutex
	got []map[string]any
}

func (e *events) names() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for _, ev := range e.got {
		out = append(out, ev["event"].(string)+"@"+ev["site"].(string))
	}
	return out
}

func webhook(t *testing.T) (*events, string) {
	ev := &events{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var m map[string]any
		if json.Unmarshal(b, &m) == nil {
			ev.mu.Lock()
			ev.got = append(ev.got, m)
			ev.mu.Unlock()
		}
	}))
	t.Cleanup(srv.Close)
	return ev, srv.URL
}

// failoverFixture is the two-site world, protected, with a failover target
// and hooks that leave a trace of their environment in a log.
func failoverFixture(t *testing.T) (f *fixture, target, hookLog string, ev *events) {
	t.Helper()
	ev, url := webhook(t)
	base := t.TempDir()
	target, hookLog = filepath.Join(base, "target"), filepath.Join(base, "hooks.log")
	hook := func(kind string) string {
		return `'echo "` + kind + ` $LIFEBOAT_FROM>$LIFEBOAT_TO set=[$LIFEBOAT_SET] run=$LIFEBOAT_RUN_ID target=$LIFEBOAT_TARGET" >> ` + hookLog + `'`
	}
	f = newFixture(t, `failover:
  target: `+target+`
  hooks:
    pre: [`+hook("pre")+`]
    verify: [`+hook("verify")+`, 'test -n "$(ls -A "$LIFEBOAT_TARGET")"']
    switch: [`+hook("switch")+`]
alerts:
  - webhook: `+url+`
    on: [failover_started, failover_finished]
`)
	f.protect()
	return f, target, hookLog, ev
}

func (f *fixture) active() string {
	f.t.Helper()
	a, _, err := f.eng.ActiveSite(context.Background())
	if err != nil {
		f.t.Fatal(err)
	}
	return a
}

// The whole story: a planned failover backs up what changed, replicates
// it, restores every set at dr, verifies, runs the hooks and commits; a
// planned failback does the same the other way. Reports chain.
func TestFailoverPlannedAndFailback(t *testing.T) {
	t.Parallel()
	f, target, hookLog, ev := failoverFixture(t)
	ctx := context.Background()
	// Written after the last replication: a planned failover loses none of it.
	testenv.WriteFiles(t, f.data, map[string]string{"models/ckpt-2/shard-0.bin": strings.Repeat("new ", 3000)})

	var plan *engine.FailoverPlan
	var steps []string
	rep, err := f.eng.Failover(ctx, engine.FailoverRequest{To: "dr", Mode: engine.FailoverPlanned, Confirm: "dr",
		Ask: func(ctx context.Context, p *engine.FailoverPlan) error {
			plan = p
			time.Sleep(300 * time.Millisecond) // the operator reads
			return nil
		}}, func(e engine.Event) {
		if name, _, ok := strings.Cut(e.Message, ": done"); ok && e.Op == "failover" && e.Kind == engine.EventInfo {
			steps = append(steps, name)
		}
	})
	if err != nil {
		t.Fatalf("failover: %v", err)
	}
	for _, s := range rep.Steps {
		t.Logf("  %-22s %-7s %5.1fs %s", s.Name, s.Status, s.Elapsed.Seconds(), s.Detail)
	}
	if !rep.Passed || rep.Outcome != dr.FailoverCommitted || rep.From != "primary" || rep.To != "dr" || rep.Attempts != 1 {
		t.Fatalf("report: %+v", rep)
	}
	if rep.Switched == nil || rep.RTO.Seconds() <= 0 || rep.HumanWait.Seconds() < 0.3 || rep.RTOObjective.Seconds() != 1800 {
		t.Errorf("rto %v human wait %v objective %v switched %v", rep.RTO.Seconds(), rep.HumanWait.Seconds(), rep.RTOObjective.Seconds(), rep.Switched)
	}
	if total := rep.Switched.Sub(rep.Declared).Seconds(); rep.RTO.Seconds() > total-rep.HumanWait.Seconds()+0.2 {
		t.Errorf("rto %.1f is not declared→switched (%.1f) less the human wait (%.1f)", rep.RTO.Seconds(), total, rep.HumanWait.Seconds())
	}
	for _, s := range rep.Steps {
		if (s.Name == "confirm") != (s.HumanWait.Seconds() >= 0.3) {
			t.Errorf("step %s: human wait %.1fs", s.Name, s.HumanWait.Seconds())
		}
	}
	if plan == nil || plan.RunID != rep.ID || len(plan.Sets) != 3 {
		t.Fatalf("plan at the confirmation: %+v", plan)
	}
	for _, s := range plan.Sets {
		if s.MissingSnapshots != 0 || s.DataLoss.Seconds() > 60 {
			t.Errorf("after the final replication set %s should lose nothing: %+v", s.Name, s)
		}
	}
	want := []string{"preflight", "final backup at primary", "replicate to dr", "recovery point", "confirm", "pre hooks",
		"restore models", "restore datasets", "restore serving", "verify models", "verify datasets", "verify serving", "switch hooks", "commit"}
	if !reflect.DeepEqual(steps, want) {
		t.Errorf("steps done:\n got %v\nwant %v", steps, want)
	}
	// Every set landed at <target>/<set> as it is now, new file included.
	for _, set := range []string{"models", "datasets"} {
		if got, want := testenv.Tree(t, filepath.Join(target, set)), testenv.Tree(t, filepath.Join(f.data, set)); !reflect.DeepEqual(got, want) {
			t.Errorf("set %s at the target: %d files, the data has %d", set, len(got), len(want))
		}
	}
	proven, err := f.eng.ProvenSnapshots(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range rep.Sets {
		if !s.Verified || s.VerifiedFiles != s.ListedFiles || s.DataLoss.Seconds() > 60 || s.Target != filepath.Join(target, s.Name) {
			t.Errorf("set %s: %+v", s.Name, s)
		}
		if p := proven[s.Snapshot]; p.Kind != "failover" || p.RunID != rep.ID || p.Site != "dr" {
			t.Errorf("proof of %s after the failover: %+v", s.Name, p)
		}
	}
	if f.active() != "dr" {
		t.Fatalf("active site after commit: %s", f.active())
	}
	if sb, _ := f.eng.Standbys(ctx); !reflect.DeepEqual(sb, []string{"primary"}) {
		t.Errorf("standbys after failover: %v", sb)
	}
	log, _ := os.ReadFile(hookLog)
	for _, line := range []string{"pre primary>dr set=[models datasets serving] run=" + rep.ID + " target=" + target,
		"verify primary>dr set=[serving] run=" + rep.ID + " target=" + filepath.Join(target, "serving"),
		"switch primary>dr set=[models datasets serving]"} {
		if !strings.Contains(string(log), line) {
			t.Errorf("hook log lacks %q:\n%s", line, log)
		}
	}
	if got := ev.names(); !reflect.DeepEqual(got, []string{"failover_started@dr", "failover_finished@dr"}) {
		t.Errorf("alerts: %v", got)
	}
	if !strings.Contains(rep.Markdown, "RTO (declared → switched, human wait apart)") || rep.SHA256 == "" {
		t.Errorf("markdown:\n%s", rep.Markdown)
	}

	// Failback: production now writes at dr; a planned failover back.
	testenv.WriteFiles(t, f.data, map[string]string{"serving/router.yaml": "routes: [c]\n"})
	back, err := f.eng.Failover(ctx, engine.FailoverRequest{To: "primary", Mode: engine.FailoverPlanned, Confirm: "primary"}, nil)
	if err != nil {
		t.Fatalf("failback: %v", err)
	}
	if !back.Passed || back.From != "dr" || f.active() != "primary" || back.PrevSHA256 != rep.SHA256 {
		t.Fatalf("failback: passed %v from %s active %s prev %s", back.Passed, back.From, f.active(), back.PrevSHA256)
	}
	// serving has two paths: each lands under its full path.
	if b, _ := os.ReadFile(filepath.Join(target, "serving", f.data, "serving", "router.yaml")); string(b) != "routes: [c]\n" {
		t.Errorf("failback restored router.yaml %q", b)
	}
	if probs, err := f.eng.VerifyDrillChain(ctx); err != nil || len(probs) != 0 {
		t.Errorf("chain: %v %v", probs, err)
	}
	st, err := f.eng.Status(ctx, false)
	if err != nil || st.ActiveSite != "primary" || st.ActiveFrom != "failover" || st.LastFailover == nil ||
		st.LastFailover.ID != back.ID || st.LastFailover.RTO != back.RTO || st.LastFailover.Outcome != "committed" {
		t.Errorf("status after failback: %+v %v", st.LastFailover, err)
	}
	hist, err := f.store.FailoverReports(ctx, "", 0)
	if err != nil || len(hist) != 2 || hist[0].ID != back.ID {
		t.Errorf("history: %d %v", len(hist), err)
	}
	if committed := f.journaled(func(j storage.JournalEntry) bool {
		return j.Action == "failover" && strings.HasPrefix(j.Detail, "committed") && strings.Contains(j.Detail, "report sha256")
	}); committed != 2 {
		t.Errorf("journaled commits: %d", committed)
	}
}

// With the active site down, a planned failover is refused with the hint
// to go unplanned; the unplanned one shows the loss and restores what dr
// holds.
func TestFailoverUnplannedWhenActiveDown(t *testing.T) {
	t.Parallel()
	f, target, _, _ := failoverFixture(t)
	ctx := context.Background()
	// A backup that never reaches dr: what the unplanned failover loses.
	testenv.WriteFiles(t, f.data, map[string]string{"datasets/part-0003.jsonl": "lost\n"})
	if _, err := f.eng.Backup(ctx, engine.BackupRequest{Sets: []string{"datasets"}}, nil); err != nil {
		t.Fatal(err)
	}
	plan, err := f.eng.PlanFailover(ctx, "dr", engine.FailoverUnplanned)
	if err != nil || plan.Refusal != "" {
		t.Fatalf("plan: %+v %v", plan, err)
	}
	for _, s := range plan.Sets {
		want := map[string]int{"datasets": 1}[s.Name]
		if s.MissingSnapshots != want || s.Snapshot == "" {
			t.Errorf("plan for %s: %+v", s.Name, s)
		}
	}

	// The active site goes away.
	if err := os.Rename(filepath.Join(f.dir, "primary"), filepath.Join(f.dir, "primary.gone")); err != nil {
		t.Fatal(err)
	}
	_, err = f.eng.Failover(ctx, engine.FailoverRequest{To: "dr", Mode: engine.FailoverPlanned, Confirm: "dr"}, nil)
	if !errors.Is(err, engine.ErrFailoverRefused) || !strings.Contains(err.Error(), "--unplanned") {
		t.Fatalf("planned failover with the active site down: %v", err)
	}
	if f.active() != "primary" {
		t.Fatal("a refused failover switched the active site")
	}
	if st, _ := f.eng.UnfinishedFailover(ctx); st != nil {
		t.Fatalf("a refused failover is left unfinished: %+v", st.Run)
	}

	rep, err := f.eng.Failover(ctx, engine.FailoverRequest{To: "dr", Mode: engine.FailoverUnplanned, Confirm: "dr"}, nil)
	if err != nil {
		t.Fatalf("unplanned: %v", err)
	}
	if !rep.Passed || f.active() != "dr" {
		t.Fatalf("unplanned report: %+v", rep)
	}
	if _, err := os.Stat(filepath.Join(target, "datasets", "part-0003.jsonl")); !os.IsNotExist(err) {
		t.Errorf("the unreplicated file was restored: %v", err)
	}
	found := false
	for _, fd := range rep.Findings {
		found = found || strings.Contains(fd, "primary could not be reached")
	}
	if !found {
		t.Errorf("findings do not say the active site was down: %v", rep.Findings)
	}
}

// Damaged packs at the standby refuse the failover before the target is
// touched; a mistyped confirmation changes nothing.
func TestFailoverRefusals(t *testing.T) {
	t.Parallel()
	f, target, hookLog, _ := failoverFixture(t)
	ctx := context.Background()

	_, err := f.eng.Failover(ctx, engine.FailoverRequest{To: "dr", Mode: engine.FailoverUnplanned, Confirm: "DR"}, nil)
	if !errors.Is(err, engine.ErrConfirmMismatch) {
		t.Fatalf("mistyped --confirm: %v", err)
	}
	_, err = f.eng.Failover(ctx, engine.FailoverRequest{To: "dr", Mode: engine.FailoverUnplanned, Confirm: "dr",
		Ask: func(context.Context, *engine.FailoverPlan) error {
			return engine.ErrConfirmMismatch
		}}, nil)
	if !errors.Is(err, engine.ErrFailoverRefused) || !strings.Contains(err.Error(), `"confirm"`) {
		t.Fatalf("mistyped answer: %v", err)
	}
	if _, err := os.Stat(hookLog); !os.IsNotExist(err) {
		t.Errorf("hooks ran after a refused confirmation")
	}
	if n := countFiles(target); n != 0 || f.active() != "primary" {
		t.Fatalf("refused confirmation changed something: %d files at target, active %s", n, f.active())
	}

	testenv.DamagePacks(t, filepath.Join(f.srv.Dir, "dr"))
	_, err = f.eng.Failover(ctx, engine.FailoverRequest{To: "dr", Mode: engine.FailoverUnplanned, Confirm: "dr"}, nil)
	if !errors.Is(err, engine.ErrFailoverRefused) || !strings.Contains(err.Error(), "recovery point") {
		t.Fatalf("failover to a damaged standby: %v", err)
	}
	// The advice names the check that finds the damage, not one that passes.
	if !slices.Contains(dr.RemediesOf(err), dr.Remedy{Act: dr.ActCheckReadData, Site: "dr", Effect: "reads every pack and names the damaged ones"}) {
		t.Errorf("damage hint does not name check --read-data: %v", err)
	}
	t.Logf("refusal: %v", err)
	if n := countFiles(target); n != 0 || f.active() != "primary" {
		t.Fatalf("failover to a damaged standby changed something: %d files, active %s", n, f.active())
	}
	if refused := f.journaled(func(j storage.JournalEntry) bool {
		return j.Action == "failover" && j.Outcome == "refused"
	}); refused != 3 {
		t.Errorf("journaled refusals: %d", refused)
	}
}

// A failover while another run holds the recovery lock is refused with the
// holder's name.
func TestFailoverLockHeld(t *testing.T) {
	t.Parallel()
	f, _, _, _ := failoverFixture(t)
	ctx := context.Background()
	host, _ := os.Hostname()
	if _, ok, err := f.store.AcquireRecoveryLock(ctx, storage.RecoveryLock{RunID: "d-9", Kind: "drill", PID: os.Getpid(),
		Host: host, Operator: "carol@ops"}); err != nil || !ok {
		t.Fatal(ok, err)
	}
	_, err := f.eng.Failover(ctx, engine.FailoverRequest{To: "dr", Mode: engine.FailoverUnplanned, Confirm: "dr"}, nil)
	var held *engine.LockHeldError
	if !errors.As(err, &held) || !strings.Contains(err.Error(), "carol@ops") {
		t.Fatalf("failover under a held lock: %v", err)
	}
}

func countFiles(dir string) int {
	n := 0
	_ = filepath.WalkDir(dir, func(p string, de os.DirEntry, err error) error {
		if err == nil && de.Type().IsRegular() {
			n++
		}
		return nil
	})
	return n
}
