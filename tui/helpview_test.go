package tui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
)

// TestFooterFitsWithoutDuplicates: at 80 columns every screen's footer
// fits uncut, lists a key once and keeps ? help.
func TestFooterFitsWithoutDuplicates(t *testing.T) {
	for _, readOnly := range []bool{false, true} {
		m, _ := newTestModel(t, readOnly, 80, 24)
		for i := range m.screens {
			driveRoot(m, keyPress(itoa(i+1)))
			lines := strings.Split(view(m), "\n")
			footer := lines[len(lines)-1]
			if lipgloss.Width(footer) > 80 || strings.Contains(footer, "…") {
				t.Errorf("screen %d footer cut: %q", i+1, footer)
			}
			if !strings.Contains(footer, "? help") {
				t.Errorf("screen %d footer lacks ? help: %q", i+1, footer)
			}
			seen := map[string]bool{}
			for _, item := range strings.Split(footer, " • ") {
				k, _, _ := strings.Cut(strings.TrimSpace(item), " ")
				if seen[k] {
					t.Errorf("screen %d footer lists %q twice: %q", i+1, k, footer)
				}
				seen[k] = true
			}
		}
	}
}

// TestHelpFitsAndListsAKeyOnce: the overlay fits 80×24 on every screen
// and a key the screen lists (/ on Catalog) is not listed again.
func TestHelpFitsAndListsAKeyOnce(t *testing.T) {
	for _, readOnly := range []bool{false, true} {
		m, _ := newTestModel(t, readOnly, 80, 24)
		for i := range m.screens {
			driveRoot(m, keyPress(itoa(i+1)))
			driveRoot(m, keyPress("?"))
			checkFrame(t, view(m), 80, 24)
			n := 0
			for _, l := range strings.Split(view(m), "\n") {
				if strings.Contains(l, "│") {
					n += strings.Count(l, " filter")
				}
			}
			if i == ScreenCatalog && n != 1 {
				t.Errorf("catalog help lists filter %d times:\n%s", n, view(m))
			}
			driveRoot(m, keyPress("esc"))
		}
	}
}

// A capturing screen (the failover wizard) gets every key: the footer
// shows its keys only, not global ones that would not act.
func TestFooterOfACapturingScreen(t *testing.T) {
	m, _ := newTestModel(t, false, 80, 24)
	driveRoot(m, keyPress("4"))
	driveRoot(m, keyPress("f"))
	if !m.screens[m.active].Capturing() {
		t.Fatal("f must open the wizard")
	}
	lines := strings.Split(view(m), "\n")
	if footer := lines[len(lines)-1]; strings.Contains(footer, "next screen") || strings.Contains(footer, "? help") {
		t.Fatalf("footer offers keys the wizard swallows: %q", footer)
	}
}
