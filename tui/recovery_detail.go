package tui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/lifeboat-dr/lifeboat/engine"
)

// recoveryReportMsg answers a stored-report request; seq drops late answers.
type recoveryReportMsg struct {
	seq int
	ref string
	rep engine.StoredReport
	err error
}

// newestReportAt is the id of the newest drill of site or failover to it.
func (s *recoveryScreen) newestReportAt(site string) string {
	var id string
	var at time.Time
	for _, d := range s.drills {
		if d.Site == site && d.Started.After(at) {
			id, at = d.ID, d.Started
		}
	}
	for _, f := range s.failovers {
		if f.To == site && f.Declared.After(at) {
			id, at = f.ID, f.Declared
		}
	}
	return id
}

// openSelectedReport opens the newest report of the standby under the cursor.
func (s *recoveryScreen) openSelectedReport() tea.Cmd {
	row, ok := s.list.Selected()
	if !ok {
		return nil
	}
	site, _, _ := strings.Cut(row.ID, "/")
	id := s.newestReportAt(site)
	if id == "" {
		return statusCmd("no drill or failover report for "+site+" yet: d drills it", true)
	}
	return s.openReport(id)
}

// openReport fetches a stored report (id, prefix or latest) off the UI goroutine.
func (s *recoveryScreen) openReport(ref string) tea.Cmd {
	seq, b := nextSeq(&s.reportSeq), s.ctx.Backend
	return askBackend(30*time.Second, func(ctx context.Context) tea.Msg {
		rep, err := b.StoredReport(ctx, ref)
		return recoveryReportMsg{seq: seq, ref: ref, rep: rep, err: err}
	})
}

// onReport opens the fetched report whole. One whose hash or journal entry
// does not match is shown too, under a warning, as `lifeboat report` does.
func (s *recoveryScreen) onReport(msg recoveryReportMsg) tea.Cmd {
	if msg.seq != s.reportSeq {
		return nil
	}
	untrusted := errors.Is(msg.err, engine.ErrReportChanged) || errors.Is(msg.err, engine.ErrReportUnjournaled)
	if msg.err != nil && !untrusted {
		return statusCmd(fmt.Sprintf("cannot open report %s: %v", msg.ref, msg.err), true)
	}
	body := msg.rep.Markdown
	if body == "" {
		body = msg.rep.JSON
	}
	if untrusted {
		warn := s.ctx.Theme.Critical.Render("WARNING: this report cannot be trusted: " + errWords(msg.err))
		body = warn + "\n\n" + body + "\n\n" + warn
	}
	s.detail = newDetail(s.ctx, fmt.Sprintf("%s report %s · %s", msg.rep.Kind, msg.rep.ID, msg.rep.Site), strings.TrimRight(body, "\n"))
	s.detail.SetSize(s.width, s.height)
	return nil
}

// detailKey passes a key to the open report; esc closes it.
func (s *recoveryScreen) detailKey(km tea.KeyMsg) tea.Cmd {
	cmd := s.detail.Update(km)
	if s.detail.closed {
		s.detail = nil
	}
	return cmd
}

// reportIDs are the ids of the stored reports this screen knows, newest
// drills first, for the palette's report completion.
func (s *recoveryScreen) reportIDs() []string {
	var ids []string
	for _, f := range s.failovers {
		ids = append(ids, f.ID)
	}
	for _, d := range s.drills {
		ids = append(ids, d.ID)
	}
	return ids
}

// paletteAction carries out : drill SITE, : failover SITE and : report REF.
// A site named must be a standby: the active site cannot be rehearsed or
// failed over to, and saying so here beats a refusal after the plan.
func (s *recoveryScreen) paletteAction(msg ActionMsg) tea.Cmd {
	if msg.Name == "report" {
		ref := "latest"
		if len(msg.Args) > 0 {
			ref = msg.Args[0]
		}
		return s.openReport(ref)
	}
	if len(msg.Args) > 0 {
		if s.status == nil {
			return statusCmd("no status yet: try "+msg.Name+" again when the sites have answered", true)
		}
		site := msg.Args[0]
		var standbys []string
		for _, ss := range s.standbys() {
			standbys = append(standbys, ss.Name)
		}
		if !slices.Contains(standbys, site) {
			return statusCmd(fmt.Sprintf("%s: %q is not a standby site — standbys: %s", msg.Name, site, strings.Join(standbys, ", ")), true)
		}
		if len(s.status.Sets) > 0 {
			s.list.ClearFilter()
			s.list.Select(site + "/" + s.status.Sets[0].Name)
		}
	}
	switch msg.Name {
	case "drill":
		return s.askDrill()
	case "failover":
		return s.askFailover()
	}
	return statusCmd("the Recovery screen cannot "+msg.Name, true)
}
