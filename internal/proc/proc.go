// Package proc runs the shell commands operators put in the config (hooks,
// probe and alert commands) so that stopping one stops everything it
// started: a hook's curl or ssh child must not outlive a cancelled failover,
// nor lifeboat itself.
package proc

import (
	"errors"
	"io"
	"os"
	"time"
)

// Shell is one `sh -c` command.
type Shell struct {
	Command string
	Dir     string
	// Env are the variables lifeboat sets for the command (LIFEBOAT_*),
	// added to the PassEnv part of lifeboat's environment.
	Env []string
	// Hide names variables never passed on, even when PassEnv lists them:
	// the password_env and ${VAR} credential sources of the sites.
	Hide  []string
	Stdin io.Reader
	// Timeout bounds the run; 0 means only ctx does.
	Timeout time.Duration
	// Grace is how long the command has between SIGTERM and SIGKILL when
	// it is stopped; 0 means 5 seconds.
	Grace time.Duration
}

// ErrTimeout is returned when the command ran out of its Timeout.
var ErrTimeout = errors.New("did not finish in time")

// PassEnv are the variables of lifeboat's own environment that restic and
// operator commands may see; anything else (tokens, passwords, cloud keys
// of the shell lifeboat was started from) stays with lifeboat.
var PassEnv = []string{"HOME", "USER", "LOGNAME", "PATH", "TMPDIR", "TZ", "LANG", "LC_ALL", "LC_CTYPE", "LC_MESSAGES",
	"XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_RUNTIME_DIR", "SSH_AUTH_SOCK",
	"HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy", "RESTIC_PROGRESS_FPS", "GODEBUG"}

// environ is the command's environment: PassEnv less Hide, then Env.
func (s Shell) environ() []string {
	env := make([]string, 0, len(PassEnv)+len(s.Env))
	for _, k := range PassEnv {
		if v, ok := os.LookupEnv(k); ok && !contains(s.Hide, k) {
			env = append(env, k+"="+v)
		}
	}
	return append(env, s.Env...)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func (s Shell) grace() time.Duration {
	if s.Grace <= 0 {
		return 5 * time.Second
	}
	return s.Grace
}
