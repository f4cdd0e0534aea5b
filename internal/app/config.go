// Package app wires the modules into one program: configuration, the
// command line, the HTTP server and the demo.
package app

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"grassroots/internal/city"
	"grassroots/internal/platform/pii"
)

// Config is every setting, from flags with GRASSROOTS_* environment
// variables as fallback.
type Config struct {
	DB             string
	Addr           string
	DataKey        string
	SessionIdle    time.Duration
	SessionMax     time.Duration
	SecureCookies  bool
	TLSCert        string
	TLSKey         string
	TrustProxy     bool
	LogFormat      string
	LogLevel       string
	TileProvider   string // map tiles: none, tianditu, amap or xyz (see tiles)
	TileKey        string // the provider's key (天地图's tk)
	TileURL        string // the xyz template, or a mirror of the provider's
	RequestTimeout time.Duration
	ShutdownWait   time.Duration
	// ChangePoll is how often the instance reads the change feed, which
	// brings in the writes of other instances on the same database.
	ChangePoll time.Duration
	// MetricsAddr serves /metrics on a separate (internal) address;
	// MetricsToken lets /metrics on the main address answer a scraper that
	// sends it as a bearer token. Without either, /metrics is not served.
	MetricsAddr  string
	MetricsToken string
	// PublicURL is the site's address as the public reaches it, for links
	// that leave the site (Open311 discovery); not taken from the Host header.
	// The city profile stores one too (`grassroots city set -public-url`);
	// this flag, when given, overrides it on this instance, so that an
	// operator can move the site behind a new proxy without a database
	// change. Empty: the profile's.
	PublicURL string
	// Demo is set by `grassroots demo` (never by a flag or the
	// environment): the login page then lists the demo accounts with
	// their shared password.
	Demo bool
}

// bindConfig registers the shared flags on fs, with defaults taken from
// the environment where set.
func bindConfig(fs *flag.FlagSet, c *Config, getenv func(string) string, defaultDB string) {
	str := func(p *string, name, def, usage string) {
		env := "GRASSROOTS_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
		if v := getenv(env); v != "" {
			def = v
		}
		fs.StringVar(p, name, def, usage+" (env "+env+")")
	}
	dur := func(p *time.Duration, name string, def time.Duration, usage string) {
		env := "GRASSROOTS_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
		if v := getenv(env); v != "" {
			if d, err := time.ParseDuration(v); err == nil {
				def = d
			}
		}
		fs.DurationVar(p, name, def, usage+" (env "+env+")")
	}
	boolean := func(p *bool, name string, usage string) {
		env := "GRASSROOTS_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
		v := getenv(env)
		fs.BoolVar(p, name, v == "1" || v == "true", usage+" (env "+env+")")
	}
	str(&c.DB, "db", defaultDB, "database URL: sqlite:FILE or postgres://…")
	str(&c.Addr, "addr", "127.0.0.1:8080", "listen address")
	str(&c.DataKey, "data-key", "", "personal-data keyring id:base64[,id:base64…]; default: a key file beside the SQLite database")
	dur(&c.SessionIdle, "session-idle", 30*time.Minute, "sign out after this long idle")
	dur(&c.SessionMax, "session-max", 12*time.Hour, "sign out after this long in any case")
	boolean(&c.SecureCookies, "secure-cookies", "mark cookies Secure (set when TLS ends at a proxy)")
	str(&c.TLSCert, "tls-cert", "", "TLS certificate file (serve HTTPS)")
	str(&c.TLSKey, "tls-key", "", "TLS key file")
	boolean(&c.TrustProxy, "trust-proxy", "take the client address from X-Forwarded-For")
	str(&c.LogFormat, "log-format", "text", "log format: text or json")
	str(&c.LogLevel, "log-level", "info", "log level: debug, info, warn, error")
	str(&c.TileProvider, "tile-provider", "", "map tiles: none, tianditu (天地图, needs -tile-key), amap (高德) or xyz (-tile-url); default: xyz when -tile-url is given, else none (our own base map)")
	str(&c.TileKey, "tile-key", "", "the tile provider's key: 天地图's tk")
	str(&c.TileURL, "tile-url", "", "map tile URL template, e.g. https://tiles.example/{z}/{x}/{y}.png; with tianditu or amap, a mirror of theirs ({layer}: vec or cva, {tk}: the key)")
	dur(&c.RequestTimeout, "request-timeout", 30*time.Second, "deadline of one request")
	dur(&c.ShutdownWait, "shutdown-wait", 30*time.Second, "how long SIGTERM waits for requests in flight")
	dur(&c.ChangePoll, "change-poll", DefaultChangePoll, "how often to read the change feed: other instances' writes show within this long")
	str(&c.MetricsAddr, "metrics-addr", "", "serve Prometheus /metrics on this separate address (e.g. 127.0.0.1:9090)")
	str(&c.MetricsToken, "metrics-token", "", "bearer token that /metrics on the main address requires (none: not served there)")
	str(&c.PublicURL, "public-url", "", "public base URL of the site, e.g. https://grassroots.example.gov.cn (Open311 discovery); overrides the city profile's when set")
}

// validate checks settings that flag parsing cannot.
func (c *Config) validate() error {
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return fmt.Errorf("-log-format %q: must be text or json", c.LogFormat)
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return fmt.Errorf("-tls-cert and -tls-key go together")
	}
	if c.SessionIdle < time.Minute {
		return fmt.Errorf("-session-idle %s: must be at least 1m", c.SessionIdle)
	}
	if _, err := c.tiles(); err != nil {
		return err
	}
	u, err := city.CheckPublicURL(c.PublicURL)
	if err != nil {
		return fmt.Errorf("-public-url %q: must be an absolute http:// or https:// address of the site, without a path, query or fragment", c.PublicURL)
	}
	c.PublicURL = u
	return nil
}

// keyring returns the personal-data keyring: the configured one, or for a
// SQLite database a key file beside it, created on first use.
func (c *Config) keyring(sqlitePath string, warn func(string)) (*pii.Keyring, error) {
	if c.DataKey != "" {
		return pii.ParseKeyring(c.DataKey)
	}
	if sqlitePath == "" {
		return nil, fmt.Errorf("set GRASSROOTS_DATA_KEY (or -data-key) for a PostgreSQL database; create one with `grassroots keygen`")
	}
	file := strings.TrimSuffix(sqlitePath, filepath.Ext(sqlitePath)) + ".key"
	b, err := os.ReadFile(file)
	if os.IsNotExist(err) {
		spec := pii.NewKeySpec("k1")
		if err := os.WriteFile(file, []byte(spec+"\n"), 0o600); err != nil {
			return nil, fmt.Errorf("create data key %s: %w", file, err)
		}
		warn("created personal-data key " + file + ": back it up with the database; without it phones and ID numbers cannot be read")
		return pii.ParseKeyring(spec)
	}
	if err != nil {
		return nil, fmt.Errorf("read data key %s: %w", file, err)
	}
	return pii.ParseKeyring(strings.TrimSpace(string(b)))
}
