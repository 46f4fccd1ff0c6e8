package monitor

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/lifeboat-dr/lifeboat/engine"
	"github.com/lifeboat-dr/lifeboat/engine/config"
)

// alert queues an event for delivery and logs it.
func (w *watcher) alert(event, site, set, message string, repeat bool) {
	ev := NewAlertEvent(event, site, set, message, w.opts.Now())
	ev.Repeat = repeat
	w.opts.Logf("event %s", ev.Text())
	w.alerter.Enqueue(ev)
}

// tick is one round: probe, judge, alert, export.
func (w *watcher) tick(ctx context.Context) {
	e := w.e
	st, err := e.Status(ctx, true)
	if err != nil {
		if ctx.Err() == nil {
			w.opts.Logf("status: %v", err)
		}
		return
	}
	rounds := e.ProbeRound(ctx, st)
	if ctx.Err() != nil {
		return
	}
	outlooks := engine.RPOOutlooks(st)
	now := w.opts.Now()

	w.mu.Lock()
	defer w.mu.Unlock()

	for i, s := range st.Sites {
		w.judgeSite(ctx, st, s, rounds[i], now)
	}
	w.judgeRPO(outlooks, now)
	w.metrics.setSets(st, outlooks)
	w.judgePosture(ctx, st, now)

	if now.Sub(w.lastPrune) > time.Hour {
		w.lastPrune = now
		_ = e.Store().PruneSamples(ctx, now.Add(-w.opts.SampleRetention))
	}
}

// judgeSite follows one site's health, checks and drills.
func (w *watcher) judgeSite(ctx context.Context, st *engine.Status, s engine.SiteStatus, r engine.SiteRound, now time.Time) {
	e := w.e
	if r.LocksErr != nil {
		w.opts.Logf("site %s: reading locks: %v", s.Name, r.LocksErr)
	}
	obs := r.Observation
	h := w.health[s.Name]
	if tr, ok := h.Observe(obs); ok {
		w.opts.Logf("site %s: %s -> %s: %s", s.Name, tr.From, tr.To, strings.Join(tr.Reasons, "; "))
		key := "site|" + s.Name
		switch {
		case tr.To == engine.StateDown:
			if notify, _ := w.book.raise(key, "", now, 0); notify {
				w.alert(config.AlertSiteDown, s.Name, "", fmt.Sprintf("site %s is down: %s", s.Name, strings.Join(tr.Reasons, "; ")), false)
			}
		case tr.From == engine.StateDown:
			if since, was := w.book.resolve(key); was {
				w.alert(config.AlertSiteUp, s.Name, "", fmt.Sprintf("site %s is reachable again (%s) after %s down",
					s.Name, tr.To, engine.Age(now.Sub(since))), false)
			}
		}
	}
	state, _ := h.State()
	w.metrics.setSite(s, state, r.Probes)

	// A failed check or drill is news once per run of it.
	if c := s.LastCheck; c != nil && !c.OK {
		if notify, _ := w.book.raise("check|"+s.Name, c.Time.String(), now, 0); notify {
			w.alert(config.AlertCheckFailed, s.Name, "", fmt.Sprintf("check of site %s failed at %s: %s", s.Name, c.Time.Format(time.RFC3339), c.Detail), false)
		}
	} else if c != nil {
		w.book.resolve("check|" + s.Name)
	}
	if d := s.LastDrill; d != nil && !d.Passed {
		if notify, _ := w.book.raise("drill|"+s.Name, d.Time.String(), now, 0); notify {
			w.alert(config.AlertDrillFailed, s.Name, "", fmt.Sprintf("drill at site %s failed at %s", s.Name, d.Time.Format(time.RFC3339)), false)
		}
	} else if d != nil {
		w.book.resolve("drill|" + s.Name)
	}
	// A standby whose last passing drill is older than drill_every (or
	// that never passed one) is overdue; the active site is not drilled.
	lastPass, _ := e.LastPassingDrill(ctx, s.Name)
	w.metrics.lastDrill.WithLabelValues(s.Name).Set(unixOrZero(lastPass))
	if s.Role == "standby" {
		every := e.Config().Objectives.DrillEvery.D()
		key := "drill_overdue|" + s.Name
		if lastPass.IsZero() || (every > 0 && st.Time.Sub(lastPass) > every) {
			last := "it never passed a drill"
			if !lastPass.IsZero() {
				last = "its last passing drill is " + engine.Age(st.Time.Sub(lastPass)) + " old"
			}
			if notify, _ := w.book.raise(key, "", now, 0); notify {
				w.alert(config.AlertDrillOverdue, s.Name, "", fmt.Sprintf("site %s is drill overdue: %s (drill_every %s)", s.Name, last, config.Duration(every)), false)
			}
		} else {
			w.book.resolve(key)
		}
	}
}

// judgeRPO alerts when a set's newest snapshot at a site gets older than
// its RPO, again every Renotify while that lasts, and when it is back.
func (w *watcher) judgeRPO(outlooks []engine.RPOOutlook, now time.Time) {
	for _, o := range outlooks {
		key := "rpo|" + o.Site + "|" + o.Set
		if o.Breached {
			if notify, repeat := w.book.raise(key, "", now, w.opts.Renotify); notify {
				msg := fmt.Sprintf("set %s at site %s: %s", o.Set, o.Site, o.Summary())
				if repeat {
					msg = "still breached: " + msg
				}
				w.alert(config.AlertRPOBreach, o.Site, o.Set, msg, repeat)
			}
		} else if since, was := w.book.resolve(key); was {
			w.alert(config.AlertRPOOK, o.Site, o.Set, fmt.Sprintf("set %s at site %s is within its RPO again after %s: %s",
				o.Set, o.Site, engine.Age(now.Sub(since)), o.Summary()), false)
		}
	}
}

// judgePosture alerts when a set stops meeting 3-2-1-1-0 and when it meets
// it again. It reads the catalog this round's status refreshed; the
// immutability probe inside runs at most daily, never under read-only.
func (w *watcher) judgePosture(ctx context.Context, st *engine.Status, now time.Time) {
	// The canary's forget takes restic's exclusive lock: it waits for its
	// turn like a job, and while a job runs the cached results speak.
	noWrite := w.opts.NoSchedule || !w.jobs.TryLock()
	if !noWrite {
		defer w.jobs.Unlock()
	}
	ps, err := w.e.PostureFromStatus(ctx, st, engine.PostureOptions{NoWrite: noWrite})
	if err != nil {
		if ctx.Err() == nil {
			w.opts.Logf("posture: %v", err)
		}
		return
	}
	for _, p := range ps {
		key := "posture|" + p.Set
		if !p.Met {
			if notify, _ := w.book.raise(key, "", now, 0); notify {
				w.alert(config.AlertPostureDegraded, "", p.Set, fmt.Sprintf("set %s does not meet 3-2-1-1-0: %s", p.Set, strings.Join(p.Missing, "; ")), false)
			}
		} else if since, was := w.book.resolve(key); was {
			w.alert(config.AlertPostureOK, "", p.Set, fmt.Sprintf("set %s meets 3-2-1-1-0 again after %s (%d copies, %d media, off-site, immutable, 0 errors)",
				p.Set, engine.Age(now.Sub(since)), p.Copies, p.Media), false)
		}
	}
}
