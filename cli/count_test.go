package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-dr/lifeboat/internal/testenv"
)

// countedWorld is world with lifeboat's restic behind a counter: every
// restic process a command starts is seen.
func countedWorld(t *testing.T, sets string) (func(args ...string) (int, string, string), string, *testenv.ResticCounter) {
	t.Helper()
	dir := t.TempDir()
	srv := testenv.StartRestServer(t)
	c := testenv.CountingRestic(t)
	pw := testenv.WritePassword(t, dir, "pass", testPassword)
	testenv.WriteFiles(t, filepath.Join(dir, "data"), map[string]string{
		"models/a.bin": strings.Repeat("A", 10000), "models/b.bin": "bee",
		"serving/router.yaml": "routes: []\n",
	})
	c.Sites[dir+"/primary"] = "primary"
	c.Sites[srv.URL("dr")] = "dr"
	cfg := fmt.Sprintf(`sites:
  - {name: primary, repository: %[1]s/primary, password_file: %[2]s, role: active}
  - {name: dr, repository: %[3]s, password_file: %[2]s, role: standby}
sets:
%[5]s
restic: {binary: %[4]s, cache_dir: %[1]s/cache}
drills: {scratch: %[1]s/scratch}
failover: {target: %[1]s/target}
`, dir, pw, srv.URL("dr"), c.Path, strings.ReplaceAll(sets, "DIR", dir))
	cfgPath := filepath.Join(dir, "lifeboat.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return lifeboatIn(t, cfgPath, dir), dir, c
}

// verbs are the calls as "site: subcommand" (the subcommand's first word,
// and its second for list), sorted: what a count test pins.
func verbs(c *testenv.ResticCounter, calls []testenv.Call) []string {
	var out []string
	for _, k := range calls {
		v := k.Args[0]
		if v == "list" && len(k.Args) > 1 {
			v += " " + k.Args[1]
		}
		if k.From != "" {
			v += " from " + c.Sites[k.From]
		}
		out = append(out, c.Sites[k.Repo]+": "+v)
	}
	slices.Sort(out)
	return out
}

// pinCount runs a command and holds the restic processes it starts to
// exactly want; the ledger's publications and reads are counted apart
// (they are the price of the ledger, not of the command) and logged.
func pinCount(t *testing.T, run func(args ...string) (int, string, string), c *testenv.ResticCounter, codes []int, want []string, args ...string) string {
	t.Helper()
	c.Reset(t)
	code, out, errs := run(args...)
	if !slices.Contains(codes, code) {
		t.Fatalf("%v: exit %d\n%s\n%s", args, code, out, errs)
	}
	own, ledger := testenv.Split(c.Calls(t))
	slices.Sort(want)
	if got := verbs(c, own); !slices.Equal(got, want) {
		t.Errorf("lifeboat %s started %d restic process(es), want %d:\n%s", strings.Join(args, " "), len(own), len(want), c.Describe(own))
	}
	t.Logf("lifeboat %s: %d restic process(es) %v; ledger apart: %d", strings.Join(args, " "), len(own), c.PerSite(own), len(ledger))
	return out
}

// TestProcessCounts pins how many restic processes each command starts
// when nothing is new since the last look (issue #17): every restic
// process pays a key derivation (0.5-0.7 s) before it does anything.
func TestProcessCounts(t *testing.T) {
	run, dir, c := countedWorld(t, `  - {name: models, paths: [DIR/data/models]}
  - {name: serving, paths: [DIR/data/serving]}`)
	runAll(t, run, [][]string{{"init"}, {"backup"}, {"replicate"}, {"snapshots"}})
	any := []int{0, 1, 2}

	// One listing, of the site asked for only; the other's "also at" is
	// the cache's, with the time it was listed.
	out := pinCount(t, run, c, []int{0}, []string{"primary: list snapshots"}, "snapshots", "--site", "primary", "--json")
	var snaps []snapshotJSON
	if err := json.Unmarshal([]byte(out), &snaps); err != nil || len(snaps) != 2 {
		t.Fatalf("snapshots --site primary: %v\n%s", err, out)
	}
	for _, sn := range snaps {
		if len(sn.AlsoAt) != 1 || sn.AlsoAt[0] != "dr" || sn.AlsoAtListed["dr"] == nil || time.Since(*sn.AlsoAtListed["dr"]) > time.Minute {
			t.Errorf("snapshot %s: also_at %v, also_at_listed %v: want dr with the time its cache was listed", sn.ShortID, sn.AlsoAt, sn.AlsoAtListed)
		}
	}
	_, text, _ := run("snapshots", "--site", "primary")
	if !strings.Contains(text, "ALSO AT from the cached catalog (not contacted): dr as listed") {
		t.Errorf("snapshots --site primary does not say where ALSO AT comes from:\n%s", text)
	}
	// Every site listed just now: no cache age to tell.
	if out := pinCount(t, run, c, []int{0}, []string{"primary: list snapshots", "dr: list snapshots"}, "snapshots", "--json"); strings.Contains(out, "also_at_listed") {
		t.Errorf("snapshots listed every site but still gives cache ages:\n%s", out)
	}
	// Locks need their own listing: restic lists one kind of file per process.
	pinCount(t, run, c, any, []string{"primary: list locks", "primary: list snapshots", "dr: list locks", "dr: list snapshots"}, "status")
	pinCount(t, run, c, []int{0}, []string{"primary: list snapshots", "dr: list snapshots"}, "replicate")
	pinCount(t, run, c, []int{0}, []string{"primary: backup"}, "backup", "--set", "models")
	// What the backup made is new: fetched once, then known.
	pinCount(t, run, c, []int{0}, []string{"primary: list snapshots", "primary: snapshots", "dr: list snapshots"}, "snapshots")
	pinCount(t, run, c, []int{0}, []string{"primary: list snapshots", "dr: list snapshots", "dr: copy from primary", "dr: list snapshots", "dr: snapshots"}, "replicate")
	pinCount(t, run, c, []int{0}, []string{"dr: list snapshots", "dr: restore"}, "restore", "--site", "dr", "--set", "models", "--target", filepath.Join(dir, "restored"))
	// Restore, compare with the snapshot's listing, check a subset of packs.
	pinCount(t, run, c, []int{0}, []string{"dr: list snapshots", "dr: restore", "dr: ls", "dr: check"}, "drill", "--set", "models")
}

// TestProcessCountsFailover pins a planned failover of one set: the
// minimum is 5 processes of work (last backup, copy, check --read-data of
// the recovery point, restore, ls to verify), one listing per site in the
// preflight, and a listing and fetch of what the run itself wrote at each
// site (the new snapshot and its copy): 11.
func TestProcessCountsFailover(t *testing.T) {
	run, _, c := countedWorld(t, `  - {name: models, paths: [DIR/data/models]}`)
	runAll(t, run, [][]string{{"init"}, {"backup"}, {"replicate"}, {"snapshots"}})
	pinCount(t, run, c, []int{0}, []string{
		"primary: list snapshots", "dr: list snapshots", // preflight
		"primary: backup", "primary: list snapshots", "primary: snapshots", // last backup, and what it made
		"dr: copy from primary", "dr: list snapshots", "dr: snapshots", // replication, and what it made
		"dr: check", "dr: restore", "dr: ls", // recovery point, restore, verify
	}, "failover", "--to", "dr", "--planned", "--confirm", "dr", "--yes")
}
