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
	big := make([]byte, 3<<20)
	for i := range big {
		big[i] = byte(i*31 + i>>11)
	}
	if err := os.WriteFile(filepath.Join(f.data, "models", "big.bin"), big, 0o644); err != nil {
		t.Fatal(err)
	}
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
