package audit_test

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"net/http"
	"strings"
	"testing"

	"grassroots/internal/apptest"
	"grassroots/internal/cases"
	"grassroots/internal/registry"
)

// TestAuditTellsEachKind: a case dispatched to a community names the
// community, never its code; a reply, an internal note and a problem
// fixed on the spot each read as what they were, not "操作了案件"; a
// household visit names the household by its address and a patrol its
// grid, not "对象 #N".
func TestAuditTellsEachKind(t *testing.T) {
	e := apptest.New(t)
	p := e.Points[apptest.GridA1]
	r := e.Login("resident").API("POST", "/api/v1/cases", map[string]any{"category": "0303", "description": "小区门口路灯不亮已经一周",
		"lon": p[0], "lat": p[1]})
	if r.StatusCode != http.StatusCreated {
		t.Fatalf("report: %d %s", r.StatusCode, r.Body)
	}
	var in cases.Intake
	r.JSON(t, &in)
	sec := e.Login("secretary")
	c := *in.Case
	for _, m := range []cases.Move{{Action: "accept"}, {Action: "register"}, {Action: "dispatch", UnitKind: "community"},
		{Action: "reply", Note: "已安排电工明天检修"}, {Action: "note", Note: "电工班组已联系"}} {
		m.Version = c.Version
		r := sec.API("POST", fmt.Sprintf("/api/v1/cases/%d/moves", c.ID), m)
		if r.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %s", m.Action, r.StatusCode, r.Body)
		}
		r.JSON(t, &c)
	}

	grid := e.Login("grid")
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	var photo bytes.Buffer
	_ = png.Encode(&photo, img)
	r = grid.API("POST", "/api/v1/cases/self-handled", map[string]any{"category": "0104", "description": "墙上小广告", "handled": "已铲除",
		"lon": p[0], "lat": p[1], "photos": [][]byte{photo.Bytes()}})
	if r.StatusCode != http.StatusCreated {
		t.Fatalf("self-handle: %d %s", r.StatusCode, r.Body)
	}
	var fixed cases.Case
	r.JSON(t, &fixed)

	h, err := e.App.Registry.CreateHousehold(e.System(), registry.HouseholdInput{BuildingID: e.Buildings[apptest.GridA1], Room: "101", HouseUse: registry.SelfOccupied})
	if err != nil {
		t.Fatal(err)
	}
	if r := grid.API("POST", "/api/v1/visits", map[string]any{"household_id": h.ID, "kind": "home", "note": "测试走访情况"}); r.StatusCode != http.StatusCreated {
		t.Fatalf("visit: %d %s", r.StatusCode, r.Body)
	}
	if r := grid.API("POST", "/api/v1/patrols/start", map[string]any{"grid_code": apptest.GridA1}); r.StatusCode != http.StatusCreated && r.StatusCode != http.StatusOK {
		t.Fatalf("patrol: %d %s", r.StatusCode, r.Body)
	}

	page := e.Login("subdistrict").Get("/audit")
	if page.StatusCode != http.StatusOK {
		t.Fatalf("audit page: %d", page.StatusCode)
	}
	text := apptest.VisibleText(page.Body)
	for _, want := range []string{
		"将案件 " + c.Number + " 派遣至 甲一社区居委会",
		"答复了案件 " + c.Number,
		"为案件 " + c.Number + " 记录了内部说明",
		"自行处置了案件 " + fixed.Number,
		"记录了对 甲一网格1路1号1栋",
		"开始巡查：甲一网格1",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the log lacks %q", want)
		}
	}
	for _, not := range []string{"操作了", "对象 #", apptest.CommunityA} {
		if strings.Contains(text, not) {
			t.Errorf("the log shows %q", not)
		}
	}
	apptest.NoCodes(t, "the log", text)
}
