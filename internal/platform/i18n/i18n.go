// Package i18n is the message catalogue: every user-facing string has a
// key with a zh-CN text (the default) and an English one. Catalogue files
// are flat JSON objects, one per language, merged from every module.
package i18n

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"sync"
)

// Languages, default first.
const (
	ZH = "zh-CN"
	EN = "en"
)

// Langs lists the supported languages, default first.
var Langs = []string{ZH, EN}

// Catalog maps language → key → text.
type Catalog struct {
	msgs    map[string]map[string]string
	mu      sync.Mutex
	missing map[string]bool
}

// New loads every "<lang>.json" file in each of fsyss (module catalogues)
// and fails when a key is defined twice or exists in one language only.
func New(fsyss ...fs.FS) (*Catalog, error) {
	c := &Catalog{msgs: map[string]map[string]string{}, missing: map[string]bool{}}
	for _, l := range Langs {
		c.msgs[l] = map[string]string{}
	}
	for _, fsys := range fsyss {
		for _, l := range Langs {
			b, err := fs.ReadFile(fsys, l+".json")
			if err != nil {
				return nil, fmt.Errorf("i18n: %w", err)
			}
			var m map[string]string
			if err := json.Unmarshal(b, &m); err != nil {
				return nil, fmt.Errorf("i18n: %s.json: %w", l, err)
			}
			for k, v := range m {
				if _, dup := c.msgs[l][k]; dup {
					return nil, fmt.Errorf("i18n: key %q defined twice in %s", k, l)
				}
				c.msgs[l][k] = v
			}
		}
	}
	for k := range c.msgs[ZH] {
		if _, ok := c.msgs[EN][k]; !ok {
			return nil, fmt.Errorf("i18n: key %q has no English text", k)
		}
	}
	for k := range c.msgs[EN] {
		if _, ok := c.msgs[ZH][k]; !ok {
			return nil, fmt.Errorf("i18n: key %q has no Chinese text", k)
		}
	}
	return c, nil
}

// Match picks a supported language from a cookie value or an
// Accept-Language header; anything unknown falls back to zh-CN.
func Match(pref string) string {
	for _, part := range strings.Split(pref, ",") {
		tag := strings.ToLower(strings.TrimSpace(strings.SplitN(part, ";", 2)[0]))
		switch {
		case strings.HasPrefix(tag, "zh"):
			return ZH
		case tag == "en" || strings.HasPrefix(tag, "en-"):
			return EN
		}
	}
	return ZH
}

// T returns the text of key in lang, formatted with args. An unknown key
// is returned as itself and remembered, so tests can fail on it.
func (c *Catalog) T(lang, key string, args ...any) string {
	m, ok := c.msgs[lang]
	if !ok {
		m = c.msgs[ZH]
	}
	s, ok := m[key]
	if !ok {
		c.mu.Lock()
		c.missing[key] = true
		c.mu.Unlock()
		return key
	}
	if len(args) > 0 && strings.Contains(s, "%") {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// Has reports whether key exists.
func (c *Catalog) Has(key string) bool { _, ok := c.msgs[ZH][key]; return ok }

// Missing returns the keys asked for that do not exist, sorted.
func (c *Catalog) Missing() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]string, 0, len(c.missing))
	for k := range c.missing {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
