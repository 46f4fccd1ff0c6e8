// Package cli is lifeboat's command line: it turns flags into engine calls
// and engine results into tables or JSON. It holds no DR logic of its own.
package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/lifeboat-dr/lifeboat/engine"
	"github.com/lifeboat-dr/lifeboat/engine/config"
	"github.com/lifeboat-dr/lifeboat/engine/monitor"
	"github.com/lifeboat-dr/lifeboat/engine/restic"
	"github.com/lifeboat-dr/lifeboat/storage"
)

// Version is set at build time with -ldflags "-X .../cli.Version=...".
var Version = "dev"

// app holds the global flags and what they open.
type app struct {
	configPath string
	stateDir   string
	json       bool
	readOnly   bool
	args       []string // as given, for the command that opens the console again

	stdout, stderr io.Writer
	stdin          io.Reader     // answers to prompts; nil is os.Stdin
	lines          *bufio.Reader // stdin, read line by line
	cfg            *config.Config
	store          *storage.Store
	eng            *engine.Engine
}

// exitError carries an exit code past cobra.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func withCode(code int, err error) error {
	if err == nil {
		return nil
	}
	return &exitError{code: code, err: err}
}

// usageError is a mistake in how the command was called: exit 2.
func usageError(format string, args ...any) error {
	return &exitError{code: 2, err: fmt.Errorf(format, args...)}
}

// Main runs lifeboat with args and returns the process exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	return (&app{stdout: stdout, stderr: stderr}).main(args)
}

func (a *app) main(args []string) int {
	a.args = args
	stdout, stderr := a.stdout, a.stderr
	root := a.rootCommand()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := root.ExecuteContext(ctx)
	// A command cut short by a signal leaves at once: what it journaled
	// reaches the sites with the next command's publication.
	if ctx.Err() == nil {
		a.publishLedger()
	}
	if a.store != nil {
		_ = a.store.Close()
	}
	if err == nil {
		return 0
	}
	code := 1
	var ee *exitError
	if errors.As(err, &ee) {
		code = ee.code
	} else if isUsage(err) {
		code = 2
	}
	if ee == nil || ee.err != errSilent {
		fmt.Fprintf(stderr, "lifeboat: %s\n", errText(err))
	}
	return code
}

// errSilent marks an exit whose reason was already printed.
var errSilent = errors.New("")

// usagePhrases are how cobra words a command line it cannot take.
var usagePhrases = []string{"unknown command", "unknown flag", "unknown shorthand", "flag needs an argument",
	"invalid argument", "accepts ", "requires at least", "required flag"}

func isUsage(err error) bool {
	s := err.Error()
	return slices.ContainsFunc(usagePhrases, func(p string) bool { return strings.Contains(s, p) })
}

// oneLine keeps error output to the cause an operator needs, on one line.
func oneLine(err error) string {
	parts := strings.Split(strings.TrimSpace(err.Error()), "\n")
	if len(parts) == 1 {
		return parts[0]
	}
	return strings.Join(parts, "; ")
}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "lifeboat",
		Short: "Disaster-recovery console for restic",
		Long: `Lifeboat watches and drives the restic repositories of an active site and its
standby (DR) sites: health, a catalog of what is replicated where, RPO at a
glance, backups, replication, checks, retention and restores.

Run a command with --help for its flags. Configuration: --config, else
$LIFEBOAT_CONFIG, else ./lifeboat.yaml, else $XDG_CONFIG_HOME/lifeboat/lifeboat.yaml.`,
		Version:       Version,
		SilenceUsage:  true,
		SilenceErrors: true,
		// lifeboat alone opens the console.
		RunE: func(cmd *cobra.Command, args []string) error { return a.runConsole(cmd) },
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &exitError{code: 2, err: fmt.Errorf("%w (see `%s --help`)", err, c.CommandPath())}
	})
	pf := root.PersistentFlags()
	pf.StringVar(&a.configPath, "config", "", "config file (default: $LIFEBOAT_CONFIG, ./lifeboat.yaml, $XDG_CONFIG_HOME/lifeboat/lifeboat.yaml)")
	pf.StringVar(&a.stateDir, "state", "", "state directory (default: $LIFEBOAT_STATE, else $XDG_STATE_HOME/lifeboat)")
	pf.BoolVar(&a.json, "json", false, "machine output on stdout (logs and progress on stderr)")
	pf.BoolVar(&a.readOnly, "read-only", false, "refuse every action that would change data")

	root.AddCommand(a.initCommand(), a.statusCommand(), a.snapshotsCommand(), a.backupCommand(),
		a.replicateCommand(), a.checkCommand(), a.forgetCommand(), a.restoreCommand(), a.drillCommand(), a.failoverCommand(), a.journalCommand(),
		a.unlockCommand(), a.demoCommand(), a.tuiCommand(), a.watchCommand(), a.alertCommand(), a.postureCommand(),
		a.capacityCommand(), a.reportCommand(), a.resolveCommand(), a.ledgerCommand())
	return root
}

// open loads the config, opens the store and starts the engine. Commands
// call it first; errors name the file, key or binary at fault.
func (a *app) open(ctx context.Context) (*engine.Engine, error) {
	if a.eng != nil {
		return a.eng, nil
	}
	path, err := config.Find(a.configPath)
	if err != nil {
		return nil, err
	}
	cfg, err := config.Load(path)
	if err != nil {
		return nil, err
	}
	st, err := a.openStore()
	if err != nil {
		return nil, err
	}
	// Failovers raise their own alerts: monitoring delivers them.
	eng, err := engine.New(ctx, cfg, st, engine.Options{Notify: monitor.Deliver, ReadOnly: a.readOnly})
	if err != nil {
		st.Close()
		return nil, err
	}
	a.cfg, a.store, a.eng = cfg, st, eng
	_ = eng.MarkInterrupted(ctx)
	return eng, nil
}

// stateDir applies the contract's order: --state, $LIFEBOAT_STATE,
// $XDG_STATE_HOME/lifeboat, ~/.local/state/lifeboat.
func stateDir(flag string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	if d := os.Getenv("LIFEBOAT_STATE"); d != "" {
		return d, nil
	}
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "lifeboat"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("no state directory: set --state or $LIFEBOAT_STATE (%w)", err)
	}
	return filepath.Join(home, ".local", "state", "lifeboat"), nil
}

// openToChange opens the engine for a command that changes data: under
// --read-only it refuses, and the refusal is journaled.
func (a *app) openToChange(ctx context.Context, action string) (*engine.Engine, error) {
	eng, err := a.open(ctx)
	if err != nil {
		return nil, err
	}
	if err := a.refuseReadOnly(ctx, action); err != nil {
		return nil, err
	}
	if err := a.readLedgers(ctx, eng); err != nil {
		return nil, err
	}
	return eng, nil
}

// toChange is openToChange for action, in the shape withEngine takes.
func (a *app) toChange(action string) opener {
	return func(ctx context.Context) (*engine.Engine, error) { return a.openToChange(ctx, action) }
}

// opener is one of the ways a command opens the engine: a.open,
// a.openToEvaluate or a.toChange(action).
type opener func(context.Context) (*engine.Engine, error)

// withEngine is the RunE of a command that works on the engine: every such
// command opens it the same way before its own work, so the opening (and the
// exit code a failure to open gets) is written once, in open.
func withEngine(open opener, body func(ctx context.Context, eng *engine.Engine) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, _ []string) error {
		ctx := cmd.Context()
		eng, err := open(ctx)
		if err != nil {
			return err
		}
		return body(ctx, eng)
	}
}

// openStore opens the state store in the state directory. journal and
// report need only this, not restic or the sites.
func (a *app) openStore() (*storage.Store, error) {
	dir, err := stateDir(a.stateDir)
	if err != nil {
		return nil, err
	}
	return storage.Open(dir)
}

// openToEvaluate opens the engine for a command that follows the monitoring
// exit codes: a config or state that cannot be opened is UNKNOWN (3).
func (a *app) openToEvaluate(ctx context.Context) (*engine.Engine, error) {
	eng, err := a.open(ctx)
	if err != nil {
		return nil, withCode(int(engine.LevelUnknown), err)
	}
	return eng, nil
}

// refuseReadOnly stops a data-changing command under --read-only (the
// engine's one rule, engine.Refusal) and journals the refusal.
func (a *app) refuseReadOnly(ctx context.Context, action string) error {
	if a.eng == nil {
		return engine.Refusal(a.readOnly, action)
	}
	return a.eng.Permit(ctx, action)
}

// cancelled turns a cancellation into the message operators expect.
func cancelled(err error) bool {
	return errors.Is(err, restic.ErrCancelled) || errors.Is(err, context.Canceled)
}
