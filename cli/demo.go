package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/lifeboat-dr/lifeboat/engine"
	"github.com/lifeboat-dr/lifeboat/engine/demo"
)

func defaultDemoDir() string {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "lifeboat", "demo")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".local", "share", "lifeboat", "demo")
	}
	return filepath.Join(os.TempDir(), "lifeboat-demo")
}

func (a *app) demoCommand() *cobra.Command {
	var dir string
	var noTUI, fresh bool
	cmd := &cobra.Command{
		Use:   "demo [--dir D] [--no-tui]",
		Short: "Build a self-contained demo environment (two sites, a week of history)",
		Long: `Builds, in D, two local sites (primary and dr), three sets shaped like AI
infrastructure (model checkpoints, a dataset of many small files, serving
configuration) with a week of history, all replicated except the last day of
the datasets set, so that dr breaches its RPO. An existing demo in D is reused
unless --fresh. It prints the config path and the variables that point
lifeboat at it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if dir == "" {
				dir = defaultDemoDir()
			}
			progress := func(msg string) {}
			if isTerminal(a.stderr) {
				progress = func(msg string) { fmt.Fprintf(a.stderr, "\r\033[Kdemo: %s", msg) }
			}
			res, err := demo.Build(cmd.Context(), demo.Options{Dir: dir, Fresh: fresh, Progress: progress})
			if isTerminal(a.stderr) {
				fmt.Fprint(a.stderr, "\r\033[K")
			}
			if err != nil {
				return fmt.Errorf("demo in %s: %w", dir, err)
			}
			if a.json {
				return a.writeJSON(map[string]any{"dir": res.Dir, "config": res.ConfigPath, "state": res.StateDir,
					"reused": res.Reused, "snapshots": res.Snapshots, "seconds": res.Took.Seconds()})
			}
			verb := "built"
			if res.Reused {
				verb = "reused"
				// A reused demo ages: its history was laid out back from when it was built.
				if age := time.Since(res.Built); age > 6*time.Hour {
					fmt.Fprintf(a.stderr, "note: this demo was built %s ago, so every set has aged past its RPO since; `lifeboat demo --fresh` rebuilds it\n", engine.Age(age))
				}
			}
			if noTUI || !isTerminal(os.Stdout) {
				fmt.Fprintf(a.stderr, "demo %s in %s (%d snapshots, %.1fs)\n", verb, res.Dir, res.Snapshots, res.Took.Seconds())
				fmt.Fprintln(a.stdout, res.ConfigPath)
				exe := self()
				fmt.Fprintf(a.stderr, "to use it (each line runs as printed):\n  export %s\n  %s status\n  %s   # opens the console\n",
					shellJoin(demo.Env(res)), shellQuote(exe), shellQuote(exe))
				fmt.Fprintf(a.stderr, "or put lifeboat on the PATH of this shell:\n  export PATH=%s:\"$PATH\"\n", shellQuote(filepath.Dir(exe)))
				return nil
			}
			a.configPath, a.stateDir = res.ConfigPath, res.StateDir
			return a.runConsole(cmd)
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "", "where to build the demo (default: $XDG_DATA_HOME/lifeboat/demo)")
	cmd.Flags().BoolVar(&noTUI, "no-tui", false, "only build the demo and print the config path")
	cmd.Flags().BoolVar(&fresh, "fresh", false, "rebuild the demo even if one exists in the directory")
	return cmd
}
