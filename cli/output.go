package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	"golang.org/x/term"

	"github.com/lifeboat-dr/lifeboat/engine"
)

// writeJSON prints v as indented JSON; the shapes are the contract's.
func (a *app) writeJSON(v any) error {
	enc := json.NewEncoder(a.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// show prints v as JSON under --json, else as text through human.
func (a *app) show(v any, human func()) error {
	if a.json {
		return a.writeJSON(v)
	}
	human()
	return nil
}

// isTerminal says whether w is a terminal (for colour and progress).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// palette colours words on a terminal and leaves them plain elsewhere or
// under NO_COLOR. A state is always a word too, never a colour alone.
type palette struct{ ok, warn, bad, muted, bold lipgloss.Style }

func (a *app) palette() palette {
	r := lipgloss.NewRenderer(a.stdout)
	if !isTerminal(a.stdout) || os.Getenv("NO_COLOR") != "" {
		r.SetColorProfile(termenv.Ascii)
	}
	return palette{
		ok:    r.NewStyle().Foreground(lipgloss.Color("2")),
		warn:  r.NewStyle().Foreground(lipgloss.Color("3")),
		bad:   r.NewStyle().Foreground(lipgloss.Color("1")).Bold(true),
		muted: r.NewStyle().Foreground(lipgloss.Color("8")),
		bold:  r.NewStyle().Bold(true),
	}
}

// level colours a verdict word.
func (p palette) level(word string) string {
	key := word
	if f := strings.Fields(word); len(f) > 0 {
		key = f[0]
	}
	switch strings.ToLower(key) {
	case "ok", "compliant", "yes", "up", "committed":
		return p.ok.Render(word)
	case "warning", "warning:", "exceeded", "behind", "cancelled", "refused", "aborted", "running":
		return p.warn.Render(word)
	case "critical", "critical:", "severe", "failed", "down", "no", "none", "interrupted":
		return p.bad.Render(word)
	}
	return word
}

// table prints aligned columns; widths ignore colour codes.
type table struct {
	head []string
	rows [][]string
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) print(w io.Writer, p palette) {
	widths := make([]int, len(t.head))
	for i, h := range t.head {
		widths[i] = len(h)
	}
	for _, r := range t.rows {
		for i, c := range r {
			if i < len(widths) && lipgloss.Width(c) > widths[i] {
				widths[i] = lipgloss.Width(c)
			}
		}
	}
	line := func(cells []string, style func(string) string) {
		var b strings.Builder
		for i, c := range cells {
			if i > 0 {
				b.WriteString("  ")
			}
			s := style(c)
			b.WriteString(s)
			if i < len(cells)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-lipgloss.Width(c)))
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
	line(t.head, func(s string) string { return p.bold.Render(s) })
	for _, r := range t.rows {
		line(r, func(s string) string { return s })
	}
}

// ago renders a time relative to now: "3h ago", "just now", "never".
func ago(t time.Time) string { return engine.Ago(time.Now(), t) }

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
