package testenv

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// S3 credential variables of the tests: a site's env refers to them as
// ${VAR}, as an operator's config would, and they are set once per test
// process (parallel tests cannot t.Setenv).
const (
	S3KeyVar    = "LIFEBOAT_TEST_SITE_KEY_ID"
	S3SecretVar = "LIFEBOAT_TEST_SITE_SECRET"
)

var s3Once sync.Once

// S3Keys returns the tests' S3 access key and secret (the secret is random
// per process, so that finding it anywhere is never a coincidence) and sets
// S3KeyVar and S3SecretVar to them. With LIFEBOAT_TEST_S3_ENDPOINT set they
// are that endpoint's keys.
func S3Keys() (key, secret string) {
	s3Once.Do(func() {
		key, secret = "lifeboat-test-key", "s3-secret-"+randomHex(12)
		if os.Getenv("LIFEBOAT_TEST_S3_ENDPOINT") != "" {
			key, secret = os.Getenv("LIFEBOAT_TEST_S3_ACCESS_KEY_ID"), os.Getenv("LIFEBOAT_TEST_S3_SECRET_ACCESS_KEY")
		}
		_ = os.Setenv(S3KeyVar, key)
		_ = os.Setenv(S3SecretVar, secret)
	})
	return os.Getenv(S3KeyVar), os.Getenv(S3SecretVar)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// S3Env is a site's env block (YAML, indented for a site) that gives restic
// the tests' S3 keys through ${VAR} references, and path-style buckets (a
// gateway on 127.0.0.1 has no DNS names for them).
const S3Env = "    env:\n      AWS_ACCESS_KEY_ID: ${" + S3KeyVar + "}\n      AWS_SECRET_ACCESS_KEY: ${" + S3SecretVar + "}\n" +
	"    options: {s3.bucket-lookup: path}\n"

// drS3Env is S3Env for a standby over a WAN: fewer connections.
const drS3Env = "    env:\n      AWS_ACCESS_KEY_ID: ${" + S3KeyVar + "}\n      AWS_SECRET_ACCESS_KEY: ${" + S3SecretVar + "}\n" +
	"    options: {s3.bucket-lookup: path, s3.connections: 2}\n"

// NewS3World is NewWorld with dr in a bucket of its own S3 gateway (Srv is
// nil) and, with primaryOnS3, primary in a bucket of another; the buckets do
// not exist yet; dr's options ask for 2 connections. Both gateways take the same keys (restic's copy opens both
// repositories with one set of backend credentials).
func NewS3World(t testing.TB, primaryOnS3 bool, extraYAML string) *World {
	t.Helper()
	key, secret := S3Keys()
	w := &World{Dir: t.TempDir()}
	primary, primaryEnv := filepath.Join(w.Dir, "primary"), ""
	if primaryOnS3 {
		w.PrimaryGW = StartS3Gateway(t, key, secret)
		primary, primaryEnv = w.PrimaryGW.URL(Bucket(t, "primary"), "lifeboat"), S3Env
	}
	w.DRGW = StartS3Gateway(t, key, secret)
	w.write(t, primary, primaryEnv, w.DRGW.URL(Bucket(t, "dr"), "lifeboat"), drS3Env, extraYAML)
	return w
}
