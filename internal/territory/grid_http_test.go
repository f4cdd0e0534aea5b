package territory_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"grassroots/internal/apptest"
	"grassroots/internal/territory"
)

func ftoa(f float64) string {
	b, _ := json.Marshal(f)
	return string(b)
}

func TestGridPagesAndAPI(t *testing.T) {
	e := apptest.New(t)
	sec := e.Login("secretary")
	mp := sec.Get("/regions/" + apptest.CommunityA + "/map")
	if mp.StatusCode != 200 || !strings.Contains(mp.Body, `data-draw="#geometry"`) || !strings.Contains(mp.Body, "leaflet-1.9.4.js") {
		t.Fatalf("community map: %d", mp.StatusCode)
	}
	if w := e.Login("worker").Get("/regions/" + apptest.CommunityB + "/map"); w.StatusCode != 200 || strings.Contains(w.Body, "data-draw") {
		t.Errorf("a community worker is offered the grid editor, or no map: %d", w.StatusCode)
	}
	gp := sec.Get("/grids/" + apptest.GridA1)
	if gp.StatusCode != 200 || !strings.Contains(gp.Body, "甲一网格1") {
		t.Fatalf("grid page: %d", gp.StatusCode)
	}
	// The grid's workers load into the page; the secretary can reassign.
	wk := sec.Get("/grids/" + apptest.GridA1 + "/workers")
	if !strings.Contains(wk.Body, "grid（测试）") || !strings.Contains(wk.Body, "checked") {
		t.Errorf("grid workers fragment: %s", wk.Body)
	}
	if r := sec.API("PUT", "/api/v1/grids/"+apptest.GridA1+"/workers", map[string]any{"user_ids": []int64{e.UserID("worker")}}); r.StatusCode != 422 {
		t.Errorf("assigning another community's worker: %d %s", r.StatusCode, r.Body)
	}
	if r := sec.Form("/grids/"+apptest.GridA1+"/workers", url.Values{}); r.StatusCode != http.StatusSeeOther {
		t.Errorf("clearing the grid's workers: %d %s", r.StatusCode, r.Body)
	}
	if r := sec.Get("/api/v1/grids/" + apptest.GridA1 + "/workers"); strings.TrimSpace(r.Body) != "[]" {
		t.Errorf("after clearing: %s", r.Body)
	}
	// Drawing over a neighbour is refused with the neighbour's code and the shared area.
	var g territory.Grid
	sec.Get("/api/v1/grids/"+apptest.GridA1).JSON(t, &g)
	res := sec.Form("/grids", url.Values{"community_code": {apptest.CommunityA}, "name": {"重叠网格"}, "geometry": {string(g.Geometry)}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "与网格重叠（"+apptest.GridA1) {
		t.Errorf("overlapping grid: %d", res.StatusCode)
	}
	// Renaming keeps the outline; a stale version is refused.
	ok := sec.Form("/grids/"+apptest.GridA1, url.Values{"name": {"甲一第一网格"}, "version": {"1"}})
	if ok.StatusCode != http.StatusSeeOther {
		t.Fatalf("rename: %d %s", ok.StatusCode, ok.Body)
	}
	if stale := sec.Form("/grids/"+apptest.GridA1, url.Values{"name": {"again"}, "version": {"1"}}); stale.StatusCode != http.StatusConflict {
		t.Errorf("stale rename: %d", stale.StatusCode)
	}
	// Locate a point in the grid's centre.
	var c struct {
		Coordinates [][][2]float64 `json:"coordinates"`
	}
	json.Unmarshal(g.Geometry, &c)
	lon, lat := 0.0, 0.0
	ring := c.Coordinates[0][:len(c.Coordinates[0])-1]
	for _, p := range ring {
		lon, lat = lon+p[0]/float64(len(ring)), lat+p[1]/float64(len(ring))
	}
	var place territory.Place
	loc := sec.Get("/api/v1/locate?lon=" + ftoa(lon) + "&lat=" + ftoa(lat))
	loc.JSON(t, &place)
	if loc.StatusCode != 200 || place.Grid.Code != apptest.GridA1 || place.District.Code != apptest.DistrictA {
		t.Errorf("locate: %d %+v", loc.StatusCode, place)
	}
	if r := sec.Get("/api/v1/locate?lon=116.5&lat=28"); r.StatusCode != 404 {
		t.Errorf("locate outside every grid: %d", r.StatusCode)
	}
	if r := sec.Get("/api/v1/locate?lon=east&lat=28"); r.StatusCode != 422 || !strings.Contains(r.Body, `"field":"lon"`) {
		t.Errorf("locate with a bad number: %d %s", r.StatusCode, r.Body)
	}
	// Export, then import the file back through the page: nothing changes.
	exp := sec.Get("/api/v1/grids.geojson?region=" + apptest.CommunityA)
	var fc territory.FeatureCollection
	exp.JSON(t, &fc)
	if len(fc.Features) != 2 {
		t.Fatalf("export has %d grids, want community A's 2", len(fc.Features))
	}
	if f := sec.Get("/grids/import"); f.StatusCode != 200 {
		t.Fatalf("import form: %d", f.StatusCode)
	}
	imp := sec.Upload("/grids/import", "grids.geojson", []byte(exp.Body), nil)
	if imp.StatusCode != 200 || !strings.Contains(imp.Body, "未变 2") {
		t.Errorf("re-import through the page: %d %s", imp.StatusCode, imp.Body)
	}
	// A file with a bad feature imports nothing and names the feature.
	bad := strings.Replace(exp.Body, `"type":"Polygon"`, `"type":"Point"`, 1)
	api := sec.Do("POST", "/api/v1/grids/import", strings.NewReader(bad), http.Header{"Content-Type": {"application/geo+json"}, "X-CSRF-Token": {sec.CSRF()}})
	var rep territory.GridImportReport
	api.JSON(t, &rep)
	if api.StatusCode != 422 || rep.Committed || len(rep.Problems) != 1 || rep.Problems[0].Feature != 1 {
		t.Errorf("bad import: %d %+v", api.StatusCode, rep)
	}
}
