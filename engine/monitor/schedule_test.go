package monitor_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-dr/lifeboat/engine/monitor"
)

// watch measures capacity on schedule.stats, read-only watching included
// (restic stats --no-lock writes nothing), while the rest of the schedule
// stays off there.
func TestWatchMeasuresCapacityOnSchedule(t *testing.T) {
	f := newFixture(t, "schedule:\n  stats: \"@every 1s\"\n  backup: \"@every 1s\"\n")
	f.protect()
	before := countBackups(f)
	w := startWatch(t, f, monitor.WatchOptions{Interval: time.Minute, NoSchedule: true})
	ctx := context.Background()
	waitFor(t, 60*time.Second, "two scheduled measurements of both sites", func() bool {
		for _, site := range []string{"primary", "dr"} {
			h, err := f.store.CapacityHistory(ctx, site, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			if len(h) < 2 {
				return false
			}
			for _, smp := range h {
				if smp.Error != "" || smp.StoredBytes == nil {
					t.Fatalf("scheduled measurement of %s failed: %+v", site, smp)
				}
			}
		}
		return true
	})
	w.stop(t)
	// Read-only watching backed up nothing more than protect() did.
	if n := countBackups(f); n != before {
		t.Errorf("%d backups journaled, want the %d of protect()", n, before)
	}
	if !w.logged("job stats scheduled: @every 1s") || !w.logged("1 job(s) not run") {
		t.Errorf("watch log does not say stats is scheduled and backup is not")
	}
}

func TestStatsScheduleDefaultAndOff(t *testing.T) {
	f := newFixture(t, "")
	jobs, err := monitor.Schedule(f.eng.Config())
	if err != nil || len(jobs) != 1 || jobs[0].Name != "stats" || jobs[0].Spec != "@daily" {
		t.Fatalf("default schedule = %+v, %v; want stats @daily", jobs, err)
	}
	f = newFixture(t, "schedule:\n  stats: \"off\"\n")
	if jobs, err := monitor.Schedule(f.eng.Config()); err != nil || len(jobs) != 0 {
		t.Fatalf("stats off: %+v, %v", jobs, err)
	}
	f = newFixture(t, "schedule:\n  stats: \"daily\"\n")
	if _, err := monitor.Schedule(f.eng.Config()); err == nil || !strings.Contains(err.Error(), "schedule.stats") {
		t.Fatalf("bad stats schedule: %v", err)
	}
}

func countBackups(f *fixture) int {
	n := 0
	for _, j := range f.journal() {
		if j.Action == "backup" {
			n++
		}
	}
	return n
}
