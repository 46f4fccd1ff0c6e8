// Package hide hides the password a URL (a repository, a probe) may
// carry, wherever lifeboat shows one: on screen, in errors, in logs.
package hide

import "strings"

// URLPasswordAt finds the password of the first URL in s as it is written
// (percent-encoded or not): start and end index it in s; ok is false when
// there is none.
func URLPasswordAt(s string) (start, end int, ok bool) {
	i := strings.Index(s, "://")
	if i < 0 {
		return 0, 0, false
	}
	auth := s[i+3:]
	if j := strings.IndexAny(auth, "/?#\" \t\n"); j >= 0 {
		auth = auth[:j]
	}
	at := strings.LastIndexByte(auth, '@')
	colon := strings.IndexByte(auth, ':')
	if at < 0 || colon < 0 || colon > at {
		return 0, 0, false
	}
	return i + 3 + colon + 1, i + 3 + at, true
}

// URLPassword replaces the password of the URL in s by ***.
func URLPassword(s string) string {
	if start, end, ok := URLPasswordAt(s); ok {
		return s[:start] + "***" + s[end:]
	}
	return s
}
