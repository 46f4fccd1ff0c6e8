package dr

import "time"

// RunbookStep is the state of one step of a runbook (a drill or a
// failover): enough to show it, time it and resume after a crash.
type RunbookStep struct {
	RunID     string
	Index     int
	Name      string
	Status    StepState
	Started   time.Time
	Finished  time.Time
	Detail    string
	HumanWait time.Duration // time spent waiting on a person, apart from machine time
}

// FailoverRun is the record of one failover: who started it, where to, and
// what its steps decided (Data, JSON owned by the engine), so that another
// process can resume it.
type FailoverRun struct {
	RunID    string
	From     string
	To       string
	Mode     FailoverMode
	State    FailoverState
	Declared time.Time
	Updated  time.Time
	Operator string
	Data     string
}

// Unfinished says whether the run can still be resumed or aborted.
func (r FailoverRun) Unfinished() bool { return r.State.Unfinished() }

// StepChanged is one step of a runbook moving from one state to another:
// what a front end follows, instead of reading it out of a message.
type StepChanged struct {
	Step     string
	From, To StepState
}
