package storage

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

const (
	helperEnvDir = "LIFEBOAT_STORAGE_HELPER_DIR"
	helperEnvTag = "LIFEBOAT_STORAGE_HELPER_TAG"
	helperWrites = 200
)

// TestHelperProcess is not a real test: TestTwoProcessesAppend runs the test
// binary again with this test selected and the environment set, so that two
// separate processes write the same state file.
func TestHelperProcess(t *testing.T) {
	dir := os.Getenv(helperEnvDir)
	if dir == "" {
		t.Skip("only runs as a helper process")
	}
	tag := os.Getenv(helperEnvTag)

	// Barrier: announce readiness and wait for the sibling, so both open a
	// fresh file (racing on its creation and migration) and append together.
	ready := filepath.Join(dir, "..", "ready-"+tag)
	if err := os.WriteFile(ready, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		m, _ := filepath.Glob(filepath.Join(dir, "..", "ready-*"))
		if len(m) >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("sibling helper never got ready")
		}
		time.Sleep(2 * time.Millisecond)
	}

	s, err := Open(dir)
	if err != nil {
		t.Fatalf("helper %s: Open: %v", tag, err)
	}
	defer s.Close()
	ctx := context.Background()
	for i := 0; i < helperWrites; i++ {
		_, err := s.AppendJournal(ctx, JournalEntry{
			Operator: "helper-" + tag + "@test",
			Action:   "backup",
			Site:     "main",
			Args:     strconv.Itoa(i),
			Outcome:  "ok",
		})
		if err != nil {
			t.Fatalf("helper %s: append %d: %v", tag, i, err)
		}
	}
}

func TestTwoProcessesAppend(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	base := t.TempDir()
	dir := filepath.Join(base, "state")

	tags := []string{"a", "b"}
	outs := make([]bytes.Buffer, len(tags))
	errs := make([]error, len(tags))
	var wg sync.WaitGroup
	for i, tag := range tags {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), helperEnvDir+"="+dir, helperEnvTag+"="+tag)
		cmd.Stdout, cmd.Stderr = &outs[i], &outs[i]
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = cmd.Wait()
		}()
	}
	wg.Wait()
	for i, tag := range tags {
		if errs[i] != nil {
			t.Errorf("helper %s: %v\n%s", tag, errs[i], outs[i].String())
		}
	}
	if t.Failed() {
		return
	}

	s := openDir(t, dir)
	defer s.Close()
	ctx := context.Background()
	got, err := s.Journal(ctx, JournalQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2*helperWrites {
		t.Fatalf("journal has %d entries, want %d", len(got), 2*helperWrites)
	}
	per := map[string]int{}
	seen := map[string]bool{}
	switches := 0 // how often the writer changes in commit order: > 1 means the runs overlapped
	for i, e := range got {
		if i > 0 && e.Operator != got[i-1].Operator {
			switches++
		}
		per[e.Operator]++
		key := e.Operator + "/" + e.Args
		if seen[key] {
			t.Errorf("duplicate entry %s", key)
		}
		seen[key] = true
	}
	t.Logf("writers alternated %d times", switches)
	// Interleaved appends from two processes still form one chain.
	if chained, _, breaks, err := s.VerifyJournal(ctx); err != nil || chained != 2*helperWrites || len(breaks) > 0 {
		t.Errorf("journal chain after concurrent appends: %d chained, breaks %v, %v", chained, breaks, err)
	}
	for _, tag := range tags {
		if n := per["helper-"+tag+"@test"]; n != helperWrites {
			t.Errorf("helper %s wrote %d entries, want %d", tag, n, helperWrites)
		}
	}

	var res string
	if err := s.db.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&res); err != nil {
		t.Fatal(err)
	}
	if res != "ok" {
		t.Errorf("integrity_check = %q", res)
	}
	if v := readVersion(t, s); v != SchemaVersion() {
		t.Errorf("schema version = %d after concurrent first open", v)
	}
}

// Goroutines of one process, each with its own Store on the same file,
// mixing writes of every kind with reads.
func TestConcurrentStoresInOneProcess(t *testing.T) {
	dir := t.TempDir()
	const workers, n = 4, 50
	var wg sync.WaitGroup
	errc := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := Open(dir)
			if err != nil {
				errc <- err
				return
			}
			defer s.Close()
			ctx := context.Background()
			site := fmt.Sprintf("site%d", w)
			for i := 0; i < n; i++ {
				if _, err := s.AppendJournal(ctx, JournalEntry{Action: "x", Site: site}); err != nil {
					errc <- err
					return
				}
				if err := s.SyncSnapshots(ctx, site, []Snapshot{snap(id64(i), at(time.Duration(i)))}, nil, time.Time{}); err != nil {
					errc <- err
					return
				}
				if err := s.RecordSample(ctx, SiteSample{Site: site, Reachable: true}); err != nil {
					errc <- err
					return
				}
				if _, err := s.CachedSnapshots(ctx, site); err != nil {
					errc <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}

	s := openDir(t, dir)
	defer s.Close()
	got, err := s.Journal(context.Background(), JournalQuery{})
	if err != nil || len(got) != workers*n {
		t.Fatalf("journal = %d entries, %v; want %d", len(got), err, workers*n)
	}
	if err := s.IntegrityCheck(context.Background()); err != nil {
		t.Error(err)
	}
}
