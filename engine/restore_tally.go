package engine

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/lifeboat-dr/lifeboat/engine/restic"
)

// restoreTally follows restic restore's per-item lines: which items are
// directories (restic counts them in files_restored) and which include
// patterns matched anything.
type restoreTally struct {
	include      []string // as passed to restic
	matched      []bool
	dirsRestored uint64
	dirsSkipped  uint64
}

func (t *restoreTally) add(target string, v restic.RestoreItem) {
	var skipped bool
	switch v.Action {
	case "restored", "updated":
	case "unchanged":
		skipped = true
	default: // "deleted" names a path of the target, not of the snapshot
		return
	}
	if fi, err := os.Lstat(filepath.Join(target, filepath.FromSlash(v.Item))); err == nil && fi.IsDir() {
		if skipped {
			t.dirsSkipped++
		} else {
			t.dirsRestored++
		}
	}
	for i, p := range t.include {
		if !t.matched[i] && includeMatches(p, v.Item) {
			t.matched[i] = true
		}
	}
}

// unmatched returns the includes, as the operator gave them, that matched
// no item of the snapshot.
func (t *restoreTally) unmatched(given []string) []string {
	var out []string
	for i, ok := range t.matched {
		if !ok && i < len(given) {
			out = append(out, given[i])
		}
	}
	return out
}

// includeMatches says whether item is the include pattern p or lies below
// it, the way restic's --include selects.
func includeMatches(p, item string) bool {
	p = strings.TrimSuffix(p, "/")
	pat := strings.Split(p, "/")
	for cand := item; ; cand = path.Dir(cand) {
		if cand == p || matchParts(pat, strings.Split(cand, "/")) {
			return true
		}
		if cand == "/" || cand == "." || cand == "" {
			return false
		}
	}
}

// matchParts matches path components the way restic's filter does: each
// component as a glob, and "**" as any number of components.
func matchParts(pat, name []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			for i := 0; i <= len(name); i++ {
				if matchParts(pat[1:], name[i:]) {
					return true
				}
			}
			return false
		}
		if len(name) == 0 {
			return false
		}
		if ok, _ := path.Match(pat[0], name[0]); !ok {
			return false
		}
		pat, name = pat[1:], name[1:]
	}
	return len(name) == 0
}

// restoredNothingError names the includes that matched nothing; with no
// include, it says the snapshot had nothing to restore.
func restoredNothingError(req RestoreRequest, snap string, roots []string, nothing []string) error {
	if len(nothing) == 0 {
		return fmt.Errorf("site %s: restore %s: snapshot %s holds nothing to restore; nothing was written to %s", req.Site, req.Set, snap, req.Target)
	}
	quoted := make([]string, len(nothing))
	for i, p := range nothing {
		quoted[i] = fmt.Sprintf("%q", p)
	}
	return fmt.Errorf("site %s: restore %s: --include %s matched nothing in snapshot %s (set paths %s); give each path as it is in the snapshot or relative to the set's root",
		req.Site, req.Set, strings.Join(quoted, ", "), snap, strings.Join(roots, ", "))
}

// sub is a-b, never below zero.
func sub(a, b uint64) uint64 {
	if b > a {
		return 0
	}
	return a - b
}
