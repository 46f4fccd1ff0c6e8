package engine

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// packGauge measures what a running restic has delivered, from outside.
// restic writes each new pack to an unlinked temp file (restic-temp-pack-*)
// and closes it once the backend has acknowledged the pack. So the packs
// seen open (/proc/PID/fd) and then gone are bytes the standby holds.
// Bytes written to a socket are no measure: the kernel's buffers on the
// way take megabytes at once, long before the link has carried them.
// A pack opened and closed between two looks is not seen, so a fast link
// is counted short, never long. Only full packs count (at least the pack
// size restic fills before it sends, RESTIC_PACK_SIZE): at the end of a
// batch restic merges small packs into one it then sends, and the merged
// ones' files close whenever Go's collector finds them, which would count
// their bytes twice. Tree packs and the last, partial pack are not counted
// either. (A full pack may be far larger than the target, when a big blob
// ends it: comparing with the largest seen would miss the full ones after
// it.)
type packGauge struct {
	pid   int
	full  uint64 // the size at which restic sends a pack
	done  uint64
	packs map[string]uint64 // size of each open temp pack, by its name
}

func newPackGauge(pid int, full uint64) *packGauge {
	return &packGauge{pid: pid, full: full, packs: map[string]uint64{}}
}

// delivered is the bytes of the packs the backend has taken so far, and
// false when restic cannot be looked at (it ended, or there is no /proc).
func (g *packGauge) delivered() (uint64, bool) {
	dir := filepath.Join("/proc", strconv.Itoa(g.pid), "fd")
	fds, err := os.ReadDir(dir)
	if err != nil {
		return g.done, false
	}
	// By name, not inode: a pack's unlinked file frees its inode when it
	// closes, and the next temp pack may take it between two looks, which
	// would hide the first pack's end.
	open := map[string]uint64{}
	for _, fd := range fds {
		p := filepath.Join(dir, fd.Name())
		link, err := os.Readlink(p)
		if err != nil || !strings.Contains(filepath.Base(link), "restic-temp-pack-") {
			continue
		}
		var st syscall.Stat_t
		if syscall.Stat(p, &st) == nil {
			open[link] = uint64(st.Size)
		}
	}
	return g.observe(open), true
}

// observe takes the temp packs open now (size by name) and returns the
// bytes delivered: the full packs that were open at the last look and are
// gone.
func (g *packGauge) observe(open map[string]uint64) uint64 {
	for ino, size := range open {
		open[ino] = max(size, g.packs[ino])
	}
	for ino, size := range g.packs {
		if _, ok := open[ino]; !ok && size >= g.full {
			g.done += size
		}
	}
	g.packs = open
	return g.done
}
