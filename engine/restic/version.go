package restic

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// MinVersion is the oldest restic whose exit codes lifeboat relies on.
const MinVersion = "0.17.1"

// Version is what `restic version --json` reports.
type Version struct {
	Version   string `json:"version"`
	GoVersion string `json:"go_version"`
	GoOS      string `json:"go_os"`
	GoArch    string `json:"go_arch"`
}

var versionText = regexp.MustCompile(`restic (\d+\.\d+\.\d+)`)

// CheckVersion runs `restic version --json` and refuses anything older than MinVersion.
func CheckVersion(ctx context.Context, binary string) (Version, error) {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, binary, "version", "--json").Output()
	var v Version
	if err == nil && json.Unmarshal(out, &v) == nil && v.Version != "" {
		// ok
	} else if m := versionText.FindSubmatch(out); m != nil {
		// restic before 0.17 prints text even with --json
		v.Version = string(m[1])
	} else if err != nil {
		return v, &Error{Code: -1, Kind: ErrNotFound, Message: fmt.Sprintf("%s: %v", binary, err), Hint: installHint}
	} else {
		return v, &Error{Code: -1, Kind: ErrFailed, Message: fmt.Sprintf("%s does not report a restic version", binary), Hint: installHint}
	}
	return v, Supported(binary, v)
}

// Supported refuses a restic older than MinVersion.
func Supported(binary string, v Version) error {
	if compareVersions(v.Version, MinVersion) < 0 {
		return &Error{Code: -1, Kind: ErrTooOld,
			Message: fmt.Sprintf("%s is restic %s; lifeboat needs %s or newer", binary, v.Version, MinVersion),
			Hint:    installHint}
	}
	return nil
}

// Stamp identifies a binary on disk: any replacement, upgrade or touch
// changes it (ctime and inode cannot be set back by copying tools).
func Stamp(binary string) (string, error) {
	fi, err := os.Stat(binary)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("size=%d mtime=%d", fi.Size(), fi.ModTime().UnixNano()) + inodeStamp(fi), nil
}

// compareVersions compares dotted versions numerically ("0.9.6" < "0.17.1").
func compareVersions(a, b string) int {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) || i < len(pb); i++ {
		var x, y int
		if i < len(pa) {
			x, _ = strconv.Atoi(strings.TrimLeft(pa[i], "v"))
		}
		if i < len(pb) {
			y, _ = strconv.Atoi(pb[i])
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

// DurationArg renders a duration the way restic's --keep-within wants it
// (y, m, d, h units only).
func DurationArg(d time.Duration) string {
	h := int(d.Hours())
	if h < 1 {
		h = 1
	}
	days, hours := h/24, h%24
	switch {
	case days > 0 && hours > 0:
		return fmt.Sprintf("%dd%dh", days, hours)
	case days > 0:
		return fmt.Sprintf("%dd", days)
	}
	return fmt.Sprintf("%dh", hours)
}
