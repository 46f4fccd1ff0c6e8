package tui

import (
	"strconv"
	"time"

	"github.com/lifeboat-dr/lifeboat/engine"
)

func itoa(i int) string { return strconv.Itoa(i) }

// ago renders a time relative to now for tables: "3h ago", "never".
func ago(now, t time.Time) string { return engine.Ago(now, t) }
