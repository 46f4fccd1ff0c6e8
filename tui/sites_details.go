package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/lifeboat-dr/lifeboat/engine"
)

// The Sites screen's details box: the selected site's state, probes,
// locks, services and measured capacity.

// details draws the selected site in a box of at most h lines.
func (s *sitesScreen) details(h int) string {
	th := s.ctx.Theme
	box := th.Box
	innerW := s.width - box.GetHorizontalFrameSize()
	innerH := h - box.GetVerticalFrameSize()
	if innerW < 10 || innerH < 1 {
		return ""
	}
	row, ok := s.list.Selected()
	if !ok {
		return ""
	}
	var ss engine.SiteStatus
	for _, x := range s.status.Sites {
		if x.Name == row.ID {
			ss = x
		}
	}
	now := s.ctx.Now()
	var lines []string
	// field adds a labelled value, wrapped under itself when it is long.
	const labelW = 12
	field := func(name, value string) {
		label := th.Muted.Render(fmt.Sprintf("%-*s", labelW, name))
		if innerW-labelW >= 20 {
			value = ansi.Wrap(value, innerW-labelW, "")
		}
		for i, l := range strings.Split(value, "\n") {
			if i > 0 {
				label = strings.Repeat(" ", labelW)
			}
			lines = append(lines, label+l)
		}
	}
	lines = append(lines, th.Title.Render(ss.Name)+"  "+s.stateWord(siteState(s.status, ss)))
	repo := "(not in the configuration)"
	cfgRole := ""
	if site, ok := s.ctx.Backend.ConfigView().Site(ss.Name); ok {
		repo = site.Repository
		cfgRole = site.Role
	}
	field("repository", repo)
	field("role", s.roleText(ss, cfgRole))
	if ss.Error != "" {
		field("error", th.Critical.Render(advised(ss.Error, ss.ErrorDo)))
	}
	probe := "never probed"
	if !ss.Probed.IsZero() {
		probe = "probed " + ago(now, ss.Probed)
	}
	if ss.Reachable {
		probe = "reachable in " + siteLatencyText(ss) + ", " + probe
	} else if !ss.Probed.IsZero() {
		probe = "unreachable, " + probe
	}
	field("probe", probe)
	locks := "? (unknown while the site is down)"
	if n, ok := ss.LockCount(); ok {
		locks = itoa(n)
		if n > 0 {
			locks += th.Muted.Render(" (a lock held by another process can block check and prune)")
		}
	}
	field("locks", locks)
	for i, l := range s.lockInfo[ss.Name] {
		kind := "shared"
		if l.Exclusive {
			kind = "exclusive"
		}
		state := th.Warn.Render("held")
		if l.Stale {
			state = th.Critical.Render("stale") + th.Muted.Render(" (u removes it)")
		}
		field("", fmt.Sprintf("%d. %s lock by %s@%s pid %d, %s, %s", i+1, kind, l.User, l.Host, l.PID, ago(now, l.Time), state))
	}
	for i, r := range s.services[ss.Name] {
		name := ""
		if i == 0 {
			name = "services"
		}
		word := th.OK.Render("✓ ok")
		if !r.OK {
			word = th.Critical.Render("✗ failed")
		}
		field(name, fmt.Sprintf("%s %s %s %s", word, r.Kind, r.Target, th.Muted.Render(r.Detail)))
	}
	check := checkText(s.ctx.Theme, s.ctx.Now(), ss.LastCheck)
	if ss.LastCheck != nil && ss.LastCheck.Detail != "" {
		check += " — " + ss.LastCheck.Detail
	}
	field("last check", check)
	drill := drillText(s.ctx.Theme, s.ctx.Now(), ss.LastDrill)
	if ss.LastDrill == nil {
		// A drill rehearses a standby; the CLI refuses to drill the active
		// site, so the advice names the console's keys, never that command.
		advice := " — 4 then d on " + ss.Name + " rehearses a failover"
		if ss.Role == "active" {
			advice = " — a drill rehearses a standby: 4 then d"
		}
		drill += th.Muted.Render(advice)
	}
	field("last drill", drill)
	if s.samplesErr != nil {
		field("trend", th.Warn.Render("cannot read samples: "+s.samplesErr.Error()))
	}
	for i, l := range s.capacityLines(ss.Name, innerW-labelW) {
		name := ""
		if i == 0 {
			name = "capacity"
		}
		field(name, l)
	}
	probs := siteProblems(s.status, ss.Name)
	if len(probs) == 0 {
		field("problems", th.OK.Render("✓ none")+" at this site")
	}
	for i, p := range probs {
		name := ""
		if i == 0 {
			name = "problems"
		}
		field(name, th.Level(p.Level)+"  "+advised(p.Message, p.Do))
	}
	if len(lines) > innerH {
		more := len(lines) - innerH + 1
		lines = append(lines[:innerH-1], th.Muted.Render(fmt.Sprintf("… %d more line(s); enlarge the window to see them", more)))
	}
	for i, l := range lines {
		lines[i] = fit(l, innerW)
	}
	return box.Width(s.width - box.GetHorizontalBorderSize()).Render(strings.Join(lines, "\n"))
}

// capacityLines is the capacity panel of a site: the last measured
// figures, a sparkline of stored bytes over time, and how old they are.
func (s *sitesScreen) capacityLines(site string, width int) []string {
	th := s.ctx.Theme
	if s.capacityErr != nil {
		return []string{th.Warn.Render("cannot read capacity: " + s.capacityErr.Error())}
	}
	c := s.capacity[site]
	var out []string
	if c.MeasuredAt == nil {
		l := "not measured yet" + th.Muted.Render(" — r measures it (restic stats)")
		if s.measuring {
			l = th.Muted.Render("measuring (restic stats)…")
		}
		out = append(out, l)
	} else {
		d := func(v string) string {
			if v == "" {
				return "—"
			}
			return v
		}
		out = append(out,
			"stored "+d(engine.SizeOf(c.StoredBytes))+", raw "+d(engine.SizeOf(c.RawBytes))+" (compression "+d(engine.RatioOf(c.CompressionRatio))+")",
			"restore "+d(engine.SizeOf(c.RestoreBytes))+" (dedup "+d(engine.RatioOf(c.DedupRatio))+"), "+d(capCount(c.Snapshots))+" snapshots",
			"growth "+d(engine.GrowthOf(c.GrowthBytesPerDay))+", free "+d(engine.SizeOf(c.FreeBytes))+", full in "+d(engine.DaysOf(c.DaysToFull)))
		when := "measured " + ago(s.ctx.Now(), *c.MeasuredAt)
		if s.measuring {
			when += ", measuring…"
		}
		last := "cost " + d(engine.CostOf(c.MonthlyCost)) + th.Muted.Render(" · "+when)
		if spark := capacitySparkline(c.History, min(sparkSamples, width-ansi.StringWidth(last)-2)); spark != "" {
			last += "  " + spark
		}
		out = append(out, last)
	}
	if c.LastError != "" {
		out = append(out, th.Warn.Render("last measurement failed "+ago(s.ctx.Now(), c.LastErrorAt)+": "+c.LastError))
	} else if s.measureErr != nil && !s.measuring && c.MeasuredAt == nil {
		out = append(out, th.Warn.Render("measuring failed: "+s.measureErr.Error()))
	}
	return out
}

func capCount(p *int64) string {
	if p == nil {
		return ""
	}
	return itoa(int(*p))
}

// capacitySparkline draws stored bytes as ▁..█ from the lowest to the
// highest of the window, newest on the right; nothing from one point.
func capacitySparkline(h []engine.CapacityPoint, n int) string {
	if n <= 1 || len(h) < 2 {
		return ""
	}
	if len(h) > n {
		h = h[len(h)-n:]
	}
	levels := []rune("▁▂▃▄▅▆▇█")
	lo, hi := h[0].StoredBytes, h[0].StoredBytes
	for _, p := range h {
		lo, hi = min(lo, p.StoredBytes), max(hi, p.StoredBytes)
	}
	var b strings.Builder
	for _, p := range h {
		i := len(levels) / 2
		if hi > lo {
			i = int(float64(p.StoredBytes-lo) / float64(hi-lo) * float64(len(levels)-1))
		}
		b.WriteRune(levels[max(0, min(i, len(levels)-1))])
	}
	return b.String()
}

// roleText says the site's role and where the active role comes from.
func (s *sitesScreen) roleText(ss engine.SiteStatus, cfgRole string) string {
	from := "from the config"
	if s.status.ActiveFrom == "failover" {
		from = "by a failover record"
		if cfgRole != "" && cfgRole != ss.Role {
			from += " (the config says " + cfgRole + ")"
		}
	}
	if ss.Role == "active" {
		return "active, " + from
	}
	return "standby — the active site is " + s.status.ActiveSite + ", " + from
}
