// Package ledger is Lifeboat's record of truth: the changes of active site,
// the failover runs and their steps, the drill and failover reports and the
// journal, as content-addressed records that every bastion appends to and
// publishes into every site's repository. Merging the copies of several
// sites or bastions is a union; nothing in a record depends on where it is
// stored, so any bastion with the config and the passwords can rebuild what
// the others knew.
//
// The package knows nothing of restic, SQLite or the config: it is the
// records, their hashes and links, and what they say together (the active
// generation, a conflict). The engine stores, publishes and reads them.
package ledger

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Kind says what a record holds.
type Kind string

const (
	// KindGeneration is a change of active site (Generation).
	KindGeneration Kind = "generation"
	// KindRun is a failover run's header as it starts and ends.
	KindRun Kind = "run"
	// KindStep is one failover runbook step as it starts and ends.
	KindStep Kind = "step"
	// KindLock is a change of the recovery lock of a failover (taken,
	// renewed, taken over, released).
	KindLock Kind = "lock"
	// KindReport is a stored drill or failover report.
	KindReport Kind = "report"
	// KindJournal is one journal entry.
	KindJournal Kind = "journal"
)

// Record is one entry of the ledger. ID is the sha256 of everything else,
// so a record cannot change without changing its name; Prev links each
// record to the one its bastion wrote before it, so a copy that lost
// records shows the gap.
type Record struct {
	ID      string          `json:"id"`
	Kind    Kind            `json:"kind"`
	Bastion string          `json:"bastion"` // the state directory that wrote it (Bastion.ID)
	Seq     uint64          `json:"seq"`     // 1, 2, ... per bastion
	Prev    string          `json:"prev"`    // the bastion's record Seq-1, "" for Seq 1
	At      time.Time       `json:"at"`
	Body    json.RawMessage `json:"body"`
}

// hashed is the part of a record its ID covers, in a fixed field order.
type hashed struct {
	Kind    Kind            `json:"kind"`
	Bastion string          `json:"bastion"`
	Seq     uint64          `json:"seq"`
	Prev    string          `json:"prev"`
	At      string          `json:"at"`
	Body    json.RawMessage `json:"body"`
}

// ErrTampered is a record whose ID does not match its content.
var ErrTampered = errors.New("ledger record does not match its id")

// Hash computes a record's ID from its content.
func Hash(r Record) (string, error) {
	body, err := compact(r.Body)
	if err != nil {
		return "", err
	}
	b, err := json.Marshal(hashed{Kind: r.Kind, Bastion: r.Bastion, Seq: r.Seq, Prev: r.Prev,
		At: r.At.UTC().Format(time.RFC3339Nano), Body: body})
	if err != nil {
		return "", fmt.Errorf("ledger: encode record: %w", err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// Check verifies that r's ID is the hash of its content.
func Check(r Record) error {
	id, err := Hash(r)
	if err != nil {
		return err
	}
	if id != r.ID {
		return fmt.Errorf("%w: record %s (%s %d of bastion %s)", ErrTampered, Short(r.ID), r.Kind, r.Seq, r.Bastion)
	}
	return nil
}

// New makes the record that follows prev (nil for a bastion's first) with
// body marshalled as its content.
func New(kind Kind, bastion string, prev *Record, at time.Time, body any) (Record, error) {
	raw, err := json.Marshal(body)
	if err != nil {
		return Record{}, fmt.Errorf("ledger: encode %s record: %w", kind, err)
	}
	r := Record{Kind: kind, Bastion: bastion, Seq: 1, At: at.UTC(), Body: raw}
	if prev != nil {
		if prev.Bastion != bastion {
			return Record{}, fmt.Errorf("ledger: record of bastion %s cannot follow one of %s", bastion, prev.Bastion)
		}
		r.Seq, r.Prev = prev.Seq+1, prev.ID
	}
	if r.ID, err = Hash(r); err != nil {
		return Record{}, err
	}
	return r, nil
}

// Decode reads a record's body into v.
func (r Record) Decode(v any) error {
	if err := json.Unmarshal(r.Body, v); err != nil {
		return fmt.Errorf("ledger: %s record %s: %w", r.Kind, Short(r.ID), err)
	}
	return nil
}

// Short is the first 12 characters of an ID, as records are named to people.
func Short(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

func compact(b json.RawMessage) (json.RawMessage, error) {
	if len(b) == 0 {
		return json.RawMessage("null"), nil
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return nil, fmt.Errorf("ledger: record body is not JSON: %w", err)
	}
	return buf.Bytes(), nil
}
