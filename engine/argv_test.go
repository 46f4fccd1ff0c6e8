package engine_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-dr/lifeboat/engine"
	"github.com/lifeboat-dr/lifeboat/internal/testenv"
)

// While restic copies from a site whose password comes from
// password_command and whose backend credential is a ${VAR} in its env
// (the copy source: RESTIC_FROM_*), no process this test started — restic,
// the password command, anything under them — carries the password or the
// credential in its argv; nor do the journal or the events. The password
// command waits for the test, so the sample is taken while it runs.
func TestCopySourceSecretsNeverInArgv(t *testing.T) {
	const credential = "s3-Secret-Value-7Hq2-never-shown"
	t.Setenv("LIFEBOAT_TEST_S3_SECRET", credential) // no t.Parallel: the environment is the process's
	f := newFixture(t, "")
	running, release := filepath.Join(f.dir, "pwcmd-running"), filepath.Join(f.dir, "pwcmd-go")
	cfg, err := os.ReadFile(f.cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	old := "    password_file: " + f.pwFile + "\n    role: active\n"
	// Only under restic copy does the command wait: listings, init and
	// backups run it too.
	gate := filepath.Join(f.dir, "pwcmd.sh")
	testenv.WriteFiles(t, f.dir, map[string]string{"pwcmd.sh": fmt.Sprintf(`if tr '\0' ' ' </proc/$PPID/cmdline | grep -q ' copy '; then
  touch %s
  while [ ! -e %s ]; do sleep 0.05; done
fi
cat %s
`, running, release, f.pwFile)})
	cmd := "sh " + gate
	edited := strings.Replace(string(cfg), old, "    password_command: \""+cmd+"\"\n"+
		"    env: {AWS_SECRET_ACCESS_KEY: \"${LIFEBOAT_TEST_S3_SECRET}\"}\n    role: active\n", 1)
	if edited == string(cfg) {
		t.Fatal("the fixture's primary has no password_file to replace")
	}
	if err := os.WriteFile(f.cfgPath, []byte(edited), 0o600); err != nil {
		t.Fatal(err)
	}
	f.open()
	f.init()
	ctx := context.Background()
	if _, err := f.eng.Backup(ctx, engine.BackupRequest{Sets: []string{"serving"}}, nil); err != nil {
		t.Fatal(err)
	}

	var events []string
	done := make(chan error, 1)
	go func() {
		_, err := f.eng.Replicate(ctx, engine.ReplicateRequest{Sets: []string{"serving"}}, func(e engine.Event) {
			events = append(events, e.Message)
		})
		done <- err
	}()
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(20 * time.Millisecond) {
		if _, err := os.Stat(running); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the password command never ran")
		}
	}
	procs := testenv.Descendants(os.Getpid())
	var sawCopy, sawCommand bool
	for _, p := range procs {
		sawCopy = sawCopy || strings.Contains(p.Cmdline, " copy")
		sawCommand = sawCommand || strings.Contains(p.Cmdline, gate)
		for _, s := range []string{fixturePassword, credential} {
			if strings.Contains(p.Cmdline, s) {
				t.Errorf("a secret in the argv of pid %d: %q", p.PID, p.Cmdline)
			}
		}
	}
	testenv.WriteFiles(t, f.dir, map[string]string{"pwcmd-go": ""})
	if err := <-done; err != nil {
		t.Fatalf("replicate: %v", err)
	}
	if !sawCopy || !sawCommand {
		t.Fatalf("the sample missed restic copy (%v) or the password command (%v), it proves nothing: %v", sawCopy, sawCommand, procs)
	}
	all := strings.Join(events, "\n")
	for _, j := range f.journal() {
		all += "\n" + j.Args + " " + j.Detail
	}
	for _, s := range []string{fixturePassword, credential} {
		if strings.Contains(all, s) {
			t.Errorf("a secret in the journal or the events:\n%s", all)
		}
	}
}
