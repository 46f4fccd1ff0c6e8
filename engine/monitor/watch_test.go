package monitor_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lifeboat-dr/lifeboat/engine"
	"github.com/lifeboat-dr/lifeboat/engine/monitor"
	"github.com/lifeboat-dr/lifeboat/internal/testenv"
	"github.com/lifeboat-dr/lifeboat/storage"
)

// receiver is a webhook endpoint that records what it is sent.
type receiver struct {
	*httptest.Server
	status atomic.Int32
	mu     sync.Mutex
	events []monitor.AlertEvent
	raw    []map[string]any
	hits   atomic.Int32
}

func newReceiver(t *testing.T, status int) *receiver {
	t.Helper()
	r := &receiver{}
	r.status.Store(int32(status))
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.hits.Add(1)
		body, _ := io.ReadAll(req.Body)
		var ev monitor.AlertEvent
		var raw map[string]any
		if req.Method != http.MethodPost || req.Header.Get("Content-Type") != "application/json" ||
			json.Unmarshal(body, &ev) != nil || json.Unmarshal(body, &raw) != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		r.mu.Lock()
		r.events = append(r.events, ev)
		r.raw = append(r.raw, raw)
		r.mu.Unlock()
		w.WriteHeader(int(r.status.Load()))
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) matching(pred func(monitor.AlertEvent) bool) []monitor.AlertEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []monitor.AlertEvent
	for _, ev := range r.events {
		if pred(ev) {
			out = append(out, ev)
		}
	}
	return out
}

func is(event, site string) func(monitor.AlertEvent) bool {
	return func(ev monitor.AlertEvent) bool { return ev.Event == event && (site == "" || ev.Site == site) }
}

// running is a Watch in the background.
type running struct {
	metrics string
	round   atomic.Int64
	done    chan error
	cancel  context.CancelFunc
	logMu   sync.Mutex
	log     []string
}

func startWatch(t *testing.T, f *fixture, opts monitor.WatchOptions) *running {
	t.Helper()
	r := &running{done: make(chan error, 1)}
	addr := make(chan string, 1)
	opts.OnMetricsListen = func(a string) { addr <- a }
	opts.OnRound = func(n int) { r.round.Store(int64(n)) }
	opts.Logf = func(format string, args ...any) {
		line := fmt.Sprintf(format, args...)
		r.logMu.Lock()
		r.log = append(r.log, line)
		r.logMu.Unlock()
		t.Log(line)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go func() { r.done <- monitor.Watch(ctx, f.eng, opts) }()
	if opts.MetricsAddr != "" {
		select {
		case r.metrics = <-addr:
		case err := <-r.done:
			t.Fatalf("watch ended at once: %v", err)
		case <-time.After(10 * time.Second):
			t.Fatal("metrics endpoint did not start")
		}
	}
	t.Cleanup(func() { r.stop(t) })
	return r
}

// stop cancels the watch and checks that it ends cleanly, with nil.
func (r *running) stop(t *testing.T) {
	t.Helper()
	if r.cancel == nil {
		return
	}
	r.cancel()
	r.cancel = nil
	select {
	case err := <-r.done:
		if err != nil {
			t.Errorf("watch returned %v on cancel, want nil", err)
		}
	case <-time.After(30 * time.Second):
		t.Error("watch did not stop within 30s of cancel")
	}
}

func (r *running) logged(sub string) bool {
	r.logMu.Lock()
	defer r.logMu.Unlock()
	for _, l := range r.log {
		if strings.Contains(l, sub) {
			return true
		}
	}
	return false
}

// scrape reads one series from the watch's /metrics; ok is false when absent.
func scrape(t *testing.T, addr, series string) (float64, bool) {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatalf("scrape: %v", err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, series+" ") {
			v, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimPrefix(line, series)), 64)
			if err != nil {
				t.Fatalf("metric %q: %v", line, err)
			}
			return v, true
		}
	}
	return 0, false
}

func TestWatchSiteDownAndUp(t *testing.T) {
	t.Parallel()
	rcv := newReceiver(t, http.StatusOK)
	f := newFixture(t, fmt.Sprintf("alerts:\n  - webhook: %s/hook\n    on: [site_down, site_up]\n", rcv.URL))
	f.init()
	w := startWatch(t, f, monitor.WatchOptions{Interval: time.Second, MetricsAddr: "127.0.0.1:0"})

	// Up first: lifeboat_site_up 1 after the first round.
	waitFor(t, 30*time.Second, "the first round", func() bool { return w.round.Load() >= 1 })
	if v, _ := scrape(t, w.metrics, `lifeboat_site_up{site="dr"}`); v != 1 {
		t.Fatalf("lifeboat_site_up{dr} = %v before the stop, want 1", v)
	}
	if _, ok := scrape(t, w.metrics, `lifeboat_site_latency_seconds{site="dr"}`); !ok {
		t.Fatal("no lifeboat_site_latency_seconds{dr}")
	}
	// The watcher's own health is there too.
	for _, series := range []string{"process_resident_memory_bytes", "process_open_fds", "go_goroutines"} {
		if v, ok := scrape(t, w.metrics, series); !ok || v <= 0 {
			t.Errorf("%s = %v (present %v)", series, v, ok)
		}
	}
	if n := len(rcv.matching(is("", ""))); n != 0 {
		t.Fatalf("alerts before anything happened: %+v", rcv.matching(is("", "")))
	}

	f.Srv.Stop()
	stoppedAt := w.round.Load()
	waitFor(t, 45*time.Second, "site_down for dr", func() bool { return len(rcv.matching(is("site_down", "dr"))) > 0 })
	// The round that was running at the stop may have seen dr up; the next
	// two see it down and confirm it.
	if r := w.round.Load(); r > stoppedAt+4 {
		t.Errorf("site_down came %d rounds after the stop, want within 2 intervals (+1 round in flight)", r-stoppedAt)
	}
	ev := rcv.matching(is("site_down", "dr"))[0]
	if ev.Severity != "critical" || ev.Time.IsZero() || !strings.Contains(ev.Message, "dr") {
		t.Fatalf("site_down event: %+v", ev)
	}
	rcv.mu.Lock()
	raw := rcv.raw[0]
	rcv.mu.Unlock()
	for _, k := range []string{"event", "time", "site", "set", "severity", "message"} {
		if _, ok := raw[k]; !ok {
			t.Fatalf("event JSON lacks %q: %v", k, raw)
		}
	}
	if v, _ := scrape(t, w.metrics, `lifeboat_site_up{site="dr"}`); v != 0 {
		t.Fatalf("lifeboat_site_up{dr} = %v while down, want 0", v)
	}
	if v, _ := scrape(t, w.metrics, `lifeboat_site_up{site="primary"}`); v != 1 {
		t.Fatalf("lifeboat_site_up{primary} = %v, want 1", v)
	}

	f.Srv.Start()
	waitFor(t, 45*time.Second, "site_up for dr", func() bool { return len(rcv.matching(is("site_up", "dr"))) > 0 })
	if v, _ := scrape(t, w.metrics, `lifeboat_site_up{site="dr"}`); v != 1 {
		t.Fatalf("lifeboat_site_up{dr} = %v after the restart, want 1", v)
	}
	// One of each: transitions only.
	if n, m := len(rcv.matching(is("site_down", ""))), len(rcv.matching(is("site_up", ""))); n != 1 || m != 1 {
		t.Fatalf("got %d site_down and %d site_up, want one each", n, m)
	}
	for _, series := range []string{`lifeboat_last_drill_success_timestamp_seconds{site="dr"}`,
		`lifeboat_replication_missing_snapshots{from="primary",set="models",to="dr"}`} {
		if _, ok := scrape(t, w.metrics, series); !ok {
			t.Errorf("no %s", series)
		}
	}
	w.stop(t)
	if !w.logged("stopped") {
		t.Error("watch did not log its stop")
	}
}

func TestWatchRPOBreachRenotify(t *testing.T) {
	t.Parallel()
	rcv := newReceiver(t, http.StatusOK)
	// No snapshot anywhere: every set is in breach from the start.
	f := newFixture(t, fmt.Sprintf("alerts:\n  - webhook: %s\n    on: [rpo_breach, rpo_ok]\n", rcv.URL))
	const renotify = 3 * time.Second
	startWatch(t, f, monitor.WatchOptions{Interval: time.Second, Renotify: renotify})

	key := func(ev monitor.AlertEvent) bool {
		return ev.Event == "rpo_breach" && ev.Site == "primary" && ev.Set == "models"
	}
	waitFor(t, 30*time.Second, "first rpo_breach", func() bool { return len(rcv.matching(key)) >= 1 })
	first := rcv.matching(key)[0]
	if first.Repeat || first.Severity != "critical" {
		t.Fatalf("first breach: %+v", first)
	}
	waitFor(t, 30*time.Second, "re-notified rpo_breach", func() bool { return len(rcv.matching(key)) >= 2 })
	second := rcv.matching(key)[1]
	if gap := second.Time.Sub(first.Time); gap < renotify {
		t.Fatalf("re-notified after %s, want at least %s", gap, renotify)
	}
	if !second.Repeat || !strings.Contains(second.Message, "still") {
		t.Fatalf("re-notification: %+v", second)
	}
	if n := len(rcv.matching(is("rpo_ok", ""))); n != 0 {
		t.Fatalf("rpo_ok without a recovery: %d", n)
	}
}

func TestWatchScheduleRunsBackup(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "schedule:\n  backup: \"@every 1s\"\n")
	f.init()
	w := startWatch(t, f, monitor.WatchOptions{Interval: time.Minute})
	waitFor(t, 45*time.Second, "a scheduled backup in the journal", func() bool {
		for _, j := range f.journal() {
			if j.Action == "backup" && j.Outcome == "ok" && j.Operator == "alice@bastion" {
				return true
			}
		}
		return false
	})
	w.stop(t)
	// Everything scheduled ended with a trace: nothing left running.
	ops, err := f.store.RunningOperations(context.Background())
	if err != nil || len(ops) != 0 {
		t.Fatalf("operations still running after stop: %+v %v", ops, err)
	}
}

func TestWatchFailingTargetsRetriedAndJournaled(t *testing.T) {
	t.Parallel()
	bad := newReceiver(t, http.StatusInternalServerError)
	good := newReceiver(t, http.StatusOK)
	dir := t.TempDir()
	attempts := filepath.Join(dir, "attempts")
	// Neither repository exists: both sites are down from the start.
	f := newFixture(t, fmt.Sprintf(`alerts:
  - webhook: %s/secret-token-123/hook
    on: [site_down]
  - command: cat >/dev/null; echo "$LIFEBOAT_SITE" >> %s; echo boom; exit 1
    on: [site_down]
  - webhook: %s
    on: [site_down, rpo_breach, drill_overdue]
`, bad.URL, attempts, good.URL))
	w := startWatch(t, f, monitor.WatchOptions{Interval: time.Second, Renotify: 2 * time.Second,
		Retry: monitor.RetryPolicy{Attempts: 3, Backoff: 20 * time.Millisecond}})

	failed := func() []storage.JournalEntry {
		var out []storage.JournalEntry
		for _, j := range f.journal() {
			if j.Action == "alert" && j.Outcome == "failed" {
				out = append(out, j)
			}
		}
		return out
	}
	waitFor(t, 45*time.Second, "both failing targets journaled for both sites", func() bool { return len(failed()) >= 4 })
	waitFor(t, 10*time.Second, "site_down at the good target", func() bool { return len(good.matching(is("site_down", ""))) >= 2 })
	// Each event was tried three times at each failing target.
	if n := len(bad.matching(is("site_down", "dr"))); n != 3 {
		t.Errorf("bad webhook got %d attempts for dr, want 3", n)
	}
	b, _ := os.ReadFile(attempts)
	if n := strings.Count(string(b), "primary\n"); n != 3 {
		t.Errorf("failing command ran %d times for primary, want 3 (%q)", n, b)
	}
	var sawWebhook, sawCommand bool
	for _, j := range failed() {
		if strings.Contains(j.Detail, "secret-token-123") || strings.Contains(j.Args, "secret-token-123") {
			t.Fatalf("journal shows the webhook's secret path: %+v", j)
		}
		sawWebhook = sawWebhook || strings.Contains(j.Detail, "webhook "+bad.URL+" failed") && strings.Contains(j.Detail, "HTTP 500")
		sawCommand = sawCommand || strings.Contains(j.Detail, "command cat") && strings.Contains(j.Detail, "boom")
		if !strings.Contains(j.Detail, "3 attempt(s)") {
			t.Errorf("journal detail lacks the attempts: %q", j.Detail)
		}
	}
	if !sawWebhook || !sawCommand {
		t.Fatalf("journal lacks a failed webhook (%v) or command (%v): %+v", sawWebhook, sawCommand, failed())
	}
	// A standby that never passed a drill is overdue; the active site is not drilled.
	if n, m := len(good.matching(is("drill_overdue", "dr"))), len(good.matching(is("drill_overdue", "primary"))); n != 1 || m != 0 {
		t.Errorf("drill_overdue: %d for dr, %d for primary; want 1 and 0", n, m)
	}
	// The watcher goes on: the good target keeps getting re-notifications.
	n := len(good.matching(is("rpo_breach", "")))
	waitFor(t, 30*time.Second, "more alerts after the failures", func() bool { return len(good.matching(is("rpo_breach", ""))) > n })
	select {
	case err := <-w.done:
		t.Fatalf("watch ended: %v", err)
	default:
	}
}

func TestWatchRejectsBadSchedule(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "schedule:\n  check: \"every tuesday\"\n")
	err := monitor.Watch(context.Background(), f.eng, monitor.WatchOptions{Interval: time.Second})
	if err == nil || !strings.Contains(err.Error(), "schedule.check") || !strings.Contains(err.Error(), "lifeboat.yaml") {
		t.Fatalf("bad schedule: %v", err)
	}
}

// Jobs that fire at the same tick take turns: a check's exclusive lock
// never meets a backup or a copy (the soak saw "repository is already
// locked" before they did).
func TestWatchJobsTakeTurns(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "schedule:\n  backup: \"@every 1s\"\n  replicate: \"@every 1s\"\n  check: \"@every 1s\"\n")
	f.protect()
	// The job running at the stop may need more than the default 5 s grace
	// on a loaded machine; this test is about turns, so it gives that job
	// room and asserts instead that no queued job starts once stopping.
	w := startWatch(t, f, monitor.WatchOptions{Interval: time.Minute, Grace: 20 * time.Second})
	count := func(action string) int {
		n := 0
		for _, j := range f.journal() {
			if j.Action == action && j.Outcome == "ok" {
				n++
			}
		}
		return n
	}
	waitFor(t, 90*time.Second, "two scheduled checks of both sites and backups meanwhile", func() bool {
		return count("check") >= 4 && count("backup") >= 6
	})
	w.stop(t)
	for _, j := range f.journal() {
		if j.Outcome != "ok" && (j.Action == "check" || j.Action == "backup" || j.Action == "replicate") {
			t.Errorf("%s at %s %s: %s", j.Action, j.Site, j.Outcome, j.Detail)
		}
	}
	w.logMu.Lock()
	defer w.logMu.Unlock()
	stopping := false
	for _, l := range w.log {
		stopping = stopping || strings.Contains(l, "stopping: no new jobs")
		if stopping && strings.HasSuffix(l, ": started") {
			t.Errorf("a queued job started after the watcher was told to stop: %q", l)
		}
	}
}

// Damage found by a check and a failed drill are alerted by watch, to a
// webhook and to a command alike, once each.
func TestWatchAlertsCheckAndDrillFailures(t *testing.T) {
	t.Parallel()
	rcv := newReceiver(t, http.StatusOK)
	got := filepath.Join(t.TempDir(), "command-events")
	f := newFixture(t, fmt.Sprintf(`drills: {verify: ['echo "smoke test of $LIFEBOAT_SET broke"; exit 3'], scratch: %s}
alerts:
  - webhook: %s
    on: [check_failed, drill_failed]
  - command: cat >> %s; echo >> %s
    on: [check_failed, drill_failed]
`, t.TempDir(), rcv.URL, got, got))
	f.init()
	ctx := context.Background()
	f.replicated("datasets")
	if rep, err := f.eng.Drill(ctx, engine.DrillRequest{Sets: []string{"datasets"}}, nil); err == nil || rep == nil || rep.Passed {
		t.Fatalf("drill with a failing hook passed: %v", err)
	}
	testenv.DamagePacks(t, filepath.Join(f.Dir, "primary"))
	res, err := f.eng.Check(ctx, engine.CheckRequest{Sites: []string{"primary"}, ReadData: true}, nil)
	if err == nil || len(res) != 1 || res[0].OK || res[0].Error != "" {
		t.Fatalf("check of damaged packs: %+v %v", res, err)
	}

	w := startWatch(t, f, monitor.WatchOptions{Interval: time.Second})
	waitFor(t, 45*time.Second, "check_failed and drill_failed at the webhook", func() bool {
		return len(rcv.matching(is("check_failed", "primary"))) > 0 && len(rcv.matching(is("drill_failed", "dr"))) > 0
	})
	waitFor(t, 15*time.Second, "both events at the command", func() bool {
		b, _ := os.ReadFile(got)
		return strings.Contains(string(b), `"event":"check_failed"`) && strings.Contains(string(b), `"event":"drill_failed"`)
	})
	for _, ev := range append(rcv.matching(is("check_failed", "")), rcv.matching(is("drill_failed", ""))...) {
		if ev.Severity != "critical" {
			t.Errorf("%s: severity %q, want critical", ev.Event, ev.Severity)
		}
	}
	// Transitions only: a few more rounds add nothing.
	round := w.round.Load()
	waitFor(t, 30*time.Second, "three more rounds", func() bool { return w.round.Load() >= round+3 })
	if n, m := len(rcv.matching(is("check_failed", ""))), len(rcv.matching(is("drill_failed", ""))); n != 1 || m != 1 {
		t.Errorf("got %d check_failed and %d drill_failed, want one each", n, m)
	}
}
