package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/lifeboat-dr/lifeboat/internal/testenv"
)

// A file restic cannot read makes a partial snapshot: a warning naming the
// file and exit 1, never success. As root the backup runs without the
// capabilities that ignore file modes, so the file is unreadable for real.
func TestBackupOfUnreadableFileIsPartial(t *testing.T) {
	t.Parallel()
	w := newFoWorld(t)
	if code, _, errs := w.run(t, "init"); code != 0 {
		t.Fatalf("init: %d %s", code, errs)
	}
	secret := filepath.Join(w.dir, "data", "models", "locked.bin")
	if err := os.WriteFile(secret, []byte("nobody may read this"), 0o000); err != nil {
		t.Fatal(err)
	}
	argv := append(testenv.RespectingFilePermissions(t), os.Args[0], "--config", w.cfg, "--state", w.state, "backup", "--json")
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), "LIFEBOAT_TEST_AS_MAIN=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	_ = cmd.Run()
	if code := cmd.ProcessState.ExitCode(); code != 1 {
		t.Fatalf("backup with an unreadable file: exit %d, want 1\n%s\n%s", code, stdout.String(), stderr.String())
	}
	var res []struct {
		Outcome    string   `json:"outcome"`
		SnapshotID string   `json:"snapshot_id"`
		Unreadable []string `json:"unreadable"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil || len(res) != 1 {
		t.Fatalf("backup --json: %v\n%s", err, stdout.String())
	}
	if r := res[0]; r.Outcome != "warning" || r.SnapshotID == "" || len(r.Unreadable) == 0 || !strings.Contains(strings.Join(r.Unreadable, " "), "locked.bin") {
		t.Fatalf("partial backup result: %+v", r)
	}
	if !strings.Contains(stderr.String(), "locked.bin") {
		t.Errorf("stderr does not name the unreadable file:\n%s", stderr.String())
	}
	// The partial snapshot is there, the readable files in it.
	code, o, _ := w.run(t, "snapshots", "--json", "--site", "primary")
	var snaps []map[string]any
	if err := json.Unmarshal([]byte(o), &snaps); code != 0 || err != nil || len(snaps) != 1 || snaps[0]["id"] != res[0].SnapshotID {
		t.Fatalf("snapshots after a partial backup: %d %v %s", code, err, o)
	}
	_, o, _ = w.run(t, "journal", "--json", "--action", "backup")
	var j []journalLine
	_ = json.Unmarshal([]byte(o), &j)
	if len(j) == 0 || j[0].Outcome != "warning" || !strings.Contains(j[0].Detail, "partial") {
		t.Errorf("journal of a partial backup: %+v", j)
	}
}

// restore refuses a non-empty target without --overwrite and leaves it
// byte for byte as it was; with --overwrite real restic puts back every
// file of the snapshot, edited and deleted ones included.
func TestRestoreRefusedThenOverwrite(t *testing.T) {
	t.Parallel()
	w := protectedFoWorld(t)
	target := filepath.Join(w.dir, "restored")
	restore := []string{"restore", "--site", "dr", "--set", "models", "--target", target}
	if code, _, errs := w.run(t, restore...); code != 0 {
		t.Fatalf("restore: %d %s", code, errs)
	}
	data := testenv.Tree(t, filepath.Join(w.dir, "data", "models"))
	if got := testenv.Tree(t, target); !reflect.DeepEqual(got, data) {
		t.Fatalf("restored tree differs: %v vs %v", keys(got), keys(data))
	}
	// The operator's own changes in the target.
	testenv.WriteFiles(t, target, map[string]string{"a.bin": "edited by hand", "notes.txt": "mine"})
	if err := os.Remove(filepath.Join(target, "sub", "b.bin")); err != nil {
		t.Fatal(err)
	}
	before := testenv.Tree(t, target)
	code, _, errs := w.run(t, restore...)
	if code != 1 || !strings.Contains(errs, "--overwrite") || !strings.Contains(errs, target) {
		t.Fatalf("restore into a non-empty target: %d %s", code, errs)
	}
	if after := testenv.Tree(t, target); !reflect.DeepEqual(after, before) {
		t.Fatalf("a refused restore changed the target:\n before %v\n after %v", keys(before), keys(after))
	}

	if code, _, errs := w.run(t, append(restore, "--overwrite")...); code != 0 {
		t.Fatalf("restore --overwrite: %d %s", code, errs)
	}
	got := testenv.Tree(t, target)
	for name, content := range data {
		if got[name] != content {
			t.Errorf("after --overwrite %s holds %d bytes, the snapshot %d", name, len(got[name]), len(content))
		}
	}
	// Without --delete, what the snapshot does not hold stays.
	if got["notes.txt"] != "mine" {
		t.Errorf("restore --overwrite removed a file the snapshot does not hold: %v", keys(got))
	}
}

// restore --include of a path the snapshot does not hold restored nothing:
// exit 1, naming the path, never "ok: 0 files".
func TestRestoreIncludeMatchingNothingExits1(t *testing.T) {
	t.Parallel()
	run, dir, _ := world(t)
	runAll(t, run, [][]string{{"init"}, {"backup", "--set", "models"}})
	code, out, errs := run("restore", "--site", "primary", "--set", "models", "--target", dir+"/restored", "--include", "nope.bin")
	if code != 1 || !strings.Contains(errs, `"nope.bin" matched nothing`) || strings.HasPrefix(out, "ok") {
		t.Fatalf("restore of an include matching nothing: %d\n%s\n%s", code, out, errs)
	}
}
