package engine_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/lifeboat-dr/lifeboat/engine"
)

// Durations live as time.Duration; the status JSON still states them in
// seconds under the contract's names, and no snapshot is null, not 0.
func TestStatusJSONStatesSeconds(t *testing.T) {
	age := 90 * time.Minute
	cases := []struct {
		v    any
		want map[string]any
	}{
		{engine.SetSiteStatus{Site: "dr", Age: &age, BreachIn: 30 * time.Minute}, map[string]any{"age_seconds": 5400.0, "breach_in_seconds": 1800.0, "site": "dr"}},
		{engine.SetSiteStatus{Site: "dr"}, map[string]any{"age_seconds": nil, "breach_in_seconds": 0.0}},
		{engine.ReplicationStatus{From: "primary", To: "dr", Lag: 3 * time.Hour}, map[string]any{"lag_seconds": 10800.0, "to": "dr"}},
	}
	for _, c := range cases {
		b, err := json.Marshal(c.v)
		if err != nil {
			t.Fatal(err)
		}
		var got map[string]any
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatal(err)
		}
		for k, want := range c.want {
			if v, ok := got[k]; !ok || v != want {
				t.Errorf("%s: %s = %v, want %v", b, k, v, want)
			}
		}
		for _, k := range []string{"Age", "BreachIn", "Lag"} {
			if _, ok := got[k]; ok {
				t.Errorf("%s: Go field %s leaks into the JSON", b, k)
			}
		}
	}
}
