package ledger

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Generation is one change of active site. Parent is the generation it
// replaced ("" for the first change after the config's roles); a
// resolution of a conflict also names every generation it ends.
type Generation struct {
	Active   string   `json:"active"` // the site made active
	From     string   `json:"from"`   // the site that was active before
	Parent   string   `json:"parent"` // record ID of the generation replaced
	Resolves []string `json:"resolves,omitempty"`
	RunID    string   `json:"run_id,omitempty"` // the failover that made the change
	Operator string   `json:"operator"`
	Reason   string   `json:"reason"` // failover, failback, resolve
}

// Gen is a generation with the record that carries it.
type Gen struct {
	Generation
	ID      string
	Bastion string
	At      time.Time
	// N counts the changes from the config's roles along the parent links:
	// 1 for the first failover.
	N int
}

// Generations lists every generation in the ledger, oldest first.
func (l *Ledger) Generations() ([]Gen, error) {
	var out []Gen
	for _, r := range l.Of(KindGeneration) {
		var g Generation
		if err := r.Decode(&g); err != nil {
			return nil, err
		}
		out = append(out, Gen{Generation: g, ID: r.ID, Bastion: r.Bastion, At: r.At})
	}
	byID := map[string]*Gen{}
	for i := range out {
		byID[out[i].ID] = &out[i]
	}
	for i := range out {
		out[i].N = depth(byID, &out[i], 0)
	}
	return out, nil
}

func depth(byID map[string]*Gen, g *Gen, guard int) int {
	p, ok := byID[g.Parent]
	if g.Parent == "" || !ok || guard > len(byID) {
		return 1
	}
	return depth(byID, p, guard+1) + 1
}

// Head is what the generations say together: the current generation, or a
// conflict between several (two bastions that switched during a partition).
type Head struct {
	// Current is the one generation nothing replaced; nil when the ledger
	// holds no generation (the config's roles hold) or on a conflict.
	Current *Gen
	// Conflict lists the generations nothing replaced when there are
	// several, oldest first.
	Conflict []Gen
}

// Conflicted says whether generations disagree.
func (h Head) Conflicted() bool { return len(h.Conflict) > 1 }

// ID names the head for fencing: a failover started on one head refuses to
// commit on another. "" is the config's roles.
func (h Head) ID() string {
	if h.Current != nil {
		return h.Current.ID
	}
	ids := make([]string, 0, len(h.Conflict))
	for _, g := range h.Conflict {
		ids = append(ids, g.ID)
	}
	return strings.Join(ids, "+")
}

func (h Head) String() string {
	switch {
	case h.Conflicted():
		parts := make([]string, 0, len(h.Conflict))
		for _, g := range h.Conflict {
			parts = append(parts, g.Describe())
		}
		return "conflict: " + strings.Join(parts, "; ")
	case h.Current != nil:
		return h.Current.Describe()
	}
	return "the config's roles (no change of active site recorded)"
}

// Describe names a generation for a person: who made which site active, when.
func (g Gen) Describe() string {
	return fmt.Sprintf("generation %d (%s) made %s active at %s (%s by %s on bastion %s)",
		g.N, Short(g.ID), g.Active, g.At.UTC().Format(time.RFC3339), g.Reason, g.Operator, Short(g.Bastion))
}

// HeadOf computes the head: the generations that no other names as its
// parent or resolves. Generations that made the same site active from the
// same parent are not a conflict in effect, but they are two histories all
// the same, so they are reported as one.
func (l *Ledger) HeadOf() (Head, error) {
	gens, err := l.Generations()
	if err != nil {
		return Head{}, err
	}
	replaced := map[string]bool{}
	for _, g := range gens {
		if g.Parent != "" {
			replaced[g.Parent] = true
		}
		for _, r := range g.Resolves {
			replaced[r] = true
		}
	}
	var leaves []Gen
	for _, g := range gens {
		if !replaced[g.ID] {
			leaves = append(leaves, g)
		}
	}
	slices.SortFunc(leaves, func(a, b Gen) int { return a.At.Compare(b.At) })
	switch len(leaves) {
	case 0:
		return Head{}, nil
	case 1:
		return Head{Current: &leaves[0]}, nil
	}
	return Head{Conflict: leaves}, nil
}
