package monitor

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/lifeboat-dr/lifeboat/engine"
	"github.com/lifeboat-dr/lifeboat/engine/config"
)

// Alerter delivers alert events to the configured targets, each target in
// its own queue so that a slow or failing one delays no other, with retries
// and a journal entry for every delivery.
type Alerter struct {
	e       *engine.Engine
	targets []config.Alert
	retry   RetryPolicy
	logf    func(string, ...any)
	client  *http.Client

	mu      sync.Mutex
	queues  []chan AlertEvent
	wg      sync.WaitGroup
	ctx     context.Context
	cancel  context.CancelFunc
	stopped bool
}

// NewAlerter returns an alerter over the engine's configured targets. logf
// may be nil.
func NewAlerter(e *engine.Engine, retry RetryPolicy, logf func(string, ...any)) *Alerter {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	return &Alerter{e: e, targets: e.Config().Alerts, retry: retry.norm(), logf: logf,
		client: &http.Client{Timeout: webhookTimeout}}
}

// Targets lists the targets by their safe names.
func (a *Alerter) Targets() []string {
	var out []string
	for _, t := range a.targets {
		out = append(out, TargetName(t))
	}
	return out
}

// Send delivers an event to every target that wants it, all at once, and
// waits for the outcomes (with retries). Used for `alert test` and by
// commands that raise an event themselves (failover).
func (a *Alerter) Send(ctx context.Context, ev AlertEvent) []Delivery {
	out := make([]Delivery, len(a.targets))
	var wg sync.WaitGroup
	for i, t := range a.targets {
		if !wants(t, ev.Event) {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = a.deliver(ctx, t, ev)
		}()
	}
	wg.Wait()
	var res []Delivery
	for i, d := range out {
		if wants(a.targets[i], ev.Event) {
			res = append(res, d)
		}
	}
	return res
}

// Start runs one delivery queue per target until Stop.
func (a *Alerter) Start() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.queues != nil {
		return
	}
	a.ctx, a.cancel = context.WithCancel(context.Background())
	for _, t := range a.targets {
		q := make(chan AlertEvent, 256)
		a.queues = append(a.queues, q)
		a.wg.Add(1)
		go func() {
			defer a.wg.Done()
			for ev := range q {
				a.deliver(a.ctx, t, ev)
			}
		}()
	}
}

// Enqueue hands an event to the queue of every target that wants it and
// returns at once. A full queue drops the event and journals that.
func (a *Alerter) Enqueue(ev AlertEvent) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.stopped || a.queues == nil {
		return
	}
	for i, t := range a.targets {
		if !wants(t, ev.Event) {
			continue
		}
		select {
		case a.queues[i] <- ev:
		default:
			a.logf("alert %s to %s dropped: its queue is full", ev.Event, TargetName(t))
			a.journal(ev, Delivery{Target: TargetName(t), Event: ev.Event, Error: "dropped: the delivery queue is full"})
		}
	}
}

// Stop lets queued deliveries finish for up to grace, then cancels the rest.
func (a *Alerter) Stop(grace time.Duration) {
	a.mu.Lock()
	if a.stopped || a.queues == nil {
		a.stopped = true
		a.mu.Unlock()
		return
	}
	a.stopped = true
	for _, q := range a.queues {
		close(q)
	}
	a.mu.Unlock()
	done := make(chan struct{})
	go func() { a.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(grace):
		a.cancel()
		<-done
	}
	a.cancel()
}

// deliver sends one event to one target with retries, logs and journals it.
func (a *Alerter) deliver(ctx context.Context, t config.Alert, ev AlertEvent) Delivery {
	d := Delivery{Target: TargetName(t), Event: ev.Event}
	wait := a.retry.Backoff
	var err error
	for d.Attempts < a.retry.Attempts {
		if d.Attempts > 0 {
			select {
			case <-ctx.Done():
			case <-time.After(wait):
			}
			if ctx.Err() != nil {
				break
			}
			wait *= 2
		}
		d.Attempts++
		if err = a.attempt(ctx, t, ev); err == nil {
			break
		}
	}
	d.OK = err == nil
	if err != nil {
		d.Error = err.Error()
		a.logf("alert %s to %s failed after %d attempt(s): %s", ev.Event, d.Target, d.Attempts, d.Error)
	} else {
		a.logf("alert %s to %s delivered", ev.Event, d.Target)
	}
	a.journal(ev, d)
	return d
}

func (a *Alerter) journal(ev AlertEvent, d Delivery) {
	outcome, detail := engine.OutcomeOK, fmt.Sprintf("%s delivered to %s", ev.Event, d.Target)
	if !d.OK {
		outcome = engine.OutcomeFailed
		detail = fmt.Sprintf("%s to %s failed after %d attempt(s): %s", ev.Event, d.Target, d.Attempts, d.Error)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	args := strings.Join([]string{"--event", ev.Event, "--target", d.Target}, " ")
	_ = a.e.Journal(ctx, "alert", ev.Site, ev.Set, args, outcome, detail)
}

// TestAlerts sends an event "test" to every configured target and reports
// each outcome. Every delivery is journaled.
func TestAlerts(ctx context.Context, e *engine.Engine, retry RetryPolicy) []Delivery {
	ev := NewAlertEvent(AlertTest, "", "", fmt.Sprintf("test alert from lifeboat run by %s", e.Operator()), e.Now())
	return NewAlerter(e, retry, nil).Send(ctx, ev)
}

// Notify delivers one event now to every target whose `on` lists it and
// waits for the outcomes.
func Notify(ctx context.Context, e *engine.Engine, event, site, set, message string) []Delivery {
	return NewAlerter(e, RetryPolicy{}, nil).Send(ctx, NewAlertEvent(event, site, set, message, e.Now()))
}

// Deliver is Notify as the engine's hook (engine.Options.Notify) for the
// events its operations raise themselves: failover_started and
// failover_finished. Each outcome is journaled, none is returned.
func Deliver(ctx context.Context, e *engine.Engine, event, site, set, message string) {
	Notify(ctx, e, event, site, set, message)
}
