package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lifeboat-dr/lifeboat/engine/restic"
)

// BackupRequest names the sets to back up; none means every set.
type BackupRequest struct {
	Sets []string
	// Time sets the snapshot's time (restic backup --time); zero means now.
	// The demo uses it to build a week of history.
	Time time.Time
}

// BackupResult is one set's backup.
type BackupResult struct {
	Set        string        `json:"set"`
	Site       string        `json:"site"`
	Outcome    Outcome       `json:"outcome"`
	SnapshotID string        `json:"snapshot_id,omitempty"`
	FilesNew   uint64        `json:"files_new"`
	FilesTotal uint64        `json:"files_total"`
	BytesTotal uint64        `json:"bytes_total"`
	DataAdded  uint64        `json:"data_added"`
	Duration   time.Duration `json:"-"`
	Seconds    float64       `json:"seconds"`
	// Unreadable lists items restic could not read (exit 3: partial snapshot).
	Unreadable []string `json:"unreadable,omitempty"`
	Error      string   `json:"error,omitempty"`
}

// Backup backs up each requested set to the active site, one after another.
// It stops at a cancellation; other failures are reported per set and the
// returned error joins them.
func (e *Engine) Backup(ctx context.Context, req BackupRequest, obs Observer) ([]BackupResult, error) {
	sets, active, repo, err := e.setsFromActive(ctx, "backup", req.Sets)
	if err != nil {
		return nil, err
	}
	var results []BackupResult
	var errs []error
	for _, set := range sets {
		if ctx.Err() != nil {
			errs = append(errs, fmt.Errorf("backup %s: %w", set.Name, restic.ErrCancelled))
			break
		}
		args := []string{"backup", "--json", "--tag", set.Name}
		if set.Host != "" {
			// The set only counts snapshots of this host; the backup must carry it.
			args = append(args, "--host", set.Host)
		}
		for _, x := range set.Exclude {
			args = append(args, "--exclude", x)
		}
		if !req.Time.IsZero() {
			args = append(args, "--time", req.Time.Local().Format("2006-01-02 15:04:05"))
		}
		args = append(args, set.Paths...)

		// One backup of a set at a time, across processes.
		lock, err := e.lockOperation(ctx, active, "backup "+set.Name, obs, "backup", set.Name)
		if err != nil {
			errs = append(errs, err)
			break
		}
		t := e.track(ctx, "backup", active, set.Name, argString("--set", set.Name))
		obs.emit(Event{Op: "backup", Site: active, Set: set.Name, Kind: EventStarted})
		r := BackupResult{Set: set.Name, Site: active}
		var summary restic.BackupSummary
		var last Progress
		res, err := e.runner.Run(ctx, restic.Call{Repo: repo, Op: "backup " + set.Name, Args: args,
			OnLine: func(l restic.Line) {
				switch l.Type {
				case "status":
					var s restic.BackupStatus
					if json.Unmarshal(l.Raw, &s) == nil {
						last = Progress{Files: s.FilesDone, TotalFiles: s.TotalFiles, Bytes: s.BytesDone,
							TotalBytes: s.TotalBytes, Percent: s.PercentDone,
							Elapsed: time.Duration(s.SecondsElapsed) * time.Second,
							ETA:     time.Duration(s.SecondsRemaining) * time.Second}
						obs.emit(Event{Op: "backup", Site: active, Set: set.Name, Kind: EventProgress, Progress: last})
					}
				case "summary":
					_ = json.Unmarshal(l.Raw, &summary)
				case "error":
					obs.emit(Event{Op: "backup", Site: active, Set: set.Name, Kind: EventWarning, Message: restic.ErrorText(l.Raw)})
				}
			}})
		r.SnapshotID = summary.SnapshotID
		r.FilesNew = summary.FilesNew
		r.FilesTotal = summary.TotalFilesProcessed
		r.BytesTotal = summary.TotalBytesProcessed
		r.DataAdded = summary.DataAdded
		if res != nil {
			r.Duration = res.Duration
			r.Seconds = res.Duration.Seconds()
			r.Unreadable = res.Errors
		}
		r.Outcome = outcomeOf(err)
		// No summary means no snapshot: whatever the exit code said, that is a failure.
		if err == nil && summary.SnapshotID == "" {
			err = &restic.Error{Site: active, Op: "backup " + set.Name, Kind: restic.ErrFailed,
				Message: "restic ended without making a snapshot"}
			r.Outcome = OutcomeFailed
		}
		detail := ""
		switch r.Outcome {
		case OutcomeOK:
			detail = fmt.Sprintf("snapshot %s: %d files, %s, %s added", short(r.SnapshotID), r.FilesTotal, Bytes(r.BytesTotal), Bytes(r.DataAdded))
		case OutcomeWarning:
			detail = fmt.Sprintf("snapshot %s is partial: %d item(s) unreadable: %s", short(r.SnapshotID), len(r.Unreadable), strings.Join(first(r.Unreadable, 5), "; "))
		default:
			detail = err.Error()
		}
		if err != nil {
			r.Error = err.Error()
			errs = append(errs, err)
		}
		t.finish(r.Outcome, detail, r.FilesTotal, r.BytesTotal)
		lock.release()
		obs.emit(Event{Op: "backup", Site: active, Set: set.Name, Kind: EventFinished, Outcome: r.Outcome, Message: detail, Progress: last})
		results = append(results, r)
		if r.Outcome == OutcomeCancelled {
			break
		}
	}
	return results, errors.Join(errs...)
}

func short(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

func first(s []string, n int) []string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// Bytes renders a byte count in binary units.
func Bytes(n uint64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := uint64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
