package engine

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/lifeboat-dr/lifeboat/engine/config"
	"github.com/lifeboat-dr/lifeboat/engine/restic"
	"github.com/lifeboat-dr/lifeboat/internal/proc"
)

// What drills and failovers both do with a restored copy: count it against
// its snapshot, run the operator's hooks on it, and clear or measure the
// directories it lands in.

// comparison is a restored copy against its snapshot's listing.
type comparison struct {
	listedFiles, listedBytes uint64 // regular files under the set's paths
	files, bytes             uint64 // regular files found in the copy
}

// compareRestored counts the regular files and bytes of snapshot snapID
// under the set's paths and of the restored copy in dir; they must agree.
func (e *Engine) compareRestored(ctx context.Context, site, snapID string, s *config.Set, dir string) (comparison, error) {
	var c comparison
	short := shortHash(snapID)[:min(8, len(snapID))]
	roots := make([]string, len(s.Paths))
	for i, p := range s.Paths {
		roots[i] = path.Clean(filepath.ToSlash(p))
	}
	err := e.List(ctx, site, snapID, func(n restic.Node) {
		if n.Type != "file" {
			return
		}
		for _, r := range roots {
			if n.Path == r || strings.HasPrefix(n.Path, r+"/") {
				c.listedFiles++
				c.listedBytes += n.Size
				return
			}
		}
	})
	if err != nil {
		return c, fmt.Errorf("listing snapshot %s of set %s at site %s failed: %w", short, s.Name, site, err)
	}
	err = filepath.WalkDir(dir, func(p string, de fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if de.Type().IsRegular() {
			info, err := de.Info()
			if err != nil {
				return err
			}
			c.files++
			c.bytes += uint64(info.Size())
		}
		return nil
	})
	if err != nil {
		return c, fmt.Errorf("reading the restored copy of set %s failed: %w", s.Name, err)
	}
	if c.files != c.listedFiles || c.bytes != c.listedBytes {
		return c, fmt.Errorf("set %s: the restored copy holds %d files (%s), the snapshot %s lists %d files (%s)",
			s.Name, c.files, Bytes(c.bytes), short, c.listedFiles, Bytes(c.listedBytes))
	}
	return c, nil
}

// hookTail is how much of a failing hook's output a finding quotes.
const hookTail = 400

// runHook runs one operator hook with sh in dir, with the LIFEBOAT_*
// variables in env added to the allowlisted part of lifeboat's
// environment, less the site credentials. A failure quotes the end of the
// hook's output.
// A hook that outlives timeout (the config key named by key) is stopped,
// with everything it started.
func (e *Engine) runHook(ctx context.Context, hook, dir string, env []string, timeout config.Duration, key string) error {
	out, err := proc.Shell{Command: hook, Dir: dir, Env: env, Hide: hiddenEnv(e.cfg), Timeout: timeout.D()}.Run(ctx)
	if err == nil {
		return nil
	}
	if errors.Is(err, proc.ErrTimeout) {
		err = fmt.Errorf("%w (%s)", err, key)
	}
	tail := strings.TrimSpace(string(out))
	if len(tail) > hookTail {
		tail = "…" + tail[len(tail)-hookTail:]
	}
	if tail != "" {
		return fmt.Errorf("%w: %s", err, tail)
	}
	return err
}

// removeAll removes dir even when restored directories are read-only.
func removeAll(dir string) error {
	if _, err := os.Lstat(dir); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	_ = filepath.WalkDir(dir, func(p string, de fs.DirEntry, err error) error {
		if err == nil && de.IsDir() {
			_ = os.Chmod(p, 0o700)
		}
		return nil
	})
	return os.RemoveAll(dir)
}

// countEntries is how many entries dir holds (0 when it does not exist).
func countEntries(dir string) int {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return 0
	}
	return len(ents)
}

// freeBytes is the space left for an unprivileged writer at dir.
func freeBytes(dir string) (uint64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, err
	}
	return st.Bavail * uint64(st.Bsize), nil
}
