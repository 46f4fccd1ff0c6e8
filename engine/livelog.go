package engine

import (
	"context"
	"sync"
	"time"
)

// LogLine is one of restic's messages as it arrived, secrets redacted.
type LogLine struct {
	Time time.Time
	Site string
	Text string
}

// LiveLog is a bounded ring of the messages of the restic commands one
// operation runs, newest last. restic's output goroutines add to it and a
// front end reads it, so it guards itself; Add never waits on a reader.
type LiveLog struct {
	mu     sync.Mutex
	lines  []LogLine
	next   int    // where the next line goes once the ring is full
	total  uint64 // lines ever added
	notify func()
}

// NewLiveLog keeps the newest max messages; notify, when set, is called
// after each Add (from restic's goroutine: it must not block).
func NewLiveLog(max int, notify func()) *LiveLog {
	return &LiveLog{lines: make([]LogLine, 0, max), notify: notify}
}

// Add appends a message, dropping the oldest when the ring is full.
func (l *LiveLog) Add(line LogLine) {
	l.mu.Lock()
	if len(l.lines) < cap(l.lines) {
		l.lines = append(l.lines, line)
	} else if cap(l.lines) > 0 {
		l.lines[l.next] = line
		l.next = (l.next + 1) % cap(l.lines)
	}
	l.total++
	l.mu.Unlock()
	if l.notify != nil {
		l.notify()
	}
}

// Lines are the kept messages, oldest first, and how many were ever added
// (more than len when the oldest were dropped).
func (l *LiveLog) Lines() ([]LogLine, uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]LogLine, 0, len(l.lines))
	out = append(out, l.lines[l.next:]...)
	out = append(out, l.lines[:l.next]...)
	return out, l.total
}

type liveLogKey struct{}

// WithLiveLog makes every restic command run under ctx send its messages
// to l: a front end hands it the context of one operation.
func WithLiveLog(ctx context.Context, l *LiveLog) context.Context {
	return context.WithValue(ctx, liveLogKey{}, l)
}

// liveMessage routes one of restic's messages to the live log of the
// operation that ran it, if it has one.
func (e *Engine) liveMessage(ctx context.Context, site, text string) {
	if l, ok := ctx.Value(liveLogKey{}).(*LiveLog); ok && l != nil {
		l.Add(LogLine{Time: e.now(), Site: site, Text: text})
	}
}
