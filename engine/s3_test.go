package engine_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/lifeboat-dr/lifeboat/internal/testenv"
)

// newS3Fixture is newFixture with dr on an S3 gateway (versitygw) and, with
// primaryOnS3, primary on another: the buckets do not exist yet.
func newS3Fixture(t *testing.T, primaryOnS3 bool, extraYAML string) *fixture {
	t.Helper()
	w := testenv.NewS3World(t, primaryOnS3, extraYAML)
	f := &fixture{t: t, dir: w.Dir, data: w.Data, pwFile: w.PwFile, cfgPath: w.CfgPath, world: w}
	f.open()
	return f
}

// An S3 site whose bucket does not exist yet: init creates bucket and
// repository at once, without waiting on restic's retries.
func TestS3InitCreatesBucket(t *testing.T) {
	t.Parallel()
	f := newS3Fixture(t, true, "")
	start := time.Now()
	res, err := f.eng.Init(context.Background(), nil)
	took := time.Since(start)
	if err != nil {
		t.Fatalf("init after %v: %v", took, err)
	}
	if len(res) != 2 || !res[0].Created || !res[1].Created {
		t.Fatalf("init results: %+v", res)
	}
	if took > 15*time.Second {
		t.Errorf("init of two new buckets took %v", took)
	}
	var a, b struct {
		Poly string `json:"chunker_polynomial"`
	}
	_ = json.Unmarshal(f.raw("primary", "cat", "config"), &a)
	_ = json.Unmarshal(f.raw("dr", "cat", "config"), &b)
	if a.Poly == "" || a.Poly != b.Poly {
		t.Fatalf("chunker polynomials differ: %q vs %q", a.Poly, b.Poly)
	}
	if res, err = f.eng.Init(context.Background(), nil); err != nil || res[0].Created || res[1].Created {
		t.Fatalf("second init: %+v %v", res, err)
	}
	t.Logf("init of two new buckets: %v", took)
}
