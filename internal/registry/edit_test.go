package registry_test

import (
	"encoding/json"
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

// personRow is what the table holds of a person, to tell that a refused
// change wrote nothing.
func personRow(t *testing.T, e *apptest.Env, id int64) string {
	t.Helper()
	var name, hash, phone, birth, sex, relation, tags, region string
	var version int
	var household *int64
	if err := e.App.DB.QueryRowContext(ctx, `SELECT name, id_hash, phone_hash, birth_date, sex, relation, tags, region_code, version, household_id
		FROM registry_people WHERE id = ?`, id).Scan(&name, &hash, &phone, &birth, &sex, &relation, &tags, &region, &version, &household); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal([]any{name, hash, phone, birth, sex, relation, tags, region, version, household})
	return string(b)
}

// audits are the audit entries of action about object id.
func audits(t *testing.T, e *apptest.Env, action string, id int64) []audit.Entry {
	t.Helper()
	es, err := audit.Find(ctx, e.App.DB, authz.All, audit.Filter{Action: action, ObjectID: itoa(id)})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func TestEditPersonRefusedChangesNothing(t *testing.T) {
	e := apptest.New(t)
	p := mustPerson(t, e, registry.PersonInput{Name: "更正甲", IDNumber: apptest.IDNumber(apptest.DistrictA, "19850412", "013"), Phone: "13800002222", RegionCode: apptest.GridA1})
	before := personRow(t, e, p.ID)
	c := e.Login("secretary")
	t.Run("API", func(t *testing.T) {
		r := c.API("PATCH", "/api/v1/people/"+itoa(p.ID), map[string]any{"version": p.Version, "name": "",
			"id_number": wrongCheck(apptest.IDNumber(apptest.DistrictA, "19900307", "024")), "phone": "123", "relation": "uncle", "tags": []string{"flying"}})
		if r.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("bad change: %d %s", r.StatusCode, r.Body)
		}
		for _, want := range []string{`"field":"name","rule":"required"`, `"field":"id_number","rule":"id_check"`, `"field":"phone","rule":"phone"`,
			`"field":"relation","rule":"one_of"`, `"field":"tags","rule":"one_of"`} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("the refusal lacks %s: %s", want, r.Body)
			}
		}
	})
	t.Run("Page", func(t *testing.T) {
		if r := c.Get("/people/" + itoa(p.ID) + "/edit"); r.StatusCode != 200 || !strings.Contains(r.Body, `value="更正甲"`) || strings.Contains(r.Body, "13800002222") {
			t.Fatalf("edit page: %d, shows the name and never the phone", r.StatusCode)
		}
		r := c.Form("/people/"+itoa(p.ID)+"/edit", url.Values{"version": {itoa(int64(p.Version))}, "name": {"更正乙"}, "id_number": {"12345"},
			"phone": {"139"}, "relation": {"spouse"}, "residence": {"registered"}, "region_code": {apptest.GridA1}, "tags": {"veteran"}})
		if r.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("bad form: %d", r.StatusCode)
		}
		for _, want := range []string{"身份证号: 须为 18 位", "手机号: 须为 11 位", `value="更正乙"`, `value="139"`, `value="spouse" selected`, `value="veteran" checked`} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("the refused form lacks %q", want)
			}
		}
		if !strings.Contains(r.Body, `value="12345"`) {
			t.Error("the refused form lost the ID number as typed")
		}
	})
	if after := personRow(t, e, p.ID); after != before {
		t.Errorf("a refused change wrote %s, was %s", after, before)
	}
	if es := audits(t, e, "registry.person.update", p.ID); len(es) != 0 {
		t.Errorf("a refused change was audited: %d", len(es))
	}
}

func TestEditStaleVersion(t *testing.T) {
	e := apptest.New(t)
	p := mustPerson(t, e, registry.PersonInput{Name: "并发甲", IDNumber: apptest.IDNumber(apptest.DistrictA, "19800101", "035"), RegionCode: apptest.GridA1})
	c := e.Login("secretary")
	if r := c.API("PATCH", "/api/v1/people/"+itoa(p.ID), map[string]any{"version": p.Version, "relation": "spouse"}); r.StatusCode != 200 {
		t.Fatalf("first change: %d %s", r.StatusCode, r.Body)
	}
	before := personRow(t, e, p.ID)
	r := c.API("PATCH", "/api/v1/people/"+itoa(p.ID), map[string]any{"version": p.Version, "relation": "child"})
	if r.StatusCode != http.StatusConflict || !strings.Contains(r.Body, `"code":"conflict"`) || !strings.Contains(r.Body, "version 1, it is now version 2") {
		t.Errorf("stale change: %d %s", r.StatusCode, r.Body)
	}
	page := c.Form("/people/"+itoa(p.ID)+"/edit", url.Values{"version": {itoa(int64(p.Version))}, "name": {"并发乙"}, "relation": {"child"},
		"residence": {"registered"}, "region_code": {apptest.GridA1}})
	if page.StatusCode != http.StatusConflict || !strings.Contains(page.Body, "已被他人修改") || !strings.Contains(page.Body, `value="并发甲"`) {
		t.Errorf("stale form: %d, says so and shows the record as it is", page.StatusCode)
	}
	if after := personRow(t, e, p.ID); after != before {
		t.Errorf("a stale change wrote %s, was %s", after, before)
	}
	// Every kind of record answers a stale version alike.
	h := mustHousehold(t, e, apptest.GridA1, "9单元901室")
	b, _ := e.App.Registry.Building(e.System(), e.Buildings[apptest.GridA1])
	cp, err := e.App.Registry.CreateCompound(e.System(), registry.CompoundInput{RegionCode: apptest.CommunityA, Name: "并发花园", Address: "并发路1号"})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range []struct {
		path string
		body map[string]any
	}{
		{"/api/v1/households/" + itoa(h.ID), map[string]any{"version": h.Version + 1, "building_id": h.BuildingID, "room": "9单元902室", "house_use": "rented"}},
		{"/api/v1/buildings/" + itoa(b.ID), map[string]any{"version": b.Version + 1, "region_code": b.RegionCode, "name": b.Name, "address": b.Address, "floors": 7, "units": 3}},
		{"/api/v1/compounds/" + itoa(cp.ID), map[string]any{"version": cp.Version + 1, "region_code": cp.RegionCode, "name": "并发新花园", "address": cp.Address}},
	} {
		if r := c.API("PUT", x.path, x.body); r.StatusCode != http.StatusConflict {
			t.Errorf("stale PUT %s: %d %s", x.path, r.StatusCode, r.Body)
		}
	}
	if got, _ := e.App.Registry.Building(e.System(), b.ID); got.Units != b.Units || got.Version != b.Version {
		t.Errorf("a stale building change wrote: %+v", got)
	}
}

func TestEditAuditHoldsBeforeAndAfter(t *testing.T) {
	e := apptest.New(t)
	const name = "留痕更正甲"
	p := mustPerson(t, e, registry.PersonInput{Name: name, IDNumber: apptest.IDNumber(apptest.DistrictA, "19750505", "046"), Phone: "13800003333",
		RegionCode: apptest.GridA1, Tags: []string{"veteran"}})
	c := e.Login("secretary")
	r := c.API("PATCH", "/api/v1/people/"+itoa(p.ID), map[string]any{"version": p.Version, "relation": "spouse", "tags": []string{"veteran", "disability"}, "phone": "13800003334"})
	if r.StatusCode != 200 {
		t.Fatalf("change: %d %s", r.StatusCode, r.Body)
	}
	var raw string
	e.App.DB.QueryRowContext(ctx, `SELECT before_json || after_json || detail_json FROM audit_log WHERE action = 'registry.person.update' AND object_id = ?`, itoa(p.ID)).Scan(&raw)
	for _, v := range []string{name, "13800003333", "13800003334"} {
		if strings.Contains(raw, v) {
			t.Errorf("the audit row holds %q in clear", v)
		}
	}
	var list struct{ Items []audit.Entry }
	e.Login("subdistrict").Get("/api/v1/audit?action=registry.person.update&object_id="+itoa(p.ID)).JSON(t, &list)
	if len(list.Items) != 1 {
		t.Fatalf("%d audit entries", len(list.Items))
	}
	before, after, detail := apptest.Fields(t, list.Items[0].Before), apptest.Fields(t, list.Items[0].After), apptest.Fields(t, list.Items[0].Detail)
	for _, x := range []struct{ what, got, want string }{
		{"relation before", before["relation"].(string), "head"}, {"relation after", after["relation"].(string), "spouse"},
		{"phone before", before["phone_masked"].(string), "138****3333"}, {"phone after", after["phone_masked"].(string), "138****3334"},
		{"who", after["name"].(string), "留****"},
	} {
		if x.got != x.want {
			t.Errorf("audit %s: %q, want %q", x.what, x.got, x.want)
		}
	}
	if _, ok := before["residence"]; ok {
		t.Errorf("the audit holds an unchanged field: %v", before)
	}
	if got := detail["changed"]; strings.Join(toStrings(got), ",") != "phone,phone_masked,relation,tags" {
		t.Errorf("changed fields: %v", got)
	}
	// A household and a building: the changed fields' old and new values.
	h := mustHousehold(t, e, apptest.GridA1, "2单元201室")
	if r := c.API("PUT", "/api/v1/households/"+itoa(h.ID), map[string]any{"version": h.Version, "building_id": h.BuildingID, "room": "2单元202室", "house_use": "rented"}); r.StatusCode != 200 {
		t.Fatalf("household: %d %s", r.StatusCode, r.Body)
	}
	es := audits(t, e, "registry.household.update", h.ID)
	if len(es) != 1 {
		t.Fatalf("%d household audit entries", len(es))
	}
	hb, ha := apptest.Fields(t, es[0].Before), apptest.Fields(t, es[0].After)
	if hb["address"] != h.Address || ha["address"] != strings.TrimSuffix(h.Address, "201室")+"202室" || hb["house_use"] != "self_occupied" || ha["house_use"] != "rented" {
		t.Errorf("household audit: %v → %v", hb, ha)
	}
	if _, ok := hb["region_code"]; ok {
		t.Errorf("household audit holds an unchanged field: %v", hb)
	}
}

func toStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

// regionTotals is the kept residents figure of a region.
func regionTotals(t *testing.T, e *apptest.Env, region string) int {
	t.Helper()
	var n int
	e.App.DB.QueryRowContext(ctx, `SELECT COALESCE(SUM(residents), 0) FROM registry_region_counts WHERE region_code = ?`, region).Scan(&n)
	return n
}

func TestMovePersonKeepsCounts(t *testing.T) {
	e := apptest.New(t)
	from := mustHousehold(t, e, apptest.GridA1, "1单元101室")
	to := mustHousehold(t, e, apptest.GridA2, "1单元101室")
	p := mustPerson(t, e, registry.PersonInput{Name: "迁移甲", IDNumber: apptest.IDNumber(apptest.DistrictA, "19700707", "057"), HouseholdID: from.ID})
	mustPerson(t, e, registry.PersonInput{Name: "迁移乙", IDNumber: apptest.IDNumber(apptest.DistrictA, "19710808", "068"), HouseholdID: from.ID, Relation: "spouse"})
	a1, a2 := regionTotals(t, e, apptest.GridA1), regionTotals(t, e, apptest.GridA2)
	c := e.Login("secretary")
	path := "/api/v1/people/" + itoa(p.ID) + "/move"
	// Refused moves change nothing.
	before := personRow(t, e, p.ID)
	for _, x := range []struct {
		name string
		body map[string]any
		want string
	}{
		{"ErrNoReason", map[string]any{"version": p.Version, "household_id": to.ID, "relation": "head"}, `"field":"reason","rule":"required"`},
		{"ErrNoRelation", map[string]any{"version": p.Version, "household_id": to.ID, "reason": "购房"}, `"field":"relation","rule":"required"`},
		{"ErrFuture", map[string]any{"version": p.Version, "household_id": to.ID, "reason": "购房", "moved_on": "2099-01-01"}, `"field":"moved_on","rule":"move_future"`},
		{"ErrSameHousehold", map[string]any{"version": p.Version, "household_id": from.ID, "reason": "购房"}, `"field":"household_id","rule":"same_household"`},
		{"ErrStale", map[string]any{"version": p.Version + 1, "household_id": to.ID, "reason": "购房"}, `"code":"conflict"`},
	} {
		if r := c.API("POST", path, x.body); r.StatusCode < 400 || !strings.Contains(r.Body, x.want) {
			t.Errorf("%s: %d %s", x.name, r.StatusCode, r.Body)
		}
	}
	if personRow(t, e, p.ID) != before {
		t.Fatal("a refused move wrote")
	}
	r := c.API("POST", path, map[string]any{"version": p.Version, "household_id": to.ID, "reason": "购房迁居", "moved_on": "2026-11-20", "relation": "head"})
	if r.StatusCode != 200 {
		t.Fatalf("move: %d %s", r.StatusCode, r.Body)
	}
	var moved registry.Person
	r.JSON(t, &moved)
	if moved.HouseholdID != to.ID || moved.RegionCode != apptest.GridA2 || moved.Version != p.Version+1 {
		t.Errorf("moved: %+v", moved)
	}
	if got1, got2 := regionTotals(t, e, apptest.GridA1), regionTotals(t, e, apptest.GridA2); got1 != a1-1 || got2 != a2+1 {
		t.Errorf("residents A1 %d→%d, A2 %d→%d", a1, got1, a2, got2)
	}
	assertCountsExact(t, e)
	for _, x := range []struct {
		id   int64
		want int
	}{{from.ID, 1}, {to.ID, 1}} {
		var card registry.HouseholdCard
		c.Get("/api/v1/households/"+itoa(x.id)).JSON(t, &card)
		if card.Household.Members != x.want || len(card.Members) != x.want {
			t.Errorf("household %d: %d members, want %d", x.id, len(card.Members), x.want)
		}
	}
	es := audits(t, e, "registry.person.move", p.ID)
	if len(es) != 1 {
		t.Fatalf("%d move audit entries", len(es))
	}
	if b, a := apptest.Fields(t, es[0].Before), apptest.Fields(t, es[0].After); b["region_code"] != apptest.GridA1 || a["region_code"] != apptest.GridA2 {
		t.Errorf("move audit: %v → %v", b, a)
	}
	// The page shows the move, and moves again by the household's address.
	page := c.Get("/people/" + itoa(p.ID) + "/edit")
	if page.StatusCode != 200 || !strings.Contains(page.Body, "2026-11-20 · 购房迁居") {
		t.Errorf("edit page lacks the move: %d", page.StatusCode)
	}
	bad := c.Form("/people/"+itoa(p.ID)+"/move", url.Values{"version": {itoa(int64(moved.Version))}, "household_id_text": {"无此地址"}, "relation": {"head"}, "reason": {"返回"}})
	if bad.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(bad.Body, "户不存在或不在您的管辖范围内") || !strings.Contains(bad.Body, `value="返回"`) {
		t.Errorf("move to no household: %d", bad.StatusCode)
	}
	back := c.Form("/people/"+itoa(p.ID)+"/move", url.Values{"version": {itoa(int64(moved.Version))}, "household_id_text": {from.Address}, "relation": {"head"}, "reason": {"返回原址"}})
	if back.StatusCode != http.StatusSeeOther {
		t.Fatalf("move back: %d %s", back.StatusCode, back.Body)
	}
	if regionTotals(t, e, apptest.GridA1) != a1 || regionTotals(t, e, apptest.GridA2) != a2 {
		t.Error("moving back does not restore the figures")
	}
	assertCountsExact(t, e)
}

func TestCorrectIDNumberDerivesBirthAndSex(t *testing.T) {
	e := apptest.New(t)
	old := apptest.IDNumber(apptest.DistrictA, "19850412", "011") // male (odd 17th digit)
	p := mustPerson(t, e, registry.PersonInput{Name: "号码甲", IDNumber: old, RegionCode: apptest.GridA1})
	if p.Sex != "male" || p.BirthDate != "1985-04-12" {
		t.Fatalf("fixture: %s %s", p.Sex, p.BirthDate)
	}
	c := e.Login("grid")
	fixed := apptest.IDNumber(apptest.DistrictA, "19900307", "022") // female
	r := c.Form("/people/"+itoa(p.ID)+"/edit", url.Values{"version": {itoa(int64(p.Version))}, "name": {"王小丽"}, "id_number": {fixed},
		"relation": {p.Relation}, "residence": {string(p.Residence)}, "region_code": {p.RegionCode}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("correct the ID number: %d %s", r.StatusCode, r.Body)
	}
	got, _ := e.App.Registry.Person(e.System(), p.ID)
	if got.Sex != "female" || got.BirthDate != "1990-03-07" || got.IDMasked != pii.MaskID(fixed) || got.Name != "王小丽" {
		t.Errorf("after the correction: %s %s %s", got.Sex, got.BirthDate, got.IDMasked)
	}
	for q, want := range map[string]bool{fixed: true, old: false, "wxl": true, "hmj": false, "王小丽": true} {
		var list struct{ Items []registry.Person }
		c.Get("/api/v1/people?q="+url.QueryEscape(q)).JSON(t, &list)
		if found := len(list.Items) == 1 && list.Items[0].ID == p.ID; found != want {
			t.Errorf("search %q finds the person: %v, want %v", q, found, want)
		}
	}
	var pd registry.Personal
	c.Get("/api/v1/people/"+itoa(p.ID)+"/personal").JSON(t, &pd)
	if pd.IDNumber != fixed {
		t.Errorf("personal ID number %q, want %q", pd.IDNumber, fixed)
	}
	es := audits(t, e, "registry.person.update", p.ID)
	if len(es) != 1 || !strings.Contains(strings.Join(toStrings(apptest.Fields(t, es[0].Detail)["changed"]), ","), "id_number") {
		t.Errorf("the audit does not say the ID number changed: %+v", es)
	}
	// The old number is free; another person's number is refused.
	other := mustPerson(t, e, registry.PersonInput{Name: "号码乙", IDNumber: old, RegionCode: apptest.GridA1})
	dup := c.API("PATCH", "/api/v1/people/"+itoa(other.ID), map[string]any{"version": other.Version, "id_number": fixed})
	if dup.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(dup.Body, `"field":"id_number","rule":"person_exists"`) {
		t.Errorf("a number registered to another: %d %s", dup.StatusCode, dup.Body)
	}
}

func TestImportLinksHouseholdsToTheirBuilding(t *testing.T) {
	e := apptest.New(t)
	building := e.Buildings[apptest.GridA1] // 甲一网格1路1号1栋
	c := e.Login("secretary")
	rows := [][]string{registry.PeopleHeader,
		{"链接甲", apptest.IDNumber(apptest.DistrictA, "19700101", "013"), "", "户主", "户籍", "", "测试市甲区甲一网格1路１号1号楼2单元301室", apptest.GridA1, "自住"},
		{"链接乙", apptest.IDNumber(apptest.DistrictA, "19700101", "024"), "", "户主", "户籍", "", "甲一网格1路9号1栋101室", apptest.GridA1, "自住"},
		{"链接丙", apptest.IDNumber(apptest.DistrictA, "19700101", "035"), "", "户主", "户籍", "", "甲一网格1路1号1栋3单元101室", apptest.GridA2, "自住"},
	}
	api := c.Do("POST", "/api/v1/people/import", strings.NewReader(string(apptest.CSV(rows))), http.Header{"Content-Type": {"text/csv"}, "X-CSRF-Token": {c.CSRF()}})
	var rep registry.ImportReport
	api.JSON(t, &rep)
	if api.StatusCode != 200 || rep.Created != 3 || rep.NewHouseholds != 3 || rep.LinkedHouseholds != 1 {
		t.Fatalf("import: %d %+v", api.StatusCode, rep)
	}
	buildingOf := func(addr string) int64 {
		t.Helper()
		var b *int64
		if err := e.App.DB.QueryRowContext(ctx, `SELECT building_id FROM registry_households WHERE address = ?`, addr).Scan(&b); err != nil {
			t.Fatalf("%s: %v", addr, err)
		}
		if b == nil {
			return 0
		}
		return *b
	}
	for addr, want := range map[string]int64{rows[1][6]: building, rows[2][6]: 0, rows[3][6]: 0} {
		if got := buildingOf(addr); got != want {
			t.Errorf("household %s: building %d, want %d", addr, got, want)
		}
	}
	// Households from before: the relink links those whose address names a
	// building of their line of the tree, audited.
	now := e.Clock.Now()
	for _, x := range []struct{ region, addr string }{{apptest.GridA1, "甲一网格1路1号1栋5单元501室"}, {apptest.GridB1, "甲一网格1路1号1栋6单元601室"}} {
		if _, err := e.App.DB.ExecContext(ctx, `INSERT INTO registry_households (region_code, address, house_use, created_at, updated_at) VALUES (?, ?, 'self_occupied', ?, ?)`,
			x.region, x.addr, now, now); err != nil {
			t.Fatal(err)
		}
	}
	n, err := e.App.Registry.UnscopedRelinkHouseholds(e.System())
	if err != nil || n != 1 {
		t.Fatalf("relink: %d %v", n, err)
	}
	if buildingOf("甲一网格1路1号1栋5单元501室") != building || buildingOf("甲一网格1路1号1栋6单元601室") != 0 {
		t.Error("the relink linked the wrong households")
	}
	var linked int
	e.App.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'registry.household.link'`).Scan(&linked)
	if linked != 1 {
		t.Errorf("%d link audit entries, want 1", linked)
	}
	if n, _ := e.App.Registry.UnscopedRelinkHouseholds(e.System()); n != 0 {
		t.Errorf("a second relink linked %d", n)
	}
}

func TestEditOutOfScopeRefused(t *testing.T) {
	e := apptest.New(t)
	ha := mustHousehold(t, e, apptest.GridA1, "1单元101室")
	ha2 := mustHousehold(t, e, apptest.GridA2, "1单元101室")
	hb := mustHousehold(t, e, apptest.GridB1, "1单元101室")
	pa := mustPerson(t, e, registry.PersonInput{Name: "辖区甲", IDNumber: apptest.IDNumber(apptest.DistrictA, "19600101", "013"), HouseholdID: ha.ID})
	before := personRow(t, e, pa.ID)
	worker := e.Login("worker") // community B
	for _, x := range []struct {
		method, path string
		body         map[string]any
	}{
		{"PATCH", "/api/v1/people/" + itoa(pa.ID), map[string]any{"version": pa.Version, "name": "越权"}},
		{"POST", "/api/v1/people/" + itoa(pa.ID) + "/move", map[string]any{"version": pa.Version, "household_id": hb.ID, "reason": "越权"}},
		{"PUT", "/api/v1/households/" + itoa(ha.ID), map[string]any{"version": ha.Version, "room": "越权", "house_use": "rented", "region_code": apptest.GridB1}},
		{"PUT", "/api/v1/buildings/" + itoa(e.Buildings[apptest.GridA1]), map[string]any{"version": 1, "name": "越权", "address": "越权路", "region_code": apptest.GridB1}},
	} {
		if r := worker.API(x.method, x.path, x.body); r.StatusCode != http.StatusNotFound {
			t.Errorf("another community's worker %s %s: %d", x.method, x.path, r.StatusCode)
		}
	}
	for _, p := range []string{"/people/" + itoa(pa.ID) + "/edit", "/households/" + itoa(ha.ID) + "/edit", "/buildings/" + itoa(e.Buildings[apptest.GridA1]) + "/edit"} {
		if r := worker.Get(p); r.StatusCode != http.StatusNotFound {
			t.Errorf("another community's worker GET %s: %d", p, r.StatusCode)
		}
	}
	// Moving into a household outside the editor's territory is refused
	// like moving into none, on the field: the secretary's community does
	// not hold B's household, the grid worker's grid does not hold A2's.
	for _, x := range []struct {
		who string
		to  int64
	}{{"secretary", hb.ID}, {"grid", ha2.ID}, {"secretary", 999999}} {
		r := e.Login(x.who).API("POST", "/api/v1/people/"+itoa(pa.ID)+"/move", map[string]any{"version": pa.Version, "household_id": x.to, "reason": "越权", "relation": "other"})
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `"field":"household_id","rule":"household"`) {
			t.Errorf("%s moves the person out of their territory: %d %s", x.who, r.StatusCode, r.Body)
		}
	}
	// The same with a region out of scope in a change.
	if r := e.Login("grid").API("PATCH", "/api/v1/people/"+itoa(pa.ID), map[string]any{"version": pa.Version, "region_code": apptest.GridA2}); r.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, `"field":"region_code"`) {
		t.Errorf("grid worker places the person in another grid: %d %s", r.StatusCode, r.Body)
	}
	if personRow(t, e, pa.ID) != before {
		t.Error("a refused change wrote")
	}
	assertCountsExact(t, e)
}

func TestEditBuildingHouseholdAndCompoundPages(t *testing.T) {
	e := apptest.New(t)
	sys := e.System()
	cp, err := e.App.Registry.CreateCompound(sys, registry.CompoundInput{RegionCode: apptest.CommunityA, Name: "更正花园", Address: "更正路8号"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.App.Registry.CreateBuilding(sys, registry.BuildingInput{RegionCode: apptest.GridA1, CompoundID: cp.ID, Name: "3栋", Address: "更正路8号3栋", Floors: 6, Units: 2})
	if err != nil {
		t.Fatal(err)
	}
	h, err := e.App.Registry.CreateHousehold(sys, registry.HouseholdInput{BuildingID: b.ID, Room: "1单元101室"})
	if err != nil {
		t.Fatal(err)
	}
	mustPerson(t, e, registry.PersonInput{Name: "楼栋甲", IDNumber: apptest.IDNumber(apptest.DistrictA, "19600101", "024"), HouseholdID: h.ID})
	c := e.Login("secretary")
	// The building: a bad unit count is refused with what was typed; a
	// good change moves its households and people to the new grid.
	if r := c.Get("/buildings/" + itoa(b.ID) + "/edit"); r.StatusCode != 200 || !strings.Contains(r.Body, "甲一网格2") || strings.Contains(r.Body, ">"+apptest.GridA2+"<") {
		t.Fatalf("building edit page: %d, offers the grids by name", r.StatusCode)
	}
	form := url.Values{"version": {itoa(int64(b.Version))}, "name": {"3栋"}, "address": {"更正路8号3栋"}, "compound_id": {itoa(cp.ID)},
		"region_code": {apptest.GridA2}, "floors": {"18"}, "units": {"99"}}
	if r := c.Form("/buildings/"+itoa(b.ID)+"/edit", form); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "单元数: 取值范围 0–50") ||
		!strings.Contains(r.Body, `value="18"`) {
		t.Errorf("bad unit count: %d", r.StatusCode)
	}
	form.Set("units", "4")
	if r := c.Form("/buildings/"+itoa(b.ID)+"/edit", form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("building change: %d %s", r.StatusCode, r.Body)
	}
	got, _ := e.App.Registry.Building(sys, b.ID)
	hh, _ := e.App.Registry.Household(sys, h.ID)
	if got.Units != 4 || got.Floors != 18 || got.RegionCode != apptest.GridA2 || hh.RegionCode != apptest.GridA2 {
		t.Errorf("after the change: building %+v, household in %s", got, hh.RegionCode)
	}
	assertCountsExact(t, e)
	// The household: its address follows a new room.
	if r := c.Get("/households/" + itoa(h.ID) + "/edit"); r.StatusCode != 200 {
		t.Fatalf("household edit page: %d", r.StatusCode)
	}
	hr := c.Form("/households/"+itoa(h.ID)+"/edit", url.Values{"version": {itoa(int64(hh.Version))}, "building_id": {itoa(b.ID)}, "room": {"2单元202室"},
		"address": {hh.Address}, "house_use": {"bogus"}, "region_code": {apptest.GridA2}})
	if hr.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(hr.Body, "房屋用途: 须为以下之一") || !strings.Contains(hr.Body, `value="2单元202室"`) {
		t.Errorf("bad house use: %d", hr.StatusCode)
	}
	hr = c.Form("/households/"+itoa(h.ID)+"/edit", url.Values{"version": {itoa(int64(hh.Version))}, "building_id": {itoa(b.ID)}, "room": {"2单元202室"},
		"address": {hh.Address}, "house_use": {"rented"}, "region_code": {apptest.GridA2}})
	if hr.StatusCode != http.StatusSeeOther {
		t.Fatalf("household change: %d %s", hr.StatusCode, hr.Body)
	}
	if hh, _ = e.App.Registry.Household(sys, h.ID); hh.Address != "更正路8号3栋2单元202室" || hh.HouseUse != registry.Rented {
		t.Errorf("household after the change: %+v", hh)
	}
	// The compound: renamed, its buildings carry the new name and are
	// found by it.
	if r := c.Get("/compounds/" + itoa(cp.ID) + "/edit"); r.StatusCode != 200 {
		t.Fatalf("compound edit page: %d", r.StatusCode)
	}
	if r := c.Form("/compounds/"+itoa(cp.ID)+"/edit", url.Values{"version": {itoa(int64(cp.Version))}, "name": {""}, "address": {cp.Address}, "region_code": {apptest.CommunityA}}); r.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("compound without a name: %d", r.StatusCode)
	}
	if r := c.Form("/compounds/"+itoa(cp.ID)+"/edit", url.Values{"version": {itoa(int64(cp.Version))}, "name": {"新更正花园"}, "address": {cp.Address}, "region_code": {apptest.CommunityA}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("compound change: %d %s", r.StatusCode, r.Body)
	}
	if got, _ = e.App.Registry.Building(sys, b.ID); got.Compound != "新更正花园" {
		t.Errorf("the building's compound: %q", got.Compound)
	}
	if m, ok, err := e.App.Registry.MatchAddress(ctx, "新更正花园3栋1单元"); err != nil || !ok || m.BuildingID != b.ID {
		t.Errorf("the building by its compound's new name: %+v %v %v", m, ok, err)
	}
	// The household card and the person card link to their edit pages,
	// and name their grid, never show its code.
	r := c.Get("/households/" + itoa(h.ID))
	if !strings.Contains(r.Body, `href="/households/`+itoa(h.ID)+`/edit"`) {
		t.Error("the household card has no edit link")
	}
	apptest.NoCodes(t, "the household card", r.Body)
}
