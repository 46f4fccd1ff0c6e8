package tui

import (
	"context"
	"errors"

	"github.com/lifeboat-dr/lifeboat/engine"
	"github.com/lifeboat-dr/lifeboat/engine/restic"
)

// engineOutcome classifies an operation error the way the engine journals it.
func engineOutcome(err error) engine.Outcome {
	switch {
	case err == nil:
		return engine.OutcomeOK
	case errors.Is(err, restic.ErrCancelled), errors.Is(err, context.Canceled):
		return engine.OutcomeCancelled
	case errors.Is(err, restic.ErrPartial):
		return engine.OutcomeWarning
	}
	return engine.OutcomeFailed
}
