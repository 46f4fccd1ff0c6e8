package tui

import (
	"strings"
	"testing"
)

// TestListCycleSort: s cycles column and direction, the header marks the
// column, numbers and times sort by their keys, ties keep their order, the
// cursor stays on its row, and after the last column the order given is back.
func TestListCycleSort(t *testing.T) {
	l := NewList(newTestContext(newFakeBackend(), false), col("NAME", 6), col("SIZE", 6))
	l.SetSize(40, 8)
	l.SetRows([]Row{
		{ID: "a", Cells: []string{"beta", "10 KiB"}, Sort: []string{"", "10240"}},
		{ID: "b", Cells: []string{"Alpha", "2 MiB"}, Sort: []string{"", "2097152"}},
		{ID: "c", Cells: []string{"gamma", "900 B"}, Sort: []string{"", "900"}},
	})
	order := func() string {
		var ids []string
		for i := 0; i < l.Len(); i++ {
			ids = append(ids, l.all.Row(l.visible[i]).ID)
		}
		return strings.Join(ids, "")
	}
	l.Select("c")
	steps := []struct{ by, order, header string }{
		{"sorted by NAME ascending▲", "bac", "NAME▲"},
		{"sorted by NAME descending▼", "cab", "NAME▼"},
		{"sorted by SIZE ascending▲", "cab", "SIZE▲"},
		{"sorted by SIZE descending▼", "bac", "SIZE▼"},
		{"sorted as listed (press s to sort by a column)", "abc", "NAME  "},
	}
	for _, st := range steps {
		if by := l.CycleSort(); by != st.by || order() != st.order || !strings.Contains(l.View(), st.header) {
			t.Fatalf("after sort: %q %q, want %q %q; view:\n%s", by, order(), st.by, st.order, l.View())
		}
		if r, _ := l.Selected(); r.ID != "c" {
			t.Fatalf("%s: the cursor left its row (on %s)", st.by, r.ID)
		}
	}
}

// TestJournalAndCatalogSortKey: s on the journal and on the catalog sorts by
// column, says so, and is in the help built from the binding table.
func TestJournalAndCatalogSortKey(t *testing.T) {
	m, _ := newTestModel(t, false, 120, 40)
	driveRoot(m, keyPress("5"))
	driveRoot(m, keyPress("s"))
	if m.status != "journal sorted by TIME ascending▲" || !strings.Contains(view(m), "TIME▲") {
		t.Fatalf("journal s: %q\n%s", m.status, view(m))
	}
	driveRoot(m, keyPress("?"))
	if v := view(m); !strings.Contains(v, "sort by column") {
		t.Errorf("help lacks the sort key:\n%s", v)
	}
	driveRoot(m, keyPress("esc"))
	driveRoot(m, keyPress("2"))
	driveRoot(m, keyPress("s"))
	if m.status != "catalog sorted by SET ascending▲" || !strings.Contains(view(m), "SET▲") {
		t.Fatalf("catalog s: %q\n%s", m.status, view(m))
	}
	rows := m.screens[1].(*catalogScreen).matrix
	if r, _ := rows.Selected(); rows.Len() != 3 || rows.all.Row(rows.visible[0]).ID != "datasets" {
		t.Errorf("catalog not sorted by set name: first %q (cursor %s)", rows.all.Row(rows.visible[0]).ID, r.ID)
	}
}
