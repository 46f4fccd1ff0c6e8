package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/lifeboat-dr/lifeboat/engine"
	"github.com/lifeboat-dr/lifeboat/internal/dr"
)

func (a *app) drillCommand() *cobra.Command {
	var site, report string
	var sets []string
	cmd := &cobra.Command{
		Use:   "drill",
		Short: "Rehearse a failover: restore from a standby into scratch space, verify, report",
		Long: `Rehearses a failover to a standby site (default: the first standby) without
touching production: preflight (the site answers, the newest snapshot of each
set is there, no other drill or failover runs, scratch space suffices) →
restore each set's newest snapshot there into <drills.scratch>/<run-id>/<set>
with restic's verification → compare the restored files with the snapshot's
listing (count and bytes) → the drills.verify hooks (env LIFEBOAT_FROM,
LIFEBOAT_TO, LIFEBOAT_SET, LIFEBOAT_TARGET, LIFEBOAT_RUN_ID) → restic check
--read-data-subset n/t on the standby, n rotating so that every pack is read
over t drills → clean up (unless drills.keep).

The report (--json prints it; --report FILE writes it as Markdown) is stored
hash-chained to the previous one; ` + "`lifeboat journal --verify`" + ` checks the chain.
A drill writes scratch space and checks the standby, so --read-only refuses it.

Exit codes follow the monitoring convention: 0 passed without findings,
1 passed with findings (e.g. an RPO breach), 2 failed, 3 could not evaluate
(bad config, unknown site, another drill or failover holds the lock).`,
		Args: cobra.NoArgs,
		RunE: withEngine(a.openToEvaluate, func(ctx context.Context, eng *engine.Engine) error {
			// A drill restores outside the state store and checks the
			// standby (a lock): refused under --read-only.
			if err := a.refuseReadOnly(ctx, "drill"); err != nil {
				return withCode(int(engine.LevelUnknown), err)
			}
			pr := a.progress()
			rep, err := eng.Drill(ctx, engine.DrillRequest{Site: site, Sets: sets, Report: report}, func(ev engine.Event) {
				if ev.Op == "drill" && ev.Kind == engine.EventInfo && !startsStep(ev) {
					pr.mu.Lock()
					pr.clear()
					fmt.Fprintf(pr.w, "drill @%s: %s\n", ev.Site, ev.Message)
					pr.mu.Unlock()
					return
				}
				pr.observe(ev)
			})
			if rep == nil {
				if err == nil {
					err = fmt.Errorf("drill: no report")
				}
				if cancelled(err) {
					return withCode(int(engine.LevelUnknown), fmt.Errorf("cancelled before the drill started"))
				}
				return withCode(int(engine.LevelUnknown), err)
			}
			if a.json {
				if jerr := a.writeJSON(rep); jerr != nil {
					return jerr
				}
			} else {
				a.printDrill(rep)
			}
			if rep.Level == engine.LevelOK && err != nil {
				// Passed, but the report could not be written or stored.
				return withCode(int(engine.LevelUnknown), err)
			}
			if rep.Level != engine.LevelOK {
				if err == nil {
					err = errSilent
				}
				return withCode(int(rep.Level), err)
			}
			return nil
		}),
	}
	cmd.Flags().StringVar(&site, "site", "", "standby site to rehearse (default: the first standby)")
	cmd.Flags().StringArrayVar(&sets, "set", nil, "set to include (repeatable; default: every set)")
	cmd.Flags().StringVar(&report, "report", "", "write the Markdown report to this file")
	return cmd
}

func (a *app) printDrill(r *engine.DrillReport) {
	p := a.palette()
	w := a.stdout
	fmt.Fprintf(w, "Drill %s of site %s: %s\n", r.ID, r.Site, p.bold.Render(r.Verdict()))
	rto := fmt.Sprintf("%.1fs", r.RTO.Seconds())
	if r.CouldNotRun() {
		rto = "—" // nothing was restored: there is no RTO to show
	}
	if r.RTOObjective > 0 {
		rto += fmt.Sprintf(" (objective %s)", engine.Age(r.RTOObjective))
	}
	fmt.Fprintf(w, "RTO achieved: %s    check subset: %s    operator: %s\n", rto, r.CheckSubset, r.Operator)
	if r.CouldNotRun() {
		fmt.Fprintf(w, "%s %s: this says nothing about the data at %s; fix the cause and drill again\n", p.level("could not run:"), r.NotEvaluated, r.Site)
	}
	fmt.Fprintln(w)

	steps := &table{head: []string{"STEP", "STATUS", "TIME", "DETAIL"}}
	for _, s := range r.Steps {
		steps.add(s.Name, p.level(s.Status), fmt.Sprintf("%.1fs", s.Elapsed.Seconds()), dash(s.Detail))
	}
	steps.print(w, p)
	fmt.Fprintln(w)
	sets := &table{head: []string{"SET", "SNAPSHOT", "RPO AGE", "FILES", "SIZE", "VERIFIED"}}
	for _, s := range r.Sets {
		v := map[bool]string{true: "yes", false: "no"}[s.Verified]
		sets.add(s.Name, dash(shortID(s.Snapshot)), engine.Age(s.DataLoss), fmt.Sprint(s.VerifiedFiles),
			engine.Bytes(s.Bytes), p.level(v))
	}
	sets.print(w, p)
	if len(r.Findings) > 0 {
		fmt.Fprintln(w)
		for _, f := range r.Findings {
			fmt.Fprintf(w, "%s %s\n", p.level("finding:"), f)
		}
	}
}

// startsStep says ev is a runbook step starting: the progress shows the
// step's end, not its start.
func startsStep(ev engine.Event) bool { return ev.Step != nil && ev.Step.To == dr.StepRunning }
