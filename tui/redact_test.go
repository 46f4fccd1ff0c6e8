package tui

import (
	"strings"
	"testing"
)

// The site pickers of Operations name each site's repository without the
// password a URL may carry.
func TestOperationsPickersRedactRepository(t *testing.T) {
	h := newOpsHarness(t, false)
	h.f.cfg.Sites[1].Repository = "rest:https://lifeboat:s3cret@dr:8000/lb"
	for _, key := range []string{"k", "p"} { // check asks for any site, replicate for a standby
		h.keys(key)
		v := h.view()
		if strings.Contains(v, "s3cret") || !strings.Contains(v, "rest:https://lifeboat:***@dr") {
			t.Errorf("the %s picker shows the repository unredacted:\n%s", key, v)
		}
		h.keys("esc")
	}
}
