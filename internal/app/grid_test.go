package app

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"grassroots/internal/territory"
)

const (
	demoGridA = "360102002001001" // first demo grid of 民巷社区
	demoGridB = "360102002002001" // first demo grid of 章江路社区
)

func TestGridPagesAndAPI(t *testing.T) {
	e := newEnv(t)
	sec := e.login("demo-secretary")
	mp := sec.get("/regions/360102002001/map")
	if mp.StatusCode != 200 || !strings.Contains(mp.body, `data-draw="#geometry"`) || !strings.Contains(mp.body, "leaflet-1.9.4.js") {
		t.Fatalf("community map: %d", mp.StatusCode)
	}
	if w := e.login("demo-worker").get("/regions/360102002002/map"); strings.Contains(w.body, "data-draw") {
		t.Error("a community worker is offered the grid editor")
	}
	gp := sec.get("/grids/" + demoGridA)
	if gp.StatusCode != 200 || !strings.Contains(gp.body, "民巷社区第1网格（演示）") {
		t.Fatalf("grid page: %d", gp.StatusCode)
	}
	// The grid's workers load into the page; the secretary can reassign.
	wk := sec.get("/grids/" + demoGridA + "/workers")
	if !strings.Contains(wk.body, "民巷社区网格员（演示）") || !strings.Contains(wk.body, "checked") {
		t.Errorf("grid workers fragment: %s", wk.body)
	}
	if r := sec.api("PUT", "/api/v1/grids/"+demoGridA+"/workers", map[string]any{"user_ids": []int64{e.userID("demo-worker")}}); r.StatusCode != 422 {
		t.Errorf("assigning another community's worker: %d %s", r.StatusCode, r.body)
	}
	if r := sec.form("/grids/"+demoGridA+"/workers", url.Values{}); r.StatusCode != http.StatusSeeOther {
		t.Errorf("clearing the grid's workers: %d %s", r.StatusCode, r.body)
	}
	if r := sec.get("/api/v1/grids/" + demoGridA + "/workers"); strings.TrimSpace(r.body) != "[]" {
		t.Errorf("after clearing: %s", r.body)
	}
	// Drawing over a neighbour is refused with the neighbour's code and the shared area.
	var g territory.Grid
	sec.get("/api/v1/grids/"+demoGridA).json(t, &g)
	res := sec.form("/grids", url.Values{"community_code": {"360102002001"}, "name": {"重叠网格"}, "geometry": {string(g.Geometry)}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.body, "与网格重叠（"+demoGridA) {
		t.Errorf("overlapping grid: %d", res.StatusCode)
	}
	// Renaming keeps the outline; a stale version is refused.
	ok := sec.form("/grids/"+demoGridA, url.Values{"name": {"民巷一网格"}, "version": {"1"}})
	if ok.StatusCode != http.StatusSeeOther {
		t.Fatalf("rename: %d %s", ok.StatusCode, ok.body)
	}
	if stale := sec.form("/grids/"+demoGridA, url.Values{"name": {"again"}, "version": {"1"}}); stale.StatusCode != http.StatusConflict {
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
	loc := sec.get("/api/v1/locate?lon=" + ftoa(lon) + "&lat=" + ftoa(lat))
	loc.json(t, &place)
	if loc.StatusCode != 200 || place.Grid.Code != demoGridA || place.District.Code != "360102" {
		t.Errorf("locate: %d %+v", loc.StatusCode, place)
	}
	if r := sec.get("/api/v1/locate?lon=116.5&lat=28"); r.StatusCode != 404 {
		t.Errorf("locate outside every grid: %d", r.StatusCode)
	}
	if r := sec.get("/api/v1/locate?lon=east&lat=28"); r.StatusCode != 422 || !strings.Contains(r.body, `"field":"lon"`) {
		t.Errorf("locate with a bad number: %d %s", r.StatusCode, r.body)
	}
	// Export, then import the file back through the page: nothing changes.
	exp := sec.get("/api/v1/grids.geojson?region=360102002001")
	var fc territory.FeatureCollection
	exp.json(t, &fc)
	if len(fc.Features) != 4 {
		t.Fatalf("export has %d grids", len(fc.Features))
	}
	if f := sec.get("/grids/import"); f.StatusCode != 200 {
		t.Fatalf("import form: %d", f.StatusCode)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf", sec.csrf())
	fw, _ := mw.CreateFormFile("file", "grids.geojson")
	fw.Write([]byte(exp.body))
	mw.Close()
	imp := sec.do("POST", "/grids/import", &body, http.Header{"Content-Type": {mw.FormDataContentType()}})
	if imp.StatusCode != 200 || !strings.Contains(imp.body, "未变 4") {
		t.Errorf("re-import through the page: %d %s", imp.StatusCode, imp.body)
	}
	// A file with a bad feature imports nothing and names the feature.
	bad := strings.Replace(exp.body, `"type":"Polygon"`, `"type":"Point"`, 1)
	api := sec.do("POST", "/api/v1/grids/import", strings.NewReader(bad), http.Header{"Content-Type": {"application/geo+json"}, "X-CSRF-Token": {sec.csrf()}})
	var rep territory.GridImportReport
	api.json(t, &rep)
	if api.StatusCode != 422 || rep.Committed || len(rep.Problems) != 1 || rep.Problems[0].Feature != 1 {
		t.Errorf("bad import: %d %+v", api.StatusCode, rep)
	}
}

func ftoa(f float64) string {
	b, _ := json.Marshal(f)
	return string(b)
}
