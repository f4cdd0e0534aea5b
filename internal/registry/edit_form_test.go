package registry_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"grassroots/internal/apptest"
	"grassroots/internal/registry"
)

// A building's point out of range is refused beside the field that is
// wrong, with that field's own range; the stored point shows rounded.
func TestBuildingPointErrorsBesideTheirField(t *testing.T) {
	e := apptest.New(t)
	lon, lat := 115.89113419999998, 28.68000000000001
	b, err := e.App.Registry.CreateBuilding(e.System(), registry.BuildingInput{RegionCode: apptest.GridA1, Name: "坐标楼", Address: "坐标路1号", Lon: &lon, Lat: &lat})
	if err != nil {
		t.Fatal(err)
	}
	c := e.Login("secretary")
	page := c.Get("/buildings/" + itoa(b.ID) + "/edit")
	if page.StatusCode != 200 || !strings.Contains(page.Body, `value="115.891134"`) || !strings.Contains(page.Body, `value="28.68"`) || strings.Contains(page.Body, "99999") {
		t.Fatalf("edit page: %d, the point should show to six decimals", page.StatusCode)
	}
	form := url.Values{"version": {itoa(int64(b.Version))}, "name": {"坐标楼"}, "address": {"坐标路1号"}, "region_code": {apptest.GridA1},
		"lon": {"115.89"}, "lat": {"128.69"}}
	r := c.Form("/buildings/"+itoa(b.ID)+"/edit", form)
	if r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("latitude 128.69: %d", r.StatusCode)
	}
	if !strings.Contains(r.Body, `<span class="field-error" id="building-lat-error">纬度: 取值范围 −90–90</span>`) || strings.Contains(r.Body, "building-lon-error") ||
		strings.Contains(r.Body, "−180") || !strings.Contains(r.Body, `value="128.69"`) {
		t.Errorf("latitude out of range: the error should sit beside 纬度 with its range alone:\n%s", r.Body)
	}
	form.Set("lon", "200")
	form.Set("lat", "28.6")
	r = c.Form("/buildings/"+itoa(b.ID)+"/edit", form)
	if !strings.Contains(r.Body, `<span class="field-error" id="building-lon-error">经度: 取值范围 −180–180</span>`) || strings.Contains(r.Body, "building-lat-error") {
		t.Errorf("longitude out of range: the error should sit beside 经度 with its range alone")
	}
	en := e.Login("secretary")
	en.Form("/lang", url.Values{"lang": {"en"}, "next": {"/"}})
	form.Set("lat", "-91")
	form.Del("csrf")
	r = en.Form("/buildings/"+itoa(b.ID)+"/edit", form)
	if !strings.Contains(r.Body, "Longitude: must be in −180–180") || !strings.Contains(r.Body, "Latitude: must be in −90–90") {
		t.Errorf("both out of range, in English: each field its own error: %d", r.StatusCode)
	}
	if got, _ := e.App.Registry.Building(e.System(), b.ID); *got.Lat != lat || got.Version != b.Version {
		t.Errorf("a refused change wrote the building: %+v", got)
	}
}

// A person's refused correction keeps the ID number as typed and the
// region the person is in.
func TestPersonEditRefusedKeepsWhatWasTyped(t *testing.T) {
	e := apptest.New(t)
	h := mustHousehold(t, e, apptest.GridA1, "3单元301室")
	p := mustPerson(t, e, registry.PersonInput{Name: "保留甲", IDNumber: apptest.IDNumber(apptest.DistrictA, "19800101", "013"), HouseholdID: h.ID})
	loose := mustPerson(t, e, registry.PersonInput{Name: "保留乙", IDNumber: apptest.IDNumber(apptest.DistrictA, "19810101", "013"), RegionCode: apptest.GridA1})
	c := e.Login("secretary")
	bad := wrongCheck(apptest.IDNumber(apptest.DistrictA, "19900307", "024"))
	for _, tc := range []struct {
		person *registry.Person
		region string
		want   string
	}{
		{p, "", `<p id="person-region">所在网格或社区: 甲一网格1<br>`},
		{loose, apptest.GridA2, `<option value="` + apptest.GridA2 + `" selected>`},
	} {
		r := c.Form("/people/"+itoa(tc.person.ID)+"/edit", url.Values{"version": {itoa(int64(tc.person.Version))}, "name": {tc.person.Name}, "id_number": {bad},
			"relation": {tc.person.Relation}, "residence": {"registered"}, "region_code": {tc.region}})
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "身份证号: 校验码错误") {
			t.Fatalf("wrong check digit for %s: %d", tc.person.Name, r.StatusCode)
		}
		if !strings.Contains(r.Body, `value="`+bad+`"`) {
			t.Errorf("%s: the refused form lost the ID number as typed", tc.person.Name)
		}
		if !strings.Contains(r.Body, tc.want) {
			t.Errorf("%s: the refused form lost the region, want %s", tc.person.Name, tc.want)
		}
	}
}
