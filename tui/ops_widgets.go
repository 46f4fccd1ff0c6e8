package tui

import (
	"fmt"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/lifeboat-dr/lifeboat/engine"
)

// opsProgress draws an operation's bar with bubbles/progress (see
// progressBar), adding the states a bare percentage cannot show.
type opsProgress struct {
	Width int // of the bar, without the percentage
	Theme Theme
}

// ViewAs renders the bar at percent (0..1) followed by the percentage.
func (p opsProgress) ViewAs(percent float64) string {
	return progressBar(p.Theme, p.Width+5, percent)
}

// ViewOp renders an operation's bar for its state: full when it succeeded,
// frozen where it stopped when it failed or was cancelled, "working…" while
// restic has reported nothing measurable yet.
func (p opsProgress) ViewOp(op *Op) string {
	pct, known := opsPercent(op.Progress)
	switch op.State {
	case OpRunning:
		if !known {
			return p.Theme.Muted.Render("working…")
		}
	case OpOK, OpWarning:
		pct = 1
	default:
		if !known {
			return p.Theme.Muted.Render("—")
		}
	}
	return p.ViewAs(pct)
}

func opsPercent(pr engine.Progress) (float64, bool) {
	switch {
	case pr.Percent > 0:
		return pr.Percent, true
	case pr.TotalItems > 0:
		return float64(pr.Items) / float64(pr.TotalItems), true
	case pr.TotalBytes > 0:
		return float64(pr.Bytes) / float64(pr.TotalBytes), true
	case pr.TotalFiles > 0:
		return float64(pr.Files) / float64(pr.TotalFiles), true
	}
	return 0, false
}

// opsWork is the counters of an operation: snapshots for replication,
// files and bytes otherwise, and the ETA while it runs.
func opsWork(op *Op) string {
	pr := op.Progress
	var parts []string
	if pr.TotalItems > 0 || (op.Kind == "replicate" && pr.Items > 0) {
		parts = append(parts, fmt.Sprintf("snapshots %d/%d", pr.Items, pr.TotalItems))
	}
	if op.Running() && op.Kind == "replicate" {
		// Rate and ETA first: the column is cut at the pane's edge.
		parts = append(parts, engine.RateText(pr.Rate))
		if pr.ETA > 0 {
			parts = append(parts, "ETA "+engine.Age(pr.ETA))
		}
	}
	if pr.TotalFiles > 0 || pr.Files > 0 {
		parts = append(parts, fmt.Sprintf("files %d/%d", pr.Files, pr.TotalFiles))
	}
	if pr.TotalBytes > 0 || pr.Bytes > 0 {
		parts = append(parts, "bytes "+engine.Bytes(pr.Bytes)+"/"+engine.Bytes(pr.TotalBytes))
	}
	if op.Running() && op.Kind != "replicate" && pr.ETA > 0 {
		parts = append(parts, "ETA "+engine.Age(pr.ETA))
	}
	return strings.Join(parts, " · ")
}

// opsElapsed is how long an operation ran or has been running. Op times come
// from the wall clock (ops.go), so this does too.
func opsElapsed(op *Op) time.Duration {
	end := op.Finished
	if end.IsZero() {
		end = time.Now()
	}
	return max(0, end.Sub(op.Started))
}

// opsClock renders an elapsed time with seconds: 45s, 3m05s, 1h03m.
func opsClock(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}

// opsDur renders a command's duration: 850ms, 4.2s, 3m05s.
func opsDur(d time.Duration) string {
	switch {
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
	return opsClock(d)
}

// opsNames is a list for prose: "models, datasets", or all when empty.
func opsNames(names []string, all string) string {
	if len(names) == 0 {
		return all
	}
	return strings.Join(names, ", ")
}

// opsClamp cuts s to at most h lines.
func opsClamp(s string, h int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:max(0, h)]
	}
	return strings.Join(lines, "\n")
}

// opsChoice is one row of a picker; id "*" means all.
type opsChoice struct{ id, label, hint string }

// opsPicker is a small modal list: enter picks, esc cancels the flow.
type opsPicker struct {
	title  string
	hint   string
	list   *List
	width  int
	onPick func(id string) tea.Cmd
}

func newOpsPicker(ctx *Context, title, hint, col string, choices []opsChoice, onPick func(string) tea.Cmd) *opsPicker {
	l := NewList(ctx, Column{Title: col, Width: 18}, flexCol("", 10))
	rows := make([]Row, len(choices))
	for i, c := range choices {
		rows[i] = Row{ID: c.id, Cells: []string{c.label, ctx.Theme.Muted.Render(c.hint)}}
	}
	w := min(max(ctx.Width, MinWidth)-8, 64)
	l.SetSize(w, len(rows)+1)
	l.SetRows(rows)
	return &opsPicker{title: title, hint: hint, list: l, width: w, onPick: onPick}
}

func (p *opsPicker) view(th Theme) string {
	var b strings.Builder
	b.WriteString(th.Title.Render(p.title) + "\n")
	if p.hint != "" {
		b.WriteString(lipgloss.NewStyle().Width(p.width).Render(th.Muted.Render(p.hint)) + "\n")
	}
	b.WriteString("\n" + p.list.View() + "\n\n")
	b.WriteString(th.Muted.Render("↑/↓ choose  enter: next  esc: cancel (nothing starts)"))
	return th.Dialog.Render(b.String())
}

// opsNotice is a modal text: enter goes on (onOK), esc cancels (onCancel).
type opsNotice struct {
	title    string
	lines    []string
	hint     string
	onOK     func() tea.Cmd
	onCancel func() tea.Cmd
}

func (n *opsNotice) view(th Theme, width, height int) string {
	w := min(width-4, 96)
	var lines []string
	for _, l := range n.lines {
		lines = append(lines, opsWrap(l, w)...)
	}
	// Title, blank, blank, hint and the border: 6 lines besides the body.
	if room := height - 6; len(lines) > room {
		room = max(1, room-1)
		more := len(lines) - room
		lines = append(append([]string(nil), lines[:room]...), th.Muted.Render(fmt.Sprintf("… %d more line(s)", more)))
	}
	var b strings.Builder
	b.WriteString(th.Title.Render(fit(n.title, w)) + "\n\n")
	for _, l := range lines {
		b.WriteString(fit(l, w) + "\n")
	}
	b.WriteString("\n" + th.Muted.Render(fit(n.hint, w)))
	return th.Dialog.Render(b.String())
}

// opsWrap wraps a line to width for dialogs.
func opsWrap(line string, w int) []string {
	if lipgloss.Width(line) <= w {
		return []string{line}
	}
	return strings.Split(lipgloss.NewStyle().Width(w).Render(line), "\n")
}

// liveOp is the operation whose log takes the results pane's place: the
// one selected in the focused operations pane, while it runs and after, if
// restic said anything (h focuses the results and brings them back).
func (s *operationsScreen) liveOp() *Op {
	if s.focus != paneOps {
		return nil
	}
	if op := s.selectedOp(); op != nil && (op.Running() || len(op.LogLines) > 0) {
		return op
	}
	return nil
}

// liveView is the live log of op in h lines under its title: restic's
// newest messages at the bottom, as a terminal tail shows them.
func (s *operationsScreen) liveView(op *Op, h int) string {
	th := s.ctx.Theme
	title := "Live log"
	if !op.Running() {
		title = "Log"
	}
	title += fmt.Sprintf(" of #%d %s %s (restic's messages, secrets redacted)", op.ID, op.Kind, op.Target)
	if op.LogTotal > uint64(len(op.LogLines)) {
		title += fmt.Sprintf(" · newest %d of %d", len(op.LogLines), op.LogTotal)
	}
	title += " · h: results"
	lines := []string{fit("  "+th.Title.Render(title), s.width)}
	shown := op.LogLines
	if len(shown) > h {
		shown = shown[len(shown)-h:]
	}
	if len(shown) == 0 {
		shown = nil
		lines = append(lines, fit(th.Muted.Render("  waiting for restic's first message…"), s.width))
	}
	for _, ln := range shown {
		lines = append(lines, fit(logLine(th, ln), s.width))
	}
	for len(lines) < h+1 {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}

func logLine(th Theme, ln engine.LogLine) string {
	return th.Muted.Render(ln.Time.Local().Format("15:04:05")+" "+ln.Site) + " " + ln.Text
}

// opsLogLines is an operation's whole kept live log, for its detail view.
func opsLogLines(th Theme, op *Op) []string {
	if len(op.LogLines) == 0 {
		return nil
	}
	head := fmt.Sprintf("restic's messages (%d, secrets redacted):", op.LogTotal)
	if op.LogTotal > uint64(len(op.LogLines)) {
		head = fmt.Sprintf("restic's newest %d messages of %d (secrets redacted):", len(op.LogLines), op.LogTotal)
	}
	out := []string{"", th.Title.Render(head)}
	for _, ln := range op.LogLines {
		out = append(out, logLine(th, ln))
	}
	return out
}
