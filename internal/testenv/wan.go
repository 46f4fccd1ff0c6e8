package testenv

import (
	"context"
	"fmt"
	"strings"
	"testing"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	"github.com/rs/zerolog"
)

// WAN is a toxiproxy link on 127.0.0.1 in front of upstream (host:port),
// in this process: make it slow, cut it, heal it.
type WAN struct {
	t     testing.TB
	Addr  string // where clients connect instead of upstream
	proxy *toxiproxy.Proxy
}

// StartWAN starts a clean link to upstream; it is stopped when the test ends.
func StartWAN(t testing.TB, upstream string) *WAN {
	t.Helper()
	srv := toxiproxy.NewServer(toxiproxy.NewMetricsContainer(nil), zerolog.Nop())
	w := &WAN{t: t, Addr: FreeAddr(t)}
	w.proxy = toxiproxy.NewProxy(srv, "wan", w.Addr, upstream)
	if err := w.proxy.Start(); err != nil {
		t.Fatalf("toxiproxy on %s: %v", w.Addr, err)
	}
	t.Cleanup(w.proxy.Stop)
	return w
}

// Slow adds latency (each way) and a bandwidth limit (each way) in KB/s.
func (w *WAN) Slow(latencyMS, rateKBps int) {
	w.t.Helper()
	for _, stream := range []string{"upstream", "downstream"} {
		for _, toxic := range []string{
			fmt.Sprintf(`{"name": "latency_%s", "type": "latency", "stream": %q, "attributes": {"latency": %d}}`, stream, stream, latencyMS),
			fmt.Sprintf(`{"name": "bandwidth_%s", "type": "bandwidth", "stream": %q, "attributes": {"rate": %d}}`, stream, stream, rateKBps),
		} {
			if _, err := w.proxy.Toxics.AddToxicJson(strings.NewReader(toxic)); err != nil {
				w.t.Fatalf("toxic %s: %v", toxic, err)
			}
		}
	}
}

// Clear removes every toxic: a clean link again.
func (w *WAN) Clear() { w.proxy.Toxics.ResetToxics(context.Background()) }

// Partition cuts the link: open connections drop, new ones are refused.
func (w *WAN) Partition() { w.proxy.Stop() }

// Heal brings a cut link back (with the toxics it had).
func (w *WAN) Heal() {
	w.t.Helper()
	if err := w.proxy.Start(); err != nil {
		w.t.Fatalf("toxiproxy back on %s: %v", w.Addr, err)
	}
}
