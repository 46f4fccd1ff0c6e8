package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-dr/lifeboat/engine"
)

// A drill that could not run shows no RTO in the history ("—", not "0s")
// and says it could not run rather than failed.
func TestRecoveryHistoryDrillThatCouldNotRun(t *testing.T) {
	s := newRecoveryForTest(t, 120, 40, screenFakeData(t, newFakeBackend(), true, nil))
	feedScreen(s, recoveryDrillsMsg{seq: s.drillSeq, drills: []engine.DrillReport{{
		ID: "d-9", Site: "dr", Started: fakeNow, RTOObjective: 1800 * time.Second,
		NotEvaluated: "site dr: repository is unreachable", Sets: []engine.DrillSet{{Name: "models"}}}}})
	var line string
	for _, l := range s.historyLines() {
		if strings.Contains(l, "drill") && strings.Contains(l, "dr") {
			line = l
		}
	}
	if !strings.Contains(line, "could not run") || !strings.Contains(line, "RTO —") || strings.Contains(line, "RTO 0s") || strings.Contains(line, "failed") {
		t.Fatalf("history line of a drill that could not run: %q", line)
	}
}
