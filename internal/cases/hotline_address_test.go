package cases_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"grassroots/internal/apptest"
	"grassroots/internal/cases"
	"grassroots/internal/platform/web"
	"grassroots/internal/registry"
	"grassroots/internal/territory"
)

// eastDivisions add to the fixture a district 东湖区 whose community's
// street holds 区 (大士院北区路), and a village 东湖村委会 elsewhere whose
// name begins the district's.
const eastDivisions = `code,name,level,parent_code,kind
440304,东湖区,district,4403,
440304001,滕王阁街道,subdistrict,440304,
440304001001,大士院北区社区居委会,community,440304001,urban
440325,丙县,district,4403,
440325100,镇江镇,subdistrict,440325,
440325100200,东湖村委会,community,440325100,village
`

// TestHotlineAddressNamesDivision imports work orders on a street whose
// name holds 区 (大士院北区路, in the district 东湖区): the standard
// address and the street without the divisions match the building;
// addresses that match none wait in the queue of the district or
// subdistrict they name (they used to wait at the city's, or at a
// village's whose name begins the district's), and the report names
// their work orders and rows.
func TestHotlineAddressNamesDivision(t *testing.T) {
	e := apptest.New(t)
	if rep, err := e.App.Territory.ImportCSV(e.System(), strings.NewReader(eastDivisions), territory.ImportOptions{}); err != nil || !rep.Committed {
		t.Fatalf("divisions: %v %+v", err, rep.Errors)
	}
	grid := MustGrid(t, e, "440304001001", "大士院北区网格1", 114.300, 22.500)
	p := e.Points[grid]
	if _, err := e.App.Registry.CreateBuilding(e.System(), registry.BuildingInput{RegionCode: grid, Name: "3栋",
		Address: "测试市东湖区大士院北区路1号3栋（演示）", Lon: &p[0], Lat: &p[1]}); err != nil {
		t.Fatal(err)
	}
	header := []string{"工单编号", "问题类型", "诉求内容", "事发地址", "所属区", "所属街道"}
	rows := [][]string{header,
		{"E-STANDARD", "暴露垃圾", "楼道口垃圾堆放", "测试市东湖区大士院北区路1号3栋（演示）", "", ""},
		{"E-STREET", "暴露垃圾", "楼道口垃圾堆放", "大士院北区路1号3幢2单元", "", ""},
		{"E-DISTRICT", "暴露垃圾", "楼道口垃圾堆放", "东湖区大士院北区路9号", "", ""},
		{"E-COLUMN", "暴露垃圾", "楼道口垃圾堆放", "大士院北区路9号", "东湖区", ""},
		{"E-SUB", "暴露垃圾", "楼道口垃圾堆放", "东湖区滕王阁街道大士院北区路9号门口", "", ""}}
	city := e.Login("city")
	r, rep := importHotline(t, city, "orders.csv", []byte(csvText(rows, ",")), "")
	if r.StatusCode != 200 || rep.Created != 5 || rep.Unlocated != 3 {
		t.Fatalf("%d %s", r.StatusCode, r.Body)
	}
	for ext, want := range map[string]string{"E-STANDARD": grid, "E-STREET": grid, "E-DISTRICT": "440304", "E-COLUMN": "440304", "E-SUB": "440304001"} {
		if c := caseOf(t, e, ext); c.RegionCode != want {
			t.Errorf("%s filed in %s, want %s", ext, c.RegionCode, want)
		}
	}
	want := []cases.UnlocatedOrder{{Row: 4, ExternalID: "E-DISTRICT"}, {Row: 5, ExternalID: "E-COLUMN"}, {Row: 6, ExternalID: "E-SUB"}}
	for i := range want {
		want[i].CaseID = caseOf(t, e, want[i].ExternalID).ID
	}
	if diff := cmp.Diff(want, rep.UnlocatedOrders); diff != "" {
		t.Errorf("the report's unlocated work orders (-want +got):\n%s", diff)
	}
	// The queue names the division, never its code.
	var l cases.UnlocatedList
	city.Get("/api/v1/cases/unlocated").JSON(t, &l)
	names := map[string]string{}
	for _, u := range l.Items {
		names[u.Case.ExternalID] = u.DivisionName
	}
	if diff := cmp.Diff(map[string]string{"E-DISTRICT": "东湖区", "E-COLUMN": "东湖区", "E-SUB": "滕王阁街道"}, names); diff != "" {
		t.Errorf("the queue (-want +got):\n%s", diff)
	}
}

// TestHotlineImportReportWording checks that the import page's report
// fits what happened: when nothing was committed its warnings are cells
// that an import would keep as they came (not cells "imported as they
// came"), it says nothing of orders received before unless there are
// some, a rejected second import says how many were received before; a
// committed import names the rows and work orders of the cases waiting
// to be located and links to them and to the queue; in both languages.
func TestHotlineImportReportWording(t *testing.T) {
	e := apptest.New(t)
	city := e.Login("city")
	p := e.Points[apptest.GridA1]
	lon, lat := ftoa(p[0]), ftoa(p[1])
	file := func(prefix string) []byte {
		return []byte(csvText([][]string{hotlineHeader,
			{prefix + "-KEPT", "暴露垃圾", "小区门口垃圾堆放多日", "", lon, lat, "", "无", ""},
			{prefix + "-BAD", "外星分类", "小区门口垃圾堆放多日", "", lon, lat, "", "", ""},
			{prefix + "-AWAY", "暴露垃圾", "小区门口垃圾堆放多日", "某某公园东门", "", "", "", "", ""}}, ","))
	}
	upload := func(data []byte, keep string) apptest.Response {
		t.Helper()
		return city.Upload("/cases/hotline", "orders.csv", data, map[string]string{"keep_good": keep})
	}
	check := func(what string, r apptest.Response, status int, want, never []string) {
		t.Helper()
		if r.StatusCode != status {
			t.Fatalf("%s: %d, want %d", what, r.StatusCode, status)
		}
		for _, w := range want {
			if !strings.Contains(r.Body, w) {
				t.Errorf("%s: the page lacks %q", what, w)
			}
		}
		for _, w := range never {
			if strings.Contains(r.Body, w) {
				t.Errorf("%s: the page says %q", what, w)
			}
		}
	}
	check("refused", upload(file("Z"), ""), http.StatusUnprocessableEntity,
		[]string{"共 3 行：新建 0 件。", "未导入任何数据", "导入时将按原样保留以下单元格", "已按原文加密保存"},
		[]string{"件，已接收过", "已按原样导入", `id="import-unlocated"`})
	kept := upload(file("Z"), "1")
	away := caseOf(t, e, "Z-AWAY")
	check("kept", kept, http.StatusOK,
		[]string{"共 3 行：新建 2 件，已接收过 0 件。", "以下单元格已按原样导入", `id="import-unlocated"`, "第 4 行，工单编号 Z-AWAY",
			`href="/cases/` + itoa(away.ID) + `"`, `href="/cases/unlocated"`},
		[]string{"导入时将按原样保留", "Z-KEPT</a>"})
	check("refused again", upload(file("Z"), ""), http.StatusUnprocessableEntity,
		[]string{"共 3 行：新建 0 件，已接收过 2 件。", "未导入任何数据"}, []string{"已接收过 0 件"})

	u, _ := url.Parse(e.Srv.URL)
	city.HC.Jar.SetCookies(u, []*http.Cookie{{Name: web.LangCookie, Value: "en", Path: "/"}})
	check("refused in English", upload(file("Y"), ""), http.StatusUnprocessableEntity,
		[]string{"3 rows: 0 new cases.", "When imported, these cells will be kept as they came"},
		[]string{"new cases, ", "were imported as they came"})
	check("kept in English", upload(file("Y"), "1"), http.StatusOK,
		[]string{"3 rows: 2 new cases, 0 received before.", "These cells were imported as they came", "row 4, work order Y-AWAY"},
		[]string{"will be kept as they came"})
}
