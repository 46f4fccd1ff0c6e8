package engine

import (
	"context"
	"fmt"
	"slices"
)

// SiteState is the health of a site as `watch` and the Sites screen judge it.
type SiteState string

const (
	// StateUnknown is a site not yet judged: fewer than two agreeing results.
	StateUnknown SiteState = "UNKNOWN"
	// StateOK: the repository answers and nothing is wrong.
	StateOK SiteState = "OK"
	// StateDegraded: the repository answers, but slowly (SlowProbe), or a
	// service probe failed, a stale lock exists or an RPO is breached at the
	// site.
	StateDegraded SiteState = "DEGRADED"
	// StateDown: the repository cannot be reached.
	StateDown SiteState = "DOWN"
)

// SiteObservation is one round of probes of a site, already judged.
type SiteObservation struct {
	State   SiteState
	Reasons []string
}

// Judge turns the raw results of one round into an observation: DOWN when
// the repository is unreachable (its error is the reason; other problems
// cannot be judged then), DEGRADED for every other problem.
func Judge(reachable bool, repoErr string, problems []string) SiteObservation {
	if !reachable {
		if repoErr == "" {
			repoErr = "repository unreachable"
		}
		return SiteObservation{State: StateDown, Reasons: []string{repoErr}}
	}
	if len(problems) > 0 {
		return SiteObservation{State: StateDegraded, Reasons: problems}
	}
	return SiteObservation{State: StateOK}
}

// Transition is a change of a site's confirmed state.
type Transition struct {
	Site    string
	From    SiteState
	To      SiteState
	Reasons []string
}

// SiteHealth is the confirmed state of one site with hysteresis: the state
// changes only when two results in a row agree on a new state, so one
// failed probe among good ones (or the reverse) does not flap it. It is not
// safe for concurrent use.
type SiteHealth struct {
	Site    string
	state   SiteState
	reasons []string
	last    SiteState // the previous observation's state
	seen    bool
}

// NewSiteHealth starts a tracker in StateUnknown.
func NewSiteHealth(site string) *SiteHealth {
	return &SiteHealth{Site: site, state: StateUnknown}
}

// State is the confirmed state and its reasons.
func (h *SiteHealth) State() (SiteState, []string) {
	return h.state, slices.Clone(h.reasons)
}

// Observe feeds one observation and reports a transition of the confirmed
// state, if this observation confirmed one.
func (h *SiteHealth) Observe(o SiteObservation) (Transition, bool) {
	agree := h.seen && h.last == o.State
	h.last, h.seen = o.State, true
	if o.State == h.state {
		// Still in the confirmed state: keep its reasons current.
		h.reasons = slices.Clone(o.Reasons)
		return Transition{}, false
	}
	if !agree {
		return Transition{}, false // a first sign of change: wait for a second
	}
	t := Transition{Site: h.Site, From: h.state, To: o.State, Reasons: slices.Clone(o.Reasons)}
	h.state, h.reasons = o.State, slices.Clone(o.Reasons)
	return t, true
}

// SiteRound is one round of probes of a site beyond the repository probe
// of Status: its service probes, its locks in detail (when it has any) and
// the judgement of all of it.
type SiteRound struct {
	Site        string
	Probes      []ProbeResult
	Locks       []LockInfo
	LocksErr    error // reading the locks failed (the site may still be fine)
	Observation SiteObservation
}

// ProbeRound runs the service probes and reads the locks of every site of
// st, all sites at once, and judges each site from st (reachability, RPO)
// and what it found. Results are in the order of st.Sites. Feed each
// Observation to that site's SiteHealth for the confirmed state.
func (e *Engine) ProbeRound(ctx context.Context, st *Status) []SiteRound {
	out := inParallel(st.Sites, func(s SiteStatus) SiteRound {
		r := SiteRound{Site: s.Name, Probes: e.ProbeServices(ctx, s.Name)}
		if n, ok := s.LockCount(); ok && n > 0 {
			r.Locks, r.LocksErr = e.Locks(ctx, s.Name)
		}
		return r
	})
	outlooks := RPOOutlooks(st)
	for i, s := range st.Sites {
		r := &out[i]
		var problems []string
		for _, p := range r.Probes {
			if !p.OK {
				problems = append(problems, p.String())
			}
		}
		if slow := e.slowProbe; s.Reachable && s.LatencyMS > float64(slow.Milliseconds()) {
			problems = append(problems, fmt.Sprintf("slow: the repository answered in %.1fs (slow above %s)", s.LatencyMS/1000, slow))
		}
		for _, l := range r.Locks {
			if l.Stale {
				problems = append(problems, fmt.Sprintf("stale lock %s from %s (pid %d), %s old",
					short(l.ID), l.Host, l.PID, Age(st.Time.Sub(l.Time))))
			}
		}
		for _, o := range outlooks {
			if o.Site == s.Name && o.Breached {
				problems = append(problems, fmt.Sprintf("set %s: %s", o.Set, o.Summary()))
			}
		}
		r.Observation = Judge(s.Reachable, s.Error, problems)
	}
	return out
}
