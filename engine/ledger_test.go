package engine_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lifeboat-dr/lifeboat/engine"
	"github.com/lifeboat-dr/lifeboat/engine/config"
	"github.com/lifeboat-dr/lifeboat/internal/ledger"
	"github.com/lifeboat-dr/lifeboat/internal/testenv"
	"github.com/lifeboat-dr/lifeboat/storage"
)

// bastion opens another bastion over the same config and sites: its own
// state directory, as a second machine would have.
func (f *fixture) bastion(name string) *engine.Engine {
	f.t.Helper()
	cfg, err := config.Load(f.cfgPath)
	if err != nil {
		f.t.Fatal(err)
	}
	st, err := storage.Open(filepath.Join(f.dir, "state-"+name))
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { st.Close() })
	eng, err := engine.New(context.Background(), cfg, st, engine.Options{ResticBinary: testenv.Restic(f.t),
		Operator: &engine.Operator{User: name + "@bastion-" + name}})
	if err != nil {
		f.t.Fatal(err)
	}
	return eng
}

func activeOf(t *testing.T, e *engine.Engine) string {
	t.Helper()
	a, _, err := e.ActiveSite(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func readLedgers(t *testing.T, e *engine.Engine) {
	t.Helper()
	res, err := e.ReadLedgers(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Err != nil {
			t.Fatalf("reading the ledger at %s: %v", r.Site, r.Err)
		}
	}
}

// A failover on one bastion is seen by another that knew the old roles, by
// one that lost its state, and by a new one: the generation and the
// journal travel in the sites' repositories.
func TestFailoverIsSeenByEveryBastion(t *testing.T) {
	f, _, _, _ := failoverFixture(t)
	ctx := context.Background()
	b := f.bastion("b")
	if got := activeOf(t, b); got != "primary" {
		t.Fatalf("bastion b before: active %s, want primary", got)
	}

	rep, err := f.eng.Failover(ctx, engine.FailoverRequest{To: "dr", Mode: engine.FailoverPlanned, Confirm: "dr"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var commit string
	for _, s := range rep.Steps {
		if s.Name == "commit" {
			commit = s.Detail
		}
	}
	if !strings.Contains(commit, "recorded in the ledger at dr, primary") {
		t.Fatalf("commit step says %q; want the ledger publication to both sites", commit)
	}

	readLedgers(t, b)
	if got := activeOf(t, b); got != "dr" {
		t.Fatalf("bastion b after reading the ledgers: active %s, want dr", got)
	}
	// A bastion whose state directory was lost, and a new one, learn the
	// same from nothing but the config and the passwords.
	if err := os.RemoveAll(filepath.Join(f.dir, "state-b")); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"b-again", "c"} {
		e := f.bastion(name)
		if got := activeOf(t, e); got != "primary" {
			t.Fatalf("%s before reading: active %s (the config says primary)", name, got)
		}
		readLedgers(t, e)
		if got := activeOf(t, e); got != "dr" {
			t.Fatalf("%s after reading the ledgers: active %s, want dr", name, got)
		}
		head, err := e.LedgerHead(ctx)
		if err != nil || head.Current == nil || head.Current.RunID != rep.ID || head.Current.N != 1 {
			t.Fatalf("%s: head %+v, %v; want generation 1 of run %s", name, head, err, rep.ID)
		}
		l, err := e.Ledger(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var failoverEntries int
		for _, r := range l.Of(ledger.KindJournal) {
			if strings.Contains(string(r.Body), `"run_id":"`+rep.ID+`"`) {
				failoverEntries++
			}
		}
		if failoverEntries == 0 {
			t.Fatalf("%s: the ledger holds no journal entry of failover %s", name, rep.ID)
		}
		// The history came too: the failover's report, the journal
		// entries marked with the bastion that wrote them, and a report
		// chain that verifies.
		reps, err := e.RecentFailovers(ctx, 10)
		if err != nil || len(reps) != 1 || reps[0].ID != rep.ID || !reps[0].Passed {
			t.Fatalf("%s: failover history %+v, %v; want the report of %s", name, reps, err, rep.ID)
		}
		j, err := e.JournalEntries(ctx, engine.JournalQuery{RunID: rep.ID})
		if err != nil || len(j) == 0 {
			t.Fatalf("%s: journal of run %s: %v, %v", name, rep.ID, j, err)
		}
		for _, entry := range j {
			if entry.Bastion == "" {
				t.Fatalf("%s: journal entry %+v of bastion a is not marked as read from another bastion", name, entry)
			}
		}
		if probs, err := e.VerifyDrillChain(ctx); err != nil || len(probs) != 0 {
			t.Fatalf("%s: journal --verify on the rebuilt state: %v %v", name, probs, err)
		}
	}
	// And the bastion that wrote them still verifies its own.
	if probs, err := f.eng.VerifyDrillChain(ctx); err != nil || len(probs) != 0 {
		t.Fatalf("bastion a: journal --verify: %v %v", probs, err)
	}
}

// Publishing is bounded: nothing new means no restic process at all.
func TestPublishLedgerSendsOnlyWhatIsNew(t *testing.T) {
	f := newFixture(t, "")
	f.init()
	ctx := context.Background()
	first := f.eng.PublishLedger(ctx)
	if len(first) != 2 || !first[0].Sent || !first[1].Sent {
		t.Fatalf("first publication: %+v, want both sites sent", first)
	}
	if again := f.eng.PublishLedger(ctx); len(again) != 0 {
		t.Fatalf("a second publication with nothing new did %+v, want nothing", again)
	}
	if err := f.eng.Journal(ctx, "test", "", "", "", engine.OutcomeOK, "one more entry"); err != nil {
		t.Fatal(err)
	}
	if again := f.eng.PublishLedger(ctx); len(again) != 2 {
		t.Fatalf("publication after a new entry: %+v, want both sites", again)
	}
	// The ledger's snapshots are Lifeboat's, not a set's.
	for _, p := range f.eng.RefreshCatalog(ctx) {
		if p.Err != nil {
			t.Fatal(p.Err)
		}
	}
	snaps, err := f.eng.Snapshots(ctx, "primary", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range snaps {
		for _, tag := range s.Tags {
			if tag == storage.LedgerTag {
				t.Fatalf("the catalog lists ledger snapshot %s", s.ID)
			}
		}
	}
	if ledgers, _ := f.store.CachedLedgers(ctx, "primary"); len(ledgers) != 2 {
		t.Fatalf("the cache holds %d ledger snapshots of primary, want the 2 published", len(ledgers))
	}
}

// threeSites adds a second standby, dr2, behind its own rest-server, so
// that a partition can leave each bastion a different part of the world.
func threeSites(t *testing.T, target string) (*fixture, *testenv.RestServer) {
	t.Helper()
	f := newFixture(t, "failover:\n  target: "+target+"\n")
	srv2 := testenv.StartRestServer(t)
	b, err := os.ReadFile(f.cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	cfg := strings.Replace(string(b), "    role: standby\nsets:",
		"    role: standby\n  - name: dr2\n    repository: "+srv2.URL("dr2")+"\n    password_file: "+f.pwFile+"\n    role: standby\nsets:", 1)
	if err := os.WriteFile(f.cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	f.open()
	return f, srv2
}

// Two bastions that each switch during a partition end in a conflict that
// both see once the sites are back: backups refuse on both until one
// operator names the site that stays active, and that resolution reaches
// the other bastion through the ledgers.
func TestPartitionEndsInConflictUntilResolved(t *testing.T) {
	f, srv2 := threeSites(t, filepath.Join(t.TempDir(), "target"))
	f.protect()
	ctx := context.Background()
	a, b := f.eng, f.bastion("b")

	// Bastion a, cut off from dr, fails over to dr2.
	f.srv.Stop()
	if _, err := a.Failover(ctx, engine.FailoverRequest{To: "dr2", Mode: engine.FailoverPlanned, Confirm: "dr2"}, nil); err != nil {
		t.Fatal(err)
	}
	// The partition lasts until a's background publications gave up on dr.
	a.WaitPublished(ctx)
	f.srv.Start()
	// Bastion b sees only dr: primary and dr2 are out of its reach.
	primary := filepath.Join(f.dir, "primary")
	if err := os.Rename(primary, primary+".away"); err != nil {
		t.Fatal(err)
	}
	srv2.Stop()
	if _, err := b.Failover(ctx, engine.FailoverRequest{To: "dr", Mode: engine.FailoverUnplanned, Confirm: "dr"}, nil); err != nil {
		t.Fatal(err)
	}
	b.WaitPublished(ctx)
	if err := os.Rename(primary+".away", primary); err != nil {
		t.Fatal(err)
	}
	srv2.Start()
	// dr missed a's failover while it was cut off: a's next publication
	// sends it what it lacks.
	sentDR := false
	for _, r := range a.PublishLedger(ctx) {
		sentDR = sentDR || (r.Site == "dr" && r.Sent && r.Err == nil)
	}
	if !sentDR {
		t.Fatal("a's publication after the partition did not send dr the records it missed")
	}

	for name, e := range map[string]*engine.Engine{"a": a, "b": b} {
		readLedgers(t, e)
		c, err := e.Conflict(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if c == nil || len(c.Generations) != 2 || strings.Join(c.Sites(), ",") != "dr2,dr" {
			t.Fatalf("bastion %s: conflict %+v, want dr2 (from a) against dr (from b)", name, c)
		}
		if !strings.Contains(c.Detail, "made dr2 active") || !strings.Contains(c.Detail, "made dr active") {
			t.Fatalf("bastion %s: conflict detail %q does not name both records", name, c.Detail)
		}
		if _, err := e.Backup(ctx, engine.BackupRequest{}, nil); !errors.Is(err, engine.ErrConflict) {
			t.Fatalf("bastion %s: backup during the conflict: %v, want a refusal naming the conflict", name, err)
		}
		if _, err := e.Replicate(ctx, engine.ReplicateRequest{}, nil); !errors.Is(err, engine.ErrConflict) {
			t.Fatalf("bastion %s: replicate during the conflict: %v, want a refusal", name, err)
		}
	}

	if _, err := b.ResolveConflict(ctx, "dr", "primary"); err == nil {
		t.Fatal("a resolution whose confirmation does not name the kept site went through")
	}
	if _, err := b.ResolveConflict(ctx, "primary", "primary"); err == nil {
		t.Fatal("a resolution keeping a site no conflicting generation made active went through")
	}
	if _, err := b.ResolveConflict(ctx, "dr", "dr"); err != nil {
		t.Fatal(err)
	}
	readLedgers(t, a)
	for name, e := range map[string]*engine.Engine{"a": a, "b": b} {
		if c, _ := e.Conflict(ctx); c != nil {
			t.Fatalf("bastion %s: conflict remains after the resolution: %+v", name, c)
		}
		if got := activeOf(t, e); got != "dr" {
			t.Fatalf("bastion %s: active %s after the resolution, want dr", name, got)
		}
		if n, _ := e.ActiveGeneration(ctx); n != 2 {
			t.Fatalf("bastion %s: generation %d, want 2 (the resolution follows the kept side)", name, n)
		}
	}
	if _, err := a.Backup(ctx, engine.BackupRequest{Sets: []string{"serving"}}, nil); err != nil {
		t.Fatalf("backup after the resolution: %v", err)
	}
}

// A failover whose active site is changed by another bastion while it
// waits at its confirmation must not commit: its commit re-reads the
// ledgers and refuses, and nothing is switched on this bastion.
func TestFailoverCommitIsFencedByANewerGeneration(t *testing.T) {
	f, _ := threeSites(t, filepath.Join(t.TempDir(), "target"))
	f.protect()
	ctx := context.Background()
	a, b := f.eng, f.bastion("b")
	ask := func(ctx context.Context, _ *engine.FailoverPlan) error {
		// While a's operator reads the plan, b fails over to dr2.
		_, err := b.Failover(ctx, engine.FailoverRequest{To: "dr2", Mode: engine.FailoverPlanned, Confirm: "dr2"}, nil)
		return err
	}
	_, err := a.Failover(ctx, engine.FailoverRequest{To: "dr", Mode: engine.FailoverPlanned, Confirm: "dr", Ask: ask}, nil)
	if !errors.Is(err, engine.ErrGenerationMoved) {
		t.Fatalf("a's failover after b's: %v, want a refusal because the generation moved", err)
	}
	if !strings.Contains(err.Error(), "made dr2 active") {
		t.Fatalf("the refusal %q does not name the generation that moved", err)
	}
	if got := activeOf(t, a); got != "dr2" {
		t.Fatalf("a: active %s, want dr2 (b's generation, which a read at its commit)", got)
	}
	if c, _ := a.Conflict(ctx); c != nil {
		t.Fatalf("a fenced commit left a conflict: %+v", c)
	}
}
