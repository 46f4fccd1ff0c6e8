package tui

import (
	"fmt"
	"strconv"
	"time"

	"github.com/lifeboat-dr/lifeboat/engine"
)

// The console's formatting helpers, each written once: ages, byte counts,
// short ids and the verdict words of checks and drills.

func itoa(i int) string { return strconv.Itoa(i) }

// ago renders a time relative to now for tables: "3h ago", "never".
func ago(now, t time.Time) string { return engine.Ago(now, t) }

// secsAge renders seconds from the status JSON as an age ("1h 5m").
func secsAge(s float64) string { return engine.Age(time.Duration(s * float64(time.Second))) }

// bytesText renders a byte count; a negative one is unknown.
func bytesText(n int64) string {
	if n < 0 {
		return "-"
	}
	return engine.Bytes(uint64(n))
}

// shortID is the 8-character form of a snapshot or run id.
func shortID(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

// dashed shows an empty cell as "-".
func dashed(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// checkText is when a site was last checked and how it went: "3h ago ✓ ok".
func checkText(th Theme, now time.Time, c *engine.CheckInfo) string {
	if c == nil {
		return "never"
	}
	return verdictText(th, now, c.Time, c.OK, "ok")
}

// drillText is when a site was last drilled and the verdict.
func drillText(th Theme, now time.Time, d *engine.DrillInfo) string {
	if d == nil {
		return "never"
	}
	return verdictText(th, now, d.Time, d.Passed, "passed")
}

// verdictText is "<age> <verdict>": the good word when ok, else failed.
func verdictText(th Theme, now, at time.Time, ok bool, good string) string {
	word := "failed"
	if ok {
		word = good
	}
	return ago(now, at) + " " + th.Level(word)
}

// stepTime renders a runbook step's duration: tenths below a minute.
func stepTime(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
	return d.Round(time.Second).String()
}
