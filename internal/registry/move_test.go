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

// moveFixture is a head with a spouse in flat 101 of grid A1's building,
// a household with its own head in flat 102 of the same building, a
// bungalow of grid A1 outside the building, a flat of grid A2 and one of
// community B.
type moveFixture struct {
	person, spouse                 *registry.Person
	from, headed, bungalow, a2, b1 registry.Household
	headName                       string
}

func newMoveFixture(t *testing.T, e *apptest.Env) moveFixture {
	t.Helper()
	var f moveFixture
	f.from = mustHousehold(t, e, apptest.GridA1, "1单元101室")
	f.headed = mustHousehold(t, e, apptest.GridA1, "1单元102室")
	f.a2 = mustHousehold(t, e, apptest.GridA2, "2单元201室")
	f.b1 = mustHousehold(t, e, apptest.GridB1, "1单元101室")
	var err error
	f.bungalow, err = e.App.Registry.CreateHousehold(e.System(), registry.HouseholdInput{Address: "甲一网格1路0号平房", RegionCode: apptest.GridA1, HouseUse: registry.SelfOccupied})
	if err != nil || f.bungalow.BuildingID != 0 {
		t.Fatalf("bungalow: %+v %v", f.bungalow, err)
	}
	f.person = mustPerson(t, e, registry.PersonInput{Name: "迁户甲", IDNumber: apptest.IDNumber(apptest.DistrictA, "19650303", "015"), HouseholdID: f.from.ID})
	f.spouse = mustPerson(t, e, registry.PersonInput{Name: "迁户乙", IDNumber: apptest.IDNumber(apptest.DistrictA, "19660404", "026"), HouseholdID: f.from.ID, Relation: "spouse"})
	f.headName = "邻户丙"
	mustPerson(t, e, registry.PersonInput{Name: f.headName, IDNumber: apptest.IDNumber(apptest.DistrictA, "19600505", "037"), HouseholdID: f.headed.ID})
	return f
}

// TestMoveChoicesByAddressOrHead: the move form's picker suggests the
// households of the editor's territory by address or by the head's name,
// the same building first, then the same grid, never the person's own
// household nor one outside the territory.
func TestMoveChoicesByAddressOrHead(t *testing.T) {
	e := apptest.New(t)
	f := newMoveFixture(t, e)
	path := "/api/v1/people/" + itoa(f.person.ID) + "/move-choices"
	ids := func(c *apptest.Client, q string) ([]int64, []registry.HouseholdChoice) {
		t.Helper()
		r := c.Get(path + "?q=" + url.QueryEscape(q))
		if r.StatusCode != http.StatusOK {
			t.Fatalf("choices %q: %d %s", q, r.StatusCode, r.Body)
		}
		var got struct{ Items []registry.HouseholdChoice }
		r.JSON(t, &got)
		var out []int64
		for _, c := range got.Items {
			out = append(out, c.ID)
		}
		return out, got.Items
	}
	sec := e.Login("secretary")
	// Without a query: the person's community, nearest first.
	got, items := ids(sec, "")
	if want := []int64{f.headed.ID, f.bungalow.ID, f.a2.ID}; !equalIDs(got, want) {
		t.Errorf("choices without a query: %v, want %v (same building, same grid, then the rest; not their own, not community B's)", got, want)
	}
	if items[0].Path != f.headed.Address+" · 户主 "+f.headName+" · 甲一网格1" || items[1].Path != f.bungalow.Address+" · 暂无户主 · 甲一网格1" {
		t.Errorf("the picker lists %q, %q", items[0].Path, items[1].Path)
	}
	// By the head's name, by part of an address.
	if got, _ := ids(sec, f.headName); !equalIDs(got, []int64{f.headed.ID}) {
		t.Errorf("by the head's name: %v", got)
	}
	if got, _ := ids(sec, "2单元201"); !equalIDs(got, []int64{f.a2.ID}) {
		t.Errorf("by part of an address: %v", got)
	}
	if got, _ := ids(sec, "101室"); len(got) != 0 {
		t.Errorf("the person's own flat or community B's is offered: %v", got)
	}
	// The grid worker of A1 is offered A1's households only.
	if got, _ := ids(e.Login("grid"), ""); !equalIDs(got, []int64{f.headed.ID, f.bungalow.ID}) {
		t.Errorf("grid worker's choices: %v", got)
	}
	// Community B's worker does not reach the person at all.
	if r := e.Login("worker").Get(path); r.StatusCode != http.StatusNotFound {
		t.Errorf("another community's worker lists choices: %d", r.StatusCode)
	}
	if r := sec.Get(path + "?limit=0"); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `"field":"limit"`) {
		t.Errorf("limit 0: %d %s", r.StatusCode, r.Body)
	}
}

func equalIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestMoveRelationChosenOneHead: a move names the relation in the new
// household (nothing is carried over), and moving in as 户主 where there
// is one is refused on the relation field, through the API and the page
// alike, writing nothing; the page shows each error beside its field
// with what was typed kept, and finds the household by its head's name
// without scripts.
func TestMoveRelationChosenOneHead(t *testing.T) {
	e := apptest.New(t)
	f := newMoveFixture(t, e)
	sec := e.Login("secretary")
	api := "/api/v1/people/" + itoa(f.person.ID) + "/move"
	before := personRow(t, e, f.person.ID)
	for _, x := range []struct {
		name string
		body map[string]any
		want []string
	}{
		{"ErrNoRelation", map[string]any{"version": f.person.Version, "household_id": f.a2.ID, "reason": "购房"},
			[]string{`"field":"relation","rule":"required"`, "Relation to head: is required"}},
		{"ErrSecondHead", map[string]any{"version": f.person.Version, "household_id": f.headed.ID, "reason": "投亲", "relation": "head"},
			[]string{`"field":"relation","rule":"head_exists"`, "Relation to head: the household already has a head (" + f.headName + ")"}},
		{"ErrUnknownRelation", map[string]any{"version": f.person.Version, "household_id": f.a2.ID, "reason": "购房", "relation": "uncle"},
			[]string{`"field":"relation","rule":"one_of"`}},
	} {
		r := sec.API("POST", api, x.body)
		if r.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d %s", x.name, r.StatusCode, r.Body)
			continue
		}
		for _, w := range x.want {
			if !strings.Contains(r.Body, w) {
				t.Errorf("%s: the refusal lacks %s: %s", x.name, w, r.Body)
			}
		}
	}
	if personRow(t, e, f.person.ID) != before {
		t.Fatal("a refused move wrote")
	}

	// The edit page: the picker, and a relation to choose with no default.
	page := sec.Get("/people/" + itoa(f.person.ID) + "/edit")
	for _, want := range []string{`data-url="/api/v1/people/` + itoa(f.person.ID) + `/move-choices"`, `name="household_id_text"`,
		`<select id="move-relation" name="relation" required><option value="">（请选择）</option>`} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("the move form lacks %s", want)
		}
	}
	if strings.Contains(page.Body, "保持不变") {
		t.Error("the move form still offers to keep the relation")
	}

	form := func(kv ...string) url.Values {
		v := url.Values{"version": {itoa(int64(f.person.Version))}, "moved_on": {"2026-11-20"}}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	pagePath := "/people/" + itoa(f.person.ID) + "/move"
	// No relation, the household typed by its head's name: the error is
	// beside the relation, the text typed is kept.
	r := sec.Form(pagePath, form("household_id_text", f.headName, "reason", "投亲靠友"))
	if r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("no relation: %d", r.StatusCode)
	}
	relation := regexp.MustCompile(`<select id="move-relation"[^>]*>`).FindString(r.Body)
	if !strings.Contains(relation, `aria-invalid="true"`) || !strings.Contains(relation, `aria-describedby="move-relation-error"`) ||
		!strings.Contains(r.Body, `<span class="field-error" id="move-relation-error">与户主关系: 必填</span>`) {
		t.Errorf("the relation's error is not beside it: %s", relation)
	}
	if !strings.Contains(r.Body, `value="投亲靠友"`) || !strings.Contains(r.Body, `value="2026-11-20"`) {
		t.Error("the refused form lost what was typed")
	}
	// The typed name found the household: the picker shows it chosen.
	if !strings.Contains(r.Body, `name="household_id" value="`+itoa(f.headed.ID)+`"`) || !strings.Contains(r.Body, "户主 "+f.headName) {
		t.Error("the household found by its head's name is not shown chosen")
	}
	// As 户主 into a household that has one.
	r = sec.Form(pagePath, form("household_id", itoa(f.headed.ID), "relation", "head", "reason", "投亲靠友"))
	if r.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, `<span class="field-error" id="move-relation-error">与户主关系: 该户已有户主（`+f.headName+`）`) {
		t.Errorf("second head by the page: %d", r.StatusCode)
	}
	// A text that names several households, and one that names none: the
	// errors are beside the picker, and the other fields are checked too.
	r = sec.Form(pagePath, form("household_id_text", "甲一网格", "relation", "", "reason", "x"))
	picker := regexp.MustCompile(`<input id="move-household-text"[^>]*>`).FindString(r.Body)
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(picker, `aria-invalid="true"`) ||
		!strings.Contains(r.Body, `<span class="field-error" id="move-household-error">迁入的户: 有多户符合“甲一网格”`) ||
		!strings.Contains(r.Body, `id="move-relation-error"`) || !strings.Contains(picker, `value="甲一网格"`) {
		t.Errorf("ambiguous household: %d %s", r.StatusCode, picker)
	}
	r = sec.Form(pagePath, form("household_id_text", "无此地址", "relation", "spouse", "reason", "x"))
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "迁入的户: 户不存在或不在您的管辖范围内") {
		t.Errorf("no such household: %d", r.StatusCode)
	}
	if personRow(t, e, f.person.ID) != before {
		t.Fatal("a refused move wrote")
	}
	// Chosen: the head of 101 joins 102 as its head's sibling. 101 keeps
	// the spouse without a head, which entry allows too.
	r = sec.Form(pagePath, form("household_id", itoa(f.headed.ID), "household_id_text", "ignored", "relation", "sibling", "reason", "投亲靠友"))
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("move: %d %s", r.StatusCode, r.Body)
	}
	var moved registry.Person
	sec.Get("/api/v1/people/"+itoa(f.person.ID)).JSON(t, &moved)
	if moved.HouseholdID != f.headed.ID || moved.Relation != "sibling" {
		t.Errorf("moved: household %d relation %s", moved.HouseholdID, moved.Relation)
	}
	// 101 has no head now: the person may move back as its head.
	r = sec.API("POST", api, map[string]any{"version": moved.Version, "household_id": f.from.ID, "reason": "返回", "relation": "head"})
	if r.StatusCode != http.StatusOK {
		t.Errorf("back as head of a household without one: %d %s", r.StatusCode, r.Body)
	}
	assertCountsExact(t, e)
}
