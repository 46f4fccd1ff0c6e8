package engine

import (
	"fmt"
	"time"
)

// RPOOutlook is how one set stands against its RPO at one site, and when it
// will breach it if nothing new arrives.
type RPOOutlook struct {
	Set       string        `json:"set"`
	Site      string        `json:"site"`
	Objective time.Duration `json:"-"`
	// Age is now minus the newest snapshot's time; HasSnapshot is false when
	// the site holds none of the set (then the RPO counts as breached).
	Age         time.Duration `json:"-"`
	HasSnapshot bool          `json:"has_snapshot"`
	Breached    bool          `json:"breached"`
	// BreachIn is how long until the age reaches the objective (0 once breached).
	BreachIn time.Duration `json:"-"`
	Grade    string        `json:"grade"`
}

// NewRPOOutlook judges an age against an objective.
func NewRPOOutlook(set, site string, newest time.Time, hasSnapshot bool, objective time.Duration, now time.Time) RPOOutlook {
	o := RPOOutlook{Set: set, Site: site, Objective: objective, HasSnapshot: hasSnapshot, Grade: "critical", Breached: true}
	if !hasSnapshot {
		return o
	}
	o.Age = max(now.Sub(newest), 0)
	o.Grade = Grade(o.Age, objective)
	o.Breached = o.Age > objective
	if !o.Breached {
		o.BreachIn = objective - o.Age
	}
	return o
}

// Summary says it the way an operator reads it: "12m old of 1h (breach in 48 min)".
func (o RPOOutlook) Summary() string {
	if !o.HasSnapshot {
		return fmt.Sprintf("no snapshot at %s (RPO %s)", o.Site, Age(o.Objective))
	}
	if o.Breached {
		return fmt.Sprintf("%s old, over its RPO of %s (%s)", Age(o.Age), Age(o.Objective), o.Grade)
	}
	return fmt.Sprintf("%s old of %s (breach in %s)", Age(o.Age), Age(o.Objective), BreachIn(o.BreachIn))
}

// BreachIn renders the time left before a breach in whole minutes, the way
// the Catalog shows it: "breach in 48 min". Under a minute is "<1 min".
func BreachIn(d time.Duration) string {
	if d < time.Minute {
		return "<1 min"
	}
	return fmt.Sprintf("%d min", int(d/time.Minute))
}

// RPOOutlooks computes the outlook of every set at every site from a status.
func RPOOutlooks(st *Status) []RPOOutlook {
	var out []RPOOutlook
	for _, set := range st.Sets {
		obj := set.RPOObjective
		for _, x := range set.Sites {
			var newest time.Time
			if x.NewestTime != nil {
				newest = *x.NewestTime
			}
			out = append(out, NewRPOOutlook(set.Name, x.Site, newest, x.NewestTime != nil, obj, st.Time))
		}
	}
	return out
}
