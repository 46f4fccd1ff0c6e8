package engine

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/lifeboat-dr/lifeboat/engine/restic"
	"github.com/lifeboat-dr/lifeboat/internal/ledger"
	"github.com/lifeboat-dr/lifeboat/storage"
)

// ledgerFile is the name the ledger has inside its snapshots (restic
// stores --stdin data under /<name>).
const ledgerFile = "lifeboat-ledger.jsonl"

// bastion is this state directory's name in the ledger, made on first use.
func (e *Engine) bastion(ctx context.Context) (string, error) {
	e.ledgerMu.Lock()
	defer e.ledgerMu.Unlock()
	if e.bastionID != "" {
		return e.bastionID, nil
	}
	id, err := e.store.BastionID(ctx)
	if err != nil {
		return "", err
	}
	e.bastionID = id
	return id, nil
}

// BastionID names this bastion (its state directory) in the ledger.
func (e *Engine) BastionID(ctx context.Context) (string, error) { return e.bastion(ctx) }

// appendLedger adds a record of this bastion's to the local ledger; it is
// published with the next PublishLedger.
func (e *Engine) appendLedger(ctx context.Context, kind ledger.Kind, body any) (ledger.Record, error) {
	b, err := e.bastion(ctx)
	if err != nil {
		return ledger.Record{}, err
	}
	var rec ledger.Record
	_, err = e.store.AppendOwnLedger(ctx, b, func(prevID string, prevSeq uint64) (storage.LedgerRecord, error) {
		var prev *ledger.Record
		if prevSeq > 0 {
			prev = &ledger.Record{ID: prevID, Seq: prevSeq, Bastion: b}
		}
		r, err := ledger.New(kind, b, prev, e.now(), body)
		if err != nil {
			return storage.LedgerRecord{}, err
		}
		rec = r
		return toRow(r, ""), nil
	})
	return rec, err
}

func toRow(r ledger.Record, source string) storage.LedgerRecord {
	return storage.LedgerRecord{ID: r.ID, Kind: string(r.Kind), Bastion: r.Bastion, Seq: r.Seq, Prev: r.Prev,
		Time: r.At, Body: string(r.Body), Source: source}
}

func fromRow(r storage.LedgerRecord) ledger.Record {
	return ledger.Record{ID: r.ID, Kind: ledger.Kind(r.Kind), Bastion: r.Bastion, Seq: r.Seq, Prev: r.Prev,
		At: r.Time, Body: json.RawMessage(r.Body)}
}

// Ledger returns every record this bastion holds (its own and those read
// from the sites).
func (e *Engine) Ledger(ctx context.Context) (*ledger.Ledger, error) {
	rows, err := e.store.LedgerRecords(ctx)
	if err != nil {
		return nil, err
	}
	recs := make([]ledger.Record, len(rows))
	for i, r := range rows {
		recs[i] = fromRow(r)
	}
	l := &ledger.Ledger{}
	if _, err := l.Add(recs...); err != nil {
		return nil, fmt.Errorf("the local ledger cache: %w", err)
	}
	return l, nil
}

// LedgerSiteResult is what publishing to or reading from one site did.
type LedgerSiteResult struct {
	Site string
	// Sent is true when the site was sent the ledger; false with a nil Err
	// when it already held all of it.
	Sent bool
	// Read counts the records new to this bastion found at the site.
	Read int
	Err  error
}

// PublishLedger sends the ledger to every site that does not hold all of it
// yet (one restic process per such site; none when nothing is new). A site
// that cannot be reached keeps its error and receives everything it missed
// next time. Offline sites are skipped: they are taken offline on purpose.
func (e *Engine) PublishLedger(ctx context.Context) []LedgerSiteResult {
	e.publishMu.Lock()
	defer e.publishMu.Unlock()
	l, err := e.Ledger(ctx)
	if err != nil {
		return []LedgerSiteResult{{Err: err}}
	}
	if l.Len() == 0 {
		return nil
	}
	b, err := e.bastion(ctx)
	if err != nil {
		return []LedgerSiteResult{{Err: err}}
	}
	data := l.Bytes()
	sum := sha256.Sum256(data)
	hash := hex.EncodeToString(sum[:])
	state, err := e.store.LedgerSites(ctx)
	if err != nil {
		return []LedgerSiteResult{{Err: err}}
	}
	var (
		mu  sync.Mutex
		out []LedgerSiteResult
		wg  sync.WaitGroup
	)
	for i := range e.cfg.Sites {
		s := &e.cfg.Sites[i]
		if s.Offline || state[s.Name].PublishedHash == hash {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := LedgerSiteResult{Site: s.Name}
			snap, err := e.publishTo(ctx, s.Name, b, data)
			if err != nil {
				res.Err = err
				_ = e.store.LedgerPublishFailed(context.WithoutCancel(ctx), s.Name, err.Error(), e.now())
			} else {
				res.Sent = true
				res.Err = e.store.LedgerPublished(ctx, s.Name, hash, l.Len(), snap, e.now())
			}
			mu.Lock()
			out = append(out, res)
			mu.Unlock()
		}()
	}
	wg.Wait()
	slices.SortFunc(out, func(a, b LedgerSiteResult) int { return cmpStr(a.Site, b.Site) })
	return out
}

func cmpStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (e *Engine) publishTo(ctx context.Context, site, bastion string, data []byte) (string, error) {
	s, err := e.site(site)
	if err != nil {
		return "", err
	}
	repo, err := e.repo(s)
	if err != nil {
		return "", err
	}
	// A site that accepts connections and never answers would hold restic
	// for minutes; the ledger waits no longer than a probe would, twice.
	ctx, cancel := context.WithTimeout(ctx, 2*ProbeTimeout())
	defer cancel()
	res, err := e.runner.Run(ctx, restic.Call{Repo: repo, Op: "publish the ledger", Capture: true, FailFast: true,
		Stdin: bytes.NewReader(data),
		Args: []string{"backup", "--json", "--stdin", "--stdin-filename", ledgerFile,
			"--tag", storage.LedgerTag, "--host", bastion}})
	if err != nil {
		return "", fmt.Errorf("site %s: publishing the ledger: %w", site, err)
	}
	for _, line := range bytes.Split(res.Stdout, []byte("\n")) {
		var sum restic.BackupSummary
		if json.Unmarshal(line, &sum) == nil && sum.SnapshotID != "" {
			// The catalog learns the snapshot from restic's own summary (its
			// time is backup_start, exactly): the next listing of the site
			// finds it known instead of starting a restic to fetch it.
			_ = e.store.AddSnapshots(context.WithoutCancel(ctx), site, []Snapshot{{Site: site, ID: sum.SnapshotID,
				ShortID: shortID(sum.SnapshotID), Time: sum.BackupStart.UTC(), Host: bastion, Paths: []string{"/" + ledgerFile},
				Tags: []string{storage.LedgerTag}, TotalFiles: int64(sum.TotalFilesProcessed), TotalBytes: int64(sum.TotalBytesProcessed)}})
			return sum.SnapshotID, nil
		}
	}
	return "", fmt.Errorf("site %s: publishing the ledger: restic reported no snapshot", site)
}

// ReadLedgers reads the ledger of every reachable site and merges what is
// new into the local one (a union): one listing per site, or none when the
// catalog listed the site within cached (0: always list), and one dump per
// other bastion whose newest ledger snapshot was not read before. It then
// follows the generations: a newer active site found there becomes this
// bastion's active site.
func (e *Engine) ReadLedgers(ctx context.Context, cached time.Duration) ([]LedgerSiteResult, error) {
	b, err := e.bastion(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]LedgerSiteResult, len(e.cfg.Sites))
	var wg sync.WaitGroup
	for i := range e.cfg.Sites {
		s := &e.cfg.Sites[i]
		out[i].Site = s.Name
		if s.Offline {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i].Read, out[i].Err = e.readLedger(ctx, s.Name, b, cached)
		}()
	}
	wg.Wait()
	read := 0
	for _, r := range out {
		read += r.Read
	}
	if read > 0 {
		if err := e.adoptRuns(ctx); err != nil {
			return out, err
		}
	}
	if err := e.followGenerations(ctx); err != nil {
		return out, err
	}
	return out, nil
}

// ledgerSnapshot is what reading needs of a ledger snapshot.
type ledgerSnapshot struct {
	id, host string
	time     time.Time
}

func (e *Engine) ledgerSnapshots(ctx context.Context, repo restic.Repo, site string, cached time.Duration) ([]ledgerSnapshot, error) {
	var out []ledgerSnapshot
	if cached > 0 {
		if at, err := e.store.CatalogRefreshed(ctx, site); err == nil && !at.IsZero() && e.now().Sub(at) < cached {
			snaps, err := e.store.CachedLedgers(ctx, site)
			if err != nil {
				return nil, err
			}
			for _, sn := range snaps {
				out = append(out, ledgerSnapshot{id: sn.ID, host: sn.Host, time: sn.Time})
			}
			return out, nil
		}
	}
	ctx, cancel := context.WithTimeout(ctx, ProbeTimeout())
	defer cancel()
	res, err := e.runner.Run(ctx, restic.Call{Repo: repo, Op: "list the ledger", Capture: true, FailFast: true,
		Args: []string{"snapshots", "--json", "--no-lock", "--tag", storage.LedgerTag}})
	if err != nil {
		return nil, fmt.Errorf("site %s: listing the ledger: %w", site, err)
	}
	var snaps []restic.Snapshot
	if err := json.Unmarshal(res.Stdout, &snaps); err != nil {
		return nil, fmt.Errorf("site %s: listing the ledger: %w", site, err)
	}
	for _, sn := range snaps {
		out = append(out, ledgerSnapshot{id: sn.ID, host: sn.Hostname, time: sn.Time})
	}
	return out, nil
}

func (e *Engine) readLedger(ctx context.Context, site, self string, cached time.Duration) (int, error) {
	s, err := e.site(site)
	if err != nil {
		return 0, err
	}
	repo, err := e.repo(s)
	if err != nil {
		return 0, err
	}
	snaps, err := e.ledgerSnapshots(ctx, repo, site, cached)
	if err != nil {
		return 0, err
	}
	read, err := e.store.LedgerSnapshotsRead(ctx, site)
	if err != nil {
		return 0, err
	}
	// Each snapshot holds everything its bastion knew: the newest one of
	// each other bastion is enough.
	newest := map[string]ledgerSnapshot{}
	for _, sn := range snaps {
		if sn.host == self {
			continue
		}
		if o, ok := newest[sn.host]; !ok || sn.time.After(o.time) {
			newest[sn.host] = sn
		}
	}
	total := 0
	for _, sn := range newest {
		if read[sn.id] {
			continue
		}
		n, err := e.ingest(ctx, repo, site, sn.id)
		if err != nil {
			return total, err
		}
		total += n
	}
	return total, e.store.LedgerRead(ctx, site, "", e.now())
}

func (e *Engine) ingest(ctx context.Context, repo restic.Repo, site, snap string) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*ProbeTimeout())
	defer cancel()
	res, err := e.runner.Run(ctx, restic.Call{Repo: repo, Op: "read the ledger", Capture: true, FailFast: true,
		Args: []string{"dump", "--no-lock", snap, "/" + ledgerFile}})
	if err != nil {
		return 0, fmt.Errorf("site %s: reading ledger snapshot %s: %w", site, shortID(snap), err)
	}
	l, err := ledger.Decode(bytes.NewReader(res.Stdout))
	if err != nil {
		// A record that does not match its hash was changed at the site:
		// nothing from that snapshot is taken.
		return 0, fmt.Errorf("site %s: ledger snapshot %s: %w", site, shortID(snap), err)
	}
	rows := make([]storage.LedgerRecord, 0, l.Len())
	for _, r := range l.Records() {
		rows = append(rows, toRow(r, site))
	}
	n, err := e.store.AddLedgerRecords(ctx, rows)
	if err != nil {
		return 0, err
	}
	return n, e.store.LedgerRead(ctx, site, snap, e.now())
}

func shortID(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

// ErrConflict is two generations of active site that no later one
// resolves: two bastions switched during a partition.
var ErrConflict = errors.New("the ledger holds conflicting active sites")

// LedgerHead is what the generations in the local ledger say.
func (e *Engine) LedgerHead(ctx context.Context) (ledger.Head, error) {
	l, err := e.Ledger(ctx)
	if err != nil {
		return ledger.Head{}, err
	}
	return l.HeadOf()
}

// followGenerations makes the local active site the ledger's: the newest
// generation wins over what this bastion last knew. A conflict changes
// nothing here; status reports it and changes refuse.
func (e *Engine) followGenerations(ctx context.Context) error {
	head, err := e.LedgerHead(ctx)
	if err != nil || head.Current == nil {
		return err
	}
	if _, known := e.cfg.Site(head.Current.Active); !known {
		return fmt.Errorf("the ledger's generation %d makes site %q active, which the config does not name: add it back to the config", head.Current.N, head.Current.Active)
	}
	name, _, ok, err := e.store.ActiveSite(ctx)
	if err != nil {
		return err
	}
	if ok && name == head.Current.Active {
		return nil
	}
	return e.store.SetActiveSite(ctx, head.Current.Active,
		fmt.Sprintf("ledger: generation %d (%s) from bastion %s", head.Current.N, ledger.Short(head.Current.ID), head.Current.Bastion))
}

// recordGeneration appends a change of active site to the ledger, naming
// the generation it replaces.
func (e *Engine) recordGeneration(ctx context.Context, g ledger.Generation) (ledger.Record, error) {
	head, err := e.LedgerHead(ctx)
	if err != nil {
		return ledger.Record{}, err
	}
	if head.Current != nil {
		g.Parent = head.Current.ID
	}
	if g.Operator == "" {
		g.Operator = e.operator.String()
	}
	return e.appendLedger(ctx, ledger.KindGeneration, g)
}

// LedgerHealth is the ledger as this bastion holds it and as each site was
// last sent and read (`lifeboat ledger`).
type LedgerHealth struct {
	Bastion    string             `json:"bastion"`
	Records    int                `json:"records"`
	FromOthers int                `json:"from_other_bastions"` // records read from sites, written elsewhere
	Generation int                `json:"active_generation"`
	Head       string             `json:"head"`
	Conflict   *Conflict          `json:"conflict,omitempty"`
	Sites      []LedgerSiteHealth `json:"sites"`
}

// LedgerSiteHealth is one site's side of the ledger.
type LedgerSiteHealth struct {
	Site             string     `json:"site"`
	PublishedAt      *time.Time `json:"published_at"`
	PublishedRecords int        `json:"published_records"`
	// Behind is how many of this bastion's records the site has not been
	// sent yet.
	Behind int        `json:"behind"`
	ReadAt *time.Time `json:"read_at"`
	Error  string     `json:"error,omitempty"` // why the last publication failed
}

// LedgerHealth reports the ledger's state without touching any site.
func (e *Engine) LedgerHealth(ctx context.Context) (*LedgerHealth, error) {
	b, err := e.bastion(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := e.store.LedgerRecords(ctx)
	if err != nil {
		return nil, err
	}
	h := &LedgerHealth{Bastion: b, Records: len(rows), Sites: []LedgerSiteHealth{}}
	for _, r := range rows {
		if r.Bastion != b {
			h.FromOthers++
		}
	}
	head, err := e.LedgerHead(ctx)
	if err != nil {
		return nil, err
	}
	h.Head, h.Conflict = head.String(), conflictOf(head)
	if head.Current != nil {
		h.Generation = head.Current.N
	}
	state, err := e.store.LedgerSites(ctx)
	if err != nil {
		return nil, err
	}
	for _, s := range e.cfg.Sites {
		st := state[s.Name]
		sh := LedgerSiteHealth{Site: s.Name, PublishedRecords: st.PublishedN, Behind: max(0, len(rows)-st.PublishedN), Error: st.Error}
		if !st.PublishedAt.IsZero() {
			t := st.PublishedAt
			sh.PublishedAt = &t
		}
		if !st.ReadAt.IsZero() {
			t := st.ReadAt
			sh.ReadAt = &t
		}
		if s.Offline && sh.Error == "" && sh.Behind > 0 {
			sh.Error = "offline: it is sent the ledger when it is back in the config as online"
		}
		h.Sites = append(h.Sites, sh)
	}
	return h, nil
}
