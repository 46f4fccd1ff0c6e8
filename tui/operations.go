package tui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/lifeboat-dr/lifeboat/engine"
)

// opsPane is one of the three stacked panes of the Operations screen.
type opsPane int

const (
	paneOps     opsPane = iota // operations started from this console
	paneResults                // recent results from the store
	paneLog                    // restic command log
	opsPanes
)

// operationsScreen shows the work of this console with live progress, the
// recent results recorded in the store and the log of every restic command.
// It starts backup, replicate, check and forget, always through a
// confirmation; forget runs a dry run first and needs the set name typed.
type operationsScreen struct {
	ctx    *Context
	keys   Bindings
	lists  [opsPanes]*List
	focus  opsPane
	width  int
	height int
	// activeSite is from the last DataMsg; empty until one arrives.
	activeSite string

	seq     int  // of the history request in flight
	loading bool // a history request is in flight
	results []engine.OperationRecord
	invs    []engine.Invocation
	resErr  error
	logErr  error

	// At most one modal is open: a picker, a notice or a confirmation.
	picker  *opsPicker
	notice  *opsNotice
	confirm *Confirm
	onYes   func() tea.Cmd
	onNo    func() tea.Cmd
	// detail is a row opened whole (enter), a viewer over the panes.
	detail *detailView

	dryRuns map[int]opsForgetPlan // forget dry runs in flight, by op id
	reviews []opsReview           // ended dry runs waiting to be shown
	ticking bool
	// newestSeen is the id of the newest operation opRows has listed.
	newestSeen int
}

// opsHistoryMsg answers a history request (seq) with both store lists.
type opsHistoryMsg struct {
	seq     int
	results []engine.OperationRecord
	resErr  error
	invs    []engine.Invocation
	invErr  error
}

// opsTickMsg redraws elapsed times while operations run.
type opsTickMsg struct{}

func newOperationsScreen(ctx *Context) *operationsScreen {
	s := &operationsScreen{ctx: ctx, dryRuns: map[int]opsForgetPlan{}}
	s.keys = s.bindings()
	ops := NewList(ctx,
		col("KIND", 9), col("TARGET", 23), col("STATE", 11), col("PROGRESS", 13), col("ELAPSED", 7),
		flexCol("WORK", 1),
	)
	ops.Empty = "no operation started from this console yet: b back up · p replicate · k check · f forget"
	if ctx.ReadOnly {
		ops.Empty = "read-only: this console starts no operations"
	}
	res := NewList(ctx,
		col("TIME", 11), col("KIND", 9), col("SITE", 7), col("SET", 8), col("STATE", 13), col("FILES", 5),
		col("BYTES", 9), flexCol("DETAIL", 4),
	)
	res.Empty = "no operation recorded yet"
	log := NewList(ctx,
		col("ENDED", 14), col("SITE", 8), col("EXIT", 5), col("TOOK", 6),
		flexCol("COMMAND (secrets redacted)", 20),
	)
	log.Empty = "no restic command has run yet"
	s.lists = [opsPanes]*List{ops, res, log}
	return s
}

func (s *operationsScreen) Title() string { return "Operations" }

func (s *operationsScreen) Init() tea.Cmd { return s.load() }

// load asks the store for recent results and the command log.
func (s *operationsScreen) load() tea.Cmd {
	s.loading = true
	seq, b := nextSeq(&s.seq), s.ctx.Backend
	return askBackend(30*time.Second, func(ctx context.Context) tea.Msg {
		r, rerr := b.RecentOperations(ctx, 50)
		i, ierr := b.RecentInvocations(ctx, 200)
		return opsHistoryMsg{seq: seq, results: r, resErr: rerr, invs: i, invErr: ierr}
	})
}

// SetSize shares the height: a header line, a title line per pane and a
// detail line under the operations pane; the operations pane gets a quarter
// of the rest, results and the command log share what remains.
func (s *operationsScreen) SetSize(w, h int) {
	s.width, s.height = w, h
	avail := h - 1 - int(opsPanes) - 1
	opsH := max(3, avail/4)
	rest := max(4, avail-opsH)
	resH := rest / 2
	s.lists[paneOps].SetSize(w, opsH)
	s.lists[paneResults].SetSize(w, resH)
	s.lists[paneLog].SetSize(w, rest-resH)
	if s.detail != nil {
		s.detail.SetSize(w, h)
	}
}

func (s *operationsScreen) modalOpen() bool {
	return s.picker != nil || s.notice != nil || s.confirm != nil || s.detail != nil
}

func (s *operationsScreen) Capturing() bool {
	return s.modalOpen() || s.lists[s.focus].Filtering()
}

// Back closes an open dialog (that cancels its flow: nothing starts), else
// clears the focused pane's filter.
func (s *operationsScreen) Back() bool {
	if s.modalOpen() {
		s.picker, s.notice, s.confirm, s.onYes, s.onNo, s.detail = nil, nil, nil, nil, nil, nil
		s.popReview()
		return true
	}
	return s.lists[s.focus].ClearFilter()
}

// Keys are the open dialog's while one is open (it has every key), else
// the screen's.
func (s *operationsScreen) Keys() []key.Binding {
	switch {
	case s.detail != nil:
		return s.detail.Keys()
	case s.confirm != nil:
		return s.confirm.Keys()
	case s.picker != nil:
		return s.pickerKeys().Help()
	case s.notice != nil:
		return s.noticeKeys().Help()
	}
	return s.keys.Help()
}

// bindings is the screen's key table; in read-only mode the actions stay
// listed, marked off, and pressing one says why.
func (s *operationsScreen) bindings() Bindings {
	action := func(name string) func(tea.KeyMsg) tea.Cmd {
		return do(func() tea.Cmd { return s.action(ActionMsg{Name: name}) })
	}
	focus := func(p opsPane) func(tea.KeyMsg) tea.Cmd { return run(func() { s.focus = p }) }
	actions := Bindings{
		bind("b", "back up", action("backup"), "b"),
		bind("p", "replicate", action("replicate"), "p"),
		bind("k", "check", action("check"), "k"),
		bind("f", "forget (dry run first)", action("forget"), "f"),
		bind("c", "cancel operation", do(s.askCancel), "c"),
	}
	if s.ctx.ReadOnly {
		for i, b := range actions {
			actions[i].Key.SetHelp(b.Key.Help().Key, b.Key.Help().Desc+" (off: read-only)")
		}
	}
	return append(actions,
		bind("enter", "details", run(s.details), "enter"),
		bind("[", "previous pane", run(func() { s.focus = (s.focus + opsPanes - 1) % opsPanes }), "["),
		bind("]", "next pane", run(func() { s.focus = (s.focus + 1) % opsPanes }), "]"),
		bind("o", "operations pane", focus(paneOps), "o"),
		bind("h", "results (history) pane", focus(paneResults), "h"),
		bind("l", "command log pane", focus(paneLog), "l"),
		bind("/", "filter pane", do(func() tea.Cmd { return s.lists[s.focus].StartFilter() }), "/"),
		bind("↑/↓/j", "move", nil, "up", "down", "j"),
		reloadBinding(s.load),
	)
}

func (s *operationsScreen) Update(msg tea.Msg) (Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case DataMsg:
		if msg.Status != nil && msg.Status.ActiveSite != "" {
			s.activeSite = msg.Status.ActiveSite
		}
		if msg.Fresh && msg.Err == nil {
			// A refresh runs restic: the command log has grown.
			return s, s.load()
		}
	case opsHistoryMsg:
		if msg.seq != s.seq {
			return s, nil // an answer to an older request
		}
		s.loading = false
		s.resErr, s.logErr = msg.resErr, msg.invErr
		if msg.resErr == nil {
			s.results = msg.results
		}
		if msg.invErr == nil {
			s.invs = msg.invs
		}
		s.historyRows()
	case OpEventMsg:
		s.opRows()
		cmd := s.armTick()
		if k := msg.Event.Kind; k == engine.EventStarted || k == engine.EventFinished {
			// The engine records a set's start and end in the store.
			cmd = tea.Batch(cmd, s.load())
		}
		return s, cmd
	case OpDoneMsg:
		s.opRows()
		return s, tea.Batch(s.load(), s.dryRunEnded(msg.ID))
	case opsTickMsg:
		s.ticking = false
		for _, op := range s.ctx.Ops.All() {
			if op.Running() {
				op.syncLog()
			}
		}
		s.opRows()
		// restic commands end inside an operation without an event: the
		// command log is read again each second while work runs (not while
		// a read is in flight: a slow store would drop every answer).
		if s.loading {
			return s, s.armTick()
		}
		return s, tea.Batch(s.armTick(), s.load())
	case ActionMsg:
		return s, s.action(msg)
	case ConfirmMsg:
		if s.confirm == nil || msg.ID != s.confirm.ID {
			return s, nil
		}
		yes, no := s.onYes, s.onNo
		s.confirm, s.onYes, s.onNo = nil, nil, nil
		var cmd tea.Cmd
		switch {
		case msg.Yes && yes != nil:
			cmd = yes()
		case !msg.Yes && no != nil:
			cmd = no()
		}
		s.popReview()
		return s, cmd
	case tea.KeyMsg:
		return s, s.key(msg)
	}
	return s, nil
}

func (s *operationsScreen) armTick() tea.Cmd {
	if s.ticking || s.ctx.Ops.Running() == 0 {
		return nil
	}
	s.ticking = true
	return tea.Tick(time.Second, func(time.Time) tea.Msg { return opsTickMsg{} })
}

func (s *operationsScreen) key(km tea.KeyMsg) tea.Cmd {
	switch {
	case s.detail != nil:
		cmd := s.detail.Update(km)
		if s.detail.closed {
			s.detail = nil
			s.popReview()
		}
		return cmd
	case s.confirm != nil:
		return s.confirm.Update(km)
	case s.picker != nil:
		return listKey(s.picker.list, s.pickerKeys(), km)
	case s.notice != nil:
		cmd, _ := s.noticeKeys().Dispatch(km)
		return cmd
	}
	return listKey(s.lists[s.focus], s.keys, km)
}

// active is the active site for wording: the last status, else the config.
func (s *operationsScreen) active() string {
	if s.activeSite != "" {
		return s.activeSite
	}
	if a := s.ctx.Backend.ConfigView().ConfigActive(); a != nil {
		return a.Name
	}
	return "the active site"
}

// opRows rebuilds the operations pane from ctx.Ops.
func (s *operationsScreen) opRows() {
	th := s.ctx.Theme
	bar := opsProgress{Width: 8, Theme: th}
	var rows []Row
	for _, op := range s.ctx.Ops.All() {
		rows = append(rows, Row{
			ID: "op-" + itoa(op.ID),
			Cells: []string{op.Kind, op.Target, th.Level(string(op.State)), bar.ViewOp(op),
				opsClock(opsElapsed(op)), opsWork(op)},
			Filter: strings.Join([]string{op.Kind, op.Target, string(op.State), op.Current, op.Message}, " "),
		})
	}
	s.lists[paneOps].SetRows(rows)
	// A new operation (started here or from another screen) takes the
	// selection: its live log is what the operator comes to watch.
	if all := s.ctx.Ops.All(); len(all) > 0 && all[0].ID > s.newestSeen {
		s.newestSeen = all[0].ID
		s.lists[paneOps].Select("op-" + itoa(all[0].ID))
	}
}

// historyRows rebuilds the results and command log panes.
func (s *operationsScreen) historyRows() {
	th := s.ctx.Theme
	rows := make([]Row, 0, len(s.results))
	for _, o := range s.results {
		files, bytes := "-", "-"
		if o.Files > 0 || o.Bytes > 0 {
			files, bytes = fmt.Sprint(o.Files), bytesText(o.Bytes)
		}
		rows = append(rows, Row{ID: "r-" + fmt.Sprint(o.ID), Cells: []string{
			o.Started.Local().Format("01-02 15:04"), o.Kind, dashed(o.Site), dashed(o.Set),
			th.Level(o.State), files, bytes, o.Detail}})
	}
	s.lists[paneResults].SetRows(rows)

	rows = make([]Row, 0, len(s.invs))
	for _, inv := range s.invs {
		exit := th.OK.Render("0 ✓")
		if inv.ExitCode != 0 {
			exit = th.Critical.Render(itoa(inv.ExitCode) + " ✗")
		}
		rows = append(rows, Row{ID: "i-" + fmt.Sprint(inv.ID), Cells: []string{
			inv.Time.Add(inv.Duration).Local().Format("01-02 15:04:05"), dashed(inv.Site), exit,
			opsDur(inv.Duration), strings.Join(inv.Args, " ")}})
	}
	s.lists[paneLog].SetRows(rows)
}

func (s *operationsScreen) selectedOp() *Op {
	r, ok := s.lists[paneOps].Selected()
	if !ok {
		return nil
	}
	var id int
	if _, err := fmt.Sscanf(r.ID, "op-%d", &id); err != nil {
		return nil
	}
	return s.ctx.Ops.Get(id)
}

func (s *operationsScreen) header() string {
	th := s.ctx.Theme
	head := th.Title.Render("Operations")
	if s.ctx.ReadOnly {
		head += "  " + th.Warn.Render("actions are disabled: lifeboat was started with --read-only")
	} else {
		head += th.Muted.Render("  · active site " + s.active() + " · this console's work, stored results, restic command log")
	}
	return fit(head, s.width)
}

func (s *operationsScreen) paneTitle(p opsPane) string {
	th := s.ctx.Theme
	var name, keyName string
	var problem error
	switch p {
	case paneOps:
		name, keyName = "This console's operations", "o"
		all := s.ctx.Ops.All()
		if len(all) > 0 {
			name += fmt.Sprintf(" (%d running, %d in all)", s.ctx.Ops.Running(), len(all))
		}
	case paneResults:
		name, keyName, problem = "Recent results (state store, newest first)", "h", s.resErr
	case paneLog:
		name, keyName, problem = "restic command log (last ended first)", "l", s.logErr
	}
	t := "  " + th.Title.Render(name)
	if p == s.focus {
		t = th.Header.Render("▶ " + name)
	}
	t += th.Muted.Render("  [" + keyName + "]")
	if problem != nil {
		t += "  " + th.Critical.Render("cannot read: "+problem.Error())
	}
	return fit(t, s.width)
}

// opDetailLine describes the selected operation under its pane.
func (s *operationsScreen) opDetailLine() string {
	th := s.ctx.Theme
	op := s.selectedOp()
	if op == nil {
		if s.ctx.ReadOnly {
			return ""
		}
		return fit(th.Muted.Render("  : opens the palette too — :backup models, :replicate dr, :check dr, :forget datasets"), s.width)
	}
	var parts []string
	if w := opsWork(op); w != "" {
		parts = append(parts, w)
	}
	if op.Current != "" && op.Running() {
		parts = append(parts, "now "+op.Current)
	}
	if n := len(op.Warnings); n > 0 {
		parts = append(parts, th.Warn.Render(fmt.Sprintf("%d warning(s)", n)))
	}
	if op.Message != "" {
		parts = append(parts, "last: "+op.Message)
	}
	if len(parts) == 0 {
		parts = append(parts, "waiting for restic…")
	}
	return fit("  "+th.Muted.Render("#"+itoa(op.ID)+" ")+strings.Join(parts, " · "), s.width)
}

func (s *operationsScreen) View() string {
	if s.width == 0 || s.height == 0 {
		return ""
	}
	if s.detail != nil {
		return s.detail.View()
	}
	head := s.header()
	opsPane := s.paneTitle(paneOps) + "\n" + s.lists[paneOps].View() + "\n" + s.opDetailLine()
	if box := s.modalView(); box != "" {
		// Running work stays in sight above a dialog when both fit.
		if rest := s.height - 1 - lipgloss.Height(opsPane); lipgloss.Height(box) <= rest {
			return opsClamp(head+"\n"+opsPane+"\n"+lipgloss.Place(s.width, rest, lipgloss.Center, lipgloss.Center, box), s.height)
		}
		body := lipgloss.Place(s.width, max(1, s.height-1), lipgloss.Center, lipgloss.Center, box)
		return opsClamp(head+"\n"+body, s.height)
	}
	var b strings.Builder
	b.WriteString(head + "\n" + opsPane)
	for p := paneResults; p < opsPanes; p++ {
		if op := s.liveOp(); p == paneResults && op != nil {
			b.WriteString("\n" + s.liveView(op, s.lists[p].Height()))
			continue
		}
		b.WriteString("\n" + s.paneTitle(p))
		b.WriteString("\n" + s.lists[p].View())
	}
	return opsClamp(b.String(), s.height)
}

func (s *operationsScreen) modalView() string {
	th := s.ctx.Theme
	switch {
	case s.confirm != nil:
		return s.confirm.View(th, s.width)
	case s.picker != nil:
		return s.picker.view(th)
	case s.notice != nil:
		return s.notice.view(th, s.width, s.height-1)
	}
	return ""
}
