package dr

import "time"

// FailoverReport is the JSON of `lifeboat failover --json`, stored in the
// hash chain with the drills and rendered as Markdown. Its JSON is written
// by MarshalJSON.
type FailoverReport struct {
	ID      string
	Kind    string // failover
	From    string
	To      string
	Mode    FailoverMode
	Outcome FailoverState // committed, aborted
	// Passed: committed with every set restored and verified.
	Passed   bool
	Declared time.Time
	Switched *time.Time
	Finished time.Time
	Operator string
	// RTO is declared → switched less HumanWait, to a tenth of a second.
	RTO           time.Duration
	HumanWait     time.Duration
	RTOObjective  time.Duration
	Attempts      int // 1 + resumes
	Sets          []FailoverResult
	Steps         []DrillStep
	Findings      []string
	ResticVersion string
	ConfigHash    string
	Target        string
	PrevSHA256    string

	SHA256   string // not in the JSON
	Markdown string // not in the JSON
}

// FailoverResult is what a failover did with one set.
type FailoverResult struct {
	Name         string
	Snapshot     string
	SnapshotTime string
	Tree         string
	// DataLoss is declared − snapshot time, in whole seconds: the data lost.
	DataLoss      time.Duration
	RPOObjective  time.Duration
	Target        string
	Files         uint64
	Bytes         uint64
	ListedFiles   uint64
	ListedBytes   uint64
	VerifiedFiles uint64
	Verified      bool
}

// PreflightCheck is one readiness check.
type PreflightCheck struct {
	Name   string   `json:"name"`
	OK     bool     `json:"ok"`
	Detail string   `json:"detail"`
	Do     []Remedy `json:"do,omitempty"`
}

// Verdict is the failover's verdict in words, as its Markdown heads it.
func (r *FailoverReport) Verdict() string {
	switch {
	case r.Outcome == FailoverAborted:
		return "ABORTED"
	case !r.Passed:
		return "COMMITTED, not every set verified"
	case len(r.Findings) > 0:
		return "COMMITTED with findings"
	}
	return "COMMITTED"
}

// RTOMet says whether the failover's RTO met its objective.
func (r *FailoverReport) RTOMet() bool { return Met(r.RTO, r.RTOObjective) }

// RPOMet says whether the data the set lost was within its RPO.
func (s FailoverResult) RPOMet() bool { return Met(s.DataLoss, s.RPOObjective) }
