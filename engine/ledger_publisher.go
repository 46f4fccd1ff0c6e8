package engine

import (
	"context"
	"sync"
	"time"
)

// publisher coalesces background publications: while one runs, any number
// of requests make exactly one more, so a runbook that moves ten steps in
// a minute costs as many publications as the sites can take, not ten.
type publisher struct {
	mu      sync.Mutex
	running bool
	again   bool
	done    chan struct{} // closed when the running publication and its follow-ups end
}

// publishSoon publishes the ledger in the background (a runbook step that
// moved): the operation does not wait for the sites. Errors are kept per
// site, as PublishLedger keeps them.
func (e *Engine) publishSoon() {
	p := &e.pub
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.running {
		p.again = true
		return
	}
	p.running, p.done = true, make(chan struct{})
	go func() {
		for {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			e.PublishLedger(ctx)
			cancel()
			p.mu.Lock()
			if !p.again {
				p.running = false
				close(p.done)
				p.mu.Unlock()
				return
			}
			p.again = false
			p.mu.Unlock()
		}
	}()
}

// WaitPublished waits for background publications to end (a command that
// is about to exit), or for ctx.
func (e *Engine) WaitPublished(ctx context.Context) {
	p := &e.pub
	p.mu.Lock()
	done := p.done
	running := p.running
	p.mu.Unlock()
	if !running {
		return
	}
	select {
	case <-done:
	case <-ctx.Done():
	}
}
