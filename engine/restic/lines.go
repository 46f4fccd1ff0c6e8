package restic

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"

	"github.com/lifeboat-dr/lifeboat/internal/hide"
)

// lineWriter splits a stream into lines without copying each one.
type lineWriter struct {
	buf []byte
	fn  func([]byte)
}

// maxLine bounds a partial line kept in memory; longer lines are cut.
const maxLine = 8 << 20

func (w *lineWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			if len(w.buf)+len(p) <= maxLine {
				w.buf = append(w.buf, p...)
			}
			break
		}
		if len(w.buf) > 0 {
			w.buf = append(w.buf, p[:i]...)
			w.fn(trimCR(w.buf))
			w.buf = w.buf[:0]
		} else {
			w.fn(trimCR(p[:i]))
		}
		p = p[i+1:]
	}
	return n, nil
}

func (w *lineWriter) flush() {
	if len(w.buf) > 0 {
		w.fn(trimCR(w.buf))
		w.buf = w.buf[:0]
	}
}

func trimCR(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\r' {
		return b[:n-1]
	}
	return b
}

var typeKey = []byte(`"message_type":"`)

// messageType finds message_type without decoding the whole line; restic
// always writes it first, so this is a prefix check in practice.
func messageType(line []byte) string {
	if len(line) == 0 || line[0] != '{' {
		return ""
	}
	i := bytes.Index(line, typeKey)
	if i < 0 {
		return ""
	}
	rest := line[i+len(typeKey):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return ""
	}
	return string(rest[:j])
}

type exitError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func (e *exitError) parse(line []byte) { _ = json.Unmarshal(line, e) }

// ErrorText renders a restic "error" message: {"error":{"message":..},"during":..,"item":..}.
func ErrorText(line []byte) string {
	var m struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
		During  string `json:"during"`
		Item    string `json:"item"`
		Message string `json:"message"` // check prints errors this way
	}
	if json.Unmarshal(line, &m) != nil {
		return ""
	}
	if m.Error.Message == "" {
		m.Error.Message = m.Message
	}
	var b strings.Builder
	if m.Item != "" {
		b.WriteString(m.Item)
		b.WriteString(": ")
	}
	b.WriteString(m.Error.Message)
	if m.During != "" {
		b.WriteString(" (during " + m.During + ")")
	}
	return b.String()
}

// urlPassword returns the password in a repository URL like
// rest:https://user:pw@host/repo, or "".
func urlPassword(repo string) string {
	s := repo
	if i := strings.Index(s, ":"); i >= 0 && !strings.HasPrefix(s, "http") {
		s = s[i+1:]
	}
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return ""
	}
	pw, _ := u.User.Password()
	return pw
}

// RedactRepository hides a URL password in a repository string for display.
func RedactRepository(repo string) string { return hide.URLPassword(repo) }

func redact(s string, secrets []string) string {
	for _, sec := range secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, "***")
		}
	}
	return s
}

func redactArgs(args []string, secrets []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = redact(a, secrets)
	}
	return out
}
