package tui

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/lifeboat-dr/lifeboat/engine"
)

// The flows that start work: a picker for what the keys or palette did not
// name, then a confirmation with Cancel focused, then ctx.Ops.Start. Forget
// runs a dry run first and then needs the set name typed. Every esc or
// Cancel on the way changes nothing.

// opsForgetPlan is a forget being prepared: one set, some or all sites.
type opsForgetPlan struct {
	set   string
	sites []string // nil: every site
	where string   // for prose: "dr", "all sites"
}

// opsReview is an ended dry run waiting to be shown.
type opsReview struct {
	plan    opsForgetPlan
	results []engine.ForgetResult
}

// opsArgs is what palette arguments named.
type opsArgs struct {
	given       bool
	sets, sites []string
	subset      string
	subsetGiven bool
}

var opsSubsetArg = regexp.MustCompile(`^([0-9]+/[0-9]+|[0-9]+(\.[0-9]+)?%)$`)

// action starts a flow for a key (no args) or a palette command.
func (s *operationsScreen) action(msg ActionMsg) tea.Cmd {
	name := msg.Name
	switch name {
	case "backup", "replicate", "check", "forget":
	default:
		return statusCmd(fmt.Sprintf("the Operations screen cannot %s", name), true)
	}
	if cmd := refused(s.ctx, name); cmd != nil {
		return cmd
	}
	if s.modalOpen() {
		return statusCmd("a dialog is open on the Operations screen: finish it or press esc first", true)
	}
	a, err := s.parseArgs(name, msg.Args)
	if err != nil {
		return statusCmd(errWords(err), true)
	}
	switch name {
	case "backup":
		if !a.given {
			s.pickBackup()
			return nil
		}
		s.askBackup(a.sets)
	case "replicate":
		if !a.given {
			s.pickReplicate()
			return nil
		}
		s.askReplicate(a.sites, a.sets)
	case "check":
		switch {
		case !a.given:
			s.pickCheck()
		case !a.subsetGiven:
			s.pickCheckMode(a.sites)
		default:
			s.askCheck(a.sites, a.subset)
		}
	case "forget":
		if len(a.sets) == 0 {
			s.pickForget(a.sites, len(a.sites) > 0)
			return nil
		}
		return s.dryRun(s.forgetPlan(a.sets[0], a.sites))
	}
	return nil
}

// parseArgs sorts palette arguments into sets, sites and a check subset,
// refusing unknown names with the known ones.
func (s *operationsScreen) parseArgs(name string, args []string) (opsArgs, error) {
	cfg := s.ctx.Backend.ConfigView()
	a := opsArgs{given: len(args) > 0}
	known := fmt.Sprintf("sets: %s; sites: %s", strings.Join(cfg.SetNames(), ", "), strings.Join(cfg.SiteNames(), ", "))
	for _, arg := range args {
		_, isSet := cfg.Set(arg)
		_, isSite := cfg.Site(arg)
		switch {
		case arg == "all":
		case isSet && name != "check":
			a.sets = append(a.sets, arg)
		case isSite && name != "backup":
			a.sites = append(a.sites, arg)
		case name == "backup" && isSite:
			return a, fmt.Errorf("backup: %q is a site; backups go to the active site %s, name sets (%s)",
				arg, s.active(), strings.Join(cfg.SetNames(), ", "))
		case name == "check" && isSet:
			return a, fmt.Errorf("check: %q is a set; check works on sites (%s)", arg, strings.Join(cfg.SiteNames(), ", "))
		case name == "check" && (arg == "structure" || arg == "metadata"):
			a.subsetGiven = true
		case name == "check" && (arg == "read" || arg == "data" || arg == "read-data"):
			a.subset, a.subsetGiven = "1/10", true
		case name == "check" && opsSubsetArg.MatchString(arg):
			a.subset, a.subsetGiven = arg, true
		case name == "backup":
			return a, fmt.Errorf("backup: unknown set %q — sets: %s", arg, strings.Join(cfg.SetNames(), ", "))
		case name == "check":
			return a, fmt.Errorf("check: unknown site %q — sites: %s (add \"read\" to read 1/10 of the data)", arg, strings.Join(cfg.SiteNames(), ", "))
		default:
			return a, fmt.Errorf("%s: unknown set or site %q — %s", name, arg, known)
		}
	}
	switch name {
	case "replicate":
		active := s.active()
		for _, site := range a.sites {
			if site == active {
				return a, fmt.Errorf("replicate: %s is the active site; replication copies from it to the standbys (%s)",
					site, strings.Join(s.standbys(), ", "))
			}
		}
	case "forget":
		if len(a.sets) > 1 {
			return a, fmt.Errorf("forget: one set at a time (its name is typed to confirm), not %s", strings.Join(a.sets, ", "))
		}
	}
	return a, nil
}

func (s *operationsScreen) standbys() []string {
	var out []string
	for _, site := range s.ctx.Backend.ConfigView().Standbys(s.active()) {
		out = append(out, site.Name)
	}
	return out
}

// opsAll turns a picked id into a list; "*" is nil, meaning all.
func opsAll(id string) []string {
	if id == "*" {
		return nil
	}
	return []string{id}
}

func (s *operationsScreen) setChoices(hint func(*engine.SetView) string, all bool) []opsChoice {
	cfg := s.ctx.Backend.ConfigView()
	var cs []opsChoice
	for i := range cfg.Sets {
		set := &cfg.Sets[i]
		cs = append(cs, opsChoice{id: set.Name, label: set.Name, hint: hint(set)})
	}
	if all {
		cs = append(cs, opsChoice{id: "*", label: "all sets", hint: fmt.Sprintf("%d sets, one after another", len(cs))})
	}
	return cs
}

func (s *operationsScreen) siteChoices(names []string, allLabel string) []opsChoice {
	cfg := s.ctx.Backend.ConfigView()
	active := s.active()
	var cs []opsChoice
	for _, n := range names {
		hint := "standby"
		if n == active {
			hint = "active"
		}
		if site, ok := cfg.Site(n); ok {
			hint += " · " + site.Repository
		}
		cs = append(cs, opsChoice{id: n, label: n, hint: hint})
	}
	if allLabel != "" && len(names) > 1 {
		cs = append(cs, opsChoice{id: "*", label: allLabel, hint: opsNames(names, "")})
	}
	return cs
}

func opsPaths(set *engine.SetView) string { return strings.Join(set.Paths, " ") }

func (s *operationsScreen) pick(title, hint, col string, choices []opsChoice, onPick func(string) tea.Cmd) {
	s.picker = newOpsPicker(s.ctx, title, hint, col, choices, onPick)
}

// ask opens a confirmation; no says what the status line reports on Cancel.
func (s *operationsScreen) ask(c *Confirm, yes func() tea.Cmd, no string) {
	s.confirm, s.onYes = c, yes
	s.onNo = func() tea.Cmd { return statusCmd(no, false) }
}

// start launches an operation and selects it in the operations pane.
func (s *operationsScreen) start(kind, target string, run RunFunc) tea.Cmd {
	_, cmd := s.launch(kind, target, fmt.Sprintf("started %s %s", kind, target), run)
	return cmd
}

// launch is start that also returns the operation id (0: not started).
func (s *operationsScreen) launch(kind, target, status string, run RunFunc) (int, tea.Cmd) {
	if cmd := refused(s.ctx, kind); cmd != nil {
		return 0, cmd
	}
	id := s.ctx.Ops.Start(kind, target, run)
	s.opRows()
	s.lists[paneOps].Select("op-" + itoa(id))
	return id, tea.Batch(s.armTick(), statusCmd(status, false))
}

// --- backup ---

func (s *operationsScreen) pickBackup() {
	s.pick("Back up which set?", "to the active site "+s.active(), "SET",
		s.setChoices(opsPaths, true), func(id string) tea.Cmd {
			s.askBackup(opsAll(id))
			return nil
		})
}

func (s *operationsScreen) askBackup(sets []string) {
	cfg := s.ctx.Backend.ConfigView()
	active := s.active()
	what := opsNames(sets, "all sets")
	body := fmt.Sprintf("restic backup of every set (%s) to the active site %s, one after another.",
		strings.Join(cfg.SetNames(), ", "), active)
	if len(sets) == 1 {
		set, _ := cfg.Set(sets[0])
		body = fmt.Sprintf("restic backup of %s (%s) to the active site %s.", sets[0], opsPaths(set), active)
	} else if len(sets) > 1 {
		body = fmt.Sprintf("restic backup of %s to the active site %s, one after another.", what, active)
	}
	body += " It adds snapshots; nothing is removed or overwritten."
	b := s.ctx.Backend
	req := engine.BackupRequest{Sets: sets}
	s.ask(NewConfirm("ops:backup", fmt.Sprintf("Back up %s to %s?", what, active), body, "Back up"),
		func() tea.Cmd {
			return s.start("backup", what+" → "+active, func(ctx context.Context, obs engine.Observer) (any, error) {
				return b.Backup(ctx, req, obs)
			})
		}, "backup not started: nothing changed")
}

// --- replicate ---

func (s *operationsScreen) pickReplicate() {
	standbys := s.standbys()
	if len(standbys) == 0 {
		s.notice = &opsNotice{title: "Nothing to replicate to",
			lines: []string{"No standby site is configured: every site but " + s.active() + " is a replication target."},
			hint:  "enter or esc: close"}
		return
	}
	s.pick("Replicate to which standby?", "copies missing snapshots from the active site "+s.active(), "STANDBY",
		s.siteChoices(standbys, "all standbys"), func(to string) tea.Cmd {
			sites := opsAll(to)
			s.pick("Replicate which set?", "to "+opsNames(sites, "all standbys"), "SET",
				s.setChoices(opsPaths, true), func(set string) tea.Cmd {
					s.askReplicate(sites, opsAll(set))
					return nil
				})
			return nil
		})
}

func (s *operationsScreen) askReplicate(to, sets []string) {
	active := s.active()
	dest := opsNames(to, "every standby ("+strings.Join(s.standbys(), ", ")+")")
	what := opsNames(sets, "all sets")
	body := fmt.Sprintf("restic copy of the snapshots of %s that %s lacks, from the active site %s. "+
		"Both catalogs are refreshed first. Nothing is removed at either site.", what, dest, active)
	b := s.ctx.Backend
	req := engine.ReplicateRequest{To: to, Sets: sets}
	target := what + " → " + opsNames(to, "standbys")
	s.ask(NewConfirm("ops:replicate", fmt.Sprintf("Replicate %s to %s?", what, opsNames(to, "every standby")), body, "Replicate"),
		func() tea.Cmd {
			return s.start("replicate", target, func(ctx context.Context, obs engine.Observer) (any, error) {
				return b.Replicate(ctx, req, obs)
			})
		}, "replication not started: nothing changed")
}

// --- check ---

func (s *operationsScreen) pickCheck() {
	s.pick("Check which site?", "restic check reads the repository; it changes nothing", "SITE",
		s.siteChoices(s.ctx.Backend.ConfigView().SiteNames(), "all sites"), func(id string) tea.Cmd {
			s.pickCheckMode(opsAll(id))
			return nil
		})
}

func (s *operationsScreen) pickCheckMode(sites []string) {
	s.pick("Check "+opsNames(sites, "every site")+": how deep?", "", "DEPTH", []opsChoice{
		{id: "structure", label: "structure only", hint: "index, snapshots and trees; reads no file data"},
		{id: "1/10", label: "read 1/10 of data", hint: "also downloads and verifies a tenth of the pack files"},
	}, func(id string) tea.Cmd {
		subset := ""
		if id != "structure" {
			subset = id
		}
		s.askCheck(sites, subset)
		return nil
	})
}

func (s *operationsScreen) askCheck(sites []string, subset string) {
	where := opsNames(sites, "every site")
	mode, depth := "structure", "verifies the repository's structure (index, snapshots, trees)"
	if subset != "" {
		mode = "read " + subset
		depth = "verifies the structure and reads " + subset + " of the pack data"
	}
	body := fmt.Sprintf("restic check at %s %s. It changes nothing, but it reads the repository and may take long on a large one", where, depth)
	if subset != "" {
		body += ", downloading that share of the data"
	}
	body += "."
	b := s.ctx.Backend
	req := engine.CheckRequest{Sites: sites, ReadDataSubset: subset}
	s.ask(NewConfirm("ops:check", fmt.Sprintf("Check %s (%s)?", where, mode), body, "Check"),
		func() tea.Cmd {
			return s.start("check", opsNames(sites, "all sites")+" · "+mode, func(ctx context.Context, obs engine.Observer) (any, error) {
				return b.Check(ctx, req, obs)
			})
		}, "check not started")
}

// --- forget ---

func opsRetention(set *engine.SetView) string {
	r := set.Retention
	if r == nil {
		return "no retention policy: forget skips it"
	}
	var p []string
	for _, k := range r.Keep {
		p = append(p, fmt.Sprintf("%s %d", k.Unit, k.N))
	}
	if r.KeepWithin > 0 {
		p = append(p, "within "+engine.Age(r.KeepWithin))
	}
	return "keep " + strings.Join(p, ", ")
}

func (s *operationsScreen) forgetPlan(set string, sites []string) opsForgetPlan {
	return opsForgetPlan{set: set, sites: sites, where: opsNames(sites, "all sites")}
}

// pickForget asks for a set, then (unless sites were named) for a site.
func (s *operationsScreen) pickForget(sites []string, sitesGiven bool) {
	s.pick("Forget old snapshots of which set?", "a dry run shows what would go before anything is removed", "SET",
		s.setChoices(opsRetention, false), func(set string) tea.Cmd {
			if sitesGiven {
				return s.dryRun(s.forgetPlan(set, sites))
			}
			s.pick("Apply the retention of "+set+" where?", "", "SITE",
				s.siteChoices(s.ctx.Backend.ConfigView().SiteNames(), "all sites"), func(site string) tea.Cmd {
					return s.dryRun(s.forgetPlan(set, opsAll(site)))
				})
			return nil
		})
}

// dryRun starts the dry run of a forget; its end opens the review.
func (s *operationsScreen) dryRun(p opsForgetPlan) tea.Cmd {
	if cmd := refused(s.ctx, "forget"); cmd != nil {
		return cmd
	}
	b := s.ctx.Backend
	req := engine.ForgetRequest{Sites: p.sites, Sets: []string{p.set}, DryRun: true}
	id, cmd := s.launch("forget", p.set+" @ "+opsNames(p.sites, "all")+", dry run",
		"forget "+p.set+": dry run first — nothing is removed until you confirm",
		func(ctx context.Context, obs engine.Observer) (any, error) {
			return b.Forget(ctx, req, obs)
		})
	s.dryRuns[id] = p
	return cmd
}

// dryRunEnded opens the review of a finished dry run (queued behind an open
// dialog), or says why there is none.
func (s *operationsScreen) dryRunEnded(id int) tea.Cmd {
	p, ok := s.dryRuns[id]
	if !ok {
		return nil
	}
	delete(s.dryRuns, id)
	op := s.ctx.Ops.Get(id)
	if op == nil {
		return nil
	}
	switch op.State {
	case OpOK, OpWarning:
		results, _ := op.Result.([]engine.ForgetResult)
		s.reviews = append(s.reviews, opsReview{plan: p, results: results})
		s.popReview()
		return statusCmd("forget dry run of "+p.set+" done: review it on the Operations screen", false)
	case OpCancelled:
		return statusCmd("forget dry run of "+p.set+" cancelled: nothing changed", false)
	}
	return statusCmd("forget dry run of "+p.set+" failed: "+op.Message+" — nothing changed", true)
}

// popReview shows the next ended dry run when no dialog is open.
func (s *operationsScreen) popReview() {
	if s.modalOpen() || len(s.reviews) == 0 {
		return
	}
	r := s.reviews[0]
	s.reviews = s.reviews[1:]
	lines, remove := opsForgetLines(s.ctx.Theme, r.results)
	n := &opsNotice{title: "Forget dry run: " + r.plan.set + " at " + r.plan.where, lines: lines}
	if remove == 0 {
		n.lines = append(n.lines, "", "Nothing would be removed: the retention policy keeps every snapshot.")
		n.hint = "enter or esc: close"
	} else {
		n.lines = append(n.lines, "", fmt.Sprintf("%d snapshot(s) would be removed. Nothing has changed yet.", remove))
		n.hint = "enter: go on, then type " + r.plan.set + " to apply · esc: cancel (nothing changes)"
		plan := r.plan
		n.onOK = func() tea.Cmd {
			s.askForget(plan, remove)
			return nil
		}
		n.onCancel = func() tea.Cmd {
			return statusCmd("forget of "+plan.set+" not applied: nothing changed", false)
		}
	}
	s.notice = n
}

func (s *operationsScreen) askForget(p opsForgetPlan, remove int) {
	body := fmt.Sprintf("This forgets the snapshots of %s at %s that the dry run listed — restic applies the "+
		"retention policy again as it runs — then prunes their data at each site that lost any. It cannot be undone.",
		p.set, p.where)
	b := s.ctx.Backend
	req := engine.ForgetRequest{Sites: p.sites, Sets: []string{p.set}}
	c := NewTypedConfirm("ops:forget", fmt.Sprintf("Forget %d snapshot(s) of %s at %s?", remove, p.set, p.where), body, "Forget", p.set)
	s.ask(c, func() tea.Cmd {
		return s.start("forget", p.set+" @ "+p.where, func(ctx context.Context, obs engine.Observer) (any, error) {
			return b.Forget(ctx, req, obs)
		})
	}, "forget of "+p.set+" not applied: nothing changed")
}

// opsForgetLines describes forget results per group: keep N, remove M
// with short ids. It also returns how many snapshots go in all.
func opsForgetLines(th Theme, results []engine.ForgetResult) ([]string, int) {
	var lines []string
	total := 0
	for _, r := range results {
		head := r.Set + " @ " + r.Site
		switch {
		case r.Skipped != "":
			lines = append(lines, head+": "+th.Muted.Render("skipped — "+r.Skipped))
			continue
		case r.Error != "":
			lines = append(lines, head+": "+th.Critical.Render("failed — "+r.Error))
			continue
		case len(r.Groups) == 0:
			lines = append(lines, head+": no snapshots")
			continue
		}
		for _, g := range r.Groups {
			total += len(g.Remove)
			line := fmt.Sprintf("%s  host %s [%s]: keep %d, remove %d", head, dashed(g.Host),
				strings.Join(g.Tags, ","), len(g.Keep), len(g.Remove))
			if len(g.Remove) > 0 {
				ids := make([]string, 0, 6)
				for i, id := range g.Remove {
					if i == 6 {
						ids = append(ids, fmt.Sprintf("+%d more", len(g.Remove)-6))
						break
					}
					ids = append(ids, shortID(id))
				}
				line += ": " + th.Warn.Render(strings.Join(ids, " "))
			}
			lines = append(lines, line)
		}
	}
	if len(results) == 0 {
		lines = append(lines, "no result came back")
	}
	return lines, total
}

// --- cancel and details ---

func (s *operationsScreen) askCancel() tea.Cmd {
	op := s.selectedOp()
	if op == nil {
		return statusCmd("no operation selected: pick a running one in the operations pane (o)", true)
	}
	if !op.Running() {
		return statusCmd(fmt.Sprintf("%s %s already ended (%s)", op.Kind, op.Target, op.State), true)
	}
	id, what := op.ID, op.Kind+" "+op.Target
	c := NewConfirm("ops:cancel", "Stop "+what+"?",
		"restic is stopped cleanly and the journal records the operation as cancelled; work already finished stays. Cancel keeps it running.",
		"Stop it")
	s.ask(c, func() tea.Cmd {
		s.ctx.Ops.Cancel(id)
		return statusCmd("cancelling "+what+"…", false)
	}, what+" keeps running")
	return nil
}

// details opens the full record of the focused pane's row.
func (s *operationsScreen) details() {
	th := s.ctx.Theme
	row, ok := s.lists[s.focus].Selected()
	if !ok {
		return
	}
	n := &opsNotice{hint: "enter or esc: close"}
	switch s.focus {
	case paneOps:
		op := s.selectedOp()
		if op == nil {
			return
		}
		n.title = fmt.Sprintf("#%d %s %s", op.ID, op.Kind, op.Target)
		n.lines = append(n.lines, fmt.Sprintf("%s · started %s · %s", th.Level(string(op.State)),
			op.Started.Local().Format("15:04:05"), opsClock(opsElapsed(op))))
		if w := opsWork(op); w != "" {
			n.lines = append(n.lines, w)
		}
		if op.Current != "" {
			n.lines = append(n.lines, "on "+op.Current)
		}
		if op.Message != "" {
			n.lines = append(n.lines, "last: "+op.Message)
		}
		for _, w := range op.Warnings {
			n.lines = append(n.lines, th.Warn.Render("warning: ")+w)
		}
		if op.Err != nil {
			n.lines = append(n.lines, "", th.Critical.Render("error: ")+op.Err.Error())
		}
		if res := opsResultLines(th, op.Result); len(res) > 0 {
			n.lines = append(append(n.lines, ""), res...)
		}
		n.lines = append(n.lines, opsLogLines(th, op)...)
	case paneResults:
		for _, o := range s.results {
			if "r-"+fmt.Sprint(o.ID) != row.ID {
				continue
			}
			n.title = fmt.Sprintf("%s %s %s", o.Kind, where(o.Set, o.Site), th.Level(o.State))
			took := "still running"
			if !o.Finished.IsZero() {
				took = "took " + opsClock(o.Finished.Sub(o.Started))
			}
			n.lines = append(n.lines, fmt.Sprintf("started %s · %s · on %s pid %d",
				o.Started.Local().Format("2006-01-02 15:04:05"), took, dashed(o.Host), o.PID))
			if o.Files > 0 || o.Bytes > 0 {
				n.lines = append(n.lines, fmt.Sprintf("%d files, %s", o.Files, bytesText(o.Bytes)))
			}
			n.lines = append(n.lines, o.Detail)
		}
	case paneLog:
		for _, inv := range s.invs {
			if "i-"+fmt.Sprint(inv.ID) != row.ID {
				continue
			}
			n.title = "restic at " + dashed(inv.Site)
			n.lines = append(n.lines, fmt.Sprintf("started %s · took %s · exit %d",
				inv.Time.Local().Format("2006-01-02 15:04:05"), opsDur(inv.Duration), inv.ExitCode),
				"", strings.Join(inv.Args, " "))
			if inv.Error != "" {
				n.lines = append(n.lines, "", th.Critical.Render("error: ")+inv.Error)
			}
		}
	}
	if n.title == "" {
		return
	}
	// Read whole in a viewer: a result or an error can be longer than any dialog.
	s.detail = newDetail(s.ctx, n.title, strings.Join(n.lines, "\n"))
	s.detail.SetSize(s.width, s.height)
}

// opsResultLines summarises an operation's result, one line per set/site.
func opsResultLines(th Theme, res any) []string {
	var out []string
	switch rs := res.(type) {
	case []engine.BackupResult:
		for _, r := range rs {
			l := fmt.Sprintf("%s → %s: %s", r.Set, r.Site, th.Level(string(r.Outcome)))
			if r.SnapshotID != "" {
				l += fmt.Sprintf(", snapshot %s, %d files, %s, %s added", shortID(r.SnapshotID), r.FilesTotal,
					engine.Bytes(r.BytesTotal), engine.Bytes(r.DataAdded))
			}
			if len(r.Unreadable) > 0 {
				l += fmt.Sprintf(", %d unreadable", len(r.Unreadable))
			}
			out = append(out, opsWithErr(l, r.Error))
		}
	case []engine.ReplicateResult:
		for _, r := range rs {
			out = append(out, opsWithErr(fmt.Sprintf("%s %s → %s: %s, copied %d, still missing %d",
				r.Set, r.From, r.To, th.Level(string(r.Outcome)), r.Copied, r.Missing), r.Error))
		}
	case []engine.CheckResult:
		for _, r := range rs {
			l := fmt.Sprintf("%s: %s", r.Site, th.Level(string(r.Outcome)))
			if len(r.Errors) > 0 {
				l += fmt.Sprintf(", %d error(s): %s", len(r.Errors), strings.Join(r.Errors, "; "))
			}
			out = append(out, opsWithErr(l, r.Error))
		}
	case []engine.ForgetResult:
		out, _ = opsForgetLines(th, rs)
	case *engine.RestoreResult:
		if rs != nil {
			out = append(out, opsWithErr(fmt.Sprintf("%s from %s into %s: %s, %d files, %s, verified %v",
				rs.Set, rs.Site, rs.Target, th.Level(string(rs.Outcome)), rs.Files, engine.Bytes(rs.Bytes), rs.Verified), rs.Error))
		}
	}
	return out
}

func opsWithErr(line, err string) string {
	if err == "" {
		return line
	}
	return line + " — " + err
}

// noticeKeys: enter goes on, esc (or q) cancels; other keys do nothing.
func (s *operationsScreen) noticeKeys() Bindings {
	answer := func(pick func(*opsNotice) func() tea.Cmd) func(tea.KeyMsg) tea.Cmd {
		return func(tea.KeyMsg) tea.Cmd {
			n := s.notice
			s.notice = nil
			var cmd tea.Cmd
			if f := pick(n); f != nil {
				cmd = f()
			}
			s.popReview()
			return cmd
		}
	}
	return Bindings{
		bind("enter", "go on", answer(func(n *opsNotice) func() tea.Cmd { return n.onOK }), "enter"),
		bind("esc", "cancel", answer(func(n *opsNotice) func() tea.Cmd { return n.onCancel }), "esc", "q", "ctrl+c"),
	}
}

// pickerKeys: enter picks, esc (or q) cancels the flow, the list moves.
func (s *operationsScreen) pickerKeys() Bindings {
	return Bindings{
		bind("↑/↓", "choose", nil, "up", "down"),
		bind("enter", "next", do(func() tea.Cmd {
			p := s.picker
			s.picker = nil
			r, ok := p.list.Selected()
			var cmd tea.Cmd
			if ok {
				cmd = p.onPick(r.ID)
			}
			s.popReview()
			return cmd
		}), "enter"),
		bind("esc", "cancel", do(func() tea.Cmd {
			s.picker = nil
			s.popReview()
			return statusCmd("cancelled: nothing started", false)
		}), "esc", "q", "ctrl+c"),
	}
}
