package dr

import (
	"fmt"
	"time"
)

// DrillReport is the JSON of `lifeboat drill --json` (contract §4), also
// stored hash-chained and rendered as Markdown. Its JSON is written by
// MarshalJSON; fields may be added, never renamed.
type DrillReport struct {
	ID       string
	Site     string
	From     string // the active site at the time
	Passed   bool
	Started  time.Time
	Finished time.Time
	Operator string
	// RTO is restore plus verification, machine time, to a tenth of a
	// second; RTOObjective is the smallest RTO among the sets drilled.
	RTO           time.Duration
	RTOObjective  time.Duration
	Sets          []DrillSet
	Steps         []DrillStep
	Findings      []string
	ResticVersion string
	CheckSubset   string
	ConfigHash    string
	Scratch       string
	Kept          bool
	PrevSHA256    string
	// Evaluated is false for a drill that could not run (the standby
	// unreachable or locked, no usable scratch space): it says nothing about
	// the standby's data, and has no RTO. NotEvaluated says why.
	Evaluated    bool
	NotEvaluated string

	// SHA256 is the hash of the stored canonical JSON (which cannot hold its
	// own hash); Markdown is the rendering. Neither is in the JSON.
	SHA256   string
	Markdown string
	// Level is the monitoring verdict: ok, warning (passed with findings),
	// critical (failed), unknown (could not run). Not in the JSON.
	Level Level
}

// DrillSet is what a drill proved about one set.
type DrillSet struct {
	Name         string
	Snapshot     string
	SnapshotTime string
	Tree         string
	// DataLoss is the age of the restored snapshot when the drill started,
	// in whole seconds: what a failover then would have lost. RPOObjective
	// is the set's RPO.
	DataLoss     time.Duration
	RPOObjective time.Duration
	// Files and Bytes are the regular files restic restored (directories
	// apart); ListedFiles/ListedBytes are the regular files of the
	// snapshot's listing under the set's paths; VerifiedFiles are the
	// regular files found restored, verified by restic, matching the listing.
	Files         uint64
	Bytes         uint64
	ListedFiles   uint64
	ListedBytes   uint64
	VerifiedFiles uint64
	Verified      bool
}

// DrillStep is one line of a drill's or a failover's timeline.
type DrillStep struct {
	Name    string
	Status  string // the step's state as a report says it: ok, failed, skipped, pending, running
	Started time.Time
	// Elapsed is started → finished, to a tenth of a second; HumanWait the
	// part of it spent waiting on a person.
	Elapsed   time.Duration
	Detail    string
	HumanWait time.Duration
	Finished  time.Time // not in the JSON
}

// TimelineStep is a runbook step as a report's timeline shows it.
func TimelineStep(st RunbookStep) DrillStep {
	ds := DrillStep{Name: st.Name, Status: st.Status.ReportWord(), Started: st.Started, Finished: st.Finished,
		Detail: st.Detail, HumanWait: Tenth(st.HumanWait)}
	if !st.Started.IsZero() && !st.Finished.IsZero() {
		ds.Elapsed = Tenth(st.Finished.Sub(st.Started))
	}
	return ds
}

// CouldNotRun says the drill was not evaluated. Reports stored before the
// field existed decode with Evaluated false but no reason: they ran.
func (r *DrillReport) CouldNotRun() bool { return !r.Evaluated && r.NotEvaluated != "" }

// Verdict is the drill's verdict in words, as its Markdown heads it.
func (r *DrillReport) Verdict() string {
	switch {
	case r.CouldNotRun():
		return "COULD NOT RUN"
	case !r.Passed:
		return "FAILED"
	case len(r.Findings) > 0:
		return "PASSED with findings"
	}
	return "PASSED"
}

// RTOMet says whether the drill's RTO met its objective.
func (r *DrillReport) RTOMet() bool { return Met(r.RTO, r.RTOObjective) }

// RPOMet says whether the set's recovery point was within its RPO.
func (s DrillSet) RPOMet() bool { return Met(s.DataLoss, s.RPOObjective) }

// ChainProblem is one break in the chain of stored drill reports.
type ChainProblem struct {
	DrillID string `json:"drill_id"`
	// JournalID is set instead for a break in the journal's own chain.
	JournalID int64  `json:"journal_id,omitempty"`
	Problem   string `json:"problem"`
}

func (p ChainProblem) String() string {
	if p.JournalID != 0 {
		return fmt.Sprintf("journal entry %d: %s", p.JournalID, p.Problem)
	}
	return "report " + p.DrillID + ": " + p.Problem
}
