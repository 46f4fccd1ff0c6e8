package tui

import (
	"slices"
	"strings"
	"testing"

	"github.com/lifeboat-dr/lifeboat/engine"
	"github.com/lifeboat-dr/lifeboat/internal/dr"
)

// typePalette opens the palette with line typed (set whole: each key
// typed through the root would wait out the cursor's blink).
func typePalette(m *Model, line string) {
	m.palOpen = true
	m.palette.open()
	m.palette.input.SetValue(line)
	m.palette.input.CursorEnd()
}

func TestPaletteDeclaresEveryAction(t *testing.T) {
	m, _ := newTestModel(t, false, 120, 40)
	var names []string
	for _, c := range m.palette.cmds {
		names = append(names, c.name)
	}
	for _, want := range []string{"backup", "replicate", "check", "forget", "restore", "unlock", "drill", "failover",
		"report", "refresh", "sites", "catalog", "operations", "recovery", "journal"} {
		if !slices.Contains(names, want) {
			t.Errorf("the palette lacks %s: %v", want, names)
		}
	}
}

// TestRemedyPaletteLinesAreCommands: advice words a remedy the palette does
// as a palette line named after its act; each such line is a command.
func TestRemedyPaletteLinesAreCommands(t *testing.T) {
	m, _ := newTestModel(t, false, 120, 40)
	for _, act := range []dr.Act{dr.ActBackup, dr.ActReplicate, dr.ActCheck, dr.ActDrill, dr.ActUnlock, dr.ActReport} {
		line := keysFor(dr.Remedy{Act: act, Site: "dr", Set: "models", Report: "latest"})
		name, _, _ := strings.Cut(strings.TrimPrefix(line, "`:"), " ")
		if !slices.ContainsFunc(m.palette.cmds, func(c paletteCommand) bool { return c.name == name }) {
			t.Errorf("%s is advised as %s, which is no palette command", act, line)
		}
	}
}

// TestPaletteCompletesOnlyWhatIsValid: each command completes the words
// it accepts, not every set and site.
func TestPaletteCompletesOnlyWhatIsValid(t *testing.T) {
	m, _ := newTestModel(t, false, 120, 40)
	cfg := m.ctx.Backend.ConfigView()
	cases := []struct {
		line string
		want []string
	}{
		{"check ", cfg.SiteNames()},
		{"check dr ", []string{"structure", "read"}},
		{"backup ", append(cfg.SetNames(), "all")},
		{"drill ", []string{"dr"}},
		{"failover ", []string{"dr"}},
		{"unlock ", cfg.SiteNames()},
		{"forget ", cfg.SetNames()},
		{"refresh ", nil},
	}
	for _, c := range cases {
		typePalette(m, c.line)
		got := m.palette.suggestions()
		if !slices.Equal(got, c.want) {
			t.Errorf("%q suggests %v, want %v", c.line, got, c.want)
		}
		driveRoot(m, keyPress("esc"))
	}
	// Tab completes a site for check, never a set.
	typePalette(m, "check d")
	driveRoot(m, keyPress("tab"))
	if got := m.palette.input.Value(); got != "check dr " {
		t.Fatalf("check d<tab> gave %q", got)
	}
	driveRoot(m, keyPress("esc"))
	typePalette(m, "check m")
	driveRoot(m, keyPress("tab"))
	if got := m.palette.input.Value(); got != "check m" {
		t.Fatalf("check m<tab> completed a set: %q", got)
	}
	driveRoot(m, keyPress("esc"))
}

func TestPaletteDrillFailoverUnlockReport(t *testing.T) {
	m, f := newTestModel(t, false, 120, 40)
	typePalette(m, "drill dr")
	driveRoot(m, keyPress("enter"))
	rs := m.screens[ScreenRecovery].(*recoveryScreen)
	if m.active != ScreenRecovery || rs.confirm == nil || rs.drillAt != "dr" {
		t.Fatalf(":drill dr: screen %d confirm %v at %q", m.active, rs.confirm != nil, rs.drillAt)
	}
	driveRoot(m, keyPress("esc"))
	rs.confirm = nil

	typePalette(m, "drill primary")
	driveRoot(m, keyPress("enter"))
	if rs.confirm != nil || !strings.Contains(view(m), `"primary" is not a standby site`) {
		t.Fatalf(":drill primary must be refused:\n%s", view(m))
	}

	typePalette(m, "failover dr")
	driveRoot(m, keyPress("enter"))
	if !rs.wizShown() {
		t.Fatalf(":failover dr opens no wizard:\n%s", view(m))
	}
	driveRoot(m, keyPress("esc"))

	typePalette(m, "unlock dr all")
	driveRoot(m, keyPress("enter"))
	ss := m.screens[ScreenSites].(*sitesScreen)
	if m.active != ScreenSites || ss.confirm == nil || ss.confirmSite != "dr" || !ss.unlockAll {
		t.Fatalf(":unlock dr all: screen %d confirm %v site %q all %v", m.active, ss.confirm != nil, ss.confirmSite, ss.unlockAll)
	}
	driveRoot(m, keyPress("esc"))
	ss.confirm = nil

	if _, err := f.Drill(t.Context(), engine.DrillRequest{Site: "dr"}, func(engine.Event) {}); err != nil {
		t.Fatal(err)
	}
	typePalette(m, "report latest")
	driveRoot(m, keyPress("enter"))
	if v := view(m); m.active != ScreenRecovery || !strings.Contains(v, "drill report d1") {
		t.Fatalf(":report latest:\n%s", v)
	}
}
