package units_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"grassroots/internal/apptest"
	"grassroots/internal/units"
)

// TestUnitsPageShowsNames: the units list names each unit's division (a
// grid with its community) and shows no division code; the form chooses
// the division by name, also without scripts, and refuses a name that
// names none in the actor's area; the API keeps the codes.
func TestUnitsPageShowsNames(t *testing.T) {
	e := apptest.New(t)
	if _, err := e.App.Units.Create(e.System(), units.UnitInput{Name: "网格里的两新组织", Kind: "two_new", Subkind: "social_organisation", RegionCode: apptest.GridA1}); err != nil {
		t.Fatal(err)
	}
	c := e.Login("secretary")
	r := c.Get("/units")
	text := apptest.VisibleText(r.Body)
	if r.StatusCode != 200 || !strings.Contains(text, "网格里的两新组织") || !strings.Contains(text, "甲一社区居委会 › 甲一网格1") {
		t.Errorf("units page: %d, does not name the unit's grid", r.StatusCode)
	}
	apptest.NoCodes(t, "units page", text)
	if !strings.Contains(r.Body, `value="甲一社区居委会"`) {
		t.Errorf("the form does not offer the secretary's community by name")
	}
	// A page without scripts sends the typed name only.
	ok := c.Form("/units", url.Values{"name": {"按名称登记的单位"}, "subkind": {"business.shop"}, "region_code": {""}, "region_code_text": {"甲一网格2"}})
	if ok.StatusCode != http.StatusSeeOther {
		t.Fatalf("unit placed by name: %d %s", ok.StatusCode, apptest.VisibleText(ok.Body))
	}
	bad := c.Form("/units", url.Values{"name": {"别处的单位"}, "subkind": {"business.shop"}, "region_code": {""}, "region_code_text": {"乙一社区居委会"}})
	if text := apptest.VisibleText(bad.Body); bad.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(text, "乙一社区居委会") {
		t.Errorf("unit placed by a name outside the area: %d", bad.StatusCode)
	}
	apptest.NoCodes(t, "the refused unit form", bad.Body)
	var list struct {
		Items []units.Unit `json:"items"`
	}
	c.Get("/api/v1/units").JSON(t, &list)
	placed := map[string]string{}
	for _, u := range list.Items {
		placed[u.Name] = u.RegionCode
	}
	if len(list.Items) != 2 || placed["按名称登记的单位"] != apptest.GridA2 || placed["网格里的两新组织"] != apptest.GridA1 {
		t.Errorf("units by the API: %v", placed)
	}
}
