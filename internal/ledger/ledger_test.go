package ledger

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 12, 2, 6, 0, 0, 0, time.UTC)

// chain appends n journal records for bastion b after prev.
func chain(t *testing.T, b string, prev *Record, n int, at time.Time) []Record {
	t.Helper()
	var out []Record
	for i := 0; i < n; i++ {
		r, err := New(KindJournal, b, prev, at.Add(time.Duration(i)*time.Second), map[string]any{"action": "backup", "i": i})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
		prev = &out[len(out)-1]
	}
	return out
}

func gen(t *testing.T, b string, prev *Record, at time.Time, g Generation) Record {
	t.Helper()
	r, err := New(KindGeneration, b, prev, at, g)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRecordIDCoversEveryField(t *testing.T) {
	r := chain(t, "a", nil, 2, t0)[1]
	if err := Check(r); err != nil {
		t.Fatal(err)
	}
	changes := map[string]func(*Record){
		"body":    func(r *Record) { r.Body = json.RawMessage(`{"action":"forget"}`) },
		"kind":    func(r *Record) { r.Kind = KindReport },
		"bastion": func(r *Record) { r.Bastion = "b" },
		"seq":     func(r *Record) { r.Seq = 7 },
		"prev":    func(r *Record) { r.Prev = "" },
		"at":      func(r *Record) { r.At = r.At.Add(time.Nanosecond) },
	}
	for name, change := range changes {
		c := r
		change(&c)
		if err := Check(c); !errors.Is(err, ErrTampered) {
			t.Errorf("changing the %s: Check = %v, want ErrTampered", name, err)
		}
	}
	// Whitespace in the body is not content: the same record re-encoded
	// by another JSON writer keeps its ID.
	c := r
	var buf bytes.Buffer
	_ = json.Indent(&buf, r.Body, "", "  ")
	c.Body = buf.Bytes()
	if err := Check(c); err != nil {
		t.Errorf("re-indented body: %v", err)
	}
}

func TestUnionOfCopiesIsEveryRecordOnce(t *testing.T) {
	a := chain(t, "bastion-a", nil, 5, t0)
	b := chain(t, "bastion-b", nil, 3, t0.Add(time.Minute))
	var site1, site2 Ledger
	mustAdd(t, &site1, a[:3]...) // site 1 was down for a's last two
	mustAdd(t, &site1, b...)
	mustAdd(t, &site2, a...)
	var merged Ledger
	for _, l := range []*Ledger{&site1, &site2, &site1} {
		if _, err := merged.Union(l); err != nil {
			t.Fatal(err)
		}
	}
	if merged.Len() != 8 {
		t.Fatalf("union holds %d records, want 8", merged.Len())
	}
	holes, forks, broken := merged.Verify()
	if len(holes)+len(forks)+len(broken) != 0 {
		t.Fatalf("merged ledger: holes %v forks %v broken %v", holes, forks, broken)
	}
	holes, _, _ = site1.Verify()
	if len(holes) != 0 {
		t.Fatalf("a copy missing only the newest records has no hole, got %v", holes)
	}
	if h := site1.Heads()["bastion-a"]; h.Seq != 3 {
		t.Fatalf("site 1's head for bastion a is %d, want 3 (it is behind by 2)", h.Seq)
	}
	// A copy missing a middle record shows the hole.
	var gappy Ledger
	mustAdd(t, &gappy, a[0], a[3], a[4])
	holes, _, _ = gappy.Verify()
	if len(holes) != 1 || holes[0].From != 2 || holes[0].To != 3 {
		t.Fatalf("holes = %v, want records 2-3 of bastion-a", holes)
	}
}

func TestEncodeDecodeIsStableAndChecked(t *testing.T) {
	var l Ledger
	mustAdd(t, &l, chain(t, "b", nil, 3, t0)...)
	mustAdd(t, &l, chain(t, "a", nil, 3, t0)...)
	enc := l.Bytes()
	back, err := Decode(bytes.NewReader(enc))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(back.Bytes(), enc) {
		t.Fatal("decode then encode changed the bytes")
	}
	bad := strings.Replace(string(enc), `"i":1`, `"i":9`, 1)
	if _, err := Decode(strings.NewReader(bad)); !errors.Is(err, ErrTampered) {
		t.Fatalf("decoding a changed record: %v, want ErrTampered", err)
	}
}

func TestVerifyFindsForksAndBrokenLinks(t *testing.T) {
	a := chain(t, "a", nil, 2, t0)
	other, err := New(KindJournal, "a", &a[0], t0.Add(time.Hour), map[string]string{"x": "y"})
	if err != nil {
		t.Fatal(err)
	}
	var l Ledger
	mustAdd(t, &l, append(a, other)...)
	_, forks, _ := l.Verify()
	if len(forks) != 1 || forks[0].Seq != 2 {
		t.Fatalf("forks = %v, want one at sequence 2", forks)
	}
	// A record that claims to follow one it does not.
	liar := Record{Kind: KindJournal, Bastion: "a", Seq: 3, Prev: a[0].ID, At: t0.Add(2 * time.Hour), Body: json.RawMessage(`{}`)}
	liar.ID, _ = Hash(liar)
	var l2 Ledger
	mustAdd(t, &l2, a[0], a[1], liar)
	if _, _, broken := l2.Verify(); len(broken) != 1 {
		t.Fatalf("broken = %v, want one", broken)
	}
}

func TestHeadFollowsGenerationsAndSeesConflicts(t *testing.T) {
	var l Ledger
	h, err := l.HeadOf()
	if err != nil || h.Current != nil || h.Conflicted() || h.ID() != "" {
		t.Fatalf("empty ledger: head %+v, %v; want the config's roles", h, err)
	}
	g1 := gen(t, "a", nil, t0, Generation{Active: "dr", From: "primary", Reason: "failover", Operator: "ops"})
	mustAdd(t, &l, g1)
	g2 := gen(t, "b", nil, t0.Add(time.Hour), Generation{Active: "primary", From: "dr", Parent: g1.ID, Reason: "failback", Operator: "ops"})
	mustAdd(t, &l, g2)
	h, _ = l.HeadOf()
	if h.Current == nil || h.Current.ID != g2.ID || h.Current.N != 2 || h.Current.Active != "primary" {
		t.Fatalf("head = %+v, want generation 2 making primary active", h)
	}

	// A partition: bastion c never saw g2 and fails over from g1 too.
	g2c := gen(t, "c", nil, t0.Add(2*time.Hour), Generation{Active: "dr2", From: "dr", Parent: g1.ID, Reason: "failover", Operator: "night"})
	mustAdd(t, &l, g2c)
	h, _ = l.HeadOf()
	if !h.Conflicted() || len(h.Conflict) != 2 || h.Conflict[0].ID != g2.ID || h.Conflict[1].ID != g2c.ID {
		t.Fatalf("head = %+v, want a conflict of g2 and g2c", h)
	}
	if s := h.String(); !strings.Contains(s, "made primary active") || !strings.Contains(s, "made dr2 active") || !strings.Contains(s, "night") {
		t.Fatalf("conflict description %q does not name both records", s)
	}

	// The operator keeps dr2: a resolution replaces both.
	prev := g2c
	res := gen(t, "c", &prev, t0.Add(3*time.Hour), Generation{Active: "dr2", From: "dr2", Parent: g2c.ID, Resolves: []string{g2.ID, g2c.ID}, Reason: "resolve", Operator: "night"})
	mustAdd(t, &l, res)
	h, _ = l.HeadOf()
	if h.Conflicted() || h.Current == nil || h.Current.ID != res.ID || h.Current.Active != "dr2" || h.Current.N != 3 {
		t.Fatalf("after resolution head = %+v, want the resolution (generation 3, dr2)", h)
	}
}

func mustAdd(t *testing.T, l *Ledger, recs ...Record) {
	t.Helper()
	if _, err := l.Add(recs...); err != nil {
		t.Fatal(err)
	}
}
