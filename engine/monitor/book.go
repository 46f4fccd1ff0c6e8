package monitor

import "time"

// alertBook remembers which problems are open, so that events fire on
// transitions only, once, and an ongoing problem is re-notified at most
// every renotify interval.
type alertBook struct {
	open map[string]*openProblem
}

type openProblem struct {
	ident    string
	since    time.Time
	notified time.Time
}

func newAlertBook() *alertBook { return &alertBook{open: map[string]*openProblem{}} }

// raise records that the problem key is present; ident distinguishes two
// occurrences of the same problem (e.g. two failed checks). It says whether
// to notify, and whether that is a repeat. renotify 0 never repeats.
func (b *alertBook) raise(key, ident string, now time.Time, renotify time.Duration) (notify, repeat bool) {
	p, ok := b.open[key]
	if !ok || p.ident != ident {
		b.open[key] = &openProblem{ident: ident, since: now, notified: now}
		return true, false
	}
	if renotify > 0 && now.Sub(p.notified) >= renotify {
		p.notified = now
		return true, true
	}
	return false, false
}

// resolve records that the problem key is gone and says whether it was open
// (then a recovery is news).
func (b *alertBook) resolve(key string) (since time.Time, wasOpen bool) {
	p, ok := b.open[key]
	if !ok {
		return time.Time{}, false
	}
	delete(b.open, key)
	return p.since, true
}
