package storage

import (
	"context"
	"testing"
)

func TestResticBinaryRemembered(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	if _, ok, err := s.KnownResticBinary(ctx, "/bin/restic", "1"); ok || err != nil {
		t.Fatalf("empty store: ok=%v err=%v", ok, err)
	}
	for _, v := range []string{`{"version":"0.18.0"}`, `{"version":"0.19.1"}`} {
		if err := s.RememberResticBinary(ctx, ResticBinary{Path: "/bin/restic", Stamp: v[12:18], Version: v}); err != nil {
			t.Fatal(err)
		}
	}
	b, ok, err := s.KnownResticBinary(ctx, "/bin/restic", "0.19.1")
	if err != nil || !ok || b.Version != `{"version":"0.19.1"}` || b.Checked.IsZero() {
		t.Fatalf("got %+v ok=%v err=%v", b, ok, err)
	}
	if _, ok, _ := s.KnownResticBinary(ctx, "/bin/restic", "0.18.0"); ok {
		t.Error("a changed stamp still matched")
	}
}
