package config

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// FileName is the config file's name in the places Find looks.
const FileName = "lifeboat.yaml"

// maxFileSize bounds what Load reads; a real config is a few kilobytes.
const maxFileSize = 4 << 20

// Load reads, decodes, validates and completes the config file at path.
// See Parse for what it checks and fills in.
func Load(path string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading config: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading config: %w", err)
	}
	if len(data) > maxFileSize {
		return nil, &Error{File: path, Msg: fmt.Sprintf("file is larger than %d bytes; is this the right file?", maxFileSize)}
	}
	return Parse(data, path)
}

// Parse decodes and validates a config file's contents; path names the file in errors and
// is the base for relative paths (see applyDefaults); it may be "" (then the working
// directory is the base).
//
// Decoding is strict: unknown keys, repeated keys, a list where a mapping belongs and bad
// values are errors. Every error is an *Error naming file, line, column and key path; when
// there are several they are joined (errors.Join) in file order, and errors.As yields the
// first. After validation the defaults are filled in: objectives rpo 24h, rto 1h,
// drill_every 30d; a site's empty role is standby; drills.scratch $TMPDIR/lifeboat-drill;
// drills.subsets 10; an alert without `on` gets every event.
func Parse(data []byte, path string) (cfg *Config, err error) {
	defer func() {
		if r := recover(); r != nil {
			cfg, err = nil, &Error{File: path, Msg: fmt.Sprintf("internal error: %v", r)}
		}
	}()
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, &Error{File: path, Msg: "file is empty"}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Error{File: path, Msg: "file is empty"}
		}
		return nil, syntaxError(path, data, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		n := &extra
		if len(extra.Content) > 0 {
			n = extra.Content[0]
		}
		return nil, &Error{File: path, Line: n.Line, Column: n.Column, Msg: "a second YAML document; the config is one document"}
	} else if !errors.Is(err, io.EOF) {
		return nil, syntaxError(path, data, err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, &Error{File: path, Msg: "file is empty"}
	}

	d := newDecoder(path)
	root := d.resolve(doc.Content[0], "")
	if root == nil {
		return nil, joinErrors(d.errs)
	}
	if isNull(root) {
		return nil, &Error{File: path, Line: root.Line, Column: root.Column, Msg: "file is empty"}
	}
	if root.Kind != yaml.MappingNode {
		return nil, &Error{File: path, Line: root.Line, Column: root.Column,
			Msg: fmt.Sprintf("expected a mapping of settings (objectives, sites, sets, ...), got %s", describe(root))}
	}
	c := &Config{}
	d.decode(root, reflect.ValueOf(c).Elem(), "")
	if len(d.errs) > 0 {
		return nil, joinErrors(d.errs)
	}
	d.validate(c)
	if len(d.errs) > 0 {
		return nil, joinErrors(d.errs)
	}

	base := ""
	if path != "" {
		abs, err := filepath.Abs(path)
		if err != nil {
			return nil, fmt.Errorf("config %s: %w", path, err)
		}
		c.Path = abs
		base = filepath.Dir(abs)
	} else if base, err = os.Getwd(); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	applyDefaults(c, base)
	d.validateResolved(c)
	if len(d.errs) > 0 {
		return nil, joinErrors(d.errs)
	}

	c.file = path
	c.pos = make(map[string]position, len(d.vals))
	for k, n := range d.vals {
		c.pos[k] = position{n.Line, n.Column}
	}
	return c, nil
}

type position struct{ line, col int }

// Errorf returns an *Error about key (a key path such as "schedule.backup" or
// "sets[0].paths[1]") at the position it had in the file, or the nearest enclosing key that
// was there. For checks made outside this package (e.g. cron syntax) that should still point
// at the file.
func (c *Config) Errorf(key string, format string, args ...any) *Error {
	e := &Error{File: c.file, Key: key, Msg: fmt.Sprintf(format, args...)}
	if e.File == "" {
		e.File = c.Path
	}
	for k := key; ; k = parentKey(k) {
		if p, ok := c.pos[k]; ok {
			e.Line, e.Column = p.line, p.col
			break
		}
		if k == "" {
			break
		}
	}
	return e
}

// Find returns the config file to use: flagPath when given, else $LIFEBOAT_CONFIG when set,
// else ./lifeboat.yaml, else $XDG_CONFIG_HOME/lifeboat/lifeboat.yaml ($XDG_CONFIG_HOME
// defaults to ~/.config). An explicit flag or variable naming a missing file is an error
// rather than a reason to look elsewhere. When nothing is found the error lists the places
// looked.
func Find(flagPath string) (string, error) {
	if flagPath != "" {
		return existing(flagPath, "--config")
	}
	if env := os.Getenv("LIFEBOAT_CONFIG"); env != "" {
		return existing(env, "$LIFEBOAT_CONFIG")
	}
	var looked []string
	if wd, err := os.Getwd(); err == nil {
		p := filepath.Join(wd, FileName)
		if isFile(p) {
			return p, nil
		}
		looked = append(looked, p)
	}
	if dir := xdgConfigHome(); dir != "" {
		p := filepath.Join(dir, "lifeboat", FileName)
		if isFile(p) {
			return p, nil
		}
		looked = append(looked, p)
	}
	return "", fmt.Errorf("no config file found: --config not given, $LIFEBOAT_CONFIG not set, and none of %s exists",
		strings.Join(looked, ", "))
}

func existing(p, from string) (string, error) {
	st, err := os.Stat(p)
	switch {
	case err != nil && errors.Is(err, os.ErrNotExist):
		return "", fmt.Errorf("config file %s (from %s) does not exist", p, from)
	case err != nil:
		return "", fmt.Errorf("config file %s (from %s): %w", p, from, err)
	case st.IsDir():
		return "", fmt.Errorf("config file %s (from %s) is a directory", p, from)
	}
	return p, nil
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

func xdgConfigHome() string {
	if d := os.Getenv("XDG_CONFIG_HOME"); filepath.IsAbs(d) {
		return d
	}
	if home, err := os.UserHomeDir(); err == nil && home != "" {
		return filepath.Join(home, ".config")
	}
	return ""
}

// Site returns the site called name.
func (c *Config) Site(name string) (*Site, bool) {
	for i := range c.Sites {
		if c.Sites[i].Name == name {
			return &c.Sites[i], true
		}
	}
	return nil, false
}

// Set returns the set called name.
func (c *Config) Set(name string) (*Set, bool) {
	for i := range c.Sets {
		if c.Sets[i].Name == name {
			return &c.Sets[i], true
		}
	}
	return nil, false
}

// ConfigActive returns the site whose role in the file is active (nil only for a Config
// that did not come from Parse). After a failover the store's record wins; callers that
// want the current active site ask the store first.
func (c *Config) ConfigActive() *Site {
	for i := range c.Sites {
		if c.Sites[i].Role == RoleActive {
			return &c.Sites[i]
		}
	}
	return nil
}

// Standbys returns every site but the one called active, in file order.
func (c *Config) Standbys(active string) []Site {
	var out []Site
	for _, s := range c.Sites {
		if s.Name != active {
			out = append(out, s)
		}
	}
	return out
}

// SetRPO is the set's RPO override, else the objective.
func (c *Config) SetRPO(s *Set) time.Duration {
	if s != nil && s.RPO > 0 {
		return s.RPO.D()
	}
	return c.Objectives.RPO.D()
}

// SetRTO is the set's RTO override, else the objective.
func (c *Config) SetRTO(s *Set) time.Duration {
	if s != nil && s.RTO > 0 {
		return s.RTO.D()
	}
	return c.Objectives.RTO.D()
}

// SiteNames lists the site names in file order.
func (c *Config) SiteNames() []string {
	out := make([]string, len(c.Sites))
	for i, s := range c.Sites {
		out[i] = s.Name
	}
	return out
}

// SetNames lists the set names in file order.
func (c *Config) SetNames() []string {
	out := make([]string, len(c.Sets))
	for i, s := range c.Sets {
		out[i] = s.Name
	}
	return out
}

// RecoveryHash is a sha256 (hex) over a canonical JSON encoding of what a recovery depends
// on: the sites without their probes, the sets, failover, drills and objectives, with sites
// and sets ordered by name. It changes when recovery-relevant config changes, e.g. since the
// last drill; probes, alerts, schedule and restic settings do not count.
func (c *Config) RecoveryHash() string {
	sites := make([]Site, len(c.Sites))
	copy(sites, c.Sites)
	for i := range sites {
		sites[i].Probes = nil
	}
	slices.SortStableFunc(sites, func(a, b Site) int { return strings.Compare(a.Name, b.Name) })
	sets := make([]Set, len(c.Sets))
	copy(sets, c.Sets)
	slices.SortStableFunc(sets, func(a, b Set) int { return strings.Compare(a.Name, b.Name) })
	v := struct {
		Version    int
		Objectives Objectives
		Sites      []Site
		Sets       []Set
		Failover   Failover
		Drills     Drills
	}{1, c.Objectives, sites, sets, c.Failover, c.Drills}
	b, err := json.Marshal(v)
	if err != nil { // cannot happen for these types
		b = []byte(fmt.Sprintf("%#v", v))
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// ExpandedEnv returns the site's env with ${VAR} references replaced from the process
// environment. "$${" stands for a literal "${"; any other "$" is kept as is. An unset
// variable is an error naming the site, the key and the variable, never a value.
func (s *Site) ExpandedEnv() (map[string]string, error) {
	return s.ExpandEnv(os.LookupEnv)
}

// ExpandEnv is ExpandedEnv with lookup in place of os.LookupEnv.
func (s *Site) ExpandEnv(lookup func(string) (string, bool)) (map[string]string, error) {
	out := make(map[string]string, len(s.Env))
	for _, k := range sortedKeys(s.Env) {
		v, err := expandVars(s.Env[k], lookup)
		if err != nil {
			return nil, fmt.Errorf("site %q: env %s: %w", s.Name, k, err)
		}
		out[k] = v
	}
	return out, nil
}

// expandVars replaces ${NAME} in v.
func expandVars(v string, lookup func(string) (string, bool)) (string, error) {
	if !strings.Contains(v, "${") {
		return v, nil
	}
	var b strings.Builder
	for {
		i := strings.Index(v, "${")
		if i < 0 {
			b.WriteString(v)
			return b.String(), nil
		}
		if i > 0 && v[i-1] == '$' { // "$${" is a literal "${"
			b.WriteString(v[:i-1] + "${")
			v = v[i+2:]
			continue
		}
		b.WriteString(v[:i])
		end := strings.IndexByte(v[i:], '}')
		if end < 0 {
			return "", fmt.Errorf("unterminated ${ (write $${ for a literal ${)")
		}
		name := v[i+2 : i+end]
		if !envKeyRE.MatchString(name) {
			return "", fmt.Errorf("${%s} is not a variable reference (write $${ for a literal ${)", clip(name))
		}
		val, ok := lookup(name)
		if !ok {
			return "", fmt.Errorf("variable %s is not set", name)
		}
		b.WriteString(val)
		v = v[i+end+1:]
	}
}
