package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	"github.com/spf13/cobra"

	"github.com/lifeboat-dr/lifeboat/engine/config"
	"github.com/lifeboat-dr/lifeboat/tui"
)

func (a *app) tuiCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "tui",
		Short: "Open the console (the default when lifeboat runs without a command)",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, args []string) error { return a.runConsole(cmd) },
	}
}

// runConsole opens the console on the configured sites. Logs go to a file
// in the state directory, never to the terminal the console draws on.
func (a *app) runConsole(cmd *cobra.Command) error {
	if !isTerminal(os.Stdout) || !isTerminal(os.Stdin) {
		return fmt.Errorf("the console needs a terminal; use a command (see `lifeboat --help`) or --json for scripts")
	}
	eng, err := a.open(cmd.Context())
	if err != nil {
		return err
	}
	// A bastion console that streams a million-entry tree should collect
	// garbage before it grows past ~100 MiB, not at twice the live heap
	// (docs/performance.md). GOMEMLIMIT, when set, wins.
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(100 << 20)
	}
	dir, _ := stateDir(a.stateDir)
	if f, err := tea.LogToFile(filepath.Join(dir, "console.log"), "lifeboat"); err == nil {
		defer f.Close()
	}
	plain := os.Getenv("NO_COLOR") != ""
	if plain {
		lipgloss.SetColorProfile(termenv.Ascii)
	}
	m := tui.New(tui.EngineBackend{Engine: eng}, eng.ReadOnly())
	if plain {
		m.SetTheme(tui.NewTheme(true))
	}
	p := tea.NewProgram(m, tea.WithAltScreen(), tea.WithContext(cmd.Context()))
	_, err = p.Run()
	if err != nil && cmd.Context().Err() != nil {
		return nil // a signal ended the console; the operations were cancelled
	}
	if err == nil {
		comeBack(a.stderr, self(), a.args, a.globalFlags(), a.firstStandby())
	}
	return err
}

// globalFlags are the flags that point a command at this config and state.
func (a *app) globalFlags() []string {
	var out []string
	for _, f := range [][2]string{{"--config", a.configPath}, {"--state", a.stateDir}} {
		if f[1] == "" {
			continue
		}
		if abs, err := filepath.Abs(f[1]); err == nil {
			f[1] = abs
		}
		out = append(out, f[0], f[1])
	}
	return out
}

// firstStandby names a standby for the drill and failover examples.
func (a *app) firstStandby() string {
	if a.cfg == nil {
		return ""
	}
	for _, s := range a.cfg.Sites {
		if s.Role == config.RoleStandby {
			return s.Name
		}
	}
	return ""
}
