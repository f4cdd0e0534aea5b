package attendance

import "math"

// Place is a point on the earth (WGS-84, degrees).
type Place struct{ Lat, Lon float64 }

// earthRadius is the mean radius of the earth in metres.
const earthRadius = 6_371_008.8

// Metres is the great-circle distance between a and b.
func Metres(a, b Place) float64 {
	rad := math.Pi / 180
	dlat, dlon := (b.Lat-a.Lat)*rad, (b.Lon-a.Lon)*rad
	h := math.Sin(dlat/2)*math.Sin(dlat/2) + math.Cos(a.Lat*rad)*math.Cos(b.Lat*rad)*math.Sin(dlon/2)*math.Sin(dlon/2)
	return 2 * earthRadius * math.Asin(math.Min(1, math.Sqrt(h)))
}

// Fence is a venue's point and the radius around it, in metres, inside
// which a check-in counts.
type Fence struct {
	Centre Place
	Radius float64
}

// MaxSlack is the most of a position's stated accuracy given the benefit
// of the doubt: a phone that only knows it is within 2 km proves nothing.
const MaxSlack = 100.0

// Inside tells whether a position reported with accuracy (metres, the
// radius of the browser's 95 % circle; 0 unknown) lies inside the fence,
// allowing for up to MaxSlack of that accuracy, and how far from the
// venue's point it is.
func (f Fence) Inside(p Place, accuracy float64) (bool, float64) {
	d := Metres(f.Centre, p)
	slack := math.Min(math.Max(accuracy, 0), MaxSlack)
	return d <= f.Radius+slack, d
}
