package recovery

import (
	"context"
	"fmt"
	"os"
	"strings"
	"syscall"

	"github.com/lifeboat-dr/lifeboat/storage"
)

// FaultKillEnv names the step after which a runbook kills its own process
// with SIGKILL: "failover:<step>" or "drill:<step>" (a bare "<step>" is a
// failover's, the form it always had). The resume tests use it, and
// operators can rehearse a resume with it.
const FaultKillEnv = "LIFEBOAT_FAULT_KILL"

// parseFaultKill splits the variable's value into the runbook kind and the
// step it names.
func parseFaultKill(v string) (kind, step string) {
	if k, s, ok := strings.Cut(v, ":"); ok && (k == "failover" || k == "drill") {
		return k, s
	}
	return "failover", v
}

// faultKillStep returns the step of this runbook after which the process
// is to be killed, or "". Whenever the variable is set it journals a
// warning saying what it will do to this run, so that an audit tells a
// deliberate kill from a crash.
func (rb *Runbook) faultKillStep(ctx context.Context) string {
	v, set := os.LookupEnv(FaultKillEnv)
	if !set || rb.Kind == "" {
		return ""
	}
	kind, step := parseFaultKill(v)
	var detail, kill string
	switch {
	case kind != rb.Kind:
		detail = fmt.Sprintf("%s=%q is set; it names a %s step and does not apply to this %s", FaultKillEnv, v, kind, rb.Kind)
	case !rb.hasStep(step):
		detail = fmt.Sprintf("%s=%q is set, but this %s has no step %q (it has %s): it will not fire",
			FaultKillEnv, v, rb.Kind, step, strings.Join(rb.stepNames(), ", "))
	default:
		kill = step
		detail = fmt.Sprintf("%s=%q is set: lifeboat kills this %s with SIGKILL after step %q, on purpose (a rehearsal of a resume)",
			FaultKillEnv, v, rb.Kind, step)
	}
	rb.env.warn(context.WithoutCancel(ctx), storage.JournalEntry{Action: rb.Kind, Args: "--run " + rb.ID, RunID: rb.ID, Detail: detail})
	return kill
}

func (rb *Runbook) hasStep(name string) bool {
	for _, s := range rb.Steps {
		if s.Name == name {
			return true
		}
	}
	return false
}

func (rb *Runbook) stepNames() []string {
	var out []string
	for _, s := range rb.Steps {
		out = append(out, s.Name)
	}
	return out
}

// faultKill kills this process with SIGKILL, right after a step's work and
// before its end is stored: the worst moment to die, with the step's work
// done and its record saying "running". See faultKillStep.
func faultKill() {
	_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
	select {} // the signal is on its way
}
