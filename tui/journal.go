package tui

import (
	"context"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/lifeboat-dr/lifeboat/engine"
)

// journalScreen is the audit log, newest first, filterable.
type journalScreen struct {
	ctx     *Context
	list    *List
	keys    Bindings
	entries []engine.JournalEntry
	seq     int
	err     error
	detail  *detailView // the entry opened whole, nil when none
	width   int
	height  int
}

type journalMsg struct {
	seq     int
	entries []engine.JournalEntry
	err     error
}

func newJournalScreen(ctx *Context) *journalScreen {
	l := NewList(ctx,
		col("TIME", 16), col("OPERATOR", 18), col("ACTION", 9), col("SITE", 8), col("SET", 9),
		col("OUTCOME", 13), flexCol("DETAIL", 10),
	)
	l.Empty = "the journal is empty: nothing has changed data yet"
	s := &journalScreen{ctx: ctx, list: l}
	s.keys = Bindings{
		bind("enter", "details", run(s.openDetail), "enter"),
		filterBinding(s.list),
		bind("↑/↓", "move", nil, "up", "down"),
		sortBinding(s.list, "journal"),
		reloadBinding(s.load),
	}
	return s
}

func (s *journalScreen) Title() string { return "Journal" }

func (s *journalScreen) Init() tea.Cmd { return s.load() }

func (s *journalScreen) load() tea.Cmd {
	seq, b := nextSeq(&s.seq), s.ctx.Backend
	return func() tea.Msg {
		e, err := b.Journal(context.Background(), engine.JournalQuery{Limit: 1000})
		return journalMsg{seq: seq, entries: e, err: err}
	}
}

func (s *journalScreen) SetSize(w, h int) {
	s.width, s.height = w, h
	s.list.SetSize(w, h-2)
	if s.detail != nil {
		s.detail.SetSize(w, h)
	}
}

func (s *journalScreen) Capturing() bool { return s.list.Filtering() || s.detail != nil }

func (s *journalScreen) Back() bool {
	if s.detail != nil {
		s.detail = nil
		return true
	}
	return s.list.ClearFilter()
}

func (s *journalScreen) Keys() []key.Binding {
	if s.detail != nil {
		return s.detail.Keys()
	}
	return s.keys.Help()
}

// openDetail shows the entry under the cursor whole: the row cuts its
// detail to the column.
func (s *journalScreen) openDetail() {
	row, ok := s.list.Selected()
	if !ok {
		return
	}
	for _, e := range s.entries {
		if itoa(int(e.ID)) == row.ID {
			s.detail = newDetail(s.ctx, "Journal entry "+row.ID, journalDetailText(s.ctx.Theme, e))
			s.detail.SetSize(s.width, s.height)
			return
		}
	}
}

// journalDetailText is every field of an entry, the detail last and whole.
func journalDetailText(th Theme, e engine.JournalEntry) string {
	op := e.Operator
	if e.Origin != "" {
		op += " (from " + e.Origin + ")"
	}
	lines := []string{
		"time      " + e.Time.Local().Format("2006-01-02 15:04:05 MST"),
		"operator  " + op,
		"action    " + e.Action,
		"site      " + dashed(e.Site),
		"set       " + dashed(e.Set),
		"outcome   " + th.Level(e.Outcome),
	}
	if e.Args != "" {
		lines = append(lines, "args      "+e.Args)
	}
	if e.RunID != "" {
		lines = append(lines, "run       "+e.RunID+" (: report "+e.RunID+" opens its report)")
	}
	if e.Detail != "" {
		lines = append(lines, "", e.Detail)
	}
	return strings.Join(lines, "\n")
}

func (s *journalScreen) Update(msg tea.Msg) (Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case journalMsg:
		if msg.seq != s.seq {
			return s, nil
		}
		s.err = msg.err
		if msg.err == nil {
			s.entries = msg.entries
			s.rows()
		}
	case OpDoneMsg, DataMsg:
		// Something may have been journaled; reload (it is one cheap query).
		return s, s.load()
	case tea.KeyMsg:
		if s.detail != nil {
			cmd := s.detail.Update(msg)
			if s.detail.closed {
				s.detail = nil
			}
			return s, cmd
		}
		return s, listKey(s.list, s.keys, msg)
	}
	return s, nil
}

func (s *journalScreen) rows() {
	th := s.ctx.Theme
	rows := make([]Row, 0, len(s.entries))
	for _, e := range s.entries {
		op := e.Operator
		if e.Origin != "" {
			op += " (" + e.Origin + ")"
		}
		rows = append(rows, Row{
			ID:    itoa(int(e.ID)),
			Cells: []string{e.Time.Local().Format("01-02 15:04:05"), op, e.Action, dashed(e.Site), dashed(e.Set), th.Level(e.Outcome), e.Detail},
			Sort:  []string{timeKey(e.Time)},
		})
	}
	s.list.SetRows(rows)
}

func (s *journalScreen) View() string {
	if s.detail != nil {
		return s.detail.View()
	}
	th := s.ctx.Theme
	head := th.Title.Render("Journal") + th.Muted.Render("  — who did what, from where, with what outcome (newest first)")
	if s.err != nil {
		head += "\n" + th.Critical.Render("cannot read the journal: "+s.err.Error())
	} else {
		head += "\n"
	}
	return head + "\n" + s.list.View()
}
