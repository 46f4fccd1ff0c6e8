package cli

import (
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
		RunE: func(cmd *cobra.Command, args []string) error {
			eng, err := a.open(cmd.Context())
			if err != nil {
				return withCode(int(engine.LevelUnknown), err)
			}
			st, err := eng.Status(cmd.Context(), !cached)
			if err != nil {
				return withCode(int(engine.LevelUnknown), err)
			}
			if a.json {
				if err := a.writeJSON(st); err != nil {
					return err
				}
			} else {
				a.printStatus(st)
			}
			if st.Level != engine.LevelOK {
				return withCode(int(st.Level), errSilent)
			}
			return nil
		},
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
				age = engine.Age(time.Duration(*x.AgeSeconds) * time.Second)
				verdict = x.Grade
				if x.RPOOK && x.BreachInSeconds < 3600 {
					verdict += fmt.Sprintf(" (breach in %s)", engine.Age(time.Duration(x.BreachInSeconds)*time.Second))
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
				lag = engine.Age(time.Duration(r.LagSeconds) * time.Second)
			}
			rep.add(r.Set, r.From, r.To, fmt.Sprint(r.MissingSnapshots), lag, p.level(state))
		}
		rep.print(w, p)
	}
	if len(st.Problems) > 0 {
		fmt.Fprintln(w)
		for _, pr := range st.Problems {
			fmt.Fprintf(w, "%s %s\n", p.level(strings.ToUpper(pr.Level)+":"), pr.Message)
		}
	}
}
