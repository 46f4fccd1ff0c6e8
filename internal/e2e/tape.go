package e2e

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// TapeStep is one command of a VHS tape that touches the terminal.
type TapeStep struct {
	Line    int
	Kind    string // type, key, sleep, wait
	Text    string // for type: the text; for key: the tmux key name
	Pattern *regexp.Regexp
	Timeout time.Duration
	Repeat  int
}

// vhsKeys maps VHS key commands to tmux key names.
var vhsKeys = map[string]string{
	"Enter": "Enter", "Tab": "Tab", "Space": "Space", "Backspace": "BSpace", "Escape": "Escape",
	"Up": "Up", "Down": "Down", "Left": "Left", "Right": "Right", "Ctrl+C": "C-c", "PageUp": "PPage", "PageDown": "NPage",
}

var waitRe = regexp.MustCompile(`^Wait(\+Screen|\+Line)?(@(\S+))?\s+/(.*)/$`)

// ParseTape reads the steps of a tape; unknown commands are errors so that
// the replay cannot silently skip part of the tour.
func ParseTape(path string) ([]TapeStep, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var steps []TapeStep
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cmd, rest, _ := strings.Cut(line, " ")
		rest = strings.TrimSpace(rest)
		switch {
		case cmd == "Output" || cmd == "Set" || cmd == "Hide" || cmd == "Show" || cmd == "Require":
		case cmd == "Type":
			s, err := strconv.Unquote(rest)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: Type needs a quoted string: %w", path, n, err)
			}
			steps = append(steps, TapeStep{Line: n, Kind: "type", Text: s})
		case cmd == "Sleep":
			d, err := time.ParseDuration(rest)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %w", path, n, err)
			}
			steps = append(steps, TapeStep{Line: n, Kind: "sleep", Timeout: d})
		case strings.HasPrefix(cmd, "Wait"):
			m := waitRe.FindStringSubmatch(line)
			if m == nil {
				return nil, fmt.Errorf("%s:%d: cannot read %q", path, n, line)
			}
			timeout := 15 * time.Second
			if m[3] != "" {
				if timeout, err = time.ParseDuration(m[3]); err != nil {
					return nil, fmt.Errorf("%s:%d: %w", path, n, err)
				}
			}
			re, err := regexp.Compile(m[4])
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %w", path, n, err)
			}
			steps = append(steps, TapeStep{Line: n, Kind: "wait", Pattern: re, Timeout: timeout})
		default:
			name, count, _ := strings.Cut(cmd, "@")
			key, ok := vhsKeys[name]
			if !ok {
				return nil, fmt.Errorf("%s:%d: unknown tape command %q", path, n, cmd)
			}
			repeat := 1
			if rest != "" {
				repeat, _ = strconv.Atoi(rest)
			}
			_ = count
			steps = append(steps, TapeStep{Line: n, Kind: "key", Text: key, Repeat: max(repeat, 1)})
		}
	}
	return steps, sc.Err()
}

// Replay plays the steps in a session. Sleeps are kept short (they are for
// the viewer, not the program); waits poll the screen.
func (s *Session) Replay(steps []TapeStep, rewrite func(string) string) {
	s.t.Helper()
	for _, st := range steps {
		switch st.Kind {
		case "type":
			s.Type(rewrite(st.Text))
		case "key":
			for i := 0; i < st.Repeat; i++ {
				s.Keys(st.Text)
			}
		case "sleep":
			time.Sleep(min(st.Timeout, 700*time.Millisecond))
		case "wait":
			deadline := time.Now().Add(st.Timeout)
			for !st.Pattern.MatchString(s.Screen()) {
				if time.Now().After(deadline) {
					s.t.Fatalf("demo.tape line %d: the screen never matched /%s/; it shows:\n%s", st.Line, st.Pattern, s.Screen())
				}
				time.Sleep(100 * time.Millisecond)
			}
		}
	}
}
