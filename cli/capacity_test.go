package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCapacityCachedAndRefresh(t *testing.T) {
	run, dir, srv := world(t)
	runAll(t, run, [][]string{{"init"}, {"backup"}})

	// Nothing measured: the cached view says so and how to measure.
	code, out, errs := run("capacity")
	if code != 0 || !strings.Contains(out, "primary: not measured yet") || !strings.Contains(out, "lifeboat capacity --refresh") {
		t.Fatalf("capacity before any measurement: %d\n%s%s", code, out, errs)
	}
	keys := []string{"site", "stored_bytes", "raw_bytes", "restore_bytes", "compression_ratio", "dedup_ratio",
		"snapshots", "growth_bytes_per_day", "free_bytes", "days_to_full", "monthly_cost", "measured_at"}
	decode := func(out string) []map[string]any {
		t.Helper()
		var caps []map[string]any
		if err := json.Unmarshal([]byte(out), &caps); err != nil || len(caps) != 2 {
			t.Fatalf("capacity --json: %v\n%s", err, out)
		}
		for _, c := range caps {
			if len(c) != len(keys) {
				t.Errorf("capacity --json has %d fields, want %d: %v", len(c), len(keys), c)
			}
			for _, k := range keys {
				if _, ok := c[k]; !ok {
					t.Errorf("capacity --json lacks %q: %v", k, c)
				}
			}
		}
		return caps
	}
	code, out, _ = run("capacity", "--json")
	caps := decode(out)
	if code != 0 || caps[0]["site"] != "primary" || caps[0]["measured_at"] != nil || caps[0]["stored_bytes"] != nil {
		t.Fatalf("unmeasured --json: %d %v", code, caps)
	}

	// --refresh measures; it writes to no repository, so --read-only allows it.
	code, out, errs = run("--read-only", "capacity", "--refresh", "--json")
	if code != 0 {
		t.Fatalf("capacity --refresh: %d %s", code, errs)
	}
	caps = decode(out)
	p, d := caps[0], caps[1]
	if p["stored_bytes"] == nil || p["raw_bytes"] == nil || p["restore_bytes"] == nil || p["snapshots"] != float64(2) || p["measured_at"] == nil {
		t.Errorf("primary after refresh: %v", p)
	}
	if p["free_bytes"] == nil {
		t.Errorf("primary is a local repository, its free space is known: %v", p)
	}
	// dr was never replicated to: it holds none of the sets' data (only
	// the ledger, which is not counted as snapshots or restore size), and
	// rest-server tells no free space.
	if d["restore_bytes"] != float64(0) || d["snapshots"] != float64(0) || d["free_bytes"] != nil || d["days_to_full"] != nil {
		t.Errorf("dr after refresh: %v", d)
	}
	for _, c := range caps {
		// One measurement, no price: unknown, not zero.
		if c["growth_bytes_per_day"] != nil || c["monthly_cost"] != nil {
			t.Errorf("%s: growth %v, cost %v; want null", c["site"], c["growth_bytes_per_day"], c["monthly_cost"])
		}
	}
	measured := p["measured_at"]

	// Without --refresh, the cached figures: the same measurement, same time.
	code, out, _ = run("capacity", "--json")
	if cached := decode(out); code != 0 || cached[0]["measured_at"] != measured || cached[0]["stored_bytes"] != p["stored_bytes"] {
		t.Fatalf("cached view differs from the measurement: %v vs %v", cached[0], p)
	}
	code, out, _ = run("capacity")
	if code != 0 || !strings.Contains(out, "primary: measured") || !strings.Contains(out, "stored ") || strings.Contains(out, "not measured yet") {
		t.Fatalf("capacity text: %d\n%s", code, out)
	}

	// A site that cannot be measured: exit 1, its last figures stay, the failure is shown.
	srv.Stop()
	code, out, errs = run("capacity", "--refresh")
	if code != 1 || !strings.Contains(errs, "site dr") || !strings.Contains(out, "last measurement failed") || !strings.Contains(out, "dr: measured") {
		t.Fatalf("refresh with dr down: %d\n%s\n%s", code, out, errs)
	}

	// A price on the site gives a monthly cost.
	cfgPath := filepath.Join(dir, "lifeboat.yaml")
	b, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	y := strings.Replace(string(b), "role: active}", "role: active, cost_per_gib_month: 0.02}", 1)
	if err := os.WriteFile(cfgPath, []byte(y), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, _ = run("capacity", "--json")
	caps = decode(out)
	stored := caps[0]["stored_bytes"].(float64)
	if cost, ok := caps[0]["monthly_cost"].(float64); code != 0 || !ok || cost != stored/(1<<30)*0.02 {
		t.Errorf("monthly_cost = %v for %v bytes at 0.02/GiB", caps[0]["monthly_cost"], stored)
	}
}
