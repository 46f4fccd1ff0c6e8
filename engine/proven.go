package engine

import (
	"context"
	"sync"
	"time"

	"github.com/lifeboat-dr/lifeboat/storage"
)

// Proof is what showed a snapshot restorable: the newest passing drill or
// committed failover that restored it and verified every file (Zerto's
// "tested at"). Only the snapshot restored counts: its original at another
// site shares the tree but not the packs.
type Proof struct {
	Kind  string    `json:"kind"` // drill or failover
	RunID string    `json:"run_id"`
	Site  string    `json:"site"`
	At    time.Time `json:"at"`
}

// provenReports bounds how far back ProvenSnapshots reads, per kind:
// snapshots drilled before that are long gone by retention.
const provenReports = 200

// proofCache holds the last answer of ProvenSnapshots with the newest
// report it saw; the console asks at every refresh.
type proofCache struct {
	mu     sync.Mutex
	seq    int64
	proofs map[string]Proof
}

// ProvenSnapshots maps snapshot ids to their newest proof. The map is
// shared: callers must not change it.
func (e *Engine) ProvenSnapshots(ctx context.Context) (map[string]Proof, error) {
	seq, err := e.store.LastReportSeq(ctx)
	if err != nil {
		return nil, err
	}
	c := &e.proofs
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.proofs != nil && c.seq == seq {
		return c.proofs, nil
	}
	out := map[string]Proof{}
	for _, read := range []func(context.Context, string, int) ([]storage.DrillRecord, error){
		e.store.Drills, e.store.FailoverReports} {
		recs, err := read(ctx, "", provenReports)
		if err != nil {
			return nil, err
		}
		for _, rec := range recs {
			// Read from the hashed report: a changed report proves nothing.
			r, err := e.trustedReport(ctx, rec)
			if err != nil || !r.Passed {
				continue
			}
			for _, s := range r.Sets {
				if !s.Verified || s.Snapshot == "" {
					continue
				}
				if p, ok := out[s.Snapshot]; !ok || r.Finished.After(p.At) {
					out[s.Snapshot] = Proof{Kind: r.Kind, RunID: r.ID, Site: r.Site, At: r.Finished}
				}
			}
		}
	}
	c.seq, c.proofs = seq, out
	return out, nil
}
