package monitor

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/nicholas-fedor/shoutrrr"

	"github.com/lifeboat-dr/lifeboat/engine/config"
	"github.com/lifeboat-dr/lifeboat/internal/hide"
	"github.com/lifeboat-dr/lifeboat/internal/proc"
)

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
		return runAlertCommand(ctx, t.Command, ev, body, a.e.HiddenEnv())
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
		return errors.New(hide.URLSecrets(err.Error(), target))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "lifeboat-alert")
	resp, err := a.client.Do(req)
	if err != nil {
		return errors.New(hide.URLSecrets(err.Error(), target))
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("HTTP %s", resp.Status)
	}
	return nil
}

func runAlertCommand(ctx context.Context, command string, ev AlertEvent, body []byte, hidden []string) error {
	out, err := proc.Shell{Command: command, Stdin: bytes.NewReader(append(body, '\n')),
		Env: []string{"LIFEBOAT_EVENT=" + ev.Event, "LIFEBOAT_SITE=" + ev.Site,
			"LIFEBOAT_SET=" + ev.Set, "LIFEBOAT_SEVERITY=" + ev.Severity},
		Hide: hidden, Timeout: commandTimeout, Grace: time.Second}.Run(ctx)
	if err != nil {
		msg := err.Error()
		if errors.Is(err, proc.ErrTimeout) {
			msg = fmt.Sprintf("no exit within %s", commandTimeout)
		}
		if t := proc.Tail(string(out), 200); t != "" {
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
			return errors.New(hide.URLSecrets(err.Error(), target))
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(urlTimeout):
		return fmt.Errorf("no answer within %s", urlTimeout)
	}
}
