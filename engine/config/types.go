// Package config loads and validates lifeboat.yaml (contract §2).
package config

import "time"

// Config is the whole of lifeboat.yaml after validation.
type Config struct {
	// Path is the file the config was read from.
	Path       string     `yaml:"-"`
	Objectives Objectives `yaml:"objectives"`
	Sites      []Site     `yaml:"sites"`
	Sets       []Set      `yaml:"sets"`
	Failover   Failover   `yaml:"failover"`
	Drills     Drills     `yaml:"drills"`
	Alerts     []Alert    `yaml:"alerts"`
	Schedule   Schedule   `yaml:"schedule"`
	Restic     Restic     `yaml:"restic"`

	file string              // the path as given to Parse, for Errorf
	pos  map[string]position // key path -> where its value was in the file
}

// Objectives are the recovery objectives; sets may override RPO and RTO.
type Objectives struct {
	RPO        Duration `yaml:"rpo"`
	RTO        Duration `yaml:"rto"`
	DrillEvery Duration `yaml:"drill_every"`
}

// Role is a site's initial role; the store's record of the active site wins after a failover.
type Role string

const (
	RoleActive  Role = "active"
	RoleStandby Role = "standby"
)

// Site is a place that holds one restic repository.
type Site struct {
	Name            string            `yaml:"name"`
	Repository      string            `yaml:"repository"`
	PasswordFile    string            `yaml:"password_file"`
	PasswordCommand string            `yaml:"password_command"`
	PasswordEnv     string            `yaml:"password_env"`
	Role            Role              `yaml:"role"`
	Env             map[string]string `yaml:"env"`
	// Options are restic's -o options for the site's backend
	// (s3.connections: 4); SiteOptions lists the keys allowed.
	Options map[string]string `yaml:"options"`
	Probes  []Probe           `yaml:"probes"`
	// Location is where the site is (free text, e.g. dc-west): sites with
	// different locations are off-site to each other (posture).
	Location string `yaml:"location"`
	// Offline declares a site taken offline between copies (a rotated
	// disk, a tape): posture counts it immutable only as a declaration.
	Offline bool `yaml:"offline"`
	// CostPerGiBMonth prices the site's stored bytes (any currency); nil
	// leaves monthly_cost unknown.
	CostPerGiBMonth *float64 `yaml:"cost_per_gib_month"`
}

// Probe is one check of a site's own services. Exactly one field is set.
type Probe struct {
	HTTP    string     `yaml:"http"`
	TCP     string     `yaml:"tcp"`
	Command string     `yaml:"command"`
	Disk    *DiskProbe `yaml:"disk"`
}

// DiskProbe checks free space under a path.
type DiskProbe struct {
	Path    string `yaml:"path"`
	MinFree Size   `yaml:"min_free"`
}

// Set is a named group of paths backed up together; its snapshots carry the tag Name.
type Set struct {
	Name      string     `yaml:"name"`
	Paths     []string   `yaml:"paths"`
	Exclude   []string   `yaml:"exclude"`
	Host      string     `yaml:"host"`
	RPO       Duration   `yaml:"rpo"`
	RTO       Duration   `yaml:"rto"`
	Retention *Retention `yaml:"retention"`
}

// Retention is restic forget's keep policy for one set.
type Retention struct {
	KeepLast    int      `yaml:"keep_last"`
	KeepHourly  int      `yaml:"keep_hourly"`
	KeepDaily   int      `yaml:"keep_daily"`
	KeepWeekly  int      `yaml:"keep_weekly"`
	KeepMonthly int      `yaml:"keep_monthly"`
	KeepYearly  int      `yaml:"keep_yearly"`
	KeepWithin  Duration `yaml:"keep_within"`
}

// Failover says where failovers restore to and which hooks they run.
type Failover struct {
	Target string `yaml:"target"`
	Hooks  Hooks  `yaml:"hooks"`
}

// Hooks are shell commands run at the steps of a failover.
type Hooks struct {
	Pre    []string `yaml:"pre"`
	Verify []string `yaml:"verify"`
	Switch []string `yaml:"switch"`
	// Timeout stops a hook that runs longer (default 30m): a hung switch
	// script must fail its step, not hold the failover forever.
	Timeout Duration `yaml:"timeout"`
}

// Drills configures rehearsals.
type Drills struct {
	Scratch string   `yaml:"scratch"`
	Verify  []string `yaml:"verify"`
	Keep    bool     `yaml:"keep"`
	// Subsets is t in `check --read-data-subset n/t`; 0 means the default of 10.
	Subsets int `yaml:"subsets"`
	// HookTimeout stops a verify hook that runs longer (default 30m).
	HookTimeout Duration `yaml:"hook_timeout"`
}

// Alert is one notification target. Exactly one of URL, Webhook, Command is set.
type Alert struct {
	URL     string   `yaml:"url"`
	Webhook string   `yaml:"webhook"`
	Command string   `yaml:"command"`
	On      []string `yaml:"on"`
}

// Schedule holds cron expressions (robfig/cron syntax or @every) for `lifeboat watch`.
type Schedule struct {
	Backup    string `yaml:"backup"`
	Replicate string `yaml:"replicate"`
	Check     string `yaml:"check"`
	Forget    string `yaml:"forget"`
	Drill     string `yaml:"drill"`
	// Stats measures capacity (restic stats); absent means @daily, "off" none.
	Stats string `yaml:"stats"`
}

// Restic says where restic is and where it caches.
type Restic struct {
	Binary   string `yaml:"binary"`
	CacheDir string `yaml:"cache_dir"`
}

// Duration is a time.Duration that also accepts a "d" suffix for days.
type Duration time.Duration

// D returns the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// Size is a byte count written like 50GiB, 500MB or 1024.
type Size int64
