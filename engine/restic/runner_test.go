package restic_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lifeboat-dr/lifeboat/engine/restic"
	"github.com/lifeboat-dr/lifeboat/internal/dr"
	"github.com/lifeboat-dr/lifeboat/internal/testenv"
)

func newRepo(t *testing.T) (restic.Repo, *restic.Runner) {
	t.Helper()
	dir := t.TempDir()
	pw := testenv.WritePassword(t, dir, "pass", "correct horse")
	repo := restic.Repo{Site: "primary", Repository: filepath.Join(dir, "repo"), PasswordFile: pw}
	r := &restic.Runner{Binary: testenv.Restic(t), CacheDir: filepath.Join(dir, "cache")}
	if _, err := r.Run(context.Background(), restic.Call{Repo: repo, Args: []string{"init", "--json"}}); err != nil {
		t.Fatal(err)
	}
	return repo, r
}

func TestTypedErrors(t *testing.T) {
	repo, r := newRepo(t)
	ctx := context.Background()

	wrong := repo
	wrong.PasswordFile = testenv.WritePassword(t, t.TempDir(), "bad", "wrong")
	_, err := r.Run(ctx, restic.Call{Repo: wrong, Op: "snapshots", Args: []string{"snapshots", "--json"}})
	if !errors.Is(err, restic.ErrWrongPassword) {
		t.Fatalf("wrong password: got %v", err)
	}
	for _, want := range []string{"site primary", "wrong password", "password_file"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("wrong-password message %q lacks %q", err, want)
		}
	}

	missing := repo
	missing.Repository = filepath.Join(t.TempDir(), "nothing-here")
	_, err = r.Run(ctx, restic.Call{Repo: missing, Op: "snapshots", Args: []string{"snapshots", "--json"}})
	if do := dr.RemediesOf(err); !errors.Is(err, restic.ErrRepoNotFound) || len(do) != 1 || do[0].Act != dr.ActInit {
		t.Fatalf("missing repository: got %v", err)
	}

	// A running backup holds a shared lock; an exclusive operation must fail
	// with exit 11 and say so.
	ctxBg, cancel := context.WithCancel(ctx)
	defer cancel()
	started := make(chan struct{})
	var once sync.Once
	done := make(chan error, 1)
	go func() {
		res, err := r.Run(ctxBg, restic.Call{Repo: repo, Op: "backup", Args: []string{"backup", "--json",
			"--stdin-from-command", "--stdin-filename", "slow", "--", "sh", "-c", "sleep 30"},
			OnLine: func(restic.Line) { once.Do(func() { close(started) }) }})
		if err != nil && res != nil {
			err = fmt.Errorf("%w (stderr: %s)", err, strings.Join(res.Stderr, " | "))
		}
		done <- err
	}()
	waitForLock(t, r, repo, done)
	_, err = r.Run(ctx, restic.Call{Repo: repo, Op: "prune", Args: []string{"prune"}})
	if !errors.Is(err, restic.ErrLocked) || !strings.Contains(err.Error(), "unlock") {
		t.Fatalf("held lock: got %v", err)
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, restic.ErrCancelled) {
			t.Fatalf("cancelled backup: got %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("cancelled backup did not stop")
	}
	_ = started
}

// waitForLock waits until the restic run that reports on done holds a
// lock in repo; a run that ended first fails the test with its error.
func waitForLock(t *testing.T, r *restic.Runner, repo restic.Repo, done chan error) {
	t.Helper()
	var lastErr error
	for i := 0; i < 200; i++ {
		select {
		case err := <-done:
			t.Fatalf("the restic run ended before its lock was seen: %v", err)
		default:
		}
		res, err := r.Run(context.Background(), restic.Call{Repo: repo, Capture: true, Args: []string{"list", "locks", "--no-lock"}})
		if err == nil && len(strings.TrimSpace(string(res.Stdout))) > 0 {
			return
		}
		lastErr = err
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no lock appeared (last list locks: %v)", lastErr)
}

func TestCancelStopsProcessGroup(t *testing.T) {
	repo, r := newRepo(t)
	marker := "lifeboat-cancel-" + filepath.Base(t.TempDir())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := r.Run(ctx, restic.Call{Repo: repo, Args: []string{"backup", "--json",
			"--stdin-from-command", "--stdin-filename", "x", "--", "sh", "-c", "sleep 60 # " + marker}})
		done <- err
	}()
	waitForLock(t, r, repo, done)
	if len(procsWith(marker)) == 0 {
		t.Fatal("the child of restic was not seen running")
	}
	cancel()
	if err := <-done; !errors.Is(err, restic.ErrCancelled) {
		t.Fatalf("got %v", err)
	}
	time.Sleep(200 * time.Millisecond)
	if left := procsWith(marker); len(left) > 0 {
		t.Fatalf("processes left after cancel: %v", left)
	}
}

// procsWith returns the cmdlines of this test's descendant processes
// whose cmdline contains s.
func procsWith(s string) []string {
	var out []string
	for _, p := range testenv.Descendants(os.Getpid()) {
		if strings.Contains(p.Cmdline, s) {
			out = append(out, p.Cmdline)
		}
	}
	return out
}

// No secret may appear in any restic child's argv or in the command log.
func TestSecretsNeverInArgv(t *testing.T) {
	repo, r := newRepo(t)
	const secret = "hunter2-Sup3r-S3cret-value"
	pwFile, _ := os.ReadFile(repo.PasswordFile)
	t.Setenv("LIFEBOAT_TEST_PW", strings.TrimSpace(string(pwFile)))
	envRepo := repo
	envRepo.PasswordFile = ""
	envRepo.PasswordEnv = "LIFEBOAT_TEST_PW"
	envRepo.Env = map[string]string{"AWS_SECRET_ACCESS_KEY": secret}

	var logged []restic.Invocation
	var mu sync.Mutex
	r.OnInvocation = func(inv restic.Invocation) { mu.Lock(); logged = append(logged, inv); mu.Unlock() }

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := r.Run(ctx, restic.Call{Repo: envRepo, Args: []string{"backup", "--json", "--tag", secret[:0] + "models",
			"--stdin-from-command", "--stdin-filename", "x", "--", "sh", "-c", "sleep 3; echo data"}})
		done <- err
	}()
	seen := 0
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) && seen < 20 {
		for _, cl := range procsWith(r.Binary) {
			seen++
			for _, s := range []string{secret, "correct horse"} {
				if strings.Contains(cl, s) {
					t.Fatalf("secret in argv: %q", cl)
				}
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	if seen == 0 {
		t.Fatal("never saw the restic process, the test proves nothing")
	}
	if err := <-done; err != nil {
		t.Fatalf("backup with password_env: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(logged) == 0 {
		t.Fatal("invocation was not logged")
	}
	for _, inv := range logged {
		all := strings.Join(inv.Args, " ") + inv.Err
		if strings.Contains(all, secret) || strings.Contains(all, "correct horse") {
			t.Fatalf("secret in command log: %q", all)
		}
	}
}

func TestUnsetPasswordEnv(t *testing.T) {
	repo, r := newRepo(t)
	repo.PasswordFile, repo.PasswordEnv = "", "LIFEBOAT_NOT_SET_ANYWHERE"
	_, err := r.Run(context.Background(), restic.Call{Repo: repo, Op: "snapshots", Args: []string{"snapshots"}})
	if !errors.Is(err, restic.ErrNoPassword) || !strings.Contains(err.Error(), "LIFEBOAT_NOT_SET_ANYWHERE") {
		t.Fatalf("got %v", err)
	}
}

func TestFindAndVersion(t *testing.T) {
	ctx := context.Background()
	if _, err := restic.Find(filepath.Join(t.TempDir(), "no-restic")); !errors.Is(err, restic.ErrNotFound) {
		t.Fatalf("missing configured binary: got %v", err)
	}
	v, err := restic.CheckVersion(ctx, testenv.Restic(t))
	if err != nil || v.Version != "0.19.1" {
		t.Fatalf("pinned restic: %+v %v", v, err)
	}
	// A stand-in that prints what restic 0.16 prints: only its version text
	// matters here, the version check must refuse it.
	old := filepath.Join(t.TempDir(), "restic")
	if err := os.WriteFile(old, []byte("#!/bin/sh\necho 'restic 0.16.4 compiled with go1.21.6 on linux/amd64'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err = restic.CheckVersion(ctx, old)
	if !errors.Is(err, restic.ErrTooOld) || !strings.Contains(err.Error(), "0.16.4") || !strings.Contains(err.Error(), "make restic") {
		t.Fatalf("old restic: got %v", err)
	}
	r := &restic.Runner{Binary: filepath.Join(t.TempDir(), "gone")}
	_, err = r.Run(ctx, restic.Call{Repo: restic.Repo{Site: "dr", Repository: "/x", PasswordFile: "/x"}, Args: []string{"version"}})
	if !errors.Is(err, restic.ErrNotFound) {
		t.Fatalf("vanished binary: got %v", err)
	}
}

func TestUnreachable(t *testing.T) {
	srv := testenv.StartRestServer(t)
	dir := t.TempDir()
	repo := restic.Repo{Site: "dr", Repository: srv.URL("dr"), PasswordFile: testenv.WritePassword(t, dir, "p", "pw")}
	r := &restic.Runner{Binary: testenv.Restic(t), CacheDir: filepath.Join(dir, "cache")}
	if _, err := r.Run(context.Background(), restic.Call{Repo: repo, Args: []string{"init"}}); err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	start := time.Now()
	_, err := r.Run(ctx, restic.Call{Repo: repo, Op: "snapshots", FailFast: true, Args: []string{"snapshots", "--json", "--no-lock"}})
	if !errors.Is(err, restic.ErrUnreachable) || !strings.Contains(err.Error(), "site dr") {
		t.Fatalf("stopped server: got %v", err)
	}
	if took := time.Since(start); took > 15*time.Second {
		t.Fatalf("unreachable site took %v to detect", took)
	}
	t.Logf("unreachable detected in %v: %v", time.Since(start), err)
}
