package units_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"grassroots/internal/apptest"
	"grassroots/internal/coverage"
	"grassroots/internal/units"
)

func TestUnits(t *testing.T) {
	e := apptest.New(t)
	for _, u := range []units.UnitInput{
		{Name: "甲一社区第1家两新组织", Kind: "two_new", Subkind: "social_organisation", RegionCode: apptest.GridA1, HasPartyOrg: true, WorkCovered: true},
		{Name: "乙一社区第1家两新组织", Kind: "two_new", Subkind: "social_organisation", RegionCode: apptest.GridB1},
	} {
		if _, err := e.App.Units.Create(e.System(), u); err != nil {
			t.Fatal(err)
		}
	}
	c := e.Login("worker") // community B
	page := c.Get("/units?kind=two_new")
	if page.StatusCode != 200 || !strings.Contains(page.Body, "乙一社区第1家两新组织") || strings.Contains(page.Body, "甲一社区第1家") {
		t.Fatalf("units page in scope: %d", page.StatusCode)
	}
	p := e.Points[apptest.GridB1] // inside community B
	r := c.API("POST", "/api/v1/units", map[string]any{"kind": "station", "subkind": "delivery", "name": "测试站点", "lon": p[0], "lat": p[1], "headcount": 12})
	var u struct {
		RegionCode string `json:"region_code"`
	}
	r.JSON(t, &u)
	if r.StatusCode != 201 || u.RegionCode != apptest.GridB1 {
		t.Errorf("station placed by location: %d %s", r.StatusCode, r.Body)
	}
	a := e.Points[apptest.GridA1]
	if r := c.API("POST", "/api/v1/units", map[string]any{"kind": "station", "subkind": "delivery", "name": "外社区站点", "lon": a[0], "lat": a[1], "headcount": 3}); r.StatusCode != 422 {
		t.Errorf("station placed in another community: %d %s", r.StatusCode, r.Body)
	}
	bad := c.Form("/units", url.Values{"name": {""}, "subkind": {"two_new.bakery"}, "region_code": {apptest.CommunityA}})
	if bad.StatusCode != 422 || !strings.Contains(bad.Body, "类型") {
		t.Errorf("bad unit: %d", bad.StatusCode)
	}
	ok := c.Form("/units", url.Values{"name": {"某物业公司"}, "subkind": {"two_new.non_public_enterprise"}, "region_code": {apptest.CommunityB}, "work_covered": {"on"}})
	if ok.StatusCode != http.StatusSeeOther {
		t.Errorf("unit by page: %d %s", ok.StatusCode, ok.Body)
	}
	var rep coverage.Report
	e.Login("city").Get("/api/v1/coverage/"+apptest.City).JSON(t, &rep)
	if rep.Total.TwoNew != 3 || rep.Total.TwoNewOrgCovered != 1 || rep.Total.TwoNewWorkCovered != 2 {
		t.Errorf("two-new coverage of the city %+v", rep.Total)
	}
	var own coverage.Report
	c.Get("/api/v1/coverage/"+apptest.CommunityB).JSON(t, &own)
	if own.Total.TwoNew != 2 || own.Total.TwoNewOrgCovered != 0 || own.Total.TwoNewWorkCovered != 1 {
		t.Errorf("two-new coverage of community B %+v", own.Total)
	}
}
