package engine

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/lifeboat-dr/lifeboat/internal/proc"
)

// processAlive and holderAlive are internal/proc's, for the engine's
// own locks and records.
func processAlive(pid int) bool { return proc.Alive(pid) }

func holderAlive(pid int, since time.Time) bool { return proc.HolderAlive(pid, since) }

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
