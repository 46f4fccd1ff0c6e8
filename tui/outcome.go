package tui

import (
	"context"
	"errors"

	"github.com/lifeboat-dr/lifeboat/engine"
)

// engineOutcome classifies an operation error the way the engine journals it.
func engineOutcome(err error) engine.Outcome {
	switch {
	case err == nil:
		return engine.OutcomeOK
	case errors.Is(err, engine.ErrCancelled), errors.Is(err, context.Canceled):
		return engine.OutcomeCancelled
	case errors.Is(err, engine.ErrPartial):
		return engine.OutcomeWarning
	}
	return engine.OutcomeFailed
}
