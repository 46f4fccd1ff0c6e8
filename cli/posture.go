package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/lifeboat-dr/lifeboat/engine"
)

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
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			eng, err := a.openToEvaluate(ctx)
			if err != nil {
				return err
			}
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
			if err := a.show(ps, func() { a.printPosture(ps) }); err != nil {
				return err
			}
			if l := engine.PostureLevel(ps); l != engine.LevelOK {
				return withCode(int(l), errSilent)
			}
			return nil
		},
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
			fmt.Fprintf(w, "  do       %s\n", adv)
		}
	}
}
