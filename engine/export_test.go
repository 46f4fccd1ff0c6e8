package engine

import "time"

// SetClock replaces the engine's clock, so that tests can take a real
// measurement "two days" after another without waiting for them.
func (e *Engine) SetClock(now func() time.Time) { e.now = now }
