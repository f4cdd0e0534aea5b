// Package geo holds the geometry the platform needs: GeoJSON polygons
// checked for validity, areas in square metres, the GCJ-02 and BD-09 ⇄
// WGS-84 conversions for Chinese web maps, and an in-memory point →
// polygon index.
//
// Storage is always WGS-84 (DOMAIN.md "Maps"); GCJ-02 and BD-09 are
// converted at the edges only.
package geo

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/peterstace/simplefeatures/geom"
)

// Polygon is a validated WGS-84 polygon (exterior ring, optional holes).
type Polygon struct {
	g geom.Polygon
}

// ErrNotPolygon is returned for GeoJSON that is not a single Polygon.
var ErrNotPolygon = errors.New("geometry must be a GeoJSON Polygon")

// ParsePolygon reads a GeoJSON Polygon geometry and checks that it is a
// valid simple polygon inside longitude/latitude bounds.
func ParsePolygon(b []byte) (Polygon, error) {
	g, err := geom.UnmarshalGeoJSON(b, geom.NoValidate{})
	if err != nil {
		return Polygon{}, fmt.Errorf("GeoJSON: %w", err)
	}
	return FromGeometry(g)
}

// FromGeometry checks g as ParsePolygon does.
func FromGeometry(g geom.Geometry) (Polygon, error) {
	p, ok := g.AsPolygon()
	if !ok {
		// A MultiPolygon of one part is accepted as that part.
		if mp, ok := g.AsMultiPolygon(); ok && mp.NumPolygons() == 1 {
			p = mp.PolygonN(0)
		} else {
			return Polygon{}, ErrNotPolygon
		}
	}
	if p.IsEmpty() {
		return Polygon{}, errors.New("polygon is empty")
	}
	env := p.Envelope()
	lo, hi, _ := env.MinMaxXYs()
	if lo.X < -180 || hi.X > 180 || lo.Y < -90 || hi.Y > 90 {
		return Polygon{}, errors.New("coordinates must be longitude, latitude in degrees (WGS-84)")
	}
	if p.ExteriorRing().Coordinates().Length() < 4 {
		return Polygon{}, errors.New("a polygon needs at least 3 distinct corners")
	}
	if err := p.Validate(); err != nil {
		return Polygon{}, fmt.Errorf("not a valid simple polygon: %w", err)
	}
	return Polygon{g: p}, nil
}

// MarshalJSON writes the polygon as a GeoJSON geometry.
func (p Polygon) MarshalJSON() ([]byte, error) { return p.g.AsGeometry().MarshalJSON() }

// GeoJSON returns the polygon as GeoJSON text.
func (p Polygon) GeoJSON() string {
	b, _ := p.MarshalJSON()
	return string(b)
}

// Geometry returns the underlying geometry.
func (p Polygon) Geometry() geom.Geometry { return p.g.AsGeometry() }

// Bounds returns the bounding box: min lon, min lat, max lon, max lat.
func (p Polygon) Bounds() [4]float64 {
	lo, hi, _ := p.g.Envelope().MinMaxXYs()
	return [4]float64{lo.X, lo.Y, hi.X, hi.Y}
}

// Rings returns the rings as flat [x0 y0 x1 y1 …] slices, exterior first.
func (p Polygon) Rings() [][]float64 {
	out := [][]float64{flat(p.g.ExteriorRing())}
	for i := 0; i < p.g.NumInteriorRings(); i++ {
		out = append(out, flat(p.g.InteriorRingN(i)))
	}
	return out
}

func flat(l geom.LineString) []float64 {
	seq := l.Coordinates()
	out := make([]float64, 0, 2*seq.Length())
	for i := 0; i < seq.Length(); i++ {
		xy := seq.GetXY(i)
		out = append(out, xy.X, xy.Y)
	}
	return out
}

// Centroid returns the centre of mass as lon, lat.
func (p Polygon) Centroid() (float64, float64) {
	c, _ := p.g.Centroid().XY()
	return c.X, c.Y
}

// metres projects lon/lat around a reference latitude to metres; at the
// size of a grid or a community the error is far below a square metre.
func metres(lat0 float64) func(geom.XY) geom.XY {
	kx := 111320 * math.Cos(lat0*math.Pi/180)
	return func(xy geom.XY) geom.XY { return geom.XY{X: xy.X * kx, Y: xy.Y * 110574} }
}

// AreaM2 is the area in square metres.
func (p Polygon) AreaM2() float64 {
	_, lat := p.Centroid()
	return p.g.Area(geom.WithTransform(metres(lat)))
}

// OverlapM2 is the area two polygons share, in square metres.
func OverlapM2(a, b Polygon) (float64, error) {
	if !geom.Intersects(a.Geometry(), b.Geometry()) {
		return 0, nil
	}
	g, err := geom.Intersection(a.Geometry(), b.Geometry())
	if err != nil {
		return 0, fmt.Errorf("geo: intersection: %w", err)
	}
	_, lat := a.Centroid()
	return g.Area(geom.WithTransform(metres(lat))), nil
}

// Within reports whether inner lies inside outer, allowing a sliver of
// tol square metres outside (boundaries drawn by hand do not match to the
// centimetre).
func Within(inner Polygon, outer Area, tol float64) (bool, float64, error) {
	if outer.invalid {
		return true, 0, nil // an unrepaired outline cannot judge
	}
	d, err := geom.Difference(inner.Geometry(), outer.g)
	if err != nil {
		return false, 0, fmt.Errorf("geo: difference: %w", err)
	}
	_, lat := inner.Centroid()
	out := d.Area(geom.WithTransform(metres(lat)))
	return out <= tol, out, nil
}

// Area is a boundary: a Polygon or MultiPolygon, WGS-84. An outline whose
// rings could not be repaired is kept for drawing but is not Valid, and
// takes no part in geometric checks.
type Area struct {
	g       geom.Geometry
	invalid bool
}

// Valid reports whether the area is a valid geometry that checks can use.
func (a Area) Valid() bool { return !a.invalid }

// ParseArea reads a Polygon or MultiPolygon (a community or district
// boundary). Outlines traced from web maps often have rings that touch or
// cross themselves; those are repaired as buffer(0) would: each ring is
// cut into simple loops and the loops are unioned.
func ParseArea(b []byte) (Area, error) {
	g, err := geom.UnmarshalGeoJSON(b, geom.NoValidate{})
	if err != nil {
		return Area{}, fmt.Errorf("GeoJSON: %w", err)
	}
	if g.Type() != geom.TypePolygon && g.Type() != geom.TypeMultiPolygon {
		return Area{}, errors.New("boundary must be a Polygon or MultiPolygon")
	}
	if g.Validate() == nil {
		return Area{g: g}, nil
	}
	var parts []geom.Geometry
	rawArea := 0.0
	eachRing(g, func(ring []geom.XY) {
		rawArea += math.Abs(geom.NewPolygon([]geom.LineString{geom.NewLineString(xySequence(ring))}).Area(geom.SignedArea))
		for _, loop := range simpleLoops(nodeRing(ring)) {
			pg := geom.NewPolygon([]geom.LineString{geom.NewLineString(xySequence(loop))}).AsGeometry()
			if pg.Validate() != nil {
				pg = repairLoop(pg)
			}
			if !pg.IsEmpty() {
				parts = append(parts, pg)
			}
		}
	})
	u, err := geom.UnionMany(parts)
	if len(parts) == 0 || err != nil || u.Area() < rawArea/2 {
		// Most of the outline could not be repaired: keep it for drawing.
		return Area{g: g, invalid: true}, nil
	}
	return Area{g: u}, nil
}

// repairLoop makes a valid area of a loop that still touches itself:
// first by noding it (union), then by simplifying it a little more each
// time (an outline quantised to 1/1024° loses nothing it really had).
// A loop that cannot be repaired, usually a sliver, gives an empty result.
func repairLoop(pg geom.Geometry) geom.Geometry {
	if u, err := geom.UnaryUnion(pg); err == nil && u.Validate() == nil {
		return u
	}
	for _, tol := range []float64{1e-5, 1e-4, 3e-4, 1e-3} {
		s, err := pg.Simplify(tol, geom.NoValidate{})
		if err != nil || s.IsEmpty() {
			continue
		}
		if s.Validate() == nil {
			return s
		}
		if u, err := geom.UnaryUnion(s); err == nil && u.Validate() == nil {
			return u
		}
	}
	return geom.Geometry{}
}

func eachRing(g geom.Geometry, fn func([]geom.XY)) {
	ringXY := func(l geom.LineString) []geom.XY {
		seq := l.Coordinates()
		out := make([]geom.XY, seq.Length())
		for i := range out {
			out[i] = seq.GetXY(i)
		}
		return out
	}
	polys := func(p geom.Polygon) {
		fn(ringXY(p.ExteriorRing()))
		for i := 0; i < p.NumInteriorRings(); i++ {
			fn(ringXY(p.InteriorRingN(i)))
		}
	}
	if p, ok := g.AsPolygon(); ok {
		polys(p)
	}
	if mp, ok := g.AsMultiPolygon(); ok {
		for i := 0; i < mp.NumPolygons(); i++ {
			polys(mp.PolygonN(i))
		}
	}
}

// simpleLoops removes repeated points, spikes and every middle point of
// three collinear ones (which also removes edges that double back on
// themselves) from a closed ring, and cuts it at every vertex it visits
// twice, returning closed loops of at least three distinct corners.
func simpleLoops(ring []geom.XY) [][]geom.XY {
	var pts []geom.XY
	for _, p := range ring {
		if len(pts) > 0 && pts[len(pts)-1] == p {
			continue
		}
		pts = append(pts, p)
		for len(pts) >= 3 {
			a, b, c := pts[len(pts)-3], pts[len(pts)-2], pts[len(pts)-1]
			if a == c {
				pts = pts[:len(pts)-2]
				continue
			}
			if (b.X-a.X)*(c.Y-a.Y)-(b.Y-a.Y)*(c.X-a.X) == 0 {
				pts = append(pts[:len(pts)-2], c)
				continue
			}
			break
		}
	}
	if len(pts) > 1 && pts[0] == pts[len(pts)-1] {
		pts = pts[:len(pts)-1]
	}
	var loops [][]geom.XY
	var stack []geom.XY
	seen := map[geom.XY]int{}
	for _, p := range append(pts, pts[0]) {
		if i, ok := seen[p]; ok {
			loop := append(append([]geom.XY{}, stack[i:]...), p)
			for _, q := range stack[i+1:] {
				delete(seen, q)
			}
			stack = stack[:i+1]
			if len(loop) >= 4 {
				loops = append(loops, loop)
			}
			continue
		}
		seen[p] = len(stack)
		stack = append(stack, p)
	}
	return loops
}

// nodeRing inserts every point where two edges of a ring cross properly
// into both edges, so that simpleLoops can cut the ring there.
func nodeRing(r []geom.XY) []geom.XY {
	n := len(r) - 1 // closed: r[n] == r[0]
	if n < 3 {
		return r
	}
	type cut struct {
		t  float64
		xy geom.XY
	}
	cuts := make([][]cut, n)
	for i := 0; i < n; i++ {
		a, b := r[i], r[i+1]
		for j := i + 2; j < n; j++ {
			if i == 0 && j == n-1 {
				continue // adjacent through the closing point
			}
			c, d := r[j], r[j+1]
			den := (b.X-a.X)*(d.Y-c.Y) - (b.Y-a.Y)*(d.X-c.X)
			if den == 0 {
				continue
			}
			t := ((c.X-a.X)*(d.Y-c.Y) - (c.Y-a.Y)*(d.X-c.X)) / den
			u := ((c.X-a.X)*(b.Y-a.Y) - (c.Y-a.Y)*(b.X-a.X)) / den
			if t <= 0 || t >= 1 || u <= 0 || u >= 1 {
				continue
			}
			xy := geom.XY{X: a.X + t*(b.X-a.X), Y: a.Y + t*(b.Y-a.Y)}
			cuts[i] = append(cuts[i], cut{t, xy})
			cuts[j] = append(cuts[j], cut{u, xy})
		}
	}
	// A vertex lying inside another edge (a T-junction) cuts that edge.
	for i := 0; i < n; i++ {
		a, b := r[i], r[i+1]
		for k := 0; k < n; k++ {
			p := r[k]
			if k == i || k == i+1 || (i+1 == n && k == 0) || p == a || p == b {
				continue
			}
			if (b.X-a.X)*(p.Y-a.Y)-(b.Y-a.Y)*(p.X-a.X) != 0 {
				continue
			}
			dx, dy := b.X-a.X, b.Y-a.Y
			t := ((p.X-a.X)*dx + (p.Y-a.Y)*dy) / (dx*dx + dy*dy)
			if t > 0 && t < 1 {
				cuts[i] = append(cuts[i], cut{t, p})
			}
		}
	}
	out := make([]geom.XY, 0, len(r))
	for i := 0; i < n; i++ {
		out = append(out, r[i])
		cs := cuts[i]
		sort.Slice(cs, func(x, y int) bool { return cs[x].t < cs[y].t })
		for _, c := range cs {
			out = append(out, c.xy)
		}
	}
	return append(out, r[0])
}

func xySequence(pts []geom.XY) geom.Sequence {
	fl := make([]float64, 0, 2*len(pts))
	for _, p := range pts {
		fl = append(fl, p.X, p.Y)
	}
	return geom.NewSequence(fl, geom.DimXY)
}

// GeoJSON returns the boundary as GeoJSON text.
func (a Area) GeoJSON() string {
	b, _ := a.g.MarshalJSON()
	return string(b)
}

// AreaM2 is the area in square metres (0 for an area that is not Valid).
func (a Area) AreaM2() float64 {
	if a.invalid {
		return 0
	}
	c, _ := a.g.Centroid().XY()
	return a.g.Area(geom.WithTransform(metres(c.Y)))
}

// Contains reports whether the point lies in the area (false for an area
// that is not Valid).
func (a Area) Contains(lon, lat float64) bool {
	if a.invalid {
		return false
	}
	pt := geom.XY{X: lon, Y: lat}.AsPoint().AsGeometry()
	return geom.Intersects(a.g, pt)
}

// TransformLonLat returns the area with every point passed through fn,
// e.g. GCJ02ToWGS84.
func (a Area) TransformLonLat(fn func(lon, lat float64) (float64, float64)) Area {
	return Area{g: a.g.TransformXY(func(xy geom.XY) geom.XY {
		x, y := fn(xy.X, xy.Y)
		return geom.XY{X: x, Y: y}
	}), invalid: a.invalid}
}

// RawGeoJSON is GeoJSON text passed through JSON unchanged.
type RawGeoJSON = json.RawMessage
