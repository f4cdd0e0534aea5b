package territory

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"grassroots/internal/platform/audit"
	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/change"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/geo"
	"grassroots/internal/platform/text"
)

// Grid is a unit grid: a polygon inside one community.
type Grid struct {
	Code          string          `json:"code"`
	Name          string          `json:"name"`
	CommunityCode string          `json:"community_code"`
	Geometry      json.RawMessage `json:"geometry" doc:"GeoJSON Polygon, WGS-84"`
	AreaM2        float64         `json:"area_m2"`
	Version       int             `json:"version"`
	UpdatedAt     time.Time       `json:"updated_at"`
}

// GridInput creates or replaces a grid. Code may be empty on creation: the
// next free number in the community is used.
type GridInput struct {
	Code          string          `json:"code,omitempty"`
	CommunityCode string          `json:"community_code"`
	Name          string          `json:"name"`
	Geometry      json.RawMessage `json:"geometry" doc:"GeoJSON Polygon, WGS-84"`
	Version       int             `json:"version,omitempty" doc:"required when changing a grid"`
}

// Place is where a point lies: its grid and the divisions above it.
type Place struct {
	Grid        Region `json:"grid"`
	Community   Region `json:"community"`
	Subdistrict Region `json:"subdistrict"`
	District    Region `json:"district"`
}

// overlapTolM2 is the shared area two grids may have before it counts as
// an overlap: hand-drawn edges meet only to within a few centimetres.
const overlapTolM2 = 1.0

// outsideTolM2 is how much of a grid may stick out of its community's
// boundary, for the same reason.
const outsideTolM2 = 50.0

const gridCols = `g.code, r.name, g.community_code, g.geometry, g.area_m2, g.version, g.updated_at`

func scanGrid(s db.Scanner) (Grid, error) {
	var g Grid
	var geom string
	err := s.Scan(&g.Code, &g.Name, &g.CommunityCode, &geom, &g.AreaM2, &g.Version, &g.UpdatedAt)
	g.Geometry = json.RawMessage(geom)
	return g, err
}

// GridFilter selects grids.
type GridFilter struct {
	Region string // subtree (a community or above)
	After  string // cursor
	Limit  int
}

func findGrids(ctx context.Context, q db.Querier, sc authz.Scope, f GridFilter) ([]Grid, error) {
	qb := db.NewQuery(`/* territory.findGrids */ SELECT `+gridCols+` FROM territory_grids g JOIN territory_regions r ON r.code = g.code`).
		Scope(sc, "g.code", "")
	if f.Region != "" {
		qb.Scope(authz.Scope{Region: f.Region}, "g.code", "")
	}
	if f.After != "" {
		qb.And("g.code > ?", f.After)
	}
	if f.Limit <= 0 {
		f.Limit = 100000
	}
	qb.Tail("ORDER BY g.code LIMIT ?", f.Limit)
	s, args := qb.SQL()
	out, err := db.Collect(ctx, q, s, args, scanGrid)
	if err != nil {
		return nil, fmt.Errorf("territory: find grids: %w", err)
	}
	return out, nil
}

func findGrid(ctx context.Context, q db.Querier, sc authz.Scope, code string) (Grid, error) {
	qb := db.NewQuery(`/* territory.findGrid */ SELECT `+gridCols+` FROM territory_grids g JOIN territory_regions r ON r.code = g.code`).
		And("g.code = ?", code).Scope(sc, "g.code", "")
	s, args := qb.SQL()
	g, err := db.One(ctx, q, s, args, scanGrid, error(errs.NotFoundf("kind.grid")))
	if err != nil && errs.CodeOf(err) != errs.NotFound {
		return g, fmt.Errorf("territory: find grid %s: %w", code, err)
	}
	return g, err
}

// Grids lists the grids in the actor's scope.
func (s *Service) Grids(ctx context.Context, f GridFilter) ([]Grid, error) {
	return findGrids(ctx, s.db, authz.ScopeFrom(ctx), f)
}

// UnscopedGrids lists grids whatever the actor, for names in a report
// over a subtree the caller has already checked.
func (s *Service) UnscopedGrids(ctx context.Context, f GridFilter) ([]Grid, error) {
	return findGrids(ctx, s.db, authz.All, f)
}

// Grid returns one grid in scope.
func (s *Service) Grid(ctx context.Context, code string) (Grid, error) {
	return findGrid(ctx, s.db, authz.ScopeFrom(ctx), code)
}

// GridIndexLen is the number of grids in the point index.
func (s *Service) GridIndexLen() int { return s.index.Len() }

// LocateGrid returns the code of the grid containing (lon, lat), WGS-84,
// without scope: modules use it to route what they receive.
func (s *Service) LocateGrid(lon, lat float64) (string, bool) { return s.index.Locate(lon, lat) }

// Locate returns the grid and the divisions above a point, within the
// actor's scope (a point in someone else's grid is not found).
func (s *Service) Locate(ctx context.Context, lon, lat float64) (Place, error) {
	var fe errs.Fields
	if math.IsNaN(lon) || lon < -180 || lon > 180 {
		fe.Add("lon", "rule.range", "-180–180")
	}
	if math.IsNaN(lat) || lat < -90 || lat > 90 {
		fe.Add("lat", "rule.range", "-90–90")
	}
	if err := fe.Err(); err != nil {
		return Place{}, err
	}
	code, ok := s.index.Locate(lon, lat)
	if !ok || !authz.ScopeFrom(ctx).Contains(code) {
		return Place{}, errs.E(errs.NotFound, "err.no_grid_here")
	}
	// The divisions above the grid are public names, shown even above the
	// actor's own scope.
	crumbs, err := s.breadcrumb(ctx, authz.All, code)
	if err != nil {
		return Place{}, err
	}
	var p Place
	for _, r := range crumbs {
		switch r.Level {
		case LevelGrid:
			p.Grid = r
		case LevelCommunity:
			p.Community = r
		case LevelSubdistrict:
			p.Subdistrict = r
		case LevelDistrict:
			p.District = r
		}
	}
	if p.Grid.Code == "" {
		return Place{}, errs.E(errs.NotFound, "err.no_grid_here")
	}
	return p, nil
}

// GridProblem is one reason a grid was refused, with the overlapping grid
// and the shared area where that is the reason.
type GridProblem struct {
	Field   string  `json:"field"`
	Rule    string  `json:"rule"`
	Detail  string  `json:"detail,omitempty"`
	Other   string  `json:"other,omitempty"`
	AreaM2  float64 `json:"area_m2,omitempty"`
	Feature int     `json:"feature,omitempty" doc:"1-based feature number in an import"`
}

// checkedGrid is a grid input that passed validation.
type checkedGrid struct {
	in   GridInput
	poly geo.Polygon
}

// validateGrid checks one grid against its community: code, name, a valid
// polygon, inside the community's boundary where known, and no overlap
// with the other grids (others maps code → polygon, without this grid).
func (s *Service) validateGrid(ctx context.Context, q db.Querier, in GridInput, others map[string]geo.Polygon) (checkedGrid, []GridProblem) {
	var ps []GridProblem
	add := func(field, rule, detail string) {
		ps = append(ps, GridProblem{Field: field, Rule: rule, Detail: detail})
	}
	name, rule := text.Line(in.Name)
	if in.Name = name; rule != "" {
		add("name", rule, "")
	} else if in.Name == "" {
		add("name", "rule.required", "")
	} else if utf8.RuneCountInString(in.Name) > 60 {
		add("name", "rule.max_length", "60")
	}
	if in.CommunityCode == "" {
		add("community_code", "rule.required", "")
	} else if r, err := findRegion(ctx, q, authz.ScopeFrom(ctx), in.CommunityCode); err != nil || r.Level != LevelCommunity {
		add("community_code", "rule.community", in.CommunityCode)
	}
	if in.Code != "" && (len(in.Code) != 15 || !digits(in.Code) || !strings.HasPrefix(in.Code, in.CommunityCode)) {
		add("code", "rule.grid_code", in.CommunityCode+"NNN")
	}
	poly, err := geo.ParsePolygon(in.Geometry)
	if err != nil {
		add("geometry", "rule.polygon", err.Error())
		return checkedGrid{}, ps
	}
	if len(ps) > 0 {
		return checkedGrid{}, ps
	}
	if b, ok, err := boundary(ctx, q, in.CommunityCode); err != nil {
		add("geometry", "rule.polygon", err.Error())
	} else if ok {
		inside, out, err := geo.Within(poly, b, outsideTolM2)
		if err != nil {
			add("geometry", "rule.polygon", err.Error())
		} else if !inside {
			ps = append(ps, GridProblem{Field: "geometry", Rule: "rule.outside_community", AreaM2: math.Round(out)})
		}
	}
	codes := make([]string, 0, len(others))
	for c := range others {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	for _, c := range codes {
		ov, err := geo.OverlapM2(poly, others[c])
		if err != nil {
			add("geometry", "rule.polygon", err.Error())
			continue
		}
		if ov > overlapTolM2 {
			ps = append(ps, GridProblem{Field: "geometry", Rule: "rule.overlap", Other: c, AreaM2: math.Round(ov*10) / 10})
		}
	}
	return checkedGrid{in: in, poly: poly}, ps
}

// communityGrids returns the polygons of a community's grids.
func communityGrids(ctx context.Context, q db.Querier, community string) (map[string]geo.Polygon, error) {
	gs, err := findGrids(ctx, q, authz.All, GridFilter{Region: community})
	if err != nil {
		return nil, err
	}
	out := make(map[string]geo.Polygon, len(gs))
	for _, g := range gs {
		p, err := geo.ParsePolygon(g.Geometry)
		if err != nil {
			return nil, fmt.Errorf("territory: stored grid %s: %w", g.Code, err)
		}
		out[g.Code] = p
	}
	return out, nil
}

// nextGridCode returns the first unused 3-digit number in a community.
func nextGridCode(ctx context.Context, q db.Querier, community string) (string, error) {
	var last string
	lo, hi := authz.PrefixRange(community)
	err := q.QueryRowContext(ctx, `/* territory.nextGridCode */ SELECT COALESCE(MAX(code), '') FROM territory_regions
		WHERE level = 'grid' AND code > ? AND code < ?`, lo, hi).Scan(&last)
	if err != nil {
		return "", fmt.Errorf("territory: next grid code: %w", err)
	}
	n := 1
	if last != "" {
		k, _ := strconv.Atoi(last[len(last)-3:])
		n = k + 1
	}
	if n > 999 {
		return "", errs.Field("code", "rule.grid_full", community)
	}
	return fmt.Sprintf("%s%03d", community, n), nil
}

func problemsErr(ps []GridProblem) error {
	var fe errs.Fields
	for _, p := range ps {
		param := p.Detail
		if p.Other != "" {
			param = fmt.Sprintf("%s, %.1f m²", p.Other, p.AreaM2)
		} else if p.Rule == "rule.outside_community" {
			param = fmt.Sprintf("%.0f m²", p.AreaM2)
		}
		fe.Add(p.Field, p.Rule, param)
	}
	return fe.Err()
}

// writeGrid inserts or updates a checked grid in tx and records it.
func writeGrid(ctx context.Context, tx *db.Tx, c checkedGrid, before *Grid) (Grid, error) {
	b := c.poly.Bounds()
	g := Grid{Code: c.in.Code, Name: c.in.Name, CommunityCode: c.in.CommunityCode, Geometry: json.RawMessage(c.poly.GeoJSON()),
		AreaM2: math.Round(c.poly.AreaM2()*10) / 10, UpdatedAt: tx.Now(), Version: 1}
	if _, err := upsertRegion(ctx, tx, Region{Code: g.Code, Name: g.Name, Level: LevelGrid, ParentCode: g.CommunityCode}); err != nil {
		return g, err
	}
	if before == nil {
		_, err := tx.ExecContext(ctx, `/* territory.writeGrid */
			INSERT INTO territory_grids (code, community_code, geometry, min_lon, min_lat, max_lon, max_lat, area_m2, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, g.Code, g.CommunityCode, string(g.Geometry), b[0], b[1], b[2], b[3], g.AreaM2, g.UpdatedAt)
		if db.IsUniqueViolation(err) {
			return g, errs.Field("code", "rule.unique", g.Code)
		}
		if err != nil {
			return g, fmt.Errorf("territory: insert grid %s: %w", g.Code, err)
		}
	} else {
		res, err := tx.ExecContext(ctx, `/* territory.writeGrid */
			UPDATE territory_grids SET geometry = ?, min_lon = ?, min_lat = ?, max_lon = ?, max_lat = ?, area_m2 = ?,
				updated_at = ?, version = version + 1 WHERE code = ? AND version = ?`,
			string(g.Geometry), b[0], b[1], b[2], b[3], g.AreaM2, g.UpdatedAt, g.Code, before.Version)
		if err != nil {
			return g, fmt.Errorf("territory: update grid %s: %w", g.Code, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return g, errs.E(errs.Conflict, "err.conflict")
		}
		g.Version = before.Version + 1
	}
	action, prev := "territory.grid.create", any(nil)
	if before != nil {
		action, prev = "territory.grid.update", before
	}
	return g, audit.Record(ctx, tx, audit.Entry{Action: action, ObjectType: "grid", ObjectID: g.Code, Region: g.Code, Before: prev, After: g})
}

// CreateGrid adds a grid to a community in the actor's scope.
func (s *Service) CreateGrid(ctx context.Context, in GridInput) (Grid, error) {
	var out Grid
	var poly geo.Polygon
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		others, err := communityGrids(ctx, tx, in.CommunityCode)
		if err != nil {
			return err
		}
		c, ps := s.validateGrid(ctx, tx, in, others)
		if len(ps) > 0 {
			return problemsErr(ps)
		}
		if c.in.Code == "" {
			if c.in.Code, err = nextGridCode(ctx, tx, c.in.CommunityCode); err != nil {
				return err
			}
		}
		poly = c.poly
		out, err = writeGrid(ctx, tx, c, nil)
		change.Touch(tx, TopicGrids)
		change.Touch(tx, TopicRegions)
		return err
	})
	if err != nil {
		return Grid{}, err
	}
	s.indexGrid(out, poly)
	s.counts.Clear()
	return out, nil
}

// UpdateGrid renames or redraws a grid; in.Version must match.
func (s *Service) UpdateGrid(ctx context.Context, code string, in GridInput) (Grid, error) {
	var out Grid
	var poly geo.Polygon
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		before, err := findGrid(ctx, tx, authz.ScopeFrom(ctx), code)
		if err != nil {
			return err
		}
		if in.Version != before.Version {
			return errs.E(errs.Conflict, "err.conflict")
		}
		in.Code, in.CommunityCode = code, before.CommunityCode
		if len(in.Geometry) == 0 {
			in.Geometry = before.Geometry
		}
		if strings.TrimSpace(in.Name) == "" {
			in.Name = before.Name
		}
		others, err := communityGrids(ctx, tx, before.CommunityCode)
		if err != nil {
			return err
		}
		delete(others, code)
		c, ps := s.validateGrid(ctx, tx, in, others)
		if len(ps) > 0 {
			return problemsErr(ps)
		}
		poly = c.poly
		out, err = writeGrid(ctx, tx, c, &before)
		change.Touch(tx, TopicGrids)
		return err
	})
	if err != nil {
		return Grid{}, err
	}
	s.indexGrid(out, poly)
	return out, nil
}

// Feature is a GeoJSON feature of a grid.
type Feature struct {
	Type       string          `json:"type"`
	ID         string          `json:"id,omitempty"`
	Properties map[string]any  `json:"properties"`
	Geometry   json.RawMessage `json:"geometry"`
}

// FeatureCollection is a GeoJSON feature collection.
type FeatureCollection struct {
	Type     string    `json:"type"`
	Features []Feature `json:"features"`
}

// GridsGeoJSON exports the grids of a region in scope as GeoJSON, with the
// properties an import reads back.
func (s *Service) GridsGeoJSON(ctx context.Context, region string) (FeatureCollection, error) {
	if region != "" {
		if _, err := findRegion(ctx, s.db, authz.ScopeFrom(ctx), region); err != nil {
			return FeatureCollection{}, err
		}
	}
	gs, err := s.Grids(ctx, GridFilter{Region: region})
	if err != nil {
		return FeatureCollection{}, err
	}
	fc := FeatureCollection{Type: "FeatureCollection", Features: make([]Feature, len(gs))}
	for i, g := range gs {
		fc.Features[i] = Feature{Type: "Feature", ID: g.Code, Geometry: g.Geometry, Properties: map[string]any{
			"code": g.Code, "name": g.Name, "community_code": g.CommunityCode, "area_m2": g.AreaM2}}
	}
	return fc, nil
}

// GridImportReport tells what a GeoJSON import did.
type GridImportReport struct {
	Features  int           `json:"features"`
	Created   int           `json:"created"`
	Changed   int           `json:"changed"`
	Unchanged int           `json:"unchanged"`
	Problems  []GridProblem `json:"problems,omitempty"`
	Committed bool          `json:"committed"`
}

// ImportGrids reads a GeoJSON FeatureCollection whose features carry
// properties community_code, name and optionally code. Every feature is
// checked — against its community, the grids already there and the other
// features — and every problem reported; nothing is written if any feature
// is bad unless keepGood. Importing the same file again changes nothing.
func (s *Service) ImportGrids(ctx context.Context, data []byte, keepGood bool) (GridImportReport, error) {
	var rep GridImportReport
	var fc struct {
		Type     string `json:"type"`
		Features []struct {
			Properties struct {
				Code          string `json:"code"`
				CommunityCode string `json:"community_code"`
				Name          string `json:"name"`
			} `json:"properties"`
			Geometry json.RawMessage `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal(data, &fc); err != nil || fc.Type != "FeatureCollection" {
		return rep, errs.Field("file", "rule.feature_collection", "")
	}
	rep.Features = len(fc.Features)
	type item struct {
		c      checkedGrid
		before *Grid
		same   bool
	}
	var items []item
	var written []Grid
	polys := map[string]map[string]geo.Polygon{} // community → code → polygon, the state the import would leave
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		for i, f := range fc.Features {
			in := GridInput{Code: f.Properties.Code, CommunityCode: f.Properties.CommunityCode, Name: f.Properties.Name, Geometry: f.Geometry}
			if polys[in.CommunityCode] == nil && in.CommunityCode != "" {
				m, err := communityGrids(ctx, tx, in.CommunityCode)
				if err != nil {
					return err
				}
				polys[in.CommunityCode] = m
			}
			others := map[string]geo.Polygon{}
			for c, p := range polys[in.CommunityCode] {
				if c != in.Code {
					others[c] = p
				}
			}
			c, ps := s.validateGrid(ctx, tx, in, others)
			if len(ps) > 0 {
				for j := range ps {
					ps[j].Feature = i + 1
				}
				rep.Problems = append(rep.Problems, ps...)
				continue
			}
			it := item{c: c}
			if c.in.Code == "" {
				code, err := nextGridCode(ctx, tx, c.in.CommunityCode)
				if err != nil {
					return err
				}
				// Codes handed out earlier in this import are not in the
				// database yet: skip past them.
				for used(polys[c.in.CommunityCode], code) {
					k, _ := strconv.Atoi(code[12:])
					code = fmt.Sprintf("%s%03d", c.in.CommunityCode, k+1)
				}
				it.c.in.Code = code
			} else if old, err := findGrid(ctx, tx, authz.All, c.in.Code); err == nil {
				it.before = &old
				it.same = old.Name == c.in.Name && string(old.Geometry) == c.poly.GeoJSON()
			}
			polys[c.in.CommunityCode][it.c.in.Code] = c.poly
			items = append(items, it)
		}
		if len(rep.Problems) > 0 && !keepGood {
			return errImportRefused
		}
		for _, it := range items {
			switch {
			case it.same:
				rep.Unchanged++
				continue
			case it.before != nil:
				rep.Changed++
			default:
				rep.Created++
			}
			g, err := writeGrid(ctx, tx, it.c, it.before)
			if err != nil {
				return err
			}
			written = append(written, g)
			change.Touch(tx, TopicGrids)
			change.Touch(tx, TopicRegions)
		}
		return nil
	})
	if err == errImportRefused {
		rep.Created, rep.Changed, rep.Unchanged = 0, 0, 0
		return rep, nil
	}
	if err != nil {
		return GridImportReport{Features: rep.Features, Problems: rep.Problems}, err
	}
	rep.Committed = true
	drawn := make(map[string]geo.Polygon, len(items))
	for _, it := range items {
		drawn[it.c.in.Code] = it.c.poly
	}
	s.indexGrids(written, drawn)
	s.counts.Clear()
	return rep, nil
}

func used(m map[string]geo.Polygon, code string) bool {
	_, ok := m[code]
	return ok
}

var errImportRefused = errs.E(errs.Invalid, "err.import_refused")

// boundary returns a region's known boundary.
func boundary(ctx context.Context, q db.Querier, code string) (geo.Area, bool, error) {
	var js string
	err := q.QueryRowContext(ctx, `/* territory.boundary */ SELECT geometry FROM territory_boundaries WHERE region_code = ?`, code).Scan(&js)
	if errors.Is(err, sql.ErrNoRows) {
		return geo.Area{}, false, nil
	}
	if err != nil {
		return geo.Area{}, false, fmt.Errorf("territory: boundary of %s: %w", code, err)
	}
	a, err := geo.ParseArea([]byte(js))
	if err != nil {
		return geo.Area{}, false, fmt.Errorf("territory: stored boundary of %s: %w", code, err)
	}
	return a, true, nil
}

// Boundary is a division's known outline.
type Boundary struct {
	RegionCode  string          `json:"region_code"`
	Geometry    json.RawMessage `json:"geometry" doc:"GeoJSON Polygon or MultiPolygon, WGS-84"`
	Source      string          `json:"source"`
	Approximate bool            `json:"approximate" doc:"true for outlines that are not surveyed data"`
	AreaM2      float64         `json:"area_m2"`
	// Derived is true for a division without an outline of its own (a
	// city whose districts have one): Geometry is then the outlines of
	// its highest outlined descendants together, one MultiPolygon, and
	// Parts names them, so that a city's map shows its districts.
	Derived bool     `json:"derived,omitempty" doc:"true when the division has no outline of its own and geometry is its outlined descendants' outlines together"`
	Parts   []string `json:"parts,omitempty" doc:"codes of the divisions whose outlines make up a derived geometry"`
}

// BoundaryInput sets a division's outline.
type BoundaryInput struct {
	Geometry    json.RawMessage `json:"geometry"`
	Source      string          `json:"source"`
	Approximate bool            `json:"approximate"`
	// GCJ02 says the coordinates are GCJ-02 (Amap and similar web maps);
	// they are converted to WGS-84 before storage.
	GCJ02 bool `json:"gcj02,omitempty"`
}

// Boundary returns a region's own outline, if known.
func (s *Service) Boundary(ctx context.Context, code string) (Boundary, error) {
	if _, err := findRegion(ctx, s.db, authz.ScopeFrom(ctx), code); err != nil {
		return Boundary{}, err
	}
	var b Boundary
	var js string
	err := s.db.QueryRowContext(ctx, `/* territory.Boundary */ SELECT region_code, geometry, source, approximate FROM territory_boundaries WHERE region_code = ?`, code).
		Scan(&b.RegionCode, &js, &b.Source, &b.Approximate)
	if errors.Is(err, sql.ErrNoRows) {
		return b, errs.NotFoundf("kind.boundary")
	}
	if err != nil {
		return b, fmt.Errorf("territory: boundary %s: %w", code, err)
	}
	b.Geometry = json.RawMessage(js)
	if a, err := geo.ParseArea(b.Geometry); err == nil {
		b.AreaM2 = math.Round(a.AreaM2())
	}
	return b, nil
}

// SetBoundary stores a region's outline (repairing self-intersections).
func (s *Service) SetBoundary(ctx context.Context, code string, in BoundaryInput) (Boundary, error) {
	a, err := geo.ParseArea(in.Geometry)
	if err != nil {
		return Boundary{}, errs.Field("geometry", "rule.polygon", err.Error())
	}
	if in.GCJ02 {
		a = a.TransformLonLat(geo.GCJ02ToWGS84)
	}
	if strings.TrimSpace(in.Source) == "" {
		return Boundary{}, errs.Field("source", "rule.required", "")
	}
	b := Boundary{RegionCode: code, Geometry: json.RawMessage(a.GeoJSON()), Source: in.Source, Approximate: in.Approximate, AreaM2: math.Round(a.AreaM2())}
	box, _ := geometryBox(b.Geometry)
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		if _, err := findRegion(ctx, tx, authz.ScopeFrom(ctx), code); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `/* territory.SetBoundary */
			INSERT INTO territory_boundaries (region_code, geometry, source, approximate, updated_at, min_lon, min_lat, max_lon, max_lat)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (region_code) DO UPDATE SET geometry = excluded.geometry, source = excluded.source,
				approximate = excluded.approximate, updated_at = excluded.updated_at,
				min_lon = excluded.min_lon, min_lat = excluded.min_lat, max_lon = excluded.max_lon, max_lat = excluded.max_lat`,
			code, string(b.Geometry), b.Source, b.Approximate, tx.Now(), box[0], box[1], box[2], box[3])
		if err != nil {
			return fmt.Errorf("territory: set boundary %s: %w", code, err)
		}
		change.Touch(tx, TopicBoundaries)
		return audit.Record(ctx, tx, audit.Entry{Action: "territory.boundary.set", ObjectType: "region", ObjectID: code, Region: code,
			Detail: map[string]any{"source": b.Source, "approximate": b.Approximate, "area_m2": b.AreaM2}})
	})
	return b, err
}
