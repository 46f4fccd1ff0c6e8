package engine

import "github.com/lifeboat-dr/lifeboat/engine/config"

// hiddenEnv names the variables of lifeboat's environment that hold site
// credentials: every site's password_env and every ${VAR} its env reads.
// Hooks, probe and alert commands never see them, even when allowlisted.
func hiddenEnv(cfg *config.Config) []string {
	if cfg == nil {
		return nil
	}
	var names []string
	for i := range cfg.Sites {
		s := &cfg.Sites[i]
		if s.PasswordEnv != "" {
			names = append(names, s.PasswordEnv)
		}
		// The expansion only records the names it would read.
		_, _ = s.ExpandEnv(func(name string) (string, bool) {
			names = append(names, name)
			return "", true
		})
	}
	return names
}

// HiddenEnv is hiddenEnv of the engine's config, for the operator commands
// run outside the engine (alert commands).
func (e *Engine) HiddenEnv() []string { return hiddenEnv(e.cfg) }
