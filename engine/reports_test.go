package engine_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lifeboat-dr/lifeboat/engine"
	"github.com/lifeboat-dr/lifeboat/storage"
)

// What status, alerts and the TESTED markers read from a stored report
// comes from its hashed content: flipping the `passed` column of a failed
// drill proves nothing. A report rewritten together with its hash no
// longer matches what the journal recorded, and an edited journal entry
// breaks the journal's own chain: journal --verify names both.
func TestReportChainCoversWhatIsRead(t *testing.T) {
	t.Parallel()
	f := newFixture(t, `drills: {verify: ['exit 3'], scratch: `+t.TempDir()+"}\n")
	f.init()
	ctx := context.Background()
	f.replicated("datasets")
	rep, err := f.eng.Drill(ctx, engine.DrillRequest{Sets: []string{"datasets"}}, nil)
	if err == nil || rep == nil || rep.Passed {
		t.Fatalf("drill with a failing hook: %v %+v", err, rep)
	}
	db, err := sql.Open("sqlite", filepath.Join(f.dir, "state", storage.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	// 1. The columns beside the report are not what is read.
	if _, err := db.Exec(`UPDATE drills SET passed = 1 WHERE id = ?`, rep.ID); err != nil {
		t.Fatal(err)
	}
	st, err := f.eng.Status(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range st.Sites {
		if s.Name == "dr" && (s.LastDrill == nil || s.LastDrill.Passed) {
			t.Errorf("status believes the flipped column: last drill %+v", s.LastDrill)
		}
	}
	var never bool
	for _, p := range st.Problems {
		never = never || strings.Contains(p.Message, "site dr has never passed a drill")
	}
	if !never {
		t.Errorf("a flipped column counts as a passing drill: %+v", st.Problems)
	}
	if proven, err := f.eng.ProvenSnapshots(ctx); err != nil || len(proven) != 0 {
		t.Errorf("a failed drill with a flipped column proved snapshots: %v %v", proven, err)
	}

	// 2. The report rewritten to say passed, with a matching hash: the
	// journal's record of the hash gives it away.
	var js string
	if err := db.QueryRow(`SELECT report_json FROM drills WHERE id = ?`, rep.ID).Scan(&js); err != nil {
		t.Fatal(err)
	}
	forged := strings.Replace(js, `"passed":false`, `"passed":true`, 1)
	sum := sha256.Sum256([]byte(forged))
	if _, err := db.Exec(`UPDATE drills SET report_json = ?, sha256 = ? WHERE id = ?`, forged, hex.EncodeToString(sum[:]), rep.ID); err != nil {
		t.Fatal(err)
	}
	probs, err := f.eng.VerifyDrillChain(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(probs) != 1 || probs[0].DrillID != rep.ID || !strings.Contains(probs[0].Problem, "the journal recorded") {
		t.Errorf("a report rewritten with its hash: problems %+v", probs)
	}

	// 3. An edited journal entry breaks the journal's chain.
	if _, err := db.Exec(`UPDATE journal SET outcome = 'ok' WHERE run_id = ? AND report_sha256 != ''`, rep.ID); err != nil {
		t.Fatal(err)
	}
	probs, err = f.eng.VerifyDrillChain(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var journalBreak bool
	for _, p := range probs {
		journalBreak = journalBreak || p.JournalID != 0 && strings.Contains(p.String(), "changed after it was written")
	}
	if !journalBreak {
		t.Errorf("an edited journal entry: problems %+v", probs)
	}
}

// A report appended behind lifeboat's back, correctly linked and hashed,
// has no journal entry that recorded it: status, TESTED and journal
// --verify refuse it. A genuine report filed under another site is refused
// too: the site is read from the hashed content.
func TestForgedReportsAreRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t, `drills: {scratch: `+t.TempDir()+"}\n")
	f.init()
	ctx := context.Background()
	f.replicated("datasets")
	if rep, err := f.eng.Drill(ctx, engine.DrillRequest{Sets: []string{"datasets"}}, nil); err != nil || !rep.Passed {
		t.Fatalf("drill: %v", err)
	}
	head, err := f.store.LastDrillSHA256(ctx)
	if err != nil {
		t.Fatal(err)
	}
	forged := `{"id":"forged-1","site":"dr","passed":true,"evaluated":true,"finished":"2099-01-01T00:00:00Z","sets":[{"name":"datasets","snapshot":"feedface","verified":true}],"prev_sha256":"` + head + `"}`
	sum := sha256.Sum256([]byte(forged))
	if err := f.store.SaveDrill(ctx, storage.DrillRecord{ID: "forged-1", Site: "dr", Passed: true, ReportJSON: forged,
		PrevSHA256: head, SHA256: hex.EncodeToString(sum[:])}); err != nil {
		t.Fatal(err)
	}
	st, err := f.eng.Status(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range st.Sites {
		if s.Name == "dr" && (s.LastDrill == nil || s.LastDrill.ID == "forged-1") {
			t.Errorf("status takes the forged report as dr's last drill: %+v", s.LastDrill)
		}
	}
	if proven, err := f.eng.ProvenSnapshots(ctx); err != nil || proven["feedface"].RunID != "" {
		t.Errorf("the forged report proved a snapshot: %v %v", proven, err)
	}
	probs, err := f.eng.VerifyDrillChain(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(probs) != 1 || probs[0].DrillID != "forged-1" || !strings.Contains(probs[0].Problem, "no journal entry recorded it") {
		t.Errorf("journal --verify of a forged report: %+v", probs)
	}

	// The genuine report moved to another site's column.
	db, err := sql.Open("sqlite", filepath.Join(f.dir, "state", storage.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`DELETE FROM drills WHERE id = 'forged-1'`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE drills SET site = 'primary'`); err != nil {
		t.Fatal(err)
	}
	st, err = f.eng.Status(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range st.Sites {
		if s.Name == "primary" && s.LastDrill != nil {
			t.Errorf("a report of dr filed under primary counts for primary: %+v", s.LastDrill)
		}
	}
}
