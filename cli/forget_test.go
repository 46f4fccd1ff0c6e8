package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lifeboat-dr/lifeboat/internal/testenv"
	"github.com/lifeboat-dr/lifeboat/storage"
)

// resticChild is the pid of a direct child of parent running `restic
// <sub>`, or 0. The program must be restic: a child forked but not yet
// exec'd still shows its parent's argv ("lifeboat forget --yes ..."), and
// killing then would stop lifeboat before its restic forget ever ran.
func resticChild(parent int, sub string) int {
	for _, p := range testenv.Children(parent) {
		args := strings.Fields(p.Cmdline)
		if len(args) > 1 && filepath.Base(args[0]) == "restic" && slices.Contains(args[1:], sub) {
			return p.PID
		}
	}
	return 0
}

// forgetWorld is the failover world with models kept to its last snapshot
// and three snapshots of it at primary, oldest first.
func forgetWorld(t *testing.T) (*foWorld, []string) {
	t.Helper()
	w := newFoWorld(t)
	// The fixture's set, with a retention that forgets all but the last.
	cfg, err := os.ReadFile(w.cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg = bytes.Replace(cfg, []byte("data/models]}"), []byte("data/models], retention: {keep_last: 1}}"), 1)
	if err := os.WriteFile(w.cfg, cfg, 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := w.run(t, "init"); code != 0 {
		t.Fatalf("init: %d %s", code, errs)
	}
	for i := 0; i < 3; i++ {
		testenv.WriteFiles(t, filepath.Join(w.dir, "data", "models"), map[string]string{
			fmt.Sprintf("gen-%d.bin", i): strings.Repeat(fmt.Sprintf("generation %d ", i), 4000)})
		if code, _, errs := w.run(t, "backup"); code != 0 {
			t.Fatalf("backup %d: %d %s", i, code, errs)
		}
	}
	snaps := setSnapshots(t, filepath.Join(w.dir, "primary"), filepath.Join(w.dir, "pass"))
	if len(snaps) != 3 {
		t.Fatalf("primary holds %d snapshots, want 3", len(snaps))
	}
	ids := make([]string, len(snaps))
	for i, s := range snaps {
		ids[i] = s.ID
	}
	return w, ids
}

// forgetKilledDuring is a forgetWorld whose `forget --yes` was killed with
// SIGKILL while its `restic <sub>` child ran (a parallel test; skipped
// without /proc to see that child).
func forgetKilledDuring(t *testing.T, sub string) (*foWorld, []string) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("needs /proc to see lifeboat's restic child")
	}
	t.Parallel()
	w, snaps := forgetWorld(t)
	killForgetAt(t, w, sub)
	return w, snaps
}

// killForgetAt runs `lifeboat forget --yes --site primary` as its own
// process and kills it with SIGKILL once its `restic <sub>` child runs.
func killForgetAt(t *testing.T, w *foWorld, sub string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "--config", w.cfg, "--state", w.state, "forget", "--yes", "--site", "primary")
	cmd.Env = append(os.Environ(), "LIFEBOAT_TEST_AS_MAIN=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	child := 0
	for child == 0 {
		select {
		case <-exited:
			t.Fatalf("lifeboat forget ended before its restic %s was seen:\n%s", sub, out.String())
		default:
		}
		if child = resticChild(cmd.Process.Pid, sub); child == 0 {
			time.Sleep(2 * time.Millisecond) // restic spends far longer on its key; spare the CPU
		}
	}
	if err := syscall.Kill(cmd.Process.Pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-exited
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("lifeboat forget was not killed during restic %s: %v\n%s", sub, cmd.ProcessState, out.String())
	}
}

// A `forget --yes` killed with SIGKILL while restic prunes leaves the
// forget journaled with what it removed, and the next `forget --yes`
// prunes although it forgets nothing new.
func TestForgetKilledDuringPruneIsFinished(t *testing.T) {
	w, snaps := forgetKilledDuring(t, "prune")

	st := openState(t, w.state)
	defer st.Close()
	ctx := context.Background()
	journal, err := st.Journal(ctx, storage.JournalQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var forgot *storage.JournalEntry
	for i, j := range journal {
		if j.Action == "forget" && j.Site == "primary" && j.Set == "models" {
			forgot = &journal[i]
		}
		if j.Action == "prune" {
			t.Errorf("a prune killed midway was journaled: %+v", j)
		}
	}
	if forgot == nil {
		t.Fatalf("the killed forget left no journal entry of what it removed: %+v", journal)
	}
	for _, id := range snaps[:2] { // keep_last 1 keeps the newest
		if !strings.Contains(forgot.Detail, id) {
			t.Errorf("journal entry of the forget %q does not name removed snapshot %s", forgot.Detail, id)
		}
	}

	// Nothing new to forget, but the prune is owed.
	code, stdout, errs := w.run(t, "forget", "--yes", "--site", "primary", "--json")
	if code != 0 {
		t.Fatalf("second forget: %d %s %s", code, stdout, errs)
	}
	var results []struct {
		Pruned bool `json:"pruned"`
	}
	if err := json.Unmarshal([]byte(stdout), &results); err != nil || len(results) != 1 || !results[0].Pruned {
		t.Errorf("second forget did not prune: %s (%v)", stdout, err)
	}
	invs, err := st.RecentInvocations(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	prunes := 0
	for _, inv := range invs {
		if len(inv.Args) > 1 && inv.Args[1] == "prune" && inv.ExitCode == 0 && inv.Error == "" {
			prunes++
		}
	}
	if prunes != 1 {
		t.Errorf("%d prune(s) finished, want the one the second forget ran", prunes)
	}
	if _, _, pending, err := st.PrunePending(ctx, "primary"); err != nil || pending {
		t.Errorf("prune still pending after it ran: %v %v", pending, err)
	}
}

// A `forget --yes` killed while restic forget itself runs may have removed
// snapshots without lifeboat learning which: the prune is owed all the
// same, so the next `forget --yes` prunes.
func TestForgetKilledDuringForgetOwesThePrune(t *testing.T) {
	w, _ := forgetKilledDuring(t, "forget")
	st := openState(t, w.state)
	defer st.Close()
	if _, _, pending, err := st.PrunePending(context.Background(), "primary"); err != nil || !pending {
		t.Fatalf("a forget killed while restic forget ran owes no prune: %v %v", pending, err)
	}
	code, stdout, errs := w.run(t, "forget", "--yes", "--site", "primary", "--json")
	var results []struct {
		Pruned bool `json:"pruned"`
	}
	if code != 0 || json.Unmarshal([]byte(stdout), &results) != nil || len(results) != 1 || !results[0].Pruned {
		t.Fatalf("the forget after the kill did not prune: %d %s %s", code, stdout, errs)
	}
}

// A child that is not restic is never taken for restic's forget, though
// its argv names it: a fork of lifeboat before its exec shows lifeboat's.
func TestResticChildIsRestic(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("needs /proc")
	}
	// sh with lifeboat's argv: `lifeboat.test -c 'sleep 5; true' forget`.
	cmd := exec.Command("/bin/sh")
	cmd.Args = []string{"lifeboat.test", "-c", "sleep 5; true", "forget"}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	deadline := time.Now().Add(5 * time.Second)
	for len(testenv.Children(os.Getpid())) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if pid := resticChild(os.Getpid(), "forget"); pid != 0 {
		t.Fatalf("pid %d, which is not restic, was taken for restic forget", pid)
	}
}
