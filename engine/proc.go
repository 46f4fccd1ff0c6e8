package engine

import (
	"fmt"
	"strconv"
	"strings"
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

// atSite names the site in err unless it already does, so that messages
// never stutter ("site dr: site dr: ...").
func atSite(site string, err error) error {
	if err == nil || strings.HasPrefix(err.Error(), "site "+site+":") {
		return err
	}
	return fmt.Errorf("site %s: %w", site, err)
}

// siteCause is err's text without its leading "site NAME: ", for a
// sentence that names the site itself.
func siteCause(site string, err error) string {
	return strings.TrimPrefix(err.Error(), "site "+site+": ")
}
