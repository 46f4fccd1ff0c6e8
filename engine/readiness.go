package engine

import (
	"context"
	"time"
)

// LastPassingDrill is when the newest passing drill of site finished, by
// its report; ok is false when it never passed one.
func (e *Engine) LastPassingDrill(ctx context.Context, site string) (finished time.Time, ok bool) {
	r, ok := e.lastPassedDrill(ctx, site)
	return r.Finished, ok
}
