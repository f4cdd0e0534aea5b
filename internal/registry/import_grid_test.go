package registry_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"grassroots/internal/apptest"
	"grassroots/internal/registry"
)

// TestImportRefusesGridOtherThanHousehold: a row that places a person in
// a grid other than their household's is refused on the column 网格代码,
// naming the household's grid, whether the household is registered or
// made by an earlier row of the file; by default nothing is imported,
// and with 仅导入无误的行 the other rows are.
func TestImportRefusesGridOtherThanHousehold(t *testing.T) {
	e := apptest.New(t)
	hh := mustHousehold(t, e, apptest.GridA1, "1单元101室")
	rows := [][]string{registry.PeopleHeader,
		{"错格甲", apptest.IDNumber(apptest.DistrictA, "19700101", "011"), "", "户主", "户籍", "", hh.Address, apptest.GridA2, ""},
		{"新户乙", apptest.IDNumber(apptest.DistrictA, "19710202", "022"), "", "户主", "户籍", "", "导入路8号", apptest.GridA1, ""},
		{"错格丙", apptest.IDNumber(apptest.DistrictA, "19720303", "033"), "", "配偶", "户籍", "", "导入路8号", apptest.GridA2, ""},
		{"同格丁", apptest.IDNumber(apptest.DistrictA, "19730404", "044"), "", "户主", "户籍", "", hh.Address, apptest.GridA1, ""},
	}
	c := e.Login("secretary")
	count := func(table string) int {
		var n int
		if err := e.App.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	people, households := count("registry_people"), count("registry_households")
	res := c.Upload("/people/import", "people.csv", apptest.CSV(rows), nil)
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("import with rows in another grid: %d", res.StatusCode)
	}
	for _, want := range []string{"第 2 行「网格代码」： 该住址的户在“甲一社区居委会 › 甲一网格1”：须填写该户所在网格的代码",
		"第 4 行「网格代码」： 该住址的户在“甲一社区居委会 › 甲一网格1”", "未导入任何数据"} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	if strings.Contains(res.Body, "第 3 行") || strings.Contains(res.Body, "第 5 行") {
		t.Error("good rows are reported as bad")
	}
	if count("registry_people") != people || count("registry_households") != households {
		t.Fatal("a refused import wrote")
	}
	// The API says the same, by column and rule.
	api := c.Do("POST", "/api/v1/people/import", bytes.NewReader(apptest.CSV(rows)), http.Header{"Content-Type": {"text/csv"}, "X-CSRF-Token": {c.CSRF()}})
	var rep registry.ImportReport
	api.JSON(t, &rep)
	bad := map[int]string{}
	for _, x := range rep.Errors {
		bad[x.Row] = x.Column + " " + x.Rule
	}
	if rep.Committed || len(bad) != 2 || bad[2] != "网格代码 rule.import_household_region" || bad[4] != "网格代码 rule.import_household_region" {
		t.Errorf("API report: %+v", rep)
	}
	// Keeping the good rows: they go in, each in its household's grid.
	ok := c.Upload("/people/import", "people.csv", apptest.CSV(rows), map[string]string{"keep_good": "on"})
	if ok.StatusCode != http.StatusOK || !strings.Contains(ok.Body, "新增 2") || !strings.Contains(ok.Body, "第 2 行「网格代码」") {
		t.Fatalf("keep good: %d", ok.StatusCode)
	}
	var wrong int
	if err := e.App.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM registry_people p JOIN registry_households h ON h.id = p.household_id
		WHERE p.region_code <> h.region_code`).Scan(&wrong); err != nil || wrong != 0 {
		t.Errorf("%d people in another grid than their household (%v)", wrong, err)
	}
	if count("registry_people") != people+2 {
		t.Errorf("%d people imported, want 2", count("registry_people")-people)
	}
	assertCountsExact(t, e)
}
