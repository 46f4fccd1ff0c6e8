// Package restic runs the restic binary for one site at a time: secrets go
// through the environment, output is streamed as JSON lines, and failures
// become typed errors that name the site and say what to do.
package restic

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/lifeboat-dr/lifeboat/internal/hide"
	"github.com/lifeboat-dr/lifeboat/internal/proc"
)

// Repo is everything restic needs to open one site's repository.
type Repo struct {
	Site            string
	Repository      string
	PasswordFile    string
	PasswordCommand string
	PasswordEnv     string            // name of a variable in lifeboat's environment
	Env             map[string]string // already expanded backend credentials
	Options         map[string]string // restic -o options (s3.connections: 4)
}

func (r Repo) passwordSource() string {
	switch {
	case r.PasswordFile != "":
		return "password_file " + r.PasswordFile
	case r.PasswordCommand != "":
		return "password_command"
	default:
		return "password_env " + r.PasswordEnv
	}
}

// env returns the variables that open this repository, with prefix
// "RESTIC_" for the main repository or "RESTIC_FROM_" for a copy source.
func (r Repo) env(prefix string) ([]string, error) {
	out := []string{prefix + "REPOSITORY=" + r.Repository}
	switch {
	case r.PasswordFile != "":
		out = append(out, prefix+"PASSWORD_FILE="+r.PasswordFile)
	case r.PasswordCommand != "":
		out = append(out, prefix+"PASSWORD_COMMAND="+r.PasswordCommand)
	case r.PasswordEnv != "":
		pw, ok := os.LookupEnv(r.PasswordEnv)
		if !ok || pw == "" {
			return nil, &Error{Site: r.Site, Code: -1, Kind: ErrNoPassword,
				Message: fmt.Sprintf("environment variable %s is not set", r.PasswordEnv),
				Hint:    "export it before running lifeboat, or use password_file"}
		}
		out = append(out, prefix+"PASSWORD="+pw)
	}
	return out, nil
}

// secrets are the values that must never be shown: the password (for
// password_env), backend credentials and a URL's userinfo password.
func (r Repo) secrets() []string {
	var s []string
	if r.PasswordEnv != "" {
		if pw := os.Getenv(r.PasswordEnv); pw != "" {
			s = append(s, pw)
		}
	}
	for _, v := range r.Env {
		if len(v) >= 4 {
			s = append(s, v)
		}
	}
	if pw := urlPassword(r.Repository); pw != "" {
		s = append(s, pw)
	}
	if start, end, ok := hide.URLPasswordAt(r.Repository); ok && end > start {
		s = append(s, r.Repository[start:end]) // restic may quote it as written
	}
	return s
}

// Invocation is one restic run as the command log shows it.
type Invocation struct {
	Site     string
	Args     []string // argv, secrets redacted
	Start    time.Time
	Duration time.Duration
	ExitCode int
	Err      string
}

// Line is one line restic printed. Type is its message_type ("status",
// "summary", "error", "exit_error", ...) or "" for plain text.
type Line struct {
	Stderr bool
	Type   string
	Raw    []byte // valid only during the callback
}

// Call describes one restic invocation.
type Call struct {
	Repo Repo
	From *Repo    // source repository for copy and init --from-repo
	Op   string   // what lifeboat was doing, for messages ("backup models")
	Args []string // restic subcommand and flags; never a repository or password
	// OnLine receives every line of output unless Capture is set; calls are serialised.
	OnLine func(Line)
	// Capture collects stdout whole instead of line by line (snapshots --json
	// prints one large array).
	Capture bool
	// Stdin, when set, is given to restic; default is a closed stdin.
	Stdin io.Reader
	// FailFast stops restic as soon as it starts retrying a backend that
	// cannot be reached (restic would retry for 15 minutes). Probes and
	// listings use it; long transfers ride out short outages instead.
	FailFast bool
	// FailFastWithin applies FailFast only to the first part of a run:
	// a site that is down when restic starts fails at once, an outage in
	// the middle of a long run (a check reading every pack) is ridden out.
	FailFastWithin time.Duration
	// OnStart, when set, is told restic's pid once it runs (to watch it
	// from outside); it must not block.
	OnStart func(pid int)
}

// Result is what a finished invocation left behind.
type Result struct {
	ExitCode int
	Duration time.Duration
	Stdout   []byte   // only with Capture
	Errors   []string // restic's per-item error messages (message_type error)
	Stderr   []string // the last plain-text lines of stderr
}

// Runner starts restic processes.
type Runner struct {
	Binary   string
	CacheDir string
	// OnInvocation, when set, is told about every finished invocation.
	OnInvocation func(Invocation)
	// Grace is how long a cancelled restic gets to remove its lock before it is killed.
	Grace time.Duration
	// OutageLimit, when set, stops a run whose backend has been unreachable
	// that long without a success in between (restic itself retries for 15
	// minutes): an object store that went away mid-copy fails the copy,
	// naming the site, instead of holding it.
	OutageLimit time.Duration
	// Explain, when set, may add what lifeboat knows to an error before it
	// is returned (how many snapshots a now-missing repository held).
	Explain func(*Error)
	// OnMessage, when set, gets each of restic's messages as it arrives
	// (MessageText, secrets redacted), with the context of the run that
	// started restic; it must not block.
	OnMessage func(ctx context.Context, site, text string)
}

func (r *Runner) environ(c Call) ([]string, error) {
	env := make([]string, 0, 32)
	for _, k := range proc.PassEnv {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	if r.CacheDir != "" {
		env = append(env, "RESTIC_CACHE_DIR="+r.CacheDir)
	}
	if c.From != nil {
		for k, v := range c.From.Env {
			env = append(env, k+"="+v)
		}
		fe, err := c.From.env("RESTIC_FROM_")
		if err != nil {
			return nil, err
		}
		env = append(env, fe...)
	}
	for k, v := range c.Repo.Env {
		env = append(env, k+"="+v)
	}
	re, err := c.Repo.env("RESTIC_")
	if err != nil {
		return nil, err
	}
	return append(env, re...), nil
}

// Run executes restic and waits for it. A non-zero exit becomes an *Error;
// the Result is returned in every case where restic ran.
func (r *Runner) Run(ctx context.Context, c Call) (*Result, error) {
	if r.Binary == "" {
		return nil, &Error{Site: c.Repo.Site, Op: c.Op, Code: -1, Kind: ErrNotFound, Hint: installHint}
	}
	env, err := r.environ(c)
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			e.Op = c.Op
		}
		return nil, err
	}
	secrets := c.Repo.secrets()
	if c.From != nil {
		secrets = append(secrets, c.From.secrets()...)
	}

	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	cmd := exec.CommandContext(runCtx, r.Binary, append(optionArgs(c), c.Args...)...)
	cmd.Env = env
	cmd.Stdin = c.Stdin // nil means /dev/null: restic must never wait for a password on stdin
	cmd.SysProcAttr = proc.Attr()
	// Set when lifeboat stops restic because its backend is gone: restic's
	// SIGINT cleanup would retry removing its lock there for the grace.
	var hopeless atomic.Bool
	cmd.Cancel = func() error {
		if hopeless.Load() {
			return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		}
		// SIGINT lets restic remove its lock; the whole group goes so a
		// password_command or ssh child does not linger.
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
	}
	cmd.WaitDelay = r.Grace
	if cmd.WaitDelay == 0 {
		cmd.WaitDelay = 15 * time.Second
	}

	res := &Result{}
	var mu sync.Mutex
	var exitErr exitError
	var unreachable string // restic's retry message about an unreachable backend
	// restic retries a bucket that does not exist as if it were a network
	// error (minio's NoSuchBucket is not permanent to it), for 15 minutes:
	// it is a repository that does not exist, and no retry will make one.
	var noBucket string
	var gaveUp string  // why the outage limit stopped restic
	var refused string // the server refused the credentials (restic retries that too)
	keep := func(t string) {
		res.Stderr = append(res.Stderr, redact(t, secrets))
		if len(res.Stderr) > 40 {
			res.Stderr = res.Stderr[len(res.Stderr)-40:]
		}
	}
	began := time.Now()
	var outage *time.Timer // running while restic retries an unreachable backend
	var outageSince time.Time
	defer func() {
		mu.Lock()
		if outage != nil {
			outage.Stop()
		}
		mu.Unlock()
	}()
	retry := func(t string) {
		if r.OutageLimit > 0 && outage == nil && isUnreachable(strings.ToLower(t)) {
			outageSince = time.Now()
			var mine *time.Timer
			mine = time.AfterFunc(r.OutageLimit, func() {
				mu.Lock()
				defer mu.Unlock()
				if outage == mine {
					gaveUp = fmt.Sprintf("no answer for %s", time.Since(outageSince).Round(time.Second))
					hopeless.Store(true)
					stop()
				}
			})
			outage = mine
		}
		if noBucket == "" && isMissingBucket(strings.ToLower(t)) {
			noBucket = redact(t, secrets)
			stop()
		}
		if refused == "" && isRefusedCredentials(strings.ToLower(t)) {
			refused = redact(t, secrets)
			hopeless.Store(true) // its lock cannot be removed with these keys either
			stop()
		}
		if unreachable == "" && isUnreachable(strings.ToLower(t)) {
			unreachable = redact(t, secrets)
			if c.FailFast || c.FailFastWithin > time.Since(began) {
				stop()
			}
		}
		keep(t)
	}
	handle := func(stderr bool, line []byte) {
		mu.Lock()
		defer mu.Unlock()
		typ := messageType(line)
		switch typ {
		case "exit_error":
			exitErr.parse(line)
		case "error":
			msg := ErrorText(line)
			switch {
			case strings.Contains(msg, "retrying after"):
				// A backend retry notice (check --json prints them as
				// errors): transient, not an error in the repository.
				retry(msg)
			case msg != "":
				res.Errors = append(res.Errors, redact(msg, secrets))
			}
		case "":
			if stderr {
				t := strings.TrimSpace(string(line))
				if outage != nil && strings.Contains(t, "successful after") {
					// restic reached the backend again: the outage is over.
					outage.Stop()
					outage = nil
				}
				if strings.Contains(t, "retrying after") {
					retry(t)
				} else if t != "" {
					keep(t)
				}
			}
		}
		if r.OnMessage != nil {
			if t := MessageText(typ, line); t != "" {
				r.OnMessage(ctx, c.Repo.Site, redact(t, secrets))
			}
		}
		if c.OnLine != nil {
			c.OnLine(Line{Stderr: stderr, Type: typ, Raw: line})
		}
	}
	var stdout bytes.Buffer
	if c.Capture {
		cmd.Stdout = &stdout
	} else {
		cmd.Stdout = &lineWriter{fn: func(b []byte) { handle(false, b) }}
	}
	cmd.Stderr = &lineWriter{fn: func(b []byte) { handle(true, b) }}

	start := time.Now()
	runErr := cmd.Start()
	if runErr == nil {
		if c.OnStart != nil {
			c.OnStart(cmd.Process.Pid)
		}
		runErr = cmd.Wait()
	}
	res.Duration = time.Since(start)
	if cmd.Process != nil {
		// Anything left in restic's process group is ours to stop.
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	for _, w := range []io.Writer{cmd.Stdout, cmd.Stderr} {
		if lw, ok := w.(*lineWriter); ok {
			lw.flush()
		}
	}
	res.Stdout = stdout.Bytes()
	res.ExitCode = exitCode(runErr, cmd)

	inv := Invocation{Site: c.Repo.Site, Args: redactArgs(append([]string{"restic"}, cmd.Args[1:]...), secrets),
		Start: start, Duration: res.Duration, ExitCode: res.ExitCode}

	var outErr error
	switch {
	case runErr == nil:
	case ctx.Err() != nil:
		outErr = &Error{Site: c.Repo.Site, Op: c.Op, Code: res.ExitCode, Kind: ErrCancelled}
	case refused != "" && runCtx.Err() != nil:
		outErr = &Error{Site: c.Repo.Site, Op: c.Op, Code: res.ExitCode, Kind: ErrCredentials,
			Message: retryCause(refused), Hint: credentialsHint(c.Repo.Site)}
	case noBucket != "" && runCtx.Err() != nil:
		hint, do, _ := classify(10, "", c.Repo)
		outErr = &Error{Site: c.Repo.Site, Op: c.Op, Code: res.ExitCode, Kind: ErrRepoNotFound,
			Message: retryCause(noBucket), Hint: hint, Do: do}
	case unreachable != "" && runCtx.Err() != nil:
		msg := retryCause(unreachable)
		if gaveUp != "" {
			msg = gaveUp + ": " + msg
		}
		outErr = &Error{Site: c.Repo.Site, Op: c.Op, Code: res.ExitCode, Kind: ErrUnreachable,
			Message: msg, Hint: fmt.Sprintf("is the server of site %s up and reachable from here?", c.Repo.Site)}
	case res.ExitCode < 0:
		if errors.Is(runErr, exec.ErrNotFound) || errors.Is(runErr, os.ErrNotExist) {
			outErr = &Error{Site: c.Repo.Site, Op: c.Op, Code: -1, Kind: ErrNotFound,
				Message: r.Binary, Hint: installHint}
		} else {
			outErr = &Error{Site: c.Repo.Site, Op: c.Op, Code: -1, Kind: ErrFailed,
				Message: redact(runErr.Error(), secrets)}
		}
	default:
		msg := exitErr.Message
		if msg == "" {
			msg = strings.Join(lastN(res.Stderr, 3), "; ")
		}
		msg = cleanMessage(redact(msg, secrets))
		hint, do, kind := classify(res.ExitCode, msg+" "+strings.Join(res.Stderr, " ")+" "+strings.Join(res.Errors, " "), c.Repo)
		if len(res.Errors) > 0 && kind != ErrFailed && !strings.Contains(msg, res.Errors[0]) {
			// restic's summary ("There were 2 errors") says less than the first item.
			msg = res.Errors[0]
		}
		outErr = &Error{Site: c.Repo.Site, Op: c.Op, Code: res.ExitCode, Kind: kind, Message: msg, Hint: hint, Do: do}
	}
	if e, ok := outErr.(*Error); ok && r.Explain != nil {
		r.Explain(e)
	}
	if outErr != nil {
		inv.Err = outErr.Error()
	}
	if r.OnInvocation != nil {
		r.OnInvocation(inv)
	}
	return res, outErr
}

const installHint = "build the pinned restic with `make restic` (it lands in bin/ next to lifeboat), or set restic.binary in the config"

func exitCode(err error, cmd *exec.Cmd) int {
	if err == nil {
		return 0
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			if ws.Signal() == syscall.SIGINT || ws.Signal() == syscall.SIGTERM {
				return 130
			}
			return 128 + int(ws.Signal())
		}
		return ee.ExitCode()
	}
	if cmd.ProcessState != nil {
		return cmd.ProcessState.ExitCode()
	}
	return -1
}

func lastN(s []string, n int) []string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// retryCause keeps the cause of a line like "Load(<key/…>, 0, 0) returned
// error, retrying after 1s: Get "http://…": dial tcp …: connection refused".
func retryCause(line string) string {
	if i := strings.Index(line, "retrying after "); i >= 0 {
		if j := strings.Index(line[i:], ": "); j >= 0 {
			return strings.TrimSpace(line[i+j+2:])
		}
	}
	return line
}

// cleanMessage turns restic's fatal text into one line.
func cleanMessage(m string) string {
	m = strings.TrimSpace(m)
	m = strings.TrimPrefix(m, "Fatal: ")
	if i := strings.Index(m, "\n"); i >= 0 {
		first := strings.TrimSpace(m[:i])
		rest := strings.Fields(m[i:])
		if len(rest) > 0 && strings.HasPrefix(m[i:], "\nthe `unlock`") {
			return first
		}
		m = first
	}
	return m
}

// Find locates restic: the configured binary, then next to the running
// executable, then $PATH.
func Find(configured string) (string, error) {
	if configured != "" {
		if _, err := os.Stat(configured); err != nil {
			return "", &Error{Code: -1, Kind: ErrNotFound, Message: "restic.binary " + configured + " does not exist", Hint: installHint}
		}
		return configured, nil
	}
	if exe, err := os.Executable(); err == nil {
		cand := filepath.Join(filepath.Dir(exe), "restic")
		if st, err := os.Stat(cand); err == nil && !st.IsDir() {
			return cand, nil
		}
	}
	if p, err := exec.LookPath("restic"); err == nil {
		return p, nil
	}
	return "", &Error{Code: -1, Kind: ErrNotFound, Message: "not next to lifeboat nor on $PATH", Hint: installHint}
}

// optionArgs are the -o flags of a call. restic applies every -o to both
// repositories of a copy: the source's come first and the destination's
// win where both set one (config load refuses sites whose region or bucket
// lookup would clash).
func optionArgs(c Call) []string {
	opts := map[string]string{}
	if c.From != nil {
		for k, v := range c.From.Options {
			opts[k] = v
		}
	}
	for k, v := range c.Repo.Options {
		opts[k] = v
	}
	keys := make([]string, 0, len(opts))
	for k := range opts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []string
	for _, k := range keys {
		out = append(out, "-o", k+"="+opts[k])
	}
	return out
}
