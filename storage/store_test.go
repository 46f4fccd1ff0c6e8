package storage

import (
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-dr/lifeboat/internal/testenv"
)

func openTest(t *testing.T) *Store {
	t.Helper()
	s := openDir(t, t.TempDir())
	t.Cleanup(func() { s.Close() })
	return s
}

// openDir opens the store in dir; the test closes it.
func openDir(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// openFailsNaming opens dir, which must fail, and with an error that names
// path: an operator must be told which file is at fault.
func openFailsNaming(t *testing.T, dir, path, failure, label string) {
	t.Helper()
	s, err := Open(dir)
	if err == nil {
		s.Close()
		t.Fatal(failure)
	}
	if !strings.Contains(err.Error(), path) {
		t.Errorf("error %q does not name %s", err, path)
	}
	t.Logf("%s: %v", label, err)
}

// at is a fixed UTC time plus offset, for readable ordering tests.
func at(d time.Duration) time.Time {
	return time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC).Add(d)
}

func TestOpenCreatesPrivateDirAndFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state dir?#%", "nested")
	s := openDir(t, dir)
	defer s.Close()

	want := filepath.Join(dir, FileName)
	if s.Path() != want {
		t.Errorf("Path = %q, want %q", s.Path(), want)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o700 {
		t.Errorf("dir mode = %v, want 0700", fi.Mode().Perm())
	}
	fi, err = os.Stat(want)
	if err != nil {
		t.Fatalf("state file not at %s: %v", want, err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("file mode = %v, want 0600", fi.Mode().Perm())
	}

	ctx := context.Background()
	var mode string
	if err := s.db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if mode != "wal" {
		t.Errorf("journal_mode = %q, want wal", mode)
	}
	var fk, busy int
	if err := s.db.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil {
		t.Fatal(err)
	}
	if err := s.db.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&busy); err != nil {
		t.Fatal(err)
	}
	if fk != 1 || busy != 10000 {
		t.Errorf("foreign_keys = %d, busy_timeout = %d; want 1, 10000", fk, busy)
	}
	if err := s.IntegrityCheck(ctx); err != nil {
		t.Errorf("IntegrityCheck: %v", err)
	}
}

func TestOpenRelativeDirGivesAbsolutePath(t *testing.T) {
	t.Chdir(t.TempDir())
	s, err := Open("state")
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	if !filepath.IsAbs(s.Path()) || !strings.HasSuffix(s.Path(), filepath.Join("state", FileName)) {
		t.Errorf("Path = %q, want an absolute path ending in state/%s", s.Path(), FileName)
	}
}

func TestOpenEmptyDir(t *testing.T) {
	if _, err := Open(""); err == nil {
		t.Fatal("Open(\"\") succeeded")
	}
}

func TestOpenGarbageFileNamesPath(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	junk := make([]byte, 8192)
	if _, err := rand.Read(junk); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, junk, 0o600); err != nil {
		t.Fatal(err)
	}
	openFailsNaming(t, dir, path, "Open of a garbage file succeeded", "garbage file")
}

func TestOpenNonWritableFileNamesPath(t *testing.T) {
	// Root ignores file permissions: as root the test runs again in a
	// child without CAP_DAC_OVERRIDE.
	if testenv.RerunRespectingFilePermissions(t) {
		return
	}
	dir := t.TempDir()
	openDir(t, dir).Close()
	path := filepath.Join(dir, FileName)
	if err := os.Chmod(path, 0o400); err != nil {
		t.Fatal(err)
	}
	openFailsNaming(t, dir, path, "Open of a read-only file succeeded", "read-only file")

	// A writable file in a read-only directory: no room for the -wal file.
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(dir, 0o700)
	openFailsNaming(t, dir, path, "Open in a read-only directory succeeded", "read-only directory")
}

// Works as root too: a directory where the file should be cannot be opened.
func TestOpenUnopenableFileNamesPath(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	if err := os.Mkdir(path, 0o700); err != nil {
		t.Fatal(err)
	}
	openFailsNaming(t, dir, path, "Open succeeded with a directory in place of the state file", "directory as file")
}

func TestOpenDirIsAFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "notadir")
	if err := os.WriteFile(dir, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Open(dir)
	if err == nil {
		t.Fatal("Open succeeded with a file as the state directory")
	}
	if !strings.Contains(err.Error(), dir) {
		t.Errorf("error %q does not name %s", err, dir)
	}
}

func TestClosedStoreErrors(t *testing.T) {
	s := openDir(t, t.TempDir())
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AppendJournal(context.Background(), JournalEntry{Action: "x"}); err == nil {
		t.Error("AppendJournal on a closed store succeeded")
	}
}

func TestCancelledContext(t *testing.T) {
	s := openTest(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Journal(ctx, JournalQuery{}); err == nil {
		t.Error("Journal with a cancelled context succeeded")
	}
}
