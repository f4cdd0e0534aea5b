package registry_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"grassroots/internal/apptest"
	"grassroots/internal/registry"
)

// TestPersonStaysInHouseholdGrid: a member of a household lives in the
// household's grid. A correction or a registration naming another grid
// is refused with the rule named, and nothing is written; a registration
// naming no grid takes the household's. A person outside any household
// may still be put in another grid, and the edit page offers a member no
// grid to choose.
func TestPersonStaysInHouseholdGrid(t *testing.T) {
	e := apptest.New(t)
	h := mustHousehold(t, e, apptest.GridA1, "301室")
	member := mustPerson(t, e, registry.PersonInput{Name: "户内甲", IDNumber: apptest.IDNumber(apptest.DistrictA, "19850412", "013"), HouseholdID: h.ID})
	if member.RegionCode != apptest.GridA1 {
		t.Fatalf("a member registered without a grid is in %s, want the household's", member.RegionCode)
	}
	loner := mustPerson(t, e, registry.PersonInput{Name: "无户乙", IDNumber: apptest.IDNumber(apptest.DistrictA, "19900307", "024"), RegionCode: apptest.GridA1})
	sec := e.Login("secretary")
	writes := func() (n int) {
		t.Helper()
		if err := e.App.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE action IN ('registry.person.update', 'registry.person.create')`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before, people := writes(), 0
	if err := e.App.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM registry_people`).Scan(&people); err != nil {
		t.Fatal(err)
	}
	const refusal = `"field":"region_code","rule":"household_region"`
	if r := sec.API("PATCH", "/api/v1/people/"+itoa(member.ID), map[string]any{"version": member.Version, "region_code": apptest.GridA2}); r.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, refusal) {
		t.Errorf("a member moved to another grid than the household's: %d %s", r.StatusCode, r.Body)
	}
	if r := sec.API("POST", "/api/v1/people", map[string]any{"name": "户内丙", "id_number": apptest.IDNumber(apptest.DistrictA, "19700707", "057"),
		"household_id": h.ID, "region_code": apptest.GridA2, "relation": "spouse", "residence": "registered"}); r.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, refusal) {
		t.Errorf("a member registered in another grid than the household's: %d %s", r.StatusCode, r.Body)
	}
	if r := sec.Form("/people/"+itoa(member.ID)+"/edit", url.Values{"version": {itoa(int64(member.Version))}, "name": {"户内甲"}, "relation": {"head"},
		"residence": {"registered"}, "region_code": {apptest.GridA2}}); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "须与所在户的网格一致") {
		t.Errorf("the edit form moves a member to another grid: %d %s", r.StatusCode, r.Body)
	}
	var n int
	if err := e.App.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM registry_people`).Scan(&n); err != nil || n != people || writes() != before {
		t.Errorf("refused changes wrote: %d people (was %d), %d audit entries (was %d)", n, people, writes(), before)
	}
	var got registry.Person
	sec.Get("/api/v1/people/"+itoa(member.ID)).JSON(t, &got)
	if got.RegionCode != apptest.GridA1 || got.Version != member.Version {
		t.Errorf("the member after the refusals: %s v%d", got.RegionCode, got.Version)
	}
	if page := sec.Get("/people/" + itoa(member.ID) + "/edit"); strings.Contains(page.Body, `<select name="region_code">`) || !strings.Contains(page.Body, `id="person-region"`) {
		t.Errorf("the edit page offers a member a grid to choose: %s", page.Body)
	}
	if r := sec.API("PATCH", "/api/v1/people/"+itoa(loner.ID), map[string]any{"version": loner.Version, "region_code": apptest.GridA2}); r.StatusCode != http.StatusOK {
		t.Errorf("a person outside any household moved to another grid: %d %s", r.StatusCode, r.Body)
	}
}
