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

// TestNewPersonPicksHousehold: the new-person form picks the household as
// the move form does, by its address or its head's name among the
// editor's territory's households, and asks for a grid only for a person
// of no household (by name, never by code); the relation has no default.
// Without scripts the typed text is resolved: the household's grid is the
// person's, whatever grid was typed beside it; a text naming several
// households, or none, is refused beside the picker with the other
// errors, nothing written.
func TestNewPersonPicksHousehold(t *testing.T) {
	e := apptest.New(t)
	hh := mustHousehold(t, e, apptest.GridA2, "5单元501室")
	mustHousehold(t, e, apptest.GridA2, "5单元502室")
	other := mustHousehold(t, e, apptest.GridB1, "5单元501室")
	mustPerson(t, e, registry.PersonInput{Name: "选户甲", IDNumber: apptest.IDNumber(apptest.DistrictA, "19610101", "011"), HouseholdID: hh.ID})
	mustPerson(t, e, registry.PersonInput{Name: "选户乙", IDNumber: apptest.IDNumber(apptest.DistrictB, "19620202", "022"), HouseholdID: other.ID})
	sec := e.Login("secretary")

	// The suggestions: by the head's name or part of an address, in the
	// editor's territory only.
	choices := func(c *apptest.Client, q string) []int64 {
		t.Helper()
		r := c.Get("/api/v1/households/choices?q=" + url.QueryEscape(q))
		if r.StatusCode != http.StatusOK {
			t.Fatalf("choices %q: %d %s", q, r.StatusCode, r.Body)
		}
		var got struct{ Items []registry.HouseholdChoice }
		r.JSON(t, &got)
		var ids []int64
		for _, c := range got.Items {
			ids = append(ids, c.ID)
			if c.ID == hh.ID && c.Path != hh.Address+" · 户主 选户甲 · 甲一网格2" {
				t.Errorf("the picker lists %q", c.Path)
			}
		}
		return ids
	}
	if got := choices(sec, "选户甲"); !equalIDs(got, []int64{hh.ID}) {
		t.Errorf("by the head's name: %v", got)
	}
	if got := choices(sec, "5单元501"); !equalIDs(got, []int64{hh.ID}) {
		t.Errorf("by part of an address: %v (not community B's)", got)
	}
	if got := choices(e.Login("worker"), "5单元501"); !equalIDs(got, []int64{other.ID}) {
		t.Errorf("community B's worker: %v", got)
	}
	if got := choices(e.Login("grid"), "5单元"); len(got) != 0 {
		t.Errorf("the grid worker of A1 is offered A2's households: %v", got)
	}
	if r := sec.Get("/api/v1/households/choices?limit=101"); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `"field":"limit"`) {
		t.Errorf("limit 101: %d %s", r.StatusCode, r.Body)
	}

	// The form: the picker, a grid by name, no relation preset.
	page := sec.Get("/people/new")
	relation := regexp.MustCompile(`<select id="person-relation"[^>]*>.*?</select>`).FindString(page.Body)
	if !strings.Contains(relation, `required><option value="">（请选择）</option>`) || strings.Contains(relation, "selected") {
		t.Errorf("the relation is not asked without a default: %s", relation)
	}
	for _, want := range []string{`data-url="/api/v1/households/choices"`, `name="household_id_text"`, `data-unless-picked="household_id"`,
		`name="region_code_text"`} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("the new-person form lacks %s", want)
		}
	}
	if strings.Contains(page.Body, `inputmode="numeric"`) {
		t.Error("the new-person form still asks for a number or a code")
	}
	apptest.NoCodes(t, "the new-person form", page.Body)
	// From a household's card: the household shown chosen.
	if r := sec.Get("/people/new?household=" + itoa(hh.ID)); !strings.Contains(r.Body, `name="household_id" value="`+itoa(hh.ID)+`"`) ||
		!strings.Contains(r.Body, "户主 选户甲") {
		t.Error("the form opened from a household does not show it chosen")
	}

	form := func(kv ...string) url.Values {
		v := url.Values{"name": {"新成员"}, "id_number": {apptest.IDNumber(apptest.DistrictA, "19900909", "033")}, "residence": {"registered"},
			"household_id": {""}, "household_id_text": {""}, "region_code": {""}, "region_code_text": {""}}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	n := peopleCount(t, e)
	// Several households, no relation: both beside their fields, the
	// text kept.
	r := sec.Form("/people", form("household_id_text", "5单元"))
	picker := regexp.MustCompile(`<input id="person-household-text"[^>]*>`).FindString(r.Body)
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(picker, `aria-invalid="true"`) || !strings.Contains(picker, `value="5单元"`) ||
		!strings.Contains(r.Body, `<span class="field-error" id="person-household-error">所在的户: 有多户符合“5单元”`) ||
		!strings.Contains(r.Body, "与户主关系: 必填") || !strings.Contains(r.Body, `value="新成员"`) {
		t.Errorf("ambiguous household: %d %s", r.StatusCode, picker)
	}
	// Another community's household is none of the editor's.
	if r := sec.Form("/people", form("household_id_text", other.Address+"x", "relation", "child")); r.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, "所在的户: 户不存在或不在您的管辖范围内") {
		t.Errorf("no such household: %d", r.StatusCode)
	}
	// Neither a household nor a grid.
	if r := sec.Form("/people", form("relation", "child")); r.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, "所在的户: 请选择所在的户") {
		t.Errorf("no place: %d", r.StatusCode)
	}
	// As the head of a household that has one.
	if r := sec.Form("/people", form("household_id_text", "选户甲", "relation", "head")); r.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, "与户主关系: 该户已有户主（选户甲）") {
		t.Errorf("a second head: %d", r.StatusCode)
	}
	if peopleCount(t, e) != n {
		t.Fatal("a refused registration wrote")
	}
	// Found by the head's name; the grid typed beside it is not asked of
	// a member and is ignored: the household's grid is theirs.
	r = sec.Form("/people", form("household_id_text", "选户甲", "relation", "child", "region_code_text", "甲一网格1"))
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("register into the household found by its head's name: %d %s", r.StatusCode, r.Body)
	}
	var p registry.Person
	sec.Get("/api/v1"+r.Header.Get("Location")).JSON(t, &p)
	if p.HouseholdID != hh.ID || p.RegionCode != apptest.GridA2 || p.Relation != "child" {
		t.Errorf("registered: household %d region %s relation %s", p.HouseholdID, p.RegionCode, p.Relation)
	}
	// A person of no household, in the grid typed by its name.
	r = sec.Form("/people", form("id_number", apptest.IDNumber(apptest.DistrictA, "19910101", "044"), "relation", "head", "region_code_text", "甲一网格1"))
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("register in a grid: %d %s", r.StatusCode, r.Body)
	}
	var loner registry.Person
	sec.Get("/api/v1"+r.Header.Get("Location")).JSON(t, &loner)
	if loner.HouseholdID != 0 || loner.RegionCode != apptest.GridA1 {
		t.Errorf("registered without a household: household %d region %s", loner.HouseholdID, loner.RegionCode)
	}
	assertCountsExact(t, e)
}
