package monitor

import (
	"context"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/lifeboat-dr/lifeboat/engine"
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

// Watch is the headless monitor: every Interval it probes every site and
// its services, judges health, RPO, checks and drills and alerts on
// transitions; it runs the schedule and serves Prometheus metrics. It
// returns nil when ctx is cancelled, after running work has finished or
// been cancelled (after Grace) and the metrics server is shut down.
func Watch(ctx context.Context, e *engine.Engine, opts WatchOptions) error {
	opts.defaults()
	jobs, err := Schedule(e.Config())
	if err != nil {
		return err
	}
	w := &watcher{e: e, opts: opts, health: map[string]*engine.SiteHealth{}, book: newAlertBook(),
		metrics: newWatchMetrics()}
	for _, s := range e.Config().Sites {
		w.health[s.Name] = engine.NewSiteHealth(s.Name)
	}

	stopMetrics := func() {}
	if opts.MetricsAddr != "" {
		if stopMetrics, err = w.metrics.serve(opts.MetricsAddr, opts.Logf, opts.OnMetricsListen); err != nil {
			return err
		}
	}

	w.alerter = NewAlerter(e, opts.Retry, opts.Logf)
	w.alerter.Start()

	// Jobs get their own context: cancelled only after the grace period.
	jobCtx, cancelJobs := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelJobs()
	c := w.schedule(ctx, jobCtx, jobs)
	c.Start()
	opts.Logf("watching %d site(s) every %s", len(e.Config().Sites), opts.Interval)

	for round := 1; ; round++ {
		w.tick(ctx)
		if opts.OnRound != nil && ctx.Err() == nil {
			opts.OnRound(round)
		}
		t := time.NewTimer(opts.Interval)
		select {
		case <-ctx.Done():
			t.Stop()
			w.shutdown(c, cancelJobs, stopMetrics)
			return nil
		case <-t.C:
		}
	}
}

func (w *watcher) shutdown(c *cron.Cron, cancelJobs context.CancelFunc, stopMetrics func()) {
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
	stopMetrics()
	o.Logf("stopped")
}

// watcher is the state of one Watch.
type watcher struct {
	e       *engine.Engine
	opts    WatchOptions
	alerter *Alerter
	metrics *watchMetrics

	mu sync.Mutex // guards what ticks and jobs share
	// jobs runs scheduled jobs one at a time: a check's exclusive lock
	// must not meet a backup or a copy fired at the same tick.
	jobs      sync.Mutex
	health    map[string]*engine.SiteHealth
	book      *alertBook
	lastPrune time.Time
}
