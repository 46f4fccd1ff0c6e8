package engine

import (
	"time"

	"github.com/lifeboat-dr/lifeboat/internal/dr"
)

// The recovery vocabulary is internal/dr's; these names keep the callers of
// the engine (the CLI, the console) compiling while they move over.

type (
	Outcome        = dr.Outcome
	Level          = dr.Level
	FailoverMode   = dr.FailoverMode
	DrillReport    = dr.DrillReport
	DrillSet       = dr.DrillSet
	DrillStep      = dr.DrillStep
	FailoverReport = dr.FailoverReport
	FailoverResult = dr.FailoverResult
	PreflightCheck = dr.PreflightCheck
	ChainProblem   = dr.ChainProblem
)

const (
	OutcomeOK          = dr.OutcomeOK
	OutcomeWarning     = dr.OutcomeWarning
	OutcomeFailed      = dr.OutcomeFailed
	OutcomeCancelled   = dr.OutcomeCancelled
	OutcomeRefused     = dr.OutcomeRefused
	OutcomeInterrupted = dr.OutcomeInterrupted

	LevelOK       = dr.LevelOK
	LevelWarning  = dr.LevelWarning
	LevelCritical = dr.LevelCritical
	LevelUnknown  = dr.LevelUnknown

	FailoverPlanned   = dr.FailoverPlanned
	FailoverUnplanned = dr.FailoverUnplanned

	// GradeUnknown is the grade of a set at a site that cannot be listed now.
	GradeUnknown = dr.GradeUnknown
)

// Grade places an age against an objective on Acronis's scale.
func Grade(age, rpo time.Duration) string { return dr.Grade(age, rpo) }
