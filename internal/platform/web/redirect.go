package web

import (
	"net/url"
	"strings"
)

// LocalPath returns p when it is a path on this site, else fallback. It is
// the one place that decides where a redirect taken from a request
// (login's next, the language switch, a form's back) may go. Browsers drop
// tabs and newlines from URLs and read a backslash as a slash, so
// "/\t/host" and "/\host" leave the site: any control character or
// backslash refuses the path, as does anything that parses with a scheme
// or a host.
func LocalPath(p, fallback string) string {
	if len(p) == 0 || p[0] != '/' || len(p) > 2048 {
		return fallback
	}
	for i := 0; i < len(p); i++ {
		if c := p[i]; c < 0x20 || c == 0x7f || c == '\\' {
			return fallback
		}
	}
	if strings.HasPrefix(p, "//") {
		return fallback
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return fallback
	}
	// A path that starts with encoded slashes is still local, but some
	// proxies decode it; refuse it rather than rely on them.
	if lp := strings.ToLower(p); strings.HasPrefix(lp, "/%2f") || strings.HasPrefix(lp, "/%5c") {
		return fallback
	}
	return p
}
