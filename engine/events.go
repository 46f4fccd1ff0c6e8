package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/lifeboat-dr/lifeboat/engine/restic"
	"github.com/lifeboat-dr/lifeboat/internal/dr"
	"github.com/lifeboat-dr/lifeboat/internal/ledger"
	"github.com/lifeboat-dr/lifeboat/storage"
)

// EventKind says what an Event reports.
type EventKind int

const (
	EventStarted  EventKind = iota // an operation on one site/set began
	EventProgress                  // Progress holds new counters
	EventInfo                      // Message says something worth showing
	EventWarning                   // Message is a problem that did not stop the work
	EventFinished                  // Outcome holds how it ended
)

// Event is the progress of an operation, for the CLI and the console alike.
type Event struct {
	Op       string // backup, replicate, check, forget, restore, init
	Site     string
	Set      string
	Kind     EventKind
	Progress Progress
	Message  string
	Outcome  Outcome
	// Step is set on the events of a drill or a failover that move a step:
	// which, and from what state to what state.
	Step *dr.StepChanged
	// Steps is the runbook as it stands, on the events of a failover that
	// move a step (nil otherwise).
	Steps []dr.RunbookStep
}

// Progress counts work done. Items are whole snapshots for replication.
type Progress struct {
	Files, TotalFiles uint64
	Bytes, TotalBytes uint64
	Items, TotalItems uint64
	Percent           float64 // 0..1
	Elapsed, ETA      time.Duration
	// Rate is bytes per second as measured from what restic reported;
	// 0 means unknown (nothing measured yet), never a guess. ETA is 0
	// when unknown.
	Rate float64
}

// Observer receives events. It is called from the goroutine running the
// operation and must not block for long.
type Observer func(Event)

func (o Observer) emit(ev Event) {
	if o != nil {
		o(ev)
	}
}

// outcomeOf classifies an error: nil is ok, a cancellation is cancelled,
// restic's partial backup is a warning, anything else failed.
func outcomeOf(err error) Outcome {
	switch {
	case err == nil:
		return OutcomeOK
	case errors.Is(err, restic.ErrCancelled), errors.Is(err, context.Canceled):
		return OutcomeCancelled
	case errors.Is(err, restic.ErrPartial):
		return OutcomeWarning
	case errors.Is(err, ErrTargetNotEmpty), errors.Is(err, ErrReadOnly):
		return OutcomeRefused
	}
	return OutcomeFailed
}

// tracked is one running operation: an operation record while it runs, a
// journal entry when it ends. Data-changing work goes through it so that
// nothing ends without a trace, even a cancelled or crashed run.
type tracked struct {
	e      *Engine
	id     int64
	action string
	site   string
	set    string
	args   string
	// runID and report tie the entry that ends a drill or failover to its
	// run and to the sha256 of the report it stored (journal --verify).
	runID  string
	report string
}

func (e *Engine) track(ctx context.Context, action, site, set, args string) *tracked {
	host, _ := os.Hostname()
	id, _ := e.store.StartOperation(ctx, storage.Operation{Kind: action, Site: site, Set: set,
		PID: os.Getpid(), Host: host, Detail: args})
	return &tracked{e: e, id: id, action: action, site: site, set: set, args: args}
}

// finish records the end; it uses its own context so that a cancelled
// operation is still journaled as cancelled.
func (t *tracked) finish(outcome Outcome, detail string, files, bytes uint64) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if t.id != 0 {
		_ = t.e.store.FinishOperation(ctx, t.id, string(outcome), detail, int64(files), int64(bytes))
	}
	err := t.e.journal(ctx, storage.JournalEntry{Action: t.action, Site: t.site, Set: t.set, Args: t.args,
		Outcome: string(outcome), Detail: detail, RunID: t.runID, ReportSHA256: t.report})
	t.e.noteCancel(outcome, err)
}

// Journal appends an entry for an action that is not a tracked operation
// (a refusal, an init, a failover decision).
func (e *Engine) Journal(ctx context.Context, action, site, set, args string, outcome Outcome, detail string) error {
	return e.journal(ctx, storage.JournalEntry{Action: action, Site: site, Set: set, Args: args,
		Outcome: string(outcome), Detail: detail})
}

// journal appends an entry as this engine's operator.
func (e *Engine) journal(ctx context.Context, entry storage.JournalEntry) error {
	entry.Operator, entry.Origin = e.operator.User, e.operator.Origin
	_, err := e.store.AppendJournal(ctx, entry)
	e.noteCancel(Outcome(entry.Outcome), err)
	if err != nil {
		return err
	}
	// The journal is a record of truth: it goes into the ledger with the
	// entry, and reaches the sites with the next publication.
	if _, err := e.appendLedger(ctx, ledger.KindJournal, journalRecord(entry)); err != nil {
		return fmt.Errorf("journal entry recorded here but not in the ledger: %w", err)
	}
	return nil
}

// journalBody is a journal entry as the ledger carries it.
type journalBody struct {
	Time         time.Time `json:"time"`
	Operator     string    `json:"operator"`
	Origin       string    `json:"origin,omitempty"`
	Action       string    `json:"action"`
	Site         string    `json:"site,omitempty"`
	Set          string    `json:"set,omitempty"`
	Args         string    `json:"args,omitempty"`
	Outcome      string    `json:"outcome"`
	Detail       string    `json:"detail,omitempty"`
	RunID        string    `json:"run_id,omitempty"`
	ReportSHA256 string    `json:"report_sha256,omitempty"`
}

func journalRecord(e storage.JournalEntry) journalBody {
	t := e.Time
	if t.IsZero() {
		t = time.Now()
	}
	return journalBody{Time: t.UTC(), Operator: e.Operator, Origin: e.Origin, Action: e.Action, Site: e.Site, Set: e.Set,
		Args: e.Args, Outcome: e.Outcome, Detail: e.Detail, RunID: e.RunID, ReportSHA256: e.ReportSHA256}
}

// journalRun appends an entry about a drill or failover run.
func (e *Engine) journalRun(ctx context.Context, action, site, args, runID string, outcome Outcome, detail string) error {
	return e.journal(ctx, storage.JournalEntry{Action: action, Site: site, Args: args, Outcome: string(outcome),
		Detail: detail, RunID: runID})
}

// MarkInterrupted turns operation records left "running" by a process that
// no longer exists on this host into "interrupted" and journals them.
func (e *Engine) MarkInterrupted(ctx context.Context) error {
	running, err := e.store.RunningOperations(ctx)
	if err != nil {
		return err
	}
	host, _ := os.Hostname()
	for _, op := range running {
		if op.Host != host || holderAlive(op.PID, op.Started) {
			continue
		}
		_ = e.store.FinishOperation(ctx, op.ID, string(OutcomeInterrupted), "the lifeboat process died before it ended", op.Files, op.Bytes)
		_ = e.Journal(ctx, op.Kind, op.Site, op.Set, op.Detail, OutcomeInterrupted,
			"the lifeboat process (pid "+itoa(op.PID)+") died before it ended")
	}
	return nil
}

// CommandLog keeps the recent restic invocations of this process.
type CommandLog struct {
	mu   sync.Mutex
	max  int
	seq  uint64
	invs []restic.Invocation
}

// NewCommandLog keeps at most max invocations.
func NewCommandLog(max int) *CommandLog { return &CommandLog{max: max} }

func (l *CommandLog) add(inv restic.Invocation) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.invs = append(l.invs, inv)
	if len(l.invs) > l.max {
		l.invs = append(l.invs[:0:0], l.invs[len(l.invs)-l.max:]...)
	}
	l.seq++
}

// Recent returns the invocations, newest first, and a sequence number that
// changes whenever one is added.
func (l *CommandLog) Recent() ([]restic.Invocation, uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]restic.Invocation, len(l.invs))
	for i, inv := range l.invs {
		out[len(l.invs)-1-i] = inv
	}
	return out, l.seq
}

func argString(args ...string) string {
	var parts []string
	for _, a := range args {
		if a != "" {
			parts = append(parts, a)
		}
	}
	return strings.Join(parts, " ")
}
