package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/lifeboat-dr/lifeboat/internal/dr"
	"github.com/lifeboat-dr/lifeboat/storage"
)

// storedReport is what Lifeboat reads back from a chained drill or
// failover report. Every field comes from the report's hashed JSON, never
// from the columns stored beside it: a `passed` column flipped by hand must
// not make a failed drill count, mark a snapshot tested or silence an alert.
type storedReport struct {
	ID      string
	Kind    string // drill, failover
	Site    string // the site drilled, or failed over to
	From    string
	Mode    string
	Outcome string // failovers: committed, aborted
	Passed  bool
	// Evaluated is false for a drill that could not run (its site down or
	// locked): it says nothing about the data there.
	Evaluated  bool
	Started    time.Time // a failover's declaration
	Finished   time.Time
	ConfigHash string

	RTOSeconds, RTOObjectiveSeconds, HumanWaitSeconds float64
	// RPOSeconds is the worst recovery point among the sets.
	RPOSeconds float64
	Sets       []storedSet
}

type storedSet struct {
	Name     string  `json:"name"`
	Snapshot string  `json:"snapshot"`
	Verified bool    `json:"verified"`
	RPO      float64 `json:"rpo_seconds"` // the data this recovery point lost
}

// ErrReportChanged says a stored report no longer matches its hash.
var ErrReportChanged = errors.New("stored report was changed after it was written")

// readReport reads a stored report from its hashed JSON. A report whose
// JSON does not hash to its recorded sha256, or whose JSON disagrees with
// the record it sits in, is refused with ErrReportChanged.
func readReport(rec storage.DrillRecord) (storedReport, error) {
	sum := sha256.Sum256([]byte(rec.ReportJSON))
	if hex.EncodeToString(sum[:]) != rec.SHA256 {
		return storedReport{}, fmt.Errorf("report %s: %w (its sha256 no longer matches): `lifeboat journal --verify` says more", rec.ID, ErrReportChanged)
	}
	var r struct {
		ID         string      `json:"id"`
		Kind       string      `json:"kind"`
		Site       string      `json:"site"`
		From       string      `json:"from"`
		To         string      `json:"to"`
		Mode       string      `json:"mode"`
		Outcome    string      `json:"outcome"`
		Passed     bool        `json:"passed"`
		Evaluated  *bool       `json:"evaluated"`
		Started    time.Time   `json:"started"`
		Declared   time.Time   `json:"declared"`
		Finished   time.Time   `json:"finished"`
		ConfigHash string      `json:"config_hash"`
		RTO        float64     `json:"rto_seconds"`
		Objective  float64     `json:"rto_objective_seconds"`
		Wait       float64     `json:"human_wait_seconds"`
		Sets       []storedSet `json:"sets"`
	}
	if err := json.Unmarshal([]byte(rec.ReportJSON), &r); err != nil {
		return storedReport{}, fmt.Errorf("report %s: %w: it is not valid JSON (%v)", rec.ID, ErrReportChanged, err)
	}
	out := storedReport{ID: r.ID, Kind: dr.KindDrill, Site: r.Site, From: r.From, Mode: r.Mode, Outcome: r.Outcome,
		Passed: r.Passed, Started: r.Started, Finished: r.Finished, ConfigHash: r.ConfigHash,
		RTOSeconds: r.RTO, RTOObjectiveSeconds: r.Objective, HumanWaitSeconds: r.Wait,
		// Reports written before the field existed ran.
		Evaluated: r.Evaluated == nil || *r.Evaluated}
	if r.Kind == dr.KindFailover {
		out.Kind, out.Site, out.Started = dr.KindFailover, r.To, r.Declared
	}
	if out.ID != rec.ID || out.Kind != rec.Kind || out.Site != rec.Site {
		return storedReport{}, fmt.Errorf("report %s: %w: its JSON is report %s (%s of site %s), not the %s of site %s it is stored as",
			rec.ID, ErrReportChanged, out.ID, out.Kind, out.Site, rec.Kind, rec.Site)
	}
	out.Sets = r.Sets
	for _, s := range r.Sets {
		out.RPOSeconds = math.Max(out.RPOSeconds, s.RPO)
	}
	if out.Finished.IsZero() {
		out.Finished = out.Started
	}
	return out, nil
}

// ErrReportUnjournaled says a stored report has no journal entry that
// recorded it: it was not written by a drill or failover that ended.
var ErrReportUnjournaled = errors.New("no journal entry recorded this report")

// journaled checks that the journal recorded rec when it was written. A
// report that finished before the journal began recording reports (schema
// 5 and older, or a state file not written to since its upgrade) is taken
// as it is.
func (e *Engine) journaled(ctx context.Context, rec storage.DrillRecord, r storedReport) error {
	ok, err := e.store.JournalRecordsReport(ctx, rec.ID, rec.SHA256)
	if err != nil || ok {
		return err
	}
	if start, chained, err := e.store.JournalChainStart(ctx); err != nil {
		return err
	} else if !chained || r.Finished.Before(start) {
		return nil
	}
	return fmt.Errorf("report %s: %w: `lifeboat journal --verify` says more", rec.ID, ErrReportUnjournaled)
}

// trustedReport reads a stored report from its hashed content and checks
// that the journal recorded it.
func (e *Engine) trustedReport(ctx context.Context, rec storage.DrillRecord) (storedReport, error) {
	r, err := readReport(rec)
	if err != nil {
		return r, err
	}
	return r, e.journaled(ctx, rec, r)
}

// lastReport is the newest stored report of a kind (at a site, "" for any)
// that match accepts, read from its hashed content. Reports that fail
// readReport are passed over; the first such is returned as changed.
func (e *Engine) lastReport(ctx context.Context, kind, site string, match func(storedReport) bool) (rep storedReport, ok bool, changed error) {
	var recs []storage.DrillRecord
	var err error
	if kind == dr.KindFailover {
		recs, err = e.store.FailoverReports(ctx, site, provenReports)
	} else {
		recs, err = e.store.Drills(ctx, site, provenReports)
	}
	if err != nil {
		return storedReport{}, false, err
	}
	for _, rec := range recs {
		r, err := e.trustedReport(ctx, rec)
		if err != nil {
			if changed == nil {
				changed = err
			}
			continue
		}
		if match == nil || match(r) {
			return r, true, changed
		}
	}
	return storedReport{}, false, changed
}

// StoredReport is a stored drill or failover report as it was written:
// its hashed JSON, its Markdown and the sha256 the chain recorded.
type StoredReport struct {
	ID       string
	Kind     string // drill, failover
	Site     string
	Finished time.Time
	JSON     string
	Markdown string
	SHA256   string
}

// ErrNoReport says no stored report has the id asked for, or more than one
// starts with it.
var ErrNoReport = errors.New("no such report")

// Report finds a stored report by id, unique id prefix, or "latest" (or
// "") for the newest of any kind. It needs only the state store. A report
// that no longer matches its hash or that no journal entry recorded is
// returned with ErrReportChanged or ErrReportUnjournaled: what it says may
// be shown, never as if it could be trusted.
func Report(ctx context.Context, st *storage.Store, ref string) (StoredReport, error) {
	recs, err := st.AllDrills(ctx) // oldest first
	if err != nil {
		return StoredReport{}, err
	}
	var newest []string
	for i := len(recs) - 1; i >= 0 && len(newest) < 5; i-- {
		newest = append(newest, recs[i].ID)
	}
	known := "there are no stored reports yet (a drill or failover writes one)"
	if len(recs) > 0 {
		known = fmt.Sprintf("the newest are %s", strings.Join(newest, ", "))
	}
	var found []storage.DrillRecord
	switch {
	case ref == "" || ref == "latest":
		if len(recs) > 0 {
			found = recs[len(recs)-1:]
		}
	default:
		for _, r := range recs {
			if r.ID == ref {
				found = []storage.DrillRecord{r}
				break
			}
			if strings.HasPrefix(r.ID, ref) {
				found = append(found, r)
			}
		}
	}
	switch {
	case len(found) == 0 && (ref == "" || ref == "latest"):
		return StoredReport{}, fmt.Errorf("%w: %s", ErrNoReport, known)
	case len(found) == 0:
		return StoredReport{}, fmt.Errorf("%w %q: %s", ErrNoReport, ref, known)
	case len(found) > 1:
		var ids []string
		for _, r := range found {
			ids = append(ids, r.ID)
		}
		return StoredReport{}, fmt.Errorf("%w: %q is the start of %d reports (%s): give more of the id", ErrNoReport, ref, len(found), strings.Join(ids, ", "))
	}
	rec := found[0]
	kind := rec.Kind
	if kind == "" {
		kind = dr.KindDrill
	}
	out := StoredReport{ID: rec.ID, Kind: kind, Site: rec.Site, Finished: rec.Finished,
		JSON: rec.ReportJSON, Markdown: rec.ReportMD, SHA256: rec.SHA256}
	_, err = (&Engine{store: st}).trustedReport(ctx, rec)
	return out, err
}
