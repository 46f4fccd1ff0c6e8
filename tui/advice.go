package tui

import "github.com/lifeboat-dr/lifeboat/internal/dr"

// keysFor is a remedy in the console's words: the keys or palette line that
// do it here. What the console cannot do is named as the shell command,
// said to be one, so no advice on screen is refused where it is shown.
func keysFor(r dr.Remedy) string {
	switch r.Act {
	case dr.ActBackup, dr.ActReplicate:
		return paletteLine(r.Act, r.Set)
	case dr.ActCheck, dr.ActDrill, dr.ActUnlock:
		return paletteLine(r.Act, r.Site)
	case dr.ActReport:
		return paletteLine(r.Act, r.Report)
	case dr.ActCheckReadData:
		return "`lifeboat check --site " + r.Site + " --read-data` in a shell"
	}
	if k, ok := keysAt[r.Act]; ok {
		return k
	}
	return string(r.Act)
}

// paletteLine is the palette command that does act on arg: the palette's
// actions are named as the acts they do.
func paletteLine(act dr.Act, arg string) string { return "`:" + string(act) + " " + arg + "`" }

// keysAt are the remedies worded the same whatever they act on.
var keysAt = map[dr.Act]string{
	dr.ActResume:        "f on Recovery, Resume,",
	dr.ActAbort:         "f on Recovery, Abort,",
	dr.ActSnapshots:     "the Catalog (2)",
	dr.ActStatus:        "the Sites screen (1)",
	dr.ActInit:          "`lifeboat init` in a shell",
	dr.ActVerifyJournal: "`lifeboat journal --verify` in a shell",
	dr.ActProbePosture:  "`lifeboat posture --probe` in a shell",
}

// advised is a message with what may be done about it, in keys.
func advised(msg string, do []dr.Remedy) string { return dr.Say(msg, do, keysFor) }

// errWords is an error with what it advises, in keys.
func errWords(err error) string { return advised(err.Error(), dr.RemediesOf(err)) }
