package geo

import "math"

// GCJ-02 is the obfuscated datum of Chinese web maps (Amap, Tencent). The
// forward transform is the published one; the inverse is found by fixed-
// point iteration, which converges to well under a millimetre in a few
// steps. Outside mainland China both are the identity.

const (
	gcjA  = 6378245.0
	gcjEE = 0.00669342162296594323
)

func outOfChina(lon, lat float64) bool {
	return lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271
}

func gcjDelta(lon, lat float64) (dlon, dlat float64) {
	x, y := lon-105.0, lat-35.0
	tlat := -100.0 + 2.0*x + 3.0*y + 0.2*y*y + 0.1*x*y + 0.2*math.Sqrt(math.Abs(x))
	tlat += (20.0*math.Sin(6.0*x*math.Pi) + 20.0*math.Sin(2.0*x*math.Pi)) * 2.0 / 3.0
	tlat += (20.0*math.Sin(y*math.Pi) + 40.0*math.Sin(y/3.0*math.Pi)) * 2.0 / 3.0
	tlat += (160.0*math.Sin(y/12.0*math.Pi) + 320*math.Sin(y*math.Pi/30.0)) * 2.0 / 3.0
	tlon := 300.0 + x + 2.0*y + 0.1*x*x + 0.1*x*y + 0.1*math.Sqrt(math.Abs(x))
	tlon += (20.0*math.Sin(6.0*x*math.Pi) + 20.0*math.Sin(2.0*x*math.Pi)) * 2.0 / 3.0
	tlon += (20.0*math.Sin(x*math.Pi) + 40.0*math.Sin(x/3.0*math.Pi)) * 2.0 / 3.0
	tlon += (150.0*math.Sin(x/12.0*math.Pi) + 300.0*math.Sin(x/30.0*math.Pi)) * 2.0 / 3.0
	radLat := lat / 180.0 * math.Pi
	magic := math.Sin(radLat)
	magic = 1 - gcjEE*magic*magic
	sqrtMagic := math.Sqrt(magic)
	dlat = (tlat * 180.0) / ((gcjA * (1 - gcjEE)) / (magic * sqrtMagic) * math.Pi)
	dlon = (tlon * 180.0) / (gcjA / sqrtMagic * math.Cos(radLat) * math.Pi)
	return dlon, dlat
}

// WGS84ToGCJ02 converts a WGS-84 point to GCJ-02.
func WGS84ToGCJ02(lon, lat float64) (float64, float64) {
	if outOfChina(lon, lat) {
		return lon, lat
	}
	dlon, dlat := gcjDelta(lon, lat)
	return lon + dlon, lat + dlat
}

// GCJ02ToWGS84 converts a GCJ-02 point to WGS-84.
func GCJ02ToWGS84(lon, lat float64) (float64, float64) {
	if outOfChina(lon, lat) {
		return lon, lat
	}
	wlon, wlat := lon, lat
	for range 10 {
		glon, glat := WGS84ToGCJ02(wlon, wlat)
		dlon, dlat := glon-lon, glat-lat
		wlon, wlat = wlon-dlon, wlat-dlat
		if math.Abs(dlon) < 1e-10 && math.Abs(dlat) < 1e-10 {
			break
		}
	}
	return wlon, wlat
}
