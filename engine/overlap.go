package engine

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/lifeboat-dr/lifeboat/engine/config"
)

// resolveExisting resolves the symlinks of the longest prefix of p that
// exists and appends the rest: a target that does not exist yet still
// lands where its existing parent points.
func resolveExisting(p string) string {
	p = filepath.Clean(p)
	rest := ""
	for cur := p; ; {
		if r, err := filepath.EvalSymlinks(cur); err == nil {
			return filepath.Join(r, rest)
		}
		parent := filepath.Dir(cur)
		if parent == cur {
			return p
		}
		rest = filepath.Join(filepath.Base(cur), rest)
		cur = parent
	}
}

// overlapRefusal says why dir, the directory named by key that lifeboat
// writes into, must not be used: it is, holds or lies inside a path of a
// set once symlinks are resolved (what the config's lexical check cannot
// see). "" when it lies apart from every set's paths.
func overlapRefusal(cfg *config.Config, key, dir, why string) string {
	rd := resolveExisting(dir)
	for i := range cfg.Sets {
		s := &cfg.Sets[i]
		for _, p := range s.Paths {
			rp := resolveExisting(p)
			rel := config.Overlap(rd, rp)
			if rel == "" {
				continue
			}
			var links []string
			if rd != filepath.Clean(dir) {
				links = append(links, dir+" is "+rd)
			}
			if rp != filepath.Clean(p) {
				links = append(links, p+" is "+rp)
			}
			via := ""
			if len(links) > 0 {
				via = " (through symlinks: " + strings.Join(links, ", ") + ")"
			}
			return fmt.Sprintf("%s %s %s %s, a path of set %s%s: %s; choose a directory outside every set's paths",
				key, dir, rel, p, s.Name, via, why)
		}
	}
	return ""
}
