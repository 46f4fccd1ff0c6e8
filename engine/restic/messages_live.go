package restic

import (
	"encoding/json"
	"regexp"
	"strings"
)

// maxMessage bounds one live message: restic prints some results (forget's
// groups) as one JSON line of any length.
const maxMessage = 300

var counterLine = regexp.MustCompile(`^\[[0-9]+:[0-9]{2}(:[0-9]{2})?\] `)

// MessageText is what a person reads of one line of restic's output as it
// arrives: a file it restored or backed up, an error, its summary, or a
// plain line. Progress ("status") says nothing new beyond the progress bar
// and is left out (""), as are empty lines.
func MessageText(typ string, line []byte) string {
	var t string
	switch typ {
	case "status":
		return ""
	case "verbose_status":
		var m struct {
			Action string `json:"action"`
			Item   string `json:"item"`
		}
		if json.Unmarshal(line, &m) != nil || m.Item == "" {
			return ""
		}
		t = m.Action + " " + m.Item
	case "error":
		t = "error: " + ErrorText(line)
	case "exit_error":
		var e exitError
		e.parse(line)
		t = "exit error: " + e.Message
	case "summary":
		t = "summary: " + strings.TrimPrefix(string(line), `{"message_type":"summary",`)
	default:
		if counterLine.Match(line) {
			return "" // a progress counter ("[0:04] 50.00%  1 / 2 packs copied"), printed twice a second
		}
		t = strings.TrimSpace(string(line))
	}
	if len(t) > maxMessage {
		t = t[:maxMessage] + "…"
	}
	return strings.ToValidUTF8(t, "")
}
