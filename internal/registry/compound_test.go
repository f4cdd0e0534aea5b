package registry_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"grassroots/internal/apptest"
	"grassroots/internal/registry"
)

func TestCompoundsAndFootprints(t *testing.T) {
	e := apptest.New(t)
	sys := e.System()
	own, err := e.App.Registry.CreateCompound(sys, registry.CompoundInput{RegionCode: apptest.CommunityA, Name: "甲一花园", Address: "甲一路1号", PropertyCompany: "甲一物业"})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"2", "3"} {
		if _, err := e.App.Registry.CreateBuilding(sys, registry.BuildingInput{RegionCode: apptest.GridA1, CompoundID: own.ID, Name: n + "栋", Address: "甲一路1号" + n + "栋", Floors: 6, Units: 2}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.App.Registry.CreateCompound(sys, registry.CompoundInput{RegionCode: apptest.CommunityB, Name: "乙一花园", Address: "乙一路1号"}); err != nil {
		t.Fatal(err)
	}
	c := e.Login("secretary")
	var cs struct {
		Items []registry.Compound `json:"items"`
	}
	c.Get("/api/v1/compounds").JSON(t, &cs)
	if len(cs.Items) != 1 || cs.Items[0].ID != own.ID || cs.Items[0].Buildings != 2 || cs.Items[0].PropertyCompany != "甲一物业" {
		t.Fatalf("the secretary's compounds: %+v", cs.Items)
	}
	var g struct {
		Geometry struct {
			Coordinates [][][2]float64 `json:"coordinates"`
		} `json:"geometry"`
	}
	c.Get("/api/v1/grids/"+apptest.GridA1).JSON(t, &g)
	p := g.Geometry.Coordinates[0]
	cx, cy := (p[0][0]+p[2][0])/2, (p[0][1]+p[2][1])/2
	fp := map[string]any{"type": "Polygon", "coordinates": [][][2]float64{{{cx, cy}, {cx + 0.0001, cy}, {cx + 0.0001, cy + 0.0001}, {cx, cy + 0.0001}, {cx, cy}}}}
	r := c.API("POST", "/api/v1/buildings", map[string]any{"name": "新楼", "address": "测试路8号新楼", "floors": 18, "units": 2,
		"compound_id": cs.Items[0].ID, "footprint": fp})
	var b registry.Building
	r.JSON(t, &b)
	if r.StatusCode != 201 || b.RegionCode != apptest.GridA1 || b.Lon == nil || b.Compound != cs.Items[0].Name {
		t.Errorf("building placed by its footprint: %d %s", r.StatusCode, r.Body)
	}
	bad := c.API("POST", "/api/v1/buildings", map[string]any{"name": "x", "address": "y", "footprint": map[string]any{"type": "Point", "coordinates": []float64{cx, cy}}})
	if bad.StatusCode != 422 || !strings.Contains(bad.Body, `"field":"footprint"`) {
		t.Errorf("point as a footprint: %d %s", bad.StatusCode, bad.Body)
	}
	if r := c.API("POST", "/api/v1/compounds", map[string]any{"region_code": apptest.CommunityB, "name": "x", "address": "y"}); r.StatusCode != 422 {
		t.Errorf("compound in another community: %d", r.StatusCode)
	}
	// The page: a compound, then a building in it, placed in the compound's community.
	if r := c.Form("/compounds", url.Values{"name": {"新小区"}, "address": {"新路1号"}, "region_code": {apptest.CommunityA}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("compound form: %d %s", r.StatusCode, r.Body)
	}
	page := c.Get("/buildings")
	i := strings.Index(page.Body, `">新小区</option>`)
	if i < 0 {
		t.Fatalf("the building form does not offer the new compound")
	}
	id := page.Body[strings.LastIndex(page.Body[:i], `value="`)+7 : i]
	if r := c.Form("/buildings", url.Values{"name": {"1栋"}, "address": {"新路1号1栋"}, "compound_id": {id}, "floors": {"6"}, "units": {"2"}}); r.StatusCode != http.StatusSeeOther {
		t.Errorf("building form: %d %s", r.StatusCode, r.Body)
	}
	if r := c.Form("/buildings", url.Values{"name": {""}, "address": {""}}); r.StatusCode != 422 {
		t.Errorf("empty building form: %d", r.StatusCode)
	}
	page = c.Get("/buildings")
	if !strings.Contains(page.Body, "新路1号1栋") {
		t.Error("the new building is not listed")
	}
	// Households are added on their building's page.
	j := strings.Index(page.Body, `">新路1号1栋</a>`)
	if j < 0 {
		t.Fatal("the list does not link the new building's page")
	}
	bid := page.Body[strings.LastIndex(page.Body[:j], `href="/buildings/`)+len(`href="/buildings/`) : j]
	if bp := c.Get("/buildings/" + bid); !strings.Contains(bp.Body, `id="household-form"`) || !strings.Contains(bp.Body, `name="building_id" value="`+bid+`"`) {
		t.Fatalf("the building's page offers no household form: %s", bp.Body)
	}
	hh := c.Form("/households", url.Values{"building_id": {bid}, "room": {"1单元101室"}, "house_use": {"rented"}})
	if hh.StatusCode != http.StatusSeeOther || !strings.HasPrefix(hh.Header.Get("Location"), "/households/") {
		t.Fatalf("household form: %d %s", hh.StatusCode, hh.Body)
	}
	if card := c.Get(hh.Header.Get("Location")); !strings.Contains(card.Body, "新路1号1栋1单元101室") || !strings.Contains(card.Body, "出租") {
		t.Errorf("new household card: %s", card.Body)
	}
	if r := c.Form("/households", url.Values{"building_id": {bid}, "room": {"1单元101室"}}); r.StatusCode != 422 {
		t.Errorf("the same flat twice: %d", r.StatusCode)
	}
}
