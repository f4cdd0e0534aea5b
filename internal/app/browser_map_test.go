package app

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"grassroots/internal/platform/geo"
	"grassroots/internal/territory"
)

// tileServer stands in for a tile provider: it answers every path with
// one small PNG, counting and recording the requests.
type tileServer struct {
	*httptest.Server
	mu    sync.Mutex
	paths []string
}

func newTileServer(t *testing.T) *tileServer {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 256, 256))
	for y := 0; y < 256; y++ {
		for x := 0; x < 256; x++ {
			img.Set(x, y, color.RGBA{R: 0xe8, G: 0xe4, B: 0xd8, A: 0xff})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	ts := &tileServer{}
	ts.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ts.mu.Lock()
		ts.paths = append(ts.paths, r.URL.RequestURI())
		ts.mu.Unlock()
		w.Header().Set("Content-Type", "image/png")
		w.Write(b.Bytes())
	}))
	t.Cleanup(ts.Close)
	return ts
}

// requested returns the paths asked for that contain every part.
func (ts *tileServer) requested(parts ...string) []string {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	var out []string
	for _, p := range ts.paths {
		ok := true
		for _, s := range parts {
			ok = ok && strings.Contains(p, s)
		}
		if ok {
			out = append(out, p)
		}
	}
	return out
}

// waitTiles waits until the tile server has been asked for a path with
// every part.
func (ts *tileServer) waitTiles(t *testing.T, parts ...string) []string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		if got := ts.requested(parts...); len(got) > 0 {
			return got
		}
		if time.Now().After(deadline) {
			ts.mu.Lock()
			defer ts.mu.Unlock()
			t.Fatalf("no tile asked for with %q; asked: %q", parts, ts.paths)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// withConfig serves e's database through a second application built with
// the settings mod makes (a tile provider), as another instance would; the
// returned env shares e's data and accounts.
func (e *env) withConfig(t *testing.T, mod func(*Config)) *env {
	t.Helper()
	cfg := Config{SessionIdle: 30 * time.Minute, SessionMax: 12 * time.Hour, RequestTimeout: 30 * time.Second,
		MetricsToken: testMetricsToken, PublicURL: "https://grassroots.example.gov.cn"}
	mod(&cfg)
	if _, err := cfg.tiles(); err != nil {
		t.Fatal(err)
	}
	a, err := New(context.Background(), e.app.DB, Options{Config: cfg, Keys: e.keyring, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Argon2: cheapArgon})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(srv.Close)
	return &env{t: t, app: a, srv: srv, clock: e.clock, token: e.token, keyring: e.keyring}
}

// mapCount evaluates a count in the page.
func mapCount(t *testing.T, ctx context.Context, js string) int {
	t.Helper()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](js))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// visibleLabels are the texts of the base map's names that show in sel.
func visibleLabels(t *testing.T, ctx context.Context, sel string) []string {
	t.Helper()
	out, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("`+sel+` .map-label span")).filter(function (s) { return s.style.visibility !== "hidden"; }).map(function (s) { return s.textContent; })`))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// noOverflow fails t when the page is wider than the screen.
func noOverflow(t *testing.T, ctx context.Context, width int) {
	t.Helper()
	if w := mapCount(t, ctx, `document.documentElement.scrollWidth`); w > width {
		t.Errorf("the page is %d px wide on a %d-px screen", w, width)
	}
}

// TestBrowserMapBase: without any tile server every map has a base drawn
// from our own data: the city's map its districts' outlines and names
// (and, as its own outline, the districts together), a community's map
// its grids named, the report form's picker the same under the
// resident's grids; on a phone and on a desktop screen.
func TestBrowserMapBase(t *testing.T) {
	e := newEnv(t)
	var districts int
	if err := e.app.DB.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM territory_boundaries WHERE length(region_code) = 6`).Scan(&districts); err != nil || districts < 2 {
		t.Fatalf("the demo has %d district outlines: %v", districts, err)
	}
	ds, err := e.app.Territory.UnscopedRegions(context.Background(), territory.RegionFilter{Level: territory.LevelDistrict})
	if err != nil {
		t.Fatal(err)
	}
	districtNames := "|"
	for _, d := range ds {
		districtNames += d.Name + "|"
	}
	for _, size := range [][2]int64{{1440, 900}, {375, 812}} {
		w := size[0]
		t.Run(fmt.Sprint(w), func(t *testing.T) {
			ctx, must, problems := signedIn(t, e, "demo-city", w, size[1])
			must(chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/regions/3601/map"),
				chromedp.WaitVisible(chromedp.CSS(`#map[data-ready="1"][data-base]`))))
			must(waitFor(ctx, fmt.Sprintf(`document.querySelectorAll("#map .leaflet-basemap-pane path").length >= %d &&
				Array.from(document.querySelectorAll("#map .map-label span")).filter(function (s) { return s.style.visibility !== "hidden"; }).length >= 3`, districts)))
			if n := mapCount(t, ctx, `document.querySelectorAll("#map .leaflet-basemap-pane path").length`); n != districts {
				t.Errorf("the city's base shows %d outlines, want its %d districts'", n, districts)
			}
			if n := mapCount(t, ctx, `document.querySelectorAll("#map .leaflet-overlay-pane path").length`); n < 1 {
				t.Errorf("the city's own outline (its districts together) is not drawn")
			}
			names := visibleLabels(t, ctx, "#map")
			if len(names) < 3 {
				t.Errorf("the city's base names %q, want its districts", names)
			}
			for _, n := range names {
				if !strings.Contains(districtNames, "|"+n+"|") {
					t.Errorf("the city's base names %q, which is no district's name", n)
				}
			}
			if w <= 400 {
				noOverflow(t, ctx, int(w))
			}
			shot(t, ctx, fmt.Sprintf("map-base-city-%d", w))

			must(chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/regions/360102002001/map"),
				chromedp.WaitVisible(chromedp.CSS(`#map[data-ready="1"][data-base]`))))
			must(waitFor(ctx, `document.querySelector("#map").dataset.baseZoom >= 15 &&
				Array.from(document.querySelectorAll("#map .map-label-grid span")).some(function (s) { return s.style.visibility !== "hidden"; })`))
			if n := mapCount(t, ctx, `document.querySelectorAll("#map .leaflet-basemap-pane path").length`); n < 4 {
				t.Errorf("the community's base shows %d outlines, want its grids", n)
			}
			grids := visibleLabels(t, ctx, "#map .leaflet-baselabels-pane")
			if len(grids) == 0 {
				t.Errorf("the community's base names nothing")
			}
			shot(t, ctx, fmt.Sprintf("map-base-community-%d", w))
			noConsoleErrors(t, problems)
		})
	}
	res, must, problems := signedIn(t, e, "demo-resident", 375, 812)
	must(chromedp.Do(res, chromedp.Navigate(e.srv.URL+"/cases/new"), chromedp.WaitVisible(chromedp.CSS(`#pick-map[data-ready="1"]`))))
	must(waitFor(res, `document.querySelector("#pick-map").dataset.base > 0 && document.querySelectorAll("#pick-map .leaflet-basemap-pane path").length > 0 &&
		Array.from(document.querySelectorAll("#pick-map .map-label span")).some(function (s) { return s.style.visibility !== "hidden"; })`))
	if n := len(visibleLabels(t, res, "#pick-map")); n == 0 {
		t.Errorf("the report form's map names no place")
	}
	noOverflow(t, res, 375)
	shot(t, res, "map-base-report-375")
	noConsoleErrors(t, problems)
}

// TestBrowserMapTianditu: with 天地图 configured (here its paths served by
// a local stand-in) the maps ask for its road and label tiles in the Web
// Mercator matrix set with the key, the CSP admits them, and our shapes
// are drawn where they are stored (CGCS2000 is WGS-84 to centimetres).
func TestBrowserMapTianditu(t *testing.T) {
	ts := newTileServer(t)
	e := newEnv(t).withConfig(t, func(c *Config) {
		c.TileProvider, c.TileKey = TilesTianditu, "testkey0123"
		c.TileURL = strings.Replace(TiandituURL, "https://t{s}.tianditu.gov.cn", ts.URL, 1)
	})
	for _, size := range [][2]int64{{1440, 900}, {375, 812}} {
		w := size[0]
		t.Run(fmt.Sprint(w), func(t *testing.T) {
			ctx, must, problems := signedIn(t, e, "demo-secretary", w, size[1])
			must(chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/regions/360102002001/map"),
				chromedp.WaitVisible(chromedp.CSS(`#map[data-ready="1"] path.leaflet-interactive`))))
			ts.waitTiles(t, "/vec_w/wmts?", "LAYER=vec", "TILEMATRIXSET=w", "tk=testkey0123")
			ts.waitTiles(t, "/cva_w/wmts?", "LAYER=cva", "TILEMATRIXSET=w", "tk=testkey0123")
			must(waitFor(ctx, `document.querySelectorAll("#map .leaflet-tile-pane img.leaflet-tile-loaded").length > 0`))
			if n := mapCount(t, ctx, `document.querySelectorAll("#map .leaflet-overlay-pane path.leaflet-interactive").length`); n < 4 {
				t.Errorf("over 天地图 the community map shows %d grids, want 4", n)
			}
			// Our base adds what the tiles do not show: the outlines, and
			// the names of communities and grids only (the tiles name the
			// districts and streets).
			must(waitFor(ctx, `document.querySelector("#map").dataset.baseZoom >= 14 && document.querySelectorAll("#map .leaflet-basemap-pane path").length > 0 &&
				Array.from(document.querySelectorAll("#map .map-label span")).some(function (s) { return s.style.visibility !== "hidden"; })`))
			if n := mapCount(t, ctx, `document.querySelectorAll("#map .map-label-district, #map .map-label-subdistrict, #map .map-label-city").length`); n != 0 {
				t.Errorf("over 天地图 the base writes %d names of districts or subdistricts", n)
			}
			shift := mapShift(t, ctx, "#map")
			if shift.Stored == nil || math.Abs(shift.Shown[0]-shift.Stored[0]) > 1e-9 || math.Abs(shift.Shown[1]-shift.Stored[1]) > 1e-9 {
				t.Errorf("over 天地图 a grid corner stored at %v is drawn at %v, want the same", shift.Stored, shift.Shown)
			}
			if w <= 400 {
				noOverflow(t, ctx, int(w))
			}
			shot(t, ctx, fmt.Sprintf("map-tianditu-%d", w))
			noConsoleErrors(t, problems)
		})
	}
	res, must, problems := signedIn(t, e, "demo-resident", 375, 812)
	before := len(ts.requested())
	must(chromedp.Do(res, chromedp.Navigate(e.srv.URL+"/cases/new"), chromedp.WaitVisible(chromedp.CSS(`#pick-map[data-ready="1"]`))))
	must(waitFor(res, `document.querySelectorAll("#pick-map .leaflet-tile-pane img.leaflet-tile-loaded").length > 0`))
	if len(ts.requested()) <= before {
		t.Errorf("the report form asked for no tiles")
	}
	shot(t, res, "map-tianditu-report-375")
	noConsoleErrors(t, problems)
}

// shift is where the first corner of a grid is stored (lon, lat) and
// where the map draws it.
type shift struct {
	Stored []float64 `json:"stored"`
	Shown  []float64 `json:"shown"`
}

func mapShift(t *testing.T, ctx context.Context, sel string) shift {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[shift](`(function () {
	  var m = document.querySelector("`+sel+`").leafletMap, out = {};
	  m.eachLayer(function (l) {
	    if (out.stored || !l.feature || l.options.pane !== "overlayPane" || l.feature.geometry.type !== "Polygon") { return; }
	    var c = l.feature.geometry.coordinates[0][0], ll = l.getLatLngs()[0][0];
	    out = { stored: [c[0], c[1]], shown: [ll.lng, ll.lat] };
	  });
	  return out;
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// tapped is where the report form's marker is drawn (lon, lat) and the
// point its inputs hold.
type tapped struct {
	Shown []float64 `json:"shown"`
	Lon   float64   `json:"lon"`
	Lat   float64   `json:"lat"`
}

// metres is the distance between two WGS-84 points, near enough.
func metres(lon1, lat1, lon2, lat2 float64) float64 {
	dx := (lon2 - lon1) * math.Cos(lat1*math.Pi/180) * 111320
	dy := (lat2 - lat1) * 110540
	return math.Hypot(dx, dy)
}

// TestBrowserMapAMap: with 高德 configured the maps ask for its tiles, draw
// our WGS-84 shapes moved to GCJ-02 so that they sit on its streets, and a
// tap on the report form's map is stored in WGS-84: the inverse of the
// GCJ-02 point tapped, to within a metre, in the form and in the case.
func TestBrowserMapAMap(t *testing.T) {
	ts := newTileServer(t)
	base := newEnv(t)
	e := base.withConfig(t, func(c *Config) {
		c.TileProvider = TilesAMap
		c.TileURL = strings.Replace(AMapURL, "https://webrd0{s}.is.autonavi.com", ts.URL, 1)
	})
	lon, lat, grid := base.spot("360102002001")
	res, must, problems := signedIn(t, e, "demo-resident", 375, 812)
	must(chromedp.Do(res, chromedp.Navigate(e.srv.URL+"/cases/new"), chromedp.WaitVisible(chromedp.CSS(`#pick-map[data-ready="1"]`))))
	ts.waitTiles(t, "/appmaptile?", "style=8")
	must(waitFor(res, `document.querySelectorAll("#pick-map .leaflet-tile-pane img.leaflet-tile-loaded").length > 0`))

	s := mapShift(t, res, "#pick-map")
	if s.Stored == nil {
		t.Fatal("the report form's map draws none of the resident's grids")
	}
	glon, glat := geo.WGS84ToGCJ02(s.Stored[0], s.Stored[1])
	if math.Abs(s.Shown[0]-glon) > 1e-7 || math.Abs(s.Shown[1]-glat) > 1e-7 {
		t.Errorf("over 高德 a grid corner stored at %v is drawn at %v, want its GCJ-02 point (%v, %v)", s.Stored, s.Shown, glon, glat)
	}

	// Centre the map on the GCJ-02 point of a building and tap it.
	clon, clat := geo.WGS84ToGCJ02(lon, lat)
	_, err := chromedp.Run(res, chromedp.Evaluate[bool](`document.querySelector("#pick-map").leafletMap.setView([`+ftoa(clat)+`, `+ftoa(clon)+`], 17, {animate: false}) !== null`))
	must(err)
	must(chromedp.Do(res, chromedp.Click(chromedp.CSS("#pick-map")), chromedp.WaitVisible(chromedp.CSS(`#pick-map[data-picked="1"]`))))
	tap, err := chromedp.Run(res, chromedp.Evaluate[tapped](`(function () {
	  var el = document.querySelector("#pick-map"), m = el.leafletMap, p = null;
	  m.eachLayer(function (l) { if (l instanceof L.CircleMarker && l.options.radius === 9) { p = l.getLatLng(); } });
	  var f = document.querySelector("#report-form");
	  return { shown: p ? [p.lng, p.lat] : null, lon: +f.querySelector("[name=lon]").value, lat: +f.querySelector("[name=lat]").value };
	})()`))
	must(err)
	if tap.Shown == nil {
		t.Fatal("the tap put no marker on the map")
	}
	wlon, wlat := geo.GCJ02ToWGS84(tap.Shown[0], tap.Shown[1])
	if d := metres(wlon, wlat, tap.Lon, tap.Lat); d > 1 {
		t.Errorf("tapped %v (GCJ-02): the form holds (%v, %v), %.2f m from its WGS-84 point (%v, %v)", tap.Shown, tap.Lon, tap.Lat, d, wlon, wlat)
	}
	if d := metres(tap.Shown[0], tap.Shown[1], tap.Lon, tap.Lat); d < 100 {
		t.Errorf("the form holds the point as tapped on the GCJ-02 map (%.0f m apart), not its WGS-84 point", d)
	}
	if d := metres(lon, lat, tap.Lon, tap.Lat); d > 30 {
		t.Errorf("tapping the building's place stored (%v, %v), %.0f m from the building (%v, %v)", tap.Lon, tap.Lat, d, lon, lat)
	}
	shot(t, res, "map-amap-report-375")

	// The case keeps the WGS-84 point and is located to the building's grid.
	must(chromedp.Do(res,
		chromedp.SetValue(chromedp.CSS("#category"), "0303"),
		chromedp.SendKeys(chromedp.CSS("textarea[name=description]"), "路灯不亮，位置在高德底图上点选"),
		chromedp.Click(chromedp.CSS("#report-submit")),
	))
	must(waitFor(res, `/\/cases\/[0-9]+$/.test(location.pathname) && document.readyState === "complete"`))
	loc, err := chromedp.Run(res, chromedp.Location())
	must(err)
	id := loc[strings.LastIndex(loc, "/")+1:]
	var got struct {
		Case struct {
			Lon        *float64 `json:"lon"`
			Lat        *float64 `json:"lat"`
			RegionCode string   `json:"region_code"`
		} `json:"case"`
	}
	r := base.login("demo-resident").get("/api/v1/cases/" + id)
	r.json(t, &got)
	c := got.Case
	if c.Lon == nil || c.Lat == nil || metres(wlon, wlat, *c.Lon, *c.Lat) > 1 {
		t.Errorf("the case stores (%v, %v), want the tap's WGS-84 point (%v, %v): %s", c.Lon, c.Lat, wlon, wlat, r.body)
	}
	if c.RegionCode != grid {
		t.Errorf("the case is located to %q, want the building's grid %s", c.RegionCode, grid)
	}
	// Its page draws the point where the tiles show it: back in GCJ-02.
	if mapCount(t, res, `document.querySelectorAll("#case-map").length`) == 1 {
		must(chromedp.Do(res, chromedp.WaitVisible(chromedp.CSS(`#case-map[data-ready="1"]`))))
		var at []float64
		at, err = chromedp.Run(res, chromedp.Evaluate[[]float64](`(function () { var c = document.querySelector("#case-map").leafletMap.getCenter(); return [c.lng, c.lat]; })()`))
		must(err)
		if d := metres(tap.Shown[0], tap.Shown[1], at[0], at[1]); d > 1 {
			t.Errorf("the case's map centres %v, %.2f m from where it was tapped %v", at, d, tap.Shown)
		}
	}
	noOverflow(t, res, 375)
	shot(t, res, "map-amap-case-375")
	noConsoleErrors(t, problems)

	// On a desktop screen the community's map over 高德.
	sec, must2, problems2 := signedIn(t, e, "demo-secretary", 1440, 900)
	must2(chromedp.Do(sec, chromedp.Navigate(e.srv.URL+"/regions/360102002001/map"),
		chromedp.WaitVisible(chromedp.CSS(`#map[data-ready="1"] path.leaflet-interactive`))))
	must2(waitFor(sec, `document.querySelectorAll("#map .leaflet-tile-pane img.leaflet-tile-loaded").length > 0`))
	shot(t, sec, "map-amap-community-1440")
	noConsoleErrors(t, problems2)
}

// TestMapAPIMatchesSchema: the base map and a derived outline (the city's,
// its districts together) match their documented schemas.
func TestMapAPIMatchesSchema(t *testing.T) {
	e := newEnv(t)
	doc := e.anon().get("/api/v1/openapi.json")
	c := jsonschema.NewCompiler()
	if err := c.AddResource("openapi.json", mustJSON(t, doc.body)); err != nil {
		t.Fatal(err)
	}
	city := e.login("demo-city")
	for _, tc := range []struct{ path, doc string }{
		{"/api/v1/basemap.geojson?bbox=115.7,28.5,116.1,28.8&zoom=10", "/api/v1/basemap.geojson"},
		{"/api/v1/basemap.geojson?bbox=115.88,28.68,115.90,28.70&zoom=17", "/api/v1/basemap.geojson"},
		{"/api/v1/regions/3601/boundary", "/api/v1/regions/{code}/boundary"},
	} {
		sch, err := c.Compile(fmt.Sprintf("openapi.json#/paths/%s/get/responses/200/content/application~1json/schema", jsonPointerEscape(tc.doc)))
		if err != nil {
			t.Fatal(err)
		}
		r := city.get(tc.path)
		if r.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d %s", tc.path, r.StatusCode, r.body)
			continue
		}
		if err := sch.Validate(mustJSON(t, r.body)); err != nil {
			t.Errorf("GET %s does not match its schema: %v", tc.path, err)
		}
	}
}
