package engine

import (
	"encoding/json"
	"time"

	"github.com/lifeboat-dr/lifeboat/internal/dr"
)

// The JSON of `lifeboat status` (contract §4) and of a failover's plan
// states durations in float seconds under the names it always had; these
// write it from the Go durations.

func (d DrillInfo) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Time                time.Time `json:"time"`
		Passed              bool      `json:"passed"`
		ID                  string    `json:"id,omitempty"`
		RTOSeconds          float64   `json:"rto_seconds"`
		RTOObjectiveSeconds float64   `json:"rto_objective_seconds"`
		RPOSeconds          float64   `json:"rpo_seconds"`
	}{d.Time, d.Passed, d.ID, dr.Tenths(d.RTO), d.RTOObjective.Seconds(), d.DataLoss.Seconds()})
}

func (f FailoverInfo) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		ID                  string    `json:"id"`
		Time                time.Time `json:"time"`
		From                string    `json:"from"`
		To                  string    `json:"to"`
		Mode                string    `json:"mode"`
		Outcome             string    `json:"outcome"`
		RTOSeconds          float64   `json:"rto_seconds"`
		RTOObjectiveSeconds float64   `json:"rto_objective_seconds"`
		HumanWaitSeconds    float64   `json:"human_wait_seconds"`
		RPOSeconds          float64   `json:"rpo_seconds"`
	}{f.ID, f.Time, f.From, f.To, f.Mode, f.Outcome, dr.Tenths(f.RTO), f.RTOObjective.Seconds(), dr.Tenths(f.HumanWait),
		f.DataLoss.Seconds()})
}

func (s SetStatus) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Name       string          `json:"name"`
		RPOSeconds float64         `json:"rpo_seconds"`
		Sites      []SetSiteStatus `json:"sites"`
	}{s.Name, s.RPOObjective.Seconds(), s.Sites})
}

func (p FailoverSetPlan) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Name             string    `json:"name"`
		Snapshot         string    `json:"snapshot"`
		SnapshotTime     time.Time `json:"snapshot_time"`
		DataLossSeconds  float64   `json:"data_loss_seconds"`
		MissingSnapshots int       `json:"missing_snapshots"`
		Bytes            uint64    `json:"bytes"`
		Target           string    `json:"target"`
		TargetEntries    int       `json:"target_entries"`
	}{p.Name, p.Snapshot, p.SnapshotTime, p.DataLoss.Seconds(), p.MissingSnapshots, p.Bytes, p.Target, p.TargetEntries})
}

// MarshalJSON states the durations in seconds, as the contract has them.
func (x SetSiteStatus) MarshalJSON() ([]byte, error) {
	type plain SetSiteStatus
	var age *float64
	if x.Age != nil {
		s := x.Age.Seconds()
		age = &s
	}
	return json.Marshal(struct {
		plain
		AgeSeconds      *float64 `json:"age_seconds"`
		BreachInSeconds float64  `json:"breach_in_seconds"`
	}{plain(x), age, x.BreachIn.Seconds()})
}

// MarshalJSON states the lag in seconds, as the contract has it.
func (r ReplicationStatus) MarshalJSON() ([]byte, error) {
	type plain ReplicationStatus
	return json.Marshal(struct {
		plain
		LagSeconds float64 `json:"lag_seconds"`
	}{plain(r), r.Lag.Seconds()})
}

// MarshalJSON states the outlook's durations in seconds.
func (o RPOOutlook) MarshalJSON() ([]byte, error) {
	type plain RPOOutlook
	return json.Marshal(struct {
		plain
		AgeSeconds       float64 `json:"age_seconds"`
		ObjectiveSeconds float64 `json:"objective_seconds"`
		BreachInSeconds  float64 `json:"breach_in_seconds"`
	}{plain(o), o.Age.Seconds(), o.Objective.Seconds(), o.BreachIn.Seconds()})
}
