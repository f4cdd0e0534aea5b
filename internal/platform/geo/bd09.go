package geo

import (
	"math"
	"strings"
)

// BD-09 is Baidu Maps' datum: GCJ-02 with a second, Baidu-only offset
// (published with Baidu's own SDK samples). Points a hotline system
// exports from a Baidu map are BD-09; those from Amap or Tencent are
// GCJ-02; GPS and Tianditu give WGS-84 (CGCS2000 differs from it by
// centimetres). Every point is stored as WGS-84, so a point in another
// system is converted when it arrives (ToWGS84).

const bdXPi = math.Pi * 3000.0 / 180.0

// GCJ02ToBD09 converts a GCJ-02 point to BD-09.
func GCJ02ToBD09(lon, lat float64) (float64, float64) {
	z := math.Sqrt(lon*lon+lat*lat) + 0.00002*math.Sin(lat*bdXPi)
	theta := math.Atan2(lat, lon) + 0.000003*math.Cos(lon*bdXPi)
	return z*math.Cos(theta) + 0.0065, z*math.Sin(theta) + 0.006
}

// BD09ToGCJ02 converts a BD-09 point to GCJ-02: the published inverse,
// refined by fixed-point iteration on the forward transform so that the
// round trip closes to well under a millimetre.
func BD09ToGCJ02(lon, lat float64) (float64, float64) {
	x, y := lon-0.0065, lat-0.006
	z := math.Sqrt(x*x+y*y) - 0.00002*math.Sin(y*bdXPi)
	theta := math.Atan2(y, x) - 0.000003*math.Cos(x*bdXPi)
	glon, glat := z*math.Cos(theta), z*math.Sin(theta)
	for range 10 {
		blon, blat := GCJ02ToBD09(glon, glat)
		dlon, dlat := blon-lon, blat-lat
		glon, glat = glon-dlon, glat-dlat
		if math.Abs(dlon) < 1e-11 && math.Abs(dlat) < 1e-11 {
			break
		}
	}
	return glon, glat
}

// WGS84ToBD09 converts a WGS-84 point to BD-09.
func WGS84ToBD09(lon, lat float64) (float64, float64) {
	return GCJ02ToBD09(WGS84ToGCJ02(lon, lat))
}

// BD09ToWGS84 converts a BD-09 point to WGS-84.
func BD09ToWGS84(lon, lat float64) (float64, float64) {
	return GCJ02ToWGS84(BD09ToGCJ02(lon, lat))
}

// CRS names the coordinate system a point was given in. Stored nowhere:
// points are converted to WGS-84 when they arrive.
type CRS string

// The coordinate systems points arrive in.
const (
	WGS84 CRS = "wgs84" // GPS, Tianditu (CGCS2000), OpenStreetMap
	GCJ02 CRS = "gcj02" // Amap (高德), Tencent, Google's China tiles
	BD09  CRS = "bd09"  // Baidu (百度)
)

// CRSs lists them, WGS-84 (the default) first.
var CRSs = []CRS{WGS84, GCJ02, BD09}

// ParseCRS reads a coordinate system as people and systems write it
// (wgs84, WGS-84, GCJ-02, gcj02, 火星坐标, BD-09, bd09ll, 百度…); empty
// is WGS-84.
func ParseCRS(s string) (CRS, bool) {
	k := strings.ToLower(strings.TrimSpace(s))
	k = strings.NewReplacer("-", "", "_", "", " ", "").Replace(k)
	switch k {
	case "", "wgs84", "wgs", "gps", "cgcs2000", "epsg4326", "4326", "tianditu", "天地图":
		return WGS84, true
	case "gcj02", "gcj", "amap", "gaode", "高德", "火星坐标", "火星", "tencent", "腾讯":
		return GCJ02, true
	case "bd09", "bd09ll", "bd", "baidu", "百度":
		return BD09, true
	}
	return "", false
}

// ToWGS84 converts a point given in c to WGS-84 (the identity for WGS-84,
// and for points outside mainland China, where neither offset applies).
func (c CRS) ToWGS84(lon, lat float64) (float64, float64) {
	switch c {
	case GCJ02:
		return GCJ02ToWGS84(lon, lat)
	case BD09:
		return BD09ToWGS84(lon, lat)
	}
	return lon, lat
}
