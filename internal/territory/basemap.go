package territory

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/geo"
)

// The base map is what a map draws under the page's own shapes so that a
// resident sees where to tap without any tile server: the outlines of the
// divisions, the grids and the buildings in the box in view, each level
// from the zoom at which it is legible, simplified to the zoom's pixel and
// with a point to write its name where the name fits. It is read by box
// and zoom, within limits, so that a city's map never ships its 13,500
// grids at once.

// BaseMap is a GeoJSON FeatureCollection of the base map in a box.
type BaseMap struct {
	Type      string        `json:"type" doc:"FeatureCollection"`
	Features  []BaseFeature `json:"features"`
	Truncated bool          `json:"truncated" doc:"true when the box held more than the limit: zoom in for the rest"`
}

// BaseFeature is one outline (or building) of the base map.
type BaseFeature struct {
	Type       string          `json:"type" doc:"Feature"`
	ID         string          `json:"id"`
	Properties BaseProperties  `json:"properties"`
	Geometry   json.RawMessage `json:"geometry" doc:"GeoJSON Polygon, MultiPolygon or Point, WGS-84, simplified for the zoom"`
}

// BaseProperties say what a base feature is and where its name goes.
type BaseProperties struct {
	Code  string      `json:"code" doc:"division or grid code; a building's id"`
	Name  string      `json:"name"`
	Level string      `json:"level" doc:"city, district, subdistrict, community, grid or building"`
	Label *[2]float64 `json:"label,omitempty" doc:"where to write the name (lon, lat), when it fits at this zoom"`
}

// BaseBuilding is a building as the base map draws it: its footprint, or
// its point when it has none.
type BaseBuilding struct {
	ID        int64
	Name      string
	Lon, Lat  *float64
	Footprint json.RawMessage
}

// BuildingSource lists the buildings of the given grids that the actor of
// ctx may see, at most limit. The registry holds them; this module may
// not read its tables, so the application passes one in.
type BuildingSource func(ctx context.Context, grids []string, limit int) ([]BaseBuilding, error)

// SetBuildingSource sets where the base map's buildings come from. Call
// it before serving; without one the base map has no buildings.
func (s *Service) SetBuildingSource(src BuildingSource) { s.buildings = src }

// Limits of one answer: the features of the divisions and grids, and the
// buildings, and the grids whose buildings are asked for.
const (
	baseMaxOutlines  = 2000
	baseMaxBuildings = 1500
	baseMaxGridsAsk  = 80
)

// baseLevel is a level of the base map: from which zoom its outlines are
// drawn (and up to which), and from which its names are written.
type baseLevel struct {
	name              string
	codeLen           int
	from, to, labelAt int
}

// baseLevels are the outline levels, coarse to fine. Names are written
// from labelAt on while they fit their outline; where several levels
// qualify the page keeps the finest where they collide, so district names
// show at city zoom, community names closer and grid names closest.
var baseLevels = []baseLevel{
	{"city", 2, 0, 11, 99},
	{"city", 4, 0, 11, 99},
	{"district", 6, 0, 14, 0},
	{"subdistrict", 9, 10, 16, 11},
	{"community", 12, 12, 99, 13},
	{"grid", 15, 13, 99, 15},
	{"building", 0, 16, 99, 18},
}

func levelAt(name string) baseLevel {
	for _, l := range baseLevels {
		if l.name == name {
			return l
		}
	}
	return baseLevel{}
}

// ParseBox reads a box "west,south,east,north" in WGS-84 degrees.
func ParseBox(s string) (Extent, bool) {
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		return Extent{}, false
	}
	var e Extent
	for i, p := range parts {
		v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return Extent{}, false
		}
		e[i] = v
	}
	ok := e[0] >= -180 && e[2] <= 180 && e[1] >= -90 && e[3] <= 90 && e[0] < e[2] && e[1] < e[3]
	return e, ok
}

func (e Extent) intersects(o Extent) bool {
	return e[0] <= o[2] && o[0] <= e[2] && e[1] <= o[3] && o[1] <= e[3]
}

// BaseMap returns the base map of box at zoom for the actor: the outlines
// of the divisions in their territory and above it (the district a
// community lies in), their grids and, where they may see them, their
// buildings.
func (s *Service) BaseMap(ctx context.Context, box Extent, zoom int) (BaseMap, error) {
	zoom = max(0, min(zoom, 22))
	sc := authz.ScopeFrom(ctx)
	out := BaseMap{Type: "FeatureCollection", Features: []BaseFeature{}}
	var lens []string
	for _, l := range baseLevels {
		if l.codeLen >= 2 && l.codeLen <= 12 && zoom >= l.from && zoom <= l.to {
			lens = append(lens, strconv.Itoa(l.codeLen))
		}
	}
	type row struct {
		code, name, geometry string
		box                  Extent
		known                bool
	}
	scan := func(r db.Scanner) (row, error) {
		var x row
		var w, so, e, n sql.NullFloat64
		err := r.Scan(&x.code, &x.name, &x.geometry, &w, &so, &e, &n)
		if x.known = w.Valid && so.Valid && e.Valid && n.Valid; x.known {
			x.box = Extent{w.Float64, so.Float64, e.Float64, n.Float64}
		}
		return x, err
	}
	var rows []row
	if len(lens) > 0 {
		q, args := db.NewQuery(`/* territory.BaseMap.outlines */ SELECT b.region_code, r.name, b.geometry, b.min_lon, b.min_lat, b.max_lon, b.max_lat
			FROM territory_boundaries b JOIN territory_regions r ON r.code = b.region_code`).
			ScopeWithAncestors(sc, "b.region_code", "").
			And("length(b.region_code) IN ("+strings.Join(lens, ", ")+")").
			And("b.min_lon IS NULL OR (b.min_lon <= ? AND b.max_lon >= ? AND b.min_lat <= ? AND b.max_lat >= ?)", box[2], box[0], box[3], box[1]).
			Tail("ORDER BY length(b.region_code), b.region_code LIMIT ?", baseMaxOutlines+1).SQL()
		rs, err := db.Collect(ctx, s.db, q, args, scan)
		if err != nil {
			return out, fmt.Errorf("territory: base map outlines: %w", err)
		}
		rows = rs
	}
	grid := levelAt("grid")
	if zoom >= grid.from && len(rows) <= baseMaxOutlines {
		q, args := db.NewQuery(`/* territory.BaseMap.grids */ SELECT g.code, r.name, g.geometry, g.min_lon, g.min_lat, g.max_lon, g.max_lat
			FROM territory_grids g JOIN territory_regions r ON r.code = g.code`).
			Scope(sc, "g.code", "").
			And("g.min_lon <= ? AND g.max_lon >= ? AND g.min_lat <= ? AND g.max_lat >= ?", box[2], box[0], box[3], box[1]).
			Tail("ORDER BY g.code LIMIT ?", baseMaxOutlines+1-len(rows)).SQL()
		gs, err := db.Collect(ctx, s.db, q, args, scan)
		if err != nil {
			return out, fmt.Errorf("territory: base map grids: %w", err)
		}
		rows = append(rows, gs...)
	}
	if len(rows) > baseMaxOutlines {
		rows, out.Truncated = rows[:baseMaxOutlines], true
	}
	var grids []string
	for _, r := range rows {
		if !r.known {
			if r.box, r.known = geometryBox([]byte(r.geometry)); !r.known || !r.box.intersects(box) {
				continue
			}
		}
		lvl := baseLevelOf(r.code)
		parts, err := parseParts([]byte(r.geometry))
		if err != nil {
			return out, fmt.Errorf("territory: stored outline of %s: %w", r.code, err)
		}
		f, ok := baseFeature(r.code, r.name, lvl, parts, r.box, zoom)
		if !ok {
			continue
		}
		out.Features = append(out.Features, f)
		if lvl.name == "grid" && len(grids) < baseMaxGridsAsk {
			grids = append(grids, r.code)
		}
	}
	if b := levelAt("building"); zoom >= b.from && s.buildings != nil && len(grids) > 0 {
		bs, err := s.buildings(ctx, grids, baseMaxBuildings+1)
		if err != nil {
			return out, fmt.Errorf("territory: base map buildings: %w", err)
		}
		if len(bs) > baseMaxBuildings {
			bs, out.Truncated = bs[:baseMaxBuildings], true
		}
		for _, bd := range bs {
			if f, ok := buildingFeature(bd, box, zoom); ok {
				out.Features = append(out.Features, f)
			}
		}
	}
	return out, nil
}

func baseLevelOf(code string) baseLevel {
	for _, l := range baseLevels {
		if l.codeLen == len(code) {
			return l
		}
	}
	return baseLevel{name: "grid", codeLen: len(code), from: 13, to: 99, labelAt: 15}
}

// pixelsPerDegree is the width of one degree of longitude in pixels at
// zoom (256-pixel tiles, Web Mercator).
func pixelsPerDegree(zoom int) float64 { return 256 * math.Exp2(float64(zoom)) / 360 }

// mercY is a latitude's Web Mercator ordinate in degree-like units, so that
// a latitude span converts to pixels as a longitude span does.
func mercY(lat float64) float64 {
	lat = max(-85, min(85, lat))
	return math.Log(math.Tan(math.Pi/4+lat*math.Pi/360)) * 180 / math.Pi
}

// fits says whether a name can be written in an outline of box at zoom:
// at least 40 × 14 pixels, and not so large that its middle is far out
// of any view.
func fits(box Extent, zoom int) bool {
	ppd := pixelsPerDegree(zoom)
	w, h := (box[2]-box[0])*ppd, (mercY(box[3])-mercY(box[1]))*ppd
	return w >= 40 && h >= 14 && math.Min(w, h) <= 2048
}

func baseFeature(code, name string, lvl baseLevel, parts [][][][2]float64, box Extent, zoom int) (BaseFeature, bool) {
	tol := 0.5 / pixelsPerDegree(zoom) // half a pixel
	var kept [][][][2]float64
	for _, p := range parts {
		var rings [][][2]float64
		for i, ring := range p {
			if b := ringBox(ring); (b[2]-b[0]) < tol*2 && (b[3]-b[1]) < tol*2 {
				if i == 0 {
					break // a part smaller than a pixel
				}
				continue
			}
			r := simplifyRing(ring, tol)
			if len(r) < 4 {
				if i == 0 {
					break
				}
				continue
			}
			rings = append(rings, r)
		}
		if len(rings) > 0 {
			kept = append(kept, rings)
		}
	}
	if len(kept) == 0 {
		return BaseFeature{}, false
	}
	f := BaseFeature{Type: "Feature", ID: code, Geometry: encodeParts(kept, decimals(tol)),
		Properties: BaseProperties{Code: code, Name: name, Level: lvl.name}}
	if zoom >= lvl.labelAt && fits(box, zoom) {
		if p, ok := labelPoint(parts); ok {
			f.Properties.Label = &p
		}
	}
	return f, true
}

func buildingFeature(b BaseBuilding, box Extent, zoom int) (BaseFeature, bool) {
	id := strconv.FormatInt(b.ID, 10)
	f := BaseFeature{Type: "Feature", ID: "building-" + id, Properties: BaseProperties{Code: id, Name: b.Name, Level: "building"}}
	lvl := levelAt("building")
	if len(b.Footprint) > 0 {
		if parts, err := parseParts(b.Footprint); err == nil && len(parts) > 0 {
			fb := partsBox(parts)
			if !fb.intersects(box) {
				return f, false
			}
			if g, ok := baseFeature(id, b.Name, lvl, parts, fb, zoom); ok {
				g.ID = f.ID
				return g, true
			}
		}
	}
	if b.Lon == nil || b.Lat == nil {
		return f, false
	}
	lon, lat := *b.Lon, *b.Lat
	if !box.intersects(Extent{lon, lat, lon, lat}) {
		return f, false
	}
	f.Geometry = json.RawMessage(fmt.Sprintf(`{"type":"Point","coordinates":[%s,%s]}`, num(lon, 7), num(lat, 7)))
	if zoom >= lvl.labelAt && b.Name != "" {
		f.Properties.Label = &[2]float64{lon, lat}
	}
	return f, true
}

// parseParts reads a GeoJSON Polygon or MultiPolygon as a list of
// polygons, each a list of rings.
func parseParts(js []byte) ([][][][2]float64, error) {
	var g struct {
		Type        string          `json:"type"`
		Coordinates json.RawMessage `json:"coordinates"`
	}
	if err := json.Unmarshal(js, &g); err != nil {
		return nil, err
	}
	switch g.Type {
	case "Polygon":
		var p [][][2]float64
		if err := json.Unmarshal(g.Coordinates, &p); err != nil {
			return nil, err
		}
		return [][][][2]float64{p}, nil
	case "MultiPolygon":
		var mp [][][][2]float64
		if err := json.Unmarshal(g.Coordinates, &mp); err != nil {
			return nil, err
		}
		return mp, nil
	}
	return nil, fmt.Errorf("geometry type %q is not a Polygon or MultiPolygon", g.Type)
}

func ringBox(r [][2]float64) Extent {
	e := Extent{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
	for _, p := range r {
		e = e.union(Extent{p[0], p[1], p[0], p[1]})
	}
	return e
}

func partsBox(parts [][][][2]float64) Extent {
	e := Extent{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
	for _, p := range parts {
		if len(p) > 0 {
			e = e.union(ringBox(p[0]))
		}
	}
	return e
}

// simplifyRing drops the corners of a closed ring that lie within tol of
// the line through their neighbours that are kept (Douglas–Peucker),
// keeping it closed.
func simplifyRing(r [][2]float64, tol float64) [][2]float64 {
	n := len(r)
	if n <= 4 {
		return r
	}
	keep := make([]bool, n)
	keep[0], keep[n-1] = true, true
	// The corner farthest from the first splits the ring into two open
	// lines, which a plain Douglas–Peucker handles.
	far, best := 0, -1.0
	for i := 1; i < n-1; i++ {
		if d := math.Hypot(r[i][0]-r[0][0], r[i][1]-r[0][1]); d > best {
			far, best = i, d
		}
	}
	keep[far] = true
	type span struct{ a, b int }
	stack := []span{{0, far}, {far, n - 1}}
	for len(stack) > 0 {
		sp := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		idx, dmax := -1, tol
		for i := sp.a + 1; i < sp.b; i++ {
			if d := segDist(r[i], r[sp.a], r[sp.b]); d > dmax {
				idx, dmax = i, d
			}
		}
		if idx >= 0 {
			keep[idx] = true
			stack = append(stack, span{sp.a, idx}, span{idx, sp.b})
		}
	}
	out := make([][2]float64, 0, n)
	for i, k := range keep {
		if k {
			out = append(out, r[i])
		}
	}
	return out
}

func segDist(p, a, b [2]float64) float64 {
	dx, dy := b[0]-a[0], b[1]-a[1]
	if dx == 0 && dy == 0 {
		return math.Hypot(p[0]-a[0], p[1]-a[1])
	}
	t := ((p[0]-a[0])*dx + (p[1]-a[1])*dy) / (dx*dx + dy*dy)
	t = max(0, min(1, t))
	return math.Hypot(p[0]-(a[0]+t*dx), p[1]-(a[1]+t*dy))
}

// decimals is how many decimals of a degree keep a tenth of tol.
func decimals(tol float64) int {
	return max(5, min(7, int(math.Ceil(-math.Log10(tol/10)))))
}

func num(v float64, dec int) string {
	p := math.Pow10(dec)
	return strconv.FormatFloat(math.Round(v*p)/p, 'f', -1, 64)
}

// encodeParts writes polygons as a GeoJSON Polygon (one) or MultiPolygon.
func encodeParts(parts [][][][2]float64, dec int) json.RawMessage {
	var b strings.Builder
	poly := func(p [][][2]float64) {
		b.WriteByte('[')
		for i, ring := range p {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('[')
			for j, pt := range ring {
				if j > 0 {
					b.WriteByte(',')
				}
				b.WriteString("[" + num(pt[0], dec) + "," + num(pt[1], dec) + "]")
			}
			b.WriteByte(']')
		}
		b.WriteByte(']')
	}
	if len(parts) == 1 {
		b.WriteString(`{"type":"Polygon","coordinates":`)
		poly(parts[0])
	} else {
		b.WriteString(`{"type":"MultiPolygon","coordinates":[`)
		for i, p := range parts {
			if i > 0 {
				b.WriteByte(',')
			}
			poly(p)
		}
		b.WriteByte(']')
	}
	b.WriteByte('}')
	return json.RawMessage(b.String())
}

// labelPoint is a point inside the largest polygon of parts where its name
// can be written: the middle of the widest stretch inside it along one of
// three horizontal lines across its box.
func labelPoint(parts [][][][2]float64) ([2]float64, bool) {
	bestArea, bi := -1.0, -1
	for i, p := range parts {
		if len(p) == 0 {
			continue
		}
		if a := math.Abs(ringArea(p[0])); a > bestArea {
			bestArea, bi = a, i
		}
	}
	if bi < 0 {
		return [2]float64{}, false
	}
	p := parts[bi]
	box := ringBox(p[0])
	var best [2]float64
	width := -1.0
	for _, t := range []float64{0.5, 0.35, 0.65} {
		y := box[1] + (box[3]-box[1])*t + (box[3]-box[1])*1e-7
		var xs []float64
		for _, ring := range p {
			for i := 0; i+1 < len(ring); i++ {
				a, c := ring[i], ring[i+1]
				if (a[1] > y) != (c[1] > y) {
					xs = append(xs, a[0]+(y-a[1])*(c[0]-a[0])/(c[1]-a[1]))
				}
			}
		}
		sort.Float64s(xs)
		for i := 0; i+1 < len(xs); i += 2 {
			if w := xs[i+1] - xs[i]; w > width {
				width, best = w, [2]float64{(xs[i] + xs[i+1]) / 2, y}
			}
		}
	}
	if width < 0 {
		return box.Centre(), true
	}
	return [2]float64{math.Round(best[0]*1e6) / 1e6, math.Round(best[1]*1e6) / 1e6}, true
}

func ringArea(r [][2]float64) float64 {
	a := 0.0
	for i := 0; i+1 < len(r); i++ {
		a += r[i][0]*r[i+1][1] - r[i+1][0]*r[i][1]
	}
	return a / 2
}

// Outline returns what a map draws as a region's outline: its own, else
// its highest outlined descendants' together (a city's districts), marked
// Derived; not found when neither is known.
func (s *Service) Outline(ctx context.Context, code string) (Boundary, error) {
	b, err := s.Boundary(ctx, code)
	if errs.CodeOf(err) == errs.NotFound {
		if _, rerr := findRegion(ctx, s.db, authz.ScopeFrom(ctx), code); rerr != nil {
			return Boundary{}, rerr
		}
		return s.derivedBoundary(ctx, code)
	}
	return b, err
}

// derivedBoundary is the outline of a division that has none of its own:
// the outlines of its highest outlined descendants together.
func (s *Service) derivedBoundary(ctx context.Context, code string) (Boundary, error) {
	q, args := db.NewQuery(`/* territory.derivedBoundary.depth */ SELECT MIN(length(region_code)) FROM territory_boundaries`).
		Under("region_code", code).And("region_code <> ?", code).SQL()
	var depth sql.NullInt64
	if err := s.db.QueryRowContext(ctx, q, args...).Scan(&depth); err != nil {
		return Boundary{}, fmt.Errorf("territory: outlines under %s: %w", code, err)
	}
	if !depth.Valid {
		return Boundary{}, errs.NotFoundf("kind.boundary")
	}
	q, args = db.NewQuery(`/* territory.derivedBoundary */ SELECT region_code, geometry, source, approximate FROM territory_boundaries`).
		Under("region_code", code).And("length(region_code) = ?", depth.Int64).Tail("ORDER BY region_code").SQL()
	type part struct {
		code, geometry, source string
		approximate            bool
	}
	rows, err := db.Collect(ctx, s.db, q, args, func(r db.Scanner) (part, error) {
		var p part
		return p, r.Scan(&p.code, &p.geometry, &p.source, &p.approximate)
	})
	if err != nil {
		return Boundary{}, fmt.Errorf("territory: outlines under %s: %w", code, err)
	}
	b := Boundary{RegionCode: code, Derived: true}
	var polys []json.RawMessage
	var sources []string
	for _, p := range rows {
		var g struct {
			Type        string            `json:"type"`
			Coordinates []json.RawMessage `json:"coordinates"`
		}
		if err := json.Unmarshal([]byte(p.geometry), &g); err != nil {
			return Boundary{}, fmt.Errorf("territory: stored boundary of %s: %w", p.code, err)
		}
		switch g.Type {
		case "Polygon":
			raw, _ := json.Marshal(g.Coordinates)
			polys = append(polys, raw)
		case "MultiPolygon":
			polys = append(polys, g.Coordinates...)
		default:
			continue
		}
		b.Parts = append(b.Parts, p.code)
		b.Approximate = b.Approximate || p.approximate
		if !contains(sources, p.source) {
			sources = append(sources, p.source)
		}
		if a, err := geo.ParseArea([]byte(p.geometry)); err == nil {
			b.AreaM2 += math.Round(a.AreaM2())
		}
	}
	if len(b.Parts) == 0 {
		return Boundary{}, errs.NotFoundf("kind.boundary")
	}
	b.Source = strings.Join(sources, "; ")
	geom, err := json.Marshal(struct {
		Type        string            `json:"type"`
		Coordinates []json.RawMessage `json:"coordinates"`
	}{"MultiPolygon", polys})
	if err != nil {
		return Boundary{}, fmt.Errorf("territory: outline of %s: %w", code, err)
	}
	b.Geometry = geom
	return b, nil
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// Start readies the module once the migrations are applied: it fills the
// boxes of outlines stored before boxes were kept (once, recorded like a
// migration), then loads the point index.
func (s *Service) Start(ctx context.Context) error {
	if err := s.db.RunOnce(ctx, "territory", "0003_boundary_extent_fill", s.fillBoundaryBoxes); err != nil {
		return err
	}
	return s.LoadIndex(ctx)
}

// fillBoundaryBoxes computes the box of every outline that has none.
func (s *Service) fillBoundaryBoxes(ctx context.Context) error {
	q := `/* territory.fillBoundaryBoxes */ SELECT region_code, geometry FROM territory_boundaries WHERE min_lon IS NULL`
	type outline struct{ code, geometry string }
	rows, err := db.Collect(ctx, s.db, q, nil, func(r db.Scanner) (outline, error) {
		var o outline
		return o, r.Scan(&o.code, &o.geometry)
	})
	if err != nil {
		return fmt.Errorf("territory: outlines without a box: %w", err)
	}
	for _, o := range rows {
		b, ok := geometryBox([]byte(o.geometry))
		if !ok {
			continue
		}
		if _, err := s.db.ExecContext(ctx, `/* territory.fillBoundaryBoxes */ UPDATE territory_boundaries
			SET min_lon = ?, min_lat = ?, max_lon = ?, max_lat = ? WHERE region_code = ?`, b[0], b[1], b[2], b[3], o.code); err != nil {
			return fmt.Errorf("territory: box of %s: %w", o.code, err)
		}
	}
	return nil
}
