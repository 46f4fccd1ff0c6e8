package engine_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lifeboat-dr/lifeboat/engine"
	"github.com/lifeboat-dr/lifeboat/engine/restic"
	"github.com/lifeboat-dr/lifeboat/internal/testenv"
)

// smallDisk mounts a 1 MiB tmpfs (root only) so that a restore runs out of space.
func smallDisk(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "small")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", dir).CombinedOutput(); err != nil {
		testenv.Missing(t, "cannot mount a small tmpfs to fill (needs root): %v %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", dir).Run() })
	return dir
}

func TestRestoreOntoFullDisk(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "")
	disk := smallDisk(t)
	f.init()
	f.randomModel("big.bin", 3<<20)
	ctx := context.Background()
	if _, err := f.eng.Backup(ctx, engine.BackupRequest{Sets: []string{"models"}}, nil); err != nil {
		t.Fatal(err)
	}
	r, err := f.eng.Restore(ctx, engine.RestoreRequest{Site: "primary", Set: "models", Target: filepath.Join(disk, "t")}, nil)
	if !errors.Is(err, restic.ErrDiskFull) {
		t.Fatalf("restore onto a full disk: %v", err)
	}
	if r == nil || r.Outcome != engine.OutcomeFailed || !strings.Contains(err.Error(), "free space") {
		t.Fatalf("result %+v, error %v", r, err)
	}
	j := f.journal()
	if j[0].Action != "restore" || j[0].Outcome != "failed" || !strings.Contains(j[0].Detail, "partial") {
		t.Fatalf("journal: %+v", j[0])
	}
}

// A restore whose --include matches nothing restored nothing: that is an
// error naming the path, never an ok with 0 files.
func TestRestoreIncludeMatchingNothingIsAnError(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "")
	f.init()
	testenv.WriteFiles(t, filepath.Join(f.data, "models"), map[string]string{"a/b/deep.bin": "deep"})
	f.replicated("models")
	ctx := context.Background()
	target := filepath.Join(t.TempDir(), "none")
	r, err := f.eng.Restore(ctx, engine.RestoreRequest{Site: "primary", Set: "models", Target: target,
		Include: []string{"no-such-dir/weights.bin"}}, nil)
	if err == nil || !strings.Contains(err.Error(), "no-such-dir/weights.bin") || !strings.Contains(err.Error(), "matched nothing") {
		t.Fatalf("include matching nothing: err %v, result %+v", err, r)
	}
	if r == nil || r.Outcome != engine.OutcomeFailed {
		t.Fatalf("include matching nothing: result %+v", r)
	}
	if j := f.journal(); j[0].Action != "restore" || j[0].Outcome != "failed" || !strings.Contains(j[0].Detail, "no-such-dir/weights.bin") {
		t.Fatalf("journal: %+v", j[0])
	}

	// One include that matches and one that does not: the restore happened
	// but is not a success, and the message names the one that matched nothing.
	part := filepath.Join(t.TempDir(), "part")
	r, err = f.eng.Restore(ctx, engine.RestoreRequest{Site: "primary", Set: "models", Target: part,
		Include: []string{"config.json", "ckpt-9"}}, nil)
	if err == nil || !strings.Contains(err.Error(), "ckpt-9") || strings.Contains(err.Error(), "config.json") {
		t.Fatalf("half-matching include: err %v", err)
	}
	if r == nil || r.Outcome == engine.OutcomeOK || r.Files != 1 {
		t.Fatalf("half-matching include: result %+v", r)
	}

	// restic's ** matches any number of directories: a restore it made
	// through one is not "matched nothing".
	deep := filepath.Join(t.TempDir(), "deep")
	r, err = f.eng.Restore(ctx, engine.RestoreRequest{Site: "primary", Set: "models", Target: deep,
		Include: []string{"/**/deep.bin"}}, nil)
	if err != nil || r.Outcome != engine.OutcomeOK || r.Files != 1 {
		t.Fatalf("include with **: %v %+v", err, r)
	}
}

// files counts regular files: models holds 3 files in 2 directories
// (restic's files_restored says 4 here: it counts ckpt-1 too).
func TestRestoreCountsRegularFiles(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "")
	f.init()
	f.replicated("models")
	ctx := context.Background()
	target := filepath.Join(t.TempDir(), "restore")
	r, err := f.eng.Restore(ctx, engine.RestoreRequest{Site: "dr", Set: "models", Target: target, Verify: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Files != 3 {
		t.Fatalf("restore reports %d files, the snapshot holds 3 regular files", r.Files)
	}
	if j := f.journal(); !strings.Contains(j[0].Detail, ": 3 files,") {
		t.Fatalf("journal detail: %q", j[0].Detail)
	}
	// Restored again over itself: nothing new is written, everything is in
	// place; the skipped count is regular files too.
	r, err = f.eng.Restore(ctx, engine.RestoreRequest{Site: "dr", Set: "models", Target: target, Overwrite: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Files+r.FilesSkipped != 3 {
		t.Fatalf("second restore: %d restored + %d skipped, want 3 regular files in place", r.Files, r.FilesSkipped)
	}
	if j := f.journal(); !strings.Contains(j[0].Detail, "(3 files, ") || !strings.Contains(j[0].Detail, "already in place)") {
		t.Fatalf("journal detail of a restore over itself: %q", j[0].Detail)
	}
	// A set without directories, restored over itself: every file is
	// skipped, none restored, and that is not "nothing to restore".
	f.replicated("datasets")
	flat := filepath.Join(t.TempDir(), "flat")
	for i := 0; i < 2; i++ {
		r, err = f.eng.Restore(ctx, engine.RestoreRequest{Site: "dr", Set: "datasets", Target: flat, Overwrite: true}, nil)
		if err != nil {
			t.Fatalf("restore %d of datasets: %v", i+1, err)
		}
	}
	if r.Files != 0 || r.FilesSkipped != 2 || r.BytesSkipped == 0 {
		t.Fatalf("datasets restored over itself: %+v", r)
	}
}
