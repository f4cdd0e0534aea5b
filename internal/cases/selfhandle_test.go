package cases_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"grassroots/internal/apptest"
	"grassroots/internal/cases"
)

// TestSelfHandled: a grid worker records a problem fixed on the spot on
// the phone form; it is closed at once as self-handled, shows in the
// list's filter, counts in the ranking's own column and in none of the
// dispatched figures. A photo is required, the place must be in the
// worker's own grids, and residents may not do it.
func TestSelfHandled(t *testing.T) {
	e := apptest.New(t)
	grid := e.Login("grid")
	p := e.Points[apptest.GridA1]
	if r := grid.Get("/cases/self-handle"); r.StatusCode != 200 || !strings.Contains(r.Body, `id="self-handle-form"`) || !strings.Contains(r.Body, `capture="environment"`) {
		t.Fatalf("self-handling form: %d", r.StatusCode)
	}
	fields := url.Values{"category_text": {"暴露垃圾"}, "description": {"楼道口堆放的垃圾袋"}, "handled": {""},
		"lon": {ftoa(p[0])}, "lat": {ftoa(p[1])}}
	// No photo and nothing said about what was done: the form comes back
	// with both problems beside their fields and the input kept.
	r := postMultipart(grid, "/cases/self-handle", fields, nil)
	if r.StatusCode != 422 || !strings.Contains(r.Body, `id="photos-error"`) || !strings.Contains(r.Body, `id="handled-error"`) ||
		!strings.Contains(r.Body, ">楼道口堆放的垃圾袋</textarea>") || !strings.Contains(r.Body, `value="0101" selected`) {
		t.Fatalf("self-handling without photo: %d %s", r.StatusCode, r.Body)
	}
	fields.Set("handled", "已清理并告知住户")
	r = postMultipart(grid, "/cases/self-handle", fields, map[string][]byte{"spot.png": pngBytes()})
	if r.StatusCode != 303 {
		t.Fatalf("self-handle: %d %s", r.StatusCode, r.Body)
	}
	loc := r.Header.Get("Location")
	id := strings.TrimPrefix(regexp.MustCompile(`^/cases/\d+`).FindString(loc), "/cases/")
	page := grid.Get(loc)
	if !strings.Contains(page.Body, `id="case-done"`) || !strings.Contains(page.Body, "自行处置并结案") || !strings.Contains(page.Body, `id="case-self-handled"`) {
		t.Errorf("the self-handled case page: %s", page.Body)
	}
	var d cases.CaseDetail
	grid.Get("/api/v1/cases/"+id).JSON(t, &d)
	if c := d.Case; c.Status != cases.Closed || !c.SelfHandled || c.Channel != cases.ChannelPatrol || c.UnitKind != cases.UnitCommunity || c.DeptID != 0 ||
		c.ClosedAt == nil || len(d.Events) != 1 || d.Events[0].Action != "self_handle" || !d.Events[0].Public || len(d.Events[0].PhotoIDs) != 1 {
		t.Fatalf("self-handled case: %+v %+v", d.Case, d.Events)
	}

	// Over the API too, with a base64 photo; a community worker of
	// community B, in their own community.
	pb := e.Points[apptest.GridB1]
	worker := e.Login("worker")
	api := func(c *apptest.Client, in map[string]any) apptest.Response {
		return c.API("POST", "/api/v1/cases/self-handled", in)
	}
	body := map[string]any{"category": "0103", "description": "路面有碎玻璃", "handled": "已清扫", "lon": pb[0], "lat": pb[1], "photos": [][]byte{pngBytes()}}
	if r := api(worker, body); r.StatusCode != 201 || !strings.Contains(r.Body, `"self_handled":true`) {
		t.Fatalf("self-handled over the API: %d %s", r.StatusCode, r.Body)
	}
	if r := api(worker, map[string]any{"category": "0103", "description": "路面有碎玻璃", "handled": "已清扫", "lon": pb[0], "lat": pb[1]}); r.StatusCode != 422 || !strings.Contains(r.Body, `"rule":"photo_required"`) {
		t.Errorf("no photo: %d %s", r.StatusCode, r.Body)
	}
	// Outside one's own grids: grid A2 is not the grid worker's.
	p2 := e.Points[apptest.GridA2]
	if r := api(grid, map[string]any{"category": "0103", "description": "路面有碎玻璃", "handled": "已清扫", "lon": p2[0], "lat": p2[1], "photos": [][]byte{pngBytes()}}); r.StatusCode != 422 || !strings.Contains(r.Body, "self_handle_scope") {
		t.Errorf("self-handled outside one's grids: %d %s", r.StatusCode, r.Body)
	}
	if r := api(e.Login("resident"), body); r.StatusCode != 403 {
		t.Errorf("a resident self-handles: %d", r.StatusCode)
	}

	// One case that went through the workflow in community A.
	sec := e.Login("secretary")
	in := MustReport(t, e.Login("resident"), map[string]any{"category": "0303", "description": "路灯不亮", "lon": p[0], "lat": p[1]})
	c := MustMove(t, sec, in.Case.ID, cases.Move{Action: "accept", Version: in.Case.Version}, 200)
	c = MustMove(t, sec, in.Case.ID, cases.Move{Action: "register", Version: c.Version}, 200)
	MustMove(t, sec, in.Case.ID, cases.Move{Action: "dispatch", Version: c.Version, UnitKind: "community"}, 200)

	// The list's filter shows the self-handled case only.
	l := sec.Get("/cases?self_handled=1")
	if !strings.Contains(l.Body, "/cases/"+id+`"`) || strings.Contains(l.Body, "/cases/"+itoa(in.Case.ID)+`"`) || !strings.Contains(l.Body, `data-total="1"`) {
		t.Errorf("the self-handled filter: %s", l.Body)
	}
	var list struct{ Items []cases.Case }
	sec.Get("/api/v1/cases?self_handled=true").JSON(t, &list)
	if len(list.Items) != 1 || !list.Items[0].SelfHandled {
		t.Errorf("the self-handled filter over the API: %+v", list.Items)
	}

	// The ranking: community A has 1 dispatched case and 1 self-handled;
	// community B only a self-handled one, listed unranked.
	var rk cases.Ranking
	e.Login("city").Get("/api/v1/case-rankings?month=2026-11&level=community").JSON(t, &rk)
	byKey := map[string]cases.Score{}
	for _, s := range rk.Scores {
		byKey[s.Key] = s
	}
	if a := byKey[apptest.CommunityA]; a.Cases != 1 || a.Dispatched != 1 || a.SelfHandled != 1 || a.Rank != 1 {
		t.Errorf("community A: %+v", a)
	}
	if b := byKey[apptest.CommunityB]; b.Cases != 0 || b.Dispatched != 0 || b.SelfHandled != 1 || b.Rank != 0 || b.Composite != 0 {
		t.Errorf("community B: %+v", b)
	}
	sub := e.Login("subdistrict")
	rp := sub.Get("/cases/ranking?month=2026-11&level=community")
	if !strings.Contains(rp.Body, `id="rank-self-handled"`) || !strings.Contains(rp.Body, "自行处置") {
		t.Errorf("the ranking page has no self-handled column: %s", rp.Body)
	}
	if x := sub.Get("/cases/ranking.xlsx?month=2026-11&level=community"); x.StatusCode != 200 || !strings.HasPrefix(x.Body, "PK") {
		t.Errorf("the monthly report: %d", x.StatusCode)
	}
	// The workbench's counts: self-handled this month, in the list's
	// total.
	n, err := e.App.Cases.Total(e.As("secretary"), cases.Filter{SelfHandled: true, Month: "2026-11"})
	if err != nil || n.N != 1 {
		t.Errorf("self-handled this month: %+v %v", n, err)
	}
	if r := sec.Get("/cases?self_handled=1&month=2026-12"); !strings.Contains(r.Body, `data-total="0"`) {
		t.Errorf("self-handled in December: %s", r.Body)
	}
}

// TestSelfHandledAudited: recording a fix on the spot is audited as such.
func TestSelfHandledAudited(t *testing.T) {
	e := apptest.New(t)
	p := e.Points[apptest.GridA1]
	grid := e.Login("grid")
	before := auditCount(t, e)
	r := grid.API("POST", "/api/v1/cases/self-handled", map[string]any{"category": "0104", "description": "墙上小广告", "handled": "已铲除",
		"lon": p[0], "lat": p[1], "photos": [][]byte{pngBytes()}})
	if r.StatusCode != http.StatusCreated {
		t.Fatalf("self-handle: %d %s", r.StatusCode, r.Body)
	}
	var n int
	if err := e.App.DB.QueryRowContext(e.System(), `SELECT COUNT(*) FROM audit_log WHERE action = 'cases.self_handle'`).Scan(&n); err != nil || n != 1 || auditCount(t, e) != before+1 {
		t.Errorf("audit: %d entries, %v", n, err)
	}
}
