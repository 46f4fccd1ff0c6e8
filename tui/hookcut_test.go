package tui

import (
	"testing"

	"github.com/lifeboat-dr/lifeboat/internal/dr"
)

// The resume prompt says, before the operator chooses, that a hook cut short
// by the dead process may already have acted.
func TestResumePromptSaysAHookWasCutShort(t *testing.T) {
	f := newFakeBackend()
	st := interruptedFailover()
	for i := range st.Steps {
		switch st.Steps[i].Name {
		case "switch hooks":
			st.Steps[i].Status = dr.StepRunning
		case "commit":
		default:
			st.Steps[i].Status = dr.StepDone
		}
	}
	st.HooksCut = []string{"switch hooks were running when lifeboat died: traffic may already point at dr while lifeboat keeps primary active; check your switch"}
	f.unfinished = st
	s, _ := newFailoverScreen(t, f, false)
	mustShow(t, plainView(s), `at step "switch hooks"`, "switch hooks were running when lifeboat died: traffic may already point at dr", "[ Resume ]")
}
