package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/lifeboat-dr/lifeboat/engine/config"
	"github.com/lifeboat-dr/lifeboat/engine/restic"
	"github.com/lifeboat-dr/lifeboat/internal/dr"
	"github.com/lifeboat-dr/lifeboat/internal/proc"
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
	runID := newRunID(started)
	if err := e.AcquireRecoveryLock(ctx, "drill", runID, req.Site); err != nil {
		_ = e.Journal(ctx, "drill", req.Site, "", drillArgs(req), OutcomeRefused, err.Error())
		return nil, err
	}
	defer e.ReleaseRecoveryLock(runID)

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
	rb, err := e.NewRunbook(ctx, runID, steps)
	if err != nil {
		tr.finish(OutcomeFailed, err.Error(), 0, 0)
		return nil, err
	}
	rb.Kind = "drill"
	onStep := func(st dr.RunbookStep) {
		kind := EventInfo
		if st.Status == dr.StepFailed {
			kind = EventWarning
		}
		msg := st.Name + ": " + string(st.Status)
		if st.Detail != "" && st.Status != dr.StepRunning {
			msg += ": " + st.Detail
		}
		obs.emit(Event{Op: "drill", Site: req.Site, Kind: kind, Message: msg})
	}
	runErr := rb.Run(ctx, onStep)
	if runErr != nil {
		for i, st := range rb.State() {
			if st.Status == dr.StepFailed {
				rb.Skip(i+1, "not run: step "+st.Name+" failed")
				break
			}
		}
		if !d.noted || ctx.Err() != nil {
			d.noted = false
			d.fail("%s", runErr.Error())
		}
	}
	// Cleanup runs whatever happened before: scratch space is never left
	// behind by a failed drill unless drills.keep says so.
	cleanup, err := e.NewRunbook(context.WithoutCancel(ctx), runID+"/cleanup", []Step{{Name: "cleanup", Run: d.cleanup}})
	var cleanErr error
	if err == nil {
		cleanErr = cleanup.Run(context.WithoutCancel(ctx), onStep)
	} else {
		cleanErr = err
	}
	if cleanErr != nil {
		d.fail("cleanup of %s: %v", d.dir, cleanErr)
	}

	states := append(rb.State(), cleanupState(cleanup)...)
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

func standbyNames(cfg *config.Config, active string) []string {
	var out []string
	for _, s := range cfg.Standbys(active) {
		out = append(out, s.Name)
	}
	return out
}

func cleanupState(rb *Runbook) []dr.RunbookStep {
	if rb == nil {
		return nil
	}
	return rb.State()
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
	probes := e.RefreshCatalog(ctx, site, d.active)
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
				d.finding("replication behind: %d snapshot(s) of set %s at %s are not at %s yet; the drill restores %s",
					len(behind), s.Name, d.active, site, snap.ShortID)
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

func freeBytes(dir string) (uint64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, err
	}
	return st.Bavail * uint64(st.Bsize), nil
}

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

// comparison is a restored copy against its snapshot's listing.
type comparison struct {
	listedFiles, listedBytes uint64 // regular files under the set's paths
	files, bytes             uint64 // regular files found in the copy
}

// compareRestored counts the regular files and bytes of snapshot snapID
// under the set's paths and of the restored copy in dir; they must agree.
func (e *Engine) compareRestored(ctx context.Context, site, snapID string, s *config.Set, dir string) (comparison, error) {
	var c comparison
	short := shortHash(snapID)[:min(8, len(snapID))]
	roots := make([]string, len(s.Paths))
	for i, p := range s.Paths {
		roots[i] = path.Clean(filepath.ToSlash(p))
	}
	err := e.List(ctx, site, snapID, func(n restic.Node) {
		if n.Type != "file" {
			return
		}
		for _, r := range roots {
			if n.Path == r || strings.HasPrefix(n.Path, r+"/") {
				c.listedFiles++
				c.listedBytes += n.Size
				return
			}
		}
	})
	if err != nil {
		return c, fmt.Errorf("listing snapshot %s of set %s at site %s failed: %w", short, s.Name, site, err)
	}
	err = filepath.WalkDir(dir, func(p string, de fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if de.Type().IsRegular() {
			info, err := de.Info()
			if err != nil {
				return err
			}
			c.files++
			c.bytes += uint64(info.Size())
		}
		return nil
	})
	if err != nil {
		return c, fmt.Errorf("reading the restored copy of set %s failed: %w", s.Name, err)
	}
	if c.files != c.listedFiles || c.bytes != c.listedBytes {
		return c, fmt.Errorf("set %s: the restored copy holds %d files (%s), the snapshot %s lists %d files (%s)",
			s.Name, c.files, Bytes(c.bytes), short, c.listedFiles, Bytes(c.listedBytes))
	}
	return c, nil
}

// hookTail is how much of a failing hook's output a finding quotes.
const hookTail = 400

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

// runHook runs one operator hook with sh in dir, with the LIFEBOAT_*
// variables in env added to the allowlisted part of lifeboat's
// environment, less the site credentials. A failure quotes the end of the
// hook's output.
// A hook that outlives timeout (the config key named by key) is stopped,
// with everything it started.
func (e *Engine) runHook(ctx context.Context, hook, dir string, env []string, timeout config.Duration, key string) error {
	out, err := proc.Shell{Command: hook, Dir: dir, Env: env, Hide: hiddenEnv(e.cfg), Timeout: timeout.D()}.Run(ctx)
	if err == nil {
		return nil
	}
	if errors.Is(err, proc.ErrTimeout) {
		err = fmt.Errorf("%w (%s)", err, key)
	}
	tail := strings.TrimSpace(string(out))
	if len(tail) > hookTail {
		tail = "…" + tail[len(tail)-hookTail:]
	}
	if tail != "" {
		return fmt.Errorf("%w: %s", err, tail)
	}
	return err
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

// removeAll removes dir even when restored directories are read-only.
func removeAll(dir string) error {
	if _, err := os.Lstat(dir); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	_ = filepath.WalkDir(dir, func(p string, de fs.DirEntry, err error) error {
		if err == nil && de.IsDir() {
			_ = os.Chmod(p, 0o700)
		}
		return nil
	})
	return os.RemoveAll(dir)
}

// saveDrill renders the report, links it to the chain's head and stores it.
func (e *Engine) saveDrill(ctx context.Context, rep *DrillReport, n, t int) error {
	return e.chainReport(ctx, storage.DrillRecord{ID: rep.ID, Site: rep.Site, Kind: dr.KindDrill,
		Started: rep.Started, Finished: rep.Finished, Passed: rep.Passed, ConfigHash: rep.ConfigHash, SubsetN: n, SubsetT: t},
		func(prev string) ([]byte, string, error) {
			rep.PrevSHA256 = prev
			rep.Markdown = drillMarkdown(rep)
			b, err := json.Marshal(rep)
			if err == nil {
				sum := sha256.Sum256(b)
				rep.SHA256 = hex.EncodeToString(sum[:])
			}
			return b, rep.Markdown, err
		})
}

// chainReport stores a report (drill or failover) at the head of the
// chain: render gets the head's hash and returns the canonical JSON, which
// must carry it, and the Markdown.
func (e *Engine) chainReport(ctx context.Context, rec storage.DrillRecord, render func(prev string) ([]byte, string, error)) error {
	prev, err := e.store.LastDrillSHA256(ctx)
	if err != nil {
		return err
	}
	b, md, err := render(prev)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(b)
	rec.PrevSHA256, rec.ReportJSON, rec.ReportMD, rec.SHA256 = prev, string(b), md, hex.EncodeToString(sum[:])
	return e.store.SaveDrill(ctx, rec)
}

// VerifyDrillChain recomputes the hash of every stored drill report and
// follows the chain: an edited report, a broken link or a journaled drill
// whose report is gone is named by drill id. No problems: nil.
func (e *Engine) VerifyDrillChain(ctx context.Context) ([]ChainProblem, error) {
	all, err := e.store.AllDrills(ctx)
	if err != nil {
		return nil, err
	}
	return verifyChain(ctx, e.store, all)
}

// VerifyDrillChain is the check of Engine.VerifyDrillChain on a store
// alone (the journal command needs no restic).
func VerifyDrillChain(ctx context.Context, st *storage.Store) ([]ChainProblem, error) {
	all, err := st.AllDrills(ctx)
	if err != nil {
		return nil, err
	}
	return verifyChain(ctx, st, all)
}

func verifyChain(ctx context.Context, st *storage.Store, all []storage.DrillRecord) ([]ChainProblem, error) {
	var out []ChainProblem
	prev := ""
	have := map[string]bool{}
	for _, d := range all {
		have[d.ID] = true
		sum := sha256.Sum256([]byte(d.ReportJSON))
		if hex.EncodeToString(sum[:]) != d.SHA256 {
			out = append(out, ChainProblem{DrillID: d.ID, Problem: "the stored report was changed after it was written (its sha256 no longer matches)"})
		}
		var r struct {
			ID   string `json:"id"`
			Prev string `json:"prev_sha256"`
		}
		if err := json.Unmarshal([]byte(d.ReportJSON), &r); err != nil {
			out = append(out, ChainProblem{DrillID: d.ID, Problem: "the stored report is not valid JSON: " + err.Error()})
		} else if r.ID != d.ID || r.Prev != d.PrevSHA256 {
			out = append(out, ChainProblem{DrillID: d.ID, Problem: "the stored report does not match its record (id or previous hash differ)"})
		}
		if d.PrevSHA256 != prev {
			out = append(out, ChainProblem{DrillID: d.ID, Problem: fmt.Sprintf("the report before it is missing or was changed: it links to %s, the previous stored report is %s",
				shortHash(d.PrevSHA256), shortHash(prev))})
		}
		prev = d.SHA256
	}
	// Every finished drill or failover is journaled with its report's hash:
	// a report removed from the end of the chain, or rewritten together with
	// its hash, shows there.
	byID := map[string]storage.DrillRecord{}
	for _, d := range all {
		byID[d.ID] = d
	}
	entries, err := st.Journal(ctx, storage.JournalQuery{})
	if err != nil {
		return out, err
	}
	for _, entry := range entries {
		if entry.ReportSHA256 == "" {
			continue
		}
		d, ok := byID[entry.RunID]
		switch {
		case !ok:
			out = append(out, ChainProblem{DrillID: entry.RunID, Problem: "journaled as finished on " + entry.Time.Format(time.RFC3339) + " but its report is missing"})
		case d.SHA256 != entry.ReportSHA256:
			out = append(out, ChainProblem{DrillID: entry.RunID, Problem: fmt.Sprintf("its sha256 is %s, but the journal recorded %s when it was written",
				shortHash(d.SHA256), shortHash(entry.ReportSHA256))})
		}
	}
	// Every report written since the journal records reports has an entry.
	start, chained, err := st.JournalChainStart(ctx)
	if err != nil {
		return out, err
	}
	recorded := map[string]bool{} // runs whose end the journal recorded (a mismatch is named above)
	for _, entry := range entries {
		if entry.ReportSHA256 != "" {
			recorded[entry.RunID] = true
		}
	}
	for _, d := range all {
		if recorded[d.ID] {
			continue
		}
		r, err := readReport(d)
		if err != nil {
			continue // named above: its hash does not match
		}
		if chained && !r.Finished.Before(start) {
			out = append(out, ChainProblem{DrillID: d.ID, Problem: "no journal entry recorded it: it was not written by a drill or failover that ended"})
		}
	}
	// The journal itself is a chain.
	_, _, breaks, err := st.VerifyJournal(ctx)
	if err != nil {
		return out, err
	}
	for _, b := range breaks {
		out = append(out, ChainProblem{JournalID: b.ID, Problem: b.Problem})
	}
	return out, nil
}

func shortHash(s string) string {
	if s == "" {
		return "(none)"
	}
	if len(s) > 12 {
		return s[:12]
	}
	return s
}
