package registry_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"grassroots/internal/apptest"
	"grassroots/internal/registry"
)

// A household's card links its building, offers a visit to those who
// record visits and lists its last visits with a link to all of them.
func TestHouseholdCardVisits(t *testing.T) {
	e := apptest.New(t)
	h := mustHousehold(t, e, apptest.GridA1, "5单元502室")
	mustPerson(t, e, registry.PersonInput{Name: "走访甲", IDNumber: apptest.IDNumber(apptest.DistrictA, "19400101", "013"), HouseholdID: h.ID, Tags: []string{"elderly_alone"}})
	card := "/households/" + itoa(h.ID)
	grid, sub := e.Login("grid"), e.Login("subdistrict")

	r := grid.Get(card)
	if r.StatusCode != 200 {
		t.Fatalf("card: %d", r.StatusCode)
	}
	for _, want := range []string{`href="/buildings/` + itoa(e.Buildings[apptest.GridA1]) + `" id="household-building"`,
		`href="/visits/new?household=` + itoa(h.ID) + `" id="household-visit-new">记录走访</a>`, `id="household-visits-count">共 0 次<`, "尚未走访"} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("the card before any visit lacks %s", want)
		}
	}
	if strings.Contains(r.Body, `id="household-visits-all"`) {
		t.Error("the card links all visits of a household never visited")
	}
	for i, kind := range []string{"home", "phone"} {
		v := grid.API("POST", "/api/v1/visits", map[string]any{"household_id": h.ID, "visited_on": []string{"2026-11-20", "2026-11-24"}[i], "kind": kind, "note": "看望老人"})
		if v.StatusCode != http.StatusCreated {
			t.Fatalf("visit: %d %s", v.StatusCode, v.Body)
		}
	}
	r = grid.Get(card)
	for _, want := range []string{`id="household-visits-count">共 2 次<`, ">2026-11-24</a></td><td data-label=\"方式\">电话回访</td><td data-label=\"走访人\">grid（测试）</td>",
		">2026-11-20</a></td><td data-label=\"方式\">入户走访</td>", `href="/visits?household=` + itoa(h.ID) + `" id="household-visits-all"`} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("the card after two visits lacks %s", want)
		}
	}
	if strings.Index(r.Body, "2026-11-24") > strings.Index(r.Body, "2026-11-20") {
		t.Error("the card lists the older visit first")
	}
	if strings.Contains(r.Body, "看望老人") {
		t.Error("the card shows a visit's note")
	}
	// Subdistrict staff read the visits but record none.
	r = sub.Get(card)
	if r.StatusCode != 200 || !strings.Contains(r.Body, `id="household-visits-count">共 2 次<`) || strings.Contains(r.Body, `id="household-visit-new"`) {
		t.Errorf("the subdistrict's card: %d, shows the visits without a 记录走访 button", r.StatusCode)
	}
	// The link to all of them lists the household's visits.
	if all := grid.Get("/visits?household=" + itoa(h.ID)); all.StatusCode != 200 || !strings.Contains(all.Body, "2026-11-20") || !strings.Contains(all.Body, "2026-11-24") {
		t.Errorf("all the household's visits: %d", all.StatusCode)
	}
}

// In English, a person's residence and a house's use read as words, not
// as the codes they are stored as.
func TestEnglishResidenceAndUseLabels(t *testing.T) {
	e := apptest.New(t)
	h := mustHousehold(t, e, apptest.GridA1, "6单元601室")
	mustPerson(t, e, registry.PersonInput{Name: "英文甲", IDNumber: apptest.IDNumber(apptest.DistrictA, "19700101", "013"), HouseholdID: h.ID, Residence: registry.Floating})
	c := e.Login("secretary")
	c.Form("/lang", url.Values{"lang": {"en"}, "next": {"/"}})
	for path, want := range map[string][]string{
		"/people?q=" + url.QueryEscape("英文甲"):             {">Floating</td>"},
		"/households/" + itoa(h.ID):                       {"<p>Self-occupied · "},
		"/buildings/" + itoa(e.Buildings[apptest.GridA1]): {">Self-occupied</td>"},
		"/households/" + itoa(h.ID) + "/edit":             {">Self-occupied</option>", ">Vacant</option>", ">Rented</option>"},
		"/people/new?household=" + itoa(h.ID):             {">Registered</option>", ">Permanent</option>", ">Floating</option>"},
	} {
		r := c.Get(path)
		for _, w := range want {
			if !strings.Contains(r.Body, w) {
				t.Errorf("%s (%d) lacks %s", path, r.StatusCode, w)
			}
		}
		for _, code := range []string{">floating<", ">self-occupied<", ">vacant<", ">registered<", ">permanent<", ">rented<"} {
			if strings.Contains(r.Body, code) {
				t.Errorf("%s shows %s", path, code)
			}
		}
	}
}
