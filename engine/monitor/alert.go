// Package monitor watches the sites through the engine: the headless
// `lifeboat watch` (rounds of probes, the schedule), the alerts it raises
// and delivers, and its Prometheus metrics. It sits on the engine and uses
// only its exported API; the engine knows nothing of alert targets, cron or
// Prometheus.
package monitor

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/lifeboat-dr/lifeboat/engine/config"
	"github.com/lifeboat-dr/lifeboat/internal/hide"
)

// AlertTest is the event of `lifeboat alert test`; the other event names
// are config's (config.AlertSiteDown, ...), the words an alert's `on` uses.
const AlertTest = "test"

// Severities of alert events.
const (
	SeverityCritical = "critical"
	SeverityWarning  = "warning"
	SeverityInfo     = "info"
)

// AlertSeverity is the severity an event carries.
func AlertSeverity(event string) string {
	switch event {
	case config.AlertSiteDown, config.AlertRPOBreach, config.AlertCheckFailed, config.AlertDrillFailed:
		return SeverityCritical
	case config.AlertDrillOverdue, config.AlertFailoverStarted, config.AlertPostureDegraded:
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
		return "webhook " + hide.URLHost(a.Webhook)
	case a.URL != "":
		return "url " + hide.URLHost(a.URL)
	case a.Command != "":
		return "command " + hide.CommandName(a.Command)
	}
	return "unknown target"
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
