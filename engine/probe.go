package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/lifeboat-dr/lifeboat/engine/config"
	"github.com/lifeboat-dr/lifeboat/engine/restic"
	"github.com/lifeboat-dr/lifeboat/internal/hide"
	"github.com/lifeboat-dr/lifeboat/internal/proc"
)

// ServiceProbeTimeout bounds one service probe (http, tcp, command, disk).
const ServiceProbeTimeout = 10 * time.Second

// StaleLockAge is how old a lock must be before it counts as stale: restic
// refreshes the locks it holds every 5 minutes and itself treats a lock
// older than 30 minutes as stale.
const StaleLockAge = 30 * time.Minute

// ProbeResult is one configured service probe of a site.
type ProbeResult struct {
	Site    string        `json:"site"`
	Kind    string        `json:"kind"`   // http, tcp, command, disk
	Target  string        `json:"target"` // the URL, address, command or path
	OK      bool          `json:"ok"`
	Latency time.Duration `json:"-"`
	Seconds float64       `json:"seconds"`
	// Detail says what was seen: the HTTP status, free space, or why it failed
	// (for a command, the tail of its output).
	Detail string    `json:"detail"`
	Time   time.Time `json:"time"`
}

// String renders a result the way a log line or a reason shows it.
func (r ProbeResult) String() string {
	state := "ok"
	if !r.OK {
		state = "failed"
	}
	s := fmt.Sprintf("%s probe %s %s", r.Kind, r.Target, state)
	if r.Detail != "" {
		s += ": " + r.Detail
	}
	return s
}

// ProbeServices runs the configured probes of a site, all at once, each
// bounded by ServiceProbeTimeout. Results are in config order.
func (e *Engine) ProbeServices(ctx context.Context, site string) []ProbeResult {
	s, err := e.site(site)
	if err != nil {
		return []ProbeResult{{Site: site, Kind: "config", Target: site, Detail: err.Error(), Time: e.now()}}
	}
	return inParallel(s.Probes, func(p config.Probe) ProbeResult {
		r := runProbe(ctx, p, ServiceProbeTimeout, hiddenEnv(e.cfg))
		r.Site = site
		return r
	})
}

// RunProbe runs one probe with a timeout.
func RunProbe(ctx context.Context, p config.Probe, timeout time.Duration) ProbeResult {
	return runProbe(ctx, p, timeout, nil)
}

// runProbe is RunProbe with the variables a command probe must not see.
func runProbe(ctx context.Context, p config.Probe, timeout time.Duration, hidden []string) ProbeResult {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	var r ProbeResult
	switch {
	case p.HTTP != "":
		r = probeHTTP(ctx, p.HTTP)
	case p.TCP != "":
		r = probeTCP(ctx, p.TCP)
	case p.Command != "":
		r = probeCommand(ctx, p.Command, hidden)
	case p.Disk != nil:
		r = probeDisk(p.Disk)
	default:
		r = ProbeResult{Kind: "unknown", Detail: "a probe needs one of http, tcp, command or disk"}
	}
	r.Latency = time.Since(start)
	r.Seconds = r.Latency.Seconds()
	r.Time = start
	if !r.OK && ctx.Err() == context.DeadlineExceeded {
		r.Detail = fmt.Sprintf("no answer within %s", timeout)
	}
	return r
}

func probeHTTP(ctx context.Context, url string) ProbeResult {
	r := ProbeResult{Kind: "http", Target: hide.URLHost(url)}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		r.Detail = hide.URLSecrets(err.Error(), url)
		return r
	}
	req.Header.Set("User-Agent", "lifeboat-probe")
	client := &http.Client{
		// A redirect is an answer: 3xx counts as up without following it.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := client.Do(req)
	if err != nil {
		r.Detail = hide.URLSecrets(err.Error(), url)
		return r
	}
	defer resp.Body.Close()
	r.Detail = resp.Status
	r.OK = resp.StatusCode >= 200 && resp.StatusCode < 400
	return r
}

func probeTCP(ctx context.Context, addr string) ProbeResult {
	r := ProbeResult{Kind: "tcp", Target: addr}
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		r.Detail = err.Error()
		return r
	}
	_ = c.Close()
	r.OK, r.Detail = true, "connected"
	return r
}

func probeCommand(ctx context.Context, command string, hidden []string) ProbeResult {
	r := ProbeResult{Kind: "command", Target: hide.CommandName(command)}
	out, err := proc.Shell{Command: command, Hide: hidden, Grace: time.Second}.Run(ctx)
	if err == nil {
		r.OK, r.Detail = true, "exit 0"
		return r
	}
	r.Detail = err.Error()
	if t := proc.Tail(string(out), 200); t != "" {
		r.Detail += ": " + t
	}
	return r
}

func probeDisk(p *config.DiskProbe) ProbeResult {
	r := ProbeResult{Kind: "disk", Target: p.Path}
	var st syscall.Statfs_t
	if err := syscall.Statfs(p.Path, &st); err != nil {
		r.Detail = (&os.PathError{Op: "statfs", Path: p.Path, Err: err}).Error()
		return r
	}
	free := uint64(st.Bavail) * uint64(st.Bsize)
	r.OK = int64(free) >= p.MinFree.Bytes()
	r.Detail = fmt.Sprintf("%s free", Bytes(free))
	if !r.OK {
		r.Detail += fmt.Sprintf(", below the minimum of %s", Bytes(uint64(p.MinFree.Bytes())))
	}
	return r
}

// LockInfo is one lock in a repository.
type LockInfo struct {
	ID        string    `json:"id"`
	Time      time.Time `json:"time"`
	Host      string    `json:"host"`
	User      string    `json:"user"`
	PID       int       `json:"pid"`
	Exclusive bool      `json:"exclusive"`
	// Stale is true when the lock is older than StaleLockAge, or was taken on
	// this host by a process that no longer exists.
	Stale bool `json:"stale"`
}

// maxLockDetails bounds how many locks Locks reads in detail.
const maxLockDetails = 20

// Locks lists the locks of a site with their age and owner (at most 20 are
// read in detail). It takes no lock itself.
func (e *Engine) Locks(ctx context.Context, site string) ([]LockInfo, error) {
	_, repo, err := e.siteRepo(site)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, ProbeTimeout())
	defer cancel()
	res, err := e.runner.Run(ctx, restic.Call{Repo: repo, Op: "list locks", Capture: true,
		Args: []string{"list", "locks", "--no-lock", "--quiet"}, FailFast: true})
	if err != nil {
		return nil, err
	}
	host, _ := os.Hostname()
	now := e.now()
	var out []LockInfo
	var errs []error
	for _, id := range strings.Fields(string(res.Stdout)) {
		if len(out) >= maxLockDetails {
			break
		}
		r, err := e.runner.Run(ctx, restic.Call{Repo: repo, Op: "cat lock", Capture: true,
			Args: []string{"cat", "lock", id, "--no-lock", "--quiet"}, FailFast: true})
		if err != nil {
			// The lock may have been released between the two calls.
			errs = append(errs, err)
			continue
		}
		var l struct {
			Time      time.Time `json:"time"`
			Exclusive bool      `json:"exclusive"`
			Hostname  string    `json:"hostname"`
			Username  string    `json:"username"`
			PID       int       `json:"pid"`
		}
		if err := json.Unmarshal(r.Stdout, &l); err != nil {
			errs = append(errs, fmt.Errorf("site %s: lock %s: unexpected output from restic: %w", site, short(id), err))
			continue
		}
		li := LockInfo{ID: id, Time: l.Time.UTC(), Host: l.Hostname, User: l.Username, PID: l.PID, Exclusive: l.Exclusive}
		li.Stale = now.Sub(l.Time) > StaleLockAge || (l.Hostname == host && !processAlive(l.PID))
		out = append(out, li)
	}
	if len(out) == 0 && len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}
