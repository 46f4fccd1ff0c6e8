package cli

import (
	"github.com/lifeboat-dr/lifeboat/engine"
	"github.com/lifeboat-dr/lifeboat/internal/dr"
)

// command is a remedy in the shell's words: the lifeboat command that does
// it. The engine names the act; how to invoke it is the CLI's to say.
func command(r dr.Remedy) string {
	c := "lifeboat "
	switch r.Act {
	case dr.ActBackup:
		c += "backup --set " + r.Set
	case dr.ActReplicate:
		c += "replicate --set " + r.Set
	case dr.ActCheck:
		c += "check --site " + r.Site
	case dr.ActCheckReadData:
		c += "check --site " + r.Site + " --read-data"
	case dr.ActDrill:
		c += "drill"
		if r.Site != "" {
			c += " --site " + r.Site
		}
		if r.Set != "" {
			c += " --set " + r.Set
		}
	case dr.ActResume:
		c += "failover --resume"
	case dr.ActAbort:
		c += "failover --abort"
	case dr.ActUnlock:
		c += "unlock --site " + r.Site
	case dr.ActInit:
		c += "init"
	case dr.ActReport:
		c += "report " + r.Report
	case dr.ActVerifyJournal:
		c += "journal --verify"
	case dr.ActSnapshots:
		c += "snapshots --site " + r.Site
		if r.Set != "" {
			c += " --set " + r.Set
		}
	case dr.ActProbePosture:
		c += "posture --probe"
	case dr.ActStatus:
		c += "status"
	default:
		c += string(r.Act)
	}
	return "`" + c + "`"
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
