package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/lifeboat-dr/lifeboat/engine"
)

func (a *app) statusCommand() *cobra.Command {
	var cached bool
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Health of every site, every set at every site, replication, checks, drills",
		Long: `Probes every site (in parallel), refreshes the catalog and judges each set's
newest snapshot at each site against its RPO.

Exit codes follow the monitoring convention: 0 OK, 1 WARNING (replication
behind but within RPO), 2 CRITICAL (a site down, an RPO breached, a failed
check), 3 UNKNOWN (lifeboat could not evaluate, e.g. a bad config).`,
		Args: cobra.NoArgs,
		RunE: withEngine(a.openToEvaluate, func(ctx context.Context, eng *engine.Engine) error {
			st, err := eng.Status(ctx, !cached)
			if err != nil {
				return withCode(int(engine.LevelUnknown), err)
			}
			if err := a.show(st, func() { a.printStatus(st) }); err != nil {
				return err
			}
			if st.Level != engine.LevelOK {
				return withCode(int(st.Level), errSilent)
			}
			return nil
		}),
	}
	cmd.Flags().BoolVar(&cached, "cached", false, "do not probe: report the last probes and the cached catalog")
	return cmd
}

func (a *app) printStatus(st *engine.Status) {
	p := a.palette()
	w := a.stdout
	active := st.ActiveSite
	if st.ActiveFrom == "failover" {
		active += " (recorded by a failover; overrides the config's role)"
	}
	fmt.Fprintf(w, "Overall: %s    active site: %s\n\n", p.level(strings.ToUpper(st.Overall)), active)

	sites := &table{head: []string{"SITE", "ROLE", "STATE", "LATENCY", "LOCKS", "LAST CHECK", "LAST DRILL"}}
	for _, s := range st.Sites {
		state := "OK"
		if !s.Reachable {
			state = "DOWN"
		}
		lat := "-"
		if s.Reachable {
			lat = fmt.Sprintf("%.0f ms", s.LatencyMS)
		}
		check := "never"
		if s.LastCheck != nil {
			check = ago(s.LastCheck.Time) + " " + p.level(map[bool]string{true: "ok", false: "failed"}[s.LastCheck.OK])
		}
		drill := "never"
		if s.LastDrill != nil {
			drill = ago(s.LastDrill.Time) + " " + p.level(map[bool]string{true: "ok", false: "failed"}[s.LastDrill.Passed])
			if s.LastDrill.RTO > 0 {
				drill += fmt.Sprintf(" RTO %s", engine.Age(s.LastDrill.RTO))
			}
		}
		locks := "?" // unknown while the site is down, not 0
		if n, ok := s.LockCount(); ok {
			locks = fmt.Sprint(n)
		}
		sites.add(s.Name, s.Role, p.level(state), lat, locks, check, drill)
	}
	sites.print(w, p)
	fmt.Fprintln(w)

	sets := &table{head: []string{"SET", "SITE", "NEWEST", "AGE", "RPO", "VERDICT", "SNAPSHOTS"}}
	for _, set := range st.Sets {
		rpo := engine.Age(set.RPOObjective.Truncate(time.Second))
		for _, x := range set.Sites {
			newest, age, verdict := "-", "-", "none"
			if x.Stale {
				// A site that cannot be listed is never shown compliant.
				seen := "never listed"
				if x.LastSeen != nil {
					seen = "last seen " + ago(*x.LastSeen)
				}
				verdict = "unknown (site down, " + seen + ")"
				if x.NewestTime != nil {
					newest = x.NewestSnapshot[:8]
				}
				sets.add(set.Name, x.Site, newest, age, rpo, p.level(verdict), fmt.Sprint(x.Snapshots))
				continue
			}
			if x.NewestTime != nil {
				newest = x.NewestSnapshot[:8]
				age = engine.Age(*x.Age)
				verdict = x.Grade
				if x.RPOOK && x.BreachIn < time.Hour {
					verdict += fmt.Sprintf(" (breach in %s)", engine.Age(x.BreachIn))
				}
			}
			sets.add(set.Name, x.Site, newest, age, rpo, p.level(verdict), fmt.Sprint(x.Snapshots))
		}
	}
	sets.print(w, p)

	if f := st.LastFailover; f != nil {
		fmt.Fprintf(w, "\nLast failover: %s %s → %s (%s) %s, %s", f.ID, f.From, f.To, f.Mode, p.level(f.Outcome), ago(f.Time))
		if f.RTO > 0 {
			fmt.Fprintf(w, "; RTO %s", engine.Age(f.RTO))
			if f.RTOObjective > 0 {
				fmt.Fprintf(w, " of %s", engine.Age(f.RTOObjective))
			}
			fmt.Fprintf(w, ", data lost up to %s", engine.Age(f.DataLoss))
		}
		fmt.Fprintln(w)
	}

	if len(st.Replication) > 0 {
		fmt.Fprintln(w)
		rep := &table{head: []string{"SET", "FROM", "TO", "MISSING", "LAG", "STATE"}}
		for _, r := range st.Replication {
			state, lag := "ok", "-"
			if r.MissingSnapshots > 0 {
				state = "behind"
				lag = engine.Age(r.Lag)
			}
			rep.add(r.Set, r.From, r.To, fmt.Sprint(r.MissingSnapshots), lag, p.level(state))
		}
		rep.print(w, p)
	}
	if len(st.Problems) > 0 {
		fmt.Fprintln(w)
		for _, pr := range st.Problems {
			fmt.Fprintf(w, "%s %s\n", p.level(strings.ToUpper(pr.Level)+":"), advised(pr.Message, pr.Do))
		}
	}
}

func (a *app) postureCommand() *cobra.Command {
	var probe bool
	cmd := &cobra.Command{
		Use:   "posture",
		Short: "3-2-1-1-0 per set, measured from the sites: copies, media, off-site, immutable, errors",
		Long: `Lists every site once, then grades each set against 3-2-1-1-0:
  copies     production plus every reachable site holding the set's newest
             snapshot (or a copy of it) within its RPO; 3 or more
  media      distinct kinds of backend among those sites (local, rest, s3, ...); 2 or more
  offsite    a copy at a site whose location differs from the active site's
  immutable  a copy at a site that refused to delete Lifeboat's canary snapshot
             (probed at most daily, or now with --probe), or a site declared offline
  errors     missing or failed verification: the last check of each copy's
             site and the last drill of the set; 0

Exit codes follow the monitoring convention: 0 every set meets the rule,
1 something is missing, 2 a set has fewer than two copies or errors,
3 lifeboat could not evaluate (e.g. a bad config).`,
		Args: cobra.NoArgs,
		RunE: withEngine(a.openToEvaluate, func(ctx context.Context, eng *engine.Engine) error {
			if probe {
				// The probe writes a canary snapshot to every site.
				if err := a.refuseReadOnly(ctx, "posture --probe"); err != nil {
					return withCode(int(engine.LevelUnknown), err)
				}
			}
			ps, err := eng.Posture(ctx, engine.PostureOptions{Probe: probe, NoWrite: a.readOnly})
			if err != nil {
				return withCode(int(engine.LevelUnknown), err)
			}
			if err := a.show(postureJSON(ps), func() { a.printPosture(ps) }); err != nil {
				return err
			}
			if l := engine.PostureLevel(ps); l != engine.LevelOK {
				return withCode(int(l), errSilent)
			}
			return nil
		}),
	}
	cmd.Flags().BoolVar(&probe, "probe", false, "test immutability now (writes or reuses a canary snapshot at each site) instead of reusing a result younger than a day")
	return cmd
}

func (a *app) printPosture(ps []engine.PostureSet) {
	p := a.palette()
	w := a.stdout
	yes := map[bool]string{true: "yes", false: "no"}
	t := &table{head: []string{"SET", "COPIES", "MEDIA", "OFFSITE", "IMMUTABLE", "ERRORS", "3-2-1-1-0"}}
	for _, s := range ps {
		verdict := p.ok.Render("met")
		if !s.Met {
			verdict = p.warn.Render("missing")
		}
		t.add(s.Set, fmt.Sprint(s.Copies), fmt.Sprint(s.Media), p.level(yes[s.Offsite]), p.level(yes[s.Immutable]), fmt.Sprint(s.Errors), verdict)
	}
	t.print(w, p)
	for _, s := range ps {
		if len(s.Missing) == 0 && len(s.Advice) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s:\n", s.Set)
		for _, m := range s.Missing {
			fmt.Fprintf(w, "  missing  %s\n", m)
		}
		for _, adv := range s.Advice {
			fmt.Fprintf(w, "  do       %s\n", adv.In(command))
		}
	}
}

func (a *app) capacityCommand() *cobra.Command {
	var refresh bool
	cmd := &cobra.Command{
		Use:   "capacity",
		Short: "Storage, compression, dedup, growth, free space and cost per site",
		Long: `Prints each site's capacity as last measured by restic stats (raw-data and
restore-size): stored and uncompressed bytes, compression and dedup ratios,
snapshots, growth per day (from the stored history of measurements), free
space and days to full (a local repository, or a site's disk probe), and the
monthly cost from the site's cost_per_gib_month.

Without --refresh it runs no restic and prints the cached figures with the time
they were measured; watch measures them on schedule.stats (daily by default).
--refresh measures every site now (two restic runs per site, no repository
lock: it also works under --read-only). Exit code 1 when a site could not be
measured.`,
		Args: cobra.NoArgs,
		RunE: withEngine(a.open, func(ctx context.Context, eng *engine.Engine) error {
			var measureErr error
			if refresh {
				measureErr = eng.MeasureCapacity(ctx)
				if measureErr != nil && cancelled(measureErr) {
					return measureErr
				}
			}
			caps, err := eng.Capacity(ctx)
			if err != nil {
				return err
			}
			if err := a.show(caps, func() { a.printCapacity(caps) }); err != nil {
				return err
			}
			if measureErr != nil {
				return withCode(1, measureErr)
			}
			return nil
		}),
	}
	cmd.Flags().BoolVar(&refresh, "refresh", false, "measure every site now with restic stats, then print")
	return cmd
}

func (a *app) printCapacity(caps []engine.Capacity) {
	w := a.stdout
	none := true
	for i, c := range caps {
		if i > 0 {
			fmt.Fprintln(w)
		}
		if c.MeasuredAt == nil {
			fmt.Fprintf(w, "%s: not measured yet\n", c.Site)
		} else {
			none = false
			fmt.Fprintf(w, "%s: measured %s (%s)\n", c.Site, ago(*c.MeasuredAt), c.MeasuredAt.UTC().Format("2006-01-02 15:04 UTC"))
			fmt.Fprintf(w, "  stored %s   raw %s   compression %s   snapshots %s\n",
				dash(engine.SizeOf(c.StoredBytes)), dash(engine.SizeOf(c.RawBytes)), dash(engine.RatioOf(c.CompressionRatio)), dash(count(c.Snapshots)))
			fmt.Fprintf(w, "  restore size %s   dedup %s   growth %s\n",
				dash(engine.SizeOf(c.RestoreBytes)), dash(engine.RatioOf(c.DedupRatio)), or(engine.GrowthOf(c.GrowthBytesPerDay), "- (needs measurements a day apart)"))
			fmt.Fprintf(w, "  free %s   full in %s   cost %s\n",
				or(engine.SizeOf(c.FreeBytes), "- (not known for this backend)"), dash(engine.DaysOf(c.DaysToFull)), or(engine.CostOf(c.MonthlyCost), "- (no cost_per_gib_month)"))
		}
		if c.LastError != "" {
			fmt.Fprintf(w, "  last measurement failed %s: %s\n", ago(c.LastErrorAt), strings.ReplaceAll(c.LastError, "\n", "; "))
		}
	}
	if none {
		fmt.Fprintln(w, "\nNo capacity measured yet: run `lifeboat capacity --refresh` (or let `lifeboat watch` measure on schedule.stats).")
	}
}

func count(p *int64) string {
	if p == nil {
		return ""
	}
	return fmt.Sprint(*p)
}

func or(s, otherwise string) string {
	if s == "" {
		return otherwise
	}
	return s
}
