package tui

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/lifeboat-dr/lifeboat/engine"
)

// longDetail is a detail far wider than any column, with a last word that
// only a viewer that wraps (and does not cut) can show.
var longDetail = strings.Repeat("restic said something long about the repository ", 12) + "THE-END"

// checkDetailFrame fails when the viewer's frame is not exactly w×h or
// cuts a line with "…".
func checkDetailFrame(t *testing.T, v string, w, h int) {
	t.Helper()
	lines := strings.Split(v, "\n")
	if len(lines) != h {
		t.Fatalf("detail has %d lines for %d:\n%s", len(lines), h, v)
	}
	for _, l := range lines {
		if lipgloss.Width(l) > w {
			t.Fatalf("line wider than %d: %q", w, l)
		}
	}
	if strings.Contains(v, "…") {
		t.Fatalf("the viewer cut text:\n%s", v)
	}
}

func TestJournalEnterOpensTheEntryWhole(t *testing.T) {
	f := newFakeBackend()
	f.journal[0].Detail = longDetail
	f.journal[0].RunID = "d-7"
	ctx := newTestContext(f, false)
	var term bytes.Buffer
	ctx.Terminal = &term
	var s Screen = newJournalScreen(ctx)
	s.SetSize(80, 21)
	for _, msg := range execCmd(s.Init()) {
		s = feedScreen(s, msg)
	}
	if strings.Contains(plainView(s), "THE-END") {
		t.Fatal("the row already shows the whole detail: the test proves nothing")
	}
	s = feedScreen(s, keyPress("enter"))
	if !s.Capturing() {
		t.Fatal("enter must open the entry, which takes the keys")
	}
	v := plainView(s)
	checkDetailFrame(t, v, 80, 21)
	for _, want := range []string{"Journal entry 2", "alice@bastion (from 10.0.0.9)", "d-7", "THE-END"} {
		if !strings.Contains(v, want) {
			t.Errorf("detail lacks %q:\n%s", want, v)
		}
	}
	// y writes OSC 52 with the plain text to the terminal and says so.
	s2, cmd := s.Update(keyPress("y"))
	s = s2
	msgs := execCmd(cmd)
	if len(msgs) != 1 || !strings.HasPrefix(msgs[0].(StatusMsg).Text, "copied") {
		t.Fatalf("y answered %v", msgs)
	}
	seq := term.String()
	if !strings.HasPrefix(seq, "\x1b]52;c;") {
		t.Fatalf("no OSC 52 written: %q", seq)
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimRight(strings.TrimPrefix(seq, "\x1b]52;c;"), "\x07\x1b\\"))
	if err != nil || !strings.Contains(string(raw), "THE-END") || strings.Contains(string(raw), "\x1b[") {
		t.Fatalf("clipboard text %q (%v)", raw, err)
	}
	s = feedScreen(s, keyPress("esc"))
	if s.Capturing() || !strings.Contains(plainView(s), "who did what") {
		t.Fatalf("esc must close the entry:\n%s", plainView(s))
	}
}

func TestDetailScrollsWhatDoesNotFit(t *testing.T) {
	ctx := newTestContext(newFakeBackend(), false)
	var lines []string
	for i := 1; i <= 60; i++ {
		lines = append(lines, "line "+itoa(i))
	}
	d := newDetail(ctx, "long", strings.Join(lines, "\n"))
	d.SetSize(80, 21)
	v := ansi.Strip(d.View())
	checkDetailFrame(t, v, 80, 21)
	if !strings.Contains(v, "lines 1–19 of 60") || strings.Contains(v, "line 60") {
		t.Fatalf("first page:\n%s", v)
	}
	d.Update(keyPress("G"))
	if v := ansi.Strip(d.View()); !strings.Contains(v, "line 60") || !strings.Contains(v, "of 60") {
		t.Fatalf("G must show the end:\n%s", v)
	}
	d.Update(keyPress("g"))
	d.Update(keyPress("down"))
	if v := ansi.Strip(d.View()); !strings.Contains(v, "lines 2–20 of 60") {
		t.Fatalf("down must scroll a line:\n%s", v)
	}
	d.Update(keyPress("esc"))
	if !d.closed {
		t.Fatal("esc must close")
	}
}

func TestOperationsDetailShowsTheWholeError(t *testing.T) {
	h := newOpsHarness(t, false)
	h.s.SetSize(80, 21)
	id := h.ctx.Ops.Start("check", "dr", func(context.Context, engine.Observer) (any, error) {
		return nil, errors.New(longDetail)
	})
	h.drain(id)
	h.keys("o", "enter")
	v := h.view()
	checkDetailFrame(t, v, 80, 21)
	if !strings.Contains(v, "error:") || !strings.Contains(v, "THE-END") {
		t.Fatalf("details lack the whole error:\n%s", v)
	}
}

func TestRecoveryEnterOpensTheNewestReport(t *testing.T) {
	f := newFakeBackend()
	rep := engine.DrillReport{ID: "d-42", Site: "dr", Started: fakeNow.Add(-time.Hour), Finished: fakeNow.Add(-50 * time.Minute),
		RTO: 600 * time.Second, RTOObjective: 1800 * time.Second,
		Steps:    []engine.DrillStep{{Name: "restore models", Status: "ok", Elapsed: 540 * time.Second}},
		Findings: []string{"datasets: " + longDetail}}
	b, _ := json.Marshal(rep)
	f.drills = []storedReport{{ID: rep.ID, Site: "dr", ReportJSON: string(b)}}
	var s Screen = openRecovery(newTestContext(f, false), 80, 21, feedScreen)
	s = feedScreen(s, screenFakeData(t, f, true, nil))
	s = feedScreen(s, keyPress("enter"))
	v := plainView(s)
	checkDetailFrame(t, v, 80, 21)
	if !strings.Contains(v, "drill report d-42") {
		t.Errorf("report title:\n%s", v)
	}
	// The whole report is there to scroll: steps with timings, findings.
	text := s.(*recoveryScreen).detail.text()
	for _, want := range []string{"restore models", "540.0", "Findings", "THE-END"} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
	s = feedScreen(s, keyPress("G"))
	if v := plainView(s); !strings.Contains(v, "THE-END") {
		t.Errorf("the end of the report is not reachable:\n%s", v)
	}
	s = feedScreen(s, keyPress("esc"))
	if s.Capturing() {
		t.Fatal("esc must close the report")
	}
	// : report latest reaches the same report from anywhere.
	s = feedScreen(s, ActionMsg{Name: "report", Args: []string{"d-4"}})
	if v := plainView(s); !strings.Contains(v, "drill report d-42") {
		t.Fatalf(": report d-4:\n%s", v)
	}
}
