package restic

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/lifeboat-dr/lifeboat/internal/dr"
)

// Typed causes, matched with errors.Is. They come from restic's exit codes
// (see restic's cmd/restic/main.go) and from the text of its fatal errors.
var (
	ErrPartial       = errors.New("some source data could not be read")  // exit 3
	ErrRepoNotFound  = errors.New("repository does not exist")           // exit 10
	ErrLocked        = errors.New("repository is locked")                // exit 11
	ErrWrongPassword = errors.New("wrong password")                      // exit 12
	ErrCancelled     = errors.New("cancelled")                           // exit 130 or our context
	ErrUnreachable   = errors.New("repository is unreachable")           // network errors
	ErrDiskFull      = errors.New("no space left on device")             // ENOSPC anywhere
	ErrFailed        = errors.New("restic failed")                       // exit 1 and anything unknown
	ErrNotFound      = errors.New("restic binary not found")             // no binary
	ErrTooOld        = errors.New("restic is too old")                   // < MinVersion
	ErrNoPassword    = errors.New("password source gives no password")   // password_env unset
	ErrCredentials   = errors.New("the backend refused the credentials") // S3 InvalidAccessKeyId, SignatureDoesNotMatch
	ErrSignalled     = errors.New("restic was stopped by a signal")      // SIGTERM or SIGINT from outside lifeboat
)

// Error is a failed restic invocation, explained for an operator: which site,
// which operation, what went wrong and what to do about it.
type Error struct {
	Site    string
	Op      string
	Code    int    // restic's exit code, -1 when it did not run
	Kind    error  // one of the Err* values above
	Message string // restic's own message, secrets removed
	Hint    string // what the operator can do
	// Do is what lifeboat can do about it, for the front end to word.
	Do []dr.Remedy
	// Held, for a repository that does not exist, is how many snapshots the
	// catalog last saw there: a repository that held snapshots and is gone
	// is a mount or URL problem, never one to fix by creating a new one.
	Held int
}

func (e *Error) Error() string {
	if e.Kind == ErrRepoNotFound && e.Held > 0 {
		return fmt.Sprintf("repository missing at site %s (it held %d snapshots): check the mount or URL", e.Site, e.Held)
	}
	var b strings.Builder
	if e.Site != "" {
		fmt.Fprintf(&b, "site %s: ", e.Site)
	}
	if e.Op != "" {
		fmt.Fprintf(&b, "%s: ", e.Op)
	}
	// restic's own message often starts with the same words as the kind
	// ("repository does not exist: unable to open config file"): say them once.
	switch kind := e.Kind.Error(); {
	case e.Message == "" || strings.EqualFold(e.Message, kind):
		b.WriteString(kind)
	case len(e.Message) > len(kind) && strings.EqualFold(e.Message[:len(kind)], kind):
		b.WriteString(e.Message)
	default:
		fmt.Fprintf(&b, "%s: %s", kind, e.Message)
	}
	if e.Hint != "" {
		fmt.Fprintf(&b, " (%s)", e.Hint)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Kind }

// Remedies is what may be done about it: a repository that held snapshots
// and is gone is never one to create anew.
func (e *Error) Remedies() []dr.Remedy {
	if e.Kind == ErrRepoNotFound && e.Held > 0 {
		return nil
	}
	return e.Do
}

// classify maps an exit code and restic's message to a typed cause and a hint.
func classify(code int, msg string, repo Repo) (hint string, do []dr.Remedy, kind error) {
	lower := strings.ToLower(msg)
	switch {
	case strings.Contains(lower, "received, cleaning up"):
		// Checked first: restic stopped while it derived its key says
		// "wrong password", which would send the operator to a right one.
		return "something outside lifeboat stopped it (a shutdown, the OOM killer, a kill); run it again", nil, ErrSignalled
	case code == 3:
		return "the snapshot may be incomplete; see the listed items", nil, ErrPartial
	case code == 10:
		return "if it held backups, check its mount or URL first",
			[]dr.Remedy{{Act: dr.ActInit, Site: repo.Site, Effect: "creates it if site " + repo.Site + " is new"}}, ErrRepoNotFound
	case code == 11:
		return "another restic holds it; wait, or remove its stale locks",
			[]dr.Remedy{{Act: dr.ActUnlock, Site: repo.Site, Effect: "removes stale locks (never a live one)"}}, ErrLocked
	case code == 12:
		return fmt.Sprintf("check %s of site %s", repo.passwordSource(), repo.Site), nil, ErrWrongPassword
	case code == 130:
		return "", nil, ErrCancelled
	case strings.Contains(lower, "no space left on device"):
		return "free space at the destination and run it again", nil, ErrDiskFull
	case isRefusedCredentials(lower):
		return credentialsHint(repo.Site), nil, ErrCredentials
	case isUnreachable(lower):
		return fmt.Sprintf("is the server of site %s up and reachable from here?", repo.Site), nil, ErrUnreachable
	}
	return "", nil, ErrFailed
}

// unreachablePhrases are how Go's network stack words a server it cannot
// reach.
var unreachablePhrases = []string{"connection refused", "no such host", "i/o timeout", "network is unreachable",
	"no route to host", "connection reset", "tls handshake timeout", "server misbehaving"}

func isUnreachable(lower string) bool {
	return slices.ContainsFunc(unreachablePhrases, func(p string) bool { return strings.Contains(lower, p) })
}

// isMissingBucket recognises an S3 server's NoSuchBucket ("The specified
// bucket does not exist", the text AWS, minio and versitygw give).
func isMissingBucket(lower string) bool {
	return strings.Contains(lower, "specified bucket does not exist") || strings.Contains(lower, "nosuchbucket")
}

// isRefusedCredentials recognises an S3 server refusing a key or its
// secret (AWS, minio and versitygw wording): restic retries it as if it
// were transient, and no retry will fix it.
func isRefusedCredentials(lower string) bool {
	for _, m := range []string{"invalidaccesskeyid", "signaturedoesnotmatch", "access key id you provided does not exist",
		"provided access key id", "signature we calculated does not match"} {
		if strings.Contains(lower, m) {
			return true
		}
	}
	return false
}

func credentialsHint(site string) string {
	return fmt.Sprintf("check the backend credentials in the env of site %s (e.g. AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, and the variables they refer to)", site)
}
