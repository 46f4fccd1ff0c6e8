package cli

import (
	"github.com/lifeboat-dr/lifeboat/engine"
	"github.com/lifeboat-dr/lifeboat/internal/dr"
)

// command is a remedy in the shell's words: the lifeboat command that does
// it. The engine names the act; how to invoke it is the CLI's to say.
func command(r dr.Remedy) string {
	return "`lifeboat " + commandLine(r) + "`"
}

// fixedCommands are the remedies whose command names no site, set or report.
var fixedCommands = map[dr.Act]string{
	dr.ActResume:        "failover --resume",
	dr.ActAbort:         "failover --abort",
	dr.ActInit:          "init",
	dr.ActVerifyJournal: "journal --verify",
	dr.ActProbePosture:  "posture --probe",
	dr.ActStatus:        "status",
}

// commandLine is a remedy's command after "lifeboat "; an act the CLI has
// no command for is named as it is.
func commandLine(r dr.Remedy) string {
	if c, ok := fixedCommands[r.Act]; ok {
		return c
	}
	switch r.Act {
	case dr.ActBackup:
		return "backup --set " + r.Set
	case dr.ActReplicate:
		return "replicate --set " + r.Set
	case dr.ActCheck:
		return "check --site " + r.Site
	case dr.ActCheckReadData:
		return "check --site " + r.Site + " --read-data"
	case dr.ActDrill:
		return "drill" + optionalFlag("--site", r.Site) + optionalFlag("--set", r.Set)
	case dr.ActUnlock:
		return "unlock --site " + r.Site
	case dr.ActReport:
		return "report " + r.Report
	case dr.ActSnapshots:
		return "snapshots --site " + r.Site + optionalFlag("--set", r.Set)
	}
	return string(r.Act)
}

// optionalFlag is " flag value", or nothing when the remedy leaves value
// out (a drill of every site, snapshots of every set).
func optionalFlag(flag, value string) string {
	if value == "" {
		return ""
	}
	return " " + flag + " " + value
}

// advised is a message with what may be done about it, in commands.
func advised(msg string, do []dr.Remedy) string { return dr.Say(msg, do, command) }

// errText is an error on one line with what it advises, in commands.
func errText(err error) string { return advised(oneLine(err), dr.RemediesOf(err)) }

// postureSetJSON is a set's posture as posture --json prints it: advice in
// commands, as strings.
type postureSetJSON struct {
	engine.PostureSet
	Advice []string `json:"advice"`
}

func postureJSON(ps []engine.PostureSet) []postureSetJSON {
	out := make([]postureSetJSON, len(ps))
	for i, p := range ps {
		out[i] = postureSetJSON{PostureSet: p, Advice: []string{}}
		for _, a := range p.Advice {
			out[i].Advice = append(out[i].Advice, a.In(command))
		}
	}
	return out
}
