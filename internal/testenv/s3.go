package testenv

import (
	"crypto/rand"
	"encoding/hex"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// VersityGWBin is the pinned versitygw (an S3 gateway) built into bin/ by
// `make tools`.
func VersityGWBin(t testing.TB) string { return tool(t, "versitygw", "LIFEBOAT_TEST_VERSITYGW") }

// S3Gateway is a real S3 server for one site: versitygw on 127.0.0.1 with
// the posix backend over a temp dir, or, when LIFEBOAT_TEST_S3_ENDPOINT is
// set, that endpoint (credentials from LIFEBOAT_TEST_S3_ACCESS_KEY_ID and
// LIFEBOAT_TEST_S3_SECRET_ACCESS_KEY), which a test cannot stop.
type S3Gateway struct {
	t testing.TB
	// Endpoint is http://host:port (or https:// for an external one).
	Endpoint  string
	Addr      string // host:port
	AccessKey string
	SecretKey string
	Dir       string // the posix backend's root (empty for an external endpoint)
	external  bool
	bin       string
	daemon
}

// StartS3Gateway starts versitygw on a free port whose root account has
// the given keys; it is stopped when the test ends. With
// LIFEBOAT_TEST_S3_ENDPOINT set it returns that endpoint instead and the
// keys given are ignored.
func StartS3Gateway(t testing.TB, accessKey, secretKey string) *S3Gateway {
	t.Helper()
	if ep := os.Getenv("LIFEBOAT_TEST_S3_ENDPOINT"); ep != "" {
		g := &S3Gateway{t: t, Endpoint: strings.TrimSuffix(ep, "/"), external: true,
			AccessKey: os.Getenv("LIFEBOAT_TEST_S3_ACCESS_KEY_ID"), SecretKey: os.Getenv("LIFEBOAT_TEST_S3_SECRET_ACCESS_KEY")}
		if g.AccessKey == "" || g.SecretKey == "" {
			t.Fatal("LIFEBOAT_TEST_S3_ENDPOINT is set: set LIFEBOAT_TEST_S3_ACCESS_KEY_ID and LIFEBOAT_TEST_S3_SECRET_ACCESS_KEY too")
		}
		_, g.Addr, _ = strings.Cut(g.Endpoint, "://")
		return g
	}
	g := &S3Gateway{t: t, bin: VersityGWBin(t), Dir: t.TempDir(), Addr: FreeAddr(t),
		AccessKey: accessKey, SecretKey: secretKey}
	g.Endpoint = "http://" + g.Addr
	g.Start()
	t.Cleanup(g.Stop)
	return g
}

// FreeAddr is a free 127.0.0.1 port.
func FreeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// Bucket is a bucket name no other test uses (an external endpoint is
// shared); the bucket itself is not created.
func Bucket(t testing.TB, name string) string {
	t.Helper()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return "lb-" + name + "-" + hex.EncodeToString(b)
}

// URL is the restic repository string of prefix repo in bucket.
func (g *S3Gateway) URL(bucket, repo string) string {
	return "s3:" + g.Endpoint + "/" + bucket + "/" + repo
}

// Stoppable skips a test that must stop the server when it is external.
func (g *S3Gateway) Stoppable(t testing.TB) {
	t.Helper()
	if g.external {
		t.Skip("LIFEBOAT_TEST_S3_ENDPOINT is an external S3 endpoint: this test stops its server")
	}
}

// Start (re)starts versitygw on its port and waits until it answers. The
// root keys go in its environment, never its argv.
func (g *S3Gateway) Start() {
	g.t.Helper()
	if g.cmd != nil || g.external {
		return
	}
	cmd := exec.Command(g.bin, "--port", g.Addr, "--quiet", "posix", g.Dir)
	cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY_ID="+g.AccessKey, "ROOT_SECRET_ACCESS_KEY="+g.SecretKey)
	if said, up := g.serve(g.t, "versitygw", cmd, g.Endpoint+"/", 20*time.Second, 20*time.Millisecond); !up {
		g.t.Fatalf("versitygw on %s did not come up: %s", g.Addr, strings.Join(said, "\n"))
	}
}

// Stop kills the gateway: the site goes down.
func (g *S3Gateway) Stop() { g.stop() }
