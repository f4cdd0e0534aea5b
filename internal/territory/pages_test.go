package territory_test

import (
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
