package engine

import (
	"fmt"
	"strings"
	"time"

	"github.com/lifeboat-dr/lifeboat/internal/dr"
)

// Markdown renderings of the drill and failover reports, for people. They
// are stored beside the report's JSON, so their words only ever change on
// purpose.

// drillMarkdown renders a drill report: timeline, sets, objectives against
// achieved, findings and the check subset.
func drillMarkdown(r *dr.DrillReport) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Drill %s: site %s — %s\n\n", r.ID, r.Site, r.Verdict())
	fmt.Fprintf(&b, "| | |\n|---|---|\n")
	fmt.Fprintf(&b, "| Operator | %s |\n", mdCell(r.Operator))
	fmt.Fprintf(&b, "| Rehearsed | failover from %s to %s |\n", r.From, r.Site)
	fmt.Fprintf(&b, "| Started | %s |\n", r.Started.Format(time.RFC3339))
	if !r.Finished.IsZero() {
		fmt.Fprintf(&b, "| Finished | %s |\n", r.Finished.Format(time.RFC3339))
	}
	fmt.Fprintf(&b, "| restic | %s |\n", mdCell(r.ResticVersion))
	fmt.Fprintf(&b, "| Check subset read | %s |\n", r.CheckSubset)
	fmt.Fprintf(&b, "| Config hash | `%s` |\n", shortHash(r.ConfigHash))
	fmt.Fprintf(&b, "| Previous report | `%s` |\n\n", shortHash(r.PrevSHA256))

	b.WriteString("## Objectives\n\n| | objective | achieved | |\n|---|---|---|---|\n")
	rtoAchieved, rtoWord := secs(r.RTO), okWord(r.RTOMet())
	if r.CouldNotRun() {
		rtoAchieved, rtoWord = "—", "not evaluated: "+mdCell(r.NotEvaluated)
	}
	fmt.Fprintf(&b, "| RTO (restore + verification, machine time) | %s | %s | %s |\n",
		secs(r.RTOObjective), rtoAchieved, rtoWord)
	for _, s := range r.Sets {
		fmt.Fprintf(&b, "| RPO %s | %s | %s | %s |\n", s.Name, secs(s.RPOObjective), secs(s.DataLoss), okWord(s.RPOMet()))
	}

	b.WriteString("\n## Sets\n\n| set | snapshot | snapshot time | tree | files | bytes | verified files | verified |\n|---|---|---|---|---|---|---|---|\n")
	for _, s := range r.Sets {
		fmt.Fprintf(&b, "| %s | `%s` | %s | `%s` | %d | %d | %d | %s |\n", s.Name, shortHash(s.Snapshot), s.SnapshotTime,
			shortHash(s.Tree), s.Files, s.Bytes, s.VerifiedFiles, yesNo(s.Verified))
	}

	timeline(&b, r.Steps)

	findings(&b, r.Findings, "found in drill: ")
	return b.String()
}

// failoverMarkdown renders a failover report.
func failoverMarkdown(r *dr.FailoverReport) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Failover %s: %s → %s — %s\n\n", r.ID, r.From, r.To, r.Verdict())
	fmt.Fprintf(&b, "| | |\n|---|---|\n")
	fmt.Fprintf(&b, "| Operator | %s |\n", mdCell(r.Operator))
	fmt.Fprintf(&b, "| Mode | %s |\n", r.Mode)
	fmt.Fprintf(&b, "| Declared | %s |\n", r.Declared.Format(time.RFC3339))
	if r.Switched != nil {
		fmt.Fprintf(&b, "| Switched | %s |\n", r.Switched.Format(time.RFC3339))
	}
	fmt.Fprintf(&b, "| Finished | %s |\n", r.Finished.Format(time.RFC3339))
	fmt.Fprintf(&b, "| Attempts | %d |\n", r.Attempts)
	fmt.Fprintf(&b, "| Failover target | %s |\n", mdCell(r.Target))
	fmt.Fprintf(&b, "| restic | %s |\n", mdCell(r.ResticVersion))
	fmt.Fprintf(&b, "| Config hash | `%s` |\n", shortHash(r.ConfigHash))
	fmt.Fprintf(&b, "| Previous report | `%s` |\n\n", shortHash(r.PrevSHA256))

	b.WriteString("## Objectives\n\n| | objective | achieved | |\n|---|---|---|---|\n")
	if r.Switched != nil {
		fmt.Fprintf(&b, "| RTO (declared → switched, human wait apart) | %s | %s | %s |\n", secs(r.RTOObjective), secs(r.RTO),
			okWord(r.RTOMet()))
	} else {
		fmt.Fprintf(&b, "| RTO | %s | not switched | |\n", secs(r.RTOObjective))
	}
	fmt.Fprintf(&b, "| Human wait (kept apart) | | %s | |\n", secsOrZero(r.HumanWait))
	for _, s := range r.Sets {
		fmt.Fprintf(&b, "| RPO %s (data lost) | %s | %s | %s |\n", s.Name, secs(s.RPOObjective), secsOrZero(s.DataLoss),
			okWord(s.RPOMet()))
	}

	b.WriteString("\n## Sets\n\n| set | snapshot | snapshot time | tree | restored into | files | bytes | verified files | verified |\n|---|---|---|---|---|---|---|---|---|\n")
	for _, s := range r.Sets {
		fmt.Fprintf(&b, "| %s | `%s` | %s | `%s` | %s | %d | %d | %d | %s |\n", s.Name, shortHash(s.Snapshot), s.SnapshotTime,
			shortHash(s.Tree), mdCell(s.Target), s.Files, s.Bytes, s.VerifiedFiles, yesNo(s.Verified))
	}

	timeline(&b, r.Steps)

	findings(&b, r.Findings, "")
	return b.String()
}

// timeline is the steps' table, shared by both reports.
func timeline(b *strings.Builder, steps []dr.DrillStep) {
	b.WriteString("\n## Timeline\n\n| step | status | started | seconds | detail |\n|---|---|---|---|---|\n")
	for _, s := range steps {
		start := "-"
		if !s.Started.IsZero() {
			start = s.Started.Format("15:04:05")
		}
		detail := s.Detail
		if s.HumanWait > 0 {
			detail += fmt.Sprintf(" (%.1fs of it waiting on the operator)", s.HumanWait.Seconds())
		}
		fmt.Fprintf(b, "| %s | %s | %s | %.1f | %s |\n", s.Name, s.Status, start, s.Elapsed.Seconds(), mdCell(detail))
	}
}

// findings is the findings' list, each line after prefix.
func findings(b *strings.Builder, fs []string, prefix string) {
	b.WriteString("\n## Findings\n\n")
	if len(fs) == 0 {
		b.WriteString("None.\n")
	}
	for _, f := range fs {
		fmt.Fprintf(b, "- %s%s\n", prefix, strings.ReplaceAll(f, "\n", " "))
	}
}

func mdCell(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "|", `\|`), "\n", " ")
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// secs renders a measured time or an objective: "-" for none, tenths of a
// second under two minutes, else as an age.
func secs(d time.Duration) string {
	if d <= 0 {
		return "-"
	}
	if d < 120*time.Second {
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
	return Age(d.Truncate(time.Second))
}

// secsOrZero is secs for an amount where zero is an achievement, not a gap.
func secsOrZero(d time.Duration) string {
	if d <= 0 {
		return "0s"
	}
	return secs(d)
}

func okWord(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT met"
}

// DrillMarkdown renders a drill report as Markdown, as it is stored.
func DrillMarkdown(r *DrillReport) string { return drillMarkdown(r) }

// FailoverMarkdown renders a failover report as Markdown, as it is stored.
func FailoverMarkdown(r *FailoverReport) string { return failoverMarkdown(r) }
