package tui

import (
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/lipgloss"
)

// helpColumnGap is the space between two columns of the help overlay.
const helpColumnGap = "   "

// helpGrid lays key groups out in columns that fit width and height: a
// group longer than the rows allowed is split, and columns that do not fit
// beside each other go on to a band below. The rows allowed shrink until
// the whole fits (bubbles' FullHelpView instead drops what is too wide).
func helpGrid(h help.Model, groups [][]key.Binding, width, height int) string {
	var keys [][]key.Binding
	longest := 1
	for _, g := range groups {
		var on []key.Binding
		for _, k := range g {
			if k.Enabled() {
				on = append(on, k)
			}
		}
		if len(on) > 0 {
			keys = append(keys, on)
			longest = max(longest, len(on))
		}
	}
	var body string
	for rows := longest; rows >= 1; rows-- {
		body = helpBands(h, keys, rows, width)
		if lipgloss.Height(body) <= height {
			break
		}
	}
	return body
}

// helpBands renders groups in columns of at most rows keys, packed into
// bands no wider than width.
func helpBands(h help.Model, groups [][]key.Binding, rows, width int) string {
	var cols []string
	for _, g := range groups {
		for len(g) > 0 {
			n := min(rows, len(g))
			cols = append(cols, helpColumn(h, g[:n]))
			g = g[n:]
		}
	}
	var bands, band []string
	used := 0
	for _, c := range cols {
		w := lipgloss.Width(c)
		if len(band) > 0 && used+len(helpColumnGap)+w > width {
			bands = append(bands, lipgloss.JoinHorizontal(lipgloss.Top, band...))
			band, used = nil, 0
		}
		if len(band) > 0 {
			band = append(band, helpColumnGap)
			used += len(helpColumnGap)
		}
		band = append(band, c)
		used += w
	}
	if len(band) > 0 {
		bands = append(bands, lipgloss.JoinHorizontal(lipgloss.Top, band...))
	}
	return strings.Join(bands, "\n\n")
}

func helpColumn(h help.Model, ks []key.Binding) string {
	var names, descs []string
	for _, k := range ks {
		names = append(names, k.Help().Key)
		descs = append(descs, k.Help().Desc)
	}
	return lipgloss.JoinHorizontal(lipgloss.Top,
		h.Styles.FullKey.Render(strings.Join(names, "\n")), " ", h.Styles.FullDesc.Render(strings.Join(descs, "\n")))
}

// footerKeys are the keys the footer has room for, without duplicates: the
// screen's first, in table order, then the global ones; a key that does not
// fit is left out for a shorter one after it. ? help always stays, since
// it lists the rest, unless the screen captures every key (a dialog, a
// filter being typed): then only its own keys act, and only they are shown.
func footerKeys(screen, global []key.Binding, width int, capturing bool) []key.Binding {
	itemWidth := func(k key.Binding) int { return lipgloss.Width(k.Help().Key) + 1 + lipgloss.Width(k.Help().Desc) }
	const sep = 3 // " • "
	used := itemWidth(helpKey)
	seen := map[string]bool{helpKey.Help().Key: true}
	if capturing {
		global, used, seen = nil, -sep, map[string]bool{}
	}
	var out []key.Binding
	for _, k := range append(append([]key.Binding(nil), screen...), global...) {
		name := k.Help().Key
		if !k.Enabled() || seen[name] {
			continue
		}
		if w := sep + itemWidth(k); used+w <= width {
			seen[name] = true
			out = append(out, k)
			used += w
		}
	}
	if capturing {
		return out
	}
	return append(out, helpKey)
}
