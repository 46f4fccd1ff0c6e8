package config

import (
	"strings"
	"testing"
)

// A config error that quotes a misplaced value hides a URL password in it.
func TestErrorsHideURLPasswords(t *testing.T) {
	for _, y := range []string{
		"sites: rest:https://lifeboat:s3cret@dr:8000/lb\nsets: []\n",
		"sites:\n  - name: dr\n    repository: [rest:https://lifeboat:s3cret@dr:8000/lb]\n",
		"sites:\n  - name: dr\n    role: rest:https://lifeboat:s3cret@dr:8000/lb\n",
	} {
		_, err := Parse([]byte(y), "lifeboat.yaml")
		if err == nil {
			t.Fatalf("no error for\n%s", y)
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("the error shows the password: %v", err)
		}
	}
}
