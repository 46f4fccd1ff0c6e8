package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/lifeboat-dr/lifeboat/engine/restic"
)

// sameRepository says whether sites a and b, both just listed into the
// catalog, are one restic repository; then id is its repository id.
//
// It costs no restic call in the usual case. A snapshot's id is the hash
// of its encrypted file, so two repositories share one only when one is
// the other (or a byte copy of it, which has the same repository id as
// well). Only when the listings share an id, or both are empty and so
// tell nothing, is restic asked for both repositories' ids (cat config,
// one key derivation each).
func (e *Engine) sameRepository(ctx context.Context, a, b string) (id string, same bool, err error) {
	ia, err := e.store.CachedSnapshotIDs(ctx, a)
	if err != nil {
		return "", false, err
	}
	ib, err := e.store.CachedSnapshotIDs(ctx, b)
	if err != nil {
		return "", false, err
	}
	suspect := len(ia) == 0 && len(ib) == 0
	for s := range ia {
		if _, ok := ib[s]; ok {
			suspect = true
			break
		}
	}
	if !suspect {
		return "", false, nil
	}
	var ids [2]string
	var errs [2]error
	var wg sync.WaitGroup
	for i, site := range []string{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ids[i], errs[i] = e.repositoryID(ctx, site)
		}()
	}
	wg.Wait()
	for i, site := range []string{a, b} {
		if errs[i] != nil {
			return "", false, fmt.Errorf("could not tell whether sites %s and %s are the same repository: site %s: %w", a, b, site, errs[i])
		}
	}
	return ids[0], ids[0] == ids[1], nil
}

// repositoryID is the id in a site's repository config (restic cat config).
func (e *Engine) repositoryID(ctx context.Context, site string) (string, error) {
	_, repo, err := e.siteRepo(site)
	if err != nil {
		return "", err
	}
	res, err := e.runner.Run(ctx, restic.Call{Repo: repo, Op: "cat config", Capture: true, FailFast: true,
		Args: []string{"cat", "config", "--no-lock", "--quiet"}})
	if err != nil {
		return "", err
	}
	var c struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(res.Stdout, &c); err != nil || c.ID == "" {
		return "", fmt.Errorf("site %s: cat config: unexpected output from restic (no repository id)", site)
	}
	return c.ID, nil
}

// sameRepositoryRefusal is why a drill or failover from active to site
// cannot go ahead when both are one repository.
func sameRepositoryRefusal(site, active, id string) string {
	return fmt.Sprintf("sites %s and %s are the same restic repository (id %s): a drill or failover between them proves nothing; point each site at its own repository",
		site, active, id)
}

// probeOK says whether probes hold an answer from site without an error.
func probeOK(probes []SiteProbe, site string) bool {
	for _, p := range probes {
		if p.Site == site {
			return p.Err == nil
		}
	}
	return false
}
