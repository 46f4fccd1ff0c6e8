package engine

import (
	"strconv"
	"syscall"
)

// processAlive says whether pid exists on this host (signal 0 probes it).
func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || err == syscall.EPERM
}

func itoa(i int) string { return strconv.Itoa(i) }
