package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nicholas-fedor/shoutrrr"

	"github.com/lifeboat-dr/lifeboat/engine/config"
	"github.com/lifeboat-dr/lifeboat/internal/proc"
)

// Alert event names (contract §2), plus "test" for `lifeboat alert test`.
const (
	AlertSiteDown         = "site_down"
	AlertSiteUp           = "site_up"
	AlertRPOBreach        = "rpo_breach"
	AlertRPOOK            = "rpo_ok"
	AlertCheckFailed      = "check_failed"
	AlertDrillFailed      = "drill_failed"
	AlertDrillOverdue     = "drill_overdue"
	AlertFailoverStarted  = "failover_started"
	AlertFailoverFinished = "failover_finished"
	AlertPostureDegraded  = "posture_degraded"
	AlertPostureOK        = "posture_ok"
	AlertTest             = "test"
)

// Severities of alert events.
const (
	SeverityCritical = "critical"
	SeverityWarning  = "warning"
	SeverityInfo     = "info"
)

// AlertSeverity is the severity an event carries.
func AlertSeverity(event string) string {
	switch event {
	case AlertSiteDown, AlertRPOBreach, AlertCheckFailed, AlertDrillFailed:
		return SeverityCritical
	case AlertDrillOverdue, AlertFailoverStarted, AlertPostureDegraded:
		return SeverityWarning
	}
	return SeverityInfo
}

// AlertEvent is what every alert target receives; webhooks and commands get
// it as JSON. Fields may be added, never renamed.
type AlertEvent struct {
	Event    string    `json:"event"`
	Time     time.Time `json:"time"`
	Site     string    `json:"site"`
	Set      string    `json:"set"` // "" when the event is not about one set
	Severity string    `json:"severity"`
	Message  string    `json:"message"`
	// Host is the machine lifeboat runs on.
	Host string `json:"host"`
	// Repeat is true for a re-notification of an ongoing problem.
	Repeat bool `json:"repeat,omitempty"`
}

// NewAlertEvent fills in severity and host.
func NewAlertEvent(event, site, set, message string, now time.Time) AlertEvent {
	host, _ := os.Hostname()
	return AlertEvent{Event: event, Time: now.UTC(), Site: site, Set: set, Severity: AlertSeverity(event),
		Message: message, Host: host}
}

// Text is the one-line form sent to chat services and written to logs.
func (ev AlertEvent) Text() string {
	s := fmt.Sprintf("[lifeboat %s] %s", strings.ToUpper(ev.Severity), ev.Event)
	if ev.Site != "" {
		s += " site=" + ev.Site
	}
	if ev.Set != "" {
		s += " set=" + ev.Set
	}
	return s + ": " + ev.Message
}

// RetryPolicy says how often a failed delivery is tried and how long to wait
// in between: Backoff, then twice that, and so on.
type RetryPolicy struct {
	Attempts int           // tries in all; 0 means 4
	Backoff  time.Duration // first wait; 0 means 1s (so 1s, 2s, 4s)
}

func (p RetryPolicy) norm() RetryPolicy {
	if p.Attempts <= 0 {
		p.Attempts = 4
	}
	if p.Backoff <= 0 {
		p.Backoff = time.Second
	}
	return p
}

// Timeouts of one delivery attempt.
const (
	webhookTimeout = 10 * time.Second
	commandTimeout = 30 * time.Second
	urlTimeout     = 30 * time.Second
)

// Delivery is the outcome of sending one event to one target.
type Delivery struct {
	Target   string `json:"target"` // kind and address, without secrets
	Event    string `json:"event"`
	OK       bool   `json:"ok"`
	Attempts int    `json:"attempts"`
	Error    string `json:"error,omitempty"`
}

// TargetName names an alert target without its secrets: the kind and, for
// URLs, only scheme://host; for commands, only the program.
func TargetName(a config.Alert) string {
	switch {
	case a.Webhook != "":
		return "webhook " + redactURL(a.Webhook)
	case a.URL != "":
		return "url " + redactURL(a.URL)
	case a.Command != "":
		return "command " + commandName(a.Command)
	}
	return "unknown target"
}

// redactURL keeps scheme://host of a URL: paths, queries and credentials of
// notification URLs are often tokens.
func redactURL(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Scheme == "" {
		return "(unparsable URL)"
	}
	return u.Scheme + "://" + u.Host
}

// scrub removes a URL's secrets (the whole URL, its credentials, path and
// query) from an error message.
func scrub(msg, raw string) string {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return msg
	}
	safe := redactURL(raw)
	msg = strings.ReplaceAll(msg, raw, safe)
	if u, err := url.Parse(raw); err == nil {
		var secrets []string
		if u.User != nil {
			secrets = append(secrets, u.User.String(), u.User.Username())
			if p, ok := u.User.Password(); ok {
				secrets = append(secrets, p)
			}
		}
		secrets = append(secrets, u.RawQuery, u.EscapedPath(), u.Path)
		secrets = append(secrets, strings.Split(u.Path, "/")...)
		for _, vs := range u.Query() {
			secrets = append(secrets, vs...)
		}
		// Longest first, so a part of a longer secret is not left behind.
		slices.SortFunc(secrets, func(a, b string) int { return len(b) - len(a) })
		for _, s := range secrets {
			if len(s) >= 4 && s != safe && !strings.Contains(safe, s) {
				msg = strings.ReplaceAll(msg, s, "***")
			}
		}
	}
	return msg
}

// Alerter delivers alert events to the configured targets, each target in
// its own queue so that a slow or failing one delays no other, with retries
// and a journal entry for every delivery.
type Alerter struct {
	e       *Engine
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
func (e *Engine) NewAlerter(retry RetryPolicy, logf func(string, ...any)) *Alerter {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	return &Alerter{e: e, targets: e.cfg.Alerts, retry: retry.norm(), logf: logf,
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

// wants says whether a target gets an event; "test" goes to every target.
func wants(t config.Alert, event string) bool {
	if event == AlertTest {
		return true
	}
	if len(t.On) == 0 {
		return true
	}
	return slices.Contains(t.On, event)
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
			a.journal(t, ev, Delivery{Target: TargetName(t), Event: ev.Event, Error: "dropped: the delivery queue is full"})
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
	a.journal(t, ev, d)
	return d
}

func (a *Alerter) journal(t config.Alert, ev AlertEvent, d Delivery) {
	outcome, detail := OutcomeOK, fmt.Sprintf("%s delivered to %s", ev.Event, d.Target)
	if !d.OK {
		outcome = OutcomeFailed
		detail = fmt.Sprintf("%s to %s failed after %d attempt(s): %s", ev.Event, d.Target, d.Attempts, d.Error)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = a.e.Journal(ctx, "alert", ev.Site, ev.Set, argString("--event", ev.Event, "--target", d.Target), outcome, detail)
}

// attempt is one try; its error names no secret.
func (a *Alerter) attempt(ctx context.Context, t config.Alert, ev AlertEvent) error {
	body, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	switch {
	case t.Webhook != "":
		return a.postWebhook(ctx, t.Webhook, body)
	case t.Command != "":
		return runAlertCommand(ctx, t.Command, ev, body, hiddenEnv(a.e.cfg))
	case t.URL != "":
		return sendURL(ctx, t.URL, ev.Text())
	}
	return errors.New("an alert needs one of url, webhook or command")
}

func (a *Alerter) postWebhook(ctx context.Context, target string, body []byte) error {
	ctx, cancel := context.WithTimeout(ctx, webhookTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return errors.New(scrub(err.Error(), target))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "lifeboat-alert")
	resp, err := a.client.Do(req)
	if err != nil {
		return errors.New(scrub(err.Error(), target))
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("HTTP %s", resp.Status)
	}
	return nil
}

func runAlertCommand(ctx context.Context, command string, ev AlertEvent, body []byte, hide []string) error {
	out, err := proc.Shell{Command: command, Stdin: bytes.NewReader(append(body, '\n')),
		Env: []string{"LIFEBOAT_EVENT=" + ev.Event, "LIFEBOAT_SITE=" + ev.Site,
			"LIFEBOAT_SET=" + ev.Set, "LIFEBOAT_SEVERITY=" + ev.Severity},
		Hide: hide, Timeout: commandTimeout, Grace: time.Second}.Run(ctx)
	if err != nil {
		msg := err.Error()
		if errors.Is(err, proc.ErrTimeout) {
			msg = fmt.Sprintf("no exit within %s", commandTimeout)
		}
		if t := tail(string(out), 200); t != "" {
			msg += ": " + t
		}
		return errors.New(msg)
	}
	return nil
}

// sendURL sends through shoutrrr, which takes no context: a send that hangs
// is abandoned after urlTimeout.
func sendURL(ctx context.Context, target, text string) error {
	done := make(chan error, 1)
	go func() { done <- shoutrrr.Send(strings.TrimSpace(target), text) }()
	select {
	case err := <-done:
		if err != nil {
			return errors.New(scrub(err.Error(), target))
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(urlTimeout):
		return fmt.Errorf("no answer within %s", urlTimeout)
	}
}

// TestAlerts sends an event "test" to every configured target and reports
// each outcome. Every delivery is journaled.
func (e *Engine) TestAlerts(ctx context.Context, retry RetryPolicy) []Delivery {
	a := e.NewAlerter(retry, nil)
	ev := NewAlertEvent(AlertTest, "", "", fmt.Sprintf("test alert from lifeboat run by %s", e.operator), e.now())
	return a.Send(ctx, ev)
}

// Notify delivers one event now to every target whose `on` lists it (for
// commands that raise events themselves, such as failover_started and
// failover_finished) and waits for the outcomes.
func (e *Engine) Notify(ctx context.Context, event, site, set, message string) []Delivery {
	return e.NewAlerter(RetryPolicy{}, nil).Send(ctx, NewAlertEvent(event, site, set, message, e.now()))
}

// alertBook remembers which problems are open, so that events fire on
// transitions only, once, and an ongoing problem is re-notified at most
// every renotify interval.
type alertBook struct {
	open map[string]*openProblem
}

type openProblem struct {
	ident    string
	since    time.Time
	notified time.Time
}

func newAlertBook() *alertBook { return &alertBook{open: map[string]*openProblem{}} }

// raise records that the problem key is present; ident distinguishes two
// occurrences of the same problem (e.g. two failed checks). It says whether
// to notify, and whether that is a repeat. renotify 0 never repeats.
func (b *alertBook) raise(key, ident string, now time.Time, renotify time.Duration) (notify, repeat bool) {
	p, ok := b.open[key]
	if !ok || p.ident != ident {
		b.open[key] = &openProblem{ident: ident, since: now, notified: now}
		return true, false
	}
	if renotify > 0 && now.Sub(p.notified) >= renotify {
		p.notified = now
		return true, true
	}
	return false, false
}

// resolve records that the problem key is gone and says whether it was open
// (then a recovery is news).
func (b *alertBook) resolve(key string) (since time.Time, wasOpen bool) {
	p, ok := b.open[key]
	if !ok {
		return time.Time{}, false
	}
	delete(b.open, key)
	return p.since, true
}
