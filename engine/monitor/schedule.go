package monitor

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/lifeboat-dr/lifeboat/engine"
	"github.com/lifeboat-dr/lifeboat/engine/config"
)

// ScheduledJob is one entry of the config's schedule.
type ScheduledJob struct {
	Name     string
	Spec     string
	Schedule cron.Schedule
}

// cronParser reads the standard five fields plus descriptors such as
// @hourly, @daily and @every 15m.
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// DefaultStatsSchedule is when watch measures capacity without schedule.stats.
const DefaultStatsSchedule = "@daily"

// Schedule parses the config's schedule; an error names the file, line and key.
func Schedule(cfg *config.Config) ([]ScheduledJob, error) {
	var out []ScheduledJob
	var errs []error
	s := cfg.Schedule
	for _, j := range []struct{ name, spec string }{
		{"backup", s.Backup}, {"replicate", s.Replicate}, {"check", s.Check}, {"forget", s.Forget}, {"drill", s.Drill},
		{"stats", s.Stats},
	} {
		spec := strings.TrimSpace(j.spec)
		if j.name == "stats" {
			// Capacity is measured daily unless told otherwise ("off": never).
			switch {
			case spec == "":
				spec = DefaultStatsSchedule
			case strings.EqualFold(spec, "off"):
				continue
			}
		}
		if spec == "" {
			continue
		}
		sch, err := cronParser.Parse(spec)
		if err != nil {
			errs = append(errs, cfg.Errorf("schedule."+j.name,
				"%v (want cron syntax such as \"0 * * * *\", or @hourly, @daily, @weekly, @every 15m)", err))
			continue
		}
		out = append(out, ScheduledJob{Name: j.name, Spec: spec, Schedule: sch})
	}
	return out, errors.Join(errs...)
}

// schedule sets up the jobs on a cron that is not started yet. stop is the
// watcher's context, jobCtx the one jobs run in.
func (w *watcher) schedule(stop, jobCtx context.Context, jobs []ScheduledJob) *cron.Cron {
	cronLog := cron.PrintfLogger(printfFunc(w.opts.Logf))
	c := cron.New(cron.WithParser(cronParser), cron.WithLogger(cronLog),
		// A job that panics is logged and the watcher goes on.
		cron.WithChain(cron.Recover(cronLog)))
	if w.opts.NoSchedule {
		// Measuring capacity writes to no repository (restic stats
		// --no-lock): read-only watching keeps it.
		var kept []ScheduledJob
		for _, j := range jobs {
			if j.Name == "stats" {
				kept = append(kept, j)
			}
		}
		if n := len(jobs) - len(kept); n > 0 {
			w.opts.Logf("schedule disabled (read-only): %d job(s) not run", n)
		}
		jobs = kept
	}
	for _, j := range jobs {
		run := w.jobFunc(j.Name)
		var running atomic.Bool
		c.Schedule(j.Schedule, cron.FuncJob(func() {
			if !running.CompareAndSwap(false, true) {
				w.opts.Logf("job %s: still running, this run is skipped", j.Name)
				return
			}
			defer running.Store(false)
			w.runJob(stop, jobCtx, j.Name, run)
		}))
		w.opts.Logf("job %s scheduled: %s", j.Name, j.Spec)
	}
	return c
}

// printfFunc adapts a Logf to cron's logger.
type printfFunc func(string, ...any)

func (f printfFunc) Printf(format string, args ...any) { f("schedule: "+format, args...) }

func (w *watcher) jobFunc(name string) func(ctx context.Context) error {
	e := w.e
	obs := func(ev engine.Event) {
		if ev.Kind == engine.EventFinished {
			where := ev.Site
			if ev.Set != "" {
				where = ev.Set + " at " + ev.Site
			}
			w.opts.Logf("job %s: %s: %s: %s", ev.Op, where, ev.Outcome, ev.Message)
		}
	}
	switch name {
	case "backup":
		return func(ctx context.Context) error { _, err := e.Backup(ctx, engine.BackupRequest{}, obs); return err }
	case "replicate":
		return func(ctx context.Context) error {
			_, err := e.Replicate(ctx, engine.ReplicateRequest{}, obs)
			return err
		}
	case "check":
		return func(ctx context.Context) error { _, err := e.Check(ctx, engine.CheckRequest{}, obs); return err }
	case "forget":
		// The schedule is the operator's standing --yes.
		return func(ctx context.Context) error { _, err := e.Forget(ctx, engine.ForgetRequest{}, obs); return err }
	case "stats":
		return func(ctx context.Context) error { return e.MeasureCapacity(ctx) }
	case "drill":
		// Every standby in turn; a failed drill is alerted (drill_failed)
		// from its stored record at the next round.
		return func(ctx context.Context) error {
			standbys, err := e.Standbys(ctx)
			if err != nil {
				return err
			}
			var errs []error
			for _, s := range standbys {
				if ctx.Err() != nil {
					break
				}
				if _, err := e.Drill(ctx, engine.DrillRequest{Site: s}, obs); err != nil {
					errs = append(errs, fmt.Errorf("drill of %s: %w", s, err))
				}
			}
			return errors.Join(errs...)
		}
	}
	return nil
}

// runJob runs one job in its turn. stop is the watcher's context: once it
// is done, a job still waiting its turn is not started.
func (w *watcher) runJob(stop, ctx context.Context, name string, run func(context.Context) error) {
	if !w.jobs.TryLock() {
		w.opts.Logf("job %s: waiting for the job that runs", name)
		w.jobs.Lock()
	}
	defer w.jobs.Unlock()
	// The stop grace is for the job already running; one that waited behind
	// it would start now and be cancelled midway when the grace runs out,
	// and a cancelled backup or check is reported as one that did not happen.
	if stop.Err() != nil || ctx.Err() != nil {
		w.opts.Logf("job %s: not started: stopping", name)
		return
	}
	w.opts.Logf("job %s: started", name)
	start := time.Now()
	err := run(ctx)
	d := time.Since(start)
	// What the job journaled is a record of truth: it goes to every site's
	// ledger now, not with some later command.
	for _, r := range w.e.PublishLedger(ctx) {
		if r.Err != nil {
			w.opts.Logf("job %s: the ledger did not reach %s: %v", name, r.Site, r.Err)
		}
	}
	w.metrics.opDuration.WithLabelValues(name).Observe(d.Seconds())
	switch {
	case err == nil:
		w.opts.Logf("job %s: ok in %s", name, d.Round(time.Millisecond))
	case errors.Is(err, context.Canceled) || ctx.Err() != nil:
		w.opts.Logf("job %s: cancelled after %s", name, d.Round(time.Millisecond))
	default:
		w.opts.Logf("job %s: failed after %s: %s", name, d.Round(time.Millisecond), strings.ReplaceAll(err.Error(), "\n", "; "))
	}
}
