package engine_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-dr/lifeboat/engine"
	"github.com/lifeboat-dr/lifeboat/engine/config"
	"github.com/lifeboat-dr/lifeboat/internal/testenv"
)

func TestRunProbe(t *testing.T) {
	t.Parallel()
	okSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/moved" {
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
			return
		}
		if r.URL.Path == "/broken" {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
	}))
	defer okSrv.Close()
	// Port 1 (tcpmux) is not served here; a freed ephemeral port could be
	// taken again by a parallel test.
	const closed = "127.0.0.1:1"
	ln2, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln2.Close()

	ctx := context.Background()
	for _, c := range []struct {
		p      config.Probe
		ok     bool
		detail string
	}{
		{config.Probe{HTTP: okSrv.URL + "/healthz"}, true, "200"},
		{config.Probe{HTTP: okSrv.URL + "/moved"}, true, "302"},
		{config.Probe{HTTP: okSrv.URL + "/broken"}, false, "503"},
		{config.Probe{TCP: ln2.Addr().String()}, true, "connected"},
		{config.Probe{TCP: closed}, false, "refused"},
		{config.Probe{Command: "true"}, true, "exit 0"},
		{config.Probe{Command: "echo gpu node 3 missing; exit 2"}, false, "gpu node 3 missing"},
		{config.Probe{Disk: &config.DiskProbe{Path: t.TempDir(), MinFree: 1}}, true, "free"},
		{config.Probe{Disk: &config.DiskProbe{Path: t.TempDir(), MinFree: 1 << 62}}, false, "below the minimum"},
		{config.Probe{Disk: &config.DiskProbe{Path: "/nonexistent/lifeboat", MinFree: 1}}, false, "statfs"},
	} {
		r := engine.RunProbe(ctx, c.p, 5*time.Second)
		if r.OK != c.ok || !strings.Contains(r.Detail, c.detail) {
			t.Errorf("%+v: got ok=%v %q", c.p, r.OK, r.Detail)
		}
	}
	start := time.Now()
	r := engine.RunProbe(ctx, config.Probe{Command: "sleep 30"}, 200*time.Millisecond)
	if r.OK || !strings.Contains(r.Detail, "no answer within") || time.Since(start) > 5*time.Second {
		t.Fatalf("slow command: %+v after %s", r, time.Since(start))
	}
}

// A failing service probe and a lock left by a killed restic make a
// reachable site DEGRADED, each with its reason (no set has a snapshot
// yet, so every site also has RPO reasons).
func TestProbeRoundDegraded(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "")
	// dr gets a probe that cannot succeed: port 1 is not served here.
	f.editConfig(func(y string) string {
		return strings.Replace(y, "    role: standby\n", "    role: standby\n    probes:\n      - tcp: 127.0.0.1:1\n      - command: \"true\"\n", 1)
	})
	f.open()
	f.init()
	ctx := context.Background()

	// A restic that dies holding its lock: this host, a pid that is gone.
	primary, _ := f.cfg.Site("primary")
	cmd := exec.Command(testenv.Restic(t), "backup", "--stdin", "--stdin-filename", "x")
	cmd.Env = append(os.Environ(), "RESTIC_REPOSITORY="+primary.Repository, "RESTIC_PASSWORD_FILE="+f.pwFile,
		"RESTIC_CACHE_DIR="+filepath.Join(f.dir, "cache"))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	waitFor(t, 30*time.Second, "restic's lock", func() bool {
		return len(strings.Fields(string(f.raw("primary", "list", "locks", "--no-lock")))) > 0
	})
	_ = cmd.Process.Kill()
	_ = cmd.Wait()

	st, err := f.eng.Status(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	rounds := f.eng.ProbeRound(ctx, st)
	got := map[string]engine.SiteRound{}
	for _, r := range rounds {
		got[r.Site] = r
	}
	p := got["primary"]
	if p.Observation.State != engine.StateDegraded || len(p.Locks) != 1 || !p.Locks[0].Stale ||
		!strings.Contains(strings.Join(p.Observation.Reasons, ";"), "stale lock") {
		t.Fatalf("primary: %+v", p)
	}
	d := got["dr"]
	if d.Observation.State != engine.StateDegraded || len(d.Probes) != 2 || d.Probes[0].OK || !d.Probes[1].OK ||
		!strings.Contains(strings.Join(d.Observation.Reasons, ";"), "tcp probe 127.0.0.1:1 failed") ||
		strings.Contains(strings.Join(d.Observation.Reasons, ";"), "command probe") {
		t.Fatalf("dr: %+v", d)
	}
	// Unlocking the stale lock clears it.
	if err := f.eng.Unlock(ctx, "primary", false); err != nil {
		t.Fatal(err)
	}
	st, _ = f.eng.Status(ctx, true)
	if r := f.eng.ProbeRound(ctx, st)[0]; len(r.Locks) != 0 || strings.Contains(strings.Join(r.Observation.Reasons, ";"), "stale lock") {
		t.Fatalf("primary after unlock: %+v", r)
	}
}
