package cli

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lifeboat-dr/lifeboat/internal/testenv"
)

// A newcomer's day with both sites on S3, as docs/object-storage.md tells
// it: init on buckets that do not exist, backup, replicate, drill,
// failover. No key or secret ever reaches the screen.
func TestS3SitesFromTheDocs(t *testing.T) {
	t.Parallel()
	key, secret := testenv.S3Keys()
	prod, drgw := testenv.StartS3Gateway(t, key, secret), testenv.StartS3Gateway(t, key, secret)
	dir := t.TempDir()
	pw := testenv.WritePassword(t, dir, "pass", testPassword)
	testenv.WriteFiles(t, filepath.Join(dir, "data"), map[string]string{"models/a.bin": strings.Repeat("A", 10000), "models/b.bin": "bee"})
	cfg := fmt.Sprintf(`sites:
  - name: primary
    repository: %[1]s
    password_file: %[3]s
    role: active
%[5]s  - name: dr
    repository: %[2]s
    password_file: %[3]s
    role: standby
%[5]ssets:
  - {name: models, paths: [%[4]s/data/models]}
failover: {target: %[4]s/target}
restic: {binary: %[6]s, cache_dir: %[4]s/cache}
drills: {scratch: %[4]s/scratch}
`, prod.URL(testenv.Bucket(t, "prod"), "lifeboat"), drgw.URL(testenv.Bucket(t, "dr"), "lifeboat"), pw, dir, testenv.S3Env, testenv.Restic(t))
	cfgPath := filepath.Join(dir, "lifeboat.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"init"}, {"backup"}, {"replicate"}, {"drill", "--site", "dr"},
		{"failover", "--to", "dr", "--planned", "--confirm", "dr", "--yes"}, {"status"}} {
		var out, errb bytes.Buffer
		code := Main(append([]string{"--config", cfgPath, "--state", filepath.Join(dir, "state")}, args...), &out, &errb)
		shown := out.String() + errb.String()
		if strings.Contains(shown, secret) || strings.Contains(shown, testPassword) {
			t.Fatalf("lifeboat %v printed a secret:\n%s", args, shown)
		}
		if code != 0 && !(args[0] == "drill" && code == 1) && !(args[0] == "status" && code == 1) {
			t.Fatalf("lifeboat %v: exit %d\n%s", args, code, shown)
		}
	}
	if b, err := os.ReadFile(filepath.Join(dir, "target", "models", "b.bin")); err != nil || string(b) != "bee" {
		t.Fatalf("failover target: %q %v", b, err)
	}
}
