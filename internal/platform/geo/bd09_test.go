package geo

import (
	"math"
	"testing"
)

// TestBD09 checks the Baidu datum against the published forward
// transform (the values of the widely used coordtransform library for
// 116.404,39.915: GCJ-02 → BD-09 116.41036949,39.92133699), and that the
// inverse closes the round trip far better than its one-step
// approximation (116.39762729,39.90865674, 0.05 m off).
func TestBD09(t *testing.T) {
	blon, blat := GCJ02ToBD09(116.404, 39.915)
	if math.Abs(blon-116.41036949) > 1e-8 || math.Abs(blat-39.92133699) > 1e-8 {
		t.Errorf("GCJ-02 → BD-09: %.9f,%.9f", blon, blat)
	}
	glon, glat := BD09ToGCJ02(116.404, 39.915)
	if math.Abs(glon-116.39762729) > 1e-6 || math.Abs(glat-39.90865674) > 1e-6 {
		t.Errorf("BD-09 → GCJ-02: %.9f,%.9f", glon, glat)
	}
	if x, y := GCJ02ToBD09(glon, glat); math.Abs(x-116.404) > 1e-9 || math.Abs(y-39.915) > 1e-9 {
		t.Errorf("BD-09 → GCJ-02 → BD-09: %.9f,%.9f", x, y)
	}
	// 八一广场, Nanchang: BD-09 lies about a kilometre off WGS-84 there.
	lon, lat := 115.8930, 28.6797
	bl, bt := WGS84ToBD09(lon, lat)
	if shift := math.Hypot((bl-lon)*97700, (bt-lat)*110574); shift < 500 || shift > 2000 {
		t.Errorf("BD-09 shift %.0f m", shift)
	}
	wl, wt := BD09ToWGS84(bl, bt)
	if math.Abs(wl-lon) > 1e-8 || math.Abs(wt-lat) > 1e-8 {
		t.Errorf("BD-09 → WGS-84 round trip %.9f,%.9f", wl, wt)
	}
}

// TestCRS checks the names a coordinate system is given by and that
// every system converts to WGS-84.
func TestCRS(t *testing.T) {
	for in, want := range map[string]CRS{"": WGS84, "WGS-84": WGS84, "wgs84": WGS84, "GCJ-02": GCJ02, "gcj02": GCJ02, "高德": GCJ02,
		"BD-09": BD09, "bd09ll": BD09, "百度": BD09} {
		if got, ok := ParseCRS(in); !ok || got != want {
			t.Errorf("ParseCRS(%q) = %q %v, want %q", in, got, ok, want)
		}
	}
	if _, ok := ParseCRS("EPSG:3857"); ok {
		t.Error("Web Mercator metres read as a longitude/latitude system")
	}
	lon, lat := 115.8930, 28.6797
	for _, c := range CRSs {
		var x, y float64
		switch c {
		case WGS84:
			x, y = lon, lat
		case GCJ02:
			x, y = WGS84ToGCJ02(lon, lat)
		case BD09:
			x, y = WGS84ToBD09(lon, lat)
		}
		wl, wt := c.ToWGS84(x, y)
		if math.Abs(wl-lon) > 1e-8 || math.Abs(wt-lat) > 1e-8 {
			t.Errorf("%s → WGS-84: %.9f,%.9f", c, wl, wt)
		}
	}
}
