package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lifeboat-dr/lifeboat/engine"
)

// reportCommand is `lifeboat report [ID|latest] [--json]` (contract §6):
// a stored drill or failover report, its Markdown or its stored JSON.
func (a *app) reportCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "report [ID|latest]",
		Short: "Print a stored drill or failover report (Markdown, or the stored JSON with --json)",
		Long: "Print a stored drill or failover report: its Markdown, or with --json the JSON exactly as stored\n" +
			"(the content its sha256 covers). ID may be a unique prefix; latest (the default) is the newest report.\n" +
			"A report that no longer matches its hash, or that no journal entry recorded, is printed under a\n" +
			"warning and exits 1.",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ref := "latest"
			if len(args) == 1 {
				ref = args[0]
			}
			st, err := a.openStore()
			if err != nil {
				return err
			}
			a.store = st
			rep, err := engine.Report(cmd.Context(), st, ref)
			untrusted := errors.Is(err, engine.ErrReportChanged) || errors.Is(err, engine.ErrReportUnjournaled)
			if err != nil && !untrusted {
				return withCode(1, err)
			}
			if untrusted {
				// Said before and after: whoever reads the top or the end sees it.
				fmt.Fprintf(a.stderr, "lifeboat: WARNING: %s report %s cannot be trusted; it is printed only so it can be examined\n", rep.Kind, rep.ID)
			}
			body := rep.Markdown
			if a.json {
				body = rep.JSON
			}
			fmt.Fprint(a.stdout, body)
			if !strings.HasSuffix(body, "\n") {
				fmt.Fprintln(a.stdout)
			}
			if untrusted {
				return withCode(1, fmt.Errorf("WARNING: the report printed above is not trustworthy: %w", err))
			}
			return nil
		},
	}
}
