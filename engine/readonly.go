package engine

import (
	"context"
	"fmt"
)

// ReadOnlyReason is why --read-only refuses an action: one text, said the
// same way by the CLI and the console. Short enough for the console's
// status line at 80 columns after "replicate is refused: ".
const ReadOnlyReason = "lifeboat runs --read-only (no repository writes)"

// writers are the actions that write to a repository (a restic lock
// included) or outside the state store. A check takes a lock, a drill
// restores into scratch space and checks the standby, an unlock removes
// locks, a posture probe writes a canary.
var writers = map[string]bool{
	"init": true, "backup": true, "replicate": true, "check": true, "forget": true,
	"restore": true, "unlock": true, "drill": true, "failover": true, "resolve": true,
	"posture --probe": true,
}

// ReadOnlyError is the refusal of an action under --read-only.
type ReadOnlyError struct{ Action string }

func (e *ReadOnlyError) Error() string { return e.Action + " is refused: " + ReadOnlyReason }

// Is makes every refusal an ErrReadOnly.
func (e *ReadOnlyError) Is(target error) bool { return target == ErrReadOnly }

// Refusal is the one read-only rule: under readOnly, an action that writes
// (see writers) is refused; nil means it may run. The CLI and the console
// both ask it, so they refuse the same actions with the same words.
func Refusal(readOnly bool, action string) error {
	if !readOnly || !writers[action] {
		return nil
	}
	return &ReadOnlyError{Action: action}
}

// ReadOnly says whether this engine was opened with --read-only.
func (e *Engine) ReadOnly() bool { return e.readOnly }

// Permit applies Refusal to this engine's mode and journals a refusal.
// Every operation that writes asks it first, whatever front end called it.
func (e *Engine) Permit(ctx context.Context, action string) error {
	err := Refusal(e.readOnly, action)
	if err != nil {
		_ = e.Journal(ctx, action, "", "", "--read-only", OutcomeRefused, fmt.Sprintf("refused: %s", ReadOnlyReason))
	}
	return err
}
