package tui

import (
	"context"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/lifeboat-dr/lifeboat/engine"
)

// treeKind is a tree entry's type in one byte (restic's node types).
type treeKind uint8

const (
	treeFile treeKind = iota
	treeDir
	treeSymlink
	treeOther
)

func treeKindOf(t string) treeKind {
	switch t {
	case "file":
		return treeFile
	case "dir":
		return treeDir
	case "symlink":
		return treeSymlink
	}
	return treeOther
}

func (k treeKind) String() string {
	return [...]string{"file", "dir", "symlink", "other"}[k]
}

// treeRoot is the parent of the entries at "/" (which has no entry itself).
const treeRoot int32 = -1

// treeEntry is one node of a snapshot, kept small: a million of them must
// fit comfortably, so no path, mode or times (the path is rebuilt from the
// parent chain when a restore needs it).
type treeEntry struct {
	name   string
	size   uint64 // a file's size; a directory's: everything under it
	files  uint32 // directories: the files under it
	parent int32  // entry index of the directory holding it, treeRoot for /
	kind   treeKind
}

// fileTree is a snapshot's listing as parent → children, built as the
// listing streams in.
type fileTree struct {
	chunks   [][]treeEntry // entries in fixed chunks: growing never copies a million of them
	n        int32
	dirs     map[string]int32 // directory path → entry index
	children map[int32][]int32
	files    uint64
	bytes    uint64
}

// treeChunkBits sets the entries per chunk (16384).
const treeChunkBits = 14

// at is entry i.
func (t *fileTree) at(i int32) *treeEntry {
	return &t.chunks[i>>treeChunkBits][i&(1<<treeChunkBits-1)]
}

// len is the number of entries.
func (t *fileTree) len() int { return int(t.n) }

func (t *fileTree) push(e treeEntry) int32 {
	if t.n&(1<<treeChunkBits-1) == 0 {
		t.chunks = append(t.chunks, make([]treeEntry, 0, 1<<treeChunkBits))
	}
	c := &t.chunks[len(t.chunks)-1]
	*c = append(*c, e)
	t.n++
	return t.n - 1
}

func newFileTree() *fileTree {
	return &fileTree{dirs: map[string]int32{}, children: map[int32][]int32{}}
}

// ensureDir returns the entry of directory p, making it (and its missing
// parents) when the listing has not named it: restic lists a snapshot's
// parent directories, but a tree must hold together whatever arrives.
func (t *fileTree) ensureDir(p string) int32 {
	if p == "/" || p == "." || p == "" {
		return treeRoot
	}
	if i, ok := t.dirs[p]; ok {
		return i
	}
	parent := t.ensureDir(path.Dir(p))
	i := t.push(treeEntry{name: strings.Clone(path.Base(p)), parent: parent, kind: treeDir})
	t.children[parent] = append(t.children[parent], i)
	t.dirs[strings.Clone(p)] = i
	return i
}

func (t *fileTree) add(n treeNode) {
	p := n.path
	if p == "" || p == "/" {
		return
	}
	if n.kind == treeDir {
		if _, ok := t.dirs[p]; ok {
			return // made earlier as a parent
		}
	}
	parent := t.ensureDir(path.Dir(p))
	size := n.size
	if n.kind == treeDir {
		size = 0 // a directory's size is what it holds, summed below
	}
	i := t.push(treeEntry{name: n.name, size: size, parent: parent, kind: n.kind})
	t.children[parent] = append(t.children[parent], i)
	if n.kind == treeDir {
		t.dirs[p] = i
		return
	}
	t.files++
	t.bytes += n.size
	for q := parent; q != treeRoot; q = t.at(q).parent {
		e := t.at(q)
		e.size += n.size
		e.files++
	}
}

// path rebuilds an entry's path as it appears in the snapshot.
func (t *fileTree) path(i int32) string {
	if i == treeRoot {
		return "/"
	}
	var parts []string
	for q := i; q != treeRoot; q = t.at(q).parent {
		parts = append(parts, t.at(q).name)
	}
	slices.Reverse(parts)
	return "/" + strings.Join(parts, "/")
}

// sorted returns a directory's children, directories first, then by name.
func (t *fileTree) sorted(dir int32) []int32 {
	kids := slices.Clone(t.children[dir])
	slices.SortFunc(kids, func(a, b int32) int {
		ea, eb := t.at(a), t.at(b)
		if da, db := ea.kind == treeDir, eb.kind == treeDir; da != db {
			if da {
				return -1
			}
			return 1
		}
		return strings.Compare(ea.name, eb.name)
	})
	return kids
}

// treeNode is what the listing goroutine hands over: an engine.Node without
// the fields the tree does not keep.
type treeNode struct {
	path, name string
	size       uint64
	kind       treeKind
}

// treeBatchMsg is a batch of a listing; req tells which listing it is, so
// a late batch of a snapshot the operator has left is ignored.
type treeBatchMsg struct {
	req   int
	nodes []treeNode
	done  bool
	err   error
}

// treeBatchMax bounds one message, so the console redraws while a huge
// listing streams.
const treeBatchMax = 2000

// treeLoad is one running listing: a goroutine feeding a bounded channel.
type treeLoad struct {
	req    int
	ch     chan treeNode
	cancel context.CancelFunc
	err    error // written before ch is closed
}

// wait delivers what the channel holds now (at least one node, at most
// treeBatchMax), or the end of the listing; it is re-armed after each batch.
func (ld *treeLoad) wait() tea.Cmd {
	return func() tea.Msg {
		n, ok := <-ld.ch
		if !ok {
			return treeBatchMsg{req: ld.req, done: true, err: ld.err}
		}
		batch := make([]treeNode, 1, min(len(ld.ch)+1, treeBatchMax))
		batch[0] = n
		for len(batch) < treeBatchMax {
			select {
			case n, ok := <-ld.ch:
				if !ok {
					return treeBatchMsg{req: ld.req, nodes: batch, done: true, err: ld.err}
				}
				batch = append(batch, n)
			default:
				return treeBatchMsg{req: ld.req, nodes: batch}
			}
		}
		return treeBatchMsg{req: ld.req, nodes: batch}
	}
}

// treeBrowser is level 3 of the Catalog: one directory of a snapshot at a time,
// with a selection to restore.
type treeBrowser struct {
	ctx       *Context
	site, set string
	snap      engine.Snapshot
	req       int
	tree      *fileTree
	dir       int32
	keys      Bindings // the tree's own keys; the catalog adds restore and back
	list      *List
	selected  map[int32]bool
	width     int
	height    int

	load     *treeLoad
	loading  bool
	err      error
	started  time.Time
	took     time.Duration
	shown    int           // children of dir when its rows were built
	builtAt  time.Time     // when the rows were last built during loading
	buildDur time.Duration // and how long that took
}

func newTreeBrowser(ctx *Context, site, set string, snap engine.Snapshot, req int) *treeBrowser {
	l := NewList(ctx,
		col(" ", 1), flexCol("NAME", 20), col("SIZE", 10), col("TYPE", 16),
	)
	b := &treeBrowser{ctx: ctx, site: site, set: set, snap: snap, req: req, tree: newFileTree(), list: l,
		selected: map[int32]bool{}}
	// Start where the set's data is: the snapshot's path, or the common
	// parent of its paths.
	b.dir = b.tree.ensureDir(treeStartDir(snap.Paths))
	l.Empty = "listing…"
	b.keys = Bindings{
		bind("enter/l", "open dir", run(b.into), "enter", "l", "right"),
		bind("bksp/h", "parent dir", run(b.parent), "backspace", "h", "left"),
		bind("space", "select", run(b.toggle), " "),
		bind("/", "filter", do(b.list.StartFilter), "/"),
	}
	return b
}

func treeStartDir(paths []string) string {
	if len(paths) == 0 {
		return "/"
	}
	c := path.Clean(paths[0])
	for _, p := range paths[1:] {
		p = path.Clean(p)
		for c != "/" && p != c && !strings.HasPrefix(p, c+"/") {
			c = path.Dir(c)
		}
	}
	return c
}

func (b *treeBrowser) setSize(w, h int) {
	b.width, b.height = w, h
	b.list.SetSize(w, max(h-2, 2)) // under the crumb and the info line
}

// start launches the listing off the UI goroutine.
func (b *treeBrowser) start() tea.Cmd {
	ctx, cancel := context.WithCancel(context.Background())
	ld := &treeLoad{req: b.req, ch: make(chan treeNode, 4*treeBatchMax), cancel: cancel}
	b.load, b.loading, b.started = ld, true, time.Now()
	backend, site, id := b.ctx.Backend, b.site, b.snap.ID
	go func() {
		defer close(ld.ch)
		ld.err = backend.ListNodes(ctx, site, id, func(n engine.Node) {
			name := n.Name
			if name == "" {
				name = strings.Clone(path.Base(n.Path))
			}
			select {
			case ld.ch <- treeNode{path: n.Path, name: name, size: n.Size, kind: treeKindOf(n.Type)}:
			case <-ctx.Done():
			}
		})
	}()
	b.rebuild()
	return ld.wait()
}

// cancel stops a listing in progress (its goroutine ends; late batches
// carry an old request id).
func (b *treeBrowser) cancel() {
	if b.load != nil && b.loading {
		b.load.cancel()
		b.loading = false
		b.err = fmt.Errorf("listing cancelled after %d entries", b.tree.len())
	}
}

// batch folds a batch into the tree and re-arms the wait.
func (b *treeBrowser) batch(msg treeBatchMsg) tea.Cmd {
	if b.load == nil || msg.req != b.req || !b.loading {
		return nil
	}
	for _, n := range msg.nodes {
		b.tree.add(n)
	}
	if msg.done {
		b.loading = false
		b.took = time.Since(b.started)
		if msg.err != nil {
			b.err = msg.err
		}
		b.rebuild()
		return nil
	}
	// Rows of a small directory are rebuilt at every batch; a huge one at
	// most a tenth of the time, so the listing keeps its pace.
	if n := len(b.tree.children[b.dir]); n != b.shown || n <= treeBatchMax {
		if n <= treeBatchMax || time.Since(b.builtAt) >= 10*b.buildDur {
			b.rebuild()
		}
	}
	return b.load.wait()
}

// treeRows renders the entries of one directory on demand: the list keeps
// only their indexes, so a directory of a million entries stays small.
type treeRows struct {
	b    *treeBrowser
	kids []int32
}

func (r treeRows) Len() int { return len(r.kids) }

func (r treeRows) FilterText(i int) string { return r.b.tree.at(r.kids[i]).name }

func (r treeRows) Row(i int) Row {
	k := r.kids[i]
	e := r.b.tree.at(k)
	name, typ := e.name, e.kind.String()
	if e.kind == treeDir {
		name += "/"
		typ = "dir · " + catCount(uint64(e.files), "file")
	}
	mark := " "
	if r.b.selected[k] {
		mark = "●"
	}
	return Row{ID: strconv.Itoa(int(k)), Cells: []string{mark, name, engine.Bytes(e.size), typ}, Filter: e.name}
}

// rebuild makes the rows of the current directory.
func (b *treeBrowser) rebuild() {
	t0 := time.Now()
	kids := b.tree.sorted(b.dir)
	b.list.Empty = "empty directory"
	if b.loading {
		b.list.Empty = "listing…"
	}
	// Until the operator moves, the cursor stays at the top while rows
	// stream in (SetRows would keep it on the row it was on).
	top := b.list.cursor == 0
	b.list.SetSource(treeRows{b: b, kids: kids})
	if top && !b.list.Filtering() {
		b.home()
	}
	b.shown = len(kids)
	b.builtAt = time.Now()
	b.buildDur = b.builtAt.Sub(t0)
}

// cursor is the entry under the cursor.
func (b *treeBrowser) cursor() (int32, bool) {
	r, ok := b.list.Selected()
	if !ok {
		return 0, false
	}
	i, err := strconv.Atoi(r.ID)
	if err != nil {
		return 0, false
	}
	return int32(i), true
}

func (b *treeBrowser) cd(dir int32, focus int32) {
	b.list.ClearFilter()
	b.dir = dir
	b.rebuild()
	if focus != treeRoot {
		b.list.Select(strconv.Itoa(int(focus)))
	} else {
		b.home()
	}
}

func (b *treeBrowser) home() { b.list.Update(tea.KeyMsg{Type: tea.KeyHome}) }

func (b *treeBrowser) update(km tea.KeyMsg) tea.Cmd {
	return listKey(b.list, b.keys, km)
}

// into opens the directory under the cursor.
func (b *treeBrowser) into() {
	if i, ok := b.cursor(); ok && b.tree.at(i).kind == treeDir {
		b.cd(i, treeRoot)
	}
}

// parent goes up a directory, the cursor on the one left.
func (b *treeBrowser) parent() {
	if b.dir != treeRoot {
		b.cd(b.tree.at(b.dir).parent, b.dir)
	}
}

// toggle selects or unselects the entry under the cursor; rows are
// rendered on demand, so the mark shows at the next View.
func (b *treeBrowser) toggle() {
	i, ok := b.cursor()
	if !ok {
		return
	}
	if b.selected[i] {
		delete(b.selected, i)
	} else {
		b.selected[i] = true
	}
}

// restoreScope is what a restore covers: include paths (none: the whole
// snapshot) and the files and bytes they hold.
type restoreScope struct {
	include []string
	what    string
	files   uint64
	bytes   uint64
	partial bool // counted while the listing was incomplete
}

func wholeSnapshot(sn engine.Snapshot) restoreScope {
	return restoreScope{what: "the whole snapshot", files: uint64(max(sn.TotalFiles, 0)), bytes: uint64(max(sn.TotalBytes, 0))}
}

// picked is the selection without entries inside a selected directory,
// in tree order; with nothing selected, the entry under the cursor.
func (b *treeBrowser) picked() []int32 {
	var out []int32
	for i := range b.selected {
		covered := false
		for q := b.tree.at(i).parent; q != treeRoot; q = b.tree.at(q).parent {
			if b.selected[q] {
				covered = true
				break
			}
		}
		if !covered {
			out = append(out, i)
		}
	}
	slices.Sort(out)
	if len(out) == 0 {
		if i, ok := b.cursor(); ok {
			out = []int32{i}
		}
	}
	return out
}

// scope sums the selection: a directory counts everything under it.
func (b *treeBrowser) scope() (restoreScope, bool) {
	picked := b.picked()
	if len(picked) == 0 {
		return restoreScope{}, false
	}
	sc := restoreScope{partial: b.loading}
	for _, i := range picked {
		e := b.tree.at(i)
		p := b.tree.path(i)
		// Picking the set's root (or above it) is the whole snapshot.
		for _, root := range b.snap.Paths {
			if root = path.Clean(root); root == p || strings.HasPrefix(root, p+"/") || p == "/" {
				sn := wholeSnapshot(b.snap)
				if b.tree.files > 0 && !b.loading {
					sn.files, sn.bytes = b.tree.files, b.tree.bytes
				}
				return sn, true
			}
		}
		sc.include = append(sc.include, p)
		if e.kind == treeDir {
			sc.files += uint64(e.files)
		} else {
			sc.files++
		}
		sc.bytes += e.size
	}
	if len(picked) == 1 {
		sc.what = sc.include[0]
	} else {
		sc.what = fmt.Sprintf("%d selected entries", len(picked))
	}
	return sc, true
}

func (b *treeBrowser) view() string {
	th := b.ctx.Theme
	here := b.tree.path(b.dir)
	info := th.Accent.Render(here)
	var parts []string
	if b.dir != treeRoot {
		e := b.tree.at(b.dir)
		parts = append(parts, fmt.Sprintf("%s, %s here", catCount(uint64(e.files), "file"), engine.Bytes(e.size)))
	}
	if n := len(b.selected); n > 0 {
		sc, _ := b.scope()
		parts = append(parts, th.Accent.Render(fmt.Sprintf("● %d selected (%s)", n, engine.Bytes(sc.bytes))))
	}
	switch {
	case b.loading:
		parts = append(parts, th.Warn.Render(fmt.Sprintf("loading… %d entries", b.tree.len()))+th.Muted.Render(" (esc cancels)"))
	case b.err != nil:
		parts = append(parts, th.Critical.Render("listing incomplete: "+b.err.Error()))
	default:
		parts = append(parts, th.Muted.Render(fmt.Sprintf("%d entries listed in %s", b.tree.len(), max(b.took.Round(time.Millisecond), time.Millisecond))))
	}
	line := info + "  " + strings.Join(parts, " · ")
	return fit(line, b.width) + "\n" + b.list.View()
}

// catCount is "1 file", "30 files".
func catCount(n uint64, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
