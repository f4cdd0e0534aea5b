package cases_test

import (
	"net/http"
	"strings"
	"testing"

	"grassroots/internal/apptest"
	"grassroots/internal/cases"
	"grassroots/internal/platform/tabular"
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
