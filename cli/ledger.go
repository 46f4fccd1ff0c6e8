package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/lifeboat-dr/lifeboat/engine"
)

// ledgerFresh is how old the catalog's listing of a site may be for the
// ledger to be read from it instead of listing again.
const ledgerFresh = 15 * time.Second

// readLedgers brings this bastion up to date with the sites' ledgers before
// a command that depends on them (which site is active, an unfinished
// failover, a conflict). A site that cannot be reached is the command's own
// business; only a local failure stops it.
func (a *app) readLedgers(ctx context.Context, eng *engine.Engine) error {
	_, err := eng.ReadLedgers(ctx, ledgerFresh)
	return err
}

// publishLedger sends what this command added to the ledger to every site
// that lacks it, once, as the command ends. A site that cannot be reached
// gets it with a later command; saying so is a warning, not a failure.
func (a *app) publishLedger() {
	if a.eng == nil || a.readOnly {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	a.eng.WaitPublished(ctx)
	for _, r := range a.eng.PublishLedger(ctx) {
		if r.Err == nil {
			continue
		}
		if r.Site == "" {
			fmt.Fprintf(a.stderr, "lifeboat: warning: the ledger was not published: %s\n", errText(r.Err))
			continue
		}
		fmt.Fprintf(a.stderr, "lifeboat: warning: site %s did not receive the ledger (%s); it is sent again with the next command\n",
			r.Site, errText(r.Err))
	}
}

func (a *app) resolveCommand() *cobra.Command {
	var keep, confirm string
	cmd := &cobra.Command{
		Use:   "resolve",
		Short: "End a conflict of active sites (two bastions that switched during a partition)",
		Long: `When two bastions each made a different site active while they could not see
each other, the ledger holds two generations with the same parent: status is
CRITICAL and backups, replication, retention and failovers refuse.

resolve --keep S --confirm S records S as the active site in a new generation
that replaces both, in the ledger of every reachable site; every bastion follows
it when it next reads the ledgers. S must be one of the sites the conflicting
generations made active. Check first which site production really writes to:
status names both records (who, when, which site each made active).`,
		Args: cobra.NoArgs,
		PreRunE: func(cmd *cobra.Command, args []string) error {
			if keep == "" || confirm == "" {
				return usageError("resolve needs --keep SITE and --confirm SITE: type the name of the site that stays active twice")
			}
			return nil
		},
		RunE: withEngine(a.toChange("resolve"), func(ctx context.Context, eng *engine.Engine) error {
			detail, err := eng.ResolveConflict(ctx, keep, confirm)
			if errors.Is(err, engine.ErrNoConflict) {
				return withCode(1, fmt.Errorf("%w: nothing to resolve", err))
			}
			if err != nil {
				return err
			}
			if a.json {
				return a.writeJSON(map[string]string{"kept": keep, "detail": detail})
			}
			fmt.Fprintln(a.stdout, detail)
			return nil
		}),
	}
	cmd.Flags().StringVar(&keep, "keep", "", "the site that stays active")
	cmd.Flags().StringVar(&confirm, "confirm", "", "the same site name again")
	return cmd
}

func (a *app) ledgerCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ledger",
		Short: "The ledger's health: per site, when it was last published and read, and how far behind it is",
		Long: `Lifeboat's records of truth (changes of active site, failover steps, reports,
the journal) are published into every site's repository as snapshots tagged
lifeboat:ledger. This shows, per site, when this bastion last published there,
how many records it sent, how many the site lacks (behind), when it last read
the site's ledger, and why the last publication failed. It reads the ledgers
first (one listing per site) and publishes what a site lacks.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.showLedger(cmd.Context())
		},
	}
	return cmd
}

// showLedger reads the sites' ledgers, publishes what they lack (unless
// read-only) and prints the ledger's health.
func (a *app) showLedger(ctx context.Context) error {
	eng, err := a.open(ctx)
	if err != nil {
		return err
	}
	if err := a.readLedgers(ctx, eng); err != nil {
		return err
	}
	a.publishLedger()
	h, err := eng.LedgerHealth(ctx)
	if err != nil {
		return err
	}
	return a.show(h, func() {
		fmt.Fprintf(a.stdout, "Bastion %s holds %d records; %s\n\n", h.Bastion, h.Records, h.Head)
		t := &table{head: []string{"SITE", "PUBLISHED", "RECORDS", "BEHIND", "READ", "LAST ERROR"}}
		for _, s := range h.Sites {
			t.add(s.Site, agoOrNever(s.PublishedAt), fmt.Sprint(s.PublishedRecords), fmt.Sprint(s.Behind), agoOrNever(s.ReadAt), dash(s.Error))
		}
		t.print(a.stdout, a.palette())
	})
}

func agoOrNever(t *time.Time) string {
	if t == nil {
		return "never"
	}
	return ago(*t)
}
