package ledger

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Ledger is a set of records, keyed by ID. The zero value is empty and
// ready to use.
type Ledger struct {
	byID map[string]Record
}

// Add puts records into the ledger after checking each one's hash; a
// record already present is skipped. It returns how many were new.
func (l *Ledger) Add(recs ...Record) (int, error) {
	if l.byID == nil {
		l.byID = map[string]Record{}
	}
	n := 0
	for _, r := range recs {
		if _, ok := l.byID[r.ID]; ok {
			continue
		}
		if err := Check(r); err != nil {
			return n, err
		}
		l.byID[r.ID] = r
		n++
	}
	return n, nil
}

// Union adds every record of other; it is how the copies of several sites
// are merged.
func (l *Ledger) Union(other *Ledger) (int, error) {
	return l.Add(other.Records()...)
}

// Len is the number of records.
func (l *Ledger) Len() int { return len(l.byID) }

// Has says whether the record with this ID is present.
func (l *Ledger) Has(id string) bool {
	_, ok := l.byID[id]
	return ok
}

// Get returns the record with this ID.
func (l *Ledger) Get(id string) (Record, bool) {
	r, ok := l.byID[id]
	return r, ok
}

// Records returns every record in a fixed order: by time, then bastion and
// sequence, so two ledgers with the same records encode to the same bytes.
func (l *Ledger) Records() []Record {
	out := make([]Record, 0, len(l.byID))
	for _, r := range l.byID {
		out = append(out, r)
	}
	slices.SortFunc(out, compareRecords)
	return out
}

// Of returns the records of one kind, in Records order.
func (l *Ledger) Of(kind Kind) []Record {
	var out []Record
	for _, r := range l.Records() {
		if r.Kind == kind {
			out = append(out, r)
		}
	}
	return out
}

func compareRecords(a, b Record) int {
	if c := a.At.Compare(b.At); c != 0 {
		return c
	}
	if c := strings.Compare(a.Bastion, b.Bastion); c != 0 {
		return c
	}
	if a.Seq != b.Seq {
		if a.Seq < b.Seq {
			return -1
		}
		return 1
	}
	return strings.Compare(a.ID, b.ID)
}

// Heads returns each bastion's newest record.
func (l *Ledger) Heads() map[string]Record {
	heads := map[string]Record{}
	for _, r := range l.byID {
		if h, ok := heads[r.Bastion]; !ok || r.Seq > h.Seq {
			heads[r.Bastion] = r
		}
	}
	return heads
}

// Missing is a hole in one bastion's chain: records this copy never
// received (a site that was down while they were published), or removed.
type Missing struct {
	Bastion  string
	From, To uint64 // the sequence numbers absent, inclusive
}

func (m Missing) String() string {
	if m.From == m.To {
		return fmt.Sprintf("bastion %s: record %d is missing", m.Bastion, m.From)
	}
	return fmt.Sprintf("bastion %s: records %d-%d are missing", m.Bastion, m.From, m.To)
}

// Fork is two records of one bastion with the same sequence number: a
// bastion cannot write them, so one was made elsewhere.
type Fork struct {
	Bastion string
	Seq     uint64
	IDs     [2]string
}

func (f Fork) String() string {
	return fmt.Sprintf("bastion %s: two records claim sequence %d (%s, %s)", f.Bastion, f.Seq, Short(f.IDs[0]), Short(f.IDs[1]))
}

// Verify walks every bastion's chain: each record must name its
// predecessor's ID, sequences must not fork. Holes are returned apart,
// since a hole is a copy that is behind, not a copy that lies.
func (l *Ledger) Verify() (holes []Missing, forks []Fork, broken []string) {
	bySeq := map[string]map[uint64]Record{}
	for _, r := range l.Records() {
		m := bySeq[r.Bastion]
		if m == nil {
			m = map[uint64]Record{}
			bySeq[r.Bastion] = m
		}
		if o, ok := m[r.Seq]; ok {
			forks = append(forks, Fork{Bastion: r.Bastion, Seq: r.Seq, IDs: [2]string{o.ID, r.ID}})
			continue
		}
		m[r.Seq] = r
	}
	bastions := make([]string, 0, len(bySeq))
	for b := range bySeq {
		bastions = append(bastions, b)
	}
	slices.Sort(bastions)
	for _, b := range bastions {
		m := bySeq[b]
		var top uint64
		for s := range m {
			top = max(top, s)
		}
		var gapFrom uint64
		for s := uint64(1); s <= top; s++ {
			r, ok := m[s]
			if !ok {
				if gapFrom == 0 {
					gapFrom = s
				}
				continue
			}
			if gapFrom != 0 {
				holes = append(holes, Missing{Bastion: b, From: gapFrom, To: s - 1})
				gapFrom = 0
			}
			if p, ok := m[s-1]; ok && r.Prev != p.ID {
				broken = append(broken, fmt.Sprintf("bastion %s: record %d (%s) does not follow record %d (%s)", b, s, Short(r.ID), s-1, Short(p.ID)))
			}
			if s == 1 && r.Prev != "" {
				broken = append(broken, fmt.Sprintf("bastion %s: its first record (%s) names a predecessor", b, Short(r.ID)))
			}
		}
	}
	return holes, forks, broken
}

// Encode writes the ledger as JSON lines in Records order: the form
// published into a repository.
func (l *Ledger) Encode(w io.Writer) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	for _, r := range l.Records() {
		if err := enc.Encode(r); err != nil {
			return fmt.Errorf("ledger: encode: %w", err)
		}
	}
	return bw.Flush()
}

// Bytes is Encode into memory.
func (l *Ledger) Bytes() []byte {
	var b bytes.Buffer
	_ = l.Encode(&b) // a bytes.Buffer does not fail
	return b.Bytes()
}

// Decode reads JSON lines written by Encode, checking every record.
func Decode(r io.Reader) (*Ledger, error) {
	l := &Ledger{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 64*1024*1024)
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var rec Record
		if err := json.Unmarshal(b, &rec); err != nil {
			return nil, fmt.Errorf("ledger: line %d: %w", line, err)
		}
		if _, err := l.Add(rec); err != nil {
			return nil, fmt.Errorf("ledger: line %d: %w", line, err)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("ledger: read: %w", err)
	}
	return l, nil
}
