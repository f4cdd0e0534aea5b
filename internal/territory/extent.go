package territory

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"

	"grassroots/internal/platform/db"
)

// Extent is a box on the map in WGS-84: west, south, east, north.
type Extent [4]float64

// Centre is the middle of the box (lon, lat).
func (e Extent) Centre() [2]float64 { return [2]float64{(e[0] + e[2]) / 2, (e[1] + e[3]) / 2} }

func (e Extent) union(o Extent) Extent {
	return Extent{math.Min(e[0], o[0]), math.Min(e[1], o[1]), math.Max(e[2], o[2]), math.Max(e[3], o[3])}
}

// UnscopedExtent returns the box around what the map knows of code's
// subtree ("" for the whole database): the outlines of its top-most
// divisions that have one (the districts' for a city) and its grids. ok is
// false when neither is known. The city profile frames every map with it,
// the same for every viewer, so it reads whatever the actor.
func (s *Service) UnscopedExtent(ctx context.Context, code string) (ext Extent, ok bool, err error) {
	q, args := db.NewQuery(`/* territory.UnscopedExtent.grids */ SELECT MIN(min_lon), MIN(min_lat), MAX(max_lon), MAX(max_lat) FROM territory_grids`).
		Under("code", code).SQL()
	var w, so, e, n sql.NullFloat64
	if err := s.db.QueryRowContext(ctx, q, args...).Scan(&w, &so, &e, &n); err != nil {
		return ext, false, fmt.Errorf("territory: extent of the grids under %s: %w", code, err)
	}
	if w.Valid {
		ext, ok = Extent{w.Float64, so.Float64, e.Float64, n.Float64}, true
	}
	q, args = db.NewQuery(`/* territory.UnscopedExtent.depth */ SELECT MIN(length(region_code)) FROM territory_boundaries`).
		Under("region_code", code).SQL()
	var top sql.NullInt64
	if err := s.db.QueryRowContext(ctx, q, args...).Scan(&top); err != nil {
		return ext, false, fmt.Errorf("territory: outlines under %s: %w", code, err)
	}
	if !top.Valid {
		return ext, ok, nil
	}
	q, args = db.NewQuery(`/* territory.UnscopedExtent.outlines */ SELECT geometry FROM territory_boundaries`).
		Under("region_code", code).And("length(region_code) = ?", top.Int64).SQL()
	outlines, err := db.Collect(ctx, s.db, q, args, func(r db.Scanner) (string, error) {
		var g string
		return g, r.Scan(&g)
	})
	if err != nil {
		return ext, false, fmt.Errorf("territory: outlines under %s: %w", code, err)
	}
	for _, g := range outlines {
		b, found := geometryBox([]byte(g))
		if !found {
			continue
		}
		if ok {
			ext = ext.union(b)
		} else {
			ext, ok = b, true
		}
	}
	return ext, ok, nil
}

// geometryBox is the box around a stored GeoJSON geometry's coordinates,
// however deeply nested (Polygon, MultiPolygon).
func geometryBox(js []byte) (Extent, bool) {
	var g struct {
		Coordinates any `json:"coordinates"`
	}
	if json.Unmarshal(js, &g) != nil {
		return Extent{}, false
	}
	ext := Extent{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
	found := false
	var walk func(v any)
	walk = func(v any) {
		xs, isList := v.([]any)
		if !isList {
			return
		}
		if len(xs) >= 2 {
			lon, okx := xs[0].(float64)
			lat, oky := xs[1].(float64)
			if okx && oky {
				ext = ext.union(Extent{lon, lat, lon, lat})
				found = true
				return
			}
		}
		for _, x := range xs {
			walk(x)
		}
	}
	walk(g.Coordinates)
	return ext, found
}
