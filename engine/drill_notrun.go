package engine

import (
	"context"
	"encoding/json"

	"github.com/lifeboat-dr/lifeboat/storage"
)

// couldNotRun marks the drill as not evaluated: what stopped it is about
// reaching the standby or the scratch space, not about the standby's data.
func (d *drillRun) couldNotRun(err error) error {
	if d.notRun == "" {
		d.notRun = err.Error()
	}
	return err
}

// drillScan bounds how far back status looks past drills that could not
// run (a standby down for a long time, drilled daily).
const drillScan = 100

// lastEvaluatedDrill is the newest drill of site that ran. Reports from
// before "evaluated" existed have no such field: they all ran.
func (e *Engine) lastEvaluatedDrill(ctx context.Context, site string) (storage.DrillRecord, bool, error) {
	recs, err := e.store.Drills(ctx, site, drillScan)
	if err != nil {
		return storage.DrillRecord{}, false, err
	}
	for _, r := range recs {
		var v struct {
			Evaluated *bool `json:"evaluated"`
		}
		if json.Unmarshal([]byte(r.ReportJSON), &v) == nil && v.Evaluated != nil && !*v.Evaluated {
			continue
		}
		return r, true, nil
	}
	return storage.DrillRecord{}, false, nil
}

// CouldNotRun says the drill was not evaluated. Reports stored before the
// field existed decode with Evaluated false but no reason: they ran.
func (r *DrillReport) CouldNotRun() bool { return !r.Evaluated && r.NotEvaluated != "" }
