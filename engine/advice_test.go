package engine_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/lifeboat-dr/lifeboat/engine"
	"github.com/lifeboat-dr/lifeboat/internal/dr"
)

// stutters says whether a message repeats its site prefix.
func stutters(msg string) bool {
	for _, site := range []string{"primary", "dr"} {
		if strings.Contains(msg, "site "+site+": site "+site) || strings.Contains(msg, site+": site "+site+":") {
			return true
		}
	}
	return false
}

// Advice that cannot hurt: a site that cannot be reached is never shown
// compliant and its locks are unknown, not 0; the failover preflight does
// not vouch for the sets of a target it cannot reach; messages do not
// stutter; a repository that held snapshots and is gone is "missing", and
// only a site that never held one is pointed at `lifeboat init`.
func TestAdviceCannotHurt(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "failover: {target: "+filepath.Join(t.TempDir(), "target")+"}\ndrills: {scratch: "+t.TempDir()+"}\n")
	ctx := context.Background()

	// Never held: init is the advice.
	st, err := f.eng.Status(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range st.Sites {
		if strings.Contains(s.Error, "does not exist: repository does not exist") {
			t.Errorf("site %s: message stutters: %q", s.Name, s.Error)
		}
		if !slices.ContainsFunc(s.ErrorDo, func(r dr.Remedy) bool { return r.Act == dr.ActInit }) {
			t.Errorf("site %s never held a repository; the advice should be init: %q", s.Name, s.Error)
		}
	}

	f.protect()
	f.srv.Stop()
	st, err = f.eng.Status(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range st.Sites {
		n, known := s.LockCount()
		if s.Name == "dr" && known {
			t.Errorf("locks of a down site are known: %d", n)
		}
		if s.Name == "primary" && !known {
			t.Errorf("locks of a reachable site are unknown")
		}
	}
	for _, set := range st.Sets {
		x, _ := set.At("dr")
		if x.Grade != engine.GradeUnknown || x.RPOOK || x.BreachIn != 0 || x.LastSeen == nil || !x.Stale {
			t.Errorf("set %s at a down site: %+v", set.Name, x)
		}
		if p, _ := set.At("primary"); p.Grade != "compliant" {
			t.Errorf("set %s at the reachable primary: %+v", set.Name, p)
		}
	}
	for _, p := range st.Problems {
		if stutters(p.Message) {
			t.Errorf("problem stutters: %q", p.Message)
		}
		if p.Site == "dr" && p.Set != "" {
			t.Errorf("a down site's sets are unknown, not judged from the cache: %q", p.Message)
		}
	}

	plan, err := f.eng.PlanFailover(ctx, "dr", engine.FailoverUnplanned)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range plan.Checks {
		if c.Name == "every set at the target" && c.OK {
			t.Errorf("preflight vouches for the sets of an unreachable target: %+v", c)
		}
		if stutters(c.Detail) {
			t.Errorf("preflight check stutters: %q", c.Detail)
		}
	}
	if _, err := f.eng.Drill(ctx, engine.DrillRequest{Site: "dr"}, nil); err == nil || stutters(err.Error()) {
		t.Errorf("drill of a down site: %v", err)
	}
	f.srv.Start()

	// Held snapshots, then the repository went away (an unmounted disk).
	if err := os.Rename(filepath.Join(f.dir, "primary"), filepath.Join(f.dir, "primary.unmounted")); err != nil {
		t.Fatal(err)
	}
	st, err = f.eng.Status(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range st.Sites {
		if s.Name != "primary" {
			continue
		}
		if !strings.Contains(s.Error, "repository missing at site primary (it held 3 snapshots): check the mount or URL") ||
			strings.Contains(s.Error, "init") {
			t.Errorf("a repository that held snapshots and is gone: %q", s.Error)
		}
	}
	_, err = f.eng.Backup(ctx, engine.BackupRequest{Sets: []string{"models"}}, nil)
	if err == nil || strings.Contains(err.Error(), "init") || !strings.Contains(err.Error(), "check the mount or URL") {
		t.Errorf("backup to a missing repository that held snapshots: %v", err)
	}
}

// commandWords are the lifeboat commands an engine message must not name:
// how to act is the CLI's or the console's to say (issue #8).
var commandWords = regexp.MustCompile(`lifeboat (init|unlock|failover|check|drill|backup|replicate|report|journal|snapshots|posture|status)\b`)

// The engine's messages say what happened; none names a command, which the
// console would show as advice it cannot follow.
func TestEngineMessagesNameNoCommand(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "")
	ctx := context.Background()
	st, err := f.eng.Status(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, s := range st.Sites {
		msgs = append(msgs, s.Error)
	}
	for _, p := range st.Problems {
		msgs = append(msgs, p.Message)
	}
	f.init()
	_, err = f.eng.Restore(ctx, engine.RestoreRequest{Site: "primary", Set: "models", Snapshot: "deadbeef", Target: t.TempDir()}, nil)
	if err == nil {
		t.Fatal("a restore of a snapshot that does not exist passed")
	}
	msgs = append(msgs, err.Error())
	for _, m := range msgs {
		if commandWords.MatchString(m) {
			t.Errorf("an engine message names a command: %q", m)
		}
	}
}
