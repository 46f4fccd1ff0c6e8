package storage

import (
	"context"
	"testing"
	"time"
)

func TestActiveSiteHistory(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()

	if name, since, ok, err := s.ActiveSite(ctx); err != nil || ok || name != "" || !since.IsZero() {
		t.Fatalf("ActiveSite on a new store = %q, %v, %v, %v", name, since, ok, err)
	}
	if err := s.SetActiveSite(ctx, "", "nothing"); err == nil {
		t.Error("SetActiveSite with an empty name succeeded")
	}

	steps := []struct{ name, reason string }{
		{"main", "initial"},
		{"offsite", "failover: main unreachable"},
		{"main", "failback"},
	}
	var last time.Time
	for _, st := range steps {
		before := time.Now().Add(-time.Millisecond)
		if err := s.SetActiveSite(ctx, st.name, st.reason); err != nil {
			t.Fatal(err)
		}
		name, since, ok, err := s.ActiveSite(ctx)
		if err != nil || !ok || name != st.name {
			t.Fatalf("after SetActiveSite(%q): %q, %v, %v", st.name, name, ok, err)
		}
		if since.Before(before) || since.Before(last) || since.Location() != time.UTC {
			t.Errorf("since %v: not now, not monotonic or not UTC", since)
		}
		last = since
	}

	// History is kept, in order, with reasons.
	rows, err := s.db.QueryContext(ctx, `SELECT name, reason FROM active_site ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	i := 0
	for rows.Next() {
		var name, reason string
		if err := rows.Scan(&name, &reason); err != nil {
			t.Fatal(err)
		}
		if i >= len(steps) || name != steps[i].name || reason != steps[i].reason {
			t.Errorf("history row %d = %q %q", i, name, reason)
		}
		i++
	}
	if i != len(steps) {
		t.Errorf("history has %d rows, want %d", i, len(steps))
	}
}
