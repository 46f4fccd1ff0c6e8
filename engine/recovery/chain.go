package recovery

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lifeboat-dr/lifeboat/internal/dr"
	"github.com/lifeboat-dr/lifeboat/storage"
)

// The chain of stored reports: every drill and failover report carries the
// sha256 of the one stored before it, the journal records the hash of each
// when its run ends, and everything Lifeboat believes about a past run is
// read back from the hashed JSON, never from the columns beside it.

// Chain stores report at the head of the chain. link gets the head's hash,
// sets it in the report and returns the Markdown; the report's JSON, which
// must carry that hash, is what the chain hashes. sha is that hash.
func Chain(ctx context.Context, st *storage.Store, rec storage.DrillRecord, report any, link func(prev string) (markdown string)) (stored storage.DrillRecord, err error) {
	prev, err := st.LastDrillSHA256(ctx)
	if err != nil {
		return rec, err
	}
	md := link(prev)
	b, err := json.Marshal(report)
	if err != nil {
		return rec, err
	}
	sum := sha256.Sum256(b)
	rec.PrevSHA256, rec.ReportJSON, rec.ReportMD, rec.SHA256 = prev, string(b), md, hex.EncodeToString(sum[:])
	return rec, st.SaveDrill(ctx, rec)
}

// VerifyChain recomputes the hash of every stored report and follows the
// chain: an edited report, a broken link or a journaled run whose report
// is gone is named by run id; breaks in the journal's own chain by entry.
// No problems: nil.
func VerifyChain(ctx context.Context, st *storage.Store) ([]dr.ChainProblem, error) {
	all, err := st.AllDrills(ctx)
	if err != nil {
		return nil, err
	}
	return verifyChain(ctx, st, all)
}

func verifyChain(ctx context.Context, st *storage.Store, all []storage.DrillRecord) ([]dr.ChainProblem, error) {
	var out []dr.ChainProblem
	// Each bastion's reports are a chain of their own. Another bastion's
	// chain starts at its oldest report held here: what it wrote before it
	// published a ledger never reached this one.
	prevOf := map[string]string{}
	have := map[string]bool{}
	for _, d := range all {
		have[d.ID] = true
		prev, seen := prevOf[d.Bastion]
		if !seen && d.Bastion != "" {
			prev = d.PrevSHA256
		}
		sum := sha256.Sum256([]byte(d.ReportJSON))
		if hex.EncodeToString(sum[:]) != d.SHA256 {
			out = append(out, dr.ChainProblem{DrillID: d.ID, Problem: "the stored report was changed after it was written (its sha256 no longer matches)"})
		}
		var r struct {
			ID   string `json:"id"`
			Prev string `json:"prev_sha256"`
		}
		if err := json.Unmarshal([]byte(d.ReportJSON), &r); err != nil {
			out = append(out, dr.ChainProblem{DrillID: d.ID, Problem: "the stored report is not valid JSON: " + err.Error()})
		} else if r.ID != d.ID || r.Prev != d.PrevSHA256 {
			out = append(out, dr.ChainProblem{DrillID: d.ID, Problem: "the stored report does not match its record (id or previous hash differ)"})
		}
		if d.PrevSHA256 != prev {
			out = append(out, dr.ChainProblem{DrillID: d.ID, Problem: fmt.Sprintf("the report before it is missing or was changed: it links to %s, the previous stored report is %s",
				ShortHash(d.PrevSHA256), ShortHash(prev))})
		}
		prevOf[d.Bastion] = d.SHA256
	}
	// Every finished drill or failover is journaled with its report's hash:
	// a report removed from the end of the chain, or rewritten together with
	// its hash, shows there.
	byID := map[string]storage.DrillRecord{}
	for _, d := range all {
		byID[d.ID] = d
	}
	entries, err := st.Journal(ctx, storage.JournalQuery{})
	if err != nil {
		return out, err
	}
	for _, entry := range entries {
		if entry.ReportSHA256 == "" {
			continue
		}
		d, ok := byID[entry.RunID]
		switch {
		case !ok:
			out = append(out, dr.ChainProblem{DrillID: entry.RunID, Problem: "journaled as finished on " + entry.Time.Format(time.RFC3339) + " but its report is missing"})
		case d.SHA256 != entry.ReportSHA256:
			out = append(out, dr.ChainProblem{DrillID: entry.RunID, Problem: fmt.Sprintf("its sha256 is %s, but the journal recorded %s when it was written",
				ShortHash(d.SHA256), ShortHash(entry.ReportSHA256))})
		}
	}
	// Every report written since the journal records reports has an entry.
	start, chained, err := st.JournalChainStart(ctx)
	if err != nil {
		return out, err
	}
	recorded := map[string]bool{} // runs whose end the journal recorded (a mismatch is named above)
	for _, entry := range entries {
		if entry.ReportSHA256 != "" {
			recorded[entry.RunID] = true
		}
	}
	for _, d := range all {
		if recorded[d.ID] {
			continue
		}
		r, err := Read(d)
		if err != nil {
			continue // named above: its hash does not match
		}
		if chained && !r.Finished.Before(start) {
			out = append(out, dr.ChainProblem{DrillID: d.ID, Problem: "no journal entry recorded it: it was not written by a drill or failover that ended"})
		}
	}
	// The journal itself is a chain.
	_, _, breaks, err := st.VerifyJournal(ctx)
	if err != nil {
		return out, err
	}
	for _, b := range breaks {
		out = append(out, dr.ChainProblem{JournalID: b.ID, Problem: b.Problem})
	}
	return out, nil
}

// Record is what Lifeboat reads back from a chained drill or failover
// report. Every field comes from the report's hashed JSON, never
// from the columns stored beside it: a `passed` column flipped by hand must
// not make a failed drill count, mark a snapshot tested or silence an alert.
type Record struct {
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

	RTO, RTOObjective, HumanWait time.Duration
	// DataLoss is the worst recovery point among the sets.
	DataLoss time.Duration
	Sets     []RecordSet
}

// RecordSet is what a stored report says about one set.
type RecordSet struct {
	Name     string  `json:"name"`
	Snapshot string  `json:"snapshot"`
	Verified bool    `json:"verified"`
	DataLoss float64 `json:"rpo_seconds"` // the data this recovery point lost
}

// verifyMore is the advice of a report that cannot be trusted.
var verifyMore = dr.Remedy{Act: dr.ActVerifyJournal, Effect: "says more"}

// ErrReportChanged says a stored report no longer matches its hash.
var ErrReportChanged = errors.New("stored report was changed after it was written")

// Read reads a stored report from its hashed JSON. A report whose
// JSON does not hash to its recorded sha256, or whose JSON disagrees with
// the record it sits in, is refused with ErrReportChanged.
func Read(rec storage.DrillRecord) (Record, error) {
	sum := sha256.Sum256([]byte(rec.ReportJSON))
	if hex.EncodeToString(sum[:]) != rec.SHA256 {
		return Record{}, dr.Advise(fmt.Errorf("report %s: %w (its sha256 no longer matches)", rec.ID, ErrReportChanged), verifyMore)
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
		Sets       []RecordSet `json:"sets"`
	}
	if err := json.Unmarshal([]byte(rec.ReportJSON), &r); err != nil {
		return Record{}, fmt.Errorf("report %s: %w: it is not valid JSON (%v)", rec.ID, ErrReportChanged, err)
	}
	out := Record{ID: r.ID, Kind: dr.KindDrill, Site: r.Site, From: r.From, Mode: r.Mode, Outcome: r.Outcome,
		Passed: r.Passed, Started: r.Started, Finished: r.Finished, ConfigHash: r.ConfigHash,
		RTO: dr.FromSeconds(r.RTO), RTOObjective: dr.FromSeconds(r.Objective), HumanWait: dr.FromSeconds(r.Wait),
		// Reports written before the field existed ran.
		Evaluated: r.Evaluated == nil || *r.Evaluated}
	if r.Kind == dr.KindFailover {
		out.Kind, out.Site, out.Started = dr.KindFailover, r.To, r.Declared
	}
	if out.ID != rec.ID || out.Kind != rec.Kind || out.Site != rec.Site {
		return Record{}, fmt.Errorf("report %s: %w: its JSON is report %s (%s of site %s), not the %s of site %s it is stored as",
			rec.ID, ErrReportChanged, out.ID, out.Kind, out.Site, rec.Kind, rec.Site)
	}
	out.Sets = r.Sets
	for _, s := range r.Sets {
		out.DataLoss = max(out.DataLoss, dr.FromSeconds(s.DataLoss))
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
func journaled(ctx context.Context, st *storage.Store, rec storage.DrillRecord, r Record) error {
	ok, err := st.JournalRecordsReport(ctx, rec.ID, rec.SHA256)
	if err != nil || ok {
		return err
	}
	if start, chained, err := st.JournalChainStart(ctx); err != nil {
		return err
	} else if !chained || r.Finished.Before(start) {
		return nil
	}
	return dr.Advise(fmt.Errorf("report %s: %w", rec.ID, ErrReportUnjournaled), verifyMore)
}

// Trusted reads a stored report from its hashed content and checks that
// the journal recorded it.
func Trusted(ctx context.Context, st *storage.Store, rec storage.DrillRecord) (Record, error) {
	r, err := Read(rec)
	if err != nil {
		return r, err
	}
	return r, journaled(ctx, st, rec, r)
}

// Last is the newest of the last limit stored reports of a kind (at a
// site, "" for any) that match accepts, read from its hashed content.
// Reports that are not trusted are passed over; the first such is
// returned as changed.
func Last(ctx context.Context, st *storage.Store, kind, site string, limit int, match func(Record) bool) (rep Record, ok bool, changed error) {
	var recs []storage.DrillRecord
	var err error
	if kind == dr.KindFailover {
		recs, err = st.FailoverReports(ctx, site, limit)
	} else {
		recs, err = st.Drills(ctx, site, limit)
	}
	if err != nil {
		return Record{}, false, err
	}
	for _, rec := range recs {
		r, err := Trusted(ctx, st, rec)
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
	return Record{}, false, changed
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

// Find finds a stored report by id, unique id prefix, or "latest" (or
// "") for the newest of any kind. It needs only the state store. A report
// that no longer matches its hash or that no journal entry recorded is
// returned with ErrReportChanged or ErrReportUnjournaled: what it says may
// be shown, never as if it could be trusted.
func Find(ctx context.Context, st *storage.Store, ref string) (StoredReport, error) {
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
	_, err = Trusted(ctx, st, rec)
	return out, err
}

// ShortHash is the start of a hash (or id) as reports show it; "(none)"
// for none.
func ShortHash(s string) string {
	if s == "" {
		return "(none)"
	}
	if len(s) > 12 {
		return s[:12]
	}
	return s
}
