package tui

import (
	"strings"
	"testing"
)

// TestDialogsFit80x24 opens each screen's dialogs at the documented
// minimum: every frame is 80×24 with its boxes whole.
func TestDialogsFit80x24(t *testing.T) {
	flows := [][]string{
		{":"},
		{":", "c", "h", "e", "c", "k", " "},
		{"1", "enter"},
		{"2", "enter"},
		{"2", "enter", "enter"},
		{"3", "b"},
		{"3", "k"},
		{"3", "f"},
		{"3", "p"},
		{"4", "d"},
		{"4", "f"},
		{"4", "f", "enter"},
		{"5", "enter"},
	}
	for _, readOnly := range []bool{false, true} {
		for _, keys := range flows {
			m, _ := newTestModel(t, readOnly, 80, 24)
			for _, k := range keys {
				driveRoot(m, keyPress(k))
			}
			t.Run(strings.Join(keys, "_"), func(t *testing.T) { checkFrame(t, view(m), 80, 24) })
		}
	}
}
