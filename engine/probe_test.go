package engine_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-dr/lifeboat/engine"
	"github.com/lifeboat-dr/lifeboat/engine/config"
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
