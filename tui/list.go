package tui

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
)

// Column is one column of a List. Width is the minimum; Flex columns share
// what is left of the line.
type Column struct {
	Title string
	Width int
	Flex  bool
}

// Row is one line of a List. Cells may be styled; Filter is the plain text
// that / matches (the cells' text when empty); ID identifies the row across
// refreshes so the cursor stays on it.
type Row struct {
	ID     string
	Cells  []string
	Filter string
	// Sort, when set, holds per column what the row sorts by (a time as
	// RFC 3339, a size as a number); a column without one sorts by its text.
	Sort []string
}

// RowSource gives a List its rows on demand. A directory of a million
// entries then costs its index, not a million rendered rows.
type RowSource interface {
	Len() int
	Row(i int) Row
	// FilterText is what / matches for row i.
	FilterText(i int) string
}

// rowSlice is the RowSource of rows given whole (SetRows).
type rowSlice []Row

func (r rowSlice) Len() int                { return len(r) }
func (r rowSlice) Row(i int) Row           { return r[i] }
func (r rowSlice) FilterText(i int) string { return rowText(r[i]) }

// List is the table every screen uses: a cursor, a / filter and only the
// visible rows rendered, so a list of a million rows draws as fast as ten.
type List struct {
	ctx       *Context
	cols      []Column
	all       RowSource
	visible   []int
	cursor    int
	offset    int
	width     int
	height    int
	filter    textinput.Model
	filtering bool
	Empty     string // shown when there are no rows
	keys      listKeys
	// sortCol is the column the rows are sorted by, -1 the order given;
	// sortDesc sorts it descending.
	sortCol  int
	sortDesc bool
}

type listKeys struct {
	Up, Down, PageUp, PageDown, Home, End key.Binding
}

func newListKeys() listKeys {
	return listKeys{
		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		PageUp:   key.NewBinding(key.WithKeys("pgup", "ctrl+b"), key.WithHelp("pgup", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown", "ctrl+f", " "), key.WithHelp("pgdn", "page down")),
		Home:     key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("g", "top")),
		End:      key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("G", "bottom")),
	}
}

// NewList makes a list with columns.
func NewList(ctx *Context, cols ...Column) *List {
	ti := textinput.New()
	ti.Prompt = "/"
	ti.Placeholder = "filter"
	return &List{ctx: ctx, cols: cols, filter: ti, keys: newListKeys(), Empty: "nothing here", sortCol: -1}
}

// SetSize sets the area the list draws in (header and filter line included).
func (l *List) SetSize(w, h int) {
	l.width, l.height = w, h
	l.clamp()
}

// Height is the lines the list draws (SetSize).
func (l *List) Height() int { return l.height }

// SetRows replaces the rows, keeping the cursor on the same row when it
// is still there.
func (l *List) SetRows(rows []Row) { l.SetSource(rowSlice(rows)) }

// SetSource replaces the rows with a source that renders them on demand,
// keeping the cursor on the same row when it is still there.
func (l *List) SetSource(src RowSource) {
	var keep string
	if r, ok := l.Selected(); ok {
		keep = r.ID
	}
	l.all = src
	l.applyFilter()
	if keep != "" {
		l.Select(keep)
	}
	l.clamp()
}

// Len is the number of rows that pass the filter.
func (l *List) Len() int { return len(l.visible) }

// Selected returns the row under the cursor.
func (l *List) Selected() (Row, bool) {
	if l.cursor < 0 || l.cursor >= len(l.visible) {
		return Row{}, false
	}
	return l.all.Row(l.visible[l.cursor]), true
}

// Select moves the cursor to the row with id.
func (l *List) Select(id string) {
	for i, idx := range l.visible {
		if l.all.Row(idx).ID == id {
			l.cursor = i
			l.clamp()
			return
		}
	}
}

// Filtering says whether the filter input has focus (it gets every key).
func (l *List) Filtering() bool { return l.filtering }

// FilterText is the current filter.
func (l *List) FilterText() string { return l.filter.Value() }

// StartFilter focuses the filter input.
func (l *List) StartFilter() tea.Cmd {
	l.filtering = true
	return l.filter.Focus()
}

// ClearFilter drops the filter; it reports whether there was one.
func (l *List) ClearFilter() bool {
	had := l.filter.Value() != "" || l.filtering
	l.filtering = false
	l.filter.Blur()
	l.filter.SetValue("")
	l.applyFilter()
	return had
}

func (l *List) applyFilter() {
	q := strings.ToLower(strings.TrimSpace(l.filter.Value()))
	l.visible = l.visible[:0]
	if l.all == nil {
		l.clamp()
		return
	}
	for i, n := 0, l.all.Len(); i < n; i++ {
		if q == "" || strings.Contains(strings.ToLower(l.all.FilterText(i)), q) {
			l.visible = append(l.visible, i)
		}
	}
	l.sortVisible()
	l.clamp()
}

func rowText(r Row) string {
	if r.Filter != "" {
		return r.Filter
	}
	return ansi.Strip(strings.Join(r.Cells, " "))
}

func (l *List) bodyHeight() int {
	h := l.height - 1 // header
	if l.filtering || l.filter.Value() != "" {
		h--
	}
	if h < 1 {
		h = 1
	}
	return h
}

func (l *List) clamp() {
	if l.cursor >= len(l.visible) {
		l.cursor = len(l.visible) - 1
	}
	if l.cursor < 0 {
		l.cursor = 0
	}
	h := l.bodyHeight()
	if l.cursor < l.offset {
		l.offset = l.cursor
	}
	if l.cursor >= l.offset+h {
		l.offset = l.cursor - h + 1
	}
	if l.offset < 0 {
		l.offset = 0
	}
}

// Update handles movement and the filter. It reports whether it used the key.
func (l *List) Update(msg tea.Msg) (bool, tea.Cmd) {
	km, ok := msg.(tea.KeyMsg)
	if !ok {
		return false, nil
	}
	if l.filtering {
		switch km.String() {
		case "esc":
			l.ClearFilter()
			return true, nil
		case "enter":
			l.filtering = false
			l.filter.Blur()
			return true, nil
		case "up", "down":
			// fall through to movement while filtering
		default:
			var cmd tea.Cmd
			l.filter, cmd = l.filter.Update(msg)
			l.cursor = 0
			l.applyFilter()
			return true, cmd
		}
	}
	h := l.bodyHeight()
	switch {
	case key.Matches(km, l.keys.Up):
		l.cursor--
	case key.Matches(km, l.keys.Down):
		l.cursor++
	case key.Matches(km, l.keys.PageUp):
		l.cursor -= h
	case key.Matches(km, l.keys.PageDown):
		l.cursor += h
	case key.Matches(km, l.keys.Home):
		l.cursor = 0
	case key.Matches(km, l.keys.End):
		l.cursor = len(l.visible) - 1
	default:
		return false, nil
	}
	l.clamp()
	return true, nil
}

// widths lays the columns out across the width.
func (l *List) widths() []int {
	w := make([]int, len(l.cols))
	used, flex := 0, 0
	for i, c := range l.cols {
		w[i] = c.Width
		used += c.Width
		if c.Flex {
			flex++
		}
	}
	used += 2 * (len(l.cols) - 1) // gaps
	if spare := l.width - used; spare > 0 && flex > 0 {
		for i, c := range l.cols {
			if c.Flex {
				w[i] += spare / flex
			}
		}
	}
	return w
}

func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if lipgloss.Width(s) > w {
		s = ansi.Truncate(s, w, "…")
	}
	return s + strings.Repeat(" ", max(0, w-lipgloss.Width(s)))
}

func (l *List) line(cells []string, widths []int) string {
	parts := make([]string, len(widths))
	for i := range widths {
		c := ""
		if i < len(cells) {
			c = cells[i]
		}
		parts[i] = fit(c, widths[i])
	}
	return strings.Join(parts, "  ")
}

// View draws the header, the visible rows and the filter line.
func (l *List) View() string {
	th := l.ctx.Theme
	widths := l.widths()
	var b strings.Builder
	titles := make([]string, len(l.cols))
	for i, c := range l.cols {
		titles[i] = c.Title
		if i == l.sortCol {
			titles[i] += sortArrow(l.sortDesc)
		}
	}
	b.WriteString(th.Header.Render(fit(l.line(titles, widths), l.width)))
	h := l.bodyHeight()
	if len(l.visible) == 0 {
		b.WriteString("\n" + th.Muted.Render(fit(l.emptyText(), l.width)))
		h--
		for ; h > 0; h-- {
			b.WriteString("\n")
		}
	}
	for i := 0; i < h && len(l.visible) > 0; i++ {
		b.WriteString("\n")
		idx := l.offset + i
		if idx >= len(l.visible) {
			continue
		}
		text := fit(l.line(l.all.Row(l.visible[idx]).Cells, widths), l.width)
		if idx == l.cursor {
			text = th.Selected.Render(ansi.Strip(text))
		}
		b.WriteString(text)
	}
	if l.filtering || l.filter.Value() != "" {
		b.WriteString("\n")
		info := th.Muted.Render("  " + itoa(len(l.visible)) + "/" + itoa(l.all.Len()))
		b.WriteString(fit(l.filter.View()+info, l.width))
	}
	return b.String()
}

func (l *List) emptyText() string {
	if l.filter.Value() != "" {
		return "no row matches /" + l.filter.Value()
	}
	return l.Empty
}

// KeyBindings are the list's keys for help.
func (l *List) KeyBindings() []key.Binding {
	return []key.Binding{l.keys.Up, l.keys.Down, l.keys.PageUp, l.keys.PageDown, l.keys.Home, l.keys.End}
}

// col is a column of fixed width; flexCol one that takes a share of the
// room left over.
func col(title string, width int) Column     { return Column{Title: title, Width: width} }
func flexCol(title string, width int) Column { return Column{Title: title, Width: width, Flex: true} }

// CycleSort moves the sort on: the first column ascending, then descending,
// then the next column, and after the last one back to the order given. The
// cursor stays on its row. It returns what the list is sorted by now.
func (l *List) CycleSort() string {
	switch {
	case l.sortCol < 0:
		l.sortCol, l.sortDesc = 0, false
	case !l.sortDesc:
		l.sortDesc = true
	case l.sortCol+1 < len(l.cols):
		l.sortCol, l.sortDesc = l.sortCol+1, false
	default:
		l.sortCol = -1
	}
	keep, ok := l.Selected()
	l.applyFilter()
	if ok {
		l.Select(keep.ID)
	}
	return l.SortedBy()
}

// SortedBy says in words what the rows are sorted by.
func (l *List) SortedBy() string {
	if l.sortCol < 0 {
		return "sorted as listed (press s to sort by a column)"
	}
	dir := "ascending"
	if l.sortDesc {
		dir = "descending"
	}
	return "sorted by " + l.cols[l.sortCol].Title + " " + dir + sortArrow(l.sortDesc)
}

func sortArrow(desc bool) string {
	if desc {
		return "▼"
	}
	return "▲"
}

// sortVisible orders the rows that pass the filter by the sort column; rows
// that compare equal keep the order given.
func (l *List) sortVisible() {
	if l.sortCol < 0 || l.all == nil {
		return
	}
	c := l.sortCol
	keys := make(map[int]string, len(l.visible))
	for _, i := range l.visible {
		keys[i] = sortKey(l.all.Row(i), c)
	}
	slices.SortStableFunc(l.visible, func(a, b int) int {
		n := compareKeys(keys[a], keys[b])
		if l.sortDesc {
			n = -n
		}
		return n
	})
}

func sortKey(r Row, c int) string {
	if c < len(r.Sort) && r.Sort[c] != "" {
		return r.Sort[c]
	}
	if c < len(r.Cells) {
		return strings.TrimLeft(ansi.Strip(r.Cells[c]), "▸ ")
	}
	return ""
}

// compareKeys compares two numbers as numbers, anything else as text
// without regard to case.
func compareKeys(a, b string) int {
	fa, errA := strconv.ParseFloat(a, 64)
	fb, errB := strconv.ParseFloat(b, 64)
	if errA == nil && errB == nil {
		return cmp.Compare(fa, fb)
	}
	return strings.Compare(strings.ToLower(a), strings.ToLower(b))
}

// sortBinding is the binding that cycles a list's sort column and direction
// (s), saying in the status line what it is sorted by now.
func sortBinding(l *List, what string) Binding {
	return bind("s", "sort by column", do(func() tea.Cmd { return statusCmd(what+" "+l.CycleSort(), false) }), "s")
}

// timeKey and secsKey are sort keys of a time and a number of seconds.
func timeKey(t time.Time) string { return strconv.FormatInt(t.UnixNano(), 10) }

func secsKey(s float64) string { return strconv.FormatFloat(s, 'f', -1, 64) }
