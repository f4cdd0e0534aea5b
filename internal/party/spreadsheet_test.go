package party_test

import (
	"encoding/csv"
	"strings"
	"testing"

	"grassroots/internal/apptest"
	"grassroots/internal/party"
)

// TestSpreadsheets imports units, community workers and Party members from
// the templates' format, all or nothing, and exports them back.
func TestSpreadsheets(t *testing.T) {
	e := apptest.New(t)
	committee, _ := mustCommittees(t, e)
	mustOrg(t, e, party.OrgInput{ParentID: committee.ID, Name: "甲一网格1党支部", Kind: party.Branch, RegionCode: apptest.GridA1})
	c := e.Login("secretary")
	for _, p := range []string{"/units", "/workforce", "/party/members", "/party/orgs", "/buildings", "/compounds", "/workforce/reserve", "/party/committee", "/grids/table"} {
		if r := c.Get(p + "/template.xlsx"); r.StatusCode != 200 || len(r.Body) < 1000 {
			t.Errorf("%s template: %d", p, r.StatusCode)
		}
		if r := c.Get(p + "/import"); r.StatusCode != 200 {
			t.Errorf("%s import form: %d", p, r.StatusCode)
		}
	}
	tmpl := c.Get("/units/template.csv")
	header := strings.SplitN(strings.TrimPrefix(tmpl.Body, "\ufeff"), "\n", 2)[0]
	rows := [][]string{strings.Split(header, ","),
		{"表格企业甲", "非公有制企业", apptest.CommunityA, "某路1号", "35", "", "否", "是"},
		{"表格协会乙", "社会组织", apptest.CommunityA, "", "8", "", "是", "是"},
		{"", "面包店", apptest.CommunityB, "", "x", "", "", ""},
	}
	bad := c.Upload("/units/import", "units.xlsx", apptest.XLSX(t, rows), nil)
	for _, want := range []string{"第 4 行「名称」", "第 4 行「类型」", "第 4 行「网格或社区代码」", "第 4 行「人数」", "未导入任何数据"} {
		if !strings.Contains(bad.Body, want) {
			t.Errorf("units report lacks %q", want)
		}
	}
	if r := c.Get("/units/export.csv"); strings.Contains(r.Body, "表格企业甲") {
		t.Fatal("a refused import kept rows")
	}
	ok := c.Upload("/units/import", "units.csv", apptest.CSV(rows), map[string]string{"keep_good": "on"})
	if ok.StatusCode != 200 || !strings.Contains(ok.Body, "新增 2") {
		t.Fatalf("keep good: %d %s", ok.StatusCode, ok.Body)
	}
	again := c.Upload("/units/import", "units.csv", apptest.CSV(rows), map[string]string{"keep_good": "on"})
	if !strings.Contains(again.Body, "新增 0，已存在 2") {
		t.Errorf("re-import must change nothing: %s", again.Body)
	}
	exp := c.Get("/units/export.csv")
	if !strings.Contains(exp.Body, "表格企业甲,非公有制企业,"+apptest.CommunityA+",某路1号,35,,否,是") {
		t.Errorf("export does not round-trip: %s", exp.Body)
	}
	// Workers and members.
	wr := [][]string{{"姓名", "社区代码", "岗位", "社工证书", "学历", "培训学时"}, {"表格社工", apptest.CommunityA, "社工", "社会工作师", "本科", "16"}}
	if r := c.Upload("/workforce/import", "w.csv", apptest.CSV(wr), nil); !strings.Contains(r.Body, "新增 1") {
		t.Errorf("workers import: %s", r.Body)
	}
	var orgs struct {
		Items []party.Org `json:"items"`
	}
	c.Get("/api/v1/party/orgs?kind=branch&limit=1").JSON(t, &orgs)
	mr := [][]string{{"姓名", "党组织编号", "党员类别", "状态", "工作单位党组织", "居住网格或社区代码", "党员示范户", "入党日期"},
		{"表格党员", itoa(orgs.Items[0].ID), "在职党员", "正式党员", "某局机关党委", "", "是", "1999-07-01"},
		{"外区党员", "999999", "直管党员", "正式党员", "", "", "", ""}}
	mres := c.Upload("/party/members/import", "m.csv", apptest.CSV(mr), nil)
	if mres.StatusCode != 422 || !strings.Contains(mres.Body, "第 3 行「党组织编号」") {
		t.Errorf("members import with an unknown organisation: %d", mres.StatusCode)
	}
	if r := c.Get("/party/members/export.csv"); strings.Contains(r.Body, "表格党员") {
		t.Error("refused members import kept a row")
	}
	org := [][]string{{"名称", "类型", "区划代码", "上级党组织编号", "楼栋编号", "所在单位"}, {"表格党支部", "党支部", apptest.GridA1, itoa(orgs.Items[0].ID), "", ""}}
	if r := c.Upload("/party/orgs/import", "o.csv", apptest.CSV(org), nil); !strings.Contains(r.Body, "第 2 行「类型」") {
		t.Errorf("a branch under a branch must be refused: %s", r.Body)
	}
	bld := [][]string{{"楼栋名称", "标准地址", "小区编号", "网格代码", "层数", "单元数", "经度", "纬度"}, {"9栋", "表格路9号9栋", "", apptest.GridA1, "11", "2", "", ""}}
	if r := c.Upload("/buildings/import", "b.csv", apptest.CSV(bld), nil); !strings.Contains(r.Body, "新增 1") {
		t.Errorf("buildings import: %s", r.Body)
	}
	if r := c.Get("/buildings/export.csv"); !strings.Contains(r.Body, "表格路9号9栋") {
		t.Errorf("buildings export: %s", r.Body)
	}
	if r := c.Upload("/buildings/import", "b.csv", apptest.CSV(bld), nil); !strings.Contains(r.Body, "新增 0，已存在 1") {
		t.Errorf("buildings re-import: %s", r.Body)
	}
	cmp := [][]string{{"小区名称", "地址", "物业服务企业", "社区或网格代码"}, {"表格花园", "表格路10号", "某物业", apptest.CommunityA}}
	if r := c.Upload("/compounds/import", "c.csv", apptest.CSV(cmp), nil); !strings.Contains(r.Body, "新增 1") {
		t.Errorf("compounds import: %s", r.Body)
	}
	res := [][]string{{"姓名", "社区代码", "现任职务", "考察得分", "状态", "报备日期", "考察意见"}, {"表格候选", apptest.CommunityA, "副书记", "90", "已报备组织部", "2026-05-01", ""}}
	if r := c.Upload("/workforce/reserve/import", "r.csv", apptest.CSV(res), nil); !strings.Contains(r.Body, "新增 1") {
		t.Errorf("reserve import: %s", r.Body)
	}
	gexp := c.Get("/grids/table/export.csv")
	grows, _ := csv.NewReader(strings.NewReader(strings.TrimPrefix(gexp.Body, "\ufeff"))).ReadAll()
	if len(grows) != 3 || grows[1][0] != apptest.GridA1 {
		t.Fatalf("grid sheet export: %v", grows)
	}
	if r := c.Upload("/grids/table/import", "g.csv", apptest.CSV(grows), nil); !strings.Contains(r.Body, "新增 0，已存在 2") {
		t.Errorf("grid sheet re-import: %s", r.Body)
	}
	com := [][]string{{"党组织编号", "姓名", "职务", "所在单位", "兼职委员"}, {itoa(orgs.Items[0].ID), "表格委员", "委员", "某医院", "是"}}
	if r := c.Upload("/party/committee/import", "m.csv", apptest.CSV(com), nil); !strings.Contains(r.Body, "新增 1") {
		t.Errorf("committee import: %s", r.Body)
	}
	if r := e.Login("worker").Get("/units/import"); r.StatusCode != 200 {
		t.Errorf("community worker import form: %d", r.StatusCode)
	}
	if r := e.Login("grid").Get("/party/members/import"); r.StatusCode != 403 {
		t.Errorf("grid worker and the members import: %d", r.StatusCode)
	}
}
