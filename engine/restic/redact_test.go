package restic

import (
	"strings"
	"testing"
)

// A repository's URL password is hidden however it is written, and the
// runner treats it as a secret in both its written and its decoded form.
func TestRedactRepository(t *testing.T) {
	for repo, want := range map[string]string{
		"rest:https://lifeboat:s3cret@dr:8000/lb":       "rest:https://lifeboat:***@dr:8000/lb",
		"rest:https://lifeboat:s3%40cret@dr:8000/lb":    "rest:https://lifeboat:***@dr:8000/lb",
		"rest:https://lifeboat:s3@cret@dr:8000/lb":      "rest:https://lifeboat:***@dr:8000/lb",
		"s3:https://key:s3cret@minio.example/bucket":    "s3:https://key:***@minio.example/bucket",
		"rest:https://s3cret-token@dr:8000/lb":          "rest:https://s3cret-token@dr:8000/lb", // a user, no password
		"rest:http://dr:8000/lb":                        "rest:http://dr:8000/lb",
		"sftp:backup@dr.example:/srv/restic/lb":         "sftp:backup@dr.example:/srv/restic/lb",
		"/srv/restic/primary":                           "/srv/restic/primary",
		"rest:https://lifeboat:s3cret@dr:8000/a@b/repo": "rest:https://lifeboat:***@dr:8000/a@b/repo",
	} {
		if got := RedactRepository(repo); got != want {
			t.Errorf("RedactRepository(%q) = %q, want %q", repo, got, want)
		}
	}
	secrets := Repo{Repository: "rest:https://lifeboat:s3%40cret@dr:8000/lb"}.secrets()
	for _, want := range []string{"s3%40cret", "s3@cret"} {
		if !contains(secrets, want) {
			t.Errorf("secrets %q lack %q", secrets, want)
		}
	}
	if got := redact("Fatal: rest:https://lifeboat:s3%40cret@dr:8000/lb", secrets); strings.Contains(got, "cret") {
		t.Errorf("redacted: %q", got)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
