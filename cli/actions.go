package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lifeboat-dr/lifeboat/engine"
)

// finish prints results as JSON or a table and turns an operation error
// into the exit status. A partial success is never reported as success.
func (a *app) finish(results any, err error, human func(p palette)) error {
	if jerr := a.show(results, func() {
		if human != nil {
			human(a.palette())
		}
	}); jerr != nil {
		return jerr
	}
	if err != nil && cancelled(err) {
		return a.cancelledError()
	}
	return err
}

// cancelledError says what a cancel left, claiming a journal entry only
// when the engine wrote one.
func (a *app) cancelledError() error {
	if a.eng != nil && a.eng.CancelJournaled() {
		return fmt.Errorf("cancelled: the interrupted work is journaled as cancelled; nothing was reported as done that was not")
	}
	return fmt.Errorf("cancelled before any work was recorded; see `lifeboat journal` for what ran")
}

func (a *app) initCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "init",
		Short: "Create every site repository that does not exist yet",
		Long: `Creates the active site's repository if missing, then each missing standby
with --copy-chunker-params from the active one, so that replication
deduplicates. Existing repositories are left alone.`,
		Args: cobra.NoArgs,
		RunE: withEngine(a.toChange("init"), func(ctx context.Context, eng *engine.Engine) error {
			res, err := eng.Init(ctx, a.progress().observe)
			return a.finish(res, err, func(p palette) {
				t := &table{head: []string{"SITE", "ROLE", "RESULT", "DETAIL"}}
				for _, r := range res {
					t.add(r.Site, r.Role, p.level(string(r.Outcome)), r.Detail)
				}
				t.print(a.stdout, p)
			})
		}),
	}
}

func (a *app) backupCommand() *cobra.Command {
	var sets []string
	cmd := &cobra.Command{
		Use:   "backup",
		Short: "Back up sets to the active site",
		Long: `Backs up each set (all by default) to the active site, tagged with the set's
name. Unreadable files make a partial snapshot: that is a warning and exit 1,
never success.`,
		Args: cobra.NoArgs,
		RunE: withEngine(a.toChange("backup"), func(ctx context.Context, eng *engine.Engine) error {
			res, err := eng.Backup(ctx, engine.BackupRequest{Sets: sets}, a.progress().observe)
			if res == nil {
				res = []engine.BackupResult{}
			}
			return a.finish(res, err, func(p palette) {
				t := &table{head: []string{"SET", "SITE", "RESULT", "SNAPSHOT", "FILES", "SIZE", "ADDED", "TIME"}}
				for _, r := range res {
					t.add(r.Set, r.Site, p.level(string(r.Outcome)), dash(shortID(r.SnapshotID)), fmt.Sprint(r.FilesTotal),
						engine.Bytes(r.BytesTotal), engine.Bytes(r.DataAdded), fmt.Sprintf("%.1fs", r.Seconds))
				}
				t.print(a.stdout, p)
				for _, r := range res {
					for _, u := range r.Unreadable {
						fmt.Fprintf(a.stdout, "unreadable in %s: %s\n", r.Set, u)
					}
				}
			})
		}),
	}
	cmd.Flags().StringArrayVar(&sets, "set", nil, "set to back up (repeatable; default: every set)")
	return cmd
}

func shortID(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

func (a *app) replicateCommand() *cobra.Command {
	var to, sets []string
	cmd := &cobra.Command{
		Use:   "replicate",
		Short: "Copy missing snapshots from the active site to the standbys",
		Long: `Copies with restic copy exactly the snapshots of each set that a standby does
not hold yet (a copy is matched to its source by restic's "original" field).
Each set's outcome is judged by what the standby holds afterwards.`,
		Args: cobra.NoArgs,
		RunE: withEngine(a.toChange("replicate"), func(ctx context.Context, eng *engine.Engine) error {
			res, err := eng.Replicate(ctx, engine.ReplicateRequest{To: to, Sets: sets}, a.progress().observe)
			if res == nil {
				res = []engine.ReplicateResult{}
			}
			return a.finish(res, err, func(p palette) {
				t := &table{head: []string{"SET", "FROM", "TO", "RESULT", "COPIED", "STILL MISSING"}}
				for _, r := range res {
					t.add(r.Set, r.From, r.To, p.level(string(r.Outcome)), fmt.Sprint(r.Copied), fmt.Sprint(r.Missing))
				}
				t.print(a.stdout, p)
			})
		}),
	}
	cmd.Flags().StringArrayVar(&to, "to", nil, "standby site (repeatable; default: every standby)")
	cmd.Flags().StringArrayVar(&sets, "set", nil, "set (repeatable; default: every set)")
	return cmd
}

func (a *app) checkCommand() *cobra.Command {
	var sites []string
	var subset string
	var readData bool
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Verify repository integrity (restic check)",
		Long: `Runs restic check at each site (all by default), optionally reading part of the
pack data with --read-data-subset (n/t or x%), or all of it with --read-data
(the only check that finds damaged pack contents).

Exit codes follow the monitoring convention: 0 OK, 2 CRITICAL (damage found,
or the site is down), 3 UNKNOWN (the check could not run, e.g. locked).`,
		Args: cobra.NoArgs,
		RunE: withEngine(a.openToEvaluate, func(ctx context.Context, eng *engine.Engine) error {
			if readData && subset != "" {
				return usageError("--read-data reads every pack; drop --read-data-subset")
			}
			// A check takes a lock in the repository: refused under --read-only.
			if err := a.refuseReadOnly(ctx, "check"); err != nil {
				return withCode(int(engine.LevelUnknown), err)
			}
			res, err := eng.Check(ctx, engine.CheckRequest{Sites: sites, ReadDataSubset: subset, ReadData: readData}, a.progress().observe)
			if res == nil {
				res = []engine.CheckResult{}
			}
			ferr := a.finish(res, err, func(p palette) {
				t := &table{head: []string{"SITE", "RESULT", "ERRORS", "TIME", "DETAIL"}}
				for _, r := range res {
					detail := r.Error
					if detail == "" {
						detail = strings.Join(first(r.Errors, 2), "; ")
					}
					t.add(r.Site, p.level(string(r.Outcome)), fmt.Sprint(len(r.Errors)), fmt.Sprintf("%.1fs", r.Seconds), dash(detail))
				}
				t.print(a.stdout, p)
			})
			level := engine.LevelOK
			for _, r := range res {
				if r.Level() > level {
					level = r.Level()
				}
			}
			if ferr != nil && level == engine.LevelOK {
				level = engine.LevelUnknown
			}
			if level != engine.LevelOK {
				return withCode(int(level), ferr)
			}
			return nil
		}),
	}
	cmd.Flags().StringArrayVar(&sites, "site", nil, "site to check (repeatable; default: every site)")
	cmd.Flags().StringVar(&subset, "read-data-subset", "", "also read this part of the pack data: n/t or x%")
	cmd.Flags().BoolVar(&readData, "read-data", false, "also read all pack data (finds damaged packs; costly on cloud storage)")
	return cmd
}

func first(s []string, n int) []string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func (a *app) forgetCommand() *cobra.Command {
	var sites, sets []string
	var dryRun, yes bool
	cmd := &cobra.Command{
		Use:   "forget",
		Short: "Apply each set's retention, then prune",
		Long: `Applies each set's retention policy at each site (all by default). --dry-run
prints what would be kept and removed per group; --yes forgets and then prunes
each site that lost snapshots, as a separate step. One of them is required.`,
		Args: cobra.NoArgs,
		PreRunE: func(cmd *cobra.Command, args []string) error {
			if dryRun == yes {
				return usageError("forget needs exactly one of --dry-run (show what would go) or --yes (remove it)")
			}
			return nil
		},
		RunE: withEngine(a.toChange("forget"), func(ctx context.Context, eng *engine.Engine) error {
			res, err := eng.Forget(ctx, engine.ForgetRequest{Sites: sites, Sets: sets, DryRun: dryRun}, a.progress().observe)
			if res == nil {
				res = []engine.ForgetResult{}
			}
			return a.finish(res, err, func(p palette) {
				verb := "REMOVED"
				if dryRun {
					verb = "WOULD REMOVE"
				}
				t := &table{head: []string{"SITE", "SET", "GROUP", "KEEP", verb, "RESULT"}}
				for _, r := range res {
					if r.Skipped != "" {
						t.add(r.Site, r.Set, "-", "-", "-", r.Skipped)
						continue
					}
					if len(r.Groups) == 0 {
						t.add(r.Site, r.Set, "-", "0", "0", p.level(string(r.Outcome)))
					}
					for _, g := range r.Groups {
						t.add(r.Site, r.Set, g.Host+" "+strings.Join(g.Tags, ","), fmt.Sprint(len(g.Keep)),
							shortIDs(g.Remove), p.level(string(r.Outcome)))
					}
				}
				t.print(a.stdout, p)
			})
		}),
	}
	cmd.Flags().StringArrayVar(&sites, "site", nil, "site (repeatable; default: every site)")
	cmd.Flags().StringArrayVar(&sets, "set", nil, "set (repeatable; default: every set)")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "only show what would be removed")
	cmd.Flags().BoolVar(&yes, "yes", false, "remove the snapshots the policy does not keep, then prune")
	return cmd
}

func shortIDs(ids []string) string {
	if len(ids) == 0 {
		return "0"
	}
	var s []string
	for _, id := range first(ids, 4) {
		s = append(s, shortID(id))
	}
	out := fmt.Sprintf("%d (%s", len(ids), strings.Join(s, " "))
	if len(ids) > 4 {
		out += " ..."
	}
	return out + ")"
}

func (a *app) restoreCommand() *cobra.Command {
	var req engine.RestoreRequest
	cmd := &cobra.Command{
		Use:   "restore --site S --set X [--snapshot ID|latest] --target DIR",
		Short: "Restore a set's snapshot from a site into a directory",
		Long: `Restores a snapshot (the set's newest at the site by default) into --target.
A set with one path lands with that path's contents directly in the target; a
set with several paths lands as target/<each path without its leading slash>.
A non-empty target is refused unless --overwrite is given, and left untouched.
Restored files are verified (restic restore --verify) unless --verify=false.`,
		Args: cobra.NoArgs,
		PreRunE: func(cmd *cobra.Command, args []string) error {
			if req.Site == "" || req.Set == "" || req.Target == "" {
				return usageError("restore needs --site, --set and --target")
			}
			return nil
		},
		RunE: withEngine(a.toChange("restore"), func(ctx context.Context, eng *engine.Engine) error {
			res, err := eng.Restore(ctx, req, a.progress().observe)
			if res == nil {
				if errors.Is(err, engine.ErrTargetNotEmpty) {
					return withCode(1, err)
				}
				if cancelled(err) {
					return a.cancelledError()
				}
				return err
			}
			return a.finish(res, err, func(p palette) {
				fmt.Fprintf(a.stdout, "%s: snapshot %s (%s) of %s from %s: %d files, %s into %s",
					p.level(string(res.Outcome)), shortID(res.Snapshot), res.SnapshotTime, res.Set, res.Site,
					res.Files, engine.Bytes(res.Bytes), res.Target)
				if res.FilesSkipped > 0 {
					fmt.Fprintf(a.stdout, " (%d files, %s already in place)", res.FilesSkipped, engine.Bytes(res.BytesSkipped))
				}
				if res.Verified {
					fmt.Fprint(a.stdout, ", verified")
				}
				fmt.Fprintln(a.stdout)
			})
		}),
	}
	f := cmd.Flags()
	f.StringVar(&req.Site, "site", "", "site to restore from")
	f.StringVar(&req.Set, "set", "", "set to restore")
	f.StringVar(&req.Snapshot, "snapshot", "latest", "snapshot id (or unique prefix), or latest")
	f.StringVar(&req.Target, "target", "", "directory to restore into (must be empty or new)")
	f.StringArrayVar(&req.Include, "include", nil, "only this path (as in the snapshot, or relative to the set's root; repeatable)")
	f.BoolVar(&req.Overwrite, "overwrite", false, "restore into a non-empty target, overwriting files")
	f.BoolVar(&req.Verify, "verify", true, "re-read the restored files and check them against the snapshot")
	return cmd
}

func (a *app) unlockCommand() *cobra.Command {
	var site string
	var all bool
	cmd := &cobra.Command{
		Use:   "unlock --site S",
		Short: "Remove stale locks at a site",
		Long: `Removes locks left by crashed restic processes (restic unlock). With --all it
removes every lock, which is only safe when no restic anywhere is using the
repository.`,
		Args: cobra.NoArgs,
		PreRunE: func(cmd *cobra.Command, args []string) error {
			if site == "" {
				return usageError("unlock needs --site")
			}
			return nil
		},
		RunE: withEngine(a.toChange("unlock"), func(ctx context.Context, eng *engine.Engine) error {
			err := eng.Unlock(ctx, site, all)
			if a.json {
				_ = a.writeJSON(map[string]any{"site": site, "all": all, "ok": err == nil})
			} else if err == nil {
				fmt.Fprintf(a.stdout, "locks removed at %s\n", site)
			}
			return err
		}),
	}
	cmd.Flags().StringVar(&site, "site", "", "site whose locks to remove")
	cmd.Flags().BoolVar(&all, "all", false, "remove every lock, not only stale ones")
	return cmd
}
