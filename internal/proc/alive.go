package proc

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Alive says whether pid exists on this host (signal 0 probes it).
func Alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || err == syscall.EPERM
}

// HolderAlive says whether the process that took a lock or started a
// record at since still runs: its pid exists and belongs to a process
// started before then. After a crash and a reboot, pids are handed out
// again; a daemon that got the dead holder's pid is not the holder.
func HolderAlive(pid int, since time.Time) bool {
	if !Alive(pid) {
		return false
	}
	started, ok := processStart(pid)
	// The kernel counts start times in clock ticks from a boot time given
	// in whole seconds: allow for the rounding.
	return !ok || since.IsZero() || !started.After(since.Add(2*time.Second))
}

// processStart is when pid started, from /proc (Linux); ok is false where
// that cannot be read.
func processStart(pid int) (time.Time, bool) {
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return time.Time{}, false
	}
	s := string(raw)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return time.Time{}, false
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 20 {
		return time.Time{}, false
	}
	ticks, err := strconv.ParseInt(f[19], 10, 64) // field 22: starttime
	if err != nil {
		return time.Time{}, false
	}
	boot, ok := bootTime()
	if !ok {
		return time.Time{}, false
	}
	const hz = 100 // USER_HZ, fixed at 100 on Linux
	return boot.Add(time.Duration(ticks) * time.Second / hz), true
}

// bootTime is the btime line of /proc/stat.
func bootTime() (time.Time, bool) {
	raw, err := os.ReadFile("/proc/stat")
	if err != nil {
		return time.Time{}, false
	}
	for _, l := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(l, "btime "); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil {
				return time.Time{}, false
			}
			return time.Unix(n, 0), true
		}
	}
	return time.Time{}, false
}
