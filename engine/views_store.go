package engine

import (
	"context"
	"encoding/json"
	"time"

	"github.com/lifeboat-dr/lifeboat/storage"
)

// Views of the state store's rows, so that a front end reads the journal,
// the operation log, the command log and the health samples without
// importing storage.

// JournalEntry is one entry of the audit journal.
type JournalEntry struct {
	ID       int64
	Time     time.Time
	Operator string // "user@host"
	Origin   string // SSH origin IP, "" when local
	Action   string
	Site     string
	Set      string
	Args     string // secrets already removed
	Outcome  string
	Detail   string
	// RunID names the drill or failover run the entry belongs to.
	RunID string
	// Bastion is "" for an entry written here, else the bastion whose
	// ledger it was read from.
	Bastion string
}

// JournalQuery selects journal entries; zero fields do not filter.
type JournalQuery struct {
	Since  time.Time
	Limit  int // newest first
	Action string
	Site   string
	RunID  string
}

// OperationRecord is a stored operation: running (Finished zero) or ended.
type OperationRecord struct {
	ID       int64
	Kind     string
	Site     string
	Set      string
	Started  time.Time
	Finished time.Time
	State    string // running, ok, warning, failed, cancelled, interrupted
	PID      int
	Host     string
	Files    int64
	Bytes    int64
	Detail   string
}

// Invocation is one restic command of the command log.
type Invocation struct {
	ID       int64
	Time     time.Time
	Site     string
	Args     []string
	Duration time.Duration
	ExitCode int
	Error    string
}

// SiteSample is one health probe of a site.
type SiteSample struct {
	Site      string
	Time      time.Time
	Reachable bool
	Latency   time.Duration
	Locks     int
	Error     string
}

// JournalEntries reads the journal, newest first.
func (e *Engine) JournalEntries(ctx context.Context, q JournalQuery) ([]JournalEntry, error) {
	rows, err := e.store.Journal(ctx, storage.JournalQuery{Since: q.Since, Limit: q.Limit, Action: q.Action, Site: q.Site, RunID: q.RunID})
	return viewsOf(rows, err, func(r storage.JournalEntry) JournalEntry {
		return JournalEntry{ID: r.ID, Time: r.Time, Operator: r.Operator, Origin: r.Origin, Action: r.Action,
			Site: r.Site, Set: r.Set, Args: r.Args, Outcome: r.Outcome, Detail: r.Detail, RunID: r.RunID, Bastion: r.Bastion}
	})
}

// RecentOperations are the newest stored operations, newest first.
func (e *Engine) RecentOperations(ctx context.Context, limit int) ([]OperationRecord, error) {
	rows, err := e.store.RecentOperations(ctx, limit)
	return viewsOf(rows, err, func(r storage.Operation) OperationRecord {
		return OperationRecord{ID: r.ID, Kind: r.Kind, Site: r.Site, Set: r.Set, Started: r.Started, Finished: r.Finished,
			State: r.State, PID: r.PID, Host: r.Host, Files: r.Files, Bytes: r.Bytes, Detail: r.Detail}
	})
}

// RecentInvocations are the newest restic commands run, newest first.
func (e *Engine) RecentInvocations(ctx context.Context, limit int) ([]Invocation, error) {
	rows, err := e.store.RecentInvocations(ctx, limit)
	return viewsOf(rows, err, func(r storage.Invocation) Invocation {
		return Invocation{ID: r.ID, Time: r.Time, Site: r.Site, Args: r.Args, Duration: r.Duration, ExitCode: r.ExitCode, Error: r.Error}
	})
}

// Samples are the site's health samples of the last day, at most limit of
// them, oldest first.
func (e *Engine) Samples(ctx context.Context, site string, limit int) ([]SiteSample, error) {
	rows, err := e.store.Samples(ctx, site, time.Now().Add(-24*time.Hour))
	if len(rows) > limit {
		rows = rows[len(rows)-limit:]
	}
	return viewsOf(rows, err, func(r storage.SiteSample) SiteSample {
		return SiteSample{Site: r.Site, Time: r.Time, Reachable: r.Reachable, Latency: r.Latency, Locks: r.Locks, Error: r.Error}
	})
}

// viewsOf maps stored rows to their views; an error passes through.
func viewsOf[R, V any](rows []R, err error, view func(R) V) ([]V, error) {
	if err != nil {
		return nil, err
	}
	out := make([]V, len(rows))
	for i, r := range rows {
		out[i] = view(r)
	}
	return out, nil
}

// RecentDrills are the stored drill reports, newest first, decoded; a
// record whose JSON no longer parses is left out (journal --verify names it).
func (e *Engine) RecentDrills(ctx context.Context, limit int) ([]DrillReport, error) {
	recs, err := e.store.Drills(ctx, "", limit)
	if err != nil {
		return nil, err
	}
	return decodeReports[DrillReport](recs), nil
}

// RecentFailovers are the stored failover reports, newest first, decoded.
func (e *Engine) RecentFailovers(ctx context.Context, limit int) ([]FailoverReport, error) {
	recs, err := e.store.FailoverReports(ctx, "", limit)
	if err != nil {
		return nil, err
	}
	return decodeReports[FailoverReport](recs), nil
}

// decodeReports decodes stored report records, skipping any that do not parse.
func decodeReports[R any](recs []storage.DrillRecord) []R {
	var out []R
	for _, r := range recs {
		var rep R
		if json.Unmarshal([]byte(r.ReportJSON), &rep) == nil {
			out = append(out, rep)
		}
	}
	return out
}

// StoredReport is the stored drill or failover report ref names (an id, a
// unique id prefix, or "latest"), for a front end that holds the engine
// and not the store. Errors are Report's: an untrusted report comes back
// with ErrReportChanged or ErrReportUnjournaled, to be shown as such.
func (e *Engine) StoredReport(ctx context.Context, ref string) (StoredReport, error) {
	return Report(ctx, e.store, ref)
}
