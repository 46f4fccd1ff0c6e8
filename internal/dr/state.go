package dr

// StepState is where one step of a runbook stands.
type StepState string

const (
	StepPending StepState = "pending"
	StepRunning StepState = "running"
	StepDone    StepState = "done"
	StepFailed  StepState = "failed"
	StepSkipped StepState = "skipped"
)

// Finished says the step will not run again: done, or skipped.
func (s StepState) Finished() bool { return s == StepDone || s == StepSkipped }

// ReportWord is how a report's timeline says the state: a done step is
// "ok", the others keep their name.
func (s StepState) ReportWord() string {
	if s == StepDone {
		return "ok"
	}
	return string(s)
}

// FailoverState is where a failover run stands.
type FailoverState string

const (
	FailoverRunning   FailoverState = "running"   // started; a process is (or was, if it died) working on it
	FailoverFailed    FailoverState = "failed"    // a step after the confirmation failed: resume or abort
	FailoverRefused   FailoverState = "refused"   // stopped before the confirmation: nothing was switched
	FailoverCommitted FailoverState = "committed" // the target is the active site
	FailoverAborted   FailoverState = "aborted"   // abandoned by an operator
	// FailoverInterrupted is never stored: it is how a run stored as
	// running reads when its process no longer exists.
	FailoverInterrupted FailoverState = "interrupted"
)

// Unfinished says whether the run can still be resumed or aborted.
func (s FailoverState) Unfinished() bool { return s == FailoverRunning || s == FailoverFailed }

// FailoverMode says whether the active site takes part in a failover.
type FailoverMode string

const (
	// FailoverPlanned takes a last backup at the active site and replicates
	// it to the target first: no data is lost. The active site must be up.
	FailoverPlanned FailoverMode = "planned"
	// FailoverUnplanned restores what the target holds and accepts the loss
	// since its newest copy of each set.
	FailoverUnplanned FailoverMode = "unplanned"
)

// Outcome is how an operation ended; the journal records it as text.
type Outcome string

const (
	OutcomeOK          Outcome = "ok"
	OutcomeWarning     Outcome = "warning"
	OutcomeFailed      Outcome = "failed"
	OutcomeCancelled   Outcome = "cancelled"
	OutcomeRefused     Outcome = "refused"
	OutcomeInterrupted Outcome = "interrupted"
)

// Level is the monitoring verdict; its value is the exit code of status,
// check and drill (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN).
type Level int

const (
	LevelOK Level = iota
	LevelWarning
	LevelCritical
	LevelUnknown
)

func (l Level) String() string {
	return [...]string{"ok", "warning", "critical", "unknown"}[l]
}

// Kinds of runbook, and of the chained reports they write.
const (
	KindDrill    = "drill"
	KindFailover = "failover"
)
