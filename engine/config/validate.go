package config

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Defaults applied after validation.
const (
	DefaultRPO         = 24 * time.Hour
	DefaultRTO         = time.Hour
	DefaultDrillEvery  = 30 * day
	DefaultSubsets     = 10
	DefaultHookTimeout = 30 * time.Minute
)

// Alert events (contract §2): what an alert's `on` may name, what watch and
// failover raise.
const (
	AlertSiteDown         = "site_down"
	AlertSiteUp           = "site_up"
	AlertRPOBreach        = "rpo_breach"
	AlertRPOOK            = "rpo_ok"
	AlertCheckFailed      = "check_failed"
	AlertDrillFailed      = "drill_failed"
	AlertDrillOverdue     = "drill_overdue"
	AlertFailoverStarted  = "failover_started"
	AlertFailoverFinished = "failover_finished"
	AlertPostureDegraded  = "posture_degraded"
	AlertPostureOK        = "posture_ok"
)

// Alert events, in the order the contract lists them.
var alertEvents = []string{
	AlertSiteDown, AlertSiteUp, AlertRPOBreach, AlertRPOOK, AlertCheckFailed, AlertDrillFailed,
	AlertDrillOverdue, AlertFailoverStarted, AlertFailoverFinished, AlertPostureDegraded, AlertPostureOK,
}

// AlertEvents returns every event an alert's `on` may name; an alert without `on` gets all.
func AlertEvents() []string { return append([]string(nil), alertEvents...) }

var (
	nameRE   = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
	envKeyRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// at returns the value node found at key, or at its nearest ancestor.
func (d *decoder) at(key string) *yaml.Node {
	for {
		if n, ok := d.vals[key]; ok {
			return n
		}
		if key == "" {
			return nil
		}
		key = parentKey(key)
	}
}

// keyAt returns the mapping key naming key, else what at returns.
func (d *decoder) keyAt(key string) *yaml.Node {
	if n, ok := d.keys[key]; ok {
		return n
	}
	return d.at(key)
}

// present says whether key appears in the file (even with an empty value).
func (d *decoder) present(key string) bool {
	_, ok := d.vals[key]
	return ok
}

// given says whether key appears in the file with a non-null value.
func (d *decoder) given(key string) bool {
	n, ok := d.vals[key]
	return ok && !isNull(n)
}

func parentKey(k string) string {
	i := strings.LastIndexAny(k, ".[")
	if i < 0 {
		return ""
	}
	return k[:i]
}

// exactlyOne checks that exactly one of names (keys under parent) is present. With none it
// reports on parent; with several, on the second in the file.
func (d *decoder) exactlyOne(parent string, names []string, none, many string) (string, bool) {
	var found []string
	for _, nm := range names {
		if d.present(joinKey(parent, nm)) {
			found = append(found, nm)
		}
	}
	switch len(found) {
	case 0:
		d.fail(d.at(parent), parent, "%s", none)
		return "", false
	case 1:
		return found[0], true
	}
	// the second in the file is the one at fault
	sort.SliceStable(found, func(i, j int) bool {
		return before(d.keyAt(joinKey(parent, found[i])), d.keyAt(joinKey(parent, found[j])))
	})
	second := found[1]
	k := joinKey(parent, second)
	d.fail(d.keyAt(k), k, "%s", many)
	return "", false
}

func before(a, b *yaml.Node) bool {
	if a == nil || b == nil {
		return false
	}
	return a.Line < b.Line || a.Line == b.Line && a.Column < b.Column
}

func (d *decoder) validate(c *Config) {
	d.validateObjectives(c)
	d.validateSites(c)
	d.validateSets(c)
	d.validateHooks("failover.hooks.pre", c.Failover.Hooks.Pre)
	d.validateHooks("failover.hooks.verify", c.Failover.Hooks.Verify)
	d.validateHooks("failover.hooks.switch", c.Failover.Hooks.Switch)
	d.validateHooks("drills.verify", c.Drills.Verify)
	d.positive("failover.hooks.timeout", c.Failover.Hooks.Timeout)
	d.positive("drills.hook_timeout", c.Drills.HookTimeout)
	if s := c.Drills.Subsets; s < 0 || s == 1 || s > 1000 {
		d.fail(d.at("drills.subsets"), "drills.subsets", "must be 0 (the default, %d) or between 2 and 1000, got %d", DefaultSubsets, s)
	}
	d.validateAlerts(c)
	for _, k := range []string{"backup", "replicate", "check", "forget", "drill", "stats"} {
		key := "schedule." + k
		if !d.present(key) {
			continue
		}
		if n := d.vals[key]; strings.TrimSpace(n.Value) == "" || n.Kind != yaml.ScalarNode {
			d.fail(n, key, "must not be empty (remove the key to leave the job unscheduled)")
		}
	}
	for _, k := range []string{"failover.target", "drills.scratch", "restic.binary", "restic.cache_dir"} {
		if d.present(k) {
			if n := d.vals[k]; n.Kind == yaml.ScalarNode && n.Value != "" && strings.TrimSpace(n.Value) == "" {
				d.fail(n, k, "must not be blank")
			}
		}
	}
}

func (d *decoder) positive(key string, v Duration) {
	if d.given(key) && v <= 0 {
		d.fail(d.at(key), key, "must be greater than zero")
	}
}

func (d *decoder) validateObjectives(c *Config) {
	d.positive("objectives.rpo", c.Objectives.RPO)
	d.positive("objectives.rto", c.Objectives.RTO)
	d.positive("objectives.drill_every", c.Objectives.DrillEvery)
}

// checkName checks a site or set name for syntax and uniqueness.
func (d *decoder) checkName(kind, p, name string, seen map[string]string) {
	key := p + ".name"
	switch {
	case name == "":
		d.fail(d.at(p), p, "name is required")
	case !nameRE.MatchString(name):
		d.fail(d.at(key), key, "invalid %s name %q: use lower-case letters, digits and '-', starting with a letter or digit", kind, clip(name))
	default:
		if first, dup := seen[name]; dup {
			where := first
			if n := d.at(first + ".name"); n != nil {
				where = fmt.Sprintf("%s, line %d", first, n.Line)
			}
			d.fail(d.at(key), key, "duplicate %s name %q (first at %s)", kind, name, where)
			return
		}
		seen[name] = p
	}
}

func (d *decoder) validateSites(c *Config) {
	if len(c.Sites) == 0 {
		d.fail(d.at("sites"), "sites", "at least one site is required")
		return
	}
	seen := map[string]string{}
	active, badRole := -1, false
	for i := range c.Sites {
		s := &c.Sites[i]
		p := indexKey("sites", i)
		d.checkName("site", p, s.Name, seen)
		if strings.TrimSpace(s.Repository) == "" {
			if d.present(p + ".repository") {
				d.fail(d.at(p+".repository"), p+".repository", "must not be empty")
			} else {
				d.fail(d.at(p), p, "repository is required")
			}
		}
		pw := []string{"password_file", "password_command", "password_env"}
		if which, ok := d.exactlyOne(p, pw,
			"one of password_file, password_command, password_env is required",
			"only one of password_file, password_command, password_env may be set"); ok {
			key := joinKey(p, which)
			val := map[string]string{"password_file": s.PasswordFile, "password_command": s.PasswordCommand, "password_env": s.PasswordEnv}[which]
			switch {
			case strings.TrimSpace(val) == "":
				d.fail(d.at(key), key, "must not be empty")
			case which == "password_env" && !envKeyRE.MatchString(val):
				d.fail(d.at(key), key, "%q is not an environment variable name", clip(val))
			}
		}
		switch s.Role {
		case RoleActive:
			if active >= 0 {
				first := c.Sites[active]
				d.fail(d.at(p+".role"), p+".role", "only one site may be active; %s (%q, line %d) is already active",
					indexKey("sites", active), first.Name, lineOf(d.at(indexKey("sites", active)+".role")))
			} else {
				active = i
			}
		case RoleStandby, "":
		default:
			badRole = true
			d.fail(d.at(p+".role"), p+".role", "role must be active or standby, got %q", clip(string(s.Role)))
		}
		for _, k := range sortedKeys(s.Env) {
			key := p + ".env." + k
			if !envKeyRE.MatchString(k) {
				d.fail(d.keyAt(key), key, "%q is not an environment variable name", clip(k))
				continue
			}
			if _, err := expandVars(s.Env[k], func(string) (string, bool) { return "", true }); err != nil {
				d.fail(d.at(key), key, "%v", err)
			}
		}
		d.validateOptions(s, p)
		for j := range s.Probes {
			d.validateProbe(&s.Probes[j], indexKey(p+".probes", j))
		}
		if strings.ContainsAny(s.Location, "\n\r\t\x00") || len(s.Location) > 200 {
			d.fail(d.at(p+".location"), p+".location", "location is one line of at most 200 characters (e.g. dc-west), got %q", clip(s.Location))
		}
		if s.Offline && s.Role == RoleActive {
			d.fail(d.at(p+".offline"), p+".offline", "the active site %q cannot be offline: production writes to it; set offline: true on a standby that is taken offline between copies", s.Name)
		}
		if c := s.CostPerGiBMonth; c != nil && *c < 0 {
			d.fail(d.at(p+".cost_per_gib_month"), p+".cost_per_gib_month",
				"must not be negative, got %v (the price of one GiB stored for a month, e.g. 0.02; remove the key if unknown)", *c)
		}
	}
	if active < 0 && !badRole {
		d.fail(d.at("sites"), "sites", "no site has role: active; exactly one site must be active")
	}
	d.validateSharedProcess(c)
}

func lineOf(n *yaml.Node) int {
	if n == nil {
		return 0
	}
	return n.Line
}

func (d *decoder) validateProbe(pr *Probe, p string) {
	which, ok := d.exactlyOne(p, []string{"http", "tcp", "command", "disk"},
		"a probe needs one of http, tcp, command or disk",
		"a probe has exactly one of http, tcp, command or disk; split this into separate probes")
	if !ok {
		return
	}
	key := joinKey(p, which)
	switch which {
	case "http":
		u, err := url.Parse(strings.TrimSpace(pr.HTTP))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			d.fail(d.at(key), key, "want an http:// or https:// URL, got %q", clip(pr.HTTP))
		}
	case "tcp":
		host, port, err := net.SplitHostPort(strings.TrimSpace(pr.TCP))
		if err != nil || host == "" || port == "" {
			d.fail(d.at(key), key, "want host:port, got %q", clip(pr.TCP))
		} else if n, err := strconv.Atoi(port); err == nil && (n < 1 || n > 65535) {
			d.fail(d.at(key), key, "port %d is out of range", n)
		}
	case "command":
		if strings.TrimSpace(pr.Command) == "" {
			d.fail(d.at(key), key, "must not be empty")
		}
	case "disk":
		if pr.Disk == nil {
			d.fail(d.keyAt(key), key, "a disk probe needs a path, e.g. {path: /srv/restore, min_free: 50GiB}")
		} else if strings.TrimSpace(pr.Disk.Path) == "" {
			d.fail(d.at(key+".path"), key, "a disk probe needs a path, e.g. {path: /srv/restore, min_free: 50GiB}")
		}
	}
}

func (d *decoder) validateSets(c *Config) {
	if len(c.Sets) == 0 {
		d.fail(d.at("sets"), "sets", "at least one set is required")
		return
	}
	seen := map[string]string{}
	for i := range c.Sets {
		s := &c.Sets[i]
		p := indexKey("sets", i)
		d.checkName("set", p, s.Name, seen)
		if len(s.Paths) == 0 {
			d.fail(d.at(p+".paths"), p+".paths", "at least one path is required")
		}
		for j, path := range s.Paths {
			key := indexKey(p+".paths", j)
			if !filepath.IsAbs(path) {
				d.fail(d.at(key), key, "path %q is not absolute", clip(path))
			}
		}
		for j, ex := range s.Exclude {
			if strings.TrimSpace(ex) == "" {
				key := indexKey(p+".exclude", j)
				d.fail(d.at(key), key, "must not be empty")
			}
		}
		d.positive(p+".rpo", s.RPO)
		d.positive(p+".rto", s.RTO)
		if r := s.Retention; r != nil {
			rk := p + ".retention"
			any := false
			for _, kv := range []struct {
				k string
				v int
			}{{"keep_last", r.KeepLast}, {"keep_hourly", r.KeepHourly}, {"keep_daily", r.KeepDaily},
				{"keep_weekly", r.KeepWeekly}, {"keep_monthly", r.KeepMonthly}, {"keep_yearly", r.KeepYearly}} {
				if kv.v < 0 {
					d.fail(d.at(rk+"."+kv.k), rk+"."+kv.k, "must not be negative")
				}
				any = any || kv.v > 0
			}
			if !any && r.KeepWithin == 0 {
				d.fail(d.at(rk), rk, "retention needs at least one rule: keep_last, keep_hourly, keep_daily, keep_weekly, keep_monthly, keep_yearly or keep_within")
			}
		}
	}
}

func (d *decoder) validateHooks(p string, hooks []string) {
	for i, h := range hooks {
		if strings.TrimSpace(h) == "" {
			key := indexKey(p, i)
			d.fail(d.at(key), key, "a hook must not be empty")
		}
	}
}

func (d *decoder) validateAlerts(c *Config) {
	for i := range c.Alerts {
		a := &c.Alerts[i]
		p := indexKey("alerts", i)
		if which, ok := d.exactlyOne(p, []string{"url", "webhook", "command"},
			"an alert needs one of url, webhook or command",
			"an alert has exactly one of url, webhook or command; split this into separate alerts"); ok {
			key := joinKey(p, which)
			switch which {
			case "url":
				if u, err := url.Parse(strings.TrimSpace(a.URL)); err != nil || u.Scheme == "" {
					d.fail(d.at(key), key, "want a notification service URL such as slack://token@channel")
				}
			case "webhook":
				if u, err := url.Parse(strings.TrimSpace(a.Webhook)); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
					d.fail(d.at(key), key, "want an http:// or https:// URL, got %q", clip(a.Webhook))
				}
			case "command":
				if strings.TrimSpace(a.Command) == "" {
					d.fail(d.at(key), key, "must not be empty")
				}
			}
		}
		for j, ev := range a.On {
			ok := false
			for _, e := range alertEvents {
				ok = ok || e == ev
			}
			if !ok {
				key := indexKey(p+".on", j)
				d.fail(d.at(key), key, "unknown event %q (want %s)", clip(ev), strings.Join(alertEvents, ", "))
			}
		}
	}
}

// applyDefaults fills in what the file leaves out and makes relative paths absolute.
//
// Relative paths are resolved against the directory of the config file, not the working
// directory, so that a config means the same wherever lifeboat is started: password_file,
// failover.target, drills.scratch, restic.cache_dir, the path of a disk probe, a repository
// that is a local path (no backend prefix such as rest:, sftp:, s3:, b2:, azure:, gs:, swift:,
// rclone:; "local:" is kept and its path resolved) and restic.binary when it contains a
// slash (a bare name such as "restic" is looked up in $PATH). "~" and "~/..." mean the home
// directory. password_command and hooks are shell commands and are left as written.
func applyDefaults(c *Config, base string) {
	if c.Objectives.RPO == 0 {
		c.Objectives.RPO = Duration(DefaultRPO)
	}
	if c.Objectives.RTO == 0 {
		c.Objectives.RTO = Duration(DefaultRTO)
	}
	if c.Objectives.DrillEvery == 0 {
		c.Objectives.DrillEvery = Duration(DefaultDrillEvery)
	}
	for i := range c.Sites {
		s := &c.Sites[i]
		if s.Role == "" {
			s.Role = RoleStandby
		}
		s.Repository = resolveRepository(base, strings.TrimSpace(s.Repository))
		s.PasswordFile = resolvePath(base, s.PasswordFile)
		for j := range s.Probes {
			if dp := s.Probes[j].Disk; dp != nil {
				dp.Path = resolvePath(base, dp.Path)
			}
		}
	}
	for i := range c.Sets {
		for j, p := range c.Sets[i].Paths {
			c.Sets[i].Paths[j] = filepath.Clean(p)
		}
	}
	for i := range c.Alerts {
		if len(c.Alerts[i].On) == 0 {
			c.Alerts[i].On = AlertEvents()
		}
	}
	if c.Drills.Scratch == "" {
		c.Drills.Scratch = filepath.Join(os.TempDir(), "lifeboat-drill")
	}
	if c.Drills.Subsets == 0 {
		c.Drills.Subsets = DefaultSubsets
	}
	if c.Failover.Hooks.Timeout == 0 {
		c.Failover.Hooks.Timeout = Duration(DefaultHookTimeout)
	}
	if c.Drills.HookTimeout == 0 {
		c.Drills.HookTimeout = Duration(DefaultHookTimeout)
	}
	c.Failover.Target = resolvePath(base, c.Failover.Target)
	c.Drills.Scratch = resolvePath(base, c.Drills.Scratch)
	c.Restic.CacheDir = resolvePath(base, c.Restic.CacheDir)
	if strings.ContainsRune(c.Restic.Binary, '/') || strings.HasPrefix(c.Restic.Binary, "~") {
		c.Restic.Binary = resolvePath(base, c.Restic.Binary)
	}
}

// resolvePath makes p absolute against base; "" stays "".
func resolvePath(base, p string) string {
	if p == "" {
		return p
	}
	if p == "~" || strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil && home != "" {
			return filepath.Join(home, p[1:])
		}
	}
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(base, p)
}

// repoSchemes are restic's backend prefixes; a repository without one is a local path.
var repoSchemes = []string{"rest:", "sftp:", "s3:", "b2:", "azure:", "gs:", "swift:", "rclone:"}

func resolveRepository(base, repo string) string {
	for _, s := range repoSchemes {
		if strings.HasPrefix(repo, s) {
			return repo
		}
	}
	if rest, ok := strings.CutPrefix(repo, "local:"); ok {
		return "local:" + resolvePath(base, rest)
	}
	return resolvePath(base, repo)
}
