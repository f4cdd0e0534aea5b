package app

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"grassroots/internal/coverage"
	"grassroots/internal/party"
	"grassroots/internal/workforce"
)

func TestPartyTree(t *testing.T) {
	e := newEnv(t)
	c := e.login("demo-secretary")
	page := c.get("/party")
	if page.StatusCode != 200 || !strings.Contains(page.body, "民巷社区大党委（演示）") || strings.Contains(page.body, "章江路社区大党委") {
		t.Fatalf("party page in scope: %d", page.StatusCode)
	}
	var orgs struct {
		Items []party.Org `json:"items"`
	}
	c.get("/api/v1/party/orgs?kind=committee").json(t, &orgs)
	if len(orgs.Items) != 1 {
		t.Fatalf("%d committees visible to the secretary, want 1", len(orgs.Items))
	}
	committee := orgs.Items[0]
	// A group directly under the committee is allowed (narrower); a
	// committee under a committee is not; an org outside the parent's area is not.
	bad := c.api("POST", "/api/v1/party/orgs", map[string]any{"parent_id": committee.ID, "name": "x", "kind": "committee", "region_code": demoGridA})
	if bad.StatusCode != 422 || !strings.Contains(bad.body, `"field":"kind"`) {
		t.Errorf("committee under committee: %d %s", bad.StatusCode, bad.body)
	}
	out := c.api("POST", "/api/v1/party/orgs", map[string]any{"parent_id": committee.ID, "name": "x", "kind": "branch", "region_code": demoGridB})
	if out.StatusCode != 422 || !strings.Contains(out.body, `"field":"region_code"`) {
		t.Errorf("branch outside the parent's area: %d %s", out.StatusCode, out.body)
	}
	// Page forms: a general branch, a part-time committee member, a member.
	res := c.form("/party/orgs", url.Values{"parent_id": {itoa(committee.ID)}, "name": {"老干部党总支"}, "kind": {"general_branch"}, "region_code": {"360102002001"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("create general branch: %d %s", res.StatusCode, res.body)
	}
	orgPath := res.Header.Get("Location")
	id := strings.TrimPrefix(orgPath, "/party/orgs/")
	if r := c.form(orgPath+"/committee", url.Values{"name": {"王委员"}, "post": {"member"}, "part_time": {"on"}}); r.StatusCode != 422 || !strings.Contains(r.body, "单位") {
		t.Errorf("part-time member without a unit: %d", r.StatusCode)
	}
	if r := c.form(orgPath+"/committee", url.Values{"name": {"王委员"}, "post": {"member"}, "part_time": {"on"}, "unit": {"某学校"}}); r.StatusCode != http.StatusSeeOther {
		t.Errorf("part-time member: %d %s", r.StatusCode, r.body)
	}
	if r := c.form("/party/members", url.Values{"org_id": {id}, "name": {"李党员"}, "category": {"in_service"}, "status": {"full"}}); r.StatusCode != 422 {
		t.Errorf("in-service member without a workplace: %d", r.StatusCode)
	}
	if r := c.form("/party/members", url.Values{"org_id": {id}, "name": {"李党员"}, "category": {"in_service"}, "status": {"full"}, "workplace": {"市教育局机关党委"}, "model_household": {"on"}}); r.StatusCode != http.StatusSeeOther {
		t.Errorf("member: %d %s", r.StatusCode, r.body)
	}
	var counted, real int
	e.app.DB.QueryRowContext(tCtx, `SELECT (SELECT SUM(members) FROM party_member_counts), (SELECT COUNT(*) FROM party_members)`).Scan(&counted, &real)
	if counted != real || real == 0 {
		t.Errorf("member totals %d, members %d", counted, real)
	}
	org := c.get(orgPath)
	for _, want := range []string{"王委员", "兼职委员", "某学校", "李党员", "在职党员", "党员示范户"} {
		if !strings.Contains(org.body, want) {
			t.Errorf("org page lacks %q", want)
		}
	}
}

func TestCoverageAndStaffing(t *testing.T) {
	e := newEnv(t)
	c := e.login("demo-subdistrict")
	var rep coverage.Report
	c.get("/api/v1/coverage/360102002").json(t, &rep)
	tot := rep.Total
	if tot.Communities != 12 || tot.CommunitiesWithOrg != 12 || tot.CommunityOrgRate != 100 {
		t.Errorf("community coverage %d/%d = %v%%", tot.CommunitiesWithOrg, tot.Communities, tot.CommunityOrgRate)
	}
	if tot.Grids != 48 || tot.GridsWithBranch != 48 {
		t.Errorf("grid branches %d/%d", tot.GridsWithBranch, tot.Grids)
	}
	if tot.Buildings != 48 || tot.BuildingsWithGroup != 48 {
		t.Errorf("building groups %d/%d (one building a grid, every other one gets a group: all, with one)", tot.BuildingsWithGroup, tot.Buildings)
	}
	if tot.Residents == 0 || tot.Members == 0 || tot.Households == 0 || len(rep.Children) != 12 {
		t.Errorf("totals %+v", tot)
	}
	// Grid workers: demo-grid is the only one, in 民巷社区.
	for _, ch := range rep.Children {
		if ch.Code == "360102002001" && (ch.GridWorkers != 1 || ch.HouseholdsPerGW != float64(ch.Households)) {
			t.Errorf("民巷社区: %d grid workers, %v households each", ch.GridWorkers, ch.HouseholdsPerGW)
		}
	}
	// Staffing: 18 per 10,000.
	var st workforce.StaffingReport
	c.get("/api/v1/workforce/staffing/360102002").json(t, &st)
	for _, ch := range st.Children {
		want := (ch.Residents*18 + 9999) / 10000
		if ch.Required != want || ch.Shortfall != max(0, want-ch.Workers) {
			t.Errorf("%s: required %d (want %d), shortfall %d with %d workers", ch.Name, ch.Required, want, ch.Shortfall, ch.Workers)
		}
	}
	// Adding workers closes a shortfall.
	var short workforce.Staffing
	for _, ch := range st.Children {
		if ch.Shortfall > 0 {
			short = ch
			break
		}
	}
	if short.Code != "" {
		for i := 0; i < short.Shortfall; i++ {
			r := c.api("POST", "/api/v1/workforce/workers", map[string]any{"region_code": short.Code, "name": "新社工", "post": "social_worker", "certificate": "assistant", "education": "bachelor"})
			if r.StatusCode != 201 {
				t.Fatalf("add worker: %d %s", r.StatusCode, r.body)
			}
		}
		var again workforce.StaffingReport
		c.get("/api/v1/workforce/staffing/"+short.Code).json(t, &again)
		if again.Total.Shortfall != 0 || !again.Total.MeetsFloor {
			t.Errorf("after filling the gap: %+v", again.Total)
		}
	}
	page := c.get("/coverage/360102002?measure=workers_per_10k")
	if page.StatusCode != 200 || !strings.Contains(page.body, "每万人社区工作者") || !strings.Contains(page.body, "99.9%") {
		t.Errorf("coverage page: %d", page.StatusCode)
	}
	var fc coverage.FeatureCollection
	c.get("/api/v1/coverage/360102002/map").json(t, &fc)
	if len(fc.Features) != 12 {
		t.Errorf("coverage map has %d community outlines, want 12", len(fc.Features))
	}
	if r := c.get("/coverage"); r.StatusCode != http.StatusSeeOther {
		t.Errorf("/coverage: %d", r.StatusCode)
	}
	wf := c.get("/workforce?region=360102002")
	if wf.StatusCode != 200 || !strings.Contains(wf.body, "后备人才库") {
		t.Errorf("workforce page: %d", wf.StatusCode)
	}
	if r := c.form("/workforce/reserve", url.Values{"region_code": {"360102002001"}, "name": {"候选人"}, "current_post": {"副书记"}, "score": {"88"}, "status": {"filed"}}); r.StatusCode != 422 || !strings.Contains(r.body, "报备日期") {
		t.Errorf("filed candidate without a date: %d", r.StatusCode)
	}
	if r := c.form("/workforce/reserve", url.Values{"region_code": {"360102002001"}, "name": {"候选人"}, "current_post": {"副书记"}, "score": {"88"}, "status": {"filed"}, "filed_on": {"2026-11-01"}}); r.StatusCode != http.StatusSeeOther {
		t.Errorf("candidate: %d %s", r.StatusCode, r.body)
	}
	if r := c.form("/workforce/workers", url.Values{"region_code": {"360102002001"}, "name": {""}, "post": {"x"}}); r.StatusCode != 422 {
		t.Errorf("bad worker: %d", r.StatusCode)
	}
}

func TestUnits(t *testing.T) {
	e := newEnv(t)
	c := e.login("demo-worker") // 章江路社区
	page := c.get("/units?kind=two_new")
	if page.StatusCode != 200 || !strings.Contains(page.body, "章江路社区第1家两新组织（演示）") || strings.Contains(page.body, "民巷社区第1家") {
		t.Fatalf("units page in scope: %d", page.StatusCode)
	}
	lon, lat := 115.8905+0.004*1.5, 28.6905+0.0018 // inside 章江路社区
	r := c.api("POST", "/api/v1/units", map[string]any{"kind": "station", "subkind": "delivery", "name": "测试站点", "lon": lon, "lat": lat, "headcount": 12})
	var u struct {
		RegionCode string `json:"region_code"`
	}
	r.json(t, &u)
	if r.StatusCode != 201 || u.RegionCode[:12] != "360102002002" || len(u.RegionCode) != 15 {
		t.Errorf("station placed by location: %d %s", r.StatusCode, r.body)
	}
	bad := c.form("/units", url.Values{"name": {""}, "subkind": {"two_new.bakery"}, "region_code": {"360102002001"}})
	if bad.StatusCode != 422 || !strings.Contains(bad.body, "类型") {
		t.Errorf("bad unit: %d", bad.StatusCode)
	}
	ok := c.form("/units", url.Values{"name": {"某物业公司"}, "subkind": {"two_new.non_public_enterprise"}, "region_code": {"360102002002"}, "work_covered": {"on"}})
	if ok.StatusCode != http.StatusSeeOther {
		t.Errorf("unit by page: %d %s", ok.StatusCode, ok.body)
	}
	var rep coverage.Report
	e.login("demo-subdistrict").get("/api/v1/coverage/360102002").json(t, &rep)
	if rep.Total.TwoNew != 12*3+1 || rep.Total.TwoNewOrgCovered > rep.Total.TwoNewWorkCovered {
		t.Errorf("two-new coverage %+v", rep.Total)
	}
}

// TestSpreadsheets imports units, community workers and Party members from
// the templates' format, all or nothing, and exports them back.
func TestSpreadsheets(t *testing.T) {
	e := newEnv(t)
	c := e.login("demo-secretary")
	for _, p := range []string{"/units", "/workforce", "/party/members", "/party/orgs", "/buildings", "/compounds", "/workforce/reserve", "/party/committee", "/grids/table"} {
		if r := c.get(p + "/template.xlsx"); r.StatusCode != 200 || len(r.body) < 1000 {
			t.Errorf("%s template: %d", p, r.StatusCode)
		}
		if r := c.get(p + "/import"); r.StatusCode != 200 {
			t.Errorf("%s import form: %d", p, r.StatusCode)
		}
	}
	tmpl := c.get("/units/template.csv")
	header := strings.SplitN(strings.TrimPrefix(tmpl.body, "\ufeff"), "\n", 2)[0]
	rows := [][]string{strings.Split(header, ","),
		{"表格企业甲", "非公有制企业", "360102002001", "某路1号", "35", "", "否", "是"},
		{"表格协会乙", "社会组织", "360102002001", "", "8", "", "是", "是"},
		{"", "面包店", "360102002002", "", "x", "", "", ""},
	}
	bad := c.upload("/units/import", "units.xlsx", xlsxBytes(t, rows), nil)
	for _, want := range []string{"第 4 行「名称」", "第 4 行「类型」", "第 4 行「网格或社区代码」", "第 4 行「人数」", "未导入任何数据"} {
		if !strings.Contains(bad.body, want) {
			t.Errorf("units report lacks %q", want)
		}
	}
	if r := c.get("/units/export.csv"); strings.Contains(r.body, "表格企业甲") {
		t.Fatal("a refused import kept rows")
	}
	ok := c.upload("/units/import", "units.csv", csvBytes(rows), map[string]string{"keep_good": "on"})
	if ok.StatusCode != 200 || !strings.Contains(ok.body, "新增 2") {
		t.Fatalf("keep good: %d %s", ok.StatusCode, ok.body)
	}
	again := c.upload("/units/import", "units.csv", csvBytes(rows), map[string]string{"keep_good": "on"})
	if !strings.Contains(again.body, "新增 0，已存在 2") {
		t.Errorf("re-import must change nothing: %s", again.body)
	}
	exp := c.get("/units/export.csv")
	if !strings.Contains(exp.body, "表格企业甲,非公有制企业,360102002001,某路1号,35,,否,是") {
		t.Errorf("export does not round-trip: %s", exp.body)
	}
	// Workers and members.
	wr := [][]string{{"姓名", "社区代码", "岗位", "社工证书", "学历", "培训学时"}, {"表格社工", "360102002001", "社工", "社会工作师", "本科", "16"}}
	if r := c.upload("/workforce/import", "w.csv", csvBytes(wr), nil); !strings.Contains(r.body, "新增 1") {
		t.Errorf("workers import: %s", r.body)
	}
	var orgs struct {
		Items []party.Org `json:"items"`
	}
	c.get("/api/v1/party/orgs?kind=branch&limit=1").json(t, &orgs)
	mr := [][]string{{"姓名", "党组织编号", "党员类别", "状态", "工作单位党组织", "居住网格或社区代码", "党员示范户", "入党日期"},
		{"表格党员", itoa(orgs.Items[0].ID), "在职党员", "正式党员", "某局机关党委", "", "是", "1999-07-01"},
		{"外区党员", "999999", "直管党员", "正式党员", "", "", "", ""}}
	mres := c.upload("/party/members/import", "m.csv", csvBytes(mr), nil)
	if mres.StatusCode != 422 || !strings.Contains(mres.body, "第 3 行「党组织编号」") {
		t.Errorf("members import with an unknown organisation: %d", mres.StatusCode)
	}
	if r := c.get("/party/members/export.csv"); strings.Contains(r.body, "表格党员") {
		t.Error("refused members import kept a row")
	}
	org := [][]string{{"名称", "类型", "区划代码", "上级党组织编号", "楼栋编号", "所在单位"}, {"表格党支部", "党支部", demoGridA, itoa(orgs.Items[0].ID), "", ""}}
	if r := c.upload("/party/orgs/import", "o.csv", csvBytes(org), nil); !strings.Contains(r.body, "第 2 行「类型」") {
		t.Errorf("a branch under a branch must be refused: %s", r.body)
	}
	bld := [][]string{{"楼栋名称", "标准地址", "小区编号", "网格代码", "层数", "单元数", "经度", "纬度"}, {"9栋", "表格路9号9栋", "", demoGridA, "11", "2", "", ""}}
	if r := c.upload("/buildings/import", "b.csv", csvBytes(bld), nil); !strings.Contains(r.body, "新增 1") {
		t.Errorf("buildings import: %s", r.body)
	}
	if r := c.get("/buildings/export.csv"); !strings.Contains(r.body, "表格路9号9栋") {
		t.Errorf("buildings export: %s", r.body)
	}
	if r := c.upload("/buildings/import", "b.csv", csvBytes(bld), nil); !strings.Contains(r.body, "新增 0，已存在 1") {
		t.Errorf("buildings re-import: %s", r.body)
	}
	cmp := [][]string{{"小区名称", "地址", "物业服务企业", "社区或网格代码"}, {"表格花园", "表格路10号", "某物业", "360102002001"}}
	if r := c.upload("/compounds/import", "c.csv", csvBytes(cmp), nil); !strings.Contains(r.body, "新增 1") {
		t.Errorf("compounds import: %s", r.body)
	}
	res := [][]string{{"姓名", "社区代码", "现任职务", "考察得分", "状态", "报备日期", "考察意见"}, {"表格候选", "360102002001", "副书记", "90", "已报备组织部", "2026-05-01", ""}}
	if r := c.upload("/workforce/reserve/import", "r.csv", csvBytes(res), nil); !strings.Contains(r.body, "新增 1") {
		t.Errorf("reserve import: %s", r.body)
	}
	gexp := c.get("/grids/table/export.csv")
	grows, _ := csv.NewReader(strings.NewReader(strings.TrimPrefix(gexp.body, "\ufeff"))).ReadAll()
	if len(grows) != 5 || grows[1][0] != demoGridA {
		t.Fatalf("grid sheet export: %v", grows)
	}
	if r := c.upload("/grids/table/import", "g.csv", csvBytes(grows), nil); !strings.Contains(r.body, "新增 0，已存在 4") {
		t.Errorf("grid sheet re-import: %s", r.body)
	}
	com := [][]string{{"党组织编号", "姓名", "职务", "所在单位", "兼职委员"}, {itoa(orgs.Items[0].ID), "表格委员", "委员", "某医院", "是"}}
	if r := c.upload("/party/committee/import", "m.csv", csvBytes(com), nil); !strings.Contains(r.body, "新增 1") {
		t.Errorf("committee import: %s", r.body)
	}
	if r := e.login("demo-worker").get("/units/import"); r.StatusCode != 200 {
		t.Errorf("community worker import form: %d", r.StatusCode)
	}
	if r := e.login("demo-grid").get("/party/members/import"); r.StatusCode != 403 {
		t.Errorf("grid worker and the members import: %d", r.StatusCode)
	}
}
