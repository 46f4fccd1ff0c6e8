package config

import (
	"path/filepath"
	"strings"
)

// validateResolved checks what can only be judged once relative paths are
// resolved: where failovers and drills write, and which repository each
// site names.
func (d *decoder) validateResolved(c *Config) {
	d.checkOutsideSets(c, "failover.target", c.Failover.Target,
		"a failover replaces what the target holds, which would destroy live data")
	d.checkOutsideSets(c, "drills.scratch", c.Drills.Scratch,
		"a drill restores into and then removes its scratch space, which would overwrite live data")
	d.checkDistinctRepositories(c)
}

// checkOutsideSets refuses a directory lifeboat writes into that is, holds
// or lies inside a set's path. The check is lexical, after cleaning; the
// preflight repeats it with symlinks resolved.
func (d *decoder) checkOutsideSets(c *Config, key, dir, why string) {
	if dir == "" {
		return
	}
	for i := range c.Sets {
		s := &c.Sets[i]
		for _, p := range s.Paths {
			rel := Overlap(dir, p)
			if rel == "" {
				continue
			}
			d.fail(d.at(key), key, "%s %s %s, a path of set %s: %s; choose a directory outside every set's paths",
				filepath.Clean(dir), rel, filepath.Clean(p), s.Name, why)
			return
		}
	}
}

// Overlap says how dir relates to path: "is", "contains", "lies inside",
// or "" when neither holds the other. Both are cleaned first.
func Overlap(dir, path string) string {
	dir, path = filepath.Clean(dir), filepath.Clean(path)
	switch {
	case dir == path:
		return "is"
	case below(path, dir):
		return "contains"
	case below(dir, path):
		return "lies inside"
	}
	return ""
}

// below says whether p lies strictly under dir (both clean).
func below(p, dir string) bool {
	if dir == string(filepath.Separator) {
		return p != dir && filepath.IsAbs(p)
	}
	return strings.HasPrefix(p, dir+string(filepath.Separator))
}

// checkDistinctRepositories refuses two sites naming the same repository:
// a drill or failover between them would prove nothing. The message names
// the sites, not the repository string, which may carry credentials.
func (d *decoder) checkDistinctRepositories(c *Config) {
	first := map[string]int{}
	for i := range c.Sites {
		k := RepositoryKey(c.Sites[i].Repository)
		if k == "" {
			continue
		}
		j, dup := first[k]
		if !dup {
			first[k] = i
			continue
		}
		key := indexKey("sites", i) + ".repository"
		d.fail(d.at(key), key, "site %q names the same repository as site %q (%s, line %d): a drill or failover between them proves nothing; give each site its own repository",
			c.Sites[i].Name, c.Sites[j].Name, indexKey("sites", j), lineOf(d.at(indexKey("sites", j)+".repository")))
	}
}

// RepositoryKey is a repository string in a form where two spellings of
// the same repository compare equal: a local path cleaned and without
// "local:", a backend URL without trailing slashes.
func RepositoryKey(repo string) string {
	repo = strings.TrimSpace(repo)
	for _, s := range repoSchemes {
		if strings.HasPrefix(repo, s) {
			return strings.TrimRight(repo, "/")
		}
	}
	repo = strings.TrimPrefix(repo, "local:")
	if repo == "" {
		return ""
	}
	return filepath.Clean(repo)
}
