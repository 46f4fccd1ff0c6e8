package tui

import (
	"context"

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
	reload := bind("r", "reload", do(s.load), "r")
	reload.Hidden = true // r is the global refresh, broadcast to every screen
	s.keys = Bindings{
		bind("/", "filter", do(s.list.StartFilter), "/"),
		bind("↑/↓", "move", nil, "up", "down"),
		reload,
	}
	return s
}

func (s *journalScreen) Title() string { return "Journal" }

func (s *journalScreen) Init() tea.Cmd { return s.load() }

func (s *journalScreen) load() tea.Cmd {
	s.seq++
	seq := s.seq
	b := s.ctx.Backend
	return func() tea.Msg {
		e, err := b.Journal(context.Background(), engine.JournalQuery{Limit: 1000})
		return journalMsg{seq: seq, entries: e, err: err}
	}
}

func (s *journalScreen) SetSize(w, h int) {
	s.width, s.height = w, h
	s.list.SetSize(w, h-2)
}

func (s *journalScreen) Capturing() bool { return s.list.Filtering() }

func (s *journalScreen) Back() bool { return s.list.ClearFilter() }

func (s *journalScreen) Keys() []key.Binding { return s.keys.Help() }

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
		})
	}
	s.list.SetRows(rows)
}

func (s *journalScreen) View() string {
	th := s.ctx.Theme
	head := th.Title.Render("Journal") + th.Muted.Render("  — who did what, from where, with what outcome (newest first)")
	if s.err != nil {
		head += "\n" + th.Critical.Render("cannot read the journal: "+s.err.Error())
	} else {
		head += "\n"
	}
	return head + "\n" + s.list.View()
}
