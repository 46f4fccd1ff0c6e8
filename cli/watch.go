package cli

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/lifeboat-dr/lifeboat/engine"
	"github.com/lifeboat-dr/lifeboat/engine/monitor"
)

func (a *app) watchCommand() *cobra.Command {
	var opts monitor.WatchOptions
	cmd := &cobra.Command{
		Use:   "watch [--interval 1m] [--metrics 127.0.0.1:9188] [--renotify 4h]",
		Short: "Headless monitor: probes, the schedule, alerts and Prometheus /metrics",
		Long: `Probes every site and its configured services every --interval, judges each
site OK, DEGRADED or DOWN (a change needs two agreeing rounds), follows every
set's RPO, and alerts the configured targets on transitions: site_down,
site_up, rpo_breach (re-notified every --renotify while it lasts), rpo_ok,
check_failed, drill_failed, drill_overdue. It runs the config's schedule
(backup, replicate, check, forget and drill; one job at a time, a job never
overlaps itself) and, with --metrics, serves Prometheus metrics at http://ADDR/metrics.

One line per event, transition and job goes to stderr. SIGTERM or SIGINT stops
it: no new jobs, running ones get a few seconds to finish before they are
cancelled, then it exits 0. With --read-only it only watches: the schedule is
not run. See docs/monitoring.md and docs/lifeboat-watch.service.`,
		Args: cobra.NoArgs,
		PreRunE: func(cmd *cobra.Command, args []string) error {
			if opts.Interval < time.Second {
				return usageError("--interval must be at least 1s, got %s", opts.Interval)
			}
			if opts.Renotify < time.Second {
				return usageError("--renotify must be at least 1s, got %s", opts.Renotify)
			}
			return nil
		},
		RunE: withEngine(a.open, func(ctx context.Context, eng *engine.Engine) error {
			opts.NoSchedule = a.readOnly
			opts.Logf = lineLogger(a.stderr)
			return monitor.Watch(ctx, eng, opts)
		}),
	}
	f := cmd.Flags()
	f.DurationVar(&opts.Interval, "interval", time.Minute, "time between rounds of probes")
	f.StringVar(&opts.MetricsAddr, "metrics", "", "serve Prometheus metrics on this address, e.g. 127.0.0.1:9188")
	f.DurationVar(&opts.Renotify, "renotify", 4*time.Hour, "re-notify an ongoing RPO breach this often")
	return cmd
}

// lineLogger writes one timestamped line per call, safe from many goroutines.
func lineLogger(w io.Writer) func(string, ...any) {
	var mu sync.Mutex
	return func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(w, "%s %s\n", time.Now().Format(time.RFC3339), fmt.Sprintf(format, args...))
	}
}

func (a *app) alertCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "alert",
		Short: "Alert targets",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return usageError("alert needs a subcommand: test (see `lifeboat alert --help`)")
		},
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "test",
		Short: "Send a test event to every alert target and report each",
		Long: `Sends an event "test" (severity info) to every configured alert target,
whatever its ` + "`on`" + ` list, with the usual retries, and reports per target
whether it was delivered. Exits 1 when any delivery failed. Each delivery is
journaled.`,
		Args: cobra.NoArgs,
		RunE: withEngine(a.open, func(ctx context.Context, eng *engine.Engine) error {
			if len(eng.Config().Alerts) == 0 {
				return fmt.Errorf("no alert targets: add an `alerts:` list to %s", eng.Config().Path)
			}
			res := monitor.TestAlerts(ctx, eng, monitor.RetryPolicy{Attempts: 2})
			failed := 0
			for _, d := range res {
				if !d.OK {
					failed++
				}
			}
			if a.json {
				if err := a.writeJSON(res); err != nil {
					return err
				}
			} else {
				p := a.palette()
				t := &table{head: []string{"TARGET", "RESULT", "ATTEMPTS", "ERROR"}}
				for _, d := range res {
					state := "ok"
					if !d.OK {
						state = "failed"
					}
					t.add(d.Target, p.level(state), fmt.Sprint(d.Attempts), d.Error)
				}
				t.print(a.stdout, p)
			}
			if failed > 0 {
				return withCode(1, fmt.Errorf("%d of %d alert target(s) failed", failed, len(res)))
			}
			return nil
		}),
	})
	return cmd
}
