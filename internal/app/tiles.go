package app

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"grassroots/internal/platform/web"
)

// The tile providers of -tile-provider.
const (
	TilesNone     = "none"
	TilesTianditu = "tianditu"
	TilesAMap     = "amap"
	TilesXYZ      = "xyz"
)

// TiandituURL is 天地图's WMTS in Web Mercator (matrix set w), as a
// Leaflet template: {layer} is vec (the roads) or cva (their labels), {tk}
// the key. Its CGCS2000 coordinates are WGS-84 to within centimetres, so
// our outlines are drawn on it as stored.
const TiandituURL = "https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={tk}"

// AMapURL is 高德's road map (with labels). Its tiles are drawn in GCJ-02,
// to which the page moves our WGS-84 shapes, and from which it moves taps
// back before they are stored.
const AMapURL = "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}"

var tileKeyRe = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)

// tiles resolves the tile settings into the layers the pages draw: nil for
// none. Each mistake is named by its flag.
func (c *Config) tiles() (*web.Tiles, error) {
	provider := strings.ToLower(strings.TrimSpace(c.TileProvider))
	if provider == "" {
		provider = TilesNone
		if c.TileURL != "" {
			provider = TilesXYZ
		}
	}
	if c.TileKey != "" && !tileKeyRe.MatchString(c.TileKey) {
		return nil, fmt.Errorf("-tile-key: must be letters, digits, - or _ (at most 128)")
	}
	layer := func(tpl, sub string, maxZoom int, attribution string) web.TileLayer {
		return web.TileLayer{URL: strings.ReplaceAll(tpl, "{tk}", c.TileKey), Subdomains: sub, MaxZoom: maxZoom, Attribution: attribution}
	}
	var t *web.Tiles
	switch provider {
	case TilesNone:
		if c.TileURL != "" {
			return nil, fmt.Errorf("-tile-url is given but -tile-provider is none")
		}
		return nil, nil
	case TilesTianditu:
		tpl := TiandituURL
		if c.TileURL != "" {
			tpl = c.TileURL
		}
		if c.TileKey == "" && strings.Contains(tpl, "{tk}") {
			return nil, fmt.Errorf("-tile-provider tianditu needs -tile-key (天地图's key, tk)")
		}
		const by = "© 天地图 tianditu.gov.cn"
		t = &web.Tiles{Provider: provider, Datum: "wgs84"}
		if strings.Contains(tpl, "{layer}") {
			for _, l := range []string{"vec", "cva"} {
				t.Layers = append(t.Layers, layer(strings.ReplaceAll(tpl, "{layer}", l), "01234567", 18, by))
			}
		} else {
			t.Layers = []web.TileLayer{layer(tpl, "01234567", 18, by)}
		}
	case TilesAMap:
		tpl := AMapURL
		if c.TileURL != "" {
			tpl = c.TileURL
		}
		t = &web.Tiles{Provider: provider, Datum: "gcj02", Layers: []web.TileLayer{layer(tpl, "1234", 18, "© 高德地图 AutoNavi")}}
	case TilesXYZ:
		if c.TileURL == "" {
			return nil, fmt.Errorf("-tile-provider xyz needs -tile-url")
		}
		t = &web.Tiles{Provider: provider, Datum: "wgs84", Layers: []web.TileLayer{layer(c.TileURL, "abc", 19, "")}}
	default:
		return nil, fmt.Errorf("-tile-provider %q: must be none, tianditu, amap or xyz", c.TileProvider)
	}
	for _, l := range t.Layers {
		if _, err := tileOrigins(l); err != nil {
			return nil, fmt.Errorf("-tile-url %q: %w", l.URL, err)
		}
	}
	return t, nil
}

// tileOrigins are the origins (scheme://host) a layer's tiles come from,
// one for each subdomain its {s} stands for: the CSP admits their images.
func tileOrigins(l web.TileLayer) ([]string, error) {
	for _, v := range []string{"{z}", "{x}"} {
		if !strings.Contains(l.URL, v) {
			return nil, fmt.Errorf("must be a URL template with {z}, {x} and {y}")
		}
	}
	if !strings.Contains(l.URL, "{y}") && !strings.Contains(l.URL, "{-y}") {
		return nil, fmt.Errorf("must be a URL template with {z}, {x} and {y}")
	}
	subs := []string{""}
	if strings.Contains(l.URL, "{s}") {
		subs = strings.Split(l.Subdomains, "")
	}
	var out []string
	for _, s := range subs {
		u, err := url.Parse(strings.ReplaceAll(l.URL, "{s}", s))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.ContainsAny(u.Host, "{}") {
			return nil, fmt.Errorf("must be an absolute http:// or https:// URL template")
		}
		out = append(out, u.Scheme+"://"+u.Host)
	}
	return out, nil
}

// allTileOrigins are the origins of every layer of t, for web.ChainConfig.
func allTileOrigins(t *web.Tiles) []string {
	if t == nil {
		return nil
	}
	var out []string
	seen := map[string]bool{}
	for _, l := range t.Layers {
		os, _ := tileOrigins(l)
		for _, o := range os {
			if !seen[o] {
				seen[o] = true
				out = append(out, o)
			}
		}
	}
	return out
}
