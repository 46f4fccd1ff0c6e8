package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lifeboat-dr/lifeboat/engine"
)

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
		RunE: func(cmd *cobra.Command, args []string) error {
			eng, err := a.open(cmd.Context())
			if err != nil {
				return err
			}
			var measureErr error
			if refresh {
				measureErr = eng.MeasureCapacity(cmd.Context())
				if measureErr != nil && cancelled(measureErr) {
					return measureErr
				}
			}
			caps, err := eng.Capacity(cmd.Context())
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
		},
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
