// Package testenv gives tests the real tools: the pinned restic and
// rest-server built into bin/ by `make tools`, repositories in temp dirs, and
// a rest-server on a free loopback port that can be stopped and restarted.
package testenv

import (
	"bufio"
	"context"

	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Root is the module root (where go.mod is).
func Root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

func tool(t testing.TB, name, env string) string {
	t.Helper()
	if p := os.Getenv(env); p != "" {
		return p
	}
	p := filepath.Join(Root(), "bin", name)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("%s is not built: run `make tools` (it builds the pinned %s from go.mod into bin/)", p, name)
	}
	return p
}

// Restic is the pinned restic binary.
func Restic(t testing.TB) string { return tool(t, "restic", "LIFEBOAT_TEST_RESTIC") }

// RestServerBin is the pinned rest-server binary.
func RestServerBin(t testing.TB) string { return tool(t, "rest-server", "LIFEBOAT_TEST_REST_SERVER") }

// WritePassword writes a password file (0600) and returns its path.
func WritePassword(t testing.TB, dir, name, pw string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(pw+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// RunRestic runs the real restic against repo with a password file, the way
// an operator would by hand, and returns stdout.
func RunRestic(t testing.TB, repo, passwordFile string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(Restic(t), args...)
	cmd.Env = append(os.Environ(), "RESTIC_REPOSITORY="+repo, "RESTIC_PASSWORD_FILE="+passwordFile,
		"RESTIC_CACHE_DIR="+filepath.Join(os.TempDir(), "lifeboat-test-cache"))
	if strings.HasPrefix(repo, "s3:") {
		key, secret := S3Keys()
		cmd.Env = append(cmd.Env, "AWS_ACCESS_KEY_ID="+key, "AWS_SECRET_ACCESS_KEY="+secret)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("restic %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return out
}

// RestServer is a real rest-server on 127.0.0.1.
type RestServer struct {
	t    testing.TB
	bin  string
	Dir  string
	Addr string
	// AppendOnly starts the server with --append-only (deletes other than
	// locks are refused with 403); set it before Start.
	AppendOnly bool
	daemon
}

// StartRestServer starts rest-server on a free port with a fresh data dir;
// it is stopped when the test ends.
func StartRestServer(t testing.TB) *RestServer {
	t.Helper()
	s := &RestServer{t: t, bin: RestServerBin(t), Dir: t.TempDir(), Addr: FreeAddr(t)}
	s.Start()
	t.Cleanup(s.Stop)
	return s
}

// URL is the restic repository string of a repository named name.
func (s *RestServer) URL(name string) string { return "rest:http://" + s.Addr + "/" + name }

// Start (re)starts the server on its port and waits until it answers.
func (s *RestServer) Start() {
	s.t.Helper()
	if s.cmd != nil {
		return
	}
	args := []string{"--path", s.Dir, "--listen", s.Addr, "--no-auth"}
	if s.AppendOnly {
		args = append(args, "--append-only")
	}
	cmd := exec.Command(s.bin, args...)
	if _, up := s.serve(s.t, "rest-server", cmd, "http://"+s.Addr+"/", 15*time.Second, 50*time.Millisecond); !up {
		s.t.Fatalf("rest-server on %s did not come up", s.Addr)
	}
}

// Stop kills the server: the site goes down.
func (s *RestServer) Stop() { s.stop() }

// daemon is the process of a test server that a test stops and starts
// again, as a site goes down and comes back.
type daemon struct{ cmd *exec.Cmd }

// serve starts cmd (the tool name), its output drained (the last lines
// kept), and waits until url answers, polling every poll for at most
// patience. up false comes with the lines the server said.
func (d *daemon) serve(t testing.TB, name string, cmd *exec.Cmd, url string, patience, poll time.Duration) (said []string, up bool) {
	t.Helper()
	out, _ := cmd.StdoutPipe()
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	lines := make(chan string, 64)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default:
			}
		}
	}()
	d.cmd = cmd // set before waiting: a failed start is still stopped at cleanup
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	for ctx.Err() == nil {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			return nil, true
		}
		time.Sleep(poll)
	}
	for len(lines) > 0 {
		said = append(said, <-lines)
	}
	return said, false
}

// stop kills the process and waits for it; a stopped daemon stays so.
func (d *daemon) stop() {
	if d.cmd == nil {
		return
	}
	_ = d.cmd.Process.Kill()
	_ = d.cmd.Wait()
	d.cmd = nil
}

// Tree returns every regular file under dir with its content, keyed by
// path relative to dir, for byte-for-byte comparisons.
func Tree(t testing.TB, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(dir, p)
			out[rel] = string(b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// WriteFiles creates files under dir from a map of relative path to content.
func WriteFiles(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for rel, content := range files {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// DamagePacks overwrites bytes inside every pack file of the repository at
// repoDir, behind restic's back, and returns how many it damaged.
func DamagePacks(t testing.TB, repoDir string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(filepath.Join(repoDir, "data"), func(p string, de os.DirEntry, err error) error {
		if err != nil || !de.Type().IsRegular() {
			return err
		}
		fh, err := os.OpenFile(p, os.O_RDWR, 0)
		if err != nil {
			return err
		}
		defer fh.Close()
		st, err := fh.Stat()
		if err != nil {
			return err
		}
		n++
		_, err = fh.WriteAt([]byte("lifeboat-test-damage-lifeboat-test-damage"), st.Size()/3)
		return err
	})
	if err != nil || n == 0 {
		t.Fatalf("damaging packs under %s: %d damaged, %v", repoDir, n, err)
	}
	return n
}

// Signal sends sig to the running server: SIGSTOP freezes the site (it
// accepts connections and never answers), SIGCONT thaws it.
func (s *RestServer) Signal(sig os.Signal) error {
	if s.cmd == nil {
		return os.ErrProcessDone
	}
	return s.cmd.Process.Signal(sig)
}

// Missing skips a test whose tool or privilege this machine lacks, except
// in CI (CI=true), where a missing tool would silently drop the tests of
// the real thing: there it fails the run.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true: "+format+" (CI must run this test, not skip it)", args...)
	}
	t.Skipf(format, args...)
}

// WaitFor polls until cond holds or the deadline passes.
func WaitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
