package config

import (
	"slices"
	"strconv"
	"strings"
)

// Backend is the restic backend of a repository string: "s3", "b2",
// "azure", "gs", "swift", "rest", "sftp", "rclone", or "local" for a path.
func Backend(repository string) string {
	scheme, _, ok := strings.Cut(repository, ":")
	switch scheme {
	case "s3", "b2", "azure", "gs", "swift", "rest", "sftp", "rclone":
		if ok {
			return scheme
		}
	}
	return "local"
}

// siteOption checks one value of a site's options key.
type siteOption struct {
	backend string
	check   func(v string) string // what is wrong with v, or ""
	example string
}

// SiteOptions are the keys a site's `options` may set: restic's -o options
// that matter over a WAN and for cold tiers.
var siteOptions = map[string]siteOption{
	"s3.connections": {"s3", func(v string) string {
		if n, err := strconv.Atoi(v); err != nil || n < 1 || n > 128 {
			return "a whole number from 1 to 128"
		}
		return ""
	}, "4"},
	"s3.region": {"s3", nonEmpty, "eu-central-1"},
	"s3.bucket-lookup": {"s3", func(v string) string {
		if !slices.Contains([]string{"auto", "dns", "path"}, v) {
			return "auto, dns or path"
		}
		return ""
	}, "path"},
	"s3.storage-class": {"s3", nonEmpty, "STANDARD_IA"},
}

func nonEmpty(v string) string {
	if strings.TrimSpace(v) == "" || strings.ContainsAny(v, " \t\n=") {
		return "one word"
	}
	return ""
}

// SiteOptionKeys lists the keys a site's options may set.
func SiteOptionKeys() []string {
	keys := make([]string, 0, len(siteOptions))
	for k := range siteOptions {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func (d *decoder) validateOptions(s *Site, p string) {
	for _, k := range sortedKeys(s.Options) {
		key := p + ".options." + k
		o, ok := siteOptions[k]
		switch {
		case !ok:
			d.fail(d.keyAt(key), key, "unknown option %q; a site's options may set %s", clip(k), strings.Join(SiteOptionKeys(), ", "))
		case Backend(s.Repository) != o.backend:
			d.fail(d.keyAt(key), key, "%s is an option of %s repositories; site %q is a %s repository", k, o.backend, s.Name, Backend(s.Repository))
		default:
			if want := o.check(s.Options[k]); want != "" {
				d.fail(d.at(key), key, "%s must be %s (e.g. %s), got %q", k, want, o.example, clip(s.Options[k]))
			}
		}
	}
}

// sameProcessOptions must agree between two sites of one backend: restic
// applies every -o to both repositories of a copy.
var sameProcessOptions = []string{"s3.region", "s3.bucket-lookup"}

// validateSharedProcess refuses sites that replication cannot serve: a
// restic copy (and a standby's init) opens the source and the destination
// in one process, so both get the same environment and the same -o
// options. restic 0.19 has no per-repository backend credentials: two
// sites of one backend whose env differs would have one of them opened
// with the other's keys.
func (d *decoder) validateSharedProcess(c *Config) {
	for j := range c.Sites {
		for i := 0; i < j; i++ {
			a, b := &c.Sites[i], &c.Sites[j]
			backend := Backend(a.Repository)
			if backend != Backend(b.Repository) || backend == "local" {
				continue
			}
			pb := indexKey("sites", j)
			for _, k := range unionKeys(a.Env, b.Env) {
				va, ina := a.Env[k]
				vb, inb := b.Env[k]
				if ina && inb && va == vb {
					continue
				}
				key := pb + ".env." + k
				if !inb {
					key = pb + ".env"
					if !d.present(key) {
						key = pb
					}
				}
				d.fail(d.keyAt(key), key, "sites %q and %q are both %s repositories and their env differs at %s: "+
					"replication runs one restic copy that opens both with one environment (restic has no per-repository "+
					"backend credentials), so one would be opened with the other's; give both sites the same %s "+
					"(e.g. one key allowed on both buckets), or put one behind a rest-server (see docs/object-storage.md)",
					a.Name, b.Name, backend, k, k)
				return
			}
			for _, k := range sameProcessOptions {
				if a.Options[k] != b.Options[k] {
					key := pb + ".options." + k
					if _, ok := b.Options[k]; !ok {
						key = pb
					}
					d.fail(d.keyAt(key), key, "sites %q and %q must agree on options %s (%q vs %q): restic applies -o to both repositories of a copy",
						a.Name, b.Name, k, a.Options[k], b.Options[k])
					return
				}
			}
		}
	}
}

func unionKeys(a, b map[string]string) []string {
	m := map[string]string{}
	for k := range a {
		m[k] = ""
	}
	for k := range b {
		m[k] = ""
	}
	return sortedKeys(m)
}
