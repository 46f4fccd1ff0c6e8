package cli

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// A failover run on one bastion is seen by a second bastion that shares
// only the config and the passwords: its first status names the new active
// site and generation, and `lifeboat ledger` says where the records came
// from.
func TestLedgerCarriesAFailoverToAnotherBastion(t *testing.T) {
	t.Parallel()
	w := newFoWorld(t)
	for _, args := range [][]string{{"init"}, {"backup"}, {"replicate"},
		{"failover", "--to", "dr", "--planned", "--confirm", "dr", "--yes"}} {
		if code, _, errs := w.run(t, args...); code != 0 {
			t.Fatalf("%v: %d %s", args, code, errs)
		}
	}
	b := *w
	b.state = filepath.Join(w.dir, "state-b")
	_, out, errs := b.run(t, "status", "--json")
	var st struct {
		ActiveSite       string          `json:"active_site"`
		ActiveGeneration int             `json:"active_generation"`
		Conflict         json.RawMessage `json:"conflict"`
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("status --json: %v\n%s\n%s", err, out, errs)
	}
	if st.ActiveSite != "dr" || st.ActiveGeneration != 1 || st.Conflict != nil {
		t.Fatalf("bastion b's first status: active %q generation %d conflict %s; want dr, 1, none", st.ActiveSite, st.ActiveGeneration, st.Conflict)
	}
	code, out, errs := b.run(t, "ledger", "--json")
	var h struct {
		Records    int    `json:"records"`
		FromOthers int    `json:"from_other_bastions"`
		Generation int    `json:"active_generation"`
		Head       string `json:"head"`
		Sites      []struct {
			Site   string `json:"site"`
			Behind int    `json:"behind"`
		} `json:"sites"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &h) != nil {
		t.Fatalf("ledger --json: %d %s %s", code, out, errs)
	}
	if h.FromOthers == 0 || h.Generation != 1 || !strings.Contains(h.Head, "made dr active") {
		t.Fatalf("bastion b's ledger: %+v; want records from bastion a and generation 1 making dr active", h)
	}
	for _, s := range h.Sites {
		if s.Behind != 0 {
			t.Fatalf("site %s is %d records behind after `lifeboat ledger` published", s.Site, s.Behind)
		}
	}
	// The table names the same.
	if code, out, _ := b.run(t, "ledger"); code != 0 || !strings.Contains(out, "made dr active") || !strings.Contains(out, "BEHIND") {
		t.Fatalf("ledger: %d\n%s", code, out)
	}
}

// A failover killed with SIGKILL on bastion a is resumed from bastion b,
// which has only the config, the passwords and the sites' ledgers: b
// finds the unfinished run, takes the recovery lock over from a's dead
// process and journals that, and finishes it; a then learns the outcome.
func TestFailoverKilledOnOneBastionIsResumedFromAnother(t *testing.T) {
	t.Parallel()
	w := newFoWorld(t)
	w.protect(t)
	state, out := w.child(t, []string{"LIFEBOAT_FAULT_KILL=failover:restore models"},
		"failover", "--to", "dr", "--planned", "--confirm", "dr", "--yes")
	if !killedBySIGKILL(state) {
		t.Fatalf("the failover was not killed after its restore: %v\n%s", state, out)
	}
	b := *w
	b.state = filepath.Join(w.dir, "state-b")
	code, out, errs := b.run(t, "failover", "--resume", "--confirm", "dr", "--yes", "--json")
	if code != 0 {
		t.Fatalf("resume on bastion b: %d\n%s\n%s", code, out, errs)
	}
	var rep struct {
		Outcome  string `json:"outcome"`
		Attempts int    `json:"attempts"`
		Passed   bool   `json:"passed"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.Outcome != "committed" || !rep.Passed || rep.Attempts < 2 {
		t.Fatalf("bastion b's report: %+v %v\n%s", rep, err, out)
	}
	_, j, _ := b.run(t, "journal", "--json", "--action", "failover")
	if !strings.Contains(j, "took over the recovery lock") {
		t.Fatalf("bastion b did not journal the takeover of a's lock:\n%s", j)
	}
	// Bastion a, back, sees what b did: the failover committed, dr active,
	// nothing left to resume.
	_, out, _ = w.run(t, "status", "--json")
	var st struct {
		ActiveSite       string          `json:"active_site"`
		ActiveGeneration int             `json:"active_generation"`
		LastFailover     json.RawMessage `json:"last_failover"`
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil || st.ActiveSite != "dr" || st.ActiveGeneration != 1 {
		t.Fatalf("bastion a after b's resume: %+v %v\n%s", st, err, out)
	}
	if code, out, errs := w.run(t, "failover", "--resume", "--confirm", "dr", "--yes"); code == 0 || !strings.Contains(out+errs, "ended") {
		t.Fatalf("a resume on bastion a after b finished the failover: %d\n%s\n%s", code, out, errs)
	}
}
