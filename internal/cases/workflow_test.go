package cases_test

import (
	"strings"
	"testing"
	"time"

	"grassroots/internal/apptest"
	"grassroots/internal/cases"
)

// TestWorkflow follows a resident's report through whistle, handling,
// verification, closing and rating over the API, with the refusals on the
// way, the working-day deadlines and the ranking it ends up in.
func TestWorkflow(t *testing.T) {
	e := apptest.New(t)
	grid := apptest.GridA1
	lon, lat := e.Points[grid][0], e.Points[grid][1]
	resident := e.Login("resident")

	// Bad reports change nothing.
	before := auditCount(t, e)
	for _, bad := range []struct {
		in   map[string]any
		want string
	}{
		{map[string]any{"category": "9999", "description": "路灯坏了很久了", "lon": lon, "lat": lat}, `"field":"category"`},
		{map[string]any{"category": "0303", "description": "路灯坏了很久了"}, `"field":"location"`},
		{map[string]any{"category": "0303", "description": "路灯坏了很久了", "lon": 0.1, "lat": 0.1}, `"rule":"out_of_area"`},
		{map[string]any{"category": "0303", "description": "路灯坏了很久了", "address": "不存在的地址 99 号"}, `"rule":"address_unknown"`},
		{map[string]any{"category": "0303", "description": "短", "lon": lon, "lat": lat, "contact_phone": "123"}, `"field":"contact_phone"`},
	} {
		r := resident.API("POST", "/api/v1/cases", bad.in)
		if r.StatusCode != 422 || !strings.Contains(r.Body, bad.want) {
			t.Errorf("report %v: %d %s, want 422 with %s", bad.in, r.StatusCode, r.Body, bad.want)
		}
	}
	if auditCount(t, e) != before {
		t.Fatal("a refused report wrote to the audit log")
	}

	in := MustReport(t, resident, map[string]any{"category": "0303", "description": "小区门口路灯不亮已经一周", "lon": lon, "lat": lat,
		"contact_name": "李女士", "contact_phone": "13912345678"})
	c := in.Case
	if c.Status != cases.Submitted || c.RegionCode != grid || c.Channel != cases.ChannelResident || c.PhoneMasked != "139****5678" ||
		!strings.HasPrefix(c.Number, "20261126-") || c.StepDueAt == nil {
		t.Fatalf("new case: %+v", c)
	}
	// Received Thursday 10:00 CST; accepting has 2 working hours.
	if want := time.Date(2026, 11, 26, 4, 0, 0, 0, time.UTC); !c.StepDueAt.Equal(want) {
		t.Errorf("accept due %v, want %v", c.StepDueAt, want)
	}
	// A second report of the same kind nearby is offered as a duplicate.
	r := resident.API("POST", "/api/v1/cases", map[string]any{"category": "0303", "description": "门口路灯又坏了", "lon": lon + 0.0002, "lat": lat})
	var dup cases.Intake
	r.JSON(t, &dup)
	// A resident learns only public facts of it: not who reported it
	// or what they wrote.
	if len(dup.Duplicates) != 1 || dup.Duplicates[0].Case != nil || dup.Duplicates[0].Category != "0303" || dup.Duplicates[0].Metres != 100 {
		t.Fatalf("duplicates offered: %+v", dup.Duplicates)
	}
	if strings.Contains(r.Body, "一周") || strings.Contains(r.Body, "李女士") || strings.Contains(r.Body, "5678") {
		t.Fatalf("the duplicate offered to a resident shows the other report: %s", r.Body)
	}

	sec := e.Login("secretary")
	other := e.Login("worker") // community B: out of scope
	if g := other.Get("/api/v1/cases/" + itoa(c.ID)); g.StatusCode != 404 {
		t.Errorf("another community's worker reads the case: %d", g.StatusCode)
	}
	MustMove(t, other, c.ID, cases.Move{Action: "accept", Version: 1}, 404)
	MustMove(t, sec, dup.Case.ID, cases.Move{Action: "merge", Version: 1, MergeInto: c.ID}, 200)
	if p := sec.Get("/cases/" + itoa(c.ID)); !strings.Contains(p.Body, `id="merged"`) || !strings.Contains(p.Body, dup.Case.Number) {
		t.Error("the case page does not list the report merged into it")
	}

	cs := MustMove(t, sec, c.ID, cases.Move{Action: "accept", Version: 1}, 200)
	MustMove(t, sec, c.ID, cases.Move{Action: "close", Version: cs.Version}, 409) // not from accepted
	MustMove(t, sec, c.ID, cases.Move{Action: "register", Version: 1}, 409)       // stale version
	MustMove(t, resident, c.ID, cases.Move{Action: "register", Version: 2}, 403)  // residents do not manage
	cs = MustMove(t, sec, c.ID, cases.Move{Action: "register", Version: cs.Version}, 200)

	// Whistle to the city management bureau, then dispatch to it.
	cg := e.Dept
	w := sec.API("POST", "/api/v1/cases/"+itoa(c.ID)+"/whistles", cases.WhistleInput{Ground: "pressing_problem", DeptIDs: []int64{cg.ID}, Note: "路灯线路需城管协调"})
	if w.StatusCode != 201 {
		t.Fatalf("whistle: %d %s", w.StatusCode, w.Body)
	}
	var wl cases.Whistle
	w.JSON(t, &wl)
	if len(wl.Parties) != 1 || !wl.Parties[0].ReportDueAt.Equal(e.Clock.Now().Add(120*time.Minute).Truncate(time.Microsecond)) {
		t.Fatalf("whistle parties: %+v", wl.Parties)
	}
	cs = MustMove(t, sec, c.ID, cases.Move{Action: "dispatch", Version: cs.Version, UnitKind: "department", DeptID: cg.ID}, 200)
	// Street lights: 2 working days to handle from Thursday 10:00 → Monday 17:00 CST.
	if want := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC); cs.HandleDueAt == nil || !cs.HandleDueAt.Equal(want) {
		t.Errorf("handle due %v, want %v", cs.HandleDueAt, want)
	}

	dept := e.Login("dept")
	var list struct{ Items []cases.Case }
	dept.Get("/api/v1/cases?view=acknowledge").JSON(t, &list)
	if len(list.Items) != 1 || list.Items[0].ID != c.ID {
		t.Fatalf("department's cases to acknowledge: %+v", list.Items)
	}
	step := func(action string, want int) {
		t.Helper()
		r := dept.API("POST", "/api/v1/whistles/"+itoa(wl.ID)+"/steps", cases.PartyInput{Action: action, Note: "已到场处理"})
		if r.StatusCode != want {
			t.Fatalf("whistle %s: %d %s", action, r.StatusCode, r.Body)
		}
	}
	step("arrive", 409) // report first
	step("report", 200)
	cs = MustMove(t, dept, c.ID, cases.Move{Action: "handle", Version: cs.Version, Note: "已更换灯泡"}, 200)
	MustMove(t, sec, c.ID, cases.Move{Action: "verify", Version: cs.Version, Pass: ptr(false)}, 422) // sending back needs a note
	cs = MustMove(t, e.Login("grid"), c.ID, cases.Move{Action: "verify", Version: cs.Version, Pass: ptr(true)}, 200)
	// The whistled department has not fed back: the joint case cannot close.
	if r := sec.API("POST", "/api/v1/cases/"+itoa(c.ID)+"/moves", cases.Move{Action: "close", Version: cs.Version}); r.StatusCode != 409 || !strings.Contains(r.Body, "whistle") {
		t.Fatalf("close before feedback: %d %s", r.StatusCode, r.Body)
	}
	step("feedback", 200)
	if r := sec.API("POST", "/api/v1/whistles/"+itoa(wl.ID)+"/ratings", cases.PartyRating{DeptID: cg.ID, Rating: 5}); r.StatusCode != 200 {
		t.Fatalf("rate department: %d %s", r.StatusCode, r.Body)
	}
	MustMove(t, sec, c.ID, cases.Move{Action: "close", Version: cs.Version}, 200)

	if r := resident.API("POST", "/api/v1/cases/"+itoa(c.ID)+"/rating", cases.RateInput{Resolved: true, Satisfaction: "basic"}); r.StatusCode != 200 {
		t.Fatalf("rating: %d %s", r.StatusCode, r.Body)
	}
	var detail cases.CaseDetail
	sec.Get("/api/v1/cases/"+itoa(c.ID)).JSON(t, &detail)
	if detail.Case.Satisfaction != "basic" || len(detail.Events) < 9 {
		t.Fatalf("rated case: %+v, %d events", detail.Case, len(detail.Events))
	}
	// The reporter reads the status changes only: report, accept,
	// register, dispatch, handle, verify, close.
	resident.Get("/api/v1/cases/"+itoa(c.ID)).JSON(t, &detail)
	if len(detail.Events) != 7 || len(detail.Whistles) != 0 {
		t.Fatalf("the reporter's timeline: %d events, %d whistles", len(detail.Events), len(detail.Whistles))
	}

	var rk cases.Ranking
	e.Login("subdistrict").Get("/api/v1/case-rankings?month=2026-11&level=community").JSON(t, &rk)
	if len(rk.Scores) != 1 || rk.Scores[0].Key != apptest.CommunityA || rk.Scores[0].Satisfaction == nil || *rk.Scores[0].Satisfaction != 0.9 {
		t.Fatalf("ranking: %+v", rk.Scores)
	}
	// Response 1 (acknowledged on time), resolution 1, satisfaction 0.9: 0.1 + 0.5 + 0.36.
	if rk.Scores[0].Composite != 96 {
		t.Errorf("composite %v, want 96", rk.Scores[0].Composite)
	}
	// The same case in the lists of every level above it.
	for _, l := range []struct{ user, query string }{{"city", ""}, {"city", "&region=" + apptest.DistrictA}, {"district", "&region=" + apptest.SubA},
		{"subdistrict", ""}, {"subdistrict", "&region=" + apptest.CommunityA}, {"subdistrict", "&region=" + grid}} {
		var got struct{ Items []cases.Case }
		e.Login(l.user).Get("/api/v1/cases?view=all"+l.query).JSON(t, &got)
		if len(got.Items) == 0 || got.Items[len(got.Items)-1].ID != c.ID {
			t.Errorf("%s lists %s: %d cases", l.user, l.query, len(got.Items))
		}
	}
	// Not in the lists of district B's community.
	var elsewhere struct{ Items []cases.Case }
	other.Get("/api/v1/cases?view=all").JSON(t, &elsewhere)
	if len(elsewhere.Items) != 0 {
		t.Errorf("community B lists %d cases of community A", len(elsewhere.Items))
	}
	var wr cases.Ranking
	dept.Get("/api/v1/case-rankings?month=2026-11&level=whistle").JSON(t, &wr)
	// Reported in time, fed back, rated 5/5.
	if len(wr.Scores) != 1 || wr.Scores[0].Name != cg.Name || wr.Scores[0].Composite != 100 {
		t.Fatalf("whistle ranking: %+v", wr.Scores)
	}
	var dr cases.Ranking
	dept.Get("/api/v1/case-rankings?month=2026-11&level=department").JSON(t, &dr)
	if len(dr.Scores) != 1 || dr.Scores[0].Name != cg.Name || *dr.Scores[0].OnTimeRate != 1 {
		t.Fatalf("department ranking: %+v", dr.Scores)
	}
}

// TestNearbyPrivateClassHidden: a private class (a neighbour dispute: the
// place is a home) is not offered to a resident at all, not even its
// distance; staff who may read it are offered it.
func TestNearbyPrivateClassHidden(t *testing.T) {
	e := apptest.New(t)
	p := e.Points[apptest.GridA1]
	MustReport(t, e.Login("secretary"), map[string]any{"category": "0701", "description": "楼上深夜噪声扰民", "lon": p[0], "lat": p[1]})
	in := MustReport(t, e.Login("resident"), map[string]any{"category": "0701", "description": "隔壁装修噪声很大", "lon": p[0] + 0.0001, "lat": p[1]})
	if len(in.Duplicates) != 0 {
		t.Fatalf("a private class offered to a resident: %+v", in.Duplicates)
	}
	in = MustReport(t, e.Login("secretary"), map[string]any{"category": "0701", "description": "再次反映噪声", "lon": p[0], "lat": p[1]})
	if len(in.Duplicates) != 2 || in.Duplicates[0].Case == nil {
		t.Fatalf("the secretary is offered %+v", in.Duplicates)
	}
}
