package dr

import (
	"encoding/json"
	"math"
	"time"
)

// The JSON of the reports is the contract (§4) and, stored, the bytes the
// chain hashes: the wire structs below keep its field names, order and
// float-second units exactly, so a report marshalled from the Duration
// fields is byte for byte what Lifeboat always wrote.

// seconds is a duration as the JSON states it.
func seconds(d time.Duration) float64 { return d.Seconds() }

// Tenths is a measured duration as the JSON states it: float seconds to a
// tenth.
func Tenths(d time.Duration) float64 { return math.Round(d.Seconds()*10) / 10 }

// FromSeconds reads float seconds from the JSON.
func FromSeconds(s float64) time.Duration { return time.Duration(math.Round(s * float64(time.Second))) }

func tenths(d time.Duration) float64   { return Tenths(d) }
func duration(s float64) time.Duration { return FromSeconds(s) }

type drillReportJSON struct {
	ID                  string      `json:"id"`
	Site                string      `json:"site"`
	From                string      `json:"from"`
	Passed              bool        `json:"passed"`
	Started             time.Time   `json:"started"`
	Finished            time.Time   `json:"finished"`
	Operator            string      `json:"operator"`
	RTOSeconds          float64     `json:"rto_seconds"`
	RTOObjectiveSeconds float64     `json:"rto_objective_seconds"`
	Sets                []DrillSet  `json:"sets"`
	Steps               []DrillStep `json:"steps"`
	Findings            []string    `json:"findings"`
	ResticVersion       string      `json:"restic_version"`
	CheckSubset         string      `json:"check_subset"`
	ConfigHash          string      `json:"config_hash"`
	Scratch             string      `json:"scratch"`
	Kept                bool        `json:"kept"`
	PrevSHA256          string      `json:"prev_sha256"`
	Evaluated           bool        `json:"evaluated"`
	NotEvaluated        string      `json:"not_evaluated,omitempty"`
}

func (r DrillReport) MarshalJSON() ([]byte, error) {
	return json.Marshal(drillReportJSON{ID: r.ID, Site: r.Site, From: r.From, Passed: r.Passed, Started: r.Started,
		Finished: r.Finished, Operator: r.Operator, RTOSeconds: tenths(r.RTO), RTOObjectiveSeconds: seconds(r.RTOObjective),
		Sets: r.Sets, Steps: r.Steps, Findings: r.Findings, ResticVersion: r.ResticVersion, CheckSubset: r.CheckSubset,
		ConfigHash: r.ConfigHash, Scratch: r.Scratch, Kept: r.Kept, PrevSHA256: r.PrevSHA256, Evaluated: r.Evaluated,
		NotEvaluated: r.NotEvaluated})
}

func (r *DrillReport) UnmarshalJSON(b []byte) error {
	var w drillReportJSON
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*r = DrillReport{ID: w.ID, Site: w.Site, From: w.From, Passed: w.Passed, Started: w.Started, Finished: w.Finished,
		Operator: w.Operator, RTO: duration(w.RTOSeconds), RTOObjective: duration(w.RTOObjectiveSeconds),
		Sets: w.Sets, Steps: w.Steps, Findings: w.Findings, ResticVersion: w.ResticVersion, CheckSubset: w.CheckSubset,
		ConfigHash: w.ConfigHash, Scratch: w.Scratch, Kept: w.Kept, PrevSHA256: w.PrevSHA256, Evaluated: w.Evaluated,
		NotEvaluated: w.NotEvaluated, SHA256: r.SHA256, Markdown: r.Markdown, Level: r.Level}
	return nil
}

// setJSON is a set in either report; Target is a failover's only, and
// stands where it always stood.
type setJSON struct {
	Name                string  `json:"name"`
	Snapshot            string  `json:"snapshot"`
	SnapshotTime        string  `json:"snapshot_time"`
	Tree                string  `json:"tree"`
	RPOSeconds          float64 `json:"rpo_seconds"`
	RPOObjectiveSeconds float64 `json:"rpo_objective_seconds"`
	Target              *string `json:"target,omitempty"`
	Files               uint64  `json:"files"`
	Bytes               uint64  `json:"bytes"`
	ListedFiles         uint64  `json:"listed_files"`
	ListedBytes         uint64  `json:"listed_bytes"`
	VerifiedFiles       uint64  `json:"verified_files"`
	Verified            bool    `json:"verified"`
}

func (s DrillSet) wire() setJSON {
	return setJSON{Name: s.Name, Snapshot: s.Snapshot, SnapshotTime: s.SnapshotTime, Tree: s.Tree,
		RPOSeconds: seconds(s.DataLoss), RPOObjectiveSeconds: seconds(s.RPOObjective), Files: s.Files, Bytes: s.Bytes,
		ListedFiles: s.ListedFiles, ListedBytes: s.ListedBytes, VerifiedFiles: s.VerifiedFiles, Verified: s.Verified}
}

func (w setJSON) set() DrillSet {
	return DrillSet{Name: w.Name, Snapshot: w.Snapshot, SnapshotTime: w.SnapshotTime, Tree: w.Tree,
		DataLoss: duration(w.RPOSeconds), RPOObjective: duration(w.RPOObjectiveSeconds), Files: w.Files, Bytes: w.Bytes,
		ListedFiles: w.ListedFiles, ListedBytes: w.ListedBytes, VerifiedFiles: w.VerifiedFiles, Verified: w.Verified}
}

func (s DrillSet) MarshalJSON() ([]byte, error) { return json.Marshal(s.wire()) }

func (s *DrillSet) UnmarshalJSON(b []byte) error {
	var w setJSON
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*s = w.set()
	return nil
}

// A failover's set is a drill's with the target it was restored into.

func (s FailoverResult) MarshalJSON() ([]byte, error) {
	w := s.set().wire()
	w.Target = &s.Target
	return json.Marshal(w)
}

func (s *FailoverResult) UnmarshalJSON(b []byte) error {
	var w setJSON
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	d := w.set()
	*s = FailoverResult{Name: d.Name, Snapshot: d.Snapshot, SnapshotTime: d.SnapshotTime, Tree: d.Tree, DataLoss: d.DataLoss,
		RPOObjective: d.RPOObjective, Files: d.Files, Bytes: d.Bytes, ListedFiles: d.ListedFiles, ListedBytes: d.ListedBytes,
		VerifiedFiles: d.VerifiedFiles, Verified: d.Verified}
	if w.Target != nil {
		s.Target = *w.Target
	}
	return nil
}

// set is the result without its target.
func (s FailoverResult) set() DrillSet {
	return DrillSet{Name: s.Name, Snapshot: s.Snapshot, SnapshotTime: s.SnapshotTime, Tree: s.Tree, DataLoss: s.DataLoss,
		RPOObjective: s.RPOObjective, Files: s.Files, Bytes: s.Bytes, ListedFiles: s.ListedFiles, ListedBytes: s.ListedBytes,
		VerifiedFiles: s.VerifiedFiles, Verified: s.Verified}
}

type drillStepJSON struct {
	Name             string    `json:"name"`
	Status           string    `json:"status"`
	Started          time.Time `json:"started"`
	Seconds          float64   `json:"seconds"`
	Detail           string    `json:"detail"`
	HumanWaitSeconds float64   `json:"human_wait_seconds,omitempty"`
}

func (s DrillStep) MarshalJSON() ([]byte, error) {
	return json.Marshal(drillStepJSON{Name: s.Name, Status: s.Status, Started: s.Started, Seconds: tenths(s.Elapsed),
		Detail: s.Detail, HumanWaitSeconds: tenths(s.HumanWait)})
}

func (s *DrillStep) UnmarshalJSON(b []byte) error {
	var w drillStepJSON
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*s = DrillStep{Name: w.Name, Status: w.Status, Started: w.Started, Elapsed: duration(w.Seconds), Detail: w.Detail,
		HumanWait: duration(w.HumanWaitSeconds)}
	return nil
}

type failoverReportJSON struct {
	ID                  string           `json:"id"`
	Kind                string           `json:"kind"`
	From                string           `json:"from"`
	To                  string           `json:"to"`
	Mode                FailoverMode     `json:"mode"`
	Outcome             FailoverState    `json:"outcome"`
	Passed              bool             `json:"passed"`
	Declared            time.Time        `json:"declared"`
	Switched            *time.Time       `json:"switched"`
	Finished            time.Time        `json:"finished"`
	Operator            string           `json:"operator"`
	RTOSeconds          float64          `json:"rto_seconds"`
	HumanWaitSeconds    float64          `json:"human_wait_seconds"`
	RTOObjectiveSeconds float64          `json:"rto_objective_seconds"`
	Attempts            int              `json:"attempts"`
	Sets                []FailoverResult `json:"sets"`
	Steps               []DrillStep      `json:"steps"`
	Findings            []string         `json:"findings"`
	ResticVersion       string           `json:"restic_version"`
	ConfigHash          string           `json:"config_hash"`
	Target              string           `json:"target"`
	PrevSHA256          string           `json:"prev_sha256"`
}

func (r FailoverReport) MarshalJSON() ([]byte, error) {
	return json.Marshal(failoverReportJSON{ID: r.ID, Kind: r.Kind, From: r.From, To: r.To, Mode: r.Mode,
		Outcome: r.Outcome, Passed: r.Passed, Declared: r.Declared, Switched: r.Switched, Finished: r.Finished,
		Operator: r.Operator, RTOSeconds: tenths(r.RTO), HumanWaitSeconds: tenths(r.HumanWait),
		RTOObjectiveSeconds: seconds(r.RTOObjective), Attempts: r.Attempts, Sets: r.Sets, Steps: r.Steps,
		Findings: r.Findings, ResticVersion: r.ResticVersion, ConfigHash: r.ConfigHash, Target: r.Target,
		PrevSHA256: r.PrevSHA256})
}

func (r *FailoverReport) UnmarshalJSON(b []byte) error {
	var w failoverReportJSON
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*r = FailoverReport{ID: w.ID, Kind: w.Kind, From: w.From, To: w.To, Mode: w.Mode, Outcome: w.Outcome,
		Passed: w.Passed, Declared: w.Declared, Switched: w.Switched, Finished: w.Finished, Operator: w.Operator,
		RTO: duration(w.RTOSeconds), HumanWait: duration(w.HumanWaitSeconds), RTOObjective: duration(w.RTOObjectiveSeconds),
		Attempts: w.Attempts, Sets: w.Sets, Steps: w.Steps, Findings: w.Findings, ResticVersion: w.ResticVersion,
		ConfigHash: w.ConfigHash, Target: w.Target, PrevSHA256: w.PrevSHA256, SHA256: r.SHA256, Markdown: r.Markdown}
	return nil
}
