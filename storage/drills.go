package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// DrillRecord is one stored drill report. Reports form a chain: each
// carries the sha256 of the one stored before it (PrevSHA256), and SHA256
// is over ReportJSON, so an edited or removed report shows.
type DrillRecord struct {
	Seq        int64 // order of storage; the chain's order
	ID         string
	Site       string
	Started    time.Time
	Finished   time.Time
	Passed     bool
	ReportJSON string
	ReportMD   string
	PrevSHA256 string
	SHA256     string
	ConfigHash string // the config's RecoveryHash when the drill ran
	SubsetN    int    // the check read subset n/t
	SubsetT    int
	Kind       string // drill (the default) or failover: both share the chain
	// Bastion is "" for a report written here, else the bastion whose
	// ledger it came from: each bastion's reports are a chain of their own.
	Bastion string
}

// Kinds of chained report.
const (
	KindDrill    = "drill"
	KindFailover = "failover"
)

const drillColumns = `seq, id, site, started, finished, passed, report_json, report_md, prev_sha256, sha256, config_hash, subset_n, subset_t, kind, bastion`

// SaveDrill stores a drill report. Reports are only appended: saving an id
// twice is an error.
func (s *Store) SaveDrill(ctx context.Context, d DrillRecord) error {
	if d.ID == "" || d.Site == "" {
		return errors.New("storage: save drill: id and site are required")
	}
	if d.Kind == "" {
		d.Kind = KindDrill
	}
	return execute(ctx, s.db, "save drill "+d.ID, `
		INSERT INTO drills (id, site, started, finished, passed, report_json, report_md, prev_sha256, sha256, config_hash, subset_n, subset_t, kind, bastion)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		d.ID, d.Site, nanos(orNow(d.Started)), nanos(d.Finished), d.Passed, d.ReportJSON, d.ReportMD,
		d.PrevSHA256, d.SHA256, d.ConfigHash, d.SubsetN, d.SubsetT, d.Kind, d.Bastion)
}

// Drills returns a site's drills, newest first; an empty site means every
// site, limit <= 0 means all.
func (s *Store) Drills(ctx context.Context, site string, limit int) ([]DrillRecord, error) {
	return s.reports(ctx, KindDrill, site, limit)
}

// FailoverReports returns the reports of finished failovers, newest first;
// an empty site (the site failed over to) means every site.
func (s *Store) FailoverReports(ctx context.Context, site string, limit int) ([]DrillRecord, error) {
	return s.reports(ctx, KindFailover, site, limit)
}

func (s *Store) reports(ctx context.Context, kind, site string, limit int) ([]DrillRecord, error) {
	if site == "" {
		return queryAll(ctx, s.db, "read drills", readDrill, `SELECT `+drillColumns+` FROM drills WHERE kind = ? ORDER BY seq DESC LIMIT ?`, kind, limitClause(limit))
	}
	return queryAll(ctx, s.db, "read drills", readDrill, `SELECT `+drillColumns+` FROM drills WHERE kind = ? AND site = ? ORDER BY seq DESC LIMIT ?`, kind, site, limitClause(limit))
}

// CountDrills is how many drills of site are stored.
func (s *Store) CountDrills(ctx context.Context, site string) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM drills WHERE kind = 'drill' AND site = ?`, site).Scan(&n); err != nil {
		return 0, fmt.Errorf("storage: count drills of %s: %w", site, err)
	}
	return n, nil
}

// LastDrill returns the newest drill of site; ok is false when it never had one.
func (s *Store) LastDrill(ctx context.Context, site string) (DrillRecord, bool, error) {
	out, err := s.Drills(ctx, site, 1)
	if err != nil || len(out) == 0 {
		return DrillRecord{}, false, err
	}
	return out[0], true, nil
}

// LastPassedDrill returns the newest passing drill of site.
func (s *Store) LastPassedDrill(ctx context.Context, site string) (DrillRecord, bool, error) {
	out, err := queryAll(ctx, s.db, "read last passed drill of "+site, readDrill,
		`SELECT `+drillColumns+` FROM drills WHERE kind = 'drill' AND site = ? AND passed ORDER BY seq DESC LIMIT 1`, site)
	if err != nil {
		return DrillRecord{}, false, err
	}
	if len(out) == 0 {
		return DrillRecord{}, false, nil
	}
	return out[0], true, nil
}

// AllDrills returns every chained report (drills and failovers), oldest
// first: the order of the chain.
func (s *Store) AllDrills(ctx context.Context) ([]DrillRecord, error) {
	return queryAll(ctx, s.db, "read drills", readDrill, `SELECT `+drillColumns+` FROM drills ORDER BY seq`)
}

// readDrill reads one row of drillColumns.
func readDrill(rows *sql.Rows) (DrillRecord, error) {
	var d DrillRecord
	var started, finished int64
	err := rows.Scan(&d.Seq, &d.ID, &d.Site, &started, &finished, &d.Passed, &d.ReportJSON, &d.ReportMD,
		&d.PrevSHA256, &d.SHA256, &d.ConfigHash, &d.SubsetN, &d.SubsetT, &d.Kind, &d.Bastion)
	d.Started, d.Finished = fromNanos(started), fromNanos(finished)
	return d, err
}

// lastDrillSHA is the sha256 of the newest drill stored by this bastion
// (its own chain), "" for none.
func lastDrillSHA(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) (string, error) {
	var sum string
	err := q.QueryRowContext(ctx, `SELECT sha256 FROM drills WHERE bastion = '' ORDER BY seq DESC LIMIT 1`).Scan(&sum)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return sum, err
}

// LastDrillSHA256 is the sha256 of the newest stored drill report of any
// site (the chain's head), "" when there is none.
func (s *Store) LastDrillSHA256(ctx context.Context) (string, error) {
	sum, err := lastDrillSHA(ctx, s.db)
	if err != nil {
		return "", fmt.Errorf("storage: read drill chain head: %w", err)
	}
	return sum, nil
}

// HasReport says whether a chained report with this id is stored.
func (s *Store) HasReport(ctx context.Context, id string) (bool, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM drills WHERE id = ?`, id).Scan(&n); err != nil {
		return false, fmt.Errorf("storage: look up report %s: %w", id, err)
	}
	return n > 0, nil
}

// Report returns the chained report with this id.
func (s *Store) Report(ctx context.Context, id string) (DrillRecord, error) {
	out, err := queryAll(ctx, s.db, "read report "+id, readDrill, `SELECT `+drillColumns+` FROM drills WHERE id = ?`, id)
	if err != nil {
		return DrillRecord{}, err
	}
	if len(out) == 0 {
		return DrillRecord{}, fmt.Errorf("storage: report %s: %w", id, sql.ErrNoRows)
	}
	return out[0], nil
}

// LastReportSeq is the seq of the newest stored report of any kind, 0 when
// there is none: a cheap way to tell whether anything was added.
func (s *Store) LastReportSeq(ctx context.Context) (int64, error) {
	var seq int64
	if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM drills`).Scan(&seq); err != nil {
		return 0, fmt.Errorf("storage: read the newest report: %w", err)
	}
	return seq, nil
}
