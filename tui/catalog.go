package tui

import (
	"fmt"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/lifeboat-dr/lifeboat/engine"
)

// catalogLevel is how deep the Catalog screen is: esc goes back one level.
type catalogLevel int

const (
	catMatrix    catalogLevel = iota // sets × sites
	catSnapshots                     // one set at one site
	catTree                          // the files of one snapshot
)

// catalogScreen is the Catalog tab: the sets × sites matrix graded against
// each set's RPO, the snapshots of a set at a site, the file tree of a
// snapshot, and the restore wizard over them.
type catalogScreen struct {
	ctx           *Context
	width, height int
	// One key table per level; the tree's adds the browser's own keys.
	matrixKeys, snapKeys, treeKeys Bindings

	status *engine.Status
	cat    engine.Catalog
	level  catalogLevel

	// Level 1: rows are sets, col is the site column under the cursor.
	matrix *List
	col    int

	// Level 2: the snapshots of set at site, newest first.
	snapList  *List
	set, site string
	snaps     []engine.Snapshot
	proven    map[string]engine.Proof // snapshots a drill or failover restored and verified

	// Level 3: the file tree of one snapshot.
	br     *treeBrowser
	reqSeq int // request id of tree listings; a late batch of an older one is dropped

	wiz *restoreWizard // the restore wizard, a modal over the view
}

func newCatalogScreen(ctx *Context) *catalogScreen {
	m := NewList(ctx, col("SET", 12), col("RPO", 5))
	m.Empty = "no sets yet: waiting for the first status"
	sl := NewList(ctx,
		col("TIME", 16), col("AGE", 5), col("SHORT ID", 8), flexCol("HOST", 10), col("SIZE", 10),
		col("FILES", 7), col("TESTED", 11), flexCol("ALSO AT", 12),
	)
	s := &catalogScreen{ctx: ctx, matrix: m, snapList: sl}
	s.bindings()
	return s
}

// bindings builds the key table of each level.
func (s *catalogScreen) bindings() {
	move := bind("↑/↓", "move", nil, "up", "down")
	back := bind("esc", "back", run(func() { s.Back() }), "esc")
	restore := func(h func() tea.Cmd) Binding {
		b := bind("R", "restore", do(h), "R")
		// Read-only: restore is off (help leaves it out); pressing R still says why.
		b.Key.SetEnabled(!s.ctx.ReadOnly)
		return b
	}
	matrixBack := bind("esc", "back", run(func() { s.Back(); s.matrixRows() }), "esc")
	matrixR := bind("R", "restore", do(func() tea.Cmd {
		return statusCmd("pick a set and a site, press enter, then R on a snapshot", false)
	}), "R")
	matrixBack.Hidden, matrixR.Hidden = true, true // esc reaches here only from a filter; R needs a snapshot
	s.matrixKeys = Bindings{
		move,
		bind("←/→", "site", s.moveSite, "left", "right", "h", "l"),
		bind("enter", "open", run(s.openCell), "enter"),
		bind("/", "filter", do(func() tea.Cmd { cmd := s.matrix.StartFilter(); s.layout(); return cmd }), "/"),
		sortBinding(s.matrix, "catalog"),
		matrixBack, matrixR,
	}
	s.snapKeys = Bindings{
		move,
		bind("enter", "open", do(s.openSelected), "enter"),
		restore(s.restoreSnapshot),
		bind("/", "filter", do(s.snapList.StartFilter), "/"),
		sortBinding(s.snapList, "snapshots"),
		back,
	}
	// The tree's own keys are the browser's; these come first.
	s.treeKeys = Bindings{restore(s.restoreSelection), back}
}

func (s *catalogScreen) Title() string { return "Catalog" }

func (s *catalogScreen) Init() tea.Cmd { return nil }

func (s *catalogScreen) SetSize(w, h int) {
	s.width, s.height = w, h
	s.layout()
	if s.br != nil {
		s.br.setSize(w, h)
	}
	if s.wiz != nil {
		s.wiz.SetSize(w, h)
	}
}

// layout sizes the lists: a title line and a context line above each;
// the matrix only as tall as its rows, with the cell detail below it.
func (s *catalogScreen) layout() {
	mh := min(s.matrix.Len()+1, s.height-2-catDetailLines)
	if s.matrix.Filtering() || s.matrix.FilterText() != "" {
		mh++
	}
	s.matrix.SetSize(s.width, max(mh, 2))
	s.snapList.SetSize(s.width, max(s.height-2, 2))
}

func (s *catalogScreen) Capturing() bool {
	if s.wiz != nil {
		return true
	}
	switch s.level {
	case catSnapshots:
		return s.snapList.Filtering()
	case catTree:
		return s.br != nil && s.br.list.Filtering()
	}
	return s.matrix.Filtering()
}

// Back goes back one level; a filter in place is cleared first.
func (s *catalogScreen) Back() bool {
	if s.wiz != nil {
		return s.wiz.back()
	}
	switch s.level {
	case catTree:
		if s.br.list.ClearFilter() {
			return true
		}
		s.br.cancel() // leaving while it lists stops the listing
		s.br = nil
		s.level = catSnapshots
		return true
	case catSnapshots:
		if s.snapList.ClearFilter() {
			return true
		}
		s.level = catMatrix
		return true
	}
	return s.matrix.ClearFilter()
}

func (s *catalogScreen) Keys() []key.Binding {
	if s.wiz != nil {
		return s.wiz.Keys()
	}
	switch s.level {
	case catSnapshots:
		return s.snapKeys.Help()
	case catTree:
		// In help order: move, the browser's open/parent/select, restore,
		// its filter, back.
		tk, bk := s.treeKeys, s.br.keys
		return Bindings{s.snapKeys[0], bk[0], bk[1], bk[2], tk[0], bk[3], tk[1]}.Help()
	}
	return s.matrixKeys.Help()
}

func (s *catalogScreen) Update(msg tea.Msg) (Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case DataMsg:
		if msg.Status != nil {
			s.status = msg.Status
		}
		if msg.Catalog != nil {
			s.cat = msg.Catalog
		}
		if msg.Proven != nil {
			s.proven = msg.Proven
		}
		s.matrixRows()
		if s.level == catSnapshots || s.level == catTree {
			s.snapshotRows()
		}
		return s, nil

	case treeBatchMsg:
		if s.br == nil {
			return s, nil
		}
		return s, s.br.batch(msg)

	case ActionMsg:
		if msg.Name == "restore" {
			return s, s.restoreAction(msg.Args)
		}
		return s, nil

	case ConfirmMsg, OpEventMsg, OpDoneMsg:
		if s.wiz == nil {
			return s, nil
		}
		cmd := s.wiz.update(msg)
		if s.wiz.closed {
			s.wiz = nil
		}
		return s, cmd

	case tea.KeyMsg:
		if s.wiz != nil {
			cmd := s.wiz.update(msg)
			if s.wiz.closed {
				s.wiz = nil
			}
			return s, cmd
		}
		switch s.level {
		case catSnapshots:
			return s, s.updateSnapshots(msg)
		case catTree:
			return s, s.updateTree(msg)
		}
		return s, s.updateMatrix(msg)
	}
	// Anything else (the wizard's cursor blink) goes to the wizard.
	if s.wiz != nil {
		return s, s.wiz.update(msg)
	}
	return s, nil
}

// ---- level 2: snapshots ----

func (s *catalogScreen) configSet(name string) (*engine.SetView, bool) {
	return s.ctx.Backend.ConfigView().Set(name)
}

func (s *catalogScreen) openSnapshots(set, site string) {
	s.set, s.site = set, site
	s.level = catSnapshots
	s.snapList.ClearFilter()
	s.snapList.SetRows(nil)
	s.snapshotRows()
}

func (s *catalogScreen) snapshotRows() {
	th := s.ctx.Theme
	s.snaps = nil
	if cs, ok := s.configSet(s.set); ok && s.cat != nil {
		s.snaps = s.cat.SnapshotsOf(s.site, cs)
	}
	slices.SortFunc(s.snaps, func(a, b engine.Snapshot) int {
		if c := b.Time.Compare(a.Time); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	now := s.ctx.Now()
	rows := make([]Row, 0, len(s.snaps))
	for _, sn := range s.snaps {
		var also []string
		for _, o := range s.cat.SitesHolding(sn) {
			if o != s.site {
				also = append(also, o)
			}
		}
		alsoText := strings.Join(also, ", ")
		if alsoText == "" {
			alsoText = th.Warn.Render("only here")
		}
		rows = append(rows, Row{ID: sn.ID, Cells: []string{
			sn.Time.Local().Format("2006-01-02 15:04"), engine.Age(now.Sub(sn.Time)), sn.ShortID, sn.Host,
			engine.Bytes(uint64(max(sn.TotalBytes, 0))), itoa(int(sn.TotalFiles)), s.tested(sn.ID), alsoText,
		}, Sort: []string{timeKey(sn.Time), secsKey(now.Sub(sn.Time).Seconds()), "", "", itoa(int(sn.TotalBytes))}})
	}
	s.snapList.Empty = fmt.Sprintf("no snapshot of %s at %s", s.set, s.site)
	s.snapList.SetRows(rows)
}

func (s *catalogScreen) selectedSnapshot() (engine.Snapshot, bool) {
	r, ok := s.snapList.Selected()
	if !ok {
		return engine.Snapshot{}, false
	}
	for _, sn := range s.snaps {
		if sn.ID == r.ID {
			return sn, true
		}
	}
	return engine.Snapshot{}, false
}

func (s *catalogScreen) updateSnapshots(km tea.KeyMsg) tea.Cmd {
	return listKey(s.snapList, s.snapKeys, km)
}

func (s *catalogScreen) openSelected() tea.Cmd {
	sn, ok := s.selectedSnapshot()
	if !ok {
		return nil
	}
	return s.openTree(sn)
}

// restoreSnapshot opens the wizard on the whole selected snapshot.
func (s *catalogScreen) restoreSnapshot() tea.Cmd {
	if cmd := refused(s.ctx, "restore"); cmd != nil {
		return cmd
	}
	sn, ok := s.selectedSnapshot()
	if !ok {
		return statusCmd("no snapshot to restore here", true)
	}
	return s.openWizard(sn, wholeSnapshot(sn))
}

// ---- level 3: the tree ----

func (s *catalogScreen) openTree(sn engine.Snapshot) tea.Cmd {
	if s.br != nil {
		s.br.cancel()
	}
	s.reqSeq++
	s.br = newTreeBrowser(s.ctx, s.site, s.set, sn, s.reqSeq)
	s.br.setSize(s.width, s.height)
	s.level = catTree
	return s.br.start()
}

func (s *catalogScreen) updateTree(km tea.KeyMsg) tea.Cmd {
	if !s.br.list.Filtering() {
		if cmd, ok := s.treeKeys.Dispatch(km); ok {
			return cmd
		}
	}
	return s.br.update(km)
}

// restoreSelection opens the wizard on the tree's selection (or the entry
// under the cursor).
func (s *catalogScreen) restoreSelection() tea.Cmd {
	if cmd := refused(s.ctx, "restore"); cmd != nil {
		return cmd
	}
	sc, ok := s.br.scope()
	if !ok {
		return statusCmd("nothing to restore: select entries with space, or move onto one", true)
	}
	return s.openWizard(s.br.snap, sc)
}

// ---- the restore action and wizard ----

func (s *catalogScreen) openWizard(sn engine.Snapshot, sc restoreScope) tea.Cmd {
	s.wiz = newRestoreWizard(s.ctx, s.site, s.set, sn, sc)
	s.wiz.SetSize(s.width, s.height)
	return s.wiz.init()
}

// restoreAction answers `:restore [SET] [SITE] [SNAPSHOT]` from the
// palette: with a set it opens the wizard on that snapshot (default: the
// newest at the active site); without, it shows the matrix and says how.
func (s *catalogScreen) restoreAction(args []string) tea.Cmd {
	if cmd := refused(s.ctx, "restore"); cmd != nil {
		return cmd
	}
	if s.wiz != nil {
		return nil // one restore wizard at a time; it is on screen now
	}
	cfg := s.ctx.Backend.ConfigView()
	var set, site, id string
	for _, a := range args {
		switch {
		case slices.Contains(cfg.SetNames(), a) && set == "":
			set = a
		case slices.Contains(cfg.SiteNames(), a) && site == "":
			site = a
		default:
			id = a
		}
	}
	if set == "" {
		if s.level == catMatrix {
			return statusCmd("restore: pick a set and a site, enter, then R on a snapshot (or :restore SET [SITE] [SNAPSHOT])", false)
		}
		return statusCmd("restore: R on a snapshot or on selected files", false)
	}
	if site == "" && s.status != nil {
		site = s.status.ActiveSite
	}
	if site == "" {
		site = cfg.SiteNames()[0]
	}
	if s.br != nil {
		s.br.cancel()
		s.br = nil
	}
	s.openSnapshots(set, site)
	for _, sn := range s.snaps { // newest first
		if id == "" || id == "latest" || strings.HasPrefix(sn.ID, id) {
			s.snapList.Select(sn.ID)
			return s.openWizard(sn, wholeSnapshot(sn))
		}
	}
	if id != "" {
		return statusCmd(fmt.Sprintf("restore: no snapshot %q of set %s at site %s", id, set, site), true)
	}
	return statusCmd(fmt.Sprintf("restore: no snapshot of set %s at site %s", set, site), true)
}

// ---- view ----

func (s *catalogScreen) View() string {
	if s.width == 0 {
		return ""
	}
	var out string
	switch {
	case s.wiz != nil:
		box := s.wiz.View()
		out = s.crumb() + "\n" + lipgloss.Place(s.width, max(1, s.height-1), lipgloss.Center, lipgloss.Center, box)
	case s.level == catTree:
		out = s.crumb() + "\n" + s.br.view()
	case s.level == catSnapshots:
		out = s.crumb() + "\n" + s.snapshotsInfo() + "\n" + s.snapList.View()
	default:
		out = s.matrixView()
	}
	return catClamp(out, s.width, s.height)
}

// crumb is the title line: where in the catalog the operator is.
func (s *catalogScreen) crumb() string {
	th := s.ctx.Theme
	parts := []string{th.Title.Render("Catalog")}
	if s.level >= catSnapshots {
		parts = append(parts, th.Accent.Render(s.set+" @ "+s.site))
	}
	if s.level == catTree && s.br != nil {
		parts = append(parts, s.br.snap.ShortID+" "+th.Muted.Render(s.br.snap.Time.Local().Format("2006-01-02 15:04")))
	}
	return fit(strings.Join(parts, " › "), s.width)
}

func (s *catalogScreen) matrixView() string {
	th := s.ctx.Theme
	var b strings.Builder
	b.WriteString(fit(th.Title.Render("Catalog")+th.Muted.Render("  — newest snapshot of every set at every site, graded against the set's RPO"), s.width))
	b.WriteString("\n")
	if s.status == nil {
		b.WriteString(th.Muted.Render("waiting for the first status…"))
		return b.String()
	}
	b.WriteString(fit(th.Muted.Render("↑/↓ set · ←/→ site · enter: its snapshots"), s.width) + "\n")
	b.WriteString(s.matrix.View())
	b.WriteString("\n")
	for _, l := range s.matrixDetail() {
		b.WriteString("\n" + fit(l, s.width))
	}
	b.WriteString("\n" + fit(th.Muted.Render("✓ within RPO  ! up to 2× RPO  ✗ beyond, or none  · N missing: not replicated yet"), s.width))
	return b.String()
}

// tested says when and how a snapshot was last proven restorable: "✓ drill 3d".
func (s *catalogScreen) tested(id string) string {
	p, ok := s.proven[id]
	if !ok {
		return s.ctx.Theme.Muted.Render("—")
	}
	return s.ctx.Theme.OK.Render("✓ " + p.Kind + " " + engine.Age(s.ctx.Now().Sub(p.At)))
}

func (s *catalogScreen) snapshotsInfo() string {
	th := s.ctx.Theme
	x, rpo, _ := s.setStatus(s.set, s.site)
	info := fmt.Sprintf("%d snapshot(s) · RPO %s", len(s.snaps), catRPO(rpo))
	if x.NewestTime != nil {
		info += " · newest " + catGrade(th, x.Grade, x.RPOOK, engine.Age(s.ctx.Now().Sub(*x.NewestTime))+" old")
	}
	if rep, ok := s.status.ReplicationTo(s.site, s.set); ok && rep.MissingSnapshots > 0 {
		info += th.Warn.Render(fmt.Sprintf(" · %d missing from %s", rep.MissingSnapshots, rep.From))
	}
	hint := "enter: files · R: restore"
	if s.ctx.ReadOnly {
		hint = "enter: files · restore disabled (read-only)"
	}
	return fit(info+th.Muted.Render("   "+hint), s.width)
}

// catClamp cuts a view to at most h lines of at most w cells, so that a
// screen never draws past its area.
func catClamp(s string, w, h int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:max(h, 0)]
	}
	for i, l := range lines {
		if lipgloss.Width(l) > w {
			lines[i] = fit(l, w)
		}
	}
	return strings.Join(lines, "\n")
}
