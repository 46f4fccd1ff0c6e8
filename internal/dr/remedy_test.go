package dr

import (
	"errors"
	"fmt"
	"testing"
)

func TestRemediesTravelWithTheError(t *testing.T) {
	inner := Advise(errors.New("packs damaged"), Remedy{Act: ActCheckReadData, Site: "dr", Effect: "names them"})
	outer := Advise(fmt.Errorf("refused at step %q: %w", "verify", inner), append(RemediesOf(inner), ResumeOrAbort()...)...)
	got := RemediesOf(fmt.Errorf("failover: %w", outer))
	if len(got) != 3 || got[0].Act != ActCheckReadData || got[1].Act != ActResume || got[2].Act != ActAbort {
		t.Fatalf("remedies: %+v", got)
	}
	if outer.Error() != `refused at step "verify": packs damaged` {
		t.Errorf("the error says more than what happened: %q", outer.Error())
	}
	word := func(r Remedy) string { return string(r.Act) }
	if s := Say("x", got[1:], word); s != "x: failover-resume continues it, failover-abort abandons it" {
		t.Errorf("alternatives: %q", s)
	}
	if s := Say("x", []Remedy{{Act: ActBackup}, {Act: ActReplicate}}, word); s != "x: backup, then replicate" {
		t.Errorf("steps: %q", s)
	}
	if RemediesOf(errors.New("plain")) != nil || Advise(nil, ResumeOrAbort()...) != nil {
		t.Error("a plain error advises nothing; no error stays none")
	}
}
