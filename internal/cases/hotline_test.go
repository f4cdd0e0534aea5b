package cases_test

import (
	"bytes"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"

	"grassroots/internal/apptest"
	"grassroots/internal/cases"
	"grassroots/internal/platform/geo"
	"grassroots/internal/platform/tabular"
	"grassroots/internal/platform/web"
)

// MustHotlineOrder pushes a 12345 work order as the hotline's system does
// and fails the test unless it is filed.
func MustHotlineOrder(t *testing.T, e *apptest.Env, order map[string]any) cases.Intake {
	t.Helper()
	r := e.WithToken(e.Token).API("POST", "/api/v1/hotline/cases", order)
	if r.StatusCode != http.StatusCreated {
		t.Fatalf("hotline order %v: %d %s", order, r.StatusCode, r.Body)
	}
	var in cases.Intake
	r.JSON(t, &in)
	return in
}

// TestHotlinePush checks the 12345 push: idempotent by the order's own
// id, and only for the integration account.
func TestHotlinePush(t *testing.T) {
	e := apptest.New(t)
	p := e.Points[apptest.GridA1]
	hot := e.WithToken(e.Token)
	order := map[string]any{"category": "0701", "description": "楼上深夜噪声扰民", "lon": p[0], "lat": p[1], "external_id": "12345-202611260001", "contact_phone": "13800001111"}
	first := hot.API("POST", "/api/v1/hotline/cases", order)
	again := hot.API("POST", "/api/v1/hotline/cases", order)
	var a, b cases.Intake
	first.JSON(t, &a)
	again.JSON(t, &b)
	if first.StatusCode != 201 || again.StatusCode != 200 || !b.Repeated || a.Case.ID != b.Case.ID || a.Case.Status != cases.Accepted ||
		a.Case.Channel != cases.ChannelHotline || a.Case.RegionCode != apptest.GridA1 {
		t.Fatalf("hotline push twice: %d %s / %d %s", first.StatusCode, first.Body, again.StatusCode, again.Body)
	}
	if r := e.Login("resident").API("POST", "/api/v1/hotline/cases", order); r.StatusCode != 403 {
		t.Errorf("a resident pushing as the hotline: %d", r.StatusCode)
	}
	// A clerk finds the case by the hotline's own number, in scope only,
	// and the case page shows it.
	sec := e.Login("secretary")
	if r := sec.Get("/api/v1/cases?number=12345-202611260001"); !strings.Contains(r.Body, `"id":`+itoa(a.Case.ID)+`,`) {
		t.Errorf("found by the work-order number: %s", r.Body)
	}
	if r := sec.Get("/api/v1/cases?number=" + a.Case.Number); !strings.Contains(r.Body, `"id":`+itoa(a.Case.ID)+`,`) {
		t.Errorf("found by our number: %s", r.Body)
	}
	if r := e.Login("worker").Get("/api/v1/cases?number=12345-202611260001"); strings.Contains(r.Body, `"id":`+itoa(a.Case.ID)+`,`) {
		t.Errorf("another community's worker finds it by its number: %s", r.Body)
	}
	if page := sec.Get("/cases/" + itoa(a.Case.ID)); !strings.Contains(page.Body, `<span id="case-external">12345-202611260001</span>`) {
		t.Errorf("the case page shows the work-order number")
	}
}

// TestHotlineImport files a 12345 export: a bad row stops the whole file
// unless the good rows are wanted, and a repeated file creates nothing.
func TestHotlineImport(t *testing.T) {
	e := apptest.New(t)
	p := e.Points[apptest.GridA1]
	lon, lat := ftoa(p[0]), ftoa(p[1])
	b, err := e.App.Registry.Building(e.System(), e.Buildings[apptest.GridA1])
	if err != nil {
		t.Fatal(err)
	}
	csv := "工单编号,问题类型,问题描述,地址,经度,纬度,联系人,联系电话\n" +
		"H001,0101,垃圾堆放多日无人清运,," + lon + "," + lat + ",张先生,13800002222\n" +
		"H002,噪声扰民,夜间施工噪声扰民," + b.Address + ",,,,\n" +
		"H003,9999,分类不存在的工单,," + lon + "," + lat + ",,\n" +
		"H001,0101,重复的工单编号,," + lon + "," + lat + ",,\n"
	city := e.Login("city")
	upload := func(q string) (apptest.Response, tabular.Report) {
		r := city.Do("POST", "/api/v1/hotline/import"+q, strings.NewReader(csv), http.Header{"Content-Type": {"text/csv"}, "X-CSRF-Token": {city.CSRF()}})
		var rep tabular.Report
		r.JSON(t, &rep)
		return r, rep
	}
	before := auditCount(t, e)
	r, rep := upload("")
	if r.StatusCode != 422 || rep.Committed || len(rep.Errors) != 2 || rep.Errors[0].Row != 4 || rep.Errors[1].Row != 5 || auditCount(t, e) != before {
		t.Fatalf("file with bad rows: %d %s", r.StatusCode, r.Body)
	}
	_, rep = upload("?keep_good=true")
	if !rep.Committed || rep.Created != 2 {
		t.Fatalf("keep the good rows: %+v", rep)
	}
	_, rep = upload("?keep_good=true")
	if rep.Created != 0 || rep.Unchanged != 2 {
		t.Fatalf("the same file again: %+v", rep)
	}
	var list struct{ Items []cases.Case }
	e.Login("grid").Get("/api/v1/cases?view=grid").JSON(t, &list)
	if len(list.Items) != 2 || list.Items[0].Channel != cases.ChannelHotline {
		t.Fatalf("cases in the grid worker's grids: %+v", list.Items)
	}
	if p := city.Get("/cases/hotline"); p.StatusCode != 200 || !strings.Contains(p.Body, `id="hotline-form"`) {
		t.Errorf("import page: %d", p.StatusCode)
	}
	page := city.Upload("/cases/hotline", "orders.csv", []byte(csv), nil)
	if page.StatusCode != 422 || !strings.Contains(page.Body, "import-errors") {
		t.Errorf("import page with bad rows: %d", page.StatusCode)
	}
}

// hotlineHeader is an export's header as 12345 systems write it (not our
// template's): 诉求人 for the contact, 受理时间 for the time received.
var hotlineHeader = []string{"工单编号", "问题类型", "诉求内容", "事发地址", "经度", "纬度", "诉求人", "来电号码", "受理时间"}

func csvText(rows [][]string, sep string) string {
	var b strings.Builder
	for _, r := range rows {
		b.WriteString(strings.Join(r, sep) + "\r\n")
	}
	return b.String()
}

func encodeText(t *testing.T, e encoding.Encoding, s string) []byte {
	t.Helper()
	b, err := e.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// importHotline posts a file to the import API as c and reads the report.
func importHotline(t *testing.T, c *apptest.Client, name string, data []byte, query string) (apptest.Response, cases.HotlineReport) {
	t.Helper()
	r := c.Do("POST", "/api/v1/hotline/import?name="+url.QueryEscape(name)+"&"+query, bytes.NewReader(data),
		http.Header{"Content-Type": {"text/csv"}, "X-CSRF-Token": {c.CSRF()}})
	var rep cases.HotlineReport
	if r.StatusCode == 200 || r.StatusCode == 422 && strings.Contains(r.Body, `"committed"`) {
		r.JSON(t, &rep)
	}
	return r, rep
}

// caseOf is the case of a work order, as the city reads it.
func caseOf(t *testing.T, e *apptest.Env, ext string) *cases.Case {
	t.Helper()
	var list struct{ Items []*cases.Case }
	e.Login("city").Get("/api/v1/cases?channel=hotline&limit=500").JSON(t, &list)
	for _, c := range list.Items {
		if c.ExternalID == ext {
			return c
		}
	}
	t.Fatalf("no case of work order %s", ext)
	return nil
}

func errorOf(rep cases.HotlineReport, row int) *tabular.RowError {
	for i := range rep.Errors {
		if rep.Errors[i].Row == row {
			return &rep.Errors[i]
		}
	}
	return nil
}

// TestHotlineImportEncodings imports one export saved the ways Chinese
// Excel, WPS and hotline systems save it (issue 9 §2.1): GBK and GB18030
// "CSV", UTF-16LE "Unicode text" with tabs, UTF-16BE, UTF-8 with and
// without a byte-order mark; each is detected (GBK used to be refused
// with "the header must have 工单编号…"), or read as the importer chose;
// the wrong choice is refused naming the row.
func TestHotlineImportEncodings(t *testing.T) {
	e := apptest.New(t)
	city := e.Login("city")
	p := e.Points[apptest.GridA1]
	file := func(ext string) string {
		return csvText([][]string{hotlineHeader, {ext, "暴露垃圾", "小区门口垃圾堆放多日", "", ftoa(p[0]), ftoa(p[1]), "张三", "13800002222", ""}}, ",")
	}
	utf16 := func(o unicode.Endianness, ext string) []byte {
		return encodeText(t, unicode.UTF16(o, unicode.UseBOM), strings.ReplaceAll(file(ext), ",", "\t"))
	}
	for _, tt := range []struct {
		name, query, read string
		data              []byte
	}{
		{"GBK", "", tabular.EncodingGB18030, encodeText(t, simplifiedchinese.GBK, file("E-GBK"))},
		{"GB18030", "", tabular.EncodingGB18030, encodeText(t, simplifiedchinese.GB18030, file("E-GB18030"))},
		{"UnicodeText", "", tabular.EncodingUTF16LE, utf16(unicode.LittleEndian, "E-UTF16LE")},
		{"UTF16BE", "", tabular.EncodingUTF16BE, utf16(unicode.BigEndian, "E-UTF16BE")},
		{"UTF8BOM", "", tabular.EncodingUTF8, append([]byte("\ufeff"), file("E-UTF8BOM")...)},
		{"UTF8", "", tabular.EncodingUTF8, []byte(file("E-UTF8"))},
		{"ChosenGBK", "encoding=gbk", tabular.EncodingGBK, encodeText(t, simplifiedchinese.GBK, file("E-CHOSEN"))},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, rep := importHotline(t, city, "orders.csv", tt.data, tt.query)
			if r.StatusCode != 200 || !rep.Committed || rep.Created != 1 || rep.Encoding != tt.read {
				t.Fatalf("%d %s", r.StatusCode, r.Body)
			}
		})
	}
	if c := caseOf(t, e, "E-GBK"); c.ReporterName != "张三" || c.Description != "小区门口垃圾堆放多日" || c.RegionCode != apptest.GridA1 {
		t.Errorf("the GBK case: %+v", c)
	}
	r, _ := importHotline(t, city, "orders.csv", encodeText(t, simplifiedchinese.GBK, file("E-WRONG")), "encoding=utf-8")
	if r.StatusCode != 422 || !strings.Contains(r.Body, `"field":"encoding"`) || !strings.Contains(r.Body, "row 1 ") {
		t.Errorf("GBK read as UTF-8: %d %s", r.StatusCode, r.Body)
	}
	if r, _ := importHotline(t, city, "orders.csv", []byte(file("E-X")), "encoding=latin-9"); r.StatusCode != 422 || !strings.Contains(r.Body, `"field":"encoding"`) {
		t.Errorf("an unknown encoding: %d %s", r.StatusCode, r.Body)
	}
	// The page offers the choice and reads it.
	page := city.Upload("/cases/hotline", "orders.csv", encodeText(t, simplifiedchinese.GBK, file("E-PAGE")), map[string]string{"encoding": "gbk"})
	if page.StatusCode != 200 || !strings.Contains(page.Body, "import-report") || !strings.Contains(page.Body, `id="hotline-encoding"`) {
		t.Errorf("import page with GBK: %d", page.StatusCode)
	}
}

// TestHotlineImportFindsHeader imports exports with a title row and merged
// group headings above the header, with the data on the second sheet of
// a workbook (issue 9 §2.2); bad rows are named by their row in the file.
func TestHotlineImportFindsHeader(t *testing.T) {
	e := apptest.New(t)
	city := e.Login("city")
	p := e.Points[apptest.GridA1]
	lon, lat := ftoa(p[0]), ftoa(p[1])
	titled := [][]string{{"南城区 12345 热线工单导出（2026年11月）"}, {"工单信息", "", "", "位置", "", "", "诉求人信息", "", ""}, hotlineHeader,
		{"T-001", "暴露垃圾", "楼下垃圾桶满溢", "", lon, lat, "李四", "13800003333", ""},
		{"", "", "", "", "", "", "", "", ""},
		{"T-002", "暴露垃圾", "", "", lon, lat, "", "", ""}}
	r, rep := importHotline(t, city, "orders.csv", []byte(csvText(titled, ",")), "")
	if r.StatusCode != 422 || rep.HeaderRow != 3 || len(rep.Errors) != 1 || rep.Errors[0].Row != 6 || rep.Errors[0].Column != "诉求内容" {
		t.Fatalf("CSV with a title: %d %s", r.StatusCode, r.Body)
	}

	f := excelize.NewFile()
	_ = f.SetCellStr("Sheet1", "A1", "填表说明：本文件由 12345 系统导出，数据见“工单明细”")
	_, _ = f.NewSheet("工单明细")
	_ = f.SetCellStr("工单明细", "A1", "12345 热线工单导出")
	_ = f.MergeCell("工单明细", "A1", "I1")
	_ = f.SetSheetRow("工单明细", "A2", &[]any{"工单信息", "", "", "位置", "", "", "诉求人信息"})
	_ = f.MergeCell("工单明细", "A2", "C2")
	_ = f.MergeCell("工单明细", "D2", "F2")
	_ = f.MergeCell("工单明细", "G2", "H2")
	_ = f.SetSheetRow("工单明细", "A3", &[]any{"工单编号", "问题类型", "诉求内容", "事发地址", "经度", "纬度", "姓名", "电话"})
	_ = f.SetSheetRow("工单明细", "A4", &[]any{"X-001", "暴露垃圾", "楼下垃圾桶满溢", "", p[0], p[1], "王五", "13800004444"})
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	r, rep = importHotline(t, city, "orders.xlsx", b.Bytes(), "")
	if r.StatusCode != 200 || rep.Created != 1 || rep.Sheet != "工单明细" || rep.HeaderRow != 3 {
		t.Fatalf("workbook: %d %s", r.StatusCode, r.Body)
	}
	// 姓名 and 电话 under 诉求人信息 are the contact's.
	if c := caseOf(t, e, "X-001"); c.ReporterName != "王五" || c.PhoneMasked != "138****4444" || c.RegionCode != apptest.GridA1 {
		t.Errorf("the case of the workbook: %+v", c)
	}
	if r, _ := importHotline(t, city, "orders.csv", []byte("编号,内容\r\n1,路灯不亮\r\n"), ""); r.StatusCode != 422 || !strings.Contains(r.Body, "hotline_header") {
		t.Errorf("a file without the header: %d %s", r.StatusCode, r.Body)
	}
}

// TestHotlineReceivedAt checks that deadlines count from the 受理时间 of an
// order (issue 9 §2.3): in the forms exports write it, Excel serial
// dates included, in China Standard Time; one received yesterday is due
// sooner than one received now; a time to come or unreadable refuses the
// row. The push takes received_at too, for the hotline only.
func TestHotlineReceivedAt(t *testing.T) {
	e := apptest.New(t)
	city := e.Login("city")
	p := e.Points[apptest.GridA1]
	lon, lat := ftoa(p[0]), ftoa(p[1])
	yesterday := time.Date(2026, 11, 25, 14, 5, 0, 0, time.FixedZone("CST", 8*3600))
	row := func(ext, at string) []string {
		return []string{ext, "暴露垃圾", "小区门口垃圾堆放多日", "", lon, lat, "", "", at}
	}
	rows := [][]string{hotlineHeader, row("R-NOW", ""), row("R-SLASH", "2026/11/25 14:05"), row("R-DASH", "2026-11-25 14:05:00"),
		row("R-SERIAL", "46351.5868055556"), row("R-ZH", "2026年11月25日 14时05分")}
	r, rep := importHotline(t, city, "orders.csv", []byte(csvText(rows, ",")), "")
	if r.StatusCode != 200 || rep.Created != 5 {
		t.Fatalf("%d %s", r.StatusCode, r.Body)
	}
	now := caseOf(t, e, "R-NOW")
	for _, ext := range []string{"R-SLASH", "R-DASH", "R-SERIAL", "R-ZH"} {
		c := caseOf(t, e, ext)
		if !c.CreatedAt.Equal(yesterday) || !c.StepStartedAt.Equal(yesterday) || c.StepDueAt == nil || !c.StepDueAt.Before(*now.StepDueAt) ||
			!strings.HasPrefix(c.Number, "20261125-") {
			t.Errorf("%s: received %v, step from %v due %v (received now: due %v), number %s", ext, c.CreatedAt, c.StepStartedAt, c.StepDueAt, now.StepDueAt, c.Number)
		}
	}
	if !now.CreatedAt.Equal(e.Clock.Now()) {
		t.Errorf("an order without a time is received now: %v", now.CreatedAt)
	}
	// A date cell of a workbook (stored as an Excel serial number).
	f := excelize.NewFile()
	_ = f.SetSheetRow("Sheet1", "A1", &[]any{"工单编号", "问题类型", "诉求内容", "经度", "纬度", "派单时间"})
	_ = f.SetSheetRow("Sheet1", "A2", &[]any{"R-CELL", "暴露垃圾", "小区门口垃圾堆放多日", p[0], p[1], time.Date(2026, 11, 25, 14, 5, 0, 0, time.UTC)})
	var b bytes.Buffer
	_ = f.Write(&b)
	if r, rep := importHotline(t, city, "orders.xlsx", b.Bytes(), ""); r.StatusCode != 200 || rep.Created != 1 {
		t.Fatalf("a date cell: %d %s", r.StatusCode, r.Body)
	}
	if c := caseOf(t, e, "R-CELL"); !c.CreatedAt.Equal(yesterday) {
		t.Errorf("a date cell: received %v, want %v", c.CreatedAt, yesterday)
	}
	bad := [][]string{hotlineHeader, row("R-FUTURE", "2026-11-27 09:00"), row("R-BAD", "昨天下午")}
	r, rep = importHotline(t, city, "orders.csv", []byte(csvText(bad, ",")), "")
	if r.StatusCode != 422 || len(rep.Errors) != 2 || rep.Errors[0].Rule != "rule.not_future" || rep.Errors[0].Column != "受理时间" ||
		rep.Errors[1].Rule != "rule.hotline_time" || rep.Errors[1].Param != "昨天下午" {
		t.Errorf("bad times: %d %s", r.StatusCode, r.Body)
	}
	// The push: received_at honoured for the hotline, ignored for others.
	in := MustHotlineOrder(t, e, map[string]any{"category": "0101", "description": "小区门口垃圾堆放多日", "lon": p[0], "lat": p[1],
		"external_id": "P-1", "received_at": "2026-11-25T14:05:00+08:00"})
	if !in.Case.CreatedAt.Equal(yesterday) {
		t.Errorf("push with received_at: %v", in.Case.CreatedAt)
	}
	if r := e.WithToken(e.Token).API("POST", "/api/v1/hotline/cases", map[string]any{"category": "0101", "description": "小区门口垃圾堆放多日",
		"lon": p[0], "lat": p[1], "external_id": "P-2", "received_at": "2026-12-25T14:05:00+08:00"}); r.StatusCode != 422 || !strings.Contains(r.Body, "received_at") {
		t.Errorf("push received in the future: %d %s", r.StatusCode, r.Body)
	}
	mine := MustReport(t, e.Login("resident"), map[string]any{"category": "0101", "description": "小区门口垃圾堆放多日", "lon": p[0], "lat": p[1],
		"received_at": "2026-11-20T14:05:00+08:00"})
	if !mine.Case.CreatedAt.Equal(e.Clock.Now()) {
		t.Errorf("a resident set the time received: %v", mine.Case.CreatedAt)
	}
}

// levelCount is the count of cases in region as its parent's dashboard
// reads it.
func levelCount(t *testing.T, e *apptest.Env, parent, region string) int {
	t.Helper()
	var n int
	if err := e.App.DB.QueryRowContext(e.System(), `SELECT COALESCE(SUM(n), 0) FROM case_level_counts WHERE parent_code = ? AND region_code = ?`,
		parent, region).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestHotlineAddressQueue imports free-text addresses (issue 9 §2.4): one
// matched to its standard address in spite of its spelling; those that
// match nothing are filed all the same into the 待定位 queue of the
// division their address or the 区/街道 columns name (else the importer's
// territory), listed with a total and names to that division's staff,
// placed on the map, on a candidate building or a standard address, and
// then moved with their counts to their grid.
func TestHotlineAddressQueue(t *testing.T) {
	e := apptest.New(t)
	city := e.Login("city")
	header := []string{"工单编号", "问题类型", "诉求内容", "事发地址", "所属区", "所属街道"}
	rows := [][]string{header,
		{"A-MATCH", "暴露垃圾", "楼道口垃圾堆放", "测试市甲区 甲一网格1路１号1幢2单元301室", "", ""},
		{"A-SUB", "暴露垃圾", "楼道口垃圾堆放", "甲一网格1路1号9栋门口", "甲区", "甲一街道"},
		{"A-DISTRICT", "暴露垃圾", "楼道口垃圾堆放", "乙区某某大厦北门", "", ""},
		{"A-CITY", "暴露垃圾", "楼道口垃圾堆放", "某某公园东门", "", ""}}
	r, rep := importHotline(t, city, "orders.csv", []byte(csvText(rows, ",")), "")
	if r.StatusCode != 200 || rep.Created != 4 || rep.Unlocated != 3 || len(rep.Errors) != 0 {
		t.Fatalf("%d %s", r.StatusCode, r.Body)
	}
	if c := caseOf(t, e, "A-MATCH"); c.RegionCode != apptest.GridA1 || c.Lon == nil {
		t.Errorf("the matched address: %+v", c)
	}
	sub, dist, cty := caseOf(t, e, "A-SUB"), caseOf(t, e, "A-DISTRICT"), caseOf(t, e, "A-CITY")
	if sub.RegionCode != apptest.SubA || dist.RegionCode != apptest.DistrictB || cty.RegionCode != apptest.City || sub.Lon != nil {
		t.Fatalf("queued in %s, %s, %s", sub.RegionCode, dist.RegionCode, cty.RegionCode)
	}
	// The same file again changes nothing.
	if _, again := importHotline(t, city, "orders.csv", []byte(csvText(rows, ",")), ""); again.Unchanged != 4 || again.Created != 0 {
		t.Errorf("the same file again: %+v", again)
	}

	queue := func(c *apptest.Client, q string) (apptest.Response, cases.UnlocatedList) {
		r := c.Get("/api/v1/cases/unlocated" + q)
		var l cases.UnlocatedList
		if r.StatusCode == 200 {
			r.JSON(t, &l)
		}
		return r, l
	}
	subStaff := e.Login("subdistrict")
	if _, l := queue(subStaff, ""); l.Total != 1 || len(l.Items) != 1 || l.Items[0].Case.ID != sub.ID || l.Items[0].DivisionName != "甲一街道" {
		t.Fatalf("the subdistrict's queue: %+v", l)
	}
	if _, l := queue(city, "?limit=2"); l.Total != 3 || len(l.Items) != 2 || l.NextCursor == "" {
		t.Errorf("the city's queue, first page: %+v", l)
	} else if _, next := queue(city, "?limit=2&cursor="+l.NextCursor); next.Total != 3 || len(next.Items) != 1 || next.NextCursor != "" {
		t.Errorf("the city's queue, second page: %+v", next)
	}
	if r, l := queue(e.Login("worker"), ""); r.StatusCode != 200 || l.Total != 0 || len(l.Items) != 0 {
		t.Errorf("a community worker sees another division's queue: %d %+v", r.StatusCode, l)
	}
	if r, _ := queue(e.Login("dept"), ""); r.StatusCode != 403 {
		t.Errorf("a department's staff read the queue: %d", r.StatusCode)
	}
	page := subStaff.Get("/cases/unlocated")
	if page.StatusCode != 200 || !strings.Contains(page.Body, "甲一街道") || strings.Contains(page.Body, ">"+apptest.SubA+"<") || !strings.Contains(page.Body, "/cases/"+itoa(sub.ID)+"/locate") {
		t.Errorf("the queue page: %d", page.StatusCode)
	}
	// While it waits the case counts in its subdistrict: in the district's
	// row for it and in the subdistrict's own dashboard alike, where it is
	// the subdistrict's own row.
	if n := levelCount(t, e, apptest.DistrictA, apptest.SubA); n != 2 {
		t.Errorf("subdistrict A counts %d cases, want 2 (one located, one waiting)", n)
	}
	var own cases.Stats
	subStaff.API("GET", "/api/v1/case-stats?region="+apptest.SubA, nil).JSON(t, &own)
	var ownTotal int64
	for _, n := range own.ByStatus {
		ownTotal += n
	}
	if ownTotal != 2 || !slices.ContainsFunc(own.Children, func(c cases.ChildStat) bool { return c.Own && c.Total == 1 }) {
		t.Errorf("subdistrict A's own dashboard: %d cases, want the district's row's 2 with the waiting case its own row: %+v", ownTotal, own.Children)
	}
	// The place page offers the building of the same street.
	form := subStaff.Get("/cases/" + itoa(sub.ID) + "/locate")
	if form.StatusCode != 200 || !strings.Contains(form.Body, "甲一网格1路1号1栋") || !strings.Contains(form.Body, `data-pick="#locate-form"`) {
		t.Errorf("the place page: %d", form.StatusCode)
	}
	// Placed on the map (a point in grid A2).
	p := e.Points[apptest.GridA2]
	if r := e.Login("worker").API("POST", "/api/v1/cases/"+itoa(sub.ID)+"/location", map[string]any{"lon": p[0], "lat": p[1]}); r.StatusCode != 404 {
		t.Errorf("another community's worker placed it: %d", r.StatusCode)
	}
	if r := subStaff.API("POST", "/api/v1/cases/"+itoa(sub.ID)+"/location", map[string]any{"lon": 100.0, "lat": 30.0}); r.StatusCode != 422 || !strings.Contains(r.Body, "out_of_area") {
		t.Errorf("placed outside the city: %d %s", r.StatusCode, r.Body)
	}
	// Not into another district's grid, by point or by address: the
	// placer would hand the case out of its own sight.
	b := e.Points[apptest.GridB1]
	if r := subStaff.API("POST", "/api/v1/cases/"+itoa(sub.ID)+"/location", map[string]any{"lon": b[0], "lat": b[1]}); r.StatusCode != 422 || !strings.Contains(r.Body, "location_scope") {
		t.Errorf("placed into another district by point: %d %s", r.StatusCode, r.Body)
	}
	if r := subStaff.API("POST", "/api/v1/cases/"+itoa(sub.ID)+"/location", map[string]any{"address": "乙一网格1路1号1栋"}); r.StatusCode != 422 || !strings.Contains(r.Body, "location_scope") {
		t.Errorf("placed into another district by address: %d %s", r.StatusCode, r.Body)
	}
	var placed cases.Case
	r = subStaff.API("POST", "/api/v1/cases/"+itoa(sub.ID)+"/location", map[string]any{"lon": p[0], "lat": p[1]})
	r.JSON(t, &placed)
	if r.StatusCode != 200 || placed.RegionCode != apptest.GridA2 || placed.Lon == nil {
		t.Fatalf("placed on the map: %d %s", r.StatusCode, r.Body)
	}
	if r := subStaff.API("POST", "/api/v1/cases/"+itoa(sub.ID)+"/location", map[string]any{"lon": p[0], "lat": p[1]}); r.StatusCode != 409 {
		t.Errorf("placed twice: %d", r.StatusCode)
	}
	if n := levelCount(t, e, apptest.DistrictA, apptest.SubA); n != 2 {
		t.Errorf("subdistrict A counts %d after placing, want 2", n)
	}
	if n := levelCount(t, e, apptest.CommunityA, apptest.GridA2); n != 1 {
		t.Errorf("grid A2 counts %d, want the placed case", n)
	}
	var mine struct{ Items []cases.Case }
	e.Login("secretary").Get("/api/v1/cases").JSON(t, &mine)
	if !slices.ContainsFunc(mine.Items, func(c cases.Case) bool { return c.ID == sub.ID }) {
		t.Errorf("the community does not see the placed case")
	}
	if _, l := queue(subStaff, ""); l.Total != 0 {
		t.Errorf("still queued: %+v", l)
	}
	// Placed on a standard address (the API) and on a candidate building
	// (the page).
	r = city.API("POST", "/api/v1/cases/"+itoa(dist.ID)+"/location", map[string]any{"address": "测试市乙区乙一网格1路1号1栋"})
	if r.JSON(t, &placed); r.StatusCode != 200 || placed.RegionCode != apptest.GridB1 {
		t.Errorf("placed on a standard address: %d %s", r.StatusCode, r.Body)
	}
	if r := city.API("POST", "/api/v1/cases/"+itoa(cty.ID)+"/location", map[string]any{"address": "某某公园"}); r.StatusCode != 422 {
		t.Errorf("placed on an unknown address: %d %s", r.StatusCode, r.Body)
	}
	if r := city.Form("/cases/"+itoa(cty.ID)+"/locate", url.Values{"building_id": {itoa(e.Buildings[apptest.GridA1])}}); r.StatusCode != 303 {
		t.Errorf("placed on a building: %d %s", r.StatusCode, r.Body)
	}
	if c := caseOf(t, e, "A-CITY"); c.RegionCode != apptest.GridA1 {
		t.Errorf("the case placed on a building: %+v", c)
	}
	// Every case is counted once, in its grid.
	total := 0
	for _, d := range []string{apptest.DistrictA, apptest.DistrictB} {
		total += levelCount(t, e, apptest.City, d)
	}
	if total != 4 || levelCount(t, e, apptest.DistrictB, apptest.SubB) != 1 {
		t.Errorf("the city counts %d cases, want 4", total)
	}
	if _, l := queue(city, ""); l.Total != 0 {
		t.Errorf("the city's queue after placing: %+v", l)
	}
	var audited int
	if err := e.App.DB.QueryRowContext(e.System(), `SELECT COUNT(*) FROM audit_log WHERE action = 'cases.locate'`).Scan(&audited); err != nil || audited != 3 {
		t.Errorf("placings audited: %d %v", audited, err)
	}
}

// TestHotlinePhones imports phones as Excel and hotline systems write
// them (issue 9 §2.5): read and stored in one form; a phone that cannot
// be read is a warning on its cell, the row is filed and the text kept
// (sealed) with the contact.
func TestHotlinePhones(t *testing.T) {
	e := apptest.New(t)
	city := e.Login("city")
	p := e.Points[apptest.GridA1]
	lon, lat := ftoa(p[0]), ftoa(p[1])
	want := map[string]string{"F-EXP": "13812345678", "F-DEC": "13812345678", "F-LAND": "0791-88888888", "F-BRACKETS": "0791-88888888",
		"F-86": "13812345678", "F-TWO": "13800001111/13900002222", "F-WORDS": "不愿透露姓名"}
	cells := map[string]string{"F-EXP": "1.3812345678E+10", "F-DEC": "13812345678.0", "F-LAND": "0791 8888 8888", "F-BRACKETS": "(0791)88888888",
		"F-86": "+86 138 1234 5678", "F-TWO": "13800001111、139-0000-2222", "F-WORDS": "不愿透露姓名"}
	rows := [][]string{hotlineHeader}
	order := []string{"F-EXP", "F-DEC", "F-LAND", "F-BRACKETS", "F-86", "F-TWO", "F-WORDS"}
	for _, ext := range order {
		rows = append(rows, []string{ext, "暴露垃圾", "小区门口垃圾堆放多日", "", lon, lat, "", cells[ext], ""})
	}
	r, rep := importHotline(t, city, "orders.csv", []byte(csvText(rows, ",")), "")
	if r.StatusCode != 200 || rep.Created != len(order) || len(rep.Errors) != 0 || len(rep.Warnings) != 1 ||
		rep.Warnings[0].Row != 8 || rep.Warnings[0].Column != "来电号码" || rep.Warnings[0].Rule != "rule.phone_kept" {
		t.Fatalf("%d %s", r.StatusCode, r.Body)
	}
	for ext, phone := range want {
		c := caseOf(t, e, ext)
		var got cases.Contact
		city.Get("/api/v1/cases/"+itoa(c.ID)+"/contact").JSON(t, &got)
		if got.Phone != phone {
			t.Errorf("%s: contact %q, want %q", ext, got.Phone, phone)
		}
	}
	if c := caseOf(t, e, "F-EXP"); c.PhoneMasked != "138****5678" {
		t.Errorf("masked %q", c.PhoneMasked)
	}
	// A phone in a number cell of a workbook is read as its digits.
	f := excelize.NewFile()
	_ = f.SetSheetRow("Sheet1", "A1", &[]any{"工单编号", "问题类型", "诉求内容", "经度", "纬度", "来电号码"})
	_ = f.SetSheetRow("Sheet1", "A2", &[]any{"F-CELL", "暴露垃圾", "小区门口垃圾堆放多日", p[0], p[1], 13812345678})
	var b bytes.Buffer
	_ = f.Write(&b)
	if r, rep := importHotline(t, city, "orders.xlsx", b.Bytes(), ""); r.StatusCode != 200 || len(rep.Warnings) != 0 || caseOf(t, e, "F-CELL").PhoneMasked != "138****5678" {
		t.Errorf("a phone cell: %d %s", r.StatusCode, r.Body)
	}
	// The page shows the warning in the page's language.
	page := city.Upload("/cases/hotline", "orders.csv", []byte(csvText([][]string{hotlineHeader,
		{"F-PAGE", "暴露垃圾", "小区门口垃圾堆放多日", "", lon, lat, "", "无", ""}}, ",")), nil)
	if page.StatusCode != 200 || !strings.Contains(page.Body, `id="import-warnings"`) || !strings.Contains(page.Body, "已按原文加密保存") {
		t.Errorf("the page's warning: %d", page.StatusCode)
	}
}

// TestHotlineWorkOrderNumbers checks that work-order numbers stay text
// (issue 9 §2.6): one Excel made a float of is refused, saying to format
// the column as text, and never matched to an order received before; a
// 19-digit number is kept whole; a number cell of a workbook is read as
// stored, not as Excel shows it.
func TestHotlineWorkOrderNumbers(t *testing.T) {
	e := apptest.New(t)
	city := e.Login("city")
	p := e.Points[apptest.GridA1]
	lon, lat := ftoa(p[0]), ftoa(p[1])
	row := func(ext string) []string {
		return []string{ext, "暴露垃圾", "小区门口垃圾堆放多日", "", lon, lat, "", "", ""}
	}
	r, rep := importHotline(t, city, "orders.csv", []byte(csvText([][]string{hotlineHeader, row("202611000000"), row("2026113000010000123")}, ",")), "")
	if r.StatusCode != 200 || rep.Created != 2 {
		t.Fatalf("%d %s", r.StatusCode, r.Body)
	}
	if c := caseOf(t, e, "2026113000010000123"); c == nil {
		t.Fatal("the 19-digit order")
	}
	r, rep = importHotline(t, city, "orders.csv", []byte(csvText([][]string{hotlineHeader, row("2.02611E+11"), row("202611300001.0")}, ",")), "keep_good=true")
	if r.StatusCode != 200 || rep.Unchanged != 0 || rep.Created != 0 || len(rep.Errors) != 2 ||
		rep.Errors[0].Rule != "rule.hotline_number_text" || rep.Errors[0].Column != "工单编号" || rep.Errors[0].Param != "2.02611E+11" || rep.Errors[1].Row != 3 {
		t.Errorf("numbers Excel made floats of: %d %s", r.StatusCode, r.Body)
	}
	// Variants a paste or another spreadsheet make of the same shortened
	// number are refused too, never stored; two spellings of one number
	// that differ only by an invisible character are one work order.
	r, rep = importHotline(t, city, "orders.csv", []byte(csvText([][]string{hotlineHeader, row("2.02611E+11\u200b"), row("'2.02611E+11"),
		row("2.02611 E+11"), row("Z100"), row("Z100\u200b")}, ",")), "keep_good=true")
	if r.StatusCode != 200 || rep.Created != 1 || len(rep.Errors) != 4 || rep.Errors[3].Rule != "rule.hotline_repeat" {
		t.Errorf("variants of one number: %d %s", r.StatusCode, r.Body)
	}
	var stored int
	if err := e.App.DB.QueryRowContext(e.System(), `SELECT COUNT(*) FROM cases WHERE external_id LIKE '%E+%'`).Scan(&stored); err != nil || stored != 0 {
		t.Errorf("shortened numbers stored: %d %v", stored, err)
	}
	if r := e.WithToken(e.Token).API("POST", "/api/v1/hotline/cases", map[string]any{"category": "0302", "description": "井盖缺失", "lon": p[0], "lat": p[1],
		"external_id": "2.02611E+11"}); r.StatusCode != 422 || !strings.Contains(r.Body, "hotline_number_text") {
		t.Errorf("the push API took a shortened number: %d %s", r.StatusCode, r.Body)
	}
	f := excelize.NewFile()
	_ = f.SetSheetRow("Sheet1", "A1", &[]any{"工单编号", "问题类型", "诉求内容", "经度", "纬度"})
	_ = f.SetSheetRow("Sheet1", "A2", &[]any{202611300002, "暴露垃圾", "小区门口垃圾堆放多日", p[0], p[1]})
	_ = f.SetSheetRow("Sheet1", "A3", &[]any{"2026113000020000456", "暴露垃圾", "小区门口垃圾堆放多日", p[0], p[1]})
	style, _ := f.NewStyle(&excelize.Style{NumFmt: 11})
	_ = f.SetCellStyle("Sheet1", "A2", "A2", style)
	var b bytes.Buffer
	_ = f.Write(&b)
	if r, rep := importHotline(t, city, "orders.xlsx", b.Bytes(), ""); r.StatusCode != 200 || rep.Created != 2 {
		t.Fatalf("workbook: %d %s", r.StatusCode, r.Body)
	}
	caseOf(t, e, "202611300002")
	caseOf(t, e, "2026113000020000456")
	// In both languages, saying what to do.
	bad := []byte(csvText([][]string{hotlineHeader, row("2.02611E+11")}, ","))
	if page := city.Upload("/cases/hotline", "orders.csv", bad, nil); page.StatusCode != 422 || !strings.Contains(page.Body, "设为“文本”格式") {
		t.Errorf("the page in Chinese: %d", page.StatusCode)
	}
	u, _ := url.Parse(e.Srv.URL)
	city.HC.Jar.SetCookies(u, []*http.Cookie{{Name: web.LangCookie, Value: "en", Path: "/"}})
	if page := city.Upload("/cases/hotline", "orders.csv", bad, nil); page.StatusCode != 422 || !strings.Contains(page.Body, "format the column as Text") {
		t.Errorf("the page in English: %d", page.StatusCode)
	}
}

// TestHotlineCategories maps the hotline's categories (issue 9 §2.7): a
// path whose last part is one of our sub-classes works as it is, 诉求人 is
// the contact; the hotline's own words refuse their row naming them and
// the page where they are mapped, which lists them with a suggestion; a
// city administrator maps them there, districts may only read.
func TestHotlineCategories(t *testing.T) {
	e := apptest.New(t)
	city := e.Login("city")
	p := e.Points[apptest.GridA1]
	lon, lat := ftoa(p[0]), ftoa(p[1])
	rows := [][]string{hotlineHeader,
		{"C-PATH", "城市管理/市容环境/暴露垃圾", "小区门口垃圾堆放多日", "", lon, lat, "赵六", "", ""},
		{"C-KEYWORD", "城市管理＞垃圾", "小区门口垃圾堆放多日", "", lon, lat, "", "", ""},
		{"C-OWN", "环境保护/噪音扰民", "楼上深夜噪声扰民", "", lon, lat, "", "", ""}}
	r, rep := importHotline(t, city, "orders.csv", []byte(csvText(rows, ",")), "")
	if r.StatusCode != 422 || len(rep.Errors) != 1 || rep.Errors[0].Row != 4 || rep.Errors[0].Column != "问题类型" ||
		rep.Errors[0].Rule != "rule.hotline_category_unmapped" || rep.Errors[0].Param != "环境保护/噪音扰民" {
		t.Fatalf("%d %s", r.StatusCode, r.Body)
	}
	page := city.Upload("/cases/hotline", "orders.csv", []byte(csvText(rows, ",")), nil)
	if page.StatusCode != 422 || !strings.Contains(page.Body, "/cases/hotline/categories") || !strings.Contains(page.Body, "环境保护/噪音扰民") {
		t.Errorf("the import page does not say where to map: %d", page.StatusCode)
	}
	var table []cases.HotlineCategory
	e.Login("district").Get("/api/v1/hotline/categories").JSON(t, &table)
	if len(table) != 1 || table[0].Name != "环境保护/噪音扰民" || table[0].Category != "" || table[0].Suggested != "0701" || table[0].Seen != 2 {
		t.Fatalf("the table as the import left it: %+v", table)
	}
	if pg := e.Login("district").Get("/cases/hotline/categories"); pg.StatusCode != 200 || !strings.Contains(pg.Body, "噪声扰民") || strings.Contains(pg.Body, "hotline-category-add") {
		t.Errorf("the district's page: %d", pg.StatusCode)
	}
	if r := e.Login("district").API("POST", "/api/v1/hotline/categories", map[string]any{"name": "环境保护/噪音扰民", "category": "0701"}); r.StatusCode != 403 {
		t.Errorf("a district mapped a category: %d", r.StatusCode)
	}
	if r := city.API("POST", "/api/v1/hotline/categories", map[string]any{"name": "环境保护/噪音扰民", "category": "07"}); r.StatusCode != 422 {
		t.Errorf("mapped to a class: %d %s", r.StatusCode, r.Body)
	}
	if pg := city.Get("/cases/hotline/categories"); pg.StatusCode != 200 || !strings.Contains(pg.Body, "hotline-category-add") {
		t.Errorf("the city's page: %d", pg.StatusCode)
	}
	if r := city.Form("/cases/hotline/categories", url.Values{"name": {"环境保护 / 噪音扰民"}, "category": {"0701"}}); r.StatusCode != 303 {
		t.Fatalf("map on the page: %d %s", r.StatusCode, r.Body)
	}
	r, rep = importHotline(t, city, "orders.csv", []byte(csvText(rows, ",")), "")
	if r.StatusCode != 200 || rep.Created != 3 {
		t.Fatalf("after mapping: %d %s", r.StatusCode, r.Body)
	}
	if c := caseOf(t, e, "C-PATH"); c.Category != "0101" || c.ReporterName != "赵六" {
		t.Errorf("the path: %+v", c)
	}
	if c := caseOf(t, e, "C-KEYWORD"); c.Category != "0101" {
		t.Errorf("the keyword: %+v", c)
	}
	if c := caseOf(t, e, "C-OWN"); c.Category != "0701" {
		t.Errorf("the mapped name: %+v", c)
	}
}

// TestHotlineCRS imports points in the systems Chinese maps use (issue 9
// §2.8): a GCJ-02 or BD-09 point is converted to WGS-84 and lands in its
// grid; read as WGS-84 it would lie hundreds of metres off.
func TestHotlineCRS(t *testing.T) {
	e := apptest.New(t)
	city := e.Login("city")
	p := e.Points[apptest.GridA1]
	glon, glat := geo.WGS84ToGCJ02(p[0], p[1])
	blon, blat := geo.WGS84ToBD09(p[0], p[1])
	file := func(ext string, lon, lat float64) []byte {
		return []byte(csvText([][]string{hotlineHeader, {ext, "暴露垃圾", "小区门口垃圾堆放多日", "", ftoa(lon), ftoa(lat), "", "", ""}}, ","))
	}
	for _, tt := range []struct {
		ext, crs string
		lon, lat float64
	}{{"G-1", "gcj02", glon, glat}, {"B-1", "bd09", blon, blat}, {"W-1", "", p[0], p[1]}} {
		r, rep := importHotline(t, city, "orders.csv", file(tt.ext, tt.lon, tt.lat), "crs="+tt.crs)
		if r.StatusCode != 200 || rep.Created != 1 {
			t.Fatalf("%s: %d %s", tt.crs, r.StatusCode, r.Body)
		}
		c := caseOf(t, e, tt.ext)
		if c.RegionCode != apptest.GridA1 || math.Abs(*c.Lon-p[0]) > 1e-6 || math.Abs(*c.Lat-p[1]) > 1e-6 {
			t.Errorf("%s: at %v,%v in %s", tt.crs, *c.Lon, *c.Lat, c.RegionCode)
		}
	}
	if r, rep := importHotline(t, city, "orders.csv", file("G-2", glon, glat), ""); r.StatusCode != 422 || len(rep.Errors) != 1 || rep.Errors[0].Rule != "rule.out_of_area" {
		t.Errorf("a GCJ-02 point read as WGS-84: %d %s", r.StatusCode, r.Body)
	}
	if r, _ := importHotline(t, city, "orders.csv", file("G-3", glon, glat), "crs=mercator"); r.StatusCode != 422 || !strings.Contains(r.Body, `"field":"crs"`) {
		t.Errorf("an unknown system: %d %s", r.StatusCode, r.Body)
	}
	if page := city.Get("/cases/hotline"); !strings.Contains(page.Body, `value="gcj02"`) || !strings.Contains(page.Body, `value="bd09"`) {
		t.Error("the page offers no coordinate system")
	}
}
