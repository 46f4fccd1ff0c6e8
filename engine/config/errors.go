package config

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Error is one problem in a configuration file. It names the file, the line and column of the
// offending node (1-based; 0 when not known), and the key path at fault, e.g.
// "sites[1].password_file" or "sets[0].retention.keep_daily".
type Error struct {
	File   string
	Line   int
	Column int
	Key    string
	Msg    string
}

// Error formats the error as "file:line:col: key.path: message".
func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			b.WriteString(":" + strconv.Itoa(e.Line))
			if e.Column > 0 {
				b.WriteString(":" + strconv.Itoa(e.Column))
			}
		}
		b.WriteString(": ")
	} else if e.Line > 0 {
		fmt.Fprintf(&b, "line %d:%d: ", e.Line, e.Column)
	}
	if e.Key != "" {
		b.WriteString(e.Key + ": ")
	}
	b.WriteString(oneLine(e.Msg))
	return b.String()
}

// maxReported caps how many problems one Parse reports.
const maxReported = 20

// joinErrors orders errs by position, drops exact repeats (a node reached twice through an
// alias) and joins them; errors.As(err, &*Error) then yields the first one in the file.
func joinErrors(errs []*Error) error {
	if len(errs) == 0 {
		return nil
	}
	sort.SliceStable(errs, func(i, j int) bool {
		a, b := errs[i], errs[j]
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
	seen := map[string]bool{}
	var out []error
	for _, e := range errs {
		s := e.Error()
		if seen[s] {
			continue
		}
		seen[s] = true
		out = append(out, e)
	}
	if len(out) == 1 {
		return out[0]
	}
	if len(out) > maxReported {
		n := len(out) - maxReported
		out = append(out[:maxReported], fmt.Errorf("... and %d more problems", n))
	}
	return errors.Join(out...)
}

func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.Join(strings.Fields(strings.NewReplacer("\r", " ", "\n", " ").Replace(s)), " ")
}
