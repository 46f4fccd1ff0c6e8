package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/lifeboat-dr/lifeboat/engine"
	"github.com/lifeboat-dr/lifeboat/engine/config"
	"github.com/lifeboat-dr/lifeboat/storage"
)

// journalJSON is one entry of `journal --json` (contract §4).
type journalJSON struct {
	Time     time.Time `json:"time"`
	Operator string    `json:"operator"`
	Action   string    `json:"action"`
	Site     string    `json:"site"`
	Set      string    `json:"set"`
	Args     string    `json:"args"`
	Outcome  string    `json:"outcome"`
	Detail   string    `json:"detail"`
	// Bastion names the bastion whose ledger the entry came from; absent
	// for an entry written here.
	Bastion string `json:"bastion,omitempty"`
}

func operatorText(e storage.JournalEntry) string {
	op := e.Operator
	if e.Origin != "" {
		op = fmt.Sprintf("%s (ssh from %s)", e.Operator, e.Origin)
	}
	if e.Bastion != "" {
		op += " [bastion " + e.Bastion + "]"
	}
	return op
}

func (a *app) journalCommand() *cobra.Command {
	var since config.Duration
	var limit int
	var action, site string
	var verify bool
	cmd := &cobra.Command{
		Use:   "journal",
		Short: "The audit log: who did what, from where, with what outcome",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			st, err := a.openStore()
			if err != nil {
				return err
			}
			a.store = st
			if verify {
				return a.verifyDrillChain(cmd, st)
			}
			q := storage.JournalQuery{Limit: limit, Action: action, Site: site}
			if since > 0 {
				q.Since = time.Now().Add(-since.D())
			}
			entries, err := st.Journal(ctx, q)
			if err != nil {
				return err
			}
			out := make([]journalJSON, 0, len(entries))
			for _, e := range entries {
				out = append(out, journalJSON{Time: e.Time, Operator: operatorText(e), Action: e.Action, Site: e.Site,
					Set: e.Set, Args: e.Args, Outcome: e.Outcome, Detail: e.Detail, Bastion: e.Bastion})
			}
			if a.json {
				return a.writeJSON(out)
			}
			p := a.palette()
			t := &table{head: []string{"TIME", "OPERATOR", "ACTION", "SITE", "SET", "OUTCOME", "DETAIL"}}
			for _, e := range out {
				t.add(e.Time.Local().Format("2006-01-02 15:04:05"), e.Operator, e.Action, dash(e.Site), dash(e.Set),
					p.level(e.Outcome), e.Detail)
			}
			t.print(a.stdout, p)
			return nil
		},
	}
	cmd.Flags().Var(&durationFlag{&since}, "since", "only entries newer than this (e.g. 90m, 24h, 7d)")
	cmd.Flags().IntVar(&limit, "limit", 0, "at most this many entries (newest first)")
	cmd.Flags().StringVar(&action, "action", "", "only this action (backup, restore, ...)")
	cmd.Flags().StringVar(&site, "site", "", "only this site")
	cmd.Flags().BoolVar(&verify, "verify", false, "check the hash chains of the stored drill and failover reports and of the journal; exit 1 naming an edited or missing report or entry")
	return cmd
}

// verifyDrillChain is `journal --verify`: every stored drill report must
// hash to what was recorded and link to the one before it.
func (a *app) verifyDrillChain(cmd *cobra.Command, st *storage.Store) error {
	ctx := cmd.Context()
	probs, err := engine.VerifyDrillChain(ctx, st)
	if err != nil {
		return err
	}
	drills, err := st.AllDrills(ctx)
	if err != nil {
		return err
	}
	chained, unchained, _, err := st.VerifyJournal(ctx)
	if err != nil {
		return err
	}
	if a.json {
		out := struct {
			OK       bool                  `json:"ok"`
			Drills   int                   `json:"drills"`
			Journal  int                   `json:"journal_entries"`
			Problems []engine.ChainProblem `json:"problems"`
		}{len(probs) == 0, len(drills), chained, probs}
		if out.Problems == nil {
			out.Problems = []engine.ChainProblem{}
		}
		if err := a.writeJSON(out); err != nil {
			return err
		}
	} else if len(probs) == 0 {
		fmt.Fprintf(a.stdout, "report chain ok: %d report(s) (drills and failovers), each hash and link verified, each matching the hash the journal recorded\n", len(drills))
		fmt.Fprintf(a.stdout, "journal chain ok: %d entries, each hash and link verified", chained)
		if unchained > 0 {
			fmt.Fprintf(a.stdout, " (%d older entries were written before the journal was chained)", unchained)
		}
		fmt.Fprintln(a.stdout)
	}
	if len(probs) == 0 {
		return nil
	}
	var lines []string
	for _, p := range probs {
		lines = append(lines, p.String())
	}
	return withCode(1, fmt.Errorf("the chain of reports and journal entries is broken: %s", strings.Join(lines, "; ")))
}

// durationFlag lets a flag take the config's durations (with d for days).
type durationFlag struct{ d *config.Duration }

func (f *durationFlag) String() string {
	if f.d == nil || *f.d == 0 {
		return ""
	}
	return f.d.String()
}
func (f *durationFlag) Set(s string) error { return f.d.UnmarshalText([]byte(s)) }
func (f *durationFlag) Type() string       { return "duration" }
