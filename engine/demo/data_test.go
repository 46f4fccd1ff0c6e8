package demo

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// generate runs every set's data generator over its whole history into
// dir, without restic: the data alone must be deterministic.
func generate(t *testing.T, dir string, now time.Time) map[string][]byte {
	t.Helper()
	l := layout{dir: dir}
	for _, g := range generators(l, now) {
		for step, at := range g.plan.times(now) {
			if err := g.mutate(step, at); err != nil {
				t.Fatal(err)
			}
		}
	}
	out := map[string][]byte{}
	root := filepath.Join(dir, "data")
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(root, p)
		out[rel] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestDataIsDeterministic(t *testing.T) {
	now := time.Date(2025, 3, 14, 15, 9, 26, 0, time.UTC)
	a := generate(t, t.TempDir(), now)
	b := generate(t, t.TempDir(), now)
	if len(a) < 300 {
		t.Fatalf("data tree has only %d files", len(a))
	}
	if len(a) != len(b) {
		t.Fatalf("trees differ in size: %d vs %d files", len(a), len(b))
	}
	for p, ca := range a {
		if string(b[p]) != string(ca) {
			t.Fatalf("%s differs between two generations", p)
		}
	}
}
