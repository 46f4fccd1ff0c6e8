package proc

import "strings"

// Tail keeps the last n bytes of a command's output on one line, the part
// that usually says why it failed.
func Tail(out string, n int) string {
	out = strings.Join(strings.Fields(out), " ")
	if len(out) > n {
		out = "…" + out[len(out)-n:]
	}
	return out
}
