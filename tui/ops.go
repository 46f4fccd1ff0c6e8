package tui

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/lifeboat-dr/lifeboat/engine"
	"github.com/lifeboat-dr/lifeboat/internal/dr"
)

// OpState is where an operation started from the console stands.
type OpState string

const (
	OpRunning   OpState = "running"
	OpOK        OpState = "ok"
	OpWarning   OpState = "warning"
	OpFailed    OpState = "failed"
	OpCancelled OpState = "cancelled"
)

// Op is one operation started from the console.
type Op struct {
	ID       int
	Kind     string // backup, replicate, check, forget, restore
	Target   string // what it works on, for the list ("models → primary")
	Started  time.Time
	Finished time.Time
	State    OpState
	Progress engine.Progress
	Current  string // the set/site being worked on now
	Message  string // last message, then the result
	Warnings []string
	// Steps is the runbook of a drill or failover as it last stood.
	Steps  []dr.RunbookStep
	Err    error
	Result any
	// Log is what restic's commands said as they ran, secrets redacted:
	// LogLines is the copy Update took last (oldest first), LogTotal how
	// many there were in all. live is the ring the worker writes.
	LogLines []engine.LogLine
	LogTotal uint64
	live     *engine.LiveLog
	pending  atomic.Bool // an OpLogMsg is on its way
	cancel   context.CancelFunc
}

// opLogLines bounds the live log of one operation.
const opLogLines = 200

// OpLogMsg says operation ID's live log grew. One is in flight at a time;
// the log is copied when it arrives, so a burst costs one redraw.
type OpLogMsg struct{ ID int }

// syncLog copies the live ring into the Update-owned fields.
func (o *Op) syncLog() {
	if o.live != nil {
		o.LogLines, o.LogTotal = o.live.Lines()
	}
}

// Running says whether the operation has not ended.
func (o *Op) Running() bool { return o.State == OpRunning }

// OpEventMsg carries an engine event of operation ID into Update.
type OpEventMsg struct {
	ID    int
	Event engine.Event
}

// OpDoneMsg says operation ID ended.
type OpDoneMsg struct {
	ID     int
	Result any
	Err    error
}

// Ops runs operations off the UI goroutine. Their events come back through
// one bounded channel that the root model drains with Wait, re-armed after
// every message; state is changed only in Update (Apply), never by the
// worker goroutines.
type Ops struct {
	ch     chan tea.Msg
	ops    []*Op
	nextID int
	// After, when set, runs in an operation's goroutine once it has ended
	// and its result was sent (the console publishes the ledger there).
	After func()
}

// NewOps makes an empty operation manager.
func NewOps() *Ops { return &Ops{ch: make(chan tea.Msg, 256)} }

// RunFunc is the work of an operation; obs receives its progress.
type RunFunc func(ctx context.Context, obs engine.Observer) (any, error)

// Start launches run in the background and returns its id.
func (o *Ops) Start(kind, target string, run RunFunc) int {
	o.nextID++
	id := o.nextID
	ctx, cancel := context.WithCancel(context.Background())
	op := &Op{ID: id, Kind: kind, Target: target, Started: time.Now(), State: OpRunning, cancel: cancel}
	op.live = engine.NewLiveLog(opLogLines, func() {
		// Never blocks restic's output: when the console is behind, the
		// next message (or the tick) brings the log up to date.
		if op.pending.CompareAndSwap(false, true) {
			select {
			case o.ch <- OpLogMsg{ID: id}:
			default:
				op.pending.Store(false)
			}
		}
	})
	ctx = engine.WithLiveLog(ctx, op.live)
	o.ops = append(o.ops, op)
	go func() {
		defer cancel()
		obs := func(ev engine.Event) {
			msg := OpEventMsg{ID: id, Event: ev}
			if ev.Kind == engine.EventProgress {
				// Progress may be dropped when the console is behind; the
				// next one supersedes it anyway.
				select {
				case o.ch <- msg:
				default:
				}
				return
			}
			o.ch <- msg
		}
		res, err := run(ctx, obs)
		o.ch <- OpDoneMsg{ID: id, Result: res, Err: err}
		if o.After != nil {
			o.After()
		}
	}()
	return id
}

// Wait returns a command that delivers the next operation message.
func (o *Ops) Wait() tea.Cmd {
	return func() tea.Msg { return <-o.ch }
}

// Apply folds an operation message into the state. It reports whether an
// operation just ended.
func (o *Ops) Apply(msg tea.Msg) (ended *Op) {
	switch msg := msg.(type) {
	case OpLogMsg:
		if op := o.Get(msg.ID); op != nil {
			op.pending.Store(false)
			op.syncLog()
		}
	case OpEventMsg:
		op := o.Get(msg.ID)
		if op == nil {
			return nil
		}
		ev := msg.Event
		if ev.Set != "" || ev.Site != "" {
			op.Current = where(ev.Set, ev.Site)
		}
		if ev.Steps != nil {
			// A step moved: the progress of the one before is over.
			op.Steps = ev.Steps
			op.Progress = engine.Progress{}
		}
		switch ev.Kind {
		case engine.EventProgress:
			op.Progress = ev.Progress
		case engine.EventWarning:
			op.Warnings = append(op.Warnings, ev.Message)
			op.Message = ev.Message
		case engine.EventFinished, engine.EventInfo:
			op.Message = fmt.Sprintf("%s %s: %s", ev.Op, where(ev.Set, ev.Site), ev.Message)
		}
	case OpDoneMsg:
		op := o.Get(msg.ID)
		if op == nil {
			return nil
		}
		op.Finished = time.Now()
		op.Result, op.Err = msg.Result, msg.Err
		op.syncLog()
		switch {
		case msg.Err == nil && len(op.Warnings) > 0 && op.Kind == "backup":
			op.State = OpWarning
		case msg.Err == nil:
			op.State = OpOK
		default:
			switch engineOutcome(msg.Err) {
			case engine.OutcomeCancelled:
				op.State = OpCancelled
			case engine.OutcomeWarning:
				op.State = OpWarning
			default:
				op.State = OpFailed
			}
			op.Message = errWords(msg.Err)
		}
		return op
	}
	return nil
}

// Get finds an operation by id.
func (o *Ops) Get(id int) *Op {
	for _, op := range o.ops {
		if op.ID == id {
			return op
		}
	}
	return nil
}

// All returns the operations, newest first.
func (o *Ops) All() []*Op {
	out := make([]*Op, len(o.ops))
	for i, op := range o.ops {
		out[len(o.ops)-1-i] = op
	}
	return out
}

// Running counts operations that have not ended.
func (o *Ops) Running() int {
	n := 0
	for _, op := range o.ops {
		if op.Running() {
			n++
		}
	}
	return n
}

// Cancel asks operation id to stop; the engine journals it as cancelled.
func (o *Ops) Cancel(id int) {
	if op := o.Get(id); op != nil && op.Running() && op.cancel != nil {
		op.cancel()
	}
}

// CancelAll stops every running operation (quit confirmed).
func (o *Ops) CancelAll() {
	for _, op := range o.ops {
		if op.Running() && op.cancel != nil {
			op.cancel()
		}
	}
}

func where(set, site string) string {
	switch {
	case set != "" && site != "":
		return set + "@" + site
	case set != "":
		return set
	}
	return site
}
