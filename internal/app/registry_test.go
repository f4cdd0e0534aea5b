package app

import (
	"bytes"
	"encoding/csv"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"grassroots/internal/platform/audit"
	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/pii"
	"grassroots/internal/registry"
)

// validID makes a valid ID number for a birth date (YYYYMMDD) and sequence.
func validID(birth, seq string) string {
	first := "360102" + birth + seq
	return first + string(pii.IDCheckChar(first))
}

func csvBytes(rows [][]string) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.WriteAll(rows)
	return b.Bytes()
}

func xlsxBytes(t *testing.T, rows [][]string) []byte {
	t.Helper()
	f := excelize.NewFile()
	for i, row := range rows {
		for j, v := range row {
			cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
			f.SetCellStr("Sheet1", cell, v)
		}
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func (c *client) upload(path, name string, data []byte, fields map[string]string) response {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf", c.csrf())
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(data)
	mw.Close()
	return c.do("POST", path, &body, http.Header{"Content-Type": {mw.FormDataContentType()}})
}

func TestRegisterAndFindPerson(t *testing.T) {
	e := newEnv(t)
	c := e.login("demo-grid") // grid worker of 民巷社区
	id := validID("19850412", "123")
	bad := c.form("/people", url.Values{"name": {"测试甲"}, "id_number": {id[:17] + "0"}, "relation": {"head"}, "residence": {"registered"},
		"region_code": {demoGridA}, "phone": {"123"}})
	if bad.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(bad.body, "校验码错误") || !strings.Contains(bad.body, "11 位") {
		t.Fatalf("bad person: %d", bad.StatusCode)
	}
	if strings.Contains(bad.body, id[:17]) {
		t.Error("the refused form echoes the ID number back")
	}
	ok := c.form("/people", url.Values{"name": {"测试甲"}, "id_number": {id}, "relation": {"head"}, "residence": {"registered"},
		"region_code": {demoGridA}, "phone": {"13912340000"}, "tags": {"veteran", "elderly_alone"}})
	if ok.StatusCode != http.StatusSeeOther {
		t.Fatalf("register: %d %s", ok.StatusCode, ok.body)
	}
	card := c.get(ok.Header.Get("Location"))
	if !strings.Contains(card.body, "3601**********"+id[14:]) || strings.Contains(card.body, id) || !strings.Contains(card.body, "退役军人") || !strings.Contains(card.body, "男") {
		t.Errorf("person card must show the masked ID, sex and tags")
	}
	again := c.form("/people", url.Values{"name": {"测试乙"}, "id_number": {id}, "relation": {"head"}, "residence": {"registered"}, "region_code": {demoGridA}})
	if !strings.Contains(again.body, "已登记") {
		t.Errorf("a second registration of the same ID: %d", again.StatusCode)
	}
	// One search box: name, pinyin initials, exact ID, exact phone.
	for _, q := range []string{"测试甲", "csj", id, "13912340000"} {
		res := c.get("/people?q=" + url.QueryEscape(q))
		if !strings.Contains(res.body, "测试甲") {
			t.Errorf("search %q does not find the person", q)
		}
	}
	// The plain ID number is nowhere in the table.
	var n int
	e.app.DB.QueryRowContext(tCtx, `SELECT COUNT(*) FROM registry_people WHERE id_enc LIKE ? OR id_masked = ? OR name_initials = ''`, "%"+id+"%", id).Scan(&n)
	if n != 0 {
		t.Errorf("%d rows hold the ID number in clear", n)
	}
	// Another community's worker does not find the person, even by exact ID.
	if res := e.login("demo-worker").get("/people?q=" + id); strings.Contains(res.body, "测试甲") {
		t.Error("a worker of another community finds the person")
	}
}

func TestPersonalReadExportAndMoveOut(t *testing.T) {
	e := newEnv(t)
	c := e.login("demo-secretary")
	var list struct {
		Items []registry.Person `json:"items"`
	}
	c.get("/api/v1/people?limit=1&region="+demoGridA).json(t, &list)
	if len(list.Items) != 1 {
		t.Fatal("no demo resident in the grid")
	}
	p := list.Items[0]
	frag := c.do("POST", "/people/"+itoa(p.ID)+"/personal", nil, http.Header{"HX-Request": {"true"}, "X-CSRF-Token": {c.csrf()}})
	if frag.StatusCode != 200 || !strings.Contains(frag.body, `id="id-full"`) {
		t.Fatalf("reveal: %d %s", frag.StatusCode, frag.body)
	}
	var pd registry.Personal
	c.get("/api/v1/people/"+itoa(p.ID)+"/personal").json(t, &pd)
	if _, err := pii.ParseID(pd.IDNumber, e.clock.Now()); err != nil || pii.MaskID(pd.IDNumber) != p.IDMasked {
		t.Errorf("unmasked ID %q does not match the mask %q", pd.IDNumber, p.IDMasked)
	}
	reads, _ := audit.Find(tCtx, e.app.DB, authz.All, audit.Filter{Action: "registry.person.read_personal", ObjectID: itoa(p.ID)})
	if len(reads) != 2 {
		t.Errorf("%d audited reads, want 2", len(reads))
	}
	// District staff see masks only.
	if r := e.login("demo-district").get("/api/v1/people/" + itoa(p.ID) + "/personal"); r.StatusCode != 403 {
		t.Errorf("district staff read personal data: %d", r.StatusCode)
	}
	ex := c.get("/people/" + itoa(p.ID) + "/export.json")
	if ex.StatusCode != 200 || !strings.Contains(ex.body, pd.IDNumber) || !strings.Contains(ex.body, "registry.person.read_personal") {
		t.Errorf("PIPL export: %d", ex.StatusCode)
	}
	// Moving out erases the personal data, keeps statistics.
	mv := c.form("/people/"+itoa(p.ID)+"/move-out", url.Values{"version": {itoa(int64(p.Version))}})
	if mv.StatusCode != http.StatusSeeOther {
		t.Fatalf("move out: %d %s", mv.StatusCode, mv.body)
	}
	var name, idEnc, birth string
	e.app.DB.QueryRowContext(tCtx, `SELECT name, id_enc, birth_date FROM registry_people WHERE id = ?`, p.ID).Scan(&name, &idEnc, &birth)
	if name == p.Name || idEnc != "" || !strings.HasSuffix(birth, "-01-01") {
		t.Errorf("after moving out: %q %q %q", name, idEnc, birth)
	}
	assertCountsExact(t, e)
	if r := c.get("/api/v1/people/" + itoa(p.ID) + "/personal"); r.StatusCode != http.StatusConflict {
		t.Errorf("personal data of an anonymised person: %d", r.StatusCode)
	}
	// The same ID number can be registered again on return.
	again := c.api("POST", "/api/v1/people", map[string]any{"name": "回来了", "id_number": pd.IDNumber, "relation": "head", "residence": "registered", "region_code": demoGridA})
	if again.StatusCode != http.StatusCreated {
		t.Errorf("re-registration after moving out: %d %s", again.StatusCode, again.body)
	}
}

func TestHouseholdCard(t *testing.T) {
	e := newEnv(t)
	c := e.login("demo-grid")
	var hs struct {
		Items []registry.Household `json:"items"`
	}
	c.get("/api/v1/households?limit=50&region="+demoGridA).json(t, &hs)
	var h registry.Household
	for _, x := range hs.Items {
		if x.Members >= 2 {
			h = x
			break
		}
	}
	if h.ID == 0 {
		t.Fatal("no demo household with two members")
	}
	page := c.get("/households/" + itoa(h.ID))
	if page.StatusCode != 200 || !strings.Contains(page.body, "户主") || !strings.Contains(page.body, h.Address) {
		t.Fatalf("household card: %d", page.StatusCode)
	}
	var card registry.HouseholdCard
	c.get("/api/v1/households/"+itoa(h.ID)).json(t, &card)
	if len(card.Members) != h.Members || card.Members[0].Relation != "head" {
		t.Errorf("card members %d (head first?), list says %d", len(card.Members), h.Members)
	}
	if r := c.get("/people/new?household=" + itoa(h.ID)); r.StatusCode != 200 {
		t.Errorf("new member form: %d", r.StatusCode)
	}
}

func TestImportPeopleSpreadsheet(t *testing.T) {
	e := newEnv(t)
	c := e.login("demo-grid")
	rows := [][]string{registry.PeopleHeader,
		{"导入甲", validID("19700101", "011"), "13800000001", "户主", "户籍", "党员、低保", "导入路1号101室", demoGridA, "自住"},
		{"导入乙", validID("19720202", "022"), "", "配偶", "户籍", "", "导入路1号101室", demoGridA, ""},
		{"", "36010219700101011X", "12", "叔叔", "外星", "会飞", "", "360103001001001", "卖掉"},
	}
	res := c.upload("/people/import", "people.xlsx", xlsxBytes(t, rows), nil)
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("import with a bad row: %d", res.StatusCode)
	}
	for _, want := range []string{"第 4 行「姓名」", "第 4 行「身份证号」", "第 4 行「手机号」", "第 4 行「与户主关系」", "第 4 行「人口类型」", "第 4 行「标签」", "第 4 行「住址」", "第 4 行「网格代码」", "第 4 行「房屋用途」", "未导入任何数据"} {
		if !strings.Contains(res.body, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if r := c.get("/people?q=导入甲"); strings.Contains(r.body, ">导入甲</a>") {
		t.Fatal("a refused import wrote people")
	}
	ok := c.upload("/people/import", "people.xlsx", xlsxBytes(t, rows), map[string]string{"keep_good": "on"})
	if ok.StatusCode != 200 || !strings.Contains(ok.body, "新增 2") || !strings.Contains(ok.body, "新建户 1") {
		t.Fatalf("keep good: %d %s", ok.StatusCode, ok.body)
	}
	// The same rows again, as CSV through the API: nothing changes.
	api := c.do("POST", "/api/v1/people/import", bytes.NewReader(csvBytes(rows[:3])), http.Header{"Content-Type": {"text/csv"}, "X-CSRF-Token": {c.csrf()}})
	var rep registry.ImportReport
	api.json(t, &rep)
	if api.StatusCode != 200 || rep.Unchanged != 2 || rep.Created+rep.Updated != 0 {
		t.Errorf("re-import: %d %+v", api.StatusCode, rep)
	}
	// Template and export.
	if r := c.get("/people/template.xlsx"); r.StatusCode != 200 || len(r.body) < 1000 {
		t.Errorf("xlsx template: %d", r.StatusCode)
	}
	if r := c.get("/people/template.csv"); !strings.Contains(r.body, strings.Join(registry.PeopleHeader, ",")) {
		t.Errorf("csv template: %s", r.body)
	}
	exp := c.get("/people/export.csv?q=导入")
	if !strings.Contains(exp.body, "导入甲") || strings.Contains(exp.body, validID("19700101", "011")) || !strings.Contains(exp.body, "党员、低保") {
		t.Errorf("masked export: %s", exp.body)
	}
	full := c.get("/people/export.csv?unmasked=1&q=导入")
	if !strings.Contains(full.body, validID("19700101", "011")) {
		t.Errorf("unmasked export lacks the ID number")
	}
	es, _ := audit.Find(tCtx, e.app.DB, authz.All, audit.Filter{Action: "registry.person.export_list"})
	if len(es) != 2 {
		t.Errorf("%d list exports audited, want 2", len(es))
	}
	if r := c.get("/people/import"); r.StatusCode != 200 {
		t.Errorf("import form: %d", r.StatusCode)
	}
	// The page's way: the import runs as a job whose progress the page polls.
	more := [][]string{registry.PeopleHeader}
	for i := 0; i < 300; i++ {
		more = append(more, []string{"批量" + itoa(int64(i)), validID("19800101", pad3(i)), "", "户主", "户籍", "", "批量路" + itoa(int64(i)) + "号", demoGridA, ""})
	}
	start := c.upload("/people/import/jobs", "more.csv", csvBytes(more), nil)
	if start.StatusCode != http.StatusAccepted || !strings.Contains(start.body, `id="import-progress"`) {
		t.Fatalf("start job: %d %s", start.StatusCode, start.body)
	}
	i := strings.Index(start.body, "/people/import/jobs/")
	jobURL := start.body[i : i+len("/people/import/jobs/")+24]
	var last response
	for n := 0; n < 200; n++ {
		last = c.do("GET", jobURL, nil, http.Header{"HX-Request": {"true"}})
		if strings.Contains(last.body, "import-report") {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(last.body, "新增 300") {
		t.Errorf("job result: %s", last.body)
	}
	assertCountsExact(t, e)
	if r := e.login("demo-secretary").get(jobURL); r.StatusCode != 404 {
		t.Errorf("another account sees the job: %d", r.StatusCode)
	}
}

func pad3(i int) string {
	s := itoa(int64(i % 1000))
	for len(s) < 3 {
		s = "0" + s
	}
	return s
}

func TestOneSearchBox(t *testing.T) {
	e := newEnv(t)
	c := e.login("demo-secretary")
	for q, want := range map[string]string{"大党委": "民巷社区大党委（演示）", "两新": "民巷社区第1家两新组织（演示）", "演示": "search-people"} {
		res := c.get("/search?q=" + url.QueryEscape(q))
		if res.StatusCode != 200 || !strings.Contains(res.body, want) {
			t.Errorf("search %q lacks %q", q, want)
		}
		if strings.Contains(res.body, "章江路社区大党委") {
			t.Errorf("search %q shows another community's organisation", q)
		}
	}
	if r := c.get("/search?q=x1"); r.StatusCode != 200 {
		t.Errorf("short query: %d", r.StatusCode)
	}
	if r := c.api("GET", "/api/v1/search?q=民", nil); r.StatusCode != 422 || !strings.Contains(r.body, `"field":"q"`) {
		t.Errorf("one-character query: %d %s", r.StatusCode, r.body)
	}
	// A department user may search but sees no people.
	if r := e.login("demo-dept").get("/search?q=演示"); r.StatusCode != 403 {
		t.Errorf("department staff and the search box: %d", r.StatusCode)
	}
}

func TestCompoundsAndFootprints(t *testing.T) {
	e := newEnv(t)
	c := e.login("demo-secretary")
	var cs struct {
		Items []registry.Compound `json:"items"`
	}
	c.get("/api/v1/compounds").json(t, &cs)
	if len(cs.Items) != 1 || cs.Items[0].Buildings != 4 || cs.Items[0].PropertyCompany == "" {
		t.Fatalf("the secretary's compounds: %+v", cs.Items)
	}
	var g struct {
		Geometry struct {
			Coordinates [][][2]float64 `json:"coordinates"`
		} `json:"geometry"`
	}
	c.get("/api/v1/grids/"+demoGridA).json(t, &g)
	p := g.Geometry.Coordinates[0]
	cx, cy := (p[0][0]+p[2][0])/2, (p[0][1]+p[2][1])/2
	fp := map[string]any{"type": "Polygon", "coordinates": [][][2]float64{{{cx, cy}, {cx + 0.0001, cy}, {cx + 0.0001, cy + 0.0001}, {cx, cy + 0.0001}, {cx, cy}}}}
	r := c.api("POST", "/api/v1/buildings", map[string]any{"name": "新楼", "address": "测试路8号新楼", "floors": 18, "units": 2,
		"compound_id": cs.Items[0].ID, "footprint": fp})
	var b registry.Building
	r.json(t, &b)
	if r.StatusCode != 201 || b.RegionCode != demoGridA || b.Lon == nil || b.Compound != cs.Items[0].Name {
		t.Errorf("building placed by its footprint: %d %s", r.StatusCode, r.body)
	}
	bad := c.api("POST", "/api/v1/buildings", map[string]any{"name": "x", "address": "y", "footprint": map[string]any{"type": "Point", "coordinates": []float64{cx, cy}}})
	if bad.StatusCode != 422 || !strings.Contains(bad.body, `"field":"footprint"`) {
		t.Errorf("point as a footprint: %d %s", bad.StatusCode, bad.body)
	}
	if r := c.api("POST", "/api/v1/compounds", map[string]any{"region_code": "360102002002", "name": "x", "address": "y"}); r.StatusCode != 422 {
		t.Errorf("compound in another community: %d", r.StatusCode)
	}
	// The page: a compound, then a building in it, placed in the compound's community.
	if r := c.form("/compounds", url.Values{"name": {"新小区"}, "address": {"新路1号"}, "region_code": {"360102002001"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("compound form: %d %s", r.StatusCode, r.body)
	}
	page := c.get("/buildings")
	i := strings.Index(page.body, `">新小区</option>`)
	if i < 0 {
		t.Fatalf("the building form does not offer the new compound")
	}
	id := page.body[strings.LastIndex(page.body[:i], `value="`)+7 : i]
	if r := c.form("/buildings", url.Values{"name": {"1栋"}, "address": {"新路1号1栋"}, "compound_id": {id}, "floors": {"6"}, "units": {"2"}}); r.StatusCode != http.StatusSeeOther {
		t.Errorf("building form: %d %s", r.StatusCode, r.body)
	}
	if r := c.form("/buildings", url.Values{"name": {""}, "address": {""}}); r.StatusCode != 422 {
		t.Errorf("empty building form: %d", r.StatusCode)
	}
	page = c.get("/buildings")
	if !strings.Contains(page.body, "新路1号1栋") {
		t.Error("the new building is not listed")
	}
	j := strings.Index(page.body, `">新路1号1栋</option>`)
	bid := page.body[strings.LastIndex(page.body[:j], `value="`)+7 : j]
	hh := c.form("/households", url.Values{"building_id": {bid}, "room": {"1单元101室"}, "house_use": {"rented"}})
	if hh.StatusCode != http.StatusSeeOther || !strings.HasPrefix(hh.Header.Get("Location"), "/households/") {
		t.Fatalf("household form: %d %s", hh.StatusCode, hh.body)
	}
	if card := c.get(hh.Header.Get("Location")); !strings.Contains(card.body, "新路1号1栋1单元101室") || !strings.Contains(card.body, "出租") {
		t.Errorf("new household card: %s", card.body)
	}
	if r := c.form("/households", url.Values{"building_id": {bid}, "room": {"1单元101室"}}); r.StatusCode != 422 {
		t.Errorf("the same flat twice: %d", r.StatusCode)
	}
}

// assertCountsExact checks the per-grid totals kept by writes against a
// fresh count of the rows.
func assertCountsExact(t *testing.T, e *env) {
	t.Helper()
	var wrong int
	err := e.app.DB.QueryRowContext(tCtx, `SELECT COUNT(*) FROM registry_region_counts c WHERE
		c.residents <> (SELECT COUNT(*) FROM registry_people p WHERE p.region_code = c.region_code AND p.moved_out_at IS NULL AND p.residence <> 'floating')
		OR c.floating <> (SELECT COUNT(*) FROM registry_people p WHERE p.region_code = c.region_code AND p.moved_out_at IS NULL AND p.residence = 'floating')
		OR c.households <> (SELECT COUNT(*) FROM registry_households h WHERE h.region_code = c.region_code)
		OR c.buildings <> (SELECT COUNT(*) FROM registry_buildings b WHERE b.region_code = c.region_code)`).Scan(&wrong)
	if err != nil || wrong != 0 {
		t.Errorf("%d regions with wrong totals (%v)", wrong, err)
	}
}

// TestRehashOldSearchHashes: a database whose hashes are in the older,
// 64-character format is brought to the current one by the data migration,
// and exact search works again.
func TestRehashOldSearchHashes(t *testing.T) {
	e := newEnv(t)
	c := e.login("demo-grid")
	var list struct {
		Items []registry.Person `json:"items"`
	}
	c.get("/api/v1/people?limit=1&region="+demoGridA).json(t, &list)
	p := list.Items[0]
	var pd registry.Personal
	c.get("/api/v1/people/"+itoa(p.ID)+"/personal").json(t, &pd)
	old := strings.Repeat("ab", 32)
	if _, err := e.app.DB.ExecContext(tCtx, `UPDATE registry_people SET id_hash = ? WHERE id = ?`, old, p.ID); err != nil {
		t.Fatal(err)
	}
	if r := c.get("/api/v1/people?q=" + pd.IDNumber); strings.Contains(r.body, `"id":`+itoa(p.ID)+`,`) {
		t.Fatal("the old hash still matches")
	}
	if err := e.app.Registry.Rehash(tCtx); err != nil {
		t.Fatal(err)
	}
	if r := c.get("/api/v1/people?q=" + pd.IDNumber); !strings.Contains(r.body, `"id":`+itoa(p.ID)+`,`) {
		t.Errorf("after the rehash exact search misses the person: %s", r.body)
	}
	if err := e.app.Accounts.Rehash(tCtx); err != nil {
		t.Fatal(err)
	}
}
