package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/lifeboat-dr/lifeboat/engine/config"
	"github.com/lifeboat-dr/lifeboat/engine/recovery"
	"github.com/lifeboat-dr/lifeboat/engine/restic"
	"github.com/lifeboat-dr/lifeboat/internal/dr"
	"github.com/lifeboat-dr/lifeboat/storage"
)

// DrillRequest asks for a drill: a rehearsal of failover to Site that
// restores into scratch space, verifies, measures and reports. Production
// is never touched.
type DrillRequest struct {
	Site   string   // the standby to rehearse; "" is the first standby
	Sets   []string // none: every set
	Report string   // optional path for the Markdown report
}

// drillRun is the state the steps of one drill share.
type drillRun struct {
	e       *Engine
	req     DrillRequest
	obs     Observer
	rep     *DrillReport
	active  string
	sets    []*config.Set
	snaps   map[string]Snapshot
	dir     string // <scratch>/<run-id>
	byName  map[string]*DrillSet
	hookBad map[string]bool
	rtoFrom time.Time
	rtoTo   time.Time
	// noted is set when a failing step already said why in a finding;
	// failure is the first such finding.
	noted   bool
	failure string
	// notRun is why the drill could not run, "" when it did.
	notRun string
}

// fail records the finding that explains a failing step.
func (d *drillRun) fail(format string, args ...any) {
	if !d.noted {
		d.failure = fmt.Sprintf(format, args...)
	}
	d.noted = true
	d.finding(format, args...)
}

func (d *drillRun) finding(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	d.rep.Findings = append(d.rep.Findings, msg)
	d.obs.emit(Event{Op: "drill", Site: d.req.Site, Kind: EventWarning, Message: msg})
}

// Drill rehearses a failover to a standby site: preflight, restore each
// set's newest snapshot there into scratch space with verification, compare
// with the snapshot's listing, run the drill's verify hooks, check a
// rotating subset of the pack data, clean up, then store the report in the
// hash chain. It returns an error without a report only when the drill
// could not start (unknown site or set, the recovery lock held, the store
// failing); a drill that ran and failed returns its report and an error.
func (e *Engine) Drill(ctx context.Context, req DrillRequest, obs Observer) (*DrillReport, error) {
	if err := e.Permit(ctx, "drill"); err != nil {
		return nil, err
	}
	active, _, err := e.ActiveSite(ctx)
	if err != nil {
		return nil, err
	}
	if req.Site == "" {
		standbys, err := e.Standbys(ctx)
		if err != nil {
			return nil, err
		}
		if len(standbys) == 0 {
			return nil, errors.New("drill: there is no standby site to rehearse a failover to")
		}
		req.Site = standbys[0]
	}
	if _, err := e.site(req.Site); err != nil {
		return nil, err
	}
	if req.Site == active {
		return nil, fmt.Errorf("drill: site %s is the active site; a drill rehearses a failover to a standby (choose one of %s)",
			req.Site, strings.Join(standbyNames(e.cfg, active), ", "))
	}
	sets, err := e.sets(req.Sets)
	if err != nil {
		return nil, err
	}
	started := e.now().UTC()
	runID := recovery.NewRunID(started)
	rec := e.recovery()
	if err := rec.AcquireLock(ctx, dr.KindDrill, runID, req.Site); err != nil {
		_ = e.Journal(ctx, "drill", req.Site, "", drillArgs(req), OutcomeRefused, err.Error())
		return nil, err
	}
	defer rec.ReleaseLock(runID)

	prevCount, err := e.store.CountDrills(ctx, req.Site)
	if err != nil {
		return nil, err
	}
	t := e.cfg.Drills.Subsets
	if t <= 0 {
		t = config.DefaultSubsets
	}
	n := 1 + prevCount%t

	rep := &DrillReport{ID: runID, Site: req.Site, From: active, Started: started, Operator: e.operator.String(),
		Sets: []DrillSet{}, Steps: []DrillStep{}, Findings: []string{}, ResticVersion: e.version.Version,
		CheckSubset: fmt.Sprintf("%d/%d", n, t), ConfigHash: e.cfg.RecoveryHash(),
		Scratch: filepath.Join(e.cfg.Drills.Scratch, runID), Kept: e.cfg.Drills.Keep}
	var rto time.Duration
	for _, s := range sets {
		if r := e.cfg.SetRTO(s); r > 0 && (rto == 0 || r < rto) {
			rto = r
		}
	}
	rep.RTOObjective = rto
	d := &drillRun{e: e, req: req, obs: obs, rep: rep, active: active, sets: sets, snaps: map[string]Snapshot{},
		dir: rep.Scratch, byName: map[string]*DrillSet{}, hookBad: map[string]bool{}}
	for _, s := range sets {
		rep.Sets = append(rep.Sets, DrillSet{Name: s.Name, RPOObjective: e.cfg.SetRPO(s)})
	}
	for i := range rep.Sets {
		d.byName[rep.Sets[i].Name] = &rep.Sets[i]
	}

	tr := e.track(ctx, "drill", req.Site, "", drillArgs(req)+" --run "+runID)
	tr.runID = runID
	obs.emit(Event{Op: "drill", Site: req.Site, Kind: EventStarted, Message: "drill " + runID + " of site " + req.Site})

	steps := []Step{{Name: "preflight", Run: d.preflight}}
	for _, s := range sets {
		steps = append(steps, Step{Name: "restore " + s.Name, Run: d.restoreStep(s)})
	}
	for _, s := range sets {
		steps = append(steps, Step{Name: "compare " + s.Name, Run: d.compareStep(s)})
	}
	steps = append(steps, Step{Name: "verify hooks", Run: d.hooks},
		Step{Name: "check", Run: d.check(n, t)})
	rb, err := rec.NewRunbook(ctx, dr.KindDrill, runID, steps)
	if err != nil {
		tr.finish(OutcomeFailed, err.Error(), 0, 0)
		return nil, err
	}
	onStep := func(ch dr.StepChanged, st dr.RunbookStep) {
		obs.emit(stepEvent("drill", req.Site, ch, st, nil))
	}
	runErr := rb.Run(ctx, onStep)
	if runErr != nil {
		if i, name := rb.Failed(); i >= 0 {
			rb.Skip(i+1, "not run: step "+name+" failed")
		}
		if !d.noted || ctx.Err() != nil {
			d.noted = false
			d.fail("%s", runErr.Error())
		}
	}
	// Cleanup runs whatever happened before: scratch space is never left
	// behind by a failed drill unless drills.keep says so.
	cleanup, err := rec.NewRunbook(context.WithoutCancel(ctx), "", runID+"/cleanup", []Step{{Name: "cleanup", Run: d.cleanup}})
	var cleanErr error
	if err == nil {
		cleanErr = cleanup.Run(context.WithoutCancel(ctx), onStep)
	} else {
		cleanErr = err
	}
	if cleanErr != nil {
		d.fail("cleanup of %s: %v", d.dir, cleanErr)
	}

	states := append(rb.State(), cleanup.State()...)
	for _, st := range states {
		rep.Steps = append(rep.Steps, dr.TimelineStep(st))
	}
	if !d.rtoFrom.IsZero() && !d.rtoTo.IsZero() {
		rep.RTO = dr.Tenth(d.rtoTo.Sub(d.rtoFrom))
	}

	rep.Passed = runErr == nil && cleanErr == nil
	for _, s := range rep.Sets {
		if !s.Verified {
			rep.Passed = false
		}
	}
	if rep.Passed && !rep.RTOMet() {
		rep.Passed = false
		d.fail("RTO not met: restore and verification took %s, the objective is %s",
			rep.RTO.Round(time.Second), config.Duration(rto))
	}
	if !rep.Passed && d.failure == "" {
		d.failure = "not every set was verified"
	}
	rep.Finished = e.now().UTC()
	rep.Evaluated = d.notRun == "" && ctx.Err() == nil
	switch {
	case d.notRun != "":
		rep.NotEvaluated, rep.RTO = d.notRun, 0
	case ctx.Err() != nil:
		rep.NotEvaluated = "cancelled before it ended"
	}
	switch {
	case !rep.Evaluated:
		rep.Level = LevelUnknown
	case !rep.Passed:
		rep.Level = LevelCritical
	case len(rep.Findings) > 0:
		rep.Level = LevelWarning
	}

	saveErr := e.saveDrill(context.WithoutCancel(ctx), rep, n, t)
	outcome := OutcomeOK
	detail := fmt.Sprintf("passed: RTO %.1fs of %s objective, %d set(s) verified", rep.RTO.Seconds(), config.Duration(rto), len(rep.Sets))
	switch {
	case ctx.Err() != nil:
		outcome, detail = OutcomeCancelled, "cancelled: "+strings.Join(first(rep.Findings, 2), "; ")
	case !rep.Evaluated:
		outcome, detail = OutcomeFailed, "could not run: "+rep.NotEvaluated
	case !rep.Passed:
		outcome, detail = OutcomeFailed, "failed: "+d.failure
		if len(rep.Findings) > 1 {
			detail += fmt.Sprintf(" (%d finding(s) in all)", len(rep.Findings))
		}
	case len(rep.Findings) > 0:
		outcome, detail = OutcomeWarning, "passed with findings: "+strings.Join(first(rep.Findings, 3), "; ")
	}
	if rep.SHA256 != "" {
		detail += "; report sha256 " + rep.SHA256
		tr.report = rep.SHA256
	}
	tr.finish(outcome, detail, 0, 0)
	obs.emit(Event{Op: "drill", Site: req.Site, Kind: EventFinished, Outcome: outcome, Message: detail})

	var werr error
	if req.Report != "" && rep.Markdown != "" {
		if werr = os.WriteFile(req.Report, []byte(rep.Markdown), 0o600); werr != nil {
			werr = fmt.Errorf("drill: write report: %w", werr)
		}
	}
	switch {
	case saveErr != nil:
		return rep, saveErr
	case !rep.Evaluated && ctx.Err() == nil:
		return rep, errors.Join(fmt.Errorf("drill %s of site %s could not run: %s", runID, req.Site, rep.NotEvaluated), werr)
	case !rep.Passed:
		return rep, errors.Join(fmt.Errorf("drill %s of site %s failed: %s", runID, req.Site, d.failure), werr)
	}
	return rep, werr
}

func drillArgs(req DrillRequest) string {
	var parts []string
	parts = append(parts, "--site", req.Site)
	for _, s := range req.Sets {
		parts = append(parts, "--set", s)
	}
	if req.Report != "" {
		parts = append(parts, "--report", req.Report)
	}
	return argString(parts...)
}

func (d *drillRun) preflight(ctx context.Context) (string, error) {
	e, site := d.e, d.req.Site
	// Never restore into production: the scratch space must lie outside
	// every set's paths, symlinks resolved.
	if why := overlapRefusal(e.cfg, "drills.scratch", e.cfg.Drills.Scratch, "a drill never writes production data"); why != "" {
		return "", errors.New(why)
	}
	// The standby is listed (that it answers is part of the rehearsal);
	// the active site only when its cached catalog is old: it serves the
	// "replication behind" finding, and the drill never touches it.
	toList := []string{site}
	activeAsOf, err := e.store.CatalogRefreshed(ctx, d.active)
	if err != nil {
		return "", err
	}
	if activeAsOf.IsZero() || e.now().Sub(activeAsOf) > drillActiveFresh {
		toList = append(toList, d.active)
		activeAsOf = time.Time{}
	}
	probes := e.refreshListings(ctx, toList...)
	var activeErr error
	for _, p := range probes {
		if p.Site == site && p.Err != nil {
			return "", d.couldNotRun(atSite(site, p.Err))
		}
		if p.Site == d.active && p.Err != nil {
			activeErr = p.Err
		}
	}
	if activeErr != nil {
		d.finding("active site %s could not be listed (%v): could not judge whether %s holds its newest snapshots", d.active, activeErr, site)
	} else if id, same, err := e.sameRepository(ctx, site, d.active); err != nil {
		return "", err
	} else if same {
		return "", errors.New(sameRepositoryRefusal(site, d.active, id))
	}
	cat, err := e.LoadCatalog(ctx)
	if err != nil {
		return "", err
	}
	var need uint64
	var missing []string
	for _, s := range d.sets {
		snap, ok := cat.Newest(site, s)
		if !ok {
			missing = append(missing, s.Name)
			continue
		}
		d.snaps[s.Name] = snap
		ds := d.byName[s.Name]
		ds.Snapshot, ds.SnapshotTime, ds.Tree = snap.ID, snap.Time.UTC().Format(time.RFC3339), snap.Tree
		age := d.rep.Started.Sub(snap.Time)
		ds.DataLoss = max(0, age.Round(time.Second))
		if rpo := e.cfg.SetRPO(s); !dr.Met(age, rpo) {
			d.finding("RPO breached: the newest snapshot of set %s at site %s (%s) is %s old, over its RPO of %s",
				s.Name, site, snap.ShortID, Age(age), config.Duration(rpo))
		}
		if activeErr == nil {
			if behind := cat.Missing(d.active, site, s); len(behind) > 0 {
				asOf := ""
				if !activeAsOf.IsZero() {
					asOf = fmt.Sprintf(" (by %s's catalog as listed %s ago)", d.active, Age(e.now().Sub(activeAsOf)))
				}
				d.finding("replication behind: %d snapshot(s) of set %s at %s are not at %s yet%s; the drill restores %s",
					len(behind), s.Name, d.active, site, asOf, snap.ShortID)
			}
		}
		need += uint64(max(snap.TotalBytes, 0))
	}
	if len(missing) > 0 {
		return "", fmt.Errorf("%w of set(s) %s at site %s: replicate first", ErrNoSnapshot, strings.Join(missing, ", "), site)
	}
	if err := os.MkdirAll(e.cfg.Drills.Scratch, 0o700); err != nil {
		return "", d.couldNotRun(fmt.Errorf("scratch space: %w", err))
	}
	free, err := freeBytes(e.cfg.Drills.Scratch)
	if err != nil {
		return "", d.couldNotRun(fmt.Errorf("scratch space %s: %w", e.cfg.Drills.Scratch, err))
	}
	if free < need {
		return "", d.couldNotRun(fmt.Errorf("scratch space %s has %s free, the restore needs %s", e.cfg.Drills.Scratch, Bytes(free), Bytes(need)))
	}
	return fmt.Sprintf("site %s reachable, %d set(s) present, scratch %s free of %s needed", site, len(d.sets), Bytes(free), Bytes(need)), nil
}

// drillActiveFresh is how old the active site's cached catalog may be for
// a drill to judge replication by it instead of listing the site.
const drillActiveFresh = 15 * time.Minute

func (d *drillRun) target(set string) string { return filepath.Join(d.dir, set) }

func (d *drillRun) restoreStep(s *config.Set) func(context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		if d.rtoFrom.IsZero() {
			d.rtoFrom = d.e.now()
		}
		snap := d.snaps[s.Name]
		target := d.target(s.Name)
		// Idempotent: a rerun starts from an empty target.
		if err := removeAll(target); err != nil {
			return "", err
		}
		r, err := d.e.Restore(ctx, RestoreRequest{Site: d.req.Site, Set: s.Name, Snapshot: snap.ID, Target: target,
			Verify: true, Action: "drill"}, d.obs)
		ds := d.byName[s.Name]
		if r != nil {
			ds.Files, ds.Bytes = r.Files, r.Bytes
		}
		if err != nil {
			d.fail("restore of set %s (snapshot %s) from site %s failed: %v", s.Name, snap.ShortID, d.req.Site, err)
			if errors.Is(err, restic.ErrLocked) || errors.Is(err, restic.ErrUnreachable) {
				_ = d.couldNotRun(err)
			}
			return "", err
		}
		return fmt.Sprintf("snapshot %s: %d files, %s, verified by restic", snap.ShortID, r.Files, Bytes(r.Bytes)), nil
	}
}

func (d *drillRun) compareStep(s *config.Set) func(context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		snap := d.snaps[s.Name]
		c, err := d.e.compareRestored(ctx, d.req.Site, snap.ID, s, d.target(s.Name))
		ds := d.byName[s.Name]
		ds.ListedFiles, ds.ListedBytes = c.listedFiles, c.listedBytes
		if err != nil {
			d.fail("%v", err)
			return "", err
		}
		ds.VerifiedFiles, ds.Verified = c.files, true
		d.rtoTo = d.e.now()
		return fmt.Sprintf("%d files, %s: as listed in snapshot %s", c.files, Bytes(c.bytes), snap.ShortID), nil
	}
}

func (d *drillRun) hooks(ctx context.Context) (string, error) {
	hooks := d.e.cfg.Drills.Verify
	if len(hooks) == 0 {
		d.rtoTo = d.e.now()
		return "no verify hooks configured", nil
	}
	var failed []string
	runs := 0
	for _, h := range hooks {
		for _, s := range d.sets {
			runs++
			env := []string{"LIFEBOAT_FROM=" + d.active, "LIFEBOAT_TO=" + d.req.Site,
				"LIFEBOAT_SET=" + s.Name, "LIFEBOAT_TARGET=" + d.target(s.Name), "LIFEBOAT_RUN_ID=" + d.rep.ID}
			if err := d.e.runHook(ctx, h, d.target(s.Name), env, d.e.cfg.Drills.HookTimeout, "drills.hook_timeout"); err != nil {
				d.fail("verify hook %q failed for set %s: %v", h, s.Name, err)
				d.hookBad[s.Name] = true
				d.byName[s.Name].Verified = false
				failed = append(failed, s.Name)
			}
		}
	}
	d.rtoTo = d.e.now()
	if len(failed) > 0 {
		return fmt.Sprintf("%d of %d hook run(s) failed", len(failed), runs), fmt.Errorf("verify hooks failed for set(s) %s", strings.Join(failed, ", "))
	}
	return fmt.Sprintf("%d hook run(s) ok", runs), nil
}

func (d *drillRun) check(n, t int) func(context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		subset := fmt.Sprintf("%d/%d", n, t)
		res, err := d.e.Check(ctx, CheckRequest{Sites: []string{d.req.Site}, ReadDataSubset: subset}, d.obs)
		if err != nil || len(res) == 0 || !res[0].OK {
			msg := "check could not run"
			if len(res) > 0 {
				if res[0].Error != "" {
					msg = "check could not run: " + res[0].Error
				} else {
					msg = "check found damage: " + strings.Join(first(res[0].Errors, 3), "; ")
				}
			} else if err != nil {
				msg += ": " + err.Error()
			}
			d.fail("site %s: restic check --read-data-subset %s: %s", d.req.Site, subset, msg)
			if err == nil {
				err = errors.New(msg)
			}
			if len(res) > 0 && res[0].Level() == LevelUnknown {
				// Locked or unreachable: the packs were not read.
				_ = d.couldNotRun(fmt.Errorf("site %s: %s", d.req.Site, msg))
			}
			return msg, err
		}
		return fmt.Sprintf("no errors in pack subset %s (%.1fs)", subset, res[0].Seconds), nil
	}
}

func (d *drillRun) cleanup(ctx context.Context) (string, error) {
	if d.e.cfg.Drills.Keep {
		return "kept " + d.dir + " (drills.keep)", nil
	}
	if err := removeAll(d.dir); err != nil {
		return "", err
	}
	return "removed " + d.dir, nil
}

// saveDrill renders the report, links it to the chain's head and stores it.
func (e *Engine) saveDrill(ctx context.Context, rep *DrillReport, n, t int) error {
	stored, err := e.chain(ctx, storage.DrillRecord{ID: rep.ID, Site: rep.Site, Kind: dr.KindDrill,
		Started: rep.Started, Finished: rep.Finished, Passed: rep.Passed, ConfigHash: rep.ConfigHash, SubsetN: n, SubsetT: t},
		rep, func(prev string) string {
			rep.PrevSHA256 = prev
			rep.Markdown = drillMarkdown(rep)
			return rep.Markdown
		})
	rep.SHA256 = stored.SHA256
	return err
}
