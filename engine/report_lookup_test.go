package engine_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/lifeboat-dr/lifeboat/engine"
	"github.com/lifeboat-dr/lifeboat/storage"
)

// Report finds a stored report by id, unique prefix or latest, from the
// store alone; an ambiguous or unknown id names what exists, and a changed
// report comes back with what it says and ErrReportChanged.
func TestReportLookup(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := storage.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := engine.Report(ctx, st, "latest"); !errors.Is(err, engine.ErrNoReport) || !strings.Contains(err.Error(), "no stored reports") {
		t.Fatalf("latest of none: %v", err)
	}
	save := func(id, kind, site, js, sum string) {
		t.Helper()
		if sum == "" {
			h := sha256.Sum256([]byte(js))
			sum = hex.EncodeToString(h[:])
		}
		if err := st.SaveDrill(ctx, storage.DrillRecord{ID: id, Kind: kind, Site: site, ReportJSON: js, ReportMD: "# " + id + "\n", SHA256: sum}); err != nil {
			t.Fatal(err)
		}
	}
	save("d-ab", storage.KindDrill, "dr", `{"id":"d-ab","kind":"drill","site":"dr"}`, "")
	save("d-ab2", storage.KindDrill, "dr", `{"id":"d-ab2","kind":"drill","site":"dr"}`, "")
	save("f-1", storage.KindFailover, "dr", `{"id":"f-1","kind":"failover","to":"dr"}`, "")

	for ref, want := range map[string]string{"": "f-1", "latest": "f-1", "f": "f-1", "d-ab": "d-ab", "d-ab2": "d-ab2"} {
		r, err := engine.Report(ctx, st, ref)
		if err != nil || r.ID != want || r.Markdown != "# "+want+"\n" || !strings.Contains(r.JSON, `"id":"`+want+`"`) {
			t.Fatalf("Report(%q): %+v %v", ref, r, err)
		}
	}
	if r, _ := engine.Report(ctx, st, "f-1"); r.Kind != storage.KindFailover {
		t.Fatalf("kind of f-1: %q", r.Kind)
	}
	if _, err := engine.Report(ctx, st, "d-"); !errors.Is(err, engine.ErrNoReport) || !strings.Contains(err.Error(), "d-ab, d-ab2") {
		t.Fatalf("ambiguous prefix: %v", err)
	}
	if _, err := engine.Report(ctx, st, "x"); !errors.Is(err, engine.ErrNoReport) || !strings.Contains(err.Error(), "f-1, d-ab2, d-ab") {
		t.Fatalf("unknown id: %v", err)
	}

	save("d-9", storage.KindDrill, "dr", `{"id":"d-9","kind":"drill","site":"dr","passed":true}`, strings.Repeat("0", 64))
	r, err := engine.Report(ctx, st, "latest")
	if !errors.Is(err, engine.ErrReportChanged) || r.ID != "d-9" || !strings.Contains(r.JSON, `"passed":true`) {
		t.Fatalf("changed report: %+v %v", r, err)
	}
}
