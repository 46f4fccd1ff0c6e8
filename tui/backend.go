// Package tui is Lifeboat's operator console: one root model, one model per
// screen, shared components. It talks to the engine only through Backend,
// so a screen can be tested over a fake engine without restic.
package tui

import (
	"context"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/lifeboat-dr/lifeboat/engine"
)

// Backend is what the console needs of the engine. *engine.Engine is the
// real one (see EngineBackend); tests use a fake.
type Backend interface {
	// ConfigView is the configuration as the console may see it (redacted).
	ConfigView() *engine.ConfigView
	// Status with probe=false reads only the store (instant); with probe=true
	// it contacts every site.
	Status(ctx context.Context, probe bool) (*engine.Status, error)
	LoadCatalog(ctx context.Context) (engine.Catalog, error)
	// ProvenSnapshots are the snapshots a passing drill or committed
	// failover restored and verified, by id.
	ProvenSnapshots(ctx context.Context) (map[string]engine.Proof, error)
	RefreshCatalog(ctx context.Context, sites ...string) []engine.SiteProbe
	ListNodes(ctx context.Context, site, snapshotID string, fn func(engine.Node)) error

	Backup(ctx context.Context, req engine.BackupRequest, obs engine.Observer) ([]engine.BackupResult, error)
	Replicate(ctx context.Context, req engine.ReplicateRequest, obs engine.Observer) ([]engine.ReplicateResult, error)
	Check(ctx context.Context, req engine.CheckRequest, obs engine.Observer) ([]engine.CheckResult, error)
	Forget(ctx context.Context, req engine.ForgetRequest, obs engine.Observer) ([]engine.ForgetResult, error)
	Restore(ctx context.Context, req engine.RestoreRequest, obs engine.Observer) (*engine.RestoreResult, error)
	Unlock(ctx context.Context, site string, all bool) error
	Drill(ctx context.Context, req engine.DrillRequest, obs engine.Observer) (*engine.DrillReport, error)
	// RecentDrills are the stored drill reports, newest first.
	RecentDrills(ctx context.Context, limit int) ([]engine.DrillReport, error)
	// PlanFailover is the read-only preflight of a failover to site to.
	PlanFailover(ctx context.Context, to string, mode engine.FailoverMode) (*engine.FailoverPlan, error)
	// Failover runs the failover runbook; the console confirms before the call.
	Failover(ctx context.Context, req engine.FailoverRequest, obs engine.Observer) (*engine.FailoverReport, error)
	// ResumeFailover continues the unfinished failover from its first step not done.
	ResumeFailover(ctx context.Context, opts engine.ResumeOptions, obs engine.Observer) (*engine.FailoverReport, error)
	// AbortFailover abandons the unfinished failover; the active site stays.
	AbortFailover(ctx context.Context, reason string) (*engine.FailoverReport, error)
	// UnfinishedFailover is the interrupted or failed failover, nil when none.
	UnfinishedFailover(ctx context.Context) (*engine.FailoverStatus, error)
	// FailoverReports are the stored failover records, newest first.
	RecentFailovers(ctx context.Context, limit int) ([]engine.FailoverReport, error)
	// StoredReport is a stored drill or failover report by id, id prefix or
	// "latest", as written (Markdown and JSON).
	StoredReport(ctx context.Context, ref string) (engine.StoredReport, error)
	// ProbeServices runs a site's configured http/tcp/command/disk probes.
	ProbeServices(ctx context.Context, site string) []engine.ProbeResult
	// Locks details the locks held at a site.
	Locks(ctx context.Context, site string) ([]engine.LockInfo, error)

	Journal(ctx context.Context, q engine.JournalQuery) ([]engine.JournalEntry, error)
	RecentOperations(ctx context.Context, limit int) ([]engine.OperationRecord, error)
	RecentInvocations(ctx context.Context, limit int) ([]engine.Invocation, error)
	Samples(ctx context.Context, site string, limit int) ([]engine.SiteSample, error)
	// PostureFromStatus grades each set against 3-2-1-1-0 from the catalog
	// the status refresh brought up to date; it runs no restic with NoWrite.
	PostureFromStatus(ctx context.Context, st *engine.Status, opts engine.PostureOptions) ([]engine.PostureSet, error)
	// Capacity is every site's last measured capacity, from the store.
	Capacity(ctx context.Context) ([]engine.Capacity, error)
	// MeasureCapacity runs restic stats at the sites (none: all) and stores the figures.
	MeasureCapacity(ctx context.Context, sites ...string) error
	// PublishLedger sends what the console's operations added to the ledger
	// to every site that lacks it.
	PublishLedger(ctx context.Context) []engine.LedgerSiteResult
	// JournalAction records an action of the console itself (a refusal, a quit during work).
	JournalAction(ctx context.Context, action, site, set, args string, outcome engine.Outcome, detail string) error
}

// EngineBackend adapts *engine.Engine and its store to Backend.
type EngineBackend struct{ *engine.Engine }

var _ Backend = EngineBackend{}

func (b EngineBackend) Journal(ctx context.Context, q engine.JournalQuery) ([]engine.JournalEntry, error) {
	return b.JournalEntries(ctx, q)
}

func (b EngineBackend) JournalAction(ctx context.Context, action, site, set, args string, outcome engine.Outcome, detail string) error {
	return b.Engine.Journal(ctx, action, site, set, args, outcome, detail)
}

// askBackend runs call as a command, off the UI goroutine, given at most
// limit: Update never waits on the backend, and a site that does not answer
// cannot hold the command forever. call's message is the answer.
func askBackend(limit time.Duration, call func(ctx context.Context) tea.Msg) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), limit)
		defer cancel()
		return call(ctx)
	}
}

// nextSeq numbers a new request: the answer carries the number, and one
// that a newer request overtook is dropped where it lands.
func nextSeq(counter *int) int {
	*counter++
	return *counter
}
