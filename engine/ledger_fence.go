package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/lifeboat-dr/lifeboat/internal/ledger"
)

// ErrGenerationMoved is a failover whose commit finds that another bastion
// changed the active site while it ran.
var ErrGenerationMoved = fmt.Errorf("the active site changed while this failover ran")

// commitGeneration is the fenced part of a failover's commit: it re-reads
// the ledgers of every reachable site, refuses on a conflict or when the
// active site moved under the run, records the new generation (once, even
// when the commit is resumed) and publishes it. It returns what the
// publication reached, for the step's detail.
func (e *Engine) commitGeneration(ctx context.Context, from, to, runID, reason string) (string, error) {
	if _, err := e.ReadLedgers(ctx, 0); err != nil {
		return "", err
	}
	head, err := e.LedgerHead(ctx)
	if err != nil {
		return "", err
	}
	if head.Conflicted() {
		return "", fmt.Errorf("%w: %s", ErrConflict, head)
	}
	if head.Current == nil || head.Current.RunID != runID {
		if head.Current != nil && head.Current.Active != from {
			return "", fmt.Errorf("%w: %s, not %s (the site this failover replaces); this failover must not commit",
				ErrGenerationMoved, head.Current.Describe(), from)
		}
		if _, err := e.recordGeneration(ctx, ledger.Generation{Active: to, From: from, RunID: runID, Reason: reason}); err != nil {
			return "", err
		}
		if err := e.followGenerations(ctx); err != nil {
			return "", err
		}
	}
	res := e.PublishLedger(ctx)
	// A background publication may have sent the generation already:
	// what counts is which sites hold the ledger as it stands now.
	return e.reachDetail(ctx, res), nil
}

// reachDetail says which sites hold the whole ledger as it stands and which
// do not (with why, from res or the last failure).
func (e *Engine) reachDetail(ctx context.Context, res []LedgerSiteResult) string {
	l, err := e.Ledger(ctx)
	if err != nil {
		return publishedDetail(res)
	}
	sum := sha256.Sum256(l.Bytes())
	hash := hex.EncodeToString(sum[:])
	state, err := e.store.LedgerSites(ctx)
	if err != nil {
		return publishedDetail(res)
	}
	var out []LedgerSiteResult
	for _, s := range e.cfg.Sites {
		if s.Offline {
			continue
		}
		r := LedgerSiteResult{Site: s.Name, Sent: state[s.Name].PublishedHash == hash}
		if !r.Sent {
			r.Err = errors.New("behind")
		}
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b LedgerSiteResult) int { return cmpStr(a.Site, b.Site) })
	return publishedDetail(out)
}

// publishedDetail says which sites received the ledger and which did not.
func publishedDetail(res []LedgerSiteResult) string {
	var sent, failed []string
	for _, r := range res {
		switch {
		case r.Err != nil:
			failed = append(failed, r.Site)
		case r.Sent:
			sent = append(sent, r.Site)
		}
	}
	var parts []string
	if len(sent) > 0 {
		parts = append(parts, "recorded in the ledger at "+strings.Join(sent, ", "))
	}
	if len(failed) > 0 {
		parts = append(parts, "not yet at "+strings.Join(failed, ", ")+" (unreachable: it receives the ledger when it is back)")
	}
	return strings.Join(parts, "; ")
}
