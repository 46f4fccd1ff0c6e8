package engine

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/lifeboat-dr/lifeboat/engine/config"
)

// WatchOptions configure Watch. Zero values take the defaults.
type WatchOptions struct {
	// Interval between rounds of probes; default 1m.
	Interval time.Duration
	// MetricsAddr is where /metrics listens (e.g. 127.0.0.1:9188); "" serves none.
	MetricsAddr string
	// OnMetricsListen, if set, is told the address the endpoint listens on
	// (useful with port 0).
	OnMetricsListen func(addr string)
	// Renotify is how often an ongoing RPO breach is notified again; default 4h.
	Renotify time.Duration
	// Now is the clock of alert times and re-notification; default time.Now.
	Now func() time.Time
	// Logf receives one line per event, transition and job; default: discard.
	Logf func(format string, args ...any)
	// Retry is the delivery retry policy of alerts; default 4 tries, 1s/2s/4s.
	Retry RetryPolicy
	// Grace is how long running jobs and queued alerts may go on after the
	// context is cancelled before they are cancelled too; default 5s.
	Grace time.Duration
	// NoSchedule leaves the schedule out (read-only watching).
	NoSchedule bool
	// SampleRetention is how long probe samples are kept; default 30 days.
	SampleRetention time.Duration
	// OnRound, if set, is called after each round of probes with its number
	// (from 1), once its alerts are queued.
	OnRound func(round int)
}

func (o *WatchOptions) defaults() {
	if o.Interval <= 0 {
		o.Interval = time.Minute
	}
	if o.Renotify <= 0 {
		o.Renotify = 4 * time.Hour
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	if o.Grace <= 0 {
		o.Grace = 5 * time.Second
	}
	if o.SampleRetention <= 0 {
		o.SampleRetention = 30 * 24 * time.Hour
	}
}

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
func (e *Engine) Schedule() ([]ScheduledJob, error) {
	var out []ScheduledJob
	var errs []error
	s := e.cfg.Schedule
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
			errs = append(errs, e.cfg.Errorf("schedule."+j.name,
				"%v (want cron syntax such as \"0 * * * *\", or @hourly, @daily, @weekly, @every 15m)", err))
			continue
		}
		out = append(out, ScheduledJob{Name: j.name, Spec: spec, Schedule: sch})
	}
	return out, errors.Join(errs...)
}

// Watch is the headless monitor: every Interval it probes every site and
// its services, judges health, RPO, checks and drills and alerts on
// transitions; it runs the schedule and serves Prometheus metrics. It
// returns nil when ctx is cancelled, after running work has finished or
// been cancelled (after Grace) and the metrics server is shut down.
func (e *Engine) Watch(ctx context.Context, opts WatchOptions) error {
	opts.defaults()
	jobs, err := e.Schedule()
	if err != nil {
		return err
	}
	w := &watcher{e: e, opts: opts, health: map[string]*SiteHealth{}, book: newAlertBook(),
		metrics: newWatchMetrics()}
	for _, s := range e.cfg.Sites {
		w.health[s.Name] = NewSiteHealth(s.Name)
	}

	var srv *http.Server
	srvDone := make(chan struct{})
	if opts.MetricsAddr != "" {
		ln, err := net.Listen("tcp", opts.MetricsAddr)
		if err != nil {
			return fmt.Errorf("metrics endpoint: %w", err)
		}
		mux := http.NewServeMux()
		mux.Handle("/metrics", w.metrics.handler())
		mux.HandleFunc("/", func(rw http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/" {
				http.NotFound(rw, r)
				return
			}
			fmt.Fprintln(rw, "lifeboat watch: metrics at /metrics")
		})
		srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go func() {
			defer close(srvDone)
			_ = srv.Serve(ln)
		}()
		opts.Logf("metrics on http://%s/metrics", ln.Addr())
		if opts.OnMetricsListen != nil {
			opts.OnMetricsListen(ln.Addr().String())
		}
	} else {
		close(srvDone)
	}

	w.alerter = e.NewAlerter(opts.Retry, opts.Logf)
	w.alerter.Start()

	// Jobs get their own context: cancelled only after the grace period.
	jobCtx, cancelJobs := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelJobs()
	cronLog := cron.PrintfLogger(printfFunc(opts.Logf))
	c := cron.New(cron.WithParser(cronParser), cron.WithLogger(cronLog),
		// A job that panics is logged and the watcher goes on.
		cron.WithChain(cron.Recover(cronLog)))
	if opts.NoSchedule {
		// Measuring capacity writes to no repository (restic stats
		// --no-lock): read-only watching keeps it.
		var kept []ScheduledJob
		for _, j := range jobs {
			if j.Name == "stats" {
				kept = append(kept, j)
			}
		}
		if n := len(jobs) - len(kept); n > 0 {
			opts.Logf("schedule disabled (read-only): %d job(s) not run", n)
		}
		jobs = kept
	}
	for _, j := range jobs {
		run := w.jobFunc(j.Name)
		var running atomic.Bool
		c.Schedule(j.Schedule, cron.FuncJob(func() {
			if !running.CompareAndSwap(false, true) {
				opts.Logf("job %s: still running, this run is skipped", j.Name)
				return
			}
			defer running.Store(false)
			w.runJob(ctx, jobCtx, j.Name, run)
		}))
		opts.Logf("job %s scheduled: %s", j.Name, j.Spec)
	}
	c.Start()
	opts.Logf("watching %d site(s) every %s", len(e.cfg.Sites), opts.Interval)

	for round := 1; ; round++ {
		w.tick(ctx)
		if opts.OnRound != nil && ctx.Err() == nil {
			opts.OnRound(round)
		}
		t := time.NewTimer(opts.Interval)
		select {
		case <-ctx.Done():
			t.Stop()
			w.shutdown(c, cancelJobs, srv, srvDone)
			return nil
		case <-t.C:
		}
	}
}

func (w *watcher) shutdown(c *cron.Cron, cancelJobs context.CancelFunc, srv *http.Server, srvDone chan struct{}) {
	o := w.opts
	o.Logf("stopping: no new jobs")
	stopped := c.Stop()
	select {
	case <-stopped.Done():
	case <-time.After(o.Grace):
		o.Logf("stopping: cancelling running jobs after %s", o.Grace)
		cancelJobs()
		<-stopped.Done()
	}
	cancelJobs()
	w.alerter.Stop(o.Grace)
	if srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = srv.Shutdown(ctx)
		cancel()
	}
	<-srvDone
	o.Logf("stopped")
}

// printfFunc adapts a Logf to cron's logger.
type printfFunc func(string, ...any)

func (f printfFunc) Printf(format string, args ...any) { f("schedule: "+format, args...) }

// watcher is the state of one Watch.
type watcher struct {
	e       *Engine
	opts    WatchOptions
	alerter *Alerter
	metrics *watchMetrics

	mu sync.Mutex // guards what ticks and jobs share
	// jobs runs scheduled jobs one at a time: a check's exclusive lock
	// must not meet a backup or a copy fired at the same tick.
	jobs      sync.Mutex
	health    map[string]*SiteHealth
	book      *alertBook
	lastPrune time.Time
}

func (w *watcher) jobFunc(name string) func(ctx context.Context) error {
	e := w.e
	obs := func(ev Event) {
		if ev.Kind == EventFinished {
			where := ev.Site
			if ev.Set != "" {
				where = ev.Set + " at " + ev.Site
			}
			w.opts.Logf("job %s: %s: %s: %s", ev.Op, where, ev.Outcome, ev.Message)
		}
	}
	switch name {
	case "backup":
		return func(ctx context.Context) error { _, err := e.Backup(ctx, BackupRequest{}, obs); return err }
	case "replicate":
		return func(ctx context.Context) error { _, err := e.Replicate(ctx, ReplicateRequest{}, obs); return err }
	case "check":
		return func(ctx context.Context) error { _, err := e.Check(ctx, CheckRequest{}, obs); return err }
	case "forget":
		// The schedule is the operator's standing --yes.
		return func(ctx context.Context) error { _, err := e.Forget(ctx, ForgetRequest{}, obs); return err }
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
				if _, err := e.Drill(ctx, DrillRequest{Site: s}, obs); err != nil {
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

// alert queues an event for delivery and logs it.
func (w *watcher) alert(event, site, set, message string, repeat bool) {
	ev := NewAlertEvent(event, site, set, message, w.opts.Now())
	ev.Repeat = repeat
	w.opts.Logf("event %s", ev.Text())
	w.alerter.Enqueue(ev)
}

// tick is one round: probe, judge, alert, export.
func (w *watcher) tick(ctx context.Context) {
	e := w.e
	st, err := e.Status(ctx, true)
	if err != nil {
		if ctx.Err() == nil {
			w.opts.Logf("status: %v", err)
		}
		return
	}
	rounds := e.ProbeRound(ctx, st)
	if ctx.Err() != nil {
		return
	}
	outlooks := RPOOutlooks(st)
	now := w.opts.Now()

	w.mu.Lock()
	defer w.mu.Unlock()

	for i, s := range st.Sites {
		r := rounds[i]
		if r.LocksErr != nil {
			w.opts.Logf("site %s: reading locks: %v", s.Name, r.LocksErr)
		}
		obs := r.Observation
		h := w.health[s.Name]
		if tr, ok := h.Observe(obs); ok {
			w.opts.Logf("site %s: %s -> %s: %s", s.Name, tr.From, tr.To, strings.Join(tr.Reasons, "; "))
			key := "site|" + s.Name
			switch {
			case tr.To == StateDown:
				if notify, _ := w.book.raise(key, "", now, 0); notify {
					w.alert(AlertSiteDown, s.Name, "", fmt.Sprintf("site %s is down: %s", s.Name, strings.Join(tr.Reasons, "; ")), false)
				}
			case tr.From == StateDown:
				if since, was := w.book.resolve(key); was {
					w.alert(AlertSiteUp, s.Name, "", fmt.Sprintf("site %s is reachable again (%s) after %s down",
						s.Name, tr.To, Age(now.Sub(since))), false)
				}
			}
		}
		state, _ := h.State()
		w.metrics.setSite(s, state, r.Probes)

		// A failed check or drill is news once per run of it.
		if c := s.LastCheck; c != nil && !c.OK {
			if notify, _ := w.book.raise("check|"+s.Name, c.Time.String(), now, 0); notify {
				w.alert(AlertCheckFailed, s.Name, "", fmt.Sprintf("check of site %s failed at %s: %s", s.Name, c.Time.Format(time.RFC3339), c.Detail), false)
			}
		} else if c != nil {
			w.book.resolve("check|" + s.Name)
		}
		if d := s.LastDrill; d != nil && !d.Passed {
			if notify, _ := w.book.raise("drill|"+s.Name, d.Time.String(), now, 0); notify {
				w.alert(AlertDrillFailed, s.Name, "", fmt.Sprintf("drill at site %s failed at %s", s.Name, d.Time.Format(time.RFC3339)), false)
			}
		} else if d != nil {
			w.book.resolve("drill|" + s.Name)
		}
		// A standby whose last passing drill is older than drill_every (or
		// that never passed one) is overdue; the active site is not drilled.
		var lastPass time.Time
		if d, ok := e.lastPassedDrill(ctx, s.Name); ok {
			lastPass = d.Finished
		}
		w.metrics.lastDrill.WithLabelValues(s.Name).Set(unixOrZero(lastPass))
		if s.Role == "standby" {
			every := e.cfg.Objectives.DrillEvery.D()
			key := "drill_overdue|" + s.Name
			if lastPass.IsZero() || (every > 0 && st.Time.Sub(lastPass) > every) {
				last := "it never passed a drill"
				if !lastPass.IsZero() {
					last = "its last passing drill is " + Age(st.Time.Sub(lastPass)) + " old"
				}
				if notify, _ := w.book.raise(key, "", now, 0); notify {
					w.alert(AlertDrillOverdue, s.Name, "", fmt.Sprintf("site %s is drill overdue: %s (drill_every %s)", s.Name, last, config.Duration(every)), false)
				}
			} else {
				w.book.resolve(key)
			}
		}
	}

	for _, o := range outlooks {
		key := "rpo|" + o.Site + "|" + o.Set
		if o.Breached {
			if notify, repeat := w.book.raise(key, "", now, w.opts.Renotify); notify {
				msg := fmt.Sprintf("set %s at site %s: %s", o.Set, o.Site, o.Summary())
				if repeat {
					msg = "still breached: " + msg
				}
				w.alert(AlertRPOBreach, o.Site, o.Set, msg, repeat)
			}
		} else if since, was := w.book.resolve(key); was {
			w.alert(AlertRPOOK, o.Site, o.Set, fmt.Sprintf("set %s at site %s is within its RPO again after %s: %s",
				o.Set, o.Site, Age(now.Sub(since)), o.Summary()), false)
		}
	}
	w.metrics.setSets(st, outlooks)
	w.judgePosture(ctx, st, now)

	if now.Sub(w.lastPrune) > time.Hour {
		w.lastPrune = now
		_ = e.store.PruneSamples(ctx, now.Add(-w.opts.SampleRetention))
	}
}

// judgePosture alerts when a set stops meeting 3-2-1-1-0 and when it meets
// it again. It reads the catalog this round's status refreshed; the
// immutability probe inside runs at most daily, never under read-only.
func (w *watcher) judgePosture(ctx context.Context, st *Status, now time.Time) {
	// The canary's forget takes restic's exclusive lock: it waits for its
	// turn like a job, and while a job runs the cached results speak.
	noWrite := w.opts.NoSchedule || !w.jobs.TryLock()
	if !noWrite {
		defer w.jobs.Unlock()
	}
	ps, err := w.e.PostureFromStatus(ctx, st, PostureOptions{NoWrite: noWrite})
	if err != nil {
		if ctx.Err() == nil {
			w.opts.Logf("posture: %v", err)
		}
		return
	}
	for _, p := range ps {
		key := "posture|" + p.Set
		if !p.Met {
			if notify, _ := w.book.raise(key, "", now, 0); notify {
				w.alert(AlertPostureDegraded, "", p.Set, fmt.Sprintf("set %s does not meet 3-2-1-1-0: %s", p.Set, strings.Join(p.Missing, "; ")), false)
			}
		} else if since, was := w.book.resolve(key); was {
			w.alert(AlertPostureOK, "", p.Set, fmt.Sprintf("set %s meets 3-2-1-1-0 again after %s (%d copies, %d media, off-site, immutable, 0 errors)",
				p.Set, Age(now.Sub(since)), p.Copies, p.Media), false)
		}
	}
}
