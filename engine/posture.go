package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/lifeboat-dr/lifeboat/engine/config"
	"github.com/lifeboat-dr/lifeboat/engine/restic"
	"github.com/lifeboat-dr/lifeboat/internal/dr"
	"github.com/lifeboat-dr/lifeboat/storage"
)

// PostureSet is one set's 3-2-1-1-0 posture, the JSON of `lifeboat posture`
// (contract §6). Fields may be added, never renamed.
type PostureSet struct {
	Set       string   `json:"set"`
	Copies    int      `json:"copies"`
	Media     int      `json:"media"`
	Offsite   bool     `json:"offsite"`
	Immutable bool     `json:"immutable"`
	Errors    int      `json:"errors"`
	Met       bool     `json:"met"`
	Missing   []string `json:"missing"`
	// Advice is what to do, each with its remedies for the front end to
	// word (posture --json words them as commands: "advice" is strings).
	Advice []dr.Advice `json:"-"`

	// CopySites are the sites counted as copies, for the console.
	CopySites []string `json:"-"`
}

// PostureOptions say how far Posture may go to measure immutability.
type PostureOptions struct {
	// Probe forces the canary test now instead of reusing a result younger
	// than ProbeEvery.
	Probe bool
	// NoWrite never writes a canary (read-only mode): cached results speak.
	NoWrite bool
}

// ProbeEvery is how long an immutability probe result is reused: the probe
// writes to the repository and costs two restic runs.
const ProbeEvery = 24 * time.Hour

// PostureLevel is the monitoring verdict of a posture: ok when every set
// meets the rule, critical when a set has fewer than two copies or errors,
// warning otherwise.
func PostureLevel(ps []PostureSet) Level {
	l := LevelOK
	for _, p := range ps {
		switch {
		case p.Copies < 2 || p.Errors > 0:
			l = worse(l, LevelCritical)
		case !p.Met:
			l = worse(l, LevelWarning)
		}
	}
	return l
}

// BackendKind is the kind of storage a repository string names: local, rest,
// s3, sftp, b2, azure, gs, swift or rclone.
func BackendKind(repository string) string {
	if i := strings.Index(repository, ":"); i > 0 {
		switch k := repository[:i]; k {
		case "rest", "s3", "sftp", "b2", "azure", "gs", "swift", "rclone":
			return k
		case "local":
			return "local"
		}
	}
	return "local"
}

// Posture grades every set against 3-2-1-1-0 from what the sites hold now:
// one listing per site refreshes the catalog, immutability comes from the
// canary probe (at most once per ProbeEvery unless opts.Probe), checks and
// drills from the store.
func (e *Engine) Posture(ctx context.Context, opts PostureOptions) ([]PostureSet, error) {
	active, _, err := e.ActiveSite(ctx)
	if err != nil {
		return nil, err
	}
	reachable := map[string]bool{}
	for _, p := range e.refreshListings(ctx) {
		reachable[p.Site] = p.Err == nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return e.posture(ctx, active, reachable, opts)
}

// posture grades the sets from the catalog as last refreshed; reachable
// says which sites answered that refresh. watch calls it after its status
// round, so posture adds no listing of its own there.
func (e *Engine) posture(ctx context.Context, active string, reachable map[string]bool, opts PostureOptions) ([]PostureSet, error) {
	cat, err := e.LoadCatalog(ctx)
	if err != nil {
		return nil, err
	}
	probes := e.immutability(ctx, reachable, opts)
	now := e.now()
	activeSite, _ := e.cfg.Site(active)

	var out []PostureSet
	for i := range e.cfg.Sets {
		set := &e.cfg.Sets[i]
		ps := PostureSet{Set: set.Name, Missing: []string{}, Advice: []dr.Advice{}, CopySites: []string{}}
		rpo := e.cfg.SetRPO(set)

		// The newest snapshot any reachable site holds, and who holds it.
		var newest Snapshot
		found := false
		for _, s := range e.cfg.Sites {
			if !reachable[s.Name] {
				continue
			}
			if n, ok := cat.Newest(s.Name, set); ok && (!found || n.Time.After(newest.Time)) {
				newest, found = n, true
			}
		}
		fresh := found && now.Sub(newest.Time) <= rpo
		if fresh {
			for _, s := range e.cfg.Sites {
				if !reachable[s.Name] {
					continue
				}
				for _, x := range cat.InSet(s.Name, set) {
					if Origin(x) == Origin(newest) {
						ps.CopySites = append(ps.CopySites, s.Name)
						break
					}
				}
			}
		}
		ps.Copies = 1 + len(ps.CopySites) // production's live data is the first copy

		kinds := map[string]bool{}
		var notes []dr.Advice // declared-only claims, said as such
		var mutable, unprobed []string
		for _, name := range ps.CopySites {
			s, _ := e.cfg.Site(name)
			kinds[BackendKind(s.Repository)] = true
			if s.Location != "" && activeSite != nil && activeSite.Location != "" && s.Location != activeSite.Location {
				ps.Offsite = true
			}
			switch p := probes[name]; {
			case p.Result == storage.ProbeImmutable:
				ps.Immutable = true
			case BackendKind(s.Repository) == "s3":
				unprobed = append(unprobed, fmt.Sprintf("site %s (s3) is declared-only: S3 object lock is not measured by this build", name))
			case p.Result == storage.ProbeMutable:
				mutable = append(mutable, name)
			default:
				why := "never probed"
				if p.Detail != "" {
					why = p.Detail
				}
				unprobed = append(unprobed, fmt.Sprintf("site %s not verified (%s)", name, why))
			}
		}
		ps.Media = len(kinds)

		// An offline site cannot be probed: its copy counts as a declaration
		// when it is unreachable now and held the set when last listed.
		if !ps.Immutable {
			for _, s := range e.cfg.Sites {
				if !s.Offline {
					continue
				}
				n, ok := cat.Newest(s.Name, set)
				switch {
				case reachable[s.Name]:
					notes = append(notes, say("site %s is declared offline but answered now: not counted", s.Name))
				case !ok:
					notes = append(notes, say("site %s is declared offline, not verified: it held no copy of the set when last listed", s.Name))
				default:
					ps.Immutable = true
					notes = append(notes, say("immutable is declared, not verified: site %s is declared offline (unreachable now; its copy is from %s)",
						s.Name, n.Time.UTC().Format("2006-01-02 15:04")))
				}
			}
		}

		var errNotes []dr.Advice
		ps.Errors = e.postureErrors(ctx, set, ps.CopySites, &errNotes)

		if ps.Copies < 3 {
			ps.Missing = append(ps.Missing, fmt.Sprintf("copies: %d of 3 (production%s)", ps.Copies, prefixJoin(" + ", ps.CopySites)))
			switch {
			case !found:
				ps.Advice = append(ps.Advice, dr.Advice{Text: "no reachable site holds set " + set.Name, Do: backupThenReplicate(set.Name)})
			case !fresh:
				ps.Advice = append(ps.Advice, dr.Advice{Text: fmt.Sprintf("the newest snapshot of set %s is %s old, over its RPO of %s",
					set.Name, Age(now.Sub(newest.Time)), config.Duration(rpo)), Do: backupThenReplicate(set.Name)})
			default:
				ps.Advice = append(ps.Advice, dr.Advice{Text: fmt.Sprintf("replicate set %s to every standby (with fewer than two sites, add a standby site to lifeboat.yaml)", set.Name),
					Do: []dr.Remedy{{Act: dr.ActReplicate, Set: set.Name}}})
			}
		}
		if ps.Media < 2 {
			ps.Missing = append(ps.Missing, fmt.Sprintf("media: %d kind(s) of storage (%s), need 2", ps.Media, strings.Join(sortedKeys(kinds), ", ")))
			ps.Advice = append(ps.Advice, say("keep a copy on another kind of backend (e.g. a rest-server or an object store next to local disk) and replicate to it"))
		}
		if !ps.Offsite {
			ps.Missing = append(ps.Missing, "offsite: no copy at a site in another location")
			switch {
			case activeSite == nil || activeSite.Location == "":
				ps.Advice = append(ps.Advice, say("no location is declared for the active site %s: set `location:` on every site in lifeboat.yaml (different places, different values); until then nothing counts as off-site", active))
			default:
				ps.Advice = append(ps.Advice, say("replicate to a site whose `location` differs from %s (%s); a site without a location is not counted", active, activeSite.Location))
			}
		}
		if !ps.Immutable {
			what := "immutable: no copy at a site verified immutable"
			if len(mutable) > 0 {
				what += fmt.Sprintf(" (%s accepted the canary's delete)", strings.Join(mutable, ", "))
			}
			ps.Missing = append(ps.Missing, what)
			adv := "run a standby as an append-only rest-server (rest-server --append-only) or take one offline between copies (offline: true), replicate to it, then measure again"
			if len(unprobed) > 0 {
				adv = strings.Join(unprobed, "; ") + "; " + adv
			}
			ps.Advice = append(ps.Advice, dr.Advice{Text: adv, Do: []dr.Remedy{{Act: dr.ActProbePosture}}})
		}
		if ps.Errors > 0 {
			ps.Missing = append(ps.Missing, fmt.Sprintf("errors: %d failed or missing verification(s)", ps.Errors))
			ps.Advice = append(ps.Advice, errNotes...)
		}
		ps.Advice = append(ps.Advice, notes...)
		ps.Met = ps.Copies >= 3 && ps.Media >= 2 && ps.Offsite && ps.Immutable && ps.Errors == 0
		out = append(out, ps)
	}
	return out, nil
}

// postureErrors counts failed or missing verification: the last check of
// each copy's site, and the last drill that covered the set. What to do
// about each goes into notes.
func (e *Engine) postureErrors(ctx context.Context, set *config.Set, copySites []string, notes *[]dr.Advice) int {
	n := 0
	var unchecked, failed []string
	for _, site := range copySites {
		c, ok, err := e.store.LastCheck(ctx, site)
		switch {
		case err != nil || !ok:
			unchecked = append(unchecked, site)
		case !c.OK:
			failed = append(failed, site)
		}
	}
	n += len(unchecked) + len(failed)
	if len(unchecked) > 0 {
		*notes = append(*notes, dr.Advice{Text: strings.Join(unchecked, ", ") + " never checked", Do: checks(unchecked)})
	}
	if len(failed) > 0 {
		*notes = append(*notes, dr.Advice{Text: fmt.Sprintf("the last check of %s failed: read its findings, repair the repository, then check again", strings.Join(failed, ", ")),
			Do: append([]dr.Remedy{{Act: dr.ActStatus}}, checks(failed)...)})
	}
	d, ok, _ := e.lastReport(ctx, storage.KindDrill, "", func(r storedReport) bool {
		return r.Evaluated && slices.ContainsFunc(r.Sets, func(s storedSet) bool { return s.Name == set.Name })
	})
	switch {
	case !ok:
		n++
		*notes = append(*notes, dr.Advice{Text: "set " + set.Name + " was never drilled", Do: []dr.Remedy{{Act: dr.ActDrill, Set: set.Name}}})
	case !d.Passed:
		n++
		*notes = append(*notes, dr.Advice{Text: fmt.Sprintf("the last drill of set %s (%s at %s) failed: fix what its findings name, then drill again", set.Name, d.ID, d.Site),
			Do: []dr.Remedy{{Act: dr.ActReport, Report: d.ID}, {Act: dr.ActDrill, Site: d.Site, Set: set.Name}}})
	}
	return n
}

// checks are the checks of sites, one after the other.
func checks(sites []string) []dr.Remedy {
	var c []dr.Remedy
	for _, s := range sites {
		c = append(c, dr.Remedy{Act: dr.ActCheck, Site: s})
	}
	return c
}

func backupThenReplicate(set string) []dr.Remedy {
	return []dr.Remedy{{Act: dr.ActBackup, Set: set}, {Act: dr.ActReplicate, Set: set}}
}

// say is advice that needs no act of lifeboat's.
func say(format string, args ...any) dr.Advice { return dr.Advice{Text: fmt.Sprintf(format, args...)} }

func prefixJoin(sep string, xs []string) string {
	if len(xs) == 0 {
		return ""
	}
	return sep + strings.Join(xs, sep)
}

func sortedKeys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// immutability returns each site's probe result: the stored one when it is
// younger than ProbeEvery (or writing is not allowed), else a fresh canary
// test of every reachable site, in parallel.
func (e *Engine) immutability(ctx context.Context, reachable map[string]bool, opts PostureOptions) map[string]storage.ImmutabilityProbe {
	out := map[string]storage.ImmutabilityProbe{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	now := e.now()
	for i := range e.cfg.Sites {
		s := &e.cfg.Sites[i]
		last, ok, _ := e.store.LastImmutabilityProbe(ctx, s.Name)
		if ok {
			out[s.Name] = last
		}
		// A probe that could not tell (the repository locked by a backup,
		// say) is tried again within the hour, not the next day.
		every := ProbeEvery
		if ok && last.Result == storage.ProbeUnknown {
			every = time.Hour
		}
		due := opts.Probe || !ok || now.Sub(last.Time) >= every
		// S3 would accept a delete under object lock (it writes a delete
		// marker): the canary cannot tell, so it is not tried there.
		if !due || opts.NoWrite || !reachable[s.Name] || BackendKind(s.Repository) == "s3" {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := e.probeImmutable(ctx, s)
			mu.Lock()
			out[s.Name] = p
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out
}

// ProbeImmutability runs the canary test at one site now and stores its
// result.
func (e *Engine) ProbeImmutability(ctx context.Context, site string) (storage.ImmutabilityProbe, error) {
	s, err := e.site(site)
	if err != nil {
		return storage.ImmutabilityProbe{}, err
	}
	return e.probeImmutable(ctx, s), nil
}

// canaryContent is what a canary snapshot holds: a few bytes that say what
// it is to anyone who restores it.
const canaryContent = "lifeboat immutability canary: safe to keep; lifeboat tries to forget it to learn whether this repository refuses deletes\n"

// probeImmutable does what an attacker would: it makes sure a canary
// snapshot exists (reusing the one left by the last probe) and tries to
// forget it. A refused delete (HTTP 403, as an append-only rest-server
// answers) is immutable; a delete that succeeds is mutable (only the canary
// goes); anything else says nothing.
func (e *Engine) probeImmutable(ctx context.Context, s *config.Site) storage.ImmutabilityProbe {
	p := storage.ImmutabilityProbe{Site: s.Name, Time: e.now(), Result: storage.ProbeUnknown}
	defer func() {
		_ = e.store.RecordImmutabilityProbe(context.WithoutCancel(ctx), p)
		outcome := OutcomeOK
		if p.Result == storage.ProbeUnknown {
			outcome = OutcomeFailed
		}
		_ = e.Journal(context.WithoutCancel(ctx), "probe-immutability", s.Name, "", "", outcome, p.Result+": "+p.Detail)
	}()
	repo, err := e.repo(s)
	if err != nil {
		p.Detail = err.Error()
		return p
	}
	canaries, err := e.store.CachedCanaries(ctx, s.Name)
	if err != nil {
		p.Detail = err.Error()
		return p
	}
	id := ""
	if len(canaries) > 0 {
		id = canaries[len(canaries)-1].ID
	} else {
		res, err := e.runner.Run(ctx, restic.Call{Repo: repo, Op: "write canary", Capture: true, FailFast: true,
			Stdin: strings.NewReader(canaryContent),
			Args:  []string{"backup", "--json", "--stdin", "--stdin-filename", "lifeboat-canary", "--tag", storage.CanaryTag}})
		if err != nil {
			p.Detail = fmt.Sprintf("could not write the canary: %v", err)
			return p
		}
		for _, l := range bytes.Split(res.Stdout, []byte("\n")) {
			var sum restic.BackupSummary
			if json.Unmarshal(l, &sum) == nil && sum.SnapshotID != "" {
				id = sum.SnapshotID
			}
		}
		if id == "" {
			p.Detail = "restic wrote no canary snapshot"
			return p
		}
	}
	p.Canary = id
	res, err := e.runner.Run(ctx, restic.Call{Repo: repo, Op: "forget canary", Capture: true, FailFast: true,
		Args: []string{"forget", "--json", id}})
	if err == nil {
		p.Result, p.Canary = storage.ProbeMutable, ""
		p.Detail = "the site let the canary snapshot be forgotten: anyone with the password can delete snapshots there"
		return p
	}
	text := err.Error()
	if res != nil {
		text += " " + strings.Join(res.Stderr, " ") + " " + strings.Join(res.Errors, " ")
	}
	if strings.Contains(text, "(403)") || strings.Contains(text, "403 Forbidden") {
		p.Result = storage.ProbeImmutable
		p.Detail = "the site refused to delete the canary snapshot (403)"
		return p
	}
	p.Detail = fmt.Sprintf("could not tell: %v", err)
	return p
}

// PostureFromStatus grades the sets from the catalog a status refresh just
// brought up to date, with that refresh's reachability: the console uses it
// so that posture adds no restic run of its own (opts.NoWrite keeps the
// canary probe out as well).
func (e *Engine) PostureFromStatus(ctx context.Context, st *Status, opts PostureOptions) ([]PostureSet, error) {
	reachable := map[string]bool{}
	for _, s := range st.Sites {
		reachable[s.Name] = s.Reachable && s.Error == ""
	}
	return e.posture(ctx, st.ActiveSite, reachable, opts)
}
