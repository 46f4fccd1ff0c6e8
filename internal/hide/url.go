package hide

import (
	"net/url"
	"slices"
	"strings"
)

// URLHost keeps scheme://host of a URL: paths, queries and credentials of
// notification and probe URLs are often tokens.
func URLHost(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Scheme == "" {
		return "(unparsable URL)"
	}
	return u.Scheme + "://" + u.Host
}

// URLSecrets removes a URL's secrets (the whole URL, its credentials, path
// and query) from a message, typically an error that quotes the URL.
func URLSecrets(msg, raw string) string {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return msg
	}
	safe := URLHost(raw)
	msg = strings.ReplaceAll(msg, raw, safe)
	if u, err := url.Parse(raw); err == nil {
		var secrets []string
		if u.User != nil {
			secrets = append(secrets, u.User.String(), u.User.Username())
			if p, ok := u.User.Password(); ok {
				secrets = append(secrets, p)
			}
		}
		secrets = append(secrets, u.RawQuery, u.EscapedPath(), u.Path)
		secrets = append(secrets, strings.Split(u.Path, "/")...)
		for _, vs := range u.Query() {
			secrets = append(secrets, vs...)
		}
		// Longest first, so a part of a longer secret is not left behind.
		slices.SortFunc(secrets, func(a, b string) int { return len(b) - len(a) })
		for _, s := range secrets {
			if len(s) >= 4 && s != safe && !strings.Contains(safe, s) {
				msg = strings.ReplaceAll(msg, s, "***")
			}
		}
	}
	return msg
}

// CommandName is the first word of a shell command: its arguments may hold
// secrets, its name does not.
func CommandName(command string) string {
	if f := strings.Fields(command); len(f) > 0 {
		return f[0]
	}
	return command
}
