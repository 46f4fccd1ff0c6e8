package engine_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/lifeboat-dr/lifeboat/engine"
)

// TestLiveLogCarriesResticMessages: the restic commands run under a context
// with a live log send it their messages as they arrive (the files a
// restore wrote, check's lines), bounded to the newest, secrets redacted;
// a command run without one sends nothing anywhere.
func TestLiveLogCarriesResticMessages(t *testing.T) {
	f := newFixture(t, "")
	f.protect()
	var notified atomic.Int64
	l := engine.NewLiveLog(4, func() { notified.Add(1) })
	ctx := engine.WithLiveLog(context.Background(), l)
	if _, err := f.eng.Restore(ctx, engine.RestoreRequest{Site: "dr", Set: "models", Target: t.TempDir()}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := f.eng.Check(ctx, engine.CheckRequest{Sites: []string{"dr"}}, nil); err != nil {
		t.Fatal(err)
	}
	lines, total := l.Lines()
	if len(lines) != 4 || total <= 4 || notified.Load() != int64(total) {
		t.Fatalf("ring: %d kept of %d, notified %d: %+v", len(lines), total, notified.Load(), lines)
	}
	var all []string
	for _, ln := range lines {
		all = append(all, ln.Site+" "+ln.Text)
		if ln.Site != "dr" || ln.Time.IsZero() {
			t.Errorf("line without site or time: %+v", ln)
		}
	}
	text := strings.Join(all, "\n")
	if !strings.Contains(lines[3].Text, `"num_errors":0`) || strings.Contains(text, fixturePassword) {
		t.Errorf("the newest message is not check's summary, or a line holds the password:\n%s", text)
	}
	// The restore's files came through before check's lines pushed them out.
	l2 := engine.NewLiveLog(100, nil)
	if _, err := f.eng.Restore(engine.WithLiveLog(context.Background(), l2), engine.RestoreRequest{Site: "dr", Set: "models", Target: t.TempDir()}, nil); err != nil {
		t.Fatal(err)
	}
	lines, _ = l2.Lines()
	found := false
	for _, ln := range lines {
		found = found || strings.HasPrefix(ln.Text, "restored /")
	}
	if !found {
		t.Errorf("restore sent no restored file: %+v", lines)
	}
}
