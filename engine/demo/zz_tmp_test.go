package demo_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/lifeboat-dr/lifeboat/engine/demo"
	"github.com/lifeboat-dr/lifeboat/internal/testenv"
)

func TestTmpKeep(t *testing.T) {
	dir := os.Getenv("DEMO_KEEP")
	if dir == "" {
		t.Skip()
	}
	res, err := demo.Build(context.Background(), demo.Options{Dir: dir, Fresh: true, Now: time.Now(), ResticBinary: testenv.Restic(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(res.Took)
}
