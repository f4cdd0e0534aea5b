package registry_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"grassroots/internal/apptest"
	"grassroots/internal/registry"
)

// TestPersonNameIsXingming: wherever a person's name is asked for or
// listed it is 姓名, and a refused name says so; a thing's name (a
// building's) stays 名称.
func TestPersonNameIsXingming(t *testing.T) {
	e := apptest.New(t)
	hh := mustHousehold(t, e, apptest.GridA1, "1单元101室")
	p := mustPerson(t, e, registry.PersonInput{Name: "姓名甲", IDNumber: apptest.IDNumber(apptest.DistrictA, "19800808", "015"), HouseholdID: hh.ID})
	c := e.Login("secretary")
	firstLabel := regexp.MustCompile(`<label>([^<]*)<input name="name"`)
	for _, x := range []struct{ path, header string }{
		{"/people/new", ""},
		{"/people/" + itoa(p.ID) + "/edit", ""},
		{"/people?q=" + url.QueryEscape("姓名甲"), "<th>姓名</th><th>性别</th>"},
		{"/households/" + itoa(hh.ID), "<th>姓名</th><th>与户主关系</th>"},
	} {
		r := c.Get(x.path)
		if r.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", x.path, r.StatusCode)
		}
		if x.header != "" {
			if !strings.Contains(r.Body, x.header) || strings.Contains(r.Body, `data-label="名称"`) {
				t.Errorf("%s lists people under another heading than 姓名", x.path)
			}
		} else if m := firstLabel.FindStringSubmatch(r.Body); m == nil || m[1] != "姓名" {
			t.Errorf("%s asks for the name as %v", x.path, m)
		}
	}
	// Refused names, on entry and on correction.
	r := c.Form("/people", url.Values{"name": {""}, "id_number": {apptest.IDNumber(apptest.DistrictA, "19810909", "026")}, "relation": {"spouse"},
		"residence": {"registered"}, "household_id": {itoa(hh.ID)}})
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "姓名: 必填") || strings.Contains(r.Body, "名称: 必填") {
		t.Errorf("a new person without a name: %d", r.StatusCode)
	}
	r = c.Form("/people/"+itoa(p.ID)+"/edit", url.Values{"version": {itoa(int64(p.Version))}, "name": {strings.Repeat("长", 41)},
		"relation": {"head"}, "residence": {"registered"}})
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "姓名: 最多") {
		t.Errorf("a too long name: %d", r.StatusCode)
	}
	// A building is still named 名称.
	if r := c.Get("/buildings/" + itoa(e.Buildings[apptest.GridA1]) + "/edit"); !strings.Contains(r.Body, `<label>名称<input name="name"`) {
		t.Error("a building's name is no longer 名称")
	}
}
