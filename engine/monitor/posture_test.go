package monitor_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-dr/lifeboat/engine"
	"github.com/lifeboat-dr/lifeboat/engine/enginetest"
	"github.com/lifeboat-dr/lifeboat/engine/monitor"
)

// postureFixture is the two-site world with primary in dc-west and dr in
// dc-east, dr's rest-server append-only; every set backed up and
// replicated, both sites checked and dr drilled.
func postureFixture(t *testing.T, extraYAML string) *fixture {
	t.Helper()
	f := newFixture(t, "drills: {scratch: "+t.TempDir()+"}\n"+extraYAML)
	f.Locate(t, true)
	f.open()
	f.protect()
	enginetest.CheckAndDrill(t, f.eng)
	return f
}

// TestWatchAlertsPostureChange: watch raises posture_degraded when the
// append-only standby goes down (two copies left) and posture_ok when it is
// back, without probing immutability again within the day.
func TestWatchAlertsPostureChange(t *testing.T) {
	t.Parallel()
	rcv := newReceiver(t, http.StatusOK)
	f := postureFixture(t, fmt.Sprintf("alerts:\n  - webhook: %s/hook\n    on: [posture_degraded, posture_ok]\n", rcv.URL))
	ctx := context.Background()
	if ps, err := f.eng.Posture(ctx, engine.PostureOptions{}); err != nil || !ps[0].Met {
		t.Fatalf("posture before watching: %+v %v", ps, err)
	}
	probed, _, _ := f.store.LastImmutabilityProbe(ctx, "dr")

	w := startWatch(t, f, monitor.WatchOptions{Interval: time.Second})
	waitFor(t, 30*time.Second, "two rounds", func() bool { return w.round.Load() >= 2 })
	if evs := rcv.matching(is("", "")); len(evs) != 0 {
		t.Fatalf("alerts while every set meets the rule: %+v", evs)
	}
	f.Srv.Stop()
	waitFor(t, 45*time.Second, "posture_degraded for every set", func() bool { return len(rcv.matching(is("posture_degraded", ""))) == 3 })
	ev := rcv.matching(is("posture_degraded", ""))[0]
	if ev.Severity != "warning" || ev.Set == "" || !strings.Contains(ev.Message, "copies: 2 of 3") {
		t.Errorf("posture_degraded: %+v", ev)
	}
	f.Srv.Start()
	waitFor(t, 45*time.Second, "posture_ok for every set", func() bool { return len(rcv.matching(is("posture_ok", ""))) == 3 })
	w.stop(t)
	if n := len(rcv.matching(is("posture_degraded", ""))); n != 3 {
		t.Errorf("%d posture_degraded, want one per set", n)
	}
	if again, _, _ := f.store.LastImmutabilityProbe(ctx, "dr"); !again.Time.Equal(probed.Time) {
		t.Errorf("watch probed immutability again within the day: %v then %v", probed.Time, again.Time)
	}
}
