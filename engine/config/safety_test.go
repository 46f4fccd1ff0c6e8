package config

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// A failover target or drill scratch that equals, contains or lies inside a
// set's path would overwrite or delete live data: refused at load, naming
// the key, both paths and the set. Two sites on the same repository are
// refused too, without printing the repository string (it may carry
// credentials).
func TestSafetyErrors(t *testing.T) {
	two := lines(
		"sites:",
		"  - name: a",
		"    repository: /r/a",
		"    password_file: /p",
		"    role: active",
		"  - name: b",
		"    repository: REPO",
		"    password_file: /p",
		"sets:",
		"  - name: s",
		"    paths: [/data/live, /srv/models/]",
	)
	withRepo := func(repo string) string { return strings.Replace(two, "REPO", repo, 1) }
	ok := withRepo("/r/b")
	cases := []struct {
		name, yaml string
		pos, key   string
		want       []string
	}{
		{"target equals a set path", ok + "failover: {target: /data/live}\n", "12:20", "failover.target",
			[]string{"/data/live", "set s", "failover.target"}},
		{"target equals a set path after cleaning", ok + "failover: {target: /srv//models/.}\n", "12:20", "failover.target",
			[]string{"/srv/models", "set s"}},
		{"target contains a set path", ok + "failover: {target: /data}\n", "12:20", "failover.target",
			[]string{"/data", "/data/live", "set s"}},
		{"target inside a set path", ok + "failover: {target: /data/live/restore}\n", "12:20", "failover.target",
			[]string{"/data/live/restore", "/data/live", "set s"}},
		{"scratch inside a set path", ok + "drills: {scratch: /srv/models/tmp}\n", "12:19", "drills.scratch",
			[]string{"/srv/models/tmp", "/srv/models", "set s"}},
		{"scratch is the root", ok + "drills: {scratch: /}\n", "12:19", "drills.scratch",
			[]string{"/data/live", "set s"}},
		{"same repository", withRepo("/r/a"), "7:17", "sites[1].repository",
			[]string{`site "b"`, `site "a"`, "sites[0]", "same repository"}},
		{"same repository, local: prefix", withRepo("local:/r/a/"), "7:17", "sites[1].repository",
			[]string{`site "b"`, `site "a"`}},
		{"same repository, unclean path", withRepo("/r/x/../a"), "7:17", "sites[1].repository",
			[]string{`site "b"`, `site "a"`}},
		{"same rest repository, trailing slash", strings.Replace(withRepo("rest:https://u:s3cret@h:8000/lb/"), "/r/a", "rest:https://u:s3cret@h:8000/lb", 1),
			"7:17", "sites[1].repository", []string{`site "b"`, `site "a"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.yaml), "lifeboat.yaml")
			if err == nil {
				t.Fatalf("no error for\n%s", tc.yaml)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %q is not an *Error", err)
			}
			first := strings.SplitN(err.Error(), "\n", 2)[0]
			if got := strconv.Itoa(e.Line) + ":" + strconv.Itoa(e.Column); got != tc.pos {
				t.Errorf("position %s, want %s (%s)", got, tc.pos, first)
			}
			if e.Key != tc.key {
				t.Errorf("key %q, want %q (%s)", e.Key, tc.key, first)
			}
			for _, w := range tc.want {
				if !strings.Contains(first, w) {
					t.Errorf("error %q does not contain %q", first, w)
				}
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("error shows the repository's credentials: %s", err)
			}
		})
	}

	// Neighbours that only share a prefix of their names do not overlap.
	y := ok + "failover: {target: /data/live-restore}\ndrills: {scratch: /srv/models-scratch}\n"
	if _, err := Parse([]byte(y), "lifeboat.yaml"); err != nil {
		t.Fatalf("a target beside the data was refused: %v", err)
	}
}

// A relative failover.target is resolved against the config's directory
// before it is compared with the sets' paths.
func TestRelativeTargetOverlap(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "lifeboat.yaml")
	y := lines(
		"sites:",
		"  - {name: a, repository: /r/a, password_file: /p, role: active}",
		"sets:",
		"  - {name: s, paths: ["+filepath.Join(dir, "data")+"]}",
		"failover: {target: data/restore}",
	)
	if err := os.WriteFile(path, []byte(y), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "data", "restore")) || !strings.Contains(err.Error(), "failover.target") {
		t.Fatalf("relative target inside the data: %v", err)
	}
}
