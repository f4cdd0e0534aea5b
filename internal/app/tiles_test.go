package app

import (
	"flag"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"grassroots/internal/platform/web"
)

// TestTileSettings resolves each tile setting as an operator writes it:
// the layers the pages draw, their datum, the origins the CSP admits, and
// a refusal naming the flag for each mistake.
func TestTileSettings(t *testing.T) {
	for _, tt := range []struct {
		name    string
		args    []string
		env     map[string]string
		want    *web.Tiles
		origins []string
		err     string
	}{
		{name: "None", args: nil},
		{name: "XYZFromTileURL", args: []string{"-tile-url", "https://tiles.example/{z}/{x}/{y}.png"},
			want:    &web.Tiles{Provider: "xyz", Datum: "wgs84", Layers: []web.TileLayer{{URL: "https://tiles.example/{z}/{x}/{y}.png", Subdomains: "abc", MaxZoom: 19}}},
			origins: []string{"https://tiles.example"}},
		{name: "XYZSubdomains", args: []string{"-tile-provider", "xyz", "-tile-url", "https://{s}.tile.example/{z}/{x}/{y}.png"},
			want:    &web.Tiles{Provider: "xyz", Datum: "wgs84", Layers: []web.TileLayer{{URL: "https://{s}.tile.example/{z}/{x}/{y}.png", Subdomains: "abc", MaxZoom: 19}}},
			origins: []string{"https://a.tile.example", "https://b.tile.example", "https://c.tile.example"}},
		{name: "Tianditu", env: map[string]string{"GRASSROOTS_TILE_PROVIDER": "tianditu", "GRASSROOTS_TILE_KEY": "0123abcd"},
			want: &web.Tiles{Provider: "tianditu", Datum: "wgs84", Layers: []web.TileLayer{
				{URL: "https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=0123abcd",
					Subdomains: "01234567", MaxZoom: 18, Attribution: "© 天地图 tianditu.gov.cn"},
				{URL: "https://t{s}.tianditu.gov.cn/cva_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=cva&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=0123abcd",
					Subdomains: "01234567", MaxZoom: 18, Attribution: "© 天地图 tianditu.gov.cn"}}},
			origins: []string{"https://t0.tianditu.gov.cn", "https://t1.tianditu.gov.cn", "https://t2.tianditu.gov.cn", "https://t3.tianditu.gov.cn",
				"https://t4.tianditu.gov.cn", "https://t5.tianditu.gov.cn", "https://t6.tianditu.gov.cn", "https://t7.tianditu.gov.cn"}},
		{name: "TiandituMirror", args: []string{"-tile-provider", "tianditu", "-tile-key", "k1", "-tile-url", "https://gis.example.gov.cn/tdt/{layer}/{z}/{x}/{y}?tk={tk}"},
			want: &web.Tiles{Provider: "tianditu", Datum: "wgs84", Layers: []web.TileLayer{
				{URL: "https://gis.example.gov.cn/tdt/vec/{z}/{x}/{y}?tk=k1", Subdomains: "01234567", MaxZoom: 18, Attribution: "© 天地图 tianditu.gov.cn"},
				{URL: "https://gis.example.gov.cn/tdt/cva/{z}/{x}/{y}?tk=k1", Subdomains: "01234567", MaxZoom: 18, Attribution: "© 天地图 tianditu.gov.cn"}}},
			origins: []string{"https://gis.example.gov.cn"}},
		{name: "AMap", args: []string{"-tile-provider", "AMap"},
			want:    &web.Tiles{Provider: "amap", Datum: "gcj02", Layers: []web.TileLayer{{URL: AMapURL, Subdomains: "1234", MaxZoom: 18, Attribution: "© 高德地图 AutoNavi"}}},
			origins: []string{"https://webrd01.is.autonavi.com", "https://webrd02.is.autonavi.com", "https://webrd03.is.autonavi.com", "https://webrd04.is.autonavi.com"}},
		{name: "ErrUnknownProvider", args: []string{"-tile-provider", "google"}, err: "-tile-provider"},
		{name: "ErrTiandituWithoutKey", args: []string{"-tile-provider", "tianditu"}, err: "-tile-key"},
		{name: "ErrBadKey", args: []string{"-tile-provider", "tianditu", "-tile-key", "k&x=1"}, err: "-tile-key"},
		{name: "ErrXYZWithoutURL", args: []string{"-tile-provider", "xyz"}, err: "-tile-url"},
		{name: "ErrURLWithNone", args: []string{"-tile-provider", "none", "-tile-url", "https://tiles.example/{z}/{x}/{y}.png"}, err: "-tile-url"},
		{name: "ErrURLWithoutXYZ", args: []string{"-tile-url", "https://tiles.example/tile.png"}, err: "{z}, {x} and {y}"},
		{name: "ErrRelativeURL", args: []string{"-tile-url", "/tiles/{z}/{x}/{y}.png"}, err: "absolute"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var c Config
			fs := flag.NewFlagSet("serve", flag.ContinueOnError)
			bindConfig(fs, &c, func(k string) string { return tt.env[k] }, "sqlite:x.db")
			if err := fs.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			got, err := c.tiles()
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one naming %q", err, tt.err)
				}
				if verr := c.validate(); verr == nil {
					t.Errorf("validate accepts what tiles refuses")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("tiles (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tt.origins, allTileOrigins(got)); d != "" {
				t.Errorf("CSP origins (-want +got):\n%s", d)
			}
		})
	}
}
