package storage

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestJournalRoundTrip(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	in := JournalEntry{
		Time:     time.Date(2025, 3, 1, 12, 0, 0, 123456789, time.FixedZone("CET", 3600)),
		Operator: "alice@db1",
		Origin:   "203.0.113.7",
		Action:   "restore",
		Site:     "offsite",
		Set:      "postgres",
		Args:     "--target /srv/restore latest",
		Outcome:  "ok",
		Detail:   "restored 12 files\nsecond line",
	}
	id, err := s.AppendJournal(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if id <= 0 {
		t.Errorf("id = %d", id)
	}
	got, err := s.Journal(ctx, JournalQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("got %d entries", len(got))
	}
	want := in
	want.ID = id
	want.Time = in.Time.UTC()
	if got[0] != want {
		t.Errorf("got  %+v\nwant %+v", got[0], want)
	}
	if got[0].Time.Location() != time.UTC {
		t.Errorf("time not in UTC: %v", got[0].Time)
	}
}

func TestJournalZeroTimeIsNow(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	before := time.Now()
	if _, err := s.AppendJournal(ctx, JournalEntry{Action: "check"}); err != nil {
		t.Fatal(err)
	}
	after := time.Now()
	got, err := s.Journal(ctx, JournalQuery{})
	if err != nil || len(got) != 1 {
		t.Fatalf("%v %v", got, err)
	}
	if tm := got[0].Time; tm.Before(before.Truncate(time.Microsecond)) || tm.After(after) || tm.Location() != time.UTC {
		t.Errorf("time %v not in [%v, %v] UTC", tm, before, after)
	}
}

func TestJournalFiltersAndOrder(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	entries := []JournalEntry{
		{Time: at(0), Action: "backup", Site: "main", Outcome: "ok"},
		{Time: at(1 * time.Hour), Action: "replicate", Site: "offsite", Outcome: "ok"},
		{Time: at(2 * time.Hour), Action: "backup", Site: "offsite", Outcome: "failed"},
		{Time: at(3 * time.Hour), Action: "backup", Site: "main", Outcome: "warning"},
		{Time: at(3 * time.Hour), Action: "check", Site: "main", Outcome: "ok"}, // same time: id breaks the tie
		{Time: at(-time.Hour), Action: "init", Site: "main", Outcome: "ok"},     // appended late, older time
	}
	ids := make([]int64, len(entries))
	for i, e := range entries {
		id, err := s.AppendJournal(ctx, e)
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = id
	}

	cases := []struct {
		name string
		q    JournalQuery
		want []int // indexes into entries, in expected order
	}{
		{"all newest first", JournalQuery{}, []int{4, 3, 2, 1, 0, 5}},
		{"limit", JournalQuery{Limit: 2}, []int{4, 3}},
		{"since inclusive", JournalQuery{Since: at(2 * time.Hour)}, []int{4, 3, 2}},
		{"action", JournalQuery{Action: "backup"}, []int{3, 2, 0}},
		{"site", JournalQuery{Site: "offsite"}, []int{2, 1}},
		{"action and site", JournalQuery{Action: "backup", Site: "main"}, []int{3, 0}},
		{"all filters", JournalQuery{Action: "backup", Site: "main", Since: at(time.Minute), Limit: 5}, []int{3}},
		{"no match", JournalQuery{Action: "failover"}, nil},
	}
	for _, c := range cases {
		got, err := s.Journal(ctx, c.q)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var gotIDs, wantIDs []int64
		for _, e := range got {
			gotIDs = append(gotIDs, e.ID)
		}
		for _, i := range c.want {
			wantIDs = append(wantIDs, ids[i])
		}
		if len(gotIDs) != len(wantIDs) {
			t.Errorf("%s: ids %v, want %v", c.name, gotIDs, wantIDs)
			continue
		}
		for i := range gotIDs {
			if gotIDs[i] != wantIDs[i] {
				t.Errorf("%s: ids %v, want %v", c.name, gotIDs, wantIDs)
				break
			}
		}
	}
}

// The journal is a hash chain: an entry edited behind lifeboat's back, or
// one removed from the middle, is named by VerifyJournal.
func TestJournalChainShowsEditsAndRemovals(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	var ids []int64
	for i, action := range []string{"backup", "replicate", "forget", "restore", "drill"} {
		id, err := s.AppendJournal(ctx, JournalEntry{Operator: "alice@b", Action: action, Site: "dr",
			Outcome: "ok", Detail: "entry " + action, RunID: map[bool]string{true: "run-1"}[i == 4]})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if n, un, breaks, err := s.VerifyJournal(ctx); err != nil || n != 5 || un != 0 || len(breaks) != 0 {
		t.Fatalf("intact chain: %d chained, %d unchained, %v, %v", n, un, breaks, err)
	}
	if got, err := s.Journal(ctx, JournalQuery{RunID: "run-1"}); err != nil || len(got) != 1 || got[0].Action != "drill" {
		t.Fatalf("by run id: %+v %v", got, err)
	}

	if _, err := s.db.ExecContext(ctx, `UPDATE journal SET outcome = 'failed' WHERE id = ?`, ids[1]); err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM journal WHERE id = ?`, ids[3]); err != nil {
		t.Fatal(err)
	}
	_, _, breaks, err := s.VerifyJournal(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(breaks) != 2 || breaks[0].ID != ids[1] || !strings.Contains(breaks[0].Problem, "changed") ||
		breaks[1].ID != ids[4] || !strings.Contains(breaks[1].Problem, "missing") {
		t.Errorf("breaks = %+v, want the edited entry %d and the one after the removed entry (%d)", breaks, ids[1], ids[4])
	}
}
