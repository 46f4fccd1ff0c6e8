package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lifeboat-dr/lifeboat/internal/testenv"
)

func TestAlertTest(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var got []map[string]any
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var ev map[string]any
		if err := json.Unmarshal(b, &ev); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		mu.Lock()
		got = append(got, ev)
		mu.Unlock()
	}))
	defer hook.Close()

	dir := t.TempDir()
	pw := testenv.WritePassword(t, dir, "pass", testPassword)
	write := func(name, alerts string) string {
		cfg := fmt.Sprintf(`sites:
  - {name: primary, repository: %[1]s/primary, password_file: %[2]s, role: active}
sets:
  - {name: models, paths: [%[1]s/data]}
restic: {binary: %[3]s, cache_dir: %[1]s/cache}
alerts:
%[4]s`, dir, pw, testenv.Restic(t), alerts)
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	run := func(cfg string, args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := Main(append([]string{"--config", cfg, "--state", filepath.Join(dir, "state")}, args...), &out, &errb)
		return code, out.String(), errb.String()
	}

	// A webhook limited to site_down still gets the test event.
	good := write("good.yaml", fmt.Sprintf("  - webhook: %s/hook/s3cr3t-path\n    on: [site_down]\n", hook.URL))
	code, out, errs := run(good, "alert", "test")
	if code != 0 || !strings.Contains(out, "webhook "+hook.URL) || !strings.Contains(out, "ok") {
		t.Fatalf("alert test: exit %d\n%s\n%s", code, out, errs)
	}
	if strings.Contains(out+errs, "s3cr3t-path") {
		t.Fatalf("alert test printed the webhook's path:\n%s", out)
	}
	mu.Lock()
	if len(got) != 1 || got[0]["event"] != "test" || got[0]["severity"] != "info" || got[0]["message"] == "" {
		t.Fatalf("webhook received %v", got)
	}
	mu.Unlock()

	// One failing target: exit 1, each target reported.
	bad := write("bad.yaml", fmt.Sprintf("  - webhook: %s/hook\n  - command: exit 3\n", hook.URL))
	code, out, errs = run(bad, "alert", "test", "--json")
	if code != 1 || !strings.Contains(errs, "1 of 2 alert target(s) failed") {
		t.Fatalf("alert test with a failing target: exit %d\n%s\n%s", code, out, errs)
	}
	var res []struct {
		Target   string `json:"target"`
		OK       bool   `json:"ok"`
		Attempts int    `json:"attempts"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || len(res) != 2 || !res[0].OK || res[1].OK || res[1].Attempts != 2 {
		t.Fatalf("alert test --json: %v\n%s", err, out)
	}
	code, out, _ = run(bad, "journal", "--json")
	if code != 0 || !strings.Contains(out, `"action": "alert"`) {
		t.Fatalf("alert deliveries not journaled: %d\n%s", code, out)
	}
}

func TestWatchFlags(t *testing.T) {
	t.Parallel()
	var out, errb bytes.Buffer
	if code := Main([]string{"watch", "--interval", "10ms"}, &out, &errb); code != 2 {
		t.Fatalf("watch --interval 10ms: exit %d %s", code, errb.String())
	}
}

// The real process: `lifeboat watch` ends with exit 0 on SIGTERM. The test
// binary runs itself as the child.
func TestWatchExitsZeroOnSIGTERM(t *testing.T) {
	if args := os.Getenv("LIFEBOAT_WATCH_CHILD_ARGS"); args != "" {
		os.Exit(Main(strings.Split(args, "\x1f"), os.Stdout, os.Stderr))
	}
	t.Parallel()
	dir := t.TempDir()
	pw := testenv.WritePassword(t, dir, "pass", testPassword)
	cfg := filepath.Join(dir, "lifeboat.yaml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`sites:
  - {name: primary, repository: %[1]s/primary, password_file: %[2]s, role: active}
sets:
  - {name: models, paths: [%[1]s/data]}
schedule: {check: "@every 1s"}
restic: {binary: %[3]s, cache_dir: %[1]s/cache}
`, dir, pw, testenv.Restic(t))), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"--config", cfg, "--state", filepath.Join(dir, "state"), "watch", "--interval", "1s", "--metrics", "127.0.0.1:0"}
	cmd := exec.Command(os.Args[0], "-test.run=^TestWatchExitsZeroOnSIGTERM$")
	cmd.Env = append(os.Environ(), "LIFEBOAT_WATCH_CHILD_ARGS="+strings.Join(args, "\x1f"))
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 100)
	var all strings.Builder
	var mu sync.Mutex
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			mu.Lock()
			all.WriteString(sc.Text() + "\n")
			mu.Unlock()
			select {
			case lines <- sc.Text():
			default:
			}
		}
		close(lines)
	}()
	deadline := time.After(30 * time.Second)
	for started := false; !started; {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("watch ended early:\n%s", all.String())
			}
			started = strings.Contains(l, "job check: started")
		case <-deadline:
			_ = cmd.Process.Kill()
			t.Fatal("watch did not start a job within 30s")
		}
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		for range lines {
		}
		done <- cmd.Wait()
	}()
	select {
	case err := <-done:
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			t.Fatalf("watch after SIGTERM: %v\n%s", err, all.String())
		}
		if !strings.Contains(all.String(), "stopped") {
			t.Fatalf("no clean stop logged:\n%s", all.String())
		}
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("watch did not exit within 30s of SIGTERM")
	}
}
