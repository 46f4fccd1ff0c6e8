package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lifeboat-dr/lifeboat/engine/config"
	"github.com/lifeboat-dr/lifeboat/internal/ledger"
)

// ConflictGeneration is one side of a conflict, as `status --json` shows it.
type ConflictGeneration struct {
	ID       string    `json:"id"`
	N        int       `json:"generation"`
	Active   string    `json:"active"`
	From     string    `json:"from"`
	At       time.Time `json:"at"`
	Bastion  string    `json:"bastion"`
	Operator string    `json:"operator"`
	Reason   string    `json:"reason"`
	RunID    string    `json:"run_id,omitempty"`
}

// Conflict is two or more generations of active site that no later one
// replaces: bastions that switched during a partition. Until an operator
// resolves it, backups, replication, retention and failovers refuse.
type Conflict struct {
	Generations []ConflictGeneration `json:"generations"`
	Detail      string               `json:"detail"`
}

// Sites are the sites the conflicting generations made active.
func (c *Conflict) Sites() []string {
	var out []string
	for _, g := range c.Generations {
		if !slices.Contains(out, g.Active) {
			out = append(out, g.Active)
		}
	}
	return out
}

func conflictOf(head ledger.Head) *Conflict {
	if !head.Conflicted() {
		return nil
	}
	c := &Conflict{Detail: head.String()}
	for _, g := range head.Conflict {
		c.Generations = append(c.Generations, ConflictGeneration{ID: g.ID, N: g.N, Active: g.Active, From: g.From,
			At: g.At, Bastion: g.Bastion, Operator: g.Operator, Reason: g.Reason, RunID: g.RunID})
	}
	return c
}

// Conflict returns the ledger's conflict of active sites, nil when there
// is none (as far as this bastion has read).
func (e *Engine) Conflict(ctx context.Context) (*Conflict, error) {
	head, err := e.LedgerHead(ctx)
	if err != nil {
		return nil, err
	}
	return conflictOf(head), nil
}

// ActiveGeneration is the number of the current generation of active site:
// 0 while the config's roles hold (or on a conflict).
func (e *Engine) ActiveGeneration(ctx context.Context) (int, error) {
	head, err := e.LedgerHead(ctx)
	if err != nil || head.Current == nil {
		return 0, err
	}
	return head.Current.N, nil
}

// refuseOnConflict stops an action that writes to the active site or
// depends on which site it is while the ledger holds a conflict: doing it
// would write to a site that may not be the one production uses.
func (e *Engine) refuseOnConflict(ctx context.Context, action string) error {
	c, err := e.Conflict(ctx)
	if err != nil {
		return fmt.Errorf("%s: reading the ledger: %w", action, err)
	}
	if c == nil {
		return nil
	}
	err = fmt.Errorf("%s refused: %w (%s): resolve it first, naming the site that stays active", action, ErrConflict, c.Detail)
	_ = e.Journal(ctx, action, "", "", "", OutcomeRefused, err.Error())
	return err
}

// setsToChange resolves the sets an action that writes to a site acts on,
// after refusing it read-only (Permit) or on a conflict of active sites.
func (e *Engine) setsToChange(ctx context.Context, action string, names []string) ([]*config.Set, error) {
	if err := e.Permit(ctx, action); err != nil {
		return nil, err
	}
	if err := e.refuseOnConflict(ctx, action); err != nil {
		return nil, err
	}
	return e.sets(names)
}

// ErrNoConflict is a resolution asked for when the ledger holds no conflict.
var ErrNoConflict = errors.New("the ledger holds no conflict of active sites")

// ResolveConflict ends a conflict: keep stays (or becomes) the active site,
// as a new generation that replaces every conflicting one, recorded in the
// ledger of every reachable site. confirm must equal keep.
func (e *Engine) ResolveConflict(ctx context.Context, keep, confirm string) (string, error) {
	if err := e.Permit(ctx, "resolve"); err != nil {
		return "", err
	}
	if confirm != keep {
		return "", fmt.Errorf("the confirmation %q does not match the site to keep %q: type the name of the site that stays active", confirm, keep)
	}
	if _, err := e.site(keep); err != nil {
		return "", err
	}
	if _, err := e.ReadLedgers(ctx, 0); err != nil {
		return "", err
	}
	head, err := e.LedgerHead(ctx)
	if err != nil {
		return "", err
	}
	c := conflictOf(head)
	if c == nil {
		return "", ErrNoConflict
	}
	if !slices.Contains(c.Sites(), keep) {
		return "", fmt.Errorf("site %s is not one the conflicting generations made active (%s): keep one of those",
			keep, strings.Join(c.Sites(), ", "))
	}
	g := ledger.Generation{Active: keep, Reason: "resolve", Operator: e.operator.String()}
	for _, side := range head.Conflict {
		g.Resolves = append(g.Resolves, side.ID)
		if side.Active == keep && g.Parent == "" {
			g.Parent, g.From = side.ID, side.Active
		}
	}
	if _, err := e.appendLedger(ctx, ledger.KindGeneration, g); err != nil {
		return "", err
	}
	if err := e.followGenerations(ctx); err != nil {
		return "", err
	}
	detail := fmt.Sprintf("%s stays the active site; resolved %s", keep, c.Detail)
	_ = e.Journal(ctx, "resolve", keep, "", argString("--keep", keep, "--confirm", keep), OutcomeOK, detail)
	if pub := publishedDetail(e.PublishLedger(ctx)); pub != "" {
		detail += "; " + pub
	}
	return detail, nil
}

// ledgerFresh is how old the catalog's listing may be for the ledger to be
// read from it (status has just listed every site).
const ledgerFresh = 15 * time.Second

// ledgerStatus reads the ledgers (from the listings a probing status has
// just made; a cached status reads nothing) and puts the active
// generation, and any conflict, into the status.
func (e *Engine) ledgerStatus(ctx context.Context, st *Status, probe bool, problem func(Level, string, string, string, ...any) *Problem) error {
	if probe {
		if _, err := e.ReadLedgers(ctx, ledgerFresh); err != nil {
			problem(LevelCritical, "", "", "the ledger could not be read: %v", err)
		}
		active, fromStore, err := e.ActiveSite(ctx)
		if err != nil {
			return err
		}
		st.ActiveSite, st.ActiveFrom = active, "config"
		if fromStore {
			st.ActiveFrom = "failover"
		}
	}
	head, err := e.LedgerHead(ctx)
	if err != nil {
		problem(LevelCritical, "", "", "the local ledger is unreadable: %v", err)
		return nil
	}
	if head.Current != nil {
		st.ActiveGeneration = head.Current.N
	}
	if c := conflictOf(head); c != nil {
		st.Conflict = c
		problem(LevelCritical, "", "", "split brain: %s; backups, replication, retention and failovers refuse until it is resolved, naming the site that stays active",
			c.Detail)
	}
	return nil
}
