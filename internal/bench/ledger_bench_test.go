package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-dr/lifeboat/engine"
	"github.com/lifeboat-dr/lifeboat/engine/config"
	"github.com/lifeboat-dr/lifeboat/internal/testenv"
	"github.com/lifeboat-dr/lifeboat/storage"
)

// BenchmarkLedgerCost measures what publishing and reading the ledger adds
// to each operation (issue #9): restic processes and seconds per backup,
// drill and failover, apart from the operation's own, and the size of the
// ledger after 10,000 journal entries. `make bench` runs it after the
// comparison with raw restic.
func BenchmarkLedgerCost(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	pw := testenv.WritePassword(b, dir, "pass", "ledger-bench-pw")
	data := filepath.Join(dir, "data")
	testenv.WriteFiles(b, data, map[string]string{"a/one.bin": strings.Repeat("x", 1<<20), "a/two.txt": "two"})
	rest := testenv.StartRestServer(b)
	cfgPath := filepath.Join(dir, "lifeboat.yaml")
	yaml := fmt.Sprintf(`sites:
  - {name: primary, repository: %s, password_file: %s, role: active}
  - {name: dr, repository: %s, password_file: %s, role: standby}
sets:
  - {name: models, paths: [%s]}
drills: {scratch: %s}
failover: {target: %s}
restic: {cache_dir: %s}
`, filepath.Join(dir, "primary"), pw, rest.URL("dr"), pw, data, filepath.Join(dir, "scratch"), filepath.Join(dir, "target"), filepath.Join(dir, "cache"))
	if err := os.WriteFile(cfgPath, []byte(yaml), 0o600); err != nil {
		b.Fatal(err)
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		b.Fatal(err)
	}
	eng := openEngine(ctx, b, cfg, filepath.Join(dir, "state"))
	if _, err := eng.Init(ctx, nil); err != nil {
		b.Fatal(err)
	}
	if _, err := eng.Backup(ctx, engine.BackupRequest{}, nil); err != nil {
		b.Fatal(err)
	}
	if _, err := eng.Replicate(ctx, engine.ReplicateRequest{}, nil); err != nil {
		b.Fatal(err)
	}
	eng.PublishLedger(ctx)

	var lines []string
	var failoverLedger int
	// asCLI runs one operation as a command would: the ledgers read first,
	// the ledger published as it ends.
	asCLI := func(name string, op func() error) {
		_, before := eng.CommandLog().Recent()
		start := time.Now()
		if _, err := eng.ReadLedgers(ctx, 15*time.Second); err != nil {
			b.Fatal(err)
		}
		if err := op(); err != nil {
			b.Fatalf("%s: %v", name, err)
		}
		eng.PublishLedger(ctx)
		total := time.Since(start)
		invs, after := eng.CommandLog().Recent()
		invs = invs[:after-before] // newest first
		var own, ledgerN int
		var ledgerD time.Duration
		for _, inv := range invs {
			if isLedgerCall(inv.Args) {
				ledgerN++
				ledgerD += inv.Duration
			} else {
				own++
			}
		}
		lines = append(lines, fmt.Sprintf("%-22s %4d %9d %10s %10s", name, own, ledgerN, ledgerD.Round(10*time.Millisecond), total.Round(10*time.Millisecond)))
		if strings.HasPrefix(name, "failover") {
			failoverLedger = ledgerN
		}
	}
	asCLI("backup (1 set)", func() error {
		_, err := eng.Backup(ctx, engine.BackupRequest{}, nil)
		return err
	})
	asCLI("replicate (1 set)", func() error {
		_, err := eng.Replicate(ctx, engine.ReplicateRequest{}, nil)
		return err
	})
	asCLI("drill (1 set)", func() error {
		_, err := eng.Drill(ctx, engine.DrillRequest{}, nil)
		return err
	})
	var steps int
	asCLI("failover (planned)", func() error {
		rep, err := eng.Failover(ctx, engine.FailoverRequest{To: "dr", Mode: engine.FailoverPlanned, Confirm: "dr"}, nil)
		if rep != nil {
			steps = len(rep.Steps)
		}
		return err
	})

	// The ledger's size after 10,000 journal entries, and what one more
	// publication and a new bastion's first reading cost then.
	for i := 0; i < 10000; i++ {
		if err := eng.Journal(ctx, "backup", "primary", "models", "--set models", engine.OutcomeOK,
			fmt.Sprintf("snapshot %08x: 1 file new, 2 unchanged, 1.0 MiB added", i)); err != nil {
			b.Fatal(err)
		}
	}
	l, err := eng.Ledger(ctx)
	if err != nil {
		b.Fatal(err)
	}
	repoBefore := dirSize(filepath.Join(dir, "primary"))
	t0 := time.Now()
	eng.PublishLedger(ctx)
	publish := time.Since(t0)
	growth := dirSize(filepath.Join(dir, "primary")) - repoBefore
	// A new bastion: the same config, a state directory of its own.
	fresh := openEngine(ctx, b, cfg, filepath.Join(dir, "state-new"))
	t0 = time.Now()
	if _, err := fresh.ReadLedgers(ctx, 0); err != nil {
		b.Fatal(err)
	}
	read := time.Since(t0)
	fl, err := fresh.Ledger(ctx)
	if err != nil {
		b.Fatal(err)
	}

	fmt.Printf("\nLedger cost (issue #9), %s; machine: %s\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"), Machine(testenv.Restic(b)))
	fmt.Printf("%-22s %4s %9s %10s %10s\n", "operation", "own", "ledger", "ledger s", "total s")
	for _, line := range lines {
		fmt.Println(line)
	}
	fmt.Printf("(the failover ran %d steps: per step, %.1f ledger processes on average; they are the run's and the lock's publications, the steps' coalesced background publications, the commit's fenced re-read and publication, and the command's end)\n",
		steps, float64(failoverLedger)/float64(max(1, steps)))
	fmt.Printf("\nledger after 10,000 more journal entries: %d records, %.1f MiB encoded; one publication %s, growing the primary repository by %.2f MiB (restic compresses and deduplicates the unchanged part)\n",
		l.Len(), float64(len(l.Bytes()))/(1<<20), publish.Round(10*time.Millisecond), float64(growth)/(1<<20))
	fmt.Printf("a new bastion reads it from both sites in %s and holds %d records\n", read.Round(10*time.Millisecond), fl.Len())
}

// openEngine opens a store in stateDir (closed when the benchmark ends)
// and an engine over it and cfg, running the benchmark's restic.
func openEngine(ctx context.Context, b *testing.B, cfg *config.Config, stateDir string) *engine.Engine {
	b.Helper()
	st, err := storage.Open(stateDir)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	eng, err := engine.New(ctx, cfg, st, engine.Options{ResticBinary: testenv.Restic(b)})
	if err != nil {
		b.Fatal(err)
	}
	return eng
}

func isLedgerCall(args []string) bool {
	return slices.Contains(args, storage.LedgerTag) || (len(args) > 0 && args[0] == "dump")
}

func dirSize(dir string) int64 {
	var n int64
	_ = filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			n += fi.Size()
		}
		return nil
	})
	return n
}
