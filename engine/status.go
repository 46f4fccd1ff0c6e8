package engine

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/lifeboat-dr/lifeboat/engine/config"
	"github.com/lifeboat-dr/lifeboat/internal/dr"
)

func worse(a, b Level) Level {
	if b > a {
		return b
	}
	return a
}

// Status is the JSON of `lifeboat status` (contract §4); fields may be
// added, never renamed.
type Status struct {
	Overall     string              `json:"overall"`
	ActiveSite  string              `json:"active_site"`
	ActiveFrom  string              `json:"active_from"` // "config" or "failover"
	Time        time.Time           `json:"time"`
	Sites       []SiteStatus        `json:"sites"`
	Sets        []SetStatus         `json:"sets"`
	Replication []ReplicationStatus `json:"replication"`
	Problems    []Problem           `json:"problems"`
	// LastFailover is the newest failover: an unfinished one if any.
	LastFailover *FailoverInfo `json:"last_failover"`
	// ActiveGeneration counts the changes of active site in the ledger (0:
	// the config's roles hold); Conflict is set when two generations
	// disagree, and makes the overall verdict critical.
	ActiveGeneration int       `json:"active_generation"`
	Conflict         *Conflict `json:"conflict,omitempty"`
	Level            Level     `json:"-"`
}

// Problem is one reason the overall verdict is not ok.
type Problem struct {
	Level   string `json:"level"`
	Site    string `json:"site,omitempty"`
	Set     string `json:"set,omitempty"`
	Message string `json:"message"`
	// Do is what may be done about it; the front end words it.
	Do []dr.Remedy `json:"do,omitempty"`
}

// SiteStatus is one site's health.
type SiteStatus struct {
	Name      string  `json:"name"`
	Role      string  `json:"role"`
	Reachable bool    `json:"reachable"`
	LatencyMS float64 `json:"latency_ms"`
	Error     string  `json:"error"`
	// ErrorDo is what may be done about Error.
	ErrorDo []dr.Remedy `json:"error_do,omitempty"`
	// Locks is null when the site could not be reached: unknown, not 0.
	Locks     *int       `json:"locks"`
	Probed    time.Time  `json:"probed"`
	LastCheck *CheckInfo `json:"last_check"`
	LastDrill *DrillInfo `json:"last_drill"`
}

// LockCount is the number of locks at the site; ok is false when the site
// could not be reached and the count is unknown.
func (s SiteStatus) LockCount() (n int, ok bool) {
	if s.Locks == nil {
		return 0, false
	}
	return *s.Locks, true
}

// CheckInfo is the last `restic check` of a site.
type CheckInfo struct {
	Time   time.Time `json:"time"`
	OK     bool      `json:"ok"`
	Detail string    `json:"detail,omitempty"`
}

// DrillInfo is the last drill of a site, with what it achieved. Its JSON
// is written by MarshalJSON (status_json.go).
type DrillInfo struct {
	Time         time.Time
	Passed       bool
	ID           string
	RTO          time.Duration
	RTOObjective time.Duration
	// DataLoss is the oldest recovery point among the drill's sets.
	DataLoss time.Duration
}

// FailoverInfo is the newest failover that ended, or the one unfinished.
type FailoverInfo struct {
	ID           string
	Time         time.Time
	From         string
	To           string
	Mode         string
	Outcome      string // committed, aborted; running, interrupted or failed when unfinished
	RTO          time.Duration
	RTOObjective time.Duration
	HumanWait    time.Duration
	DataLoss     time.Duration // the most data lost among the sets
}

// SetStatus is one set at every site, against the set's RPO objective.
type SetStatus struct {
	Name         string
	RPOObjective time.Duration
	Sites        []SetSiteStatus
}

// SetSiteStatus judges the newest snapshot of a set at a site against the RPO.
type SetSiteStatus struct {
	Site           string     `json:"site"`
	NewestSnapshot string     `json:"newest_snapshot"`
	NewestTime     *time.Time `json:"newest_time"`
	// Age is now minus the newest snapshot's time, in whole seconds (nil:
	// no snapshot); JSON: age_seconds.
	Age   *time.Duration `json:"-"`
	RPOOK bool           `json:"rpo_ok"`
	// Grade is Acronis's scale of age/RPO: compliant (<1x), exceeded (<=2x),
	// severe (<=4x), critical (beyond, or no snapshot at all).
	Grade string `json:"grade"`
	// BreachIn is how long until the RPO is breached (0 once it is); JSON:
	// breach_in_seconds.
	BreachIn  time.Duration `json:"-"`
	Snapshots int           `json:"snapshots"`
	// Stale is true when the site could not be listed now and the cache
	// speaks; then Grade is "unknown" and RPOOK false (a site that cannot
	// be reached is never shown compliant), and LastSeen is when it was
	// last listed (null if never).
	Stale    bool       `json:"stale"`
	LastSeen *time.Time `json:"last_seen,omitempty"`
}

// ReplicationStatus is how far a standby is behind the active site for a set.
type ReplicationStatus struct {
	From             string `json:"from"`
	To               string `json:"to"`
	Set              string `json:"set"`
	MissingSnapshots int    `json:"missing_snapshots"`
	// Lag is how far the standby's newest copy trails the active site's, in
	// whole seconds; JSON: lag_seconds.
	Lag time.Duration `json:"-"`
}

// Status probes every site (unless probe is false, then it reports the last
// samples and the cached catalog) and judges sets, replication, checks and
// drills against the objectives.
func (e *Engine) Status(ctx context.Context, probe bool) (*Status, error) {
	active, fromStore, err := e.ActiveSite(ctx)
	if err != nil {
		return nil, err
	}
	now := e.now()
	st := &Status{ActiveSite: active, ActiveFrom: "config", Time: now.UTC(),
		Sites: []SiteStatus{}, Sets: []SetStatus{}, Replication: []ReplicationStatus{}, Problems: []Problem{}}
	if fromStore {
		st.ActiveFrom = "failover"
	}
	problem := func(l Level, site, set, format string, args ...any) *Problem {
		st.Level = worse(st.Level, l)
		st.Problems = append(st.Problems, Problem{Level: l.String(), Site: site, Set: set, Message: fmt.Sprintf(format, args...)})
		return &st.Problems[len(st.Problems)-1]
	}

	probes := map[string]SiteProbe{}
	if probe {
		for _, p := range e.RefreshCatalog(ctx) {
			probes[p.Site] = p
		}
	} else {
		for _, s := range e.cfg.Sites {
			smp, ok, err := e.store.LastSample(ctx, s.Name)
			if err != nil {
				return nil, err
			}
			p := SiteProbe{Site: s.Name}
			if ok {
				p = SiteProbe{Site: s.Name, Reachable: smp.Reachable, Latency: smp.Latency, Locks: smp.Locks, Time: smp.Time}
				if smp.Error != "" {
					p.Err = fmt.Errorf("%s", smp.Error)
				}
			} else {
				p.Err = fmt.Errorf("not probed yet")
			}
			probes[s.Name] = p
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := e.ledgerStatus(ctx, st, probe, problem); err != nil {
		return nil, err
	}
	active = st.ActiveSite

	for _, s := range e.cfg.Sites {
		p := probes[s.Name]
		ss := SiteStatus{Name: s.Name, Role: "standby", Reachable: p.Reachable,
			LatencyMS: math.Round(float64(p.Latency)/float64(time.Millisecond)*10) / 10, Probed: p.Time.UTC()}
		if p.Reachable && p.Err == nil {
			n := p.Locks
			ss.Locks = &n
		}
		if s.Name == active {
			ss.Role = "active"
		}
		if p.Err != nil {
			ss.Error, ss.ErrorDo = p.Err.Error(), dr.RemediesOf(p.Err)
			problem(LevelCritical, s.Name, "", "site %s is down: %s", s.Name, siteCause(s.Name, p.Err)).Do = ss.ErrorDo
		}
		if c, ok, err := e.store.LastCheck(ctx, s.Name); err == nil && ok {
			ss.LastCheck = &CheckInfo{Time: c.Time.UTC(), OK: c.OK, Detail: c.Detail}
			if !c.OK {
				problem(LevelCritical, s.Name, "", "last check of site %s failed: %s", s.Name, c.Detail)
			}
		}
		var changed error
		ss.LastDrill, changed = e.lastDrill(ctx, s.Name)
		if changed != nil {
			problem(LevelCritical, s.Name, "", "site %s: %v", s.Name, changed)
		}
		if s.Name != active {
			e.judgeDrills(ctx, s.Name, ss.LastDrill, now, problem)
		}
		st.Sites = append(st.Sites, ss)
	}

	st.LastFailover = e.lastFailover(ctx, problem)

	cat, err := e.loadSetCatalog(ctx)
	if err != nil {
		return nil, err
	}
	for i := range e.cfg.Sets {
		set := &e.cfg.Sets[i]
		rpo := e.cfg.SetRPO(set)
		sst := SetStatus{Name: set.Name, RPOObjective: rpo, Sites: []SetSiteStatus{}}
		for _, site := range e.cfg.Sites {
			x := SetSiteStatus{Site: site.Name, Grade: "critical", Stale: probes[site.Name].Err != nil}
			x.Snapshots = cat.count(i, site.Name)
			if id, nt, ok := cat.newest(i, site.Name); ok {
				t := nt.UTC()
				age := now.Sub(nt)
				whole := age.Round(time.Second)
				x.NewestSnapshot, x.NewestTime, x.Age = id, &t, &whole
				x.RPOOK = age <= rpo
				x.Grade = Grade(age, rpo)
				if x.RPOOK {
					x.BreachIn = (rpo - age).Round(time.Second)
				}
			}
			if x.Stale {
				// The cache says only what was there when it was last listed;
				// the site's own problem (down) is what status reports.
				x.Grade, x.RPOOK, x.BreachIn = GradeUnknown, false, 0
				if t, err := e.store.CatalogRefreshed(ctx, site.Name); err == nil && !t.IsZero() {
					t = t.UTC()
					x.LastSeen = &t
				}
				sst.Sites = append(sst.Sites, x)
				continue
			}
			switch {
			case x.NewestTime == nil:
				problem(LevelCritical, site.Name, set.Name, "set %s has no snapshot at site %s", set.Name, site.Name)
			case !x.RPOOK:
				problem(LevelCritical, site.Name, set.Name, "set %s at site %s is %s old, over its RPO of %s",
					set.Name, site.Name, Age(*x.Age), config.Duration(rpo))
			}
			sst.Sites = append(sst.Sites, x)
		}
		st.Sets = append(st.Sets, sst)

		for _, to := range e.cfg.Sites {
			if to.Name == active {
				continue
			}
			missing, oldest := cat.missing(i, active, to.Name)
			r := ReplicationStatus{From: active, To: to.Name, Set: set.Name, MissingSnapshots: missing}
			if missing > 0 {
				_, newestFrom, _ := cat.newest(i, active)
				if _, newestTo, ok := cat.newest(i, to.Name); ok {
					r.Lag = max(0, newestFrom.Sub(newestTo).Round(time.Second))
				} else {
					r.Lag = newestFrom.Sub(oldest).Round(time.Second)
				}
				problem(LevelWarning, to.Name, set.Name, "%d snapshot(s) of set %s not yet replicated to %s", missing, set.Name, to.Name)
			}
			st.Replication = append(st.Replication, r)
		}
	}
	st.Overall = st.Level.String()
	return st, nil
}

// lastDrill is the newest drill of a site that ran, nil when it never had
// one (a drill that could not run says nothing about the standby's data),
// read from the report's hashed content; changed names a stored report
// that no longer matches its hash (it is passed over).
func (e *Engine) lastDrill(ctx context.Context, site string) (*DrillInfo, error) {
	d, ok, changed := e.lastReport(ctx, dr.KindDrill, site, func(r storedReport) bool { return r.Evaluated })
	if !ok {
		return nil, changed
	}
	return &DrillInfo{Time: d.Finished.UTC(), Passed: d.Passed, ID: d.ID, RTO: d.RTO,
		RTOObjective: d.RTOObjective, DataLoss: d.DataLoss}, changed
}

// lastFailover is the unfinished failover, else the newest that ended; an
// unfinished one is a critical problem until it is resumed or aborted.
func (e *Engine) lastFailover(ctx context.Context, problem func(l Level, site, set, format string, args ...any) *Problem) *FailoverInfo {
	if run, ok, err := e.recovery().UnfinishedFailover(ctx); err == nil && ok {
		state := unfinishedState(ctx, e, run)
		if state == dr.FailoverRunning {
			problem(LevelCritical, run.To, "", "failover %s from %s to %s is running: wait for it to end", run.RunID, run.From, run.To)
		} else {
			problem(LevelCritical, run.To, "", "failover %s from %s to %s is unfinished (%s)",
				run.RunID, run.From, run.To, state).Do = dr.ResumeOrAbort()
		}
		if st, err := e.UnfinishedFailover(ctx); err == nil && st != nil {
			for _, m := range st.HooksCut {
				problem(LevelCritical, run.To, "", "%s", m)
			}
		}
		return &FailoverInfo{ID: run.RunID, Time: run.Updated.UTC(), From: run.From, To: run.To, Mode: string(run.Mode), Outcome: string(state)}
	}
	r, ok, changed := e.lastReport(ctx, dr.KindFailover, "", nil)
	if changed != nil {
		problem(LevelCritical, "", "", "%v", changed)
	}
	if !ok {
		return nil
	}
	return &FailoverInfo{ID: r.ID, Time: r.Finished.UTC(), From: r.From, To: r.Site, Mode: r.Mode, Outcome: r.Outcome,
		RTO: r.RTO, RTOObjective: r.RTOObjective, HumanWait: r.HumanWait, DataLoss: r.DataLoss}
}

// lastPassedDrill is the newest drill of site that passed, by its report.
func (e *Engine) lastPassedDrill(ctx context.Context, site string) (storedReport, bool) {
	r, ok, _ := e.lastReport(ctx, dr.KindDrill, site, func(r storedReport) bool { return r.Passed })
	return r, ok
}

// judgeDrills raises the readiness problems of a standby: a failed last
// drill is critical; no passing drill, one older than drill_every, or one
// run under a different recovery config is "drill needed" (a warning).
func (e *Engine) judgeDrills(ctx context.Context, site string, last *DrillInfo, now time.Time,
	problem func(l Level, site, set, format string, args ...any) *Problem) {
	if last != nil && !last.Passed {
		problem(LevelCritical, site, "", "last drill of site %s failed (%s, %s ago); fix what its findings name, then drill again",
			site, last.ID, Age(now.Sub(last.Time))).Do = []dr.Remedy{{Act: dr.ActReport, Report: last.ID}, {Act: dr.ActDrill, Site: site}}
	}
	passed, ok := e.lastPassedDrill(ctx, site)
	every := e.cfg.Objectives.DrillEvery.D()
	switch {
	case !ok:
		problem(LevelWarning, site, "", "drill needed: site %s has never passed a drill", site)
	case passed.ConfigHash != e.cfg.RecoveryHash():
		problem(LevelWarning, site, "", "drill needed: the recovery config changed since the last passing drill of site %s (%s ago)",
			site, Age(now.Sub(passed.Finished)))
	case every > 0 && now.Sub(passed.Finished) > every:
		problem(LevelWarning, site, "", "drill needed: the last passing drill of site %s is %s old, over drill_every %s",
			site, Age(now.Sub(passed.Finished)), config.Duration(every))
	}
}

// Age renders a duration the way operators say it: 45s, 12m, 3h, 2d.
func Age(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		h := int(d.Hours())
		if m := int(d.Minutes()) % 60; m != 0 && h < 10 {
			return fmt.Sprintf("%dh%dm", h, m)
		}
		return fmt.Sprintf("%dh", h)
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

// Ago renders t relative to now for people: "3h ago", "just now", "in 5m",
// "never" for the zero time.
func Ago(now, t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := now.Sub(t)
	if d < 5*time.Second && d > -5*time.Second {
		return "just now"
	}
	if d < 0 {
		return "in " + Age(-d)
	}
	return Age(d) + " ago"
}

// At is the set's state at a site.
func (s SetStatus) At(site string) (SetSiteStatus, bool) {
	for _, x := range s.Sites {
		if x.Site == site {
			return x, true
		}
	}
	return SetSiteStatus{}, false
}

// ReplicationTo is how far standby to is behind for a set.
func (st *Status) ReplicationTo(to, set string) (ReplicationStatus, bool) {
	if st == nil {
		return ReplicationStatus{}, false
	}
	for _, r := range st.Replication {
		if r.To == to && r.Set == set {
			return r, true
		}
	}
	return ReplicationStatus{}, false
}
