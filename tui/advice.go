package tui

import "github.com/lifeboat-dr/lifeboat/internal/dr"

// keysFor is a remedy in the console's words: the keys or palette line that
// do it here. What the console cannot do is named as the shell command,
// said to be one, so no advice on screen is refused where it is shown.
func keysFor(r dr.Remedy) string {
	switch r.Act {
	case dr.ActBackup:
		return "`:backup " + r.Set + "`"
	case dr.ActReplicate:
		return "`:replicate " + r.Set + "`"
	case dr.ActCheck:
		return "`:check " + r.Site + "`"
	case dr.ActDrill:
		return "`:drill " + r.Site + "`"
	case dr.ActResume:
		return "f on Recovery, Resume,"
	case dr.ActAbort:
		return "f on Recovery, Abort,"
	case dr.ActUnlock:
		return "`:unlock " + r.Site + "`"
	case dr.ActReport:
		return "`:report " + r.Report + "`"
	case dr.ActSnapshots:
		return "the Catalog (2)"
	case dr.ActStatus:
		return "the Sites screen (1)"
	case dr.ActCheckReadData:
		return "`lifeboat check --site " + r.Site + " --read-data` in a shell"
	case dr.ActInit:
		return "`lifeboat init` in a shell"
	case dr.ActVerifyJournal:
		return "`lifeboat journal --verify` in a shell"
	case dr.ActProbePosture:
		return "`lifeboat posture --probe` in a shell"
	}
	return string(r.Act)
}

// advised is a message with what may be done about it, in keys.
func advised(msg string, do []dr.Remedy) string { return dr.Say(msg, do, keysFor) }

// errWords is an error with what it advises, in keys.
func errWords(err error) string { return advised(err.Error(), dr.RemediesOf(err)) }
