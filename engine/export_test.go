package engine

import (
	"time"

	"github.com/lifeboat-dr/lifeboat/storage"
)

// SetClock replaces the engine's clock, so that tests can take a real
// measurement "two days" after another without waiting for them.
func (e *Engine) SetClock(now func() time.Time) { e.now = now }

// StoreOf is the engine's state store (benchmarks seed it directly).
func StoreOf(e *Engine) *storage.Store { return e.store }
