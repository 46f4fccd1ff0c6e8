package tui

import (
	"strconv"
	"time"

	"github.com/lifeboat-dr/lifeboat/engine"
)

func itoa(i int) string { return strconv.Itoa(i) }

// ago renders a time relative to now for tables: "3h ago", "never".
func ago(now, t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := now.Sub(t)
	if d < 5*time.Second && d > -5*time.Second {
		return "just now"
	}
	if d < 0 {
		return "in " + engine.Age(-d)
	}
	return engine.Age(d) + " ago"
}
