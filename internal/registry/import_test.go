package registry_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"grassroots/internal/apptest"
	"grassroots/internal/platform/audit"
	"grassroots/internal/platform/authz"
	"grassroots/internal/registry"
)

func TestImportPeopleSpreadsheet(t *testing.T) {
	e := apptest.New(t)
	c := e.Login("grid")
	rows := [][]string{registry.PeopleHeader,
		{"导入甲", apptest.IDNumber(apptest.DistrictA, "19700101", "011"), "13800000001", "户主", "户籍", "党员、低保", "导入路1号101室", apptest.GridA1, "自住"},
		{"导入乙", apptest.IDNumber(apptest.DistrictA, "19720202", "022"), "", "配偶", "户籍", "", "导入路1号101室", apptest.GridA1, ""},
		{"", wrongCheck(apptest.IDNumber(apptest.DistrictA, "19700101", "019")), "12", "叔叔", "外星", "会飞", "", "440399001001001", "卖掉"},
	}
	res := c.Upload("/people/import", "people.xlsx", apptest.XLSX(t, rows), nil)
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("import with a bad row: %d", res.StatusCode)
	}
	for _, want := range []string{"第 4 行「姓名」", "第 4 行「身份证号」", "第 4 行「手机号」", "第 4 行「与户主关系」", "第 4 行「人口类型」", "第 4 行「标签」", "第 4 行「住址」", "第 4 行「网格代码」", "第 4 行「房屋用途」", "未导入任何数据"} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if r := c.Get("/people?q=导入甲"); strings.Contains(r.Body, ">导入甲</a>") {
		t.Fatal("a refused import wrote people")
	}
	ok := c.Upload("/people/import", "people.xlsx", apptest.XLSX(t, rows), map[string]string{"keep_good": "on"})
	if ok.StatusCode != 200 || !strings.Contains(ok.Body, "新增 2") || !strings.Contains(ok.Body, "新建户 1") {
		t.Fatalf("keep good: %d %s", ok.StatusCode, ok.Body)
	}
	// The same rows again, as CSV through the API: nothing changes.
	api := c.Do("POST", "/api/v1/people/import", bytes.NewReader(apptest.CSV(rows[:3])), http.Header{"Content-Type": {"text/csv"}, "X-CSRF-Token": {c.CSRF()}})
	var rep registry.ImportReport
	api.JSON(t, &rep)
	if api.StatusCode != 200 || rep.Unchanged != 2 || rep.Created+rep.Updated != 0 {
		t.Errorf("re-import: %d %+v", api.StatusCode, rep)
	}
	// Template and export.
	if r := c.Get("/people/template.xlsx"); r.StatusCode != 200 || len(r.Body) < 1000 {
		t.Errorf("xlsx template: %d", r.StatusCode)
	}
	if r := c.Get("/people/template.csv"); !strings.Contains(r.Body, strings.Join(registry.PeopleHeader, ",")) {
		t.Errorf("csv template: %s", r.Body)
	}
	exp := c.Get("/people/export.csv?q=导入")
	if !strings.Contains(exp.Body, "导入甲") || strings.Contains(exp.Body, apptest.IDNumber(apptest.DistrictA, "19700101", "011")) || !strings.Contains(exp.Body, "党员、低保") {
		t.Errorf("masked export: %s", exp.Body)
	}
	full := c.Get("/people/export.csv?unmasked=1&q=导入")
	if !strings.Contains(full.Body, apptest.IDNumber(apptest.DistrictA, "19700101", "011")) {
		t.Errorf("unmasked export lacks the ID number")
	}
	es, _ := audit.Find(ctx, e.App.DB, authz.All, audit.Filter{Action: "registry.person.export_list"})
	if len(es) != 2 {
		t.Errorf("%d list exports audited, want 2", len(es))
	}
	if r := c.Get("/people/import"); r.StatusCode != 200 {
		t.Errorf("import form: %d", r.StatusCode)
	}
	// The page's way: the import runs as a job whose progress the page polls.
	more := [][]string{registry.PeopleHeader}
	for i := 0; i < 300; i++ {
		more = append(more, []string{"批量" + itoa(int64(i)), apptest.IDNumber(apptest.DistrictA, "19800101", pad3(i)), "", "户主", "户籍", "", "批量路" + itoa(int64(i)) + "号", apptest.GridA1, ""})
	}
	start := c.Upload("/people/import/jobs", "more.csv", apptest.CSV(more), nil)
	if start.StatusCode != http.StatusAccepted || !strings.Contains(start.Body, `id="import-progress"`) {
		t.Fatalf("start job: %d %s", start.StatusCode, start.Body)
	}
	i := strings.Index(start.Body, "/people/import/jobs/")
	jobURL := start.Body[i : i+len("/people/import/jobs/")+24]
	var last apptest.Response
	for n := 0; n < 200; n++ {
		last = c.Do("GET", jobURL, nil, http.Header{"HX-Request": {"true"}})
		if strings.Contains(last.Body, "import-report") {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(last.Body, "新增 300") {
		t.Errorf("job result: %s", last.Body)
	}
	assertCountsExact(t, e)
	if r := e.Login("secretary").Get(jobURL); r.StatusCode != 404 {
		t.Errorf("another account sees the job: %d", r.StatusCode)
	}
}
