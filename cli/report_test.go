package cli

import (
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lifeboat-dr/lifeboat/storage"
)

// report prints a real drill's stored report: latest, by prefix, the stored
// JSON with the hash the journal recorded; an unknown id and a tampered
// report are exit 1, the tampered one printed only under a warning.
func TestReportCommand(t *testing.T) {
	t.Parallel()
	run, dir, _ := world(t)
	runAll(t, run, [][]string{{"init"}, {"backup", "--set", "serving"}, {"replicate", "--set", "serving"}, {"drill", "--set", "serving"}})
	st := openState(t, filepath.Join(dir, "state"))
	recs, err := st.AllDrills(t.Context())
	if err != nil || len(recs) != 1 {
		t.Fatal(len(recs), err)
	}
	rec := recs[0]
	entries, err := st.Journal(t.Context(), storage.JournalQuery{})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	journaled := ""
	for _, e := range entries {
		if e.RunID == rec.ID && e.ReportSHA256 != "" {
			journaled = e.ReportSHA256
		}
	}
	if journaled == "" {
		t.Fatalf("no journal entry recorded report %s", rec.ID)
	}

	code, out, errs := run("report")
	if code != 0 || out != rec.ReportMD || !strings.Contains(out, "PASSED") || errs != "" {
		t.Fatalf("report: %d\n%s\n%s", code, out, errs)
	}
	if code, out2, errs := run("report", "latest"); code != 0 || out2 != out {
		t.Fatalf("report latest: %d %s", code, errs)
	}
	if code, out2, errs := run("report", rec.ID[:len(rec.ID)-2]); code != 0 || out2 != out {
		t.Fatalf("report <prefix>: %d %s", code, errs)
	}
	code, out, errs = run("report", "--json", rec.ID)
	var v map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &v) != nil || v["id"] != rec.ID {
		t.Fatalf("report --json: %d\n%s\n%s", code, out, errs)
	}
	// Exactly the stored JSON: compacted, it hashes to what the journal recorded.
	sum := sha256.Sum256([]byte(strings.TrimSuffix(out, "\n")))
	if hex.EncodeToString(sum[:]) != journaled {
		t.Fatalf("report --json is not the stored JSON (sha256 %x, journal %s)\n%s", sum, journaled, out)
	}

	code, _, errs = run("report", "nosuch")
	if code != 1 || !strings.Contains(errs, rec.ID) {
		t.Fatalf("report of an unknown id: %d %s", code, errs)
	}

	db, err := sql.Open("sqlite", filepath.Join(dir, "state", storage.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	forged := strings.Replace(rec.ReportJSON, `"passed":true`, `"passed":false`, 1)
	if _, err := db.Exec(`UPDATE drills SET report_json = ? WHERE id = ?`, forged, rec.ID); err != nil {
		t.Fatal(err)
	}
	code, out, errs = run("report", "--json")
	if code != 1 || !strings.Contains(errs, "WARNING") || !strings.Contains(errs, "changed") || !strings.Contains(out, `"passed":false`) {
		t.Fatalf("report of a tampered report: %d\n%s\n%s", code, out, errs)
	}
}
