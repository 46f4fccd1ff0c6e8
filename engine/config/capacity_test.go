package config

import (
	"strings"
	"testing"
)

func TestCostPerGiBMonth(t *testing.T) {
	withCost := func(v string) string {
		return strings.Replace(base, "    role: active\n", "    role: active\n    cost_per_gib_month: "+v+"\n", 1)
	}
	for _, tc := range []struct {
		val  string
		want float64
	}{{"0.02", 0.02}, {"0", 0}, {"3", 3}, {"1.5e-3", 0.0015}} {
		c, err := Parse([]byte(withCost(tc.val)), "lifeboat.yaml")
		if err != nil {
			t.Fatalf("cost %s: %v", tc.val, err)
		}
		if p := c.Sites[0].CostPerGiBMonth; p == nil || *p != tc.want {
			t.Errorf("cost %s = %v, want %v", tc.val, p, tc.want)
		}
	}
	c, err := Parse([]byte(base), "lifeboat.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.Sites[0].CostPerGiBMonth != nil {
		t.Errorf("absent cost = %v, want nil (unknown)", *c.Sites[0].CostPerGiBMonth)
	}
	for _, tc := range []struct{ val, msg string }{
		{"-0.01", "must not be negative"},
		{"two cents", "expected a number"},
		{".nan", "expected a number"},
		{"[1]", "expected a number, got a list"},
	} {
		_, err := Parse([]byte(withCost(tc.val)), "lifeboat.yaml")
		if err == nil {
			t.Fatalf("no error for cost %s", tc.val)
		}
		first := strings.SplitN(err.Error(), "\n", 2)[0]
		if !strings.Contains(first, "lifeboat.yaml:6:") || !strings.Contains(first, "sites[0].cost_per_gib_month") || !strings.Contains(first, tc.msg) {
			t.Errorf("cost %s: error %q lacks the line, the key or %q", tc.val, first, tc.msg)
		}
	}
}

func TestStatsSchedule(t *testing.T) {
	c, err := Parse([]byte(base+lines("schedule:", `  stats: "@every 1h"`)), "lifeboat.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.Schedule.Stats != "@every 1h" {
		t.Errorf("stats = %q", c.Schedule.Stats)
	}
	_, err = Parse([]byte(base+lines("schedule:", `  stats: ""`)), "lifeboat.yaml")
	if err == nil || !strings.Contains(err.Error(), "schedule.stats: must not be empty") {
		t.Errorf("empty stats schedule: %v", err)
	}
}
