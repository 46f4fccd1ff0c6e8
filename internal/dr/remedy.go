package dr

import (
	"errors"
	"slices"
	"strings"
)

// Act is something an operator can do about a problem, named as an act and
// not as a command: the CLI words it as a shell command, the console as its
// keys, so neither shows the other's words.
type Act string

const (
	ActBackup        Act = "backup"
	ActReplicate     Act = "replicate"
	ActCheck         Act = "check"
	ActCheckReadData Act = "check-read-data"
	ActDrill         Act = "drill"
	ActResume        Act = "failover-resume"
	ActAbort         Act = "failover-abort"
	ActUnlock        Act = "unlock"
	ActInit          Act = "init"
	ActReport        Act = "report"
	ActVerifyJournal Act = "journal-verify"
	ActSnapshots     Act = "snapshots"
	ActProbePosture  Act = "posture-probe"
	ActStatus        Act = "status"
)

// Remedy is one act with what it acts on.
type Remedy struct {
	Act    Act    `json:"act"`
	Site   string `json:"site,omitempty"`
	Set    string `json:"set,omitempty"`
	Report string `json:"report,omitempty"`
	// Effect finishes the sentence ("continues it"); remedies without one
	// are steps done in turn.
	Effect string `json:"effect,omitempty"`
}

// Advice is a finding and what may be done about it.
type Advice struct {
	Text string   `json:"text"`
	Do   []Remedy `json:"do,omitempty"`
}

// Say puts a finding and its remedies into one sentence, each remedy in the
// words of word: "text: A continues it, B abandons it" for alternatives
// (remedies with an effect), "text: A, then B" for steps.
func Say(text string, do []Remedy, word func(Remedy) string) string {
	if len(do) == 0 {
		return text
	}
	parts := make([]string, len(do))
	alternatives := false
	for i, r := range do {
		parts[i] = word(r)
		if r.Effect != "" {
			parts[i] += " " + r.Effect
			alternatives = true
		}
	}
	sep := ", then "
	if alternatives {
		sep = ", "
	}
	return text + ": " + strings.Join(parts, sep)
}

// In is the advice in the words of word.
func (a Advice) In(word func(Remedy) string) string { return Say(a.Text, a.Do, word) }

// Advised is an error that says what happened (Error) and what may be done
// about it (Do), for the front end to word.
type Advised struct {
	Err error
	Do  []Remedy
}

func (e *Advised) Error() string { return e.Err.Error() }
func (e *Advised) Unwrap() error { return e.Err }

// Advise attaches remedies to err; a nil err stays nil.
func Advise(err error, do ...Remedy) error {
	if err == nil {
		return nil
	}
	return &Advised{Err: err, Do: do}
}

// Remedies is what the error advises.
func (e *Advised) Remedies() []Remedy { return e.Do }

// Remedied is an error that advises acts: Advised, and restic's errors.
type Remedied interface{ Remedies() []Remedy }

// RemediesOf is what the errors in err's chain advise, outermost first.
func RemediesOf(err error) []Remedy {
	var out []Remedy
	for ; err != nil; err = errors.Unwrap(err) {
		if r, ok := err.(Remedied); ok {
			for _, x := range r.Remedies() {
				if !slices.Contains(out, x) { // an outer error may repeat its cause's
					out = append(out, x)
				}
			}
		}
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				for _, x := range RemediesOf(e) {
					if !slices.Contains(out, x) {
						out = append(out, x)
					}
				}
			}
			break
		}
	}
	return out
}

// ResumeOrAbort is the choice an unfinished failover leaves.
func ResumeOrAbort() []Remedy {
	return []Remedy{{Act: ActResume, Effect: "continues it"}, {Act: ActAbort, Effect: "abandons it"}}
}
