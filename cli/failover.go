package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lifeboat-dr/lifeboat/engine"
)

func (a *app) failoverCommand() *cobra.Command {
	var to, confirm, report string
	var planned, unplanned, yes, resume, abort bool
	cmd := &cobra.Command{
		Use:   "failover",
		Short: "Make a standby the active site (guided, resumable); --resume or --abort an interrupted one",
		Long: `Fails over to standby site S, as a runbook whose every step is stored:

  preflight (S reachable with the right password, S not the active site's
  repository, every set has a recovery point there, no other drill or
  failover, failover.target apart from every set's paths with symlinks
  resolved, space at failover.target)
  → planned only: a last backup at the active site, replication to S
  → recovery point: each set's newest snapshot at S, every pack it needs
    read and checked (restic check --read-data on those snapshots)
  → confirmation: the expected data loss per set, then type S
  → failover.hooks.pre → restore each set into <failover.target>/<set>
    (restic --verify; whatever the directory held is replaced)
  → verify: the restored files against the snapshot's listing, then
    failover.hooks.verify per set → failover.hooks.switch
  → commit: S is recorded as the active site; the old one becomes a standby
    and replication runs S → old.

--planned needs the active site up and loses nothing; --unplanned restores
what S holds and loses what was not replicated (shown before you confirm).
--confirm must equal S. Without --yes the plan is shown and the name of S is
asked for again on the terminal; the time spent there is human wait, kept
apart from the achieved RTO (declared → switched). Without --yes and without
a terminal to ask on, it refuses before the first step (exit 2).

A failure before the confirmation refuses the failover: nothing is switched.
A failure later, a cancel, or a dead process (kill -9, dropped SSH) leaves
the failover unfinished: --resume continues from the step that did not
finish; --abort (asks unless --yes) abandons it and records why. Failback is
a planned failover back to the old site.

Hooks get LIFEBOAT_FROM, LIFEBOAT_TO, LIFEBOAT_SET, LIFEBOAT_TARGET and
LIFEBOAT_RUN_ID; pre and switch hooks run once with every set in
LIFEBOAT_SET, verify hooks once per set in its restored directory.
The report (--json prints it, --report FILE writes Markdown) is stored in the
hash chain with the drills.`,
		Args: cobra.NoArgs,
		PreRunE: func(cmd *cobra.Command, args []string) error {
			switch {
			case resume && abort:
				return usageError("--resume and --abort exclude each other")
			case (resume || abort) && (to != "" || planned || unplanned):
				return usageError("--resume and --abort act on the unfinished failover; drop --to, --planned and --unplanned")
			case !resume && !abort && to == "":
				return usageError("failover needs --to SITE (or --resume / --abort)")
			case !resume && !abort && planned == unplanned:
				return usageError("say --planned (the active site is up: last backup and replication first) or --unplanned (it is down: accept the loss shown)")
			case !resume && !abort && confirm == "":
				return usageError("failover needs --confirm %s: type the name of the site you fail over to", to)
			}
			return nil
		},
		RunE: withEngine(a.toChange("failover"), func(ctx context.Context, eng *engine.Engine) error {
			pr := a.progress()
			obs := func(ev engine.Event) {
				if ev.Op == "failover" && (ev.Kind == engine.EventInfo || ev.Kind == engine.EventWarning) && !startsStep(ev) {
					pr.mu.Lock()
					pr.clear()
					fmt.Fprintf(pr.w, "failover @%s: %s\n", ev.Site, ev.Message)
					pr.mu.Unlock()
					return
				}
				if ev.Op == "failover" {
					return
				}
				pr.observe(ev)
			}
			var ask func(context.Context, *engine.FailoverPlan) error
			if !yes {
				ask = a.askFailover
			}
			// Without a terminal to ask on, refuse before the first step:
			// never a last backup or a replication, then a question no one can answer.
			unasked := !yes && !a.canAsk()
			var rep *engine.FailoverReport
			var err error
			switch {
			case abort:
				st, err := eng.UnfinishedFailover(ctx)
				if err != nil {
					return err
				}
				if st == nil {
					return fmt.Errorf("%w to abort", engine.ErrNoFailover)
				}
				if !yes {
					// What would be abandoned (and whether a hook was cut
					// short) is shown even when there is no one to ask.
					a.printUnfinished(st)
				}
				if unasked {
					return a.refuseUnasked(ctx, eng, st.Run.To, "--abort --run "+st.Run.RunID, "failover --abort")
				}
				if !yes {
					if !a.askYesNo(ctx, fmt.Sprintf("Abandon failover %s to %s? %s stays the active site. [y/N] ", st.Run.RunID, st.Run.To, st.Run.From)) {
						return fmt.Errorf("not aborted: nothing was changed")
					}
				}
				rep, err = eng.AbortFailover(ctx, "abandoned by "+engine.CurrentOperator().String())
				if err != nil && rep == nil {
					return err
				}
			case resume:
				st, serr := eng.UnfinishedFailover(ctx)
				if serr == nil && st != nil && unasked && !confirmedBefore(st) {
					return a.refuseUnasked(ctx, eng, st.Run.To, "--resume --run "+st.Run.RunID, "failover --resume (the run stopped before its confirmation)")
				}
				if serr == nil && st != nil && !a.json {
					a.printUnfinished(st)
				}
				rep, err = eng.ResumeFailover(ctx, engine.ResumeOptions{Confirm: confirm, Ask: ask}, obs)
			default:
				mode := engine.FailoverPlanned
				if unplanned {
					mode = engine.FailoverUnplanned
				}
				if unasked {
					return a.refuseUnasked(ctx, eng, to, fmt.Sprintf("--to %s --%s", to, mode), "failover --to "+to)
				}
				rep, err = eng.Failover(ctx, engine.FailoverRequest{To: to, Mode: mode, Confirm: confirm, Ask: ask, Report: report}, obs)
			}
			if rep != nil {
				if a.json {
					if jerr := a.writeJSON(rep); jerr != nil {
						return jerr
					}
				} else {
					a.printFailover(rep)
				}
			}
			if err != nil {
				if errors.Is(err, engine.ErrConfirmMismatch) {
					return withCode(1, err)
				}
				if cancelled(err) && errors.Is(err, engine.ErrFailoverRefused) {
					return err // nothing was switched: nothing to resume
				}
				if cancelled(err) {
					return fmt.Errorf("failover cancelled: %w; `lifeboat failover --resume` continues it, `--abort` abandons it", err)
				}
				return err
			}
			return nil
		}),
	}
	f := cmd.Flags()
	f.StringVar(&to, "to", "", "the standby site that becomes active")
	f.BoolVar(&planned, "planned", false, "the active site is up: last backup and replication first, no data lost")
	f.BoolVar(&unplanned, "unplanned", false, "the active site is down: restore what the target holds, accept the loss shown")
	f.StringVar(&confirm, "confirm", "", "the target site's name, typed again")
	f.BoolVar(&yes, "yes", false, "do not ask on the terminal (scripts)")
	f.BoolVar(&resume, "resume", false, "continue the unfinished failover from the step that did not finish")
	f.BoolVar(&abort, "abort", false, "abandon the unfinished failover and record it")
	f.StringVar(&report, "report", "", "write the Markdown report to this file")
	return cmd
}

func (a *app) input() io.Reader {
	if a.stdin != nil {
		return a.stdin
	}
	return os.Stdin
}

// readLine reads one answer from the terminal; "" at end of input or
// when ctx ends first (ctrl+c at a prompt is a no).
func (a *app) readLine(ctx context.Context) string {
	if a.lines == nil {
		a.lines = bufio.NewReader(a.input())
	}
	got := make(chan string, 1)
	go func() {
		s, _ := a.lines.ReadString('\n')
		got <- strings.TrimSpace(s)
	}()
	select {
	case s := <-got:
		return s
	case <-ctx.Done():
		fmt.Fprintln(a.stderr)
		return ""
	}
}

func (a *app) askYesNo(ctx context.Context, prompt string) bool {
	fmt.Fprint(a.stderr, prompt)
	ans := strings.ToLower(a.readLine(ctx))
	return ans == "y" || ans == "yes"
}

// askFailover shows the plan as it stands at the confirmation step and
// asks for the target's name again.
func (a *app) askFailover(ctx context.Context, p *engine.FailoverPlan) error {
	w := a.stderr
	pal := a.palette()
	fmt.Fprintf(w, "\n%s failover %s → %s (run %s)\n\n", strings.ToUpper(string(p.Mode)), p.From, p.To, p.RunID)
	t := &table{head: []string{"SET", "RECOVERY POINT", "SNAPSHOT TIME", "DATA LOSS", "NOT REPLICATED", "TARGET"}}
	for _, s := range p.Sets {
		miss := "unknown"
		if s.MissingSnapshots >= 0 {
			miss = fmt.Sprint(s.MissingSnapshots)
		}
		loss := engine.Age(s.DataLoss)
		target := s.Target
		if s.TargetEntries > 0 {
			target += fmt.Sprintf(" (%d entries replaced)", s.TargetEntries)
		}
		t.add(s.Name, dash(shortID(s.Snapshot)), s.SnapshotTime.Local().Format("2006-01-02 15:04"), loss, miss, target)
	}
	t.print(w, pal)
	if !p.FromReachable {
		fmt.Fprintf(w, "\n%s the active site %s cannot be reached (%s)\n", pal.level("warning:"), p.From, p.FromError)
	}
	fmt.Fprintf(w, "\nThis restores into %s, runs the hooks and makes %s the active site.\n", p.Target, p.To)
	fmt.Fprintf(w, "Type %s to fail over (anything else cancels): ", pal.bold.Render(p.To))
	if ans := a.readLine(ctx); ans != p.To {
		if ans == "" {
			return fmt.Errorf("%w: no answer; the failover to %s was not confirmed", engine.ErrConfirmMismatch, p.To)
		}
		return fmt.Errorf("%w: you typed %q, not %q", engine.ErrConfirmMismatch, ans, p.To)
	}
	return nil
}

func (a *app) printUnfinished(st *engine.FailoverStatus) {
	w := a.stderr
	fmt.Fprintf(w, "Unfinished %s failover %s: %s → %s, declared %s by %s (%s)\n", st.Run.Mode, st.Run.RunID, st.Run.From, st.Run.To,
		st.Run.Declared.Local().Format("2006-01-02 15:04:05"), st.Run.Operator, st.Run.State)
	for _, s := range st.Steps {
		fmt.Fprintf(w, "  %-8s %s", s.Status, s.Name)
		if s.Detail != "" {
			fmt.Fprintf(w, ": %s", s.Detail)
		}
		fmt.Fprintln(w)
	}
	for _, m := range st.HooksCut {
		fmt.Fprintf(w, "WARNING: %s\n", m)
	}
}

func (a *app) printFailover(r *engine.FailoverReport) {
	p := a.palette()
	w := a.stdout
	fmt.Fprintf(w, "Failover %s: %s → %s (%s): %s\n", r.ID, r.From, r.To, r.Mode, p.bold.Render(r.Verdict()))
	if r.Switched != nil {
		rto := fmt.Sprintf("%.1fs", r.RTO.Seconds())
		if r.RTOObjective > 0 {
			rto += fmt.Sprintf(" (objective %s)", engine.Age(r.RTOObjective))
		}
		fmt.Fprintf(w, "RTO achieved: %s    human wait apart: %.1fs    attempts: %d    operator: %s\n", rto, r.HumanWait.Seconds(), r.Attempts, r.Operator)
		fmt.Fprintf(w, "%s is now the active site; %s is a standby (replication runs %s → %s).\n\n", r.To, r.From, r.To, r.From)
	} else {
		fmt.Fprintf(w, "%s stays the active site.\n\n", r.From)
	}
	steps := &table{head: []string{"STEP", "STATUS", "TIME", "DETAIL"}}
	for _, s := range r.Steps {
		steps.add(s.Name, p.level(s.Status), fmt.Sprintf("%.1fs", s.Elapsed.Seconds()), dash(s.Detail))
	}
	steps.print(w, p)
	fmt.Fprintln(w)
	sets := &table{head: []string{"SET", "SNAPSHOT", "DATA LOST (RPO)", "FILES", "SIZE", "VERIFIED", "TARGET"}}
	for _, s := range r.Sets {
		v := map[bool]string{true: "yes", false: "no"}[s.Verified]
		sets.add(s.Name, dash(shortID(s.Snapshot)), engine.Age(s.DataLoss), fmt.Sprint(s.VerifiedFiles),
			engine.Bytes(s.Bytes), p.level(v), dash(s.Target))
	}
	sets.print(w, p)
	if len(r.Findings) > 0 {
		fmt.Fprintln(w)
		for _, f := range r.Findings {
			fmt.Fprintf(w, "%s %s\n", p.level("finding:"), f)
		}
	}
}
