package registry_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"grassroots/internal/apptest"
	"grassroots/internal/registry"
)

// peopleCount is how many people the table holds, to tell that a refused
// registration wrote nothing.
func peopleCount(t *testing.T, e *apptest.Env) int {
	t.Helper()
	var n int
	if err := e.App.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM registry_people`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// zhAPI sends JSON as a Chinese client does.
func zhAPI(c *apptest.Client, method, path string, v any) apptest.Response {
	b, _ := json.Marshal(v)
	return c.Do(method, path, bytes.NewReader(b), http.Header{"Content-Type": {"application/json"}, "X-CSRF-Token": {c.CSRF()},
		"Accept-Language": {"zh-CN"}})
}

// TestOneHeadOnEntryAndCorrection: a household has one head (户主): a new
// person registered as the head of a household that has one, through the
// API or the page, and a member corrected to be its head, are refused on
// the relation, naming the head, and write nothing; the relation must be
// given. A household recorded with two heads before the rule still reads
// and is corrected in other fields.
func TestOneHeadOnEntryAndCorrection(t *testing.T) {
	e := apptest.New(t)
	hh := mustHousehold(t, e, apptest.GridA1, "3单元301室")
	empty := mustHousehold(t, e, apptest.GridA1, "3单元302室")
	head := mustPerson(t, e, registry.PersonInput{Name: "户主甲", IDNumber: apptest.IDNumber(apptest.DistrictA, "19600303", "011"), HouseholdID: hh.ID})
	spouse := mustPerson(t, e, registry.PersonInput{Name: "配偶乙", IDNumber: apptest.IDNumber(apptest.DistrictA, "19620404", "022"), HouseholdID: hh.ID, Relation: "spouse"})
	c := e.Login("secretary")
	n := peopleCount(t, e)
	newID := apptest.IDNumber(apptest.DistrictA, "19900505", "033")
	for _, x := range []struct {
		name string
		body map[string]any
		want []string
	}{
		{"ErrSecondHead", map[string]any{"name": "新丙", "id_number": newID, "household_id": hh.ID, "relation": "head", "residence": "registered"},
			[]string{`"field":"relation","rule":"head_exists"`, "与户主关系: 该户已有户主（户主甲）"}},
		{"ErrNoRelation", map[string]any{"name": "新丙", "id_number": newID, "household_id": hh.ID, "residence": "registered"},
			[]string{`"field":"relation","rule":"required"`}},
		// A person's name is 姓名 in the API's messages too, the field
		// still "name".
		{"ErrNoName", map[string]any{"name": "", "id_number": newID, "household_id": hh.ID, "relation": "child", "residence": "registered"},
			[]string{`"field":"name","rule":"required","message":"姓名: 必填"`}},
	} {
		r := zhAPI(c, "POST", "/api/v1/people", x.body)
		if r.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d %s", x.name, r.StatusCode, r.Body)
			continue
		}
		for _, w := range x.want {
			if !strings.Contains(r.Body, w) {
				t.Errorf("%s: the refusal lacks %s: %s", x.name, w, r.Body)
			}
		}
		if strings.Contains(r.Body, "名称") {
			t.Errorf("%s: a person's name is called 名称: %s", x.name, r.Body)
		}
	}
	page := c.Form("/people", url.Values{"name": {"新丙"}, "id_number": {newID}, "household_id": {itoa(hh.ID)}, "household_id_text": {hh.Address},
		"relation": {"head"}, "residence": {"registered"}})
	if page.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page.Body, "与户主关系: 该户已有户主（户主甲）") {
		t.Errorf("second head by the page: %d", page.StatusCode)
	}
	if peopleCount(t, e) != n {
		t.Fatal("a refused registration wrote")
	}

	// Correcting the spouse to be the head: refused, through the API and
	// the page; nothing written.
	before := personRow(t, e, spouse.ID)
	r := zhAPI(c, "PATCH", "/api/v1/people/"+itoa(spouse.ID), map[string]any{"version": spouse.Version, "relation": "head"})
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `"field":"relation","rule":"head_exists"`) ||
		!strings.Contains(r.Body, "该户已有户主（户主甲）") {
		t.Errorf("correction to a second head: %d %s", r.StatusCode, r.Body)
	}
	page = c.Form("/people/"+itoa(spouse.ID)+"/edit", url.Values{"version": {itoa(int64(spouse.Version))}, "name": {spouse.Name},
		"relation": {"head"}, "residence": {"registered"}})
	if page.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page.Body, "与户主关系: 该户已有户主（户主甲）") {
		t.Errorf("correction to a second head by the page: %d", page.StatusCode)
	}
	if personRow(t, e, spouse.ID) != before {
		t.Fatal("a refused correction wrote")
	}
	// The head corrected otherwise stays the head.
	if r := c.API("PATCH", "/api/v1/people/"+itoa(head.ID), map[string]any{"version": head.Version, "phone": "13800004444", "relation": "head"}); r.StatusCode != http.StatusOK {
		t.Errorf("the head corrected: %d %s", r.StatusCode, r.Body)
	}
	// A household without a head takes one.
	if r := c.API("POST", "/api/v1/people", map[string]any{"name": "新丙", "id_number": newID, "household_id": empty.ID, "relation": "head",
		"residence": "registered"}); r.StatusCode != http.StatusCreated {
		t.Errorf("the head of a household without one: %d %s", r.StatusCode, r.Body)
	}

	// Two heads recorded before the rule: the household and both read,
	// and the second is corrected in its other fields.
	if _, err := e.App.DB.ExecContext(ctx, `UPDATE registry_people SET relation = 'head' WHERE id = ?`, spouse.ID); err != nil {
		t.Fatal(err)
	}
	var card registry.HouseholdCard
	if r := c.Get("/api/v1/households/" + itoa(hh.ID)); r.StatusCode != http.StatusOK {
		t.Fatalf("a household with two heads: %d", r.StatusCode)
	} else {
		r.JSON(t, &card)
	}
	if len(card.Members) != 2 || card.Members[0].Relation != "head" || card.Members[1].Relation != "head" {
		t.Errorf("the card of a household with two heads: %+v", card.Members)
	}
	for _, p := range []string{"/households/" + itoa(hh.ID), "/people/" + itoa(spouse.ID), "/people/" + itoa(spouse.ID) + "/edit"} {
		if r := c.Get(p); r.StatusCode != http.StatusOK {
			t.Errorf("%s of a household with two heads: %d", p, r.StatusCode)
		}
	}
	var now registry.Person
	c.Get("/api/v1/people/"+itoa(spouse.ID)).JSON(t, &now)
	if r := c.API("PATCH", "/api/v1/people/"+itoa(spouse.ID), map[string]any{"version": now.Version, "name": "配偶乙改", "relation": "head",
		"tags": []string{"veteran"}}); r.StatusCode != http.StatusOK {
		t.Errorf("the second head corrected in other fields: %d %s", r.StatusCode, r.Body)
	}
	if r := c.Form("/people/"+itoa(spouse.ID)+"/edit", url.Values{"version": {itoa(int64(now.Version + 1))}, "name": {"配偶乙"},
		"relation": {"head"}, "residence": {"registered"}}); r.StatusCode != http.StatusSeeOther {
		t.Errorf("the second head corrected by the page: %d", r.StatusCode)
	}
	assertCountsExact(t, e)
}

// TestImportOneHead: an import gives no household a second head: a row
// naming a head for a household that has one, and a second head of one
// household inside the file, are each reported on the relation's column
// with the head's name, and nothing is written unless the good rows are
// kept. A head the file takes out of the household (now a spouse) leaves
// room for a new one; a household recorded with two heads is imported
// again unchanged.
func TestImportOneHead(t *testing.T) {
	e := apptest.New(t)
	hh := mustHousehold(t, e, apptest.GridA1, "4单元401室")
	mustPerson(t, e, registry.PersonInput{Name: "原户主", IDNumber: apptest.IDNumber(apptest.DistrictA, "19580101", "011"), HouseholdID: hh.ID})
	c := e.Login("secretary")
	idOf := func(birth, seq string) string { return apptest.IDNumber(apptest.DistrictA, birth, seq) }
	row := func(name, id, relation, addr string) []string {
		return []string{name, id, "", relation, "户籍", "", addr, apptest.GridA1, "自住"}
	}
	const other = "导入路9号901室"
	rows := [][]string{registry.PeopleHeader,
		row("原户主", idOf("19580101", "011"), "户主", hh.Address), // unchanged
		row("新户主", idOf("19800202", "022"), "户主", hh.Address), // row 3: a second head
		row("首户主", idOf("19810303", "033"), "户主", other),
		row("次户主", idOf("19820404", "044"), "户主", other), // row 5: a second head inside the file
		row("首配偶", idOf("19830505", "055"), "配偶", other),
	}
	send := func(keep bool, rows [][]string) (int, registry.ImportReport) {
		t.Helper()
		path := "/api/v1/people/import"
		if keep {
			path += "?keep_good=true"
		}
		r := c.Do("POST", path, bytes.NewReader(apptest.CSV(rows)), http.Header{"Content-Type": {"text/csv"}, "X-CSRF-Token": {c.CSRF()}})
		var rep registry.ImportReport
		r.JSON(t, &rep)
		return r.StatusCode, rep
	}
	n := peopleCount(t, e)
	st, rep := send(false, rows)
	want := []registry.RowError{{Row: 3, Column: registry.PeopleHeader[3], Rule: "rule.head_exists", Param: "原户主"},
		{Row: 5, Column: registry.PeopleHeader[3], Rule: "rule.head_exists", Param: "首户主"}}
	if st != http.StatusUnprocessableEntity || rep.Committed || !sameErrors(rep.Errors, want) {
		t.Fatalf("import with second heads: %d %+v, want errors %+v", st, rep, want)
	}
	if peopleCount(t, e) != n {
		t.Fatal("a refused import wrote")
	}
	// The page says which row and column, and who the head is.
	page := c.Upload("/people/import", "people.csv", apptest.CSV(rows), nil)
	if page.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page.Body, "第 3 行「"+registry.PeopleHeader[3]+"」： 该户已有户主（原户主）") ||
		!strings.Contains(page.Body, "第 5 行「"+registry.PeopleHeader[3]+"」： 该户已有户主（首户主）") {
		t.Errorf("the import page's report: %d", page.StatusCode)
	}
	st, rep = send(true, rows)
	if st != http.StatusOK || !rep.Committed || rep.Created != 2 || rep.Unchanged != 1 || !sameErrors(rep.Errors, want) {
		t.Fatalf("import keeping the good rows: %d %+v", st, rep)
	}
	var heads int
	e.App.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM registry_people WHERE relation = 'head' AND name IN ('新户主', '次户主')`).Scan(&heads)
	if heads != 0 {
		t.Error("a refused second head was written")
	}

	// The head taken out of the household by the file, a new one in.
	st, rep = send(false, [][]string{registry.PeopleHeader,
		row("接任户主", idOf("19840606", "066"), "户主", hh.Address),
		row("原户主", idOf("19580101", "011"), "父母", hh.Address),
	})
	if st != http.StatusOK || !rep.Committed || rep.Created != 1 || rep.Updated != 1 {
		t.Errorf("a new head for the old one: %d %+v", st, rep)
	}
	// Two heads recorded before the rule, imported again unchanged.
	if _, err := e.App.DB.ExecContext(ctx, `UPDATE registry_people SET relation = 'head' WHERE name = '原户主'`); err != nil {
		t.Fatal(err)
	}
	st, rep = send(false, [][]string{registry.PeopleHeader,
		row("接任户主", idOf("19840606", "066"), "户主", hh.Address),
		row("原户主", idOf("19580101", "011"), "户主", hh.Address),
	})
	if st != http.StatusOK || !rep.Committed || rep.Unchanged != 2 {
		t.Errorf("a household with two heads imported again: %d %+v", st, rep)
	}
	assertCountsExact(t, e)
}

func sameErrors(got, want []registry.RowError) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i] != want[i] {
			return false
		}
	}
	return true
}
