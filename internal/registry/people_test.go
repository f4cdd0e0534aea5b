package registry_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"grassroots/internal/apptest"
	"grassroots/internal/platform/audit"
	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/pii"
	"grassroots/internal/registry"
)

func TestRegisterAndFindPerson(t *testing.T) {
	e := apptest.New(t)
	c := e.Login("grid") // grid worker of grid A1
	id := apptest.IDNumber(apptest.DistrictA, "19850412", "123")
	bad := c.Form("/people", url.Values{"name": {"测试甲"}, "id_number": {wrongCheck(id)}, "relation": {"head"}, "residence": {"registered"},
		"region_code": {apptest.GridA1}, "phone": {"123"}})
	if bad.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(bad.Body, "校验码错误") || !strings.Contains(bad.Body, "11 位") {
		t.Fatalf("bad person: %d", bad.StatusCode)
	}
	if strings.Contains(bad.Body, id[:17]) {
		t.Error("the refused form echoes the ID number back")
	}
	ok := c.Form("/people", url.Values{"name": {"测试甲"}, "id_number": {id}, "relation": {"head"}, "residence": {"registered"},
		"region_code": {apptest.GridA1}, "phone": {"13912340000"}, "tags": {"veteran", "elderly_alone"}})
	if ok.StatusCode != http.StatusSeeOther {
		t.Fatalf("register: %d %s", ok.StatusCode, ok.Body)
	}
	card := c.Get(ok.Header.Get("Location"))
	if !strings.Contains(card.Body, apptest.City+"**********"+id[14:]) || strings.Contains(card.Body, id) || !strings.Contains(card.Body, "退役军人") || !strings.Contains(card.Body, "男") {
		t.Errorf("person card must show the masked ID, sex and tags")
	}
	again := c.Form("/people", url.Values{"name": {"测试乙"}, "id_number": {id}, "relation": {"head"}, "residence": {"registered"}, "region_code": {apptest.GridA1}})
	if !strings.Contains(again.Body, "已登记") {
		t.Errorf("a second registration of the same ID: %d", again.StatusCode)
	}
	// One search box: name, pinyin initials, exact ID, exact phone.
	for _, q := range []string{"测试甲", "csj", id, "13912340000"} {
		res := c.Get("/people?q=" + url.QueryEscape(q))
		if !strings.Contains(res.Body, "测试甲") {
			t.Errorf("search %q does not find the person", q)
		}
	}
	// The plain ID number is nowhere in the table.
	var n int
	e.App.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM registry_people WHERE id_enc LIKE ? OR id_masked = ? OR name_initials = ''`, "%"+id+"%", id).Scan(&n)
	if n != 0 {
		t.Errorf("%d rows hold the ID number in clear", n)
	}
	// Another community's worker does not find the person, even by exact ID.
	if res := e.Login("worker").Get("/people?q=" + id); strings.Contains(res.Body, "测试甲") {
		t.Error("a worker of another community finds the person")
	}
}

func TestPersonalReadExportAndMoveOut(t *testing.T) {
	e := apptest.New(t)
	mustPerson(t, e, registry.PersonInput{Name: "读取甲", IDNumber: apptest.IDNumber(apptest.DistrictA, "19790315", "041"), Phone: "13800001111", RegionCode: apptest.GridA1})
	c := e.Login("secretary")
	var list struct {
		Items []registry.Person `json:"items"`
	}
	c.Get("/api/v1/people?limit=1&region="+apptest.GridA1).JSON(t, &list)
	if len(list.Items) != 1 {
		t.Fatal("no resident in the grid")
	}
	p := list.Items[0]
	frag := c.Do("POST", "/people/"+itoa(p.ID)+"/personal", nil, http.Header{"HX-Request": {"true"}, "X-CSRF-Token": {c.CSRF()}})
	if frag.StatusCode != 200 || !strings.Contains(frag.Body, `id="id-full"`) {
		t.Fatalf("reveal: %d %s", frag.StatusCode, frag.Body)
	}
	var pd registry.Personal
	c.Get("/api/v1/people/"+itoa(p.ID)+"/personal").JSON(t, &pd)
	if _, err := pii.ParseID(pd.IDNumber, e.Clock.Now()); err != nil || pii.MaskID(pd.IDNumber) != p.IDMasked {
		t.Errorf("unmasked ID %q does not match the mask %q", pd.IDNumber, p.IDMasked)
	}
	reads, _ := audit.Find(ctx, e.App.DB, authz.All, audit.Filter{Action: "registry.person.read_personal", ObjectID: itoa(p.ID)})
	if len(reads) != 2 {
		t.Errorf("%d audited reads, want 2", len(reads))
	}
	// District staff see masks only.
	if r := e.Login("district").Get("/api/v1/people/" + itoa(p.ID) + "/personal"); r.StatusCode != 403 {
		t.Errorf("district staff read personal data: %d", r.StatusCode)
	}
	ex := c.Get("/people/" + itoa(p.ID) + "/export.json")
	if ex.StatusCode != 200 || !strings.Contains(ex.Body, pd.IDNumber) || !strings.Contains(ex.Body, "registry.person.read_personal") {
		t.Errorf("PIPL export: %d", ex.StatusCode)
	}
	// Moving out erases the personal data, keeps statistics.
	mv := c.Form("/people/"+itoa(p.ID)+"/move-out", url.Values{"version": {itoa(int64(p.Version))}})
	if mv.StatusCode != http.StatusSeeOther {
		t.Fatalf("move out: %d %s", mv.StatusCode, mv.Body)
	}
	var name, idEnc, birth string
	e.App.DB.QueryRowContext(ctx, `SELECT name, id_enc, birth_date FROM registry_people WHERE id = ?`, p.ID).Scan(&name, &idEnc, &birth)
	if name == p.Name || idEnc != "" || !strings.HasSuffix(birth, "-01-01") {
		t.Errorf("after moving out: %q %q %q", name, idEnc, birth)
	}
	assertCountsExact(t, e)
	if r := c.Get("/api/v1/people/" + itoa(p.ID) + "/personal"); r.StatusCode != http.StatusConflict {
		t.Errorf("personal data of an anonymised person: %d", r.StatusCode)
	}
	// The same ID number can be registered again on return.
	again := c.API("POST", "/api/v1/people", map[string]any{"name": "回来了", "id_number": pd.IDNumber, "relation": "head", "residence": "registered", "region_code": apptest.GridA1})
	if again.StatusCode != http.StatusCreated {
		t.Errorf("re-registration after moving out: %d %s", again.StatusCode, again.Body)
	}
}

func TestHouseholdCard(t *testing.T) {
	e := apptest.New(t)
	h := mustHousehold(t, e, apptest.GridA1, "1单元201室")
	mustPerson(t, e, registry.PersonInput{Name: "户主甲", IDNumber: apptest.IDNumber(apptest.DistrictA, "19600101", "051"), HouseholdID: h.ID})
	mustPerson(t, e, registry.PersonInput{Name: "配偶乙", IDNumber: apptest.IDNumber(apptest.DistrictA, "19620202", "062"), HouseholdID: h.ID, Relation: "spouse"})
	mustHousehold(t, e, apptest.GridA1, "1单元202室") // an empty flat beside it
	c := e.Login("grid")
	var hs struct {
		Items []registry.Household `json:"items"`
	}
	c.Get("/api/v1/households?limit=50&region="+apptest.GridA1).JSON(t, &hs)
	h = registry.Household{}
	for _, x := range hs.Items {
		if x.Members >= 2 {
			h = x
			break
		}
	}
	if h.ID == 0 || len(hs.Items) != 2 {
		t.Fatalf("households of the grid: %+v", hs.Items)
	}
	page := c.Get("/households/" + itoa(h.ID))
	if page.StatusCode != 200 || !strings.Contains(page.Body, "户主") || !strings.Contains(page.Body, h.Address) {
		t.Fatalf("household card: %d", page.StatusCode)
	}
	var card registry.HouseholdCard
	c.Get("/api/v1/households/"+itoa(h.ID)).JSON(t, &card)
	if len(card.Members) != h.Members || card.Members[0].Relation != "head" {
		t.Errorf("card members %d (head first?), list says %d", len(card.Members), h.Members)
	}
	if r := c.Get("/people/new?household=" + itoa(h.ID)); r.StatusCode != 200 {
		t.Errorf("new member form: %d", r.StatusCode)
	}
	// The household of another community is not there for the grid worker.
	other := mustHousehold(t, e, apptest.GridB1, "1单元101室")
	if r := c.Get("/api/v1/households/" + itoa(other.ID)); r.StatusCode != 404 {
		t.Errorf("another community's household card: %d", r.StatusCode)
	}
}

// TestRehashOldSearchHashes: a database whose hashes are in the older,
// 64-character format is brought to the current one by the data migration,
// and exact search works again.
func TestRehashOldSearchHashes(t *testing.T) {
	e := apptest.New(t)
	p := mustPerson(t, e, registry.PersonInput{Name: "散列甲", IDNumber: apptest.IDNumber(apptest.DistrictA, "19880808", "071"), RegionCode: apptest.GridA1})
	c := e.Login("grid")
	var pd registry.Personal
	c.Get("/api/v1/people/"+itoa(p.ID)+"/personal").JSON(t, &pd)
	if r := c.Get("/api/v1/people?q=" + pd.IDNumber); !strings.Contains(r.Body, `"id":`+itoa(p.ID)+`,`) {
		t.Fatalf("exact search misses the person: %s", r.Body)
	}
	old := strings.Repeat("ab", 32)
	if _, err := e.App.DB.ExecContext(ctx, `UPDATE registry_people SET id_hash = ? WHERE id = ?`, old, p.ID); err != nil {
		t.Fatal(err)
	}
	if r := c.Get("/api/v1/people?q=" + pd.IDNumber); strings.Contains(r.Body, `"id":`+itoa(p.ID)+`,`) {
		t.Fatal("the old hash still matches")
	}
	if err := e.App.Registry.Rehash(ctx); err != nil {
		t.Fatal(err)
	}
	if r := c.Get("/api/v1/people?q=" + pd.IDNumber); !strings.Contains(r.Body, `"id":`+itoa(p.ID)+`,`) {
		t.Errorf("after the rehash exact search misses the person: %s", r.Body)
	}
	if err := e.App.Accounts.Rehash(ctx); err != nil {
		t.Fatal(err)
	}
}
