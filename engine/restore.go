package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/lifeboat-dr/lifeboat/engine/restic"
	"github.com/lifeboat-dr/lifeboat/internal/dr"
)

// RestoreRequest restores one snapshot of a set from a site.
type RestoreRequest struct {
	Site     string
	Set      string
	Snapshot string // full or short id, or "latest"/"" for the set's newest at the site
	Target   string
	// Include limits the restore to these paths, given as they appear in the
	// snapshot (/data/models/a.bin) or relative to the set's root.
	Include   []string
	Overwrite bool // allow a non-empty target
	// Delete removes files in the target that the snapshot does not hold
	// (restic restore --delete): a failover target ends up exactly as the
	// snapshot, whatever a previous or interrupted run left there.
	Delete bool
	Verify bool // restic restore --verify: re-read what was written
	// Action names the journal entry ("restore"; drills and failovers use
	// their own).
	Action string
}

// RestoreResult is what a restore did.
type RestoreResult struct {
	Site         string   `json:"site"`
	Set          string   `json:"set"`
	Snapshot     string   `json:"snapshot"`
	SnapshotTime string   `json:"snapshot_time"`
	Target       string   `json:"target"`
	Outcome      Outcome  `json:"outcome"`
	Files        uint64   `json:"files"`
	Bytes        uint64   `json:"bytes"`
	FilesSkipped uint64   `json:"files_skipped"` // already in place (--overwrite), left as they were
	BytesSkipped uint64   `json:"bytes_skipped"`
	Verified     bool     `json:"verified"`
	Seconds      float64  `json:"seconds"`
	Errors       []string `json:"errors,omitempty"`
	Error        string   `json:"error,omitempty"`
}

// ResolveSnapshot finds a set's snapshot at a site in the cached catalog:
// "" or "latest" is the newest, otherwise a full id or unique prefix.
func (e *Engine) ResolveSnapshot(ctx context.Context, site, set, id string) (Snapshot, error) {
	snaps, err := e.Snapshots(ctx, site, set)
	if err != nil {
		return Snapshot{}, err
	}
	if len(snaps) == 0 {
		return Snapshot{}, fmt.Errorf("%w of set %s at site %s: back it up or replicate it there first", ErrNoSnapshot, set, site)
	}
	if id == "" || id == "latest" {
		best := snaps[0]
		for _, s := range snaps {
			if s.Time.After(best.Time) {
				best = s
			}
		}
		return best, nil
	}
	var found []Snapshot
	for _, s := range snaps {
		if strings.HasPrefix(s.ID, id) {
			found = append(found, s)
		}
	}
	switch len(found) {
	case 0:
		return Snapshot{}, dr.Advise(fmt.Errorf("%w %q of set %s at site %s", ErrNoSnapshot, id, set, site),
			dr.Remedy{Act: dr.ActSnapshots, Site: site, Set: set, Effect: "lists them"})
	case 1:
		return found[0], nil
	}
	return Snapshot{}, fmt.Errorf("snapshot id %q is ambiguous at site %s: give more characters", id, site)
}

// dirEmpty says whether dir is missing or holds nothing.
func dirEmpty(dir string) (bool, error) {
	f, err := os.Open(dir)
	if errors.Is(err, os.ErrNotExist) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return false, err
	}
	if !st.IsDir() {
		return false, fmt.Errorf("target %s exists and is not a directory", dir)
	}
	_, err = f.Readdirnames(1)
	if errors.Is(err, io.EOF) {
		return true, nil
	}
	return false, err
}

// restoreSpec is the snapshot argument and include patterns for a set's
// layout: a set with one path restores that path's contents directly into
// the target (restic's id:subfolder form), several paths land under their
// full paths.
func restoreSpec(snapID string, paths, include []string) (string, []string) {
	if len(paths) != 1 {
		var inc []string
		for _, p := range include {
			if !strings.HasPrefix(p, "/") {
				p = "/" + p
			}
			inc = append(inc, p)
		}
		return snapID, inc
	}
	root := path.Clean(paths[0])
	var inc []string
	for _, p := range include {
		if strings.HasPrefix(p, root+"/") {
			p = strings.TrimPrefix(p, root)
		} else if !strings.HasPrefix(p, "/") {
			p = "/" + p
		}
		inc = append(inc, p)
	}
	return snapID + ":" + root, inc
}

// Restore restores a snapshot into a target directory, refusing a
// non-empty target unless Overwrite is set.
func (e *Engine) Restore(ctx context.Context, req RestoreRequest, obs Observer) (*RestoreResult, error) {
	if err := e.Permit(ctx, "restore"); err != nil {
		return nil, err
	}
	set, err := e.set(req.Set)
	if err != nil {
		return nil, err
	}
	site, err := e.site(req.Site)
	if err != nil {
		return nil, err
	}
	if req.Target == "" {
		return nil, fmt.Errorf("restore: a target directory is required")
	}
	target, err := filepath.Abs(req.Target)
	if err != nil {
		return nil, err
	}
	action := req.Action
	if action == "" {
		action = "restore"
	}
	args := argString("--site", req.Site, "--set", req.Set, "--snapshot", req.Snapshot, "--target", target)
	empty, err := dirEmpty(target)
	if err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	if !empty && !req.Overwrite {
		err := fmt.Errorf("%w: %s already holds files; choose an empty or new directory, or pass --overwrite to restore over them", ErrTargetNotEmpty, target)
		_ = e.Journal(ctx, action, req.Site, req.Set, args, OutcomeRefused, err.Error())
		return nil, err
	}
	repo, err := e.repo(site)
	if err != nil {
		return nil, err
	}
	// A full snapshot id the catalog already holds needs no listing first
	// (drills and failovers pin them); anything else is looked up fresh.
	snap, err := e.ResolveSnapshot(ctx, req.Site, req.Set, req.Snapshot)
	if err != nil || len(req.Snapshot) != 64 || snap.ID != req.Snapshot {
		if p := e.refreshListings(ctx, req.Site)[0]; p.Err != nil {
			return nil, e.cancelledBefore(ctx, action, req.Site, req.Set, args, "nothing was written to "+target, p.Err)
		}
		if snap, err = e.ResolveSnapshot(ctx, req.Site, req.Set, req.Snapshot); err != nil {
			return nil, e.cancelledBefore(ctx, action, req.Site, req.Set, args, "nothing was written to "+target, err)
		}
	}
	if err := os.MkdirAll(target, 0o700); err != nil {
		return nil, fmt.Errorf("restore: create target: %w", err)
	}
	spec, include := restoreSpec(snap.ID, set.Paths, req.Include)
	// -vv names each restored item: directories are told apart from files
	// (restic counts both as files_restored) and each --include is checked
	// for having matched something.
	rargs := []string{"restore", "--json", "--verbose=2", spec, "--target", target}
	for _, p := range include {
		rargs = append(rargs, "--include", p)
	}
	if req.Verify {
		rargs = append(rargs, "--verify")
	}
	if req.Delete {
		rargs = append(rargs, "--delete")
	}
	t := e.track(ctx, action, req.Site, req.Set, args+" --snapshot-id "+snap.ShortID)
	obs.emit(Event{Op: action, Site: req.Site, Set: req.Set, Kind: EventStarted, Message: "snapshot " + snap.ShortID + " into " + target})
	var summary restic.RestoreStatus
	var last Progress
	var tally restoreTally
	tally.include = include
	tally.matched = make([]bool, len(include))
	res, err := e.runner.Run(ctx, restic.Call{Repo: repo, Op: "restore " + req.Set, Args: rargs,
		OnLine: func(l restic.Line) {
			switch l.Type {
			case "status":
				var s restic.RestoreStatus
				if json.Unmarshal(l.Raw, &s) == nil {
					last = restoreProgress(s)
					obs.emit(Event{Op: action, Site: req.Site, Set: req.Set, Kind: EventProgress, Progress: last})
				}
			case "verbose_status":
				var v restic.RestoreItem
				if json.Unmarshal(l.Raw, &v) == nil {
					tally.add(target, v)
				}
			case "summary":
				_ = json.Unmarshal(l.Raw, &summary)
			case "error":
				obs.emit(Event{Op: action, Site: req.Site, Set: req.Set, Kind: EventWarning, Message: restic.ErrorText(l.Raw)})
			}
		}})
	r := &RestoreResult{Site: req.Site, Set: req.Set, Snapshot: snap.ID, SnapshotTime: snap.Time.UTC().Format(time.RFC3339),
		Target: target, Files: sub(summary.FilesRestored, tally.dirsRestored), Bytes: summary.BytesRestored,
		FilesSkipped: sub(summary.FilesSkipped, tally.dirsSkipped), BytesSkipped: summary.BytesSkipped}
	if res != nil {
		r.Seconds = res.Duration.Seconds()
		r.Errors = res.Errors
	}
	r.Outcome = outcomeOf(err)
	if err == nil && len(r.Errors) > 0 {
		err = fmt.Errorf("site %s: restore %s: %d error(s): %s", req.Site, req.Set, len(r.Errors), strings.Join(first(r.Errors, 3), "; "))
		r.Outcome = OutcomeFailed
	}
	if err == nil {
		if nothing := tally.unmatched(req.Include); len(nothing) > 0 || summary.FilesRestored+summary.FilesSkipped == 0 {
			err = restoredNothingError(req, snap.ShortID, set.Paths, nothing)
			r.Outcome = OutcomeFailed
			if r.Files+r.FilesSkipped > 0 {
				r.Outcome = OutcomeWarning
			}
		}
	}
	r.Verified = req.Verify && err == nil
	detail := fmt.Sprintf("snapshot %s: %d files, %s into %s", snap.ShortID, r.Files, Bytes(r.Bytes), target)
	if r.FilesSkipped > 0 {
		detail += fmt.Sprintf(" (%d files, %s already in place)", r.FilesSkipped, Bytes(r.BytesSkipped))
	}
	if r.Verified {
		detail += ", verified"
	}
	if err != nil {
		r.Error = err.Error()
		detail = err.Error()
		if r.Outcome == OutcomeCancelled || r.Outcome == OutcomeFailed {
			detail += "; " + target + " may hold a partial restore"
		}
	}
	t.finish(r.Outcome, detail, r.Files, r.Bytes)
	obs.emit(Event{Op: action, Site: req.Site, Set: req.Set, Kind: EventFinished, Outcome: r.Outcome, Message: detail, Progress: last})
	return r, err
}

func restoreProgress(s restic.RestoreStatus) Progress {
	p := Progress{Files: s.FilesRestored + s.FilesSkipped, TotalFiles: s.TotalFiles,
		Bytes: s.BytesRestored + s.BytesSkipped, TotalBytes: s.TotalBytes, Percent: s.PercentDone,
		Elapsed: time.Duration(s.SecondsElapsed) * time.Second}
	// restore reports no ETA; derive one from the rate so far.
	if s.PercentDone > 0.01 && s.PercentDone < 1 {
		p.ETA = time.Duration(float64(p.Elapsed) * (1 - s.PercentDone) / s.PercentDone)
	}
	return p
}

// List streams the entries of a snapshot (`restic ls --json`) to fn, one
// at a time, so that a snapshot of millions of files never sits in memory.
func (e *Engine) List(ctx context.Context, site, snapshotID string, fn func(restic.Node)) error {
	_, repo, err := e.siteRepo(site)
	if err != nil {
		return err
	}
	_, err = e.runner.Run(ctx, restic.Call{Repo: repo, Op: "ls", FailFast: true, Args: []string{"ls", "--json", "--no-lock", snapshotID},
		OnLine: func(l restic.Line) {
			if l.Stderr || (l.Type != "node" && l.Type != "") {
				return
			}
			var n restic.Node
			if json.Unmarshal(l.Raw, &n) == nil && n.Path != "" {
				fn(n)
			}
		}})
	return err
}
