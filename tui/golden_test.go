package tui

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"
)

func init() {
	// Goldens are plain text everywhere: no colour profile from the host.
	lipgloss.SetColorProfile(termenv.Ascii)
	// Times are shown in local time; goldens must not depend on the host's zone.
	time.Local = time.UTC
}

// TestGoldenScreens runs the real program (teatest) over the fake engine,
// visits every screen at 80×24 and 120×40 and compares each frame with a
// golden file under testdata/ (regenerate with go test ./tui -update).
func TestGoldenScreens(t *testing.T) {
	screens := []struct {
		key, name, want string
	}{
		{"1", "sites", "primary"},
		{"2", "catalog", "datasets"},
		{"3", "operations", "restic backup"},
		{"4", "recovery", "NOT READY"},
		{"5", "journal", "alice@bastion"},
	}
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		for _, s := range screens {
			t.Run(fmt.Sprintf("%s_%dx%d", s.name, size[0], size[1]), func(t *testing.T) {
				tm := startProgram(t, newFakeBackend(), false, size[0], size[1])
				// Sites is the first screen: already drawn, nothing new to wait for.
				if s.key != "1" {
					tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s.key)})
					waitFor(t, tm, s.want)
				}
				golden.RequireEqual(t, []byte(finalFrame(t, tm, size[0], size[1])))
			})
		}
	}
}

// TestGoldenHelp opens the help overlay on every screen at 80×24, the
// documented minimum: the box must fit whole, neither wrapped nor cut.
func TestGoldenHelp(t *testing.T) {
	for i, name := range []string{"sites", "catalog", "operations", "recovery", "journal"} {
		for _, readOnly := range []bool{false, true} {
			sub := name
			if readOnly {
				sub += "_readonly"
			}
			t.Run(sub, func(t *testing.T) {
				tm := startProgram(t, newFakeBackend(), readOnly, 80, 24)
				tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(itoa(i + 1))})
				tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("?")})
				waitFor(t, tm, "esc closes help")
				golden.RequireEqual(t, []byte(finalFrame(t, tm, 80, 24)))
			})
		}
	}
}

// startProgram runs the console over f in a w×h terminal (teatest) and
// waits for the fresh data. (teatest's output reader misses a frame read
// before the program starts.)
func startProgram(t *testing.T, f *fakeBackend, readOnly bool, w, h int) *teatest.TestModel {
	t.Helper()
	m := NewWithContext(newTestContext(f, readOnly))
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(w, h))
	t.Cleanup(func() { _ = tm.Quit() })
	time.Sleep(300 * time.Millisecond)
	waitFor(t, tm, "updated just now")
	return tm
}

// finalFrame quits the program and is its last frame, plain, once checked
// to fill the w×h terminal with whole boxes.
func finalFrame(t *testing.T, tm *teatest.TestModel, w, h int) string {
	t.Helper()
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*Model)
	frame := ansi.Strip(final.View())
	if n := strings.Count(frame, "\n") + 1; n > h {
		t.Fatalf("frame has %d lines, terminal %d", n, h)
	}
	checkFrame(t, frame, w, h)
	return frame
}

// checkFrame fails when a frame is not exactly w×h or a box in it is
// wrapped or cut: every ╭ must have its ╮, sides and ╰…╯ in the same columns.
func checkFrame(t *testing.T, frame string, w, h int) {
	t.Helper()
	lines := strings.Split(frame, "\n")
	if len(lines) != h {
		t.Fatalf("frame has %d lines, terminal %d:\n%s", len(lines), h, frame)
	}
	grid := make([][]rune, len(lines))
	for i, l := range lines {
		if lw := lipgloss.Width(l); lw > w {
			t.Fatalf("line %d is %d wide:\n%s", i, lw, frame)
		}
		grid[i] = []rune(l)
	}
	at := func(i, c int) rune {
		if i < len(grid) && c < len(grid[i]) {
			return grid[i][c]
		}
		return ' '
	}
	for i := range grid {
		for c, r := range grid[i] {
			if r != '╭' {
				continue
			}
			d := c + 1
			for d < len(grid[i]) && grid[i][d] == '─' {
				d++
			}
			if at(i, d) != '╮' {
				t.Fatalf("box at line %d col %d has no top-right corner:\n%s", i, c, frame)
			}
			j := i + 1
			for ; j < len(grid) && at(j, c) == '│'; j++ {
				if at(j, d) != '│' {
					t.Fatalf("box at line %d: right side missing on line %d:\n%s", i, j, frame)
				}
			}
			if at(j, c) != '╰' || at(j, d) != '╯' {
				t.Fatalf("box at line %d is not closed at line %d:\n%s", i, j, frame)
			}
		}
	}
}

func waitFor(t *testing.T, tm *teatest.TestModel, text string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		return bytes.Contains(b, []byte(text))
	}, teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
}

// TestGoldenFailover walks the failover wizard in the real program: the
// plan, the typed confirmation and the result, and the resume prompt of an
// interrupted failover at start-up.
func TestGoldenFailover(t *testing.T) {
	type step struct {
		keys string // typed one key at a time; "\r" is enter, "\t" tab
		want string
	}
	flows := []struct {
		name        string
		interrupted bool
		steps       []step
	}{
		{"plan", false, []step{{"4", "NOT READY"}, {"f", "step 1 of 4"}, {"\r", "you will type dr"}}},
		{"confirm", false, []step{{"4", "NOT READY"}, {"f", "step 1 of 4"}, {"\r", "you will type dr"}, {"\rdx\r", "that is not dr"}}},
		{"result", false, []step{{"4", "NOT READY"}, {"f", "step 1 of 4"}, {"\r", "you will type dr"}, {"\rdr\r", "enter/esc: close"}}},
		// The prompt is up from the start (the final frame is checked for it).
		{"resume", true, nil},
	}
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		for _, fl := range flows {
			t.Run(fmt.Sprintf("%s_%dx%d", fl.name, size[0], size[1]), func(t *testing.T) {
				f := newFakeBackend()
				if fl.interrupted {
					f.unfinished = interruptedFailover()
				}
				tm := startProgram(t, f, false, size[0], size[1])
				for _, st := range fl.steps {
					for _, r := range st.keys {
						switch r {
						case '\r':
							tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
						case '\t':
							tm.Send(tea.KeyMsg{Type: tea.KeyTab})
						default:
							tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
						}
					}
					waitFor(t, tm, st.want)
				}
				frame := finalFrame(t, tm, size[0], size[1])
				if fl.interrupted && !strings.Contains(frame, "Unfinished failover") {
					t.Fatalf("no resume prompt:\n%s", frame)
				}
				golden.RequireEqual(t, []byte(frame))
			})
		}
	}
}
