package monitor_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/lifeboat-dr/lifeboat/engine/config"
	"github.com/lifeboat-dr/lifeboat/engine/monitor"
)

func TestTargetNameHidesSecrets(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		a    config.Alert
		want string
	}{
		{config.Alert{URL: "slack://xoxb-secret-token@C0123CHAN"}, "url slack://C0123CHAN"},
		{config.Alert{URL: "telegram://123:SECRET@telegram?chats=@ops"}, "url telegram://telegram"},
		{config.Alert{Webhook: "https://hooks.example.com/services/T0/B0/s3cr3t?key=abc"}, "webhook https://hooks.example.com"},
		{config.Alert{Command: "/usr/local/bin/page-oncall --token hunter22"}, "command /usr/local/bin/page-oncall"},
	} {
		if got := monitor.TargetName(c.a); got != c.want {
			t.Errorf("%+v: %q, want %q", c.a, got, c.want)
		}
	}
}

// All three kinds of target, including a shoutrrr URL (its generic
// webhook service), receive the test event; the command gets it as JSON on
// stdin.
func TestTestAlertsEveryKindOfTarget(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	bodies := map[string]string{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies[r.URL.Path] = string(b)
		mu.Unlock()
	}))
	defer srv.Close()
	out := t.TempDir() + "/stdin.json"
	host := strings.TrimPrefix(srv.URL, "http://")
	f := newFixture(t, fmt.Sprintf(`alerts:
  - webhook: %s/webhook
  - url: generic+http://%s/shoutrrr/tok3n-abc
  - command: cat > %s
    on: [site_down]
`, srv.URL, host, out))
	res := monitor.TestAlerts(context.Background(), f.eng, monitor.RetryPolicy{Attempts: 1})
	if len(res) != 3 {
		t.Fatalf("deliveries: %+v", res)
	}
	for _, d := range res {
		if !d.OK || d.Attempts != 1 || d.Event != "test" {
			t.Errorf("delivery %+v", d)
		}
		if strings.Contains(d.Target, "tok3n") {
			t.Errorf("target name shows the token: %q", d.Target)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(bodies["/webhook"], `"event":"test"`) || !strings.Contains(bodies["/shoutrrr/tok3n-abc"], "test") {
		t.Fatalf("received %v", bodies)
	}
	b := testRead(t, out)
	if !strings.Contains(b, `"event":"test"`) || !strings.Contains(b, `"severity":"info"`) {
		t.Fatalf("command stdin: %q", b)
	}
	for _, j := range f.journal() {
		if strings.Contains(j.Args+j.Detail, "tok3n") {
			t.Fatalf("journal shows the token: %+v", j)
		}
	}
}

// A URL target that fails does not leak its secrets into the error.
func TestURLFailureIsScrubbed(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "alerts:\n  - url: generic+http://127.0.0.1:1/hook/tok3n-xyz?apikey=k3y-value\n")
	res := monitor.TestAlerts(context.Background(), f.eng, monitor.RetryPolicy{Attempts: 2, Backoff: 1})
	if len(res) != 1 || res[0].OK || res[0].Attempts != 2 {
		t.Fatalf("deliveries: %+v", res)
	}
	for _, s := range []string{"tok3n-xyz", "k3y-value"} {
		if strings.Contains(res[0].Error, s) {
			t.Fatalf("error shows a secret: %q", res[0].Error)
		}
	}
	var failed bool
	for _, j := range f.journal() {
		failed = failed || j.Action == "alert" && j.Outcome == "failed"
		if strings.Contains(j.Args+j.Detail, "tok3n") || strings.Contains(j.Args+j.Detail, "k3y-value") {
			t.Fatalf("journal shows a secret: %+v", j)
		}
	}
	if !failed {
		t.Fatal("failed delivery not journaled")
	}
}

func testRead(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
