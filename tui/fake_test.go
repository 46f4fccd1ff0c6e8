package tui

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/lifeboat-dr/lifeboat/engine"
	"github.com/lifeboat-dr/lifeboat/engine/config"
	"github.com/lifeboat-dr/lifeboat/engine/restic"
	"github.com/lifeboat-dr/lifeboat/internal/dr"
)

// fakeNow is the fixed clock of screen tests and goldens.
var fakeNow = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// fakeBackend is a deterministic engine for Update/View tests: two sites,
// three sets, datasets lagging at dr. Calls are recorded.
type fakeBackend struct {
	mu      sync.Mutex
	cfg     *config.Config
	calls   []string
	journal []engine.JournalEntry
	// block, when set, makes operations wait for it (cancel tests).
	block chan struct{}
	// nodes is what List streams.
	nodes []engine.Node
	// drills are the stored drill records, newest first.
	drills []storedReport
	// active is the active site ("" primary); a committed failover moves it.
	active string
	// conflict is the ledger's conflict of active sites status reports.
	conflict *engine.Conflict
	// activeDown makes the preflight find the active site unreachable.
	activeDown bool
	// unfinished is the failover UnfinishedFailover reports.
	unfinished *engine.FailoverStatus
	// failovers are the stored failover records, newest first.
	failovers []storedReport
	// posture is what PostureFromStatus answers.
	posture []engine.PostureSet
	// capacity is what Capacity reports; MeasureCapacity adds a day's growth
	// at primary and fails at the sites in measureFails.
	capacity     []engine.Capacity
	measureFails map[string]bool
	// invs are restic commands a test adds to the command log, newest first.
	invs []engine.Invocation
	// catalogGate, when set, holds LoadCatalog until it is closed (a
	// stored catalog that takes long to read).
	catalogGate chan struct{}
}

const fakeYAML = `objectives: {rpo: 12h, rto: 30m}
sites:
  - {name: primary, repository: /srv/restic/primary, password_file: /etc/lb/p.pass, role: active}
  - {name: dr, repository: "rest:http://dr:8000/lb", password_file: /etc/lb/dr.pass, role: standby, probes: [{http: "https://api.dr.example/healthz"}]}
sets:
  - {name: models, paths: [/data/models], rpo: 24h, retention: {keep_last: 10}}
  - {name: datasets, paths: [/data/datasets], retention: {keep_daily: 7}}
  - {name: serving, paths: [/data/serving]}
`

func newFakeBackend() *fakeBackend {
	cfg, err := config.Parse([]byte(fakeYAML), "/etc/lifeboat/lifeboat.yaml")
	if err != nil {
		panic(err)
	}
	f := &fakeBackend{cfg: cfg}
	// One location declared nowhere, no append-only site: the demo's posture.
	for _, set := range []string{"models", "datasets", "serving"} {
		ps := engine.PostureSet{Set: set, Copies: 3, Media: 2, Missing: []string{"offsite: no copy at a site in another location",
			"immutable: no copy at a site verified immutable (dr accepted the canary's delete)"}}
		if set == "datasets" {
			ps.Copies, ps.Errors = 2, 1
			ps.Missing = append([]string{"copies: 2 of 3 (production + primary)"}, append(ps.Missing, "errors: 1 failed or missing verification(s)")...)
		}
		f.posture = append(f.posture, ps)
	}
	for i := 0; i < 30; i++ {
		f.nodes = append(f.nodes, engine.Node{Name: fmt.Sprintf("shard-%02d.bin", i), Type: "file",
			Path: fmt.Sprintf("/data/models/ckpt-2/shard-%02d.bin", i), Size: uint64(1 << 20 * (i + 1))})
	}
	f.nodes = append([]engine.Node{
		{Name: "ckpt-1", Type: "dir", Path: "/data/models/ckpt-1"},
		{Name: "a.bin", Type: "file", Path: "/data/models/ckpt-1/a.bin", Size: 4096},
		{Name: "ckpt-2", Type: "dir", Path: "/data/models/ckpt-2"},
		{Name: "config.json", Type: "file", Path: "/data/models/config.json", Size: 120},
	}, f.nodes...)
	f.journal = []engine.JournalEntry{
		{ID: 2, Time: fakeNow.Add(-time.Hour), Operator: "alice@bastion", Origin: "10.0.0.9", Action: "backup", Site: "primary", Set: "models", Outcome: "ok", Detail: "snapshot 1a2b3c4d: 34 files"},
		{ID: 1, Time: fakeNow.Add(-2 * time.Hour), Operator: "bob@bastion", Action: "replicate", Site: "dr", Set: "datasets", Outcome: "failed", Detail: "standby not reachable"},
	}
	// primary was measured over four days; dr never.
	measured := fakeNow.Add(-3 * time.Hour)
	f.capacity = []engine.Capacity{{Site: "primary",
		StoredBytes: ptr(int64(40 << 30)), RawBytes: ptr(int64(64 << 30)), RestoreBytes: ptr(int64(192 << 30)),
		CompressionRatio: ptr(1.6), DedupRatio: ptr(3.0), Snapshots: ptr(int64(42)),
		GrowthBytesPerDay: ptr(float64(1 << 30)), FreeBytes: ptr(int64(100 << 30)), DaysToFull: ptr(100.0),
		MonthlyCost: ptr(0.8), MeasuredAt: &measured,
		History: []engine.CapacityPoint{{Time: measured.Add(-72 * time.Hour), StoredBytes: 37 << 30},
			{Time: measured.Add(-48 * time.Hour), StoredBytes: 38 << 30}, {Time: measured.Add(-24 * time.Hour), StoredBytes: 39 << 30},
			{Time: measured, StoredBytes: 40 << 30}}},
		{Site: "dr"}}
	return f
}

func ptr[T any](v T) *T { return &v }

func (f *fakeBackend) Capacity(ctx context.Context) ([]engine.Capacity, error) {
	f.record("capacity")
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]engine.Capacity(nil), f.capacity...), nil
}

func (f *fakeBackend) MeasureCapacity(ctx context.Context, sites ...string) error {
	f.record("measure capacity")
	if f.block != nil {
		select {
		case <-f.block:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	now := fakeNow
	for i := range f.capacity {
		c := &f.capacity[i]
		if f.measureFails[c.Site] {
			c.LastError, c.LastErrorAt = "site "+c.Site+" is unreachable", now
			continue
		}
		stored := int64(41 << 30)
		if c.StoredBytes != nil {
			stored = *c.StoredBytes + 1<<30
		}
		c.StoredBytes, c.MeasuredAt = &stored, &now
		c.History = append(c.History, engine.CapacityPoint{Time: now, StoredBytes: stored})
	}
	if len(f.measureFails) > 0 {
		return fmt.Errorf("capacity of a site failed")
	}
	return nil
}

func (f *fakeBackend) record(call string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, call)
}

func (f *fakeBackend) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func (f *fakeBackend) ConfigView() *engine.ConfigView { return engine.NewConfigView(f.cfg) }

func snap(id, site, set string, age time.Duration, original string) engine.Snapshot {
	return engine.Snapshot{Site: site, ID: id + strings.Repeat("0", 64-len(id)),
		ShortID: id[:8], Time: fakeNow.Add(-age), Host: "trainer-01", Paths: []string{"/data/" + set},
		Tags: []string{set}, Original: original, TotalFiles: 34, TotalBytes: 5 << 30}
}

// ProvenSnapshots: the newest models snapshot at dr passed a drill an hour ago.
func (f *fakeBackend) ProvenSnapshots(ctx context.Context) (map[string]engine.Proof, error) {
	id := snap("eeee1111", "dr", "models", 0, "").ID
	return map[string]engine.Proof{id: {Kind: "drill", RunID: "d-1", Site: "dr", At: fakeNow.Add(-time.Hour)}}, nil
}

func (f *fakeBackend) LoadCatalog(ctx context.Context) (engine.Catalog, error) {
	if f.catalogGate != nil {
		<-f.catalogGate
	}
	m1 := snap("aaaa1111", "primary", "models", 2*time.Hour, "")
	m0 := snap("aaaa0000", "primary", "models", 14*time.Hour, "")
	d1 := snap("bbbb1111", "primary", "datasets", time.Hour, "")
	d0 := snap("bbbb0000", "primary", "datasets", 30*time.Hour, "")
	s1 := snap("cccc1111", "primary", "serving", 30*time.Minute, "")
	return engine.Catalog{
		"primary": {d0, m0, m1, d1, s1},
		"dr": {
			snap("dddd0000", "dr", "datasets", 30*time.Hour, d0.ID),
			snap("eeee0000", "dr", "models", 14*time.Hour, m0.ID),
			snap("eeee1111", "dr", "models", 2*time.Hour, m1.ID),
			snap("ffff1111", "dr", "serving", 30*time.Minute, s1.ID),
		},
	}, nil
}

func (f *fakeBackend) RefreshCatalog(ctx context.Context, sites ...string) []engine.SiteProbe {
	f.record("refresh")
	return nil
}

func secs(v int) *time.Duration { d := time.Duration(v) * time.Second; return &d }
func tp(t time.Time) *time.Time { return &t }

func (f *fakeBackend) Status(ctx context.Context, probe bool) (*engine.Status, error) {
	f.record(fmt.Sprintf("status probe=%v", probe))
	f.mu.Lock()
	active, conflict := f.active, f.conflict
	f.mu.Unlock()
	if active == "" {
		active = "primary"
	}
	return &engine.Status{
		Overall: "critical", ActiveSite: active, ActiveFrom: "config", Time: fakeNow, Level: engine.LevelCritical, Conflict: conflict,
		Sites: []engine.SiteStatus{
			{Name: "primary", Role: "active", Reachable: true, LatencyMS: 12.5, Locks: intp(0), Probed: fakeNow,
				LastCheck: &engine.CheckInfo{Time: fakeNow.Add(-20 * time.Hour), OK: true}},
			{Name: "dr", Role: "standby", Reachable: true, LatencyMS: 48.1, Locks: intp(1), Probed: fakeNow},
		},
		Sets: []engine.SetStatus{
			{Name: "models", RPOObjective: 86400 * time.Second, Sites: []engine.SetSiteStatus{
				{Site: "primary", NewestSnapshot: "aaaa1111", NewestTime: tp(fakeNow.Add(-2 * time.Hour)), Age: secs(7200), RPOOK: true, Grade: "compliant", BreachIn: 79200 * time.Second, Snapshots: 2},
				{Site: "dr", NewestSnapshot: "eeee1111", NewestTime: tp(fakeNow.Add(-2 * time.Hour)), Age: secs(7200), RPOOK: true, Grade: "compliant", BreachIn: 79200 * time.Second, Snapshots: 2}}},
			{Name: "datasets", RPOObjective: 43200 * time.Second, Sites: []engine.SetSiteStatus{
				{Site: "primary", NewestSnapshot: "bbbb1111", NewestTime: tp(fakeNow.Add(-time.Hour)), Age: secs(3600), RPOOK: true, Grade: "compliant", BreachIn: 39600 * time.Second, Snapshots: 2},
				{Site: "dr", NewestSnapshot: "dddd0000", NewestTime: tp(fakeNow.Add(-30 * time.Hour)), Age: secs(108000), RPOOK: false, Grade: "severe", Snapshots: 1}}},
			{Name: "serving", RPOObjective: 43200 * time.Second, Sites: []engine.SetSiteStatus{
				{Site: "primary", NewestSnapshot: "cccc1111", NewestTime: tp(fakeNow.Add(-30 * time.Minute)), Age: secs(1800), RPOOK: true, Grade: "compliant", BreachIn: 41400 * time.Second, Snapshots: 1},
				{Site: "dr", NewestSnapshot: "ffff1111", NewestTime: tp(fakeNow.Add(-30 * time.Minute)), Age: secs(1800), RPOOK: true, Grade: "compliant", BreachIn: 41400 * time.Second, Snapshots: 1}}},
		},
		Replication: []engine.ReplicationStatus{
			{From: "primary", To: "dr", Set: "models"},
			{From: "primary", To: "dr", Set: "datasets", MissingSnapshots: 1, Lag: 104400 * time.Second},
			{From: "primary", To: "dr", Set: "serving"},
		},
		Problems: []engine.Problem{{Level: "critical", Site: "dr", Set: "datasets", Message: "set datasets at site dr is 1d old, over its RPO of 12h"}},
	}, nil
}

func (f *fakeBackend) ListNodes(ctx context.Context, site, id string, fn func(engine.Node)) error {
	f.record("ls " + site + " " + id[:8])
	for _, n := range f.nodes {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		fn(n)
	}
	return nil
}

// run simulates an operation: progress, then the end (or a cancellation).
func (f *fakeBackend) run(ctx context.Context, op, site, set string, obs engine.Observer) error {
	obs(engine.Event{Op: op, Site: site, Set: set, Kind: engine.EventStarted})
	obs(engine.Event{Op: op, Site: site, Set: set, Kind: engine.EventProgress, Progress: engine.Progress{
		Files: 5, TotalFiles: 10, Bytes: 50 << 20, TotalBytes: 100 << 20, Percent: 0.5, ETA: 30 * time.Second}})
	if f.block != nil {
		select {
		case <-f.block:
		case <-ctx.Done():
			obs(engine.Event{Op: op, Site: site, Set: set, Kind: engine.EventFinished, Outcome: engine.OutcomeCancelled, Message: "cancelled"})
			return &restic.Error{Site: site, Op: op, Kind: engine.ErrCancelled}
		}
	}
	obs(engine.Event{Op: op, Site: site, Set: set, Kind: engine.EventFinished, Outcome: engine.OutcomeOK, Message: "done"})
	return nil
}

func (f *fakeBackend) Backup(ctx context.Context, req engine.BackupRequest, obs engine.Observer) ([]engine.BackupResult, error) {
	f.record(fmt.Sprintf("backup %v", req.Sets))
	err := f.run(ctx, "backup", "primary", first(req.Sets), obs)
	return []engine.BackupResult{{Set: first(req.Sets), Site: "primary", Outcome: engineOutcome(err), SnapshotID: "9999aaaa"}}, err
}

func (f *fakeBackend) Replicate(ctx context.Context, req engine.ReplicateRequest, obs engine.Observer) ([]engine.ReplicateResult, error) {
	f.record(fmt.Sprintf("replicate %v %v", req.To, req.Sets))
	err := f.run(ctx, "replicate", "dr", first(req.Sets), obs)
	return []engine.ReplicateResult{{From: "primary", To: "dr", Set: first(req.Sets), Outcome: engineOutcome(err), Copied: 1}}, err
}

func (f *fakeBackend) Check(ctx context.Context, req engine.CheckRequest, obs engine.Observer) ([]engine.CheckResult, error) {
	f.record(fmt.Sprintf("check %v", req.Sites))
	err := f.run(ctx, "check", first(req.Sites), "", obs)
	return []engine.CheckResult{{Site: first(req.Sites), OK: err == nil, Outcome: engineOutcome(err)}}, err
}

func (f *fakeBackend) Forget(ctx context.Context, req engine.ForgetRequest, obs engine.Observer) ([]engine.ForgetResult, error) {
	f.record(fmt.Sprintf("forget %v %v dry=%v", req.Sites, req.Sets, req.DryRun))
	err := f.run(ctx, "forget", first(req.Sites), first(req.Sets), obs)
	return []engine.ForgetResult{{Site: "primary", Set: first(req.Sets), DryRun: req.DryRun, Outcome: engineOutcome(err),
		Groups: []engine.ForgetGroup{{Host: "trainer-01", Tags: req.Sets, Keep: []string{"aaaa1111"}, Remove: []string{"aaaa0000"}}}}}, err
}

func (f *fakeBackend) Restore(ctx context.Context, req engine.RestoreRequest, obs engine.Observer) (*engine.RestoreResult, error) {
	f.record(fmt.Sprintf("restore %s %s %s %s %v", req.Site, req.Set, req.Snapshot[:min(8, len(req.Snapshot))], req.Target, req.Include))
	err := f.run(ctx, "restore", req.Site, req.Set, obs)
	return &engine.RestoreResult{Site: req.Site, Set: req.Set, Snapshot: req.Snapshot, Target: req.Target,
		Outcome: engineOutcome(err), Files: 10, Bytes: 100 << 20, Verified: err == nil}, err
}

func (f *fakeBackend) Unlock(ctx context.Context, site string, all bool) error {
	f.record(fmt.Sprintf("unlock %s all=%v", site, all))
	return nil
}

func (f *fakeBackend) ProbeServices(ctx context.Context, site string) []engine.ProbeResult {
	return []engine.ProbeResult{{Site: site, Kind: "http", Target: "https://api." + site + ".example/healthz", OK: site == "primary", Detail: "HTTP 200"}}
}

func (f *fakeBackend) Locks(ctx context.Context, site string) ([]engine.LockInfo, error) {
	return []engine.LockInfo{{ID: "abcd", Time: fakeNow.Add(-3 * time.Hour), Host: "old-bastion", User: "restic", PID: 4242, Exclusive: true, Stale: true}}, nil
}

func (f *fakeBackend) Drill(ctx context.Context, req engine.DrillRequest, obs engine.Observer) (*engine.DrillReport, error) {
	f.record("drill " + req.Site)
	err := f.run(ctx, "drill", req.Site, "", obs)
	rep := &engine.DrillReport{ID: "d1", Site: req.Site, Passed: err == nil, Started: fakeNow, Finished: fakeNow.Add(time.Minute),
		RTO: 42 * time.Second, RTOObjective: 1800 * time.Second}
	if err == nil {
		b, _ := json.Marshal(rep)
		f.mu.Lock()
		f.drills = append([]storedReport{{ID: rep.ID, Site: rep.Site, Passed: true, ReportJSON: string(b)}}, f.drills...)
		f.mu.Unlock()
	}
	return rep, err
}

func (f *fakeBackend) RecentDrills(ctx context.Context, limit int) ([]engine.DrillReport, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return decodeStored[engine.DrillReport](f.drills), nil
}

// storedReport is a drill or failover report as the store keeps it: the
// JSON its hash covers and, when rendered, its Markdown.
type storedReport struct {
	ID, Site, Kind       string
	Passed               bool
	ReportJSON, ReportMD string
}

// decodeStored decodes report records as the engine does for the console.
func decodeStored[R any](recs []storedReport) []R {
	var out []R
	for _, r := range recs {
		var rep R
		if json.Unmarshal([]byte(r.ReportJSON), &rep) == nil {
			out = append(out, rep)
		}
	}
	return out
}

func (f *fakeBackend) Journal(ctx context.Context, q engine.JournalQuery) ([]engine.JournalEntry, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]engine.JournalEntry(nil), f.journal...), nil
}

func (f *fakeBackend) RecentOperations(ctx context.Context, limit int) ([]engine.OperationRecord, error) {
	return []engine.OperationRecord{{ID: 7, Kind: "backup", Site: "primary", Set: "models", Started: fakeNow.Add(-time.Hour),
		Finished: fakeNow.Add(-time.Hour + 40*time.Second), State: "ok", Files: 34, Bytes: 5 << 30, Detail: "snapshot 1a2b3c4d"}}, nil
}

func (f *fakeBackend) RecentInvocations(ctx context.Context, limit int) ([]engine.Invocation, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append(append([]engine.Invocation(nil), f.invs...), engine.Invocation{ID: 3, Time: fakeNow.Add(-time.Hour), Site: "primary",
		Args: []string{"restic", "backup", "--json", "--tag", "models", "/data/models"}, Duration: 40 * time.Second, ExitCode: 0}), nil
}

func (f *fakeBackend) Samples(ctx context.Context, site string, limit int) ([]engine.SiteSample, error) {
	f.record("samples " + site)
	var out []engine.SiteSample
	for i := 0; i < 20; i++ {
		out = append(out, engine.SiteSample{Site: site, Time: fakeNow.Add(-time.Duration(20-i) * time.Minute),
			Reachable: true, Latency: time.Duration(10+i%5*3) * time.Millisecond})
	}
	return out, nil
}

func (f *fakeBackend) PublishLedger(context.Context) []engine.LedgerSiteResult {
	f.record("publish ledger")
	return nil
}

func (f *fakeBackend) JournalAction(ctx context.Context, action, site, set, args string, outcome engine.Outcome, detail string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.journal = append([]engine.JournalEntry{{ID: int64(len(f.journal) + 1), Time: fakeNow, Operator: "test@host",
		Action: action, Site: site, Set: set, Args: args, Outcome: string(outcome), Detail: detail}}, f.journal...)
	return nil
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// newTestContext is a context over the fake with a fixed clock and no colour.
func newTestContext(f *fakeBackend, readOnly bool) *Context {
	return &Context{Backend: f, Theme: NewTheme(true), ReadOnly: readOnly, Ops: NewOps(),
		Now: func() time.Time { return fakeNow }, RefreshEvery: time.Hour, Width: 120, Height: 37}
}

// ---- failover ----

func (f *fakeBackend) PlanFailover(ctx context.Context, to string, mode engine.FailoverMode) (*engine.FailoverPlan, error) {
	f.record(fmt.Sprintf("plan %s %s", to, mode))
	f.mu.Lock()
	down := f.activeDown
	f.mu.Unlock()
	p := &engine.FailoverPlan{From: "primary", To: to, Mode: mode, FromReachable: !down, Target: "/srv/failover",
		FreeBytes: 100 << 30, NeedBytes: 15 << 30,
		Checks: []engine.PreflightCheck{{Name: "target reachable", OK: true, Detail: "site " + to + " answered in 48ms, password accepted"}}}
	if down {
		p.FromError = "dial tcp: connection refused"
	}
	if mode == engine.FailoverPlanned {
		if down {
			p.Checks = append(p.Checks, engine.PreflightCheck{Name: "active site reachable", OK: false,
				Detail: "a planned failover needs the active site primary for a last backup, and it cannot be reached (dial tcp: connection refused)"})
			p.Refusal = p.Checks[len(p.Checks)-1].Detail
		} else {
			p.Checks = append(p.Checks, engine.PreflightCheck{Name: "active site reachable", OK: true, Detail: "site primary is up: a last backup and replication run first"})
		}
	}
	p.Checks = append(p.Checks,
		engine.PreflightCheck{Name: "every set at the target", OK: true, Detail: "3 set(s) have a recovery point"},
		engine.PreflightCheck{Name: "space at the failover target", OK: true, Detail: "/srv/failover has 100 GiB free, the restore needs 15 GiB"})
	missing := func(n int) int {
		if down {
			return -1
		}
		return n
	}
	p.Sets = []engine.FailoverSetPlan{
		{Name: "models", Snapshot: "eeee1111", SnapshotTime: fakeNow.Add(-2 * time.Hour), DataLoss: 7200 * time.Second, MissingSnapshots: missing(0), Bytes: 5 << 30, Target: "/srv/failover/models", TargetEntries: 12},
		{Name: "datasets", Snapshot: "dddd0000", SnapshotTime: fakeNow.Add(-30 * time.Hour), DataLoss: 108000 * time.Second, MissingSnapshots: missing(1), Bytes: 5 << 30, Target: "/srv/failover/datasets"},
		{Name: "serving", Snapshot: "ffff1111", SnapshotTime: fakeNow.Add(-30 * time.Minute), DataLoss: 1800 * time.Second, MissingSnapshots: missing(0), Bytes: 5 << 30, Target: "/srv/failover/serving"},
	}
	return p, nil
}

// fakeSteps is a failover runbook for the fake, every step pending.
func fakeSteps(from, to string, mode engine.FailoverMode) []dr.RunbookStep {
	names := []string{"preflight"}
	if mode == engine.FailoverPlanned {
		names = append(names, "final backup at "+from, "replicate to "+to)
	}
	names = append(names, "recovery point", "confirm", "pre hooks", "restore models", "verify models", "switch hooks", "commit")
	out := make([]dr.RunbookStep, len(names))
	for i, n := range names {
		out[i] = dr.RunbookStep{RunID: "f1", Index: i, Name: n, Status: dr.StepPending}
	}
	return out
}

// runSteps runs the fake runbook from its first step not done; it stops in
// "restore models" while f.block is set, until it closes or ctx ends.
func (f *fakeBackend) runSteps(ctx context.Context, run dr.FailoverRun, steps []dr.RunbookStep, obs engine.Observer) (*engine.FailoverReport, error) {
	base := fakeNow.Add(-time.Minute)
	emit := func() {
		obs(engine.Event{Op: "failover", Site: run.To, Kind: engine.EventInfo, Steps: append([]dr.RunbookStep(nil), steps...)})
	}
	for i := range steps {
		if steps[i].Status == dr.StepDone {
			continue
		}
		steps[i].Status, steps[i].Started = dr.StepRunning, base.Add(time.Duration(i)*2*time.Second)
		emit()
		if steps[i].Name == "restore models" {
			obs(engine.Event{Op: "failover", Site: run.To, Set: "models", Kind: engine.EventProgress, Progress: engine.Progress{
				Files: 5, TotalFiles: 10, Bytes: 50 << 20, TotalBytes: 100 << 20, Percent: 0.5, ETA: 30 * time.Second}})
			if f.block != nil {
				select {
				case <-f.block:
				case <-ctx.Done():
					steps[i].Status, steps[i].Finished, steps[i].Detail = dr.StepFailed, base.Add(time.Duration(i)*2*time.Second+time.Second), "cancelled"
					emit()
					f.mu.Lock()
					f.unfinished = &engine.FailoverStatus{Run: run, Steps: steps}
					f.unfinished.Run.State = dr.FailoverFailed
					f.mu.Unlock()
					return nil, fmt.Errorf("failover f1 to %s stopped at step %q: %w", run.To, steps[i].Name, context.Canceled)
				}
			}
		}
		steps[i].Status, steps[i].Finished, steps[i].Detail = dr.StepDone, steps[i].Started.Add(1500*time.Millisecond), "ok"
		emit()
	}
	sw := base.Add(30 * time.Second)
	rep := &engine.FailoverReport{ID: "f1", Kind: "failover", From: run.From, To: run.To, Mode: engine.FailoverMode(run.Mode),
		Outcome: dr.FailoverCommitted, Passed: true, Declared: run.Declared, Switched: &sw, Finished: sw.Add(time.Second),
		RTO: 252 * time.Second, HumanWait: 35 * time.Second, RTOObjective: 1800 * time.Second, Attempts: 1, SHA256: "0123456789abcdef",
		Sets:     []engine.FailoverResult{{Name: "models", DataLoss: 7200 * time.Second, RPOObjective: 86400 * time.Second, Verified: true, VerifiedFiles: 34}},
		Findings: []string{}}
	for _, st := range steps {
		rep.Steps = append(rep.Steps, engine.DrillStep{Name: st.Name, Status: string(st.Status), Elapsed: 1500 * time.Millisecond})
	}
	b, _ := json.Marshal(rep)
	f.mu.Lock()
	f.active, f.unfinished = run.To, nil
	f.failovers = append([]storedReport{{ID: rep.ID, Site: rep.To, Kind: "failover", Passed: true, ReportJSON: string(b)}}, f.failovers...)
	f.mu.Unlock()
	obs(engine.Event{Op: "failover", Site: run.To, Kind: engine.EventFinished, Outcome: engine.OutcomeOK, Message: "committed", Steps: append([]dr.RunbookStep(nil), steps...)})
	return rep, nil
}

func (f *fakeBackend) Failover(ctx context.Context, req engine.FailoverRequest, obs engine.Observer) (*engine.FailoverReport, error) {
	f.record(fmt.Sprintf("failover %s %s confirm=%s wait>0=%v declared=%v", req.To, req.Mode, req.Confirm, req.HumanWait > 0, !req.Declared.IsZero()))
	if req.Confirm != req.To {
		return nil, fmt.Errorf("%w: you typed %q, a failover to %s needs exactly %q; nothing was changed", engine.ErrConfirmMismatch, req.Confirm, req.To, req.To)
	}
	run := dr.FailoverRun{RunID: "f1", From: "primary", To: req.To, Mode: req.Mode, State: dr.FailoverRunning, Declared: req.Declared}
	return f.runSteps(ctx, run, fakeSteps("primary", req.To, req.Mode), obs)
}

func (f *fakeBackend) ResumeFailover(ctx context.Context, opts engine.ResumeOptions, obs engine.Observer) (*engine.FailoverReport, error) {
	f.record("resume confirm=" + opts.Confirm)
	f.mu.Lock()
	st := f.unfinished
	f.mu.Unlock()
	if st == nil {
		return nil, fmt.Errorf("%w to resume", engine.ErrNoFailover)
	}
	return f.runSteps(ctx, st.Run, append([]dr.RunbookStep(nil), st.Steps...), obs)
}

func (f *fakeBackend) AbortFailover(ctx context.Context, reason string) (*engine.FailoverReport, error) {
	f.record("abort " + reason)
	f.mu.Lock()
	defer f.mu.Unlock()
	st := f.unfinished
	if st == nil {
		return nil, fmt.Errorf("%w to abort", engine.ErrNoFailover)
	}
	f.unfinished = nil
	rep := &engine.FailoverReport{ID: st.Run.RunID, Kind: "failover", From: st.Run.From, To: st.Run.To, Mode: engine.FailoverMode(st.Run.Mode),
		Outcome: dr.FailoverAborted, Declared: st.Run.Declared, Finished: fakeNow, RTOObjective: 1800 * time.Second,
		Findings: []string{"aborted: " + reason}}
	b, _ := json.Marshal(rep)
	f.failovers = append([]storedReport{{ID: rep.ID, Site: rep.To, Kind: "failover", ReportJSON: string(b)}}, f.failovers...)
	return rep, nil
}

func (f *fakeBackend) UnfinishedFailover(ctx context.Context) (*engine.FailoverStatus, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.unfinished, nil
}

func (f *fakeBackend) RecentFailovers(ctx context.Context, limit int) ([]engine.FailoverReport, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return decodeStored[engine.FailoverReport](f.failovers), nil
}

// interruptedFailover is a planned failover to dr whose process died in
// "restore models", after its confirmation.
func interruptedFailover() *engine.FailoverStatus {
	steps := fakeSteps("primary", "dr", engine.FailoverPlanned)
	base := fakeNow.Add(-time.Hour)
	for i := range steps {
		switch {
		case steps[i].Name == "restore models":
			steps[i].Status, steps[i].Started = dr.StepRunning, base.Add(time.Duration(i)*time.Minute)
		case i < 6:
			steps[i].Status, steps[i].Started, steps[i].Finished, steps[i].Detail = dr.StepDone,
				base.Add(time.Duration(i)*time.Minute), base.Add(time.Duration(i)*time.Minute+20*time.Second), "ok"
		}
	}
	return &engine.FailoverStatus{
		Run: dr.FailoverRun{RunID: "f0", From: "primary", To: "dr", Mode: "planned", State: dr.FailoverRunning,
			Declared: base, Operator: "alice@bastion"},
		Steps:  steps,
		Holder: &engine.LockHolder{RunID: "f0", PID: 4242, Host: "bastion", Operator: "alice@bastion"},
	}
}

func intp(i int) *int { return &i }

func (f *fakeBackend) PostureFromStatus(ctx context.Context, st *engine.Status, opts engine.PostureOptions) ([]engine.PostureSet, error) {
	f.record(fmt.Sprintf("posture nowrite=%v", opts.NoWrite))
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]engine.PostureSet(nil), f.posture...), nil
}

func renderFake(rep any) string {
	switch r := rep.(type) {
	case *engine.FailoverReport:
		return engine.FailoverMarkdown(r)
	case *engine.DrillReport:
		return engine.DrillMarkdown(r)
	}
	return ""
}

// StoredReport finds a fake drill or failover record as the engine does:
// by id, id prefix or latest; its Markdown is rendered from the JSON.
func (f *fakeBackend) StoredReport(ctx context.Context, ref string) (engine.StoredReport, error) {
	f.mu.Lock()
	recs := append(append([]storedReport(nil), f.drills...), f.failovers...)
	f.mu.Unlock()
	for _, r := range recs {
		if ref != "latest" && !strings.HasPrefix(r.ID, ref) {
			continue
		}
		md := r.ReportMD
		if md == "" && r.Kind == "failover" {
			var rep engine.FailoverReport
			_ = json.Unmarshal([]byte(r.ReportJSON), &rep)
			md = renderFake(&rep)
		} else if md == "" {
			var rep engine.DrillReport
			_ = json.Unmarshal([]byte(r.ReportJSON), &rep)
			md = renderFake(&rep)
		}
		kind := r.Kind
		if kind == "" {
			kind = "drill"
		}
		return engine.StoredReport{ID: r.ID, Kind: kind, Site: r.Site, JSON: r.ReportJSON, Markdown: md}, nil
	}
	return engine.StoredReport{}, fmt.Errorf("%w %q", engine.ErrNoReport, ref)
}
