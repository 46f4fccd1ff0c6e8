package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func readVersion(t *testing.T, s *Store) int {
	t.Helper()
	var v, n int
	ctx := context.Background()
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM schema_version`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("schema_version has %d rows, want 1", n)
	}
	if err := s.db.QueryRowContext(ctx, `SELECT version FROM schema_version`).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestOpenTwiceIsIdempotent(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s := openDir(t, dir)
	if _, err := s.AppendJournal(ctx, JournalEntry{Action: "init"}); err != nil {
		t.Fatal(err)
	}
	if v := readVersion(t, s); v != SchemaVersion() {
		t.Errorf("version = %d, want %d", v, SchemaVersion())
	}
	s.Close()

	// Reopen twice: nothing is re-applied and the data is still there.
	for i := 0; i < 2; i++ {
		s, err := Open(dir)
		if err != nil {
			t.Fatalf("reopen %d: %v", i, err)
		}
		if v := readVersion(t, s); v != SchemaVersion() {
			t.Errorf("reopen %d: version = %d, want %d", i, v, SchemaVersion())
		}
		got, err := s.Journal(ctx, JournalQuery{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].Action != "init" {
			t.Errorf("reopen %d: journal = %+v", i, got)
		}
		s.Close()
	}
}

// Two handles in one process open the same file; both see one schema.
func TestOpenSameFileTwiceAtOnce(t *testing.T) {
	dir := t.TempDir()
	a := openDir(t, dir)
	defer a.Close()
	b := openDir(t, dir)
	defer b.Close()
	ctx := context.Background()
	if _, err := a.AppendJournal(ctx, JournalEntry{Action: "a"}); err != nil {
		t.Fatal(err)
	}
	got, err := b.Journal(ctx, JournalQuery{})
	if err != nil || len(got) != 1 {
		t.Fatalf("b sees %v, %v", got, err)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	dir := t.TempDir()
	s := openDir(t, dir)
	newer := SchemaVersion() + 3
	if _, err := s.db.ExecContext(context.Background(), `UPDATE schema_version SET version = ?`, newer); err != nil {
		t.Fatal(err)
	}
	path := s.Path()
	s.Close()

	_, err := Open(dir)
	if err == nil {
		t.Fatal("Open of a newer schema succeeded")
	}
	want := fmt.Sprintf("state file %s was written by a newer lifeboat (schema %d, this binary knows %d)",
		path, newer, SchemaVersion())
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error = %q, want it to contain %q", err, want)
	}
	var nse *NewerSchemaError
	if !errors.As(err, &nse) || nse.Found != newer || nse.Known != SchemaVersion() || nse.Path != path {
		t.Errorf("error is not a matching *NewerSchemaError: %#v", err)
	}
}

// An older file is brought forward by the migrations it lacks, in order.
func TestMigrationUpgrade(t *testing.T) {
	dir := t.TempDir()
	s := openDir(t, dir)
	ctx := context.Background()
	if _, err := s.AppendJournal(ctx, JournalEntry{Action: "before"}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	saved := migrations
	t.Cleanup(func() { migrations = saved })
	migrations = append(append([]string(nil), saved...),
		`CREATE TABLE extra (x INTEGER); INSERT INTO extra VALUES (1);`,
		`INSERT INTO extra SELECT x + 1 FROM extra;`,
	)

	s, err := Open(dir)
	if err != nil {
		t.Fatalf("Open with new migrations: %v", err)
	}
	defer s.Close()
	if v := readVersion(t, s); v != len(saved)+2 {
		t.Errorf("version = %d, want %d", v, len(saved)+2)
	}
	var sum int
	if err := s.db.QueryRowContext(ctx, `SELECT sum(x) FROM extra`).Scan(&sum); err != nil {
		t.Fatal(err)
	}
	if sum != 3 { // 1, then 2 from the second step: applied once each, in order
		t.Errorf("sum(extra.x) = %d, want 3", sum)
	}
	got, err := s.Journal(ctx, JournalQuery{})
	if err != nil || len(got) != 1 {
		t.Errorf("journal after upgrade = %v, %v", got, err)
	}
}

// A failing migration leaves the file at the last good version.
func TestMigrationFailureRollsBack(t *testing.T) {
	dir := t.TempDir()
	s := openDir(t, dir)
	s.Close()

	saved := migrations
	t.Cleanup(func() { migrations = saved })
	migrations = append(append([]string(nil), saved...),
		`CREATE TABLE half (x INTEGER); THIS IS NOT SQL;`)
	if s, err := Open(dir); err == nil {
		s.Close()
		t.Fatal("Open with a broken migration succeeded")
	} else if !strings.Contains(err.Error(), dir) {
		t.Errorf("error %q does not name the state file", err)
	}

	migrations = saved
	s = openDir(t, dir)
	defer s.Close()
	if v := readVersion(t, s); v != len(saved) {
		t.Errorf("version = %d, want %d", v, len(saved))
	}
	var n int
	if err := s.db.QueryRowContext(context.Background(),
		`SELECT count(*) FROM sqlite_master WHERE name = 'half'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Error("table from the failed migration survived")
	}
}
