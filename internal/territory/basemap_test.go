package territory_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"grassroots/internal/apptest"
	"grassroots/internal/territory"
)

func rectJSON(w, s, e, n float64) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"type":"Polygon","coordinates":[[[%v,%v],[%v,%v],[%v,%v],[%v,%v],[%v,%v]]]}`, w, s, e, s, e, n, w, n, w, s))
}

// circleJSON is a ring of n corners round (lon, lat): an outline with
// more detail than a small zoom can show.
func circleJSON(lon, lat, r float64, n int) json.RawMessage {
	var b strings.Builder
	b.WriteString(`{"type":"Polygon","coordinates":[[`)
	for i := 0; i <= n; i++ {
		a := 2 * math.Pi * float64(i%n) / float64(n)
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "[%.7f,%.7f]", lon+r*math.Cos(a), lat+r*math.Sin(a))
	}
	b.WriteString(`]]}`)
	return json.RawMessage(b.String())
}

// mustOutlines gives the fixture's districts and communities outlines:
// district A a detailed circle round its grids, district B a rectangle
// round its own, each community a rectangle round its grids.
func mustOutlines(t *testing.T, e *apptest.Env) {
	t.Helper()
	for code, g := range map[string]json.RawMessage{
		apptest.DistrictA:  circleJSON(114.10, 22.55, 0.12, 720),
		apptest.DistrictB:  rectJSON(114.15, 22.60, 114.40, 22.80),
		apptest.CommunityA: rectJSON(114.099, 22.549, 114.105, 22.553),
		apptest.CommunityB: rectJSON(114.199, 22.649, 114.203, 22.653),
	} {
		if _, err := e.App.Territory.SetBoundary(e.System(), code, territory.BoundaryInput{Geometry: g, Source: "测试", Approximate: true}); err != nil {
			t.Fatalf("outline of %s: %v", code, err)
		}
	}
}

// baseMap asks for the base map of a box at a zoom.
func baseMap(t *testing.T, c *apptest.Client, box [4]float64, zoom int) territory.BaseMap {
	t.Helper()
	r := c.Get(fmt.Sprintf("/api/v1/basemap.geojson?bbox=%v,%v,%v,%v&zoom=%d", box[0], box[1], box[2], box[3], zoom))
	if r.StatusCode != http.StatusOK {
		t.Fatalf("base map at %d: %d %s", zoom, r.StatusCode, r.Body)
	}
	var bm territory.BaseMap
	r.JSON(t, &bm)
	return bm
}

type shown struct {
	Level, Code string
	Labelled    bool
}

func shapes(bm territory.BaseMap) []shown {
	var out []shown
	for _, f := range bm.Features {
		out = append(out, shown{f.Properties.Level, f.Properties.Code, f.Properties.Label != nil})
	}
	return out
}

// corners counts the positions of a GeoJSON polygon.
func corners(t *testing.T, g json.RawMessage) int {
	t.Helper()
	var p struct {
		Coordinates [][][2]float64 `json:"coordinates"`
	}
	if err := json.Unmarshal(g, &p); err != nil {
		t.Fatalf("geometry %s: %v", g, err)
	}
	n := 0
	for _, r := range p.Coordinates {
		n += len(r)
	}
	return n
}

// TestBaseMap reads the base map as a resident's map would, zooming in
// from the city to a community: district outlines and names at city
// zoom, simplified; closer, the community and its grids with their names
// and the buildings; only within the reader's territory and above it.
func TestBaseMap(t *testing.T) {
	e := apptest.New(t)
	mustOutlines(t, e)
	city := e.Login("city")
	cityBox := [4]float64{113.9, 22.4, 114.5, 22.9}
	communityBox := [4]float64{114.098, 22.548, 114.106, 22.554}

	t.Run("CityZoomDistricts", func(t *testing.T) {
		bm := baseMap(t, city, cityBox, 9)
		want := []shown{{"district", apptest.DistrictA, true}, {"district", apptest.DistrictB, true}}
		if d := cmp.Diff(want, shapes(bm)); d != "" {
			t.Errorf("at city zoom (-want +got):\n%s", d)
		}
		if bm.Truncated {
			t.Error("two districts reported as truncated")
		}
		for _, f := range bm.Features {
			if f.Properties.Name == "" {
				t.Errorf("%s has no name", f.ID)
			}
			l := *f.Properties.Label
			if f.ID == apptest.DistrictA && math.Hypot(l[0]-114.10, l[1]-22.55) > 0.12 {
				t.Errorf("district A's name is written at %v, outside its outline", l)
			}
		}
		// 721 stored corners are drawn with far fewer at city zoom than
		// close up, where the outline's curve shows.
		far := corners(t, bm.Features[0].Geometry)
		near := baseMap(t, city, [4]float64{114.21, 22.54, 114.23, 22.56}, 14)
		var close int
		for _, f := range near.Features {
			if f.ID == apptest.DistrictA {
				close = corners(t, f.Geometry)
			}
		}
		if far < 8 || far > 60 || close < 3*far {
			t.Errorf("district A has %d corners at zoom 9 and %d at zoom 14 (of its 721); want 8–60, and three times as many close up", far, close)
		}
	})

	t.Run("CommunityZoomGridsAndBuildings", func(t *testing.T) {
		bm := baseMap(t, city, communityBox, 16)
		want := []shown{{"community", apptest.CommunityA, true}, {"grid", apptest.GridA1, true}, {"grid", apptest.GridA2, true},
			{"building", fmt.Sprint(e.Buildings[apptest.GridA1]), false}, {"building", fmt.Sprint(e.Buildings[apptest.GridA2]), false}}
		if d := cmp.Diff(want, shapes(bm)); d != "" {
			t.Errorf("at community zoom (-want +got):\n%s", d)
		}
		for _, f := range bm.Features {
			if f.Properties.Level == "grid" && !strings.HasPrefix(f.Properties.Name, "甲一网格") {
				t.Errorf("grid %s is named %q", f.ID, f.Properties.Name)
			}
		}
		// At zoom 18 buildings are named too.
		for _, f := range baseMap(t, city, communityBox, 18).Features {
			if f.Properties.Level == "building" && (f.Properties.Label == nil || f.Properties.Name != "1栋") {
				t.Errorf("building %s at zoom 18: name %q, label %v", f.ID, f.Properties.Name, f.Properties.Label)
			}
		}
	})

	t.Run("ScopeSecretarySeesOwnAndAbove", func(t *testing.T) {
		sec := e.Login("secretary")
		got := shapes(baseMap(t, sec, cityBox, 13))
		want := []shown{{"district", apptest.DistrictA, true}, {"community", apptest.CommunityA, false}, {"grid", apptest.GridA1, false}, {"grid", apptest.GridA2, false}}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("community A's secretary, the whole city at zoom 13 (-want +got):\n%s", d)
		}
		r := sec.Get(fmt.Sprintf("/api/v1/basemap.geojson?bbox=114.19,22.64,114.21,22.66&zoom=16"))
		if strings.Contains(r.Body, "乙") || strings.Contains(r.Body, apptest.CommunityB) {
			t.Errorf("community A's secretary sees community B on the map: %s", r.Body)
		}
	})

	t.Run("ResidentGetsNoBuildings", func(t *testing.T) {
		for _, s := range shapes(baseMap(t, e.Login("resident"), communityBox, 17)) {
			if s.Level == "building" {
				t.Errorf("a resident's base map shows building %s", s.Code)
			}
		}
	})

	t.Run("BoxesFilledAtStart", func(t *testing.T) {
		// Outlines stored before their boxes were kept: found all the same,
		// and boxed once at start-up.
		ctx := context.Background()
		if _, err := e.App.DB.ExecContext(ctx, `UPDATE territory_boundaries SET min_lon = NULL, min_lat = NULL, max_lon = NULL, max_lat = NULL`); err != nil {
			t.Fatal(err)
		}
		if n := len(baseMap(t, city, cityBox, 9).Features); n != 2 {
			t.Errorf("without boxes the city shows %d districts, want 2", n)
		}
		if _, err := e.App.DB.ExecContext(ctx, `DELETE FROM schema_migrations WHERE module = 'territory' AND name = '0003_boundary_extent_fill'`); err != nil {
			t.Fatal(err)
		}
		if err := e.App.Territory.Start(ctx); err != nil {
			t.Fatal(err)
		}
		var missing int
		if err := e.App.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM territory_boundaries WHERE min_lon IS NULL OR max_lat IS NULL`).Scan(&missing); err != nil {
			t.Fatal(err)
		}
		if missing != 0 {
			t.Errorf("%d outlines still without a box after start-up", missing)
		}
	})
}

// TestBaseMapBadInput: a box or zoom that is not one is refused with the
// field and the rule.
func TestBaseMapBadInput(t *testing.T) {
	e := apptest.New(t)
	c := e.Login("secretary")
	for _, tt := range []struct{ name, query, field, rule string }{
		{"NoBox", "zoom=12", "bbox", "rule.required"},
		{"ThreeNumbers", "bbox=114,22,115&zoom=12", "bbox", "rule.bbox"},
		{"WestPastEast", "bbox=115,22,114,23&zoom=12", "bbox", "rule.bbox"},
		{"NotANumber", "bbox=114,22,east,23&zoom=12", "bbox", "rule.bbox"},
		{"OffTheEarth", "bbox=114,22,115,95&zoom=12", "bbox", "rule.bbox"},
		{"NoZoom", "bbox=114,22,115,23", "zoom", "rule.required"},
		{"ZoomWord", "bbox=114,22,115,23&zoom=near", "zoom", "rule.number"},
		{"ZoomTooDeep", "bbox=114,22,115,23&zoom=30", "zoom", "rule.range"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := c.Get("/api/v1/basemap.geojson?" + tt.query)
			var p struct {
				Errors []struct {
					Field   string `json:"field"`
					Rule    string `json:"rule"`
					Message string `json:"message"`
				} `json:"errors"`
			}
			r.JSON(t, &p)
			if r.StatusCode != http.StatusUnprocessableEntity || len(p.Errors) != 1 || p.Errors[0].Field != tt.field {
				t.Fatalf("%s: %d %s", tt.query, r.StatusCode, r.Body)
			}
			if "rule."+p.Errors[0].Rule != tt.rule || p.Errors[0].Message == "" || strings.Contains(p.Errors[0].Message, "rule.") {
				t.Errorf("%s: rule %q (want %q), message %q", tt.query, p.Errors[0].Rule, tt.rule, p.Errors[0].Message)
			}
		})
	}
}

// TestBoundaryOfParentWithoutOutline: a city (or any division) without an
// outline of its own answers with its outlined descendants' outlines
// together, so that the city's map shows its districts; with none, 404.
func TestBoundaryOfParentWithoutOutline(t *testing.T) {
	e := apptest.New(t)
	city := e.Login("city")
	if r := city.Get("/api/v1/regions/" + apptest.City + "/boundary"); r.StatusCode != http.StatusNotFound {
		t.Fatalf("a city without any outline: %d %s", r.StatusCode, r.Body)
	}
	mustOutlines(t, e)
	get := func(t *testing.T, c *apptest.Client, code string) territory.Boundary {
		t.Helper()
		r := c.Get("/api/v1/regions/" + code + "/boundary")
		if r.StatusCode != http.StatusOK {
			t.Fatalf("boundary of %s: %d %s", code, r.StatusCode, r.Body)
		}
		var b territory.Boundary
		r.JSON(t, &b)
		return b
	}
	t.Run("CityIsItsDistricts", func(t *testing.T) {
		b := get(t, city, apptest.City)
		var g struct {
			Type        string           `json:"type"`
			Coordinates [][][][2]float64 `json:"coordinates"`
		}
		if err := json.Unmarshal(b.Geometry, &g); err != nil {
			t.Fatal(err)
		}
		if !b.Derived || !slices.Equal(b.Parts, []string{apptest.DistrictA, apptest.DistrictB}) || g.Type != "MultiPolygon" || len(g.Coordinates) != 2 {
			t.Errorf("city outline: derived %v, parts %v, %s of %d polygons", b.Derived, b.Parts, g.Type, len(g.Coordinates))
		}
		a, bb := get(t, city, apptest.DistrictA), get(t, city, apptest.DistrictB)
		if a.Derived || math.Abs(b.AreaM2-(a.AreaM2+bb.AreaM2)) > 2 || !b.Approximate || b.Source != "测试" {
			t.Errorf("city area %.0f m² (districts %.0f + %.0f), approximate %v, source %q", b.AreaM2, a.AreaM2, bb.AreaM2, b.Approximate, b.Source)
		}
	})
	t.Run("SubdistrictIsItsCommunity", func(t *testing.T) {
		b := get(t, e.Login("subdistrict"), apptest.SubA)
		if !b.Derived || !slices.Equal(b.Parts, []string{apptest.CommunityA}) {
			t.Errorf("subdistrict A: derived %v, parts %v", b.Derived, b.Parts)
		}
	})
	t.Run("ErrOutOfScope", func(t *testing.T) {
		// District A's staff do not get the city's outline, nor B's.
		d := e.Login("district")
		for _, code := range []string{apptest.City, apptest.DistrictB} {
			if r := d.Get("/api/v1/regions/" + code + "/boundary"); r.StatusCode != http.StatusNotFound {
				t.Errorf("district A's staff, outline of %s: %d", code, r.StatusCode)
			}
		}
	})
}
