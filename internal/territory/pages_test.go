package territory_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"grassroots/internal/apptest"
)

// TestRegionAndDepartmentPages: a division's page shows its name and its
// children by name; a neighbour's division answers 404; the departments
// page lists the departments serving the actor's area.
func TestRegionAndDepartmentPages(t *testing.T) {
	e := apptest.New(t)
	sub := e.Login("subdistrict")
	r := sub.Get("/regions/" + apptest.SubA)
	if r.StatusCode != 200 || !strings.Contains(r.Body, "甲一街道") || !strings.Contains(r.Body, "甲一社区") {
		t.Fatalf("subdistrict page: %d %s", r.StatusCode, r.Body)
	}
	if strings.Contains(r.Body, "乙一") {
		t.Error("the subdistrict page shows another district's divisions")
	}
	if r := e.Login("worker").Get("/regions/" + apptest.CommunityA); r.StatusCode != 404 {
		t.Errorf("a neighbour community's page: %d", r.StatusCode)
	}
	if r := sub.Get("/departments"); r.StatusCode != 200 || !strings.Contains(r.Body, "甲区城市管理局") {
		t.Errorf("departments page: %d", r.StatusCode)
	}
	if r := e.Login("worker").Get("/departments"); strings.Contains(r.Body, "甲区城市管理局") {
		t.Error("community B sees district A's department")
	}
}

// TestDepartmentsByName: the departments page names each department's
// division, never its code, and a department is created by typing its
// division's name.
func TestDepartmentsByName(t *testing.T) {
	e := apptest.New(t)
	city := e.Login("city")
	r := city.Get("/departments")
	text := apptest.VisibleText(r.Body)
	if r.StatusCode != 200 || !strings.Contains(text, "甲区") || regexp.MustCompile(`\d{6,}`).MatchString(text) {
		t.Fatalf("departments page: %d %s", r.StatusCode, text)
	}
	r = city.Form("/departments", url.Values{"name": {"甲区民政局"}, "region_code": {""}, "region_code_text": {"甲区"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("create by name: %d %s", r.StatusCode, apptest.VisibleText(r.Body))
	}
	if r := city.Get("/departments"); !strings.Contains(r.Body, "甲区民政局") {
		t.Error("the new department is not listed")
	}
	// A name no division in scope carries is refused beside the field,
	// with what was typed kept.
	r = city.Form("/departments", url.Values{"name": {"某局"}, "region_code": {""}, "region_code_text": {"不存在区"}})
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "不存在区") {
		t.Errorf("unknown division: %d", r.StatusCode)
	}
}
