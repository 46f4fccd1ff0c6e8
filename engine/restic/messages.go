package restic

import "time"

// Snapshot is one entry of `restic snapshots --json`.
type Snapshot struct {
	ID             string    `json:"id"`
	ShortID        string    `json:"short_id"`
	Time           time.Time `json:"time"`
	Parent         string    `json:"parent"`
	Tree           string    `json:"tree"`
	Paths          []string  `json:"paths"`
	Hostname       string    `json:"hostname"`
	Username       string    `json:"username"`
	Tags           []string  `json:"tags"`
	Original       string    `json:"original"`
	ProgramVersion string    `json:"program_version"`
	Summary        *struct {
		TotalFilesProcessed int64 `json:"total_files_processed"`
		TotalBytesProcessed int64 `json:"total_bytes_processed"`
	} `json:"summary"`
}

// BackupStatus is a backup progress line.
type BackupStatus struct {
	SecondsElapsed   uint64  `json:"seconds_elapsed"`
	SecondsRemaining uint64  `json:"seconds_remaining"`
	PercentDone      float64 `json:"percent_done"`
	TotalFiles       uint64  `json:"total_files"`
	FilesDone        uint64  `json:"files_done"`
	TotalBytes       uint64  `json:"total_bytes"`
	BytesDone        uint64  `json:"bytes_done"`
	ErrorCount       uint64  `json:"error_count"`
}

// BackupSummary ends a backup that made a snapshot.
type BackupSummary struct {
	FilesNew            uint64    `json:"files_new"`
	FilesChanged        uint64    `json:"files_changed"`
	FilesUnmodified     uint64    `json:"files_unmodified"`
	DataAdded           uint64    `json:"data_added"`
	DataAddedPacked     uint64    `json:"data_added_packed"`
	TotalFilesProcessed uint64    `json:"total_files_processed"`
	TotalBytesProcessed uint64    `json:"total_bytes_processed"`
	TotalDuration       float64   `json:"total_duration"`
	BackupStart         time.Time `json:"backup_start"`
	BackupEnd           time.Time `json:"backup_end"`
	SnapshotID          string    `json:"snapshot_id"`
}

// RestoreStatus is both the restore progress line and its summary.
type RestoreStatus struct {
	SecondsElapsed uint64  `json:"seconds_elapsed"`
	PercentDone    float64 `json:"percent_done"`
	TotalFiles     uint64  `json:"total_files"`
	FilesRestored  uint64  `json:"files_restored"`
	FilesSkipped   uint64  `json:"files_skipped"`
	FilesDeleted   uint64  `json:"files_deleted"`
	TotalBytes     uint64  `json:"total_bytes"`
	BytesRestored  uint64  `json:"bytes_restored"`
	BytesSkipped   uint64  `json:"bytes_skipped"`
}

// RestoreItem is one verbose_status line of `restic restore -vv --json`.
type RestoreItem struct {
	Action string `json:"action"` // restored, updated, unchanged, deleted
	Item   string `json:"item"`
	Size   uint64 `json:"size"`
}

// CheckSummary ends `restic check --json`.
type CheckSummary struct {
	NumErrors          int      `json:"num_errors"`
	BrokenPacks        []string `json:"broken_packs"`
	SuggestRepairIndex bool     `json:"suggest_repair_index"`
	SuggestPrune       bool     `json:"suggest_prune"`
}

// ForgetGroup is one group of `restic forget --json`.
type ForgetGroup struct {
	Tags    []string   `json:"tags"`
	Host    string     `json:"host"`
	Paths   []string   `json:"paths"`
	Keep    []Snapshot `json:"keep"`
	Remove  []Snapshot `json:"remove"`
	Reasons []struct {
		Snapshot Snapshot `json:"snapshot"`
		Matches  []string `json:"matches"`
	} `json:"reasons"`
}

// Node is one entry of `restic ls --json`.
type Node struct {
	Name  string    `json:"name"`
	Type  string    `json:"type"`
	Path  string    `json:"path"`
	Size  uint64    `json:"size"`
	Mode  uint32    `json:"mode"`
	MTime time.Time `json:"mtime"`
}
