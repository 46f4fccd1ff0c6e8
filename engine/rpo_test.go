package engine_test

import (
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-dr/lifeboat/engine"
)

func TestRPOOutlook(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		age      time.Duration
		has      bool
		breached bool
		grade    string
		in       time.Duration
		summary  string
	}{
		{12 * time.Minute, true, false, "compliant", 48 * time.Minute, "breach in 48 min"},
		{59*time.Minute + 30*time.Second, true, false, "compliant", 30 * time.Second, "breach in <1 min"},
		{90 * time.Minute, true, true, "exceeded", 0, "over its RPO of 1h"},
		{3 * time.Hour, true, true, "severe", 0, "severe"},
		{5 * time.Hour, true, true, "critical", 0, "critical"},
		{0, false, true, "critical", 0, "no snapshot"},
	} {
		o := engine.NewRPOOutlook("models", "dr", now.Add(-c.age), c.has, time.Hour, now)
		if o.Breached != c.breached || o.Grade != c.grade || o.BreachIn != c.in || !strings.Contains(o.Summary(), c.summary) {
			t.Errorf("age %s: %+v (%s)", c.age, o, o.Summary())
		}
	}
}
