package engine

import (
	"context"

	"github.com/lifeboat-dr/lifeboat/engine/recovery"
	"github.com/lifeboat-dr/lifeboat/storage"
)

// The chain of reports is engine/recovery's (chain.go); these are the
// engine's ways into it.

// StoredReport is a stored drill or failover report as it was written.
type StoredReport = recovery.StoredReport

// storedReport is a report read back from its hashed JSON; storedSet what
// it says of one set.
type (
	storedReport = recovery.Record
	storedSet    = recovery.RecordSet
)

// Errors of the stored reports, which callers explain.
var (
	ErrReportChanged     = recovery.ErrReportChanged
	ErrReportUnjournaled = recovery.ErrReportUnjournaled
	ErrNoReport          = recovery.ErrNoReport
)

// Report finds a stored report by id, unique id prefix, or "latest" (or
// "") for the newest of any kind. It needs only the state store. A report
// that no longer matches its hash or that no journal entry recorded is
// returned with ErrReportChanged or ErrReportUnjournaled: what it says may
// be shown, never as if it could be trusted.
func Report(ctx context.Context, st *storage.Store, ref string) (StoredReport, error) {
	return recovery.Find(ctx, st, ref)
}

// VerifyDrillChain checks the chain of stored reports on a store alone
// (the journal command needs no restic). No problems: nil.
func VerifyDrillChain(ctx context.Context, st *storage.Store) ([]ChainProblem, error) {
	return recovery.VerifyChain(ctx, st)
}

// VerifyDrillChain checks the chain of this engine's stored reports.
func (e *Engine) VerifyDrillChain(ctx context.Context) ([]ChainProblem, error) {
	return recovery.VerifyChain(ctx, e.store)
}

// trustedReport reads a stored report from its hashed content and checks
// that the journal recorded it.
func (e *Engine) trustedReport(ctx context.Context, rec storage.DrillRecord) (storedReport, error) {
	return recovery.Trusted(ctx, e.store, rec)
}

// lastReport is the newest recent report of a kind (at a site, "" for any)
// that match accepts; changed names the first untrusted one passed over.
func (e *Engine) lastReport(ctx context.Context, kind, site string, match func(storedReport) bool) (storedReport, bool, error) {
	return recovery.Last(ctx, e.store, kind, site, provenReports, match)
}

func shortHash(s string) string { return recovery.ShortHash(s) }
