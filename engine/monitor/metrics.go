package monitor

import (
	"context"
	"fmt"
	"math"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/lifeboat-dr/lifeboat/engine"
)

// watchMetrics are the Prometheus series of `lifeboat watch`, in a registry
// of their own (no Go runtime noise).
type watchMetrics struct {
	reg         *prometheus.Registry
	siteUp      *prometheus.GaugeVec
	siteState   *prometheus.GaugeVec
	latency     *prometheus.GaugeVec
	locks       *prometheus.GaugeVec
	probeUp     *prometheus.GaugeVec
	age         *prometheus.GaugeVec
	breachIn    *prometheus.GaugeVec
	missing     *prometheus.GaugeVec
	lastDrill   *prometheus.GaugeVec
	lastCheckOK *prometheus.GaugeVec
	opDuration  *prometheus.HistogramVec
	lastRound   prometheus.Gauge

	mu   sync.Mutex
	seen map[*prometheus.GaugeVec]map[string][]string // labels set in the last round
}

func newWatchMetrics() *watchMetrics {
	g := func(name, help string, labels ...string) *prometheus.GaugeVec {
		return prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, labels)
	}
	m := &watchMetrics{
		reg:         prometheus.NewRegistry(),
		siteUp:      g("lifeboat_site_up", "1 when the site's repository answered the last probe, else 0.", "site"),
		siteState:   g("lifeboat_site_state", "Confirmed state of the site: 0 OK, 1 DEGRADED, 2 DOWN, -1 not yet known.", "site"),
		latency:     g("lifeboat_site_latency_seconds", "Time the repository took to answer the last probe.", "site"),
		locks:       g("lifeboat_site_locks", "Locks in the site's repository at the last probe.", "site"),
		probeUp:     g("lifeboat_service_probe_up", "1 when the configured service probe succeeded, else 0.", "site", "kind", "target"),
		age:         g("lifeboat_snapshot_age_seconds", "Age of the newest snapshot of a set at a site (absent when there is none).", "site", "set"),
		breachIn:    g("lifeboat_rpo_breach_in_seconds", "Seconds until the set's RPO is breached at the site; 0 once breached.", "site", "set"),
		missing:     g("lifeboat_replication_missing_snapshots", "Snapshots of a set at the active site not yet at a standby.", "from", "to", "set"),
		lastDrill:   g("lifeboat_last_drill_success_timestamp_seconds", "Unix time of the last passing drill of the site; 0 when there is none.", "site"),
		lastCheckOK: g("lifeboat_last_check_ok", "1 when the last restic check of the site passed, 0 when it failed, absent when never checked.", "site"),
		opDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "lifeboat_operation_duration_seconds",
			Help:    "Duration of scheduled operations.",
			Buckets: []float64{1, 5, 15, 60, 300, 900, 1800, 3600, 7200, 14400},
		}, []string{"operation"}),
		lastRound: prometheus.NewGauge(prometheus.GaugeOpts{Name: "lifeboat_watch_last_round_timestamp_seconds",
			Help: "Unix time of the last completed round of probes."}),
		seen: map[*prometheus.GaugeVec]map[string][]string{},
	}
	m.reg.MustRegister(m.siteUp, m.siteState, m.latency, m.locks, m.probeUp, m.age, m.breachIn, m.missing,
		m.lastDrill, m.lastCheckOK, m.opDuration, m.lastRound,
		// The daemon's own health (memory, open files, goroutines), so the
		// scrape that watches the sites also watches the watcher.
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// serve listens on addr and serves /metrics until the returned stop.
// onListen, if set, is told the address it listens on (useful with port 0).
func (m *watchMetrics) serve(addr string, logf func(string, ...any), onListen func(addr string)) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics endpoint: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg}))
	mux.HandleFunc("/", func(rw http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(rw, r)
			return
		}
		fmt.Fprintln(rw, "lifeboat watch: metrics at /metrics")
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	logf("metrics on http://%s/metrics", ln.Addr())
	if onListen != nil {
		onListen(ln.Addr().String())
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = srv.Shutdown(ctx)
		cancel()
		<-done
	}, nil
}

func stateValue(s engine.SiteState) float64 {
	switch s {
	case engine.StateOK:
		return 0
	case engine.StateDegraded:
		return 1
	case engine.StateDown:
		return 2
	}
	return -1
}

func (m *watchMetrics) setSite(s engine.SiteStatus, state engine.SiteState, probes []engine.ProbeResult) {
	up := 0.0
	if s.Reachable {
		up = 1
	}
	m.siteUp.WithLabelValues(s.Name).Set(up)
	m.siteState.WithLabelValues(s.Name).Set(stateValue(state))
	if s.Reachable {
		m.latency.WithLabelValues(s.Name).Set(s.LatencyMS / 1000)
		locks := math.NaN() // unknown while the site is down, not 0
		if n, ok := s.LockCount(); ok {
			locks = float64(n)
		}
		m.locks.WithLabelValues(s.Name).Set(locks)
	}
	if s.LastCheck != nil {
		ok := 0.0
		if s.LastCheck.OK {
			ok = 1
		}
		m.lastCheckOK.WithLabelValues(s.Name).Set(ok)
	}
	for _, p := range probes {
		v := 0.0
		if p.OK {
			v = 1
		}
		m.probeUp.WithLabelValues(s.Name, p.Kind, p.Target).Set(v)
	}
}

// setSets exports ages and replication; series whose labels no longer
// apply (a set gone, a failover that changed the active site) are removed.
func (m *watchMetrics) setSets(st *engine.Status, outlooks []engine.RPOOutlook) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ages, breach, missing := map[string][]string{}, map[string][]string{}, map[string][]string{}
	for _, o := range outlooks {
		k := o.Site + "\x00" + o.Set
		breach[k] = []string{o.Site, o.Set}
		m.breachIn.WithLabelValues(o.Site, o.Set).Set(o.BreachIn.Seconds())
		if o.HasSnapshot {
			ages[k] = []string{o.Site, o.Set}
			m.age.WithLabelValues(o.Site, o.Set).Set(o.Age.Seconds())
		}
	}
	for _, r := range st.Replication {
		k := r.From + "\x00" + r.To + "\x00" + r.Set
		missing[k] = []string{r.From, r.To, r.Set}
		m.missing.WithLabelValues(r.From, r.To, r.Set).Set(float64(r.MissingSnapshots))
	}
	m.sweep(m.age, ages)
	m.sweep(m.breachIn, breach)
	m.sweep(m.missing, missing)
	m.lastRound.Set(float64(time.Now().Unix()))
}

func (m *watchMetrics) sweep(v *prometheus.GaugeVec, now map[string][]string) {
	for k, labels := range m.seen[v] {
		if _, ok := now[k]; !ok {
			v.DeleteLabelValues(labels...)
		}
	}
	m.seen[v] = now
}

func unixOrZero(t time.Time) float64 {
	if t.IsZero() {
		return 0
	}
	return float64(t.Unix())
}
