package visits_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"grassroots/internal/apptest"
	"grassroots/internal/visits"
)

// TestPatrols: a worker starts a patrol of their grid, has one under way
// at a time, and ends it with the problems found and the cases reported;
// only the worker ends their own patrol, once. A patrol made earlier is
// recorded with its date and duration. Every write is audited.
func TestPatrols(t *testing.T) {
	e := apptest.New(t)
	grid, sec := e.Login("grid"), e.Login("secretary")
	var p visits.Patrol
	r := grid.API("POST", "/api/v1/patrols/start", map[string]any{"grid_code": apptest.GridA1})
	if r.StatusCode != 201 {
		t.Fatalf("start: %d %s", r.StatusCode, r.Body)
	}
	r.JSON(t, &p)
	if !p.Open || p.RegionName != "甲一网格1" || p.PatrolledOn != "2026-11-26" {
		t.Fatalf("started patrol: %+v", p)
	}
	if r := grid.API("POST", "/api/v1/patrols/start", map[string]any{"grid_code": apptest.GridA1}); r.StatusCode != http.StatusConflict {
		t.Errorf("a second patrol under way: %d %s", r.StatusCode, r.Body)
	}
	pt := e.Points[apptest.GridA1]
	cr := grid.API("POST", "/api/v1/cases", map[string]any{"category": "0303", "description": "巡查发现路灯不亮", "lon": pt[0], "lat": pt[1]})
	if cr.StatusCode != 201 {
		t.Fatalf("case: %d %s", cr.StatusCode, cr.Body)
	}
	var in struct {
		Case struct {
			ID     int64  `json:"id"`
			Number string `json:"number"`
		} `json:"case"`
	}
	cr.JSON(t, &in)
	end := "/api/v1/patrols/" + itoa(p.ID) + "/end"
	if r := sec.API("POST", end, map[string]any{"problems_found": 1}); r.StatusCode != http.StatusNotFound {
		t.Errorf("another's patrol ended: %d %s", r.StatusCode, r.Body)
	}
	for _, tt := range []struct {
		name, field string
		body        map[string]any
	}{
		{"ErrFewerProblemsThanCases", "problems_found", map[string]any{"problems_found": 0, "case_numbers": []string{in.Case.Number}}},
		{"ErrUnknownCase", "case_numbers", map[string]any{"problems_found": 1, "case_numbers": []string{"20261126-99999999"}}},
		{"ErrNegativeProblems", "problems_found", map[string]any{"problems_found": -1}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if r := grid.API("POST", end, tt.body); r.StatusCode != 422 || !strings.Contains(r.Body, `"field":"`+tt.field+`"`) {
				t.Errorf("%d %s", r.StatusCode, r.Body)
			}
		})
	}
	e.Clock.Add(50 * time.Minute)
	grid, sec = e.Login("grid"), e.Login("secretary") // the sessions timed out meanwhile
	audits := auditCount(t, e, "visits.patrol.end")
	r = grid.API("POST", end, map[string]any{"route": "民巷—章江路", "problems_found": 2, "case_numbers": []string{in.Case.Number}})
	if r.StatusCode != 200 {
		t.Fatalf("end: %d %s", r.StatusCode, r.Body)
	}
	r.JSON(t, &p)
	if p.Open || p.Minutes != 50 || p.Problems != 2 || len(p.Cases) != 1 || p.Cases[0].ID != in.Case.ID || p.Route != "民巷—章江路" {
		t.Errorf("ended patrol: %+v", p)
	}
	if auditCount(t, e, "visits.patrol.end") != audits+1 {
		t.Error("ending the patrol was not audited")
	}
	if r := grid.API("POST", end, map[string]any{"problems_found": 0}); r.StatusCode != http.StatusConflict {
		t.Errorf("ended twice: %d %s", r.StatusCode, r.Body)
	}
	l := MustList[visits.Patrol](t, sec, "/api/v1/patrols")
	if l.Total != 1 || len(l.Items[0].Cases) != 1 || l.Items[0].Cases[0].Number != in.Case.Number {
		t.Errorf("the community's patrols: %+v", l)
	}

	t.Run("Record", func(t *testing.T) {
		for _, tt := range []struct {
			name, field string
			body        map[string]any
		}{
			{"ErrNoDuration", "duration_minutes", map[string]any{"grid_code": apptest.GridA1, "duration_minutes": 0}},
			{"ErrTooLong", "duration_minutes", map[string]any{"grid_code": apptest.GridA1, "duration_minutes": 1441}},
			{"ErrFuture", "patrolled_on", map[string]any{"grid_code": apptest.GridA1, "duration_minutes": 30, "patrolled_on": "2026-11-27"}},
			{"ErrLongAgo", "patrolled_on", map[string]any{"grid_code": apptest.GridA1, "duration_minutes": 30, "patrolled_on": "2025-11-01"}},
			{"ErrBadDate", "patrolled_on", map[string]any{"grid_code": apptest.GridA1, "duration_minutes": 30, "patrolled_on": "26/11/2026"}},
			{"ErrNotAGrid", "grid_code", map[string]any{"grid_code": apptest.CommunityA, "duration_minutes": 30}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				if r := grid.API("POST", "/api/v1/patrols", tt.body); r.StatusCode != 422 || !strings.Contains(r.Body, `"field":"`+tt.field+`"`) {
					t.Errorf("%d %s", r.StatusCode, r.Body)
				}
			})
		}
		n := auditCount(t, e, "visits.patrol.create")
		if r := grid.API("POST", "/api/v1/patrols", map[string]any{"grid_code": apptest.GridA1, "duration_minutes": 90, "patrolled_on": "2026-11-20",
			"route": "沿河", "problems_found": 1}); r.StatusCode != 201 {
			t.Fatalf("record: %d %s", r.StatusCode, r.Body)
		}
		if auditCount(t, e, "visits.patrol.create") != n+1 {
			t.Error("recording a patrol was not audited")
		}
	})

	t.Run("Pages", func(t *testing.T) {
		if r := grid.Get("/patrols/new"); r.StatusCode != 200 || !strings.Contains(r.Body, `id="patrol-start"`) || !strings.Contains(r.Body, "甲一网格1") ||
			strings.Contains(r.Body, "甲一网格2") {
			t.Fatalf("new patrol page: %d %s", r.StatusCode, r.Body)
		}
		if r := grid.Form("/patrols", form("grid_code", apptest.GridA1, "duration_minutes", "abc")); r.StatusCode != 422 || !strings.Contains(r.Body, "field-errors") {
			t.Errorf("bad record form: %d", r.StatusCode)
		}
		if r := grid.Form("/patrols", form("grid_code", apptest.GridA1, "duration_minutes", "40", "patrolled_on", "2026-11-25", "case_numbers", in.Case.Number, "problems_found", "1")); r.StatusCode != http.StatusSeeOther {
			t.Errorf("record form: %d %s", r.StatusCode, r.Body)
		}
		if r := grid.Form("/patrols/start", form("grid_code", apptest.GridA2)); r.StatusCode != 422 {
			t.Errorf("start in another grid: %d", r.StatusCode)
		}
		if r := grid.Form("/patrols/start", form("grid_code", apptest.GridA1)); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("start form: %d %s", r.StatusCode, r.Body)
		}
		page := grid.Get("/patrols")
		m := regexp.MustCompile(`action="(/patrols/\d+/end)"`).FindStringSubmatch(page.Body)
		if m == nil || !strings.Contains(page.Body, "正在巡查：甲一网格1") {
			t.Fatalf("patrols page without the end form: %s", page.Body)
		}
		if r := grid.Get("/patrols/new"); !strings.Contains(r.Body, "正在巡查") || strings.Contains(r.Body, `id="patrol-start"`) {
			t.Errorf("a second start offered while one is under way")
		}
		if r := grid.Form(m[1], form("problems_found", "x")); r.StatusCode != 422 || !strings.Contains(r.Body, "field-errors") {
			t.Errorf("bad end form: %d", r.StatusCode)
		}
		// A case number that names nothing is refused with everything typed kept.
		if r := grid.Form(m[1], form("route", "沿河一圈", "problems_found", "2", "case_numbers", "NC-0000-404")); r.StatusCode != 422 ||
			!strings.Contains(r.Body, `name="case_numbers" value="NC-0000-404"`) || !strings.Contains(r.Body, ">沿河一圈</textarea>") {
			t.Errorf("unknown case number: %d, the end form should keep what was typed", r.StatusCode)
		}
		if r := grid.Form(m[1], form("route", "一圈", "problems_found", "0")); r.StatusCode != http.StatusSeeOther {
			t.Errorf("end form: %d %s", r.StatusCode, r.Body)
		}
		if r := sec.Get("/patrols?open=1"); !strings.Contains(r.Body, `id="patrols-count">共 0 次<`) {
			t.Errorf("open patrols after ending: %s", r.Body)
		}
	})
}

// TestPagesAndNotes drives the pages on a phone's path: the overview, the
// household search, the visit form, the visit and the settings. A visit's
// note and whom the visitor met are sealed at rest, absent from lists,
// shown to the community's workers only, and every read of them is
// audited.
func TestPagesAndNotes(t *testing.T) {
	e := apptest.New(t)
	hh := MustHousehold(t, e, apptest.GridA1, "101室", "elderly_alone")
	MustHousehold(t, e, apptest.GridA1, "102室", "left_behind_child")
	grid, sec, sub := e.Login("grid"), e.Login("secretary"), e.Login("subdistrict")

	if r := grid.Get("/visits"); r.StatusCode != 200 || !strings.Contains(r.Body, `id="due"`) || !strings.Contains(r.Body, `id="due-total">2<`) ||
		!strings.Contains(r.Body, "独居老人") || !strings.Contains(r.Body, "从未走访") {
		t.Fatalf("grid worker's overview: %d %s", r.StatusCode, r.Body)
	}
	if r := grid.Get("/visits/new?address=101"); r.StatusCode != 200 || !strings.Contains(r.Body, "/visits/new?household="+itoa(hh)) ||
		strings.Contains(r.Body, "102室") {
		t.Fatalf("household search: %d %s", r.StatusCode, r.Body)
	}
	if r := grid.Form("/visits", form("household_id", itoa(hh), "kind", "chat", "visited_on", "2026-11-27")); r.StatusCode != 422 ||
		!strings.Contains(r.Body, `id="visit-form"`) || strings.Count(r.Body, "<li>") < 2 {
		t.Errorf("bad visit form: %d %s", r.StatusCode, r.Body)
	}
	r := grid.Form("/visits", form("household_id", itoa(hh), "kind", "care", "met_with", "户主王某", "note", "身体不好，需要送餐上门"))
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("visit: %d %s", r.StatusCode, r.Body)
	}
	loc := r.Header.Get("Location")

	var noteEnc, metEnc string
	if err := e.App.DB.QueryRowContext(e.System(), `SELECT note_enc, met_enc FROM visits_visits`).Scan(&noteEnc, &metEnc); err != nil {
		t.Fatal(err)
	}
	if noteEnc == "" || metEnc == "" || strings.Contains(noteEnc, "送餐") || strings.Contains(metEnc, "王某") {
		t.Errorf("the note is not sealed at rest: %q %q", noteEnc, metEnc)
	}
	if l := sec.Get("/api/v1/visits"); strings.Contains(l.Body, "送餐") || strings.Contains(l.Body, "王某") || !strings.Contains(l.Body, `"has_note":true`) {
		t.Errorf("the list shows the note: %s", l.Body)
	}
	reads := auditCount(t, e, "visits.visit.read")
	if p := sec.Get(loc); !strings.Contains(p.Body, "身体不好，需要送餐上门") || !strings.Contains(p.Body, "户主王某") || !strings.Contains(p.Body, "关爱探访") {
		t.Errorf("the secretary's visit page: %s", p.Body)
	}
	if got := auditCount(t, e, "visits.visit.read"); got != reads+1 {
		t.Errorf("%d reads of the note audited, want 1", got-reads)
	}
	if p := sub.Get(loc); p.StatusCode != 200 || strings.Contains(p.Body, "送餐") || !strings.Contains(p.Body, "仅社区和网格工作人员可查看") {
		t.Errorf("the subdistrict's visit page: %d %s", p.StatusCode, p.Body)
	}
	if got := auditCount(t, e, "visits.visit.read"); got != reads+1 {
		t.Error("a read without the note was audited as a read of it")
	}
	if r := grid.Get("/visits"); !strings.Contains(r.Body, `id="due-total">1<`) || !strings.Contains(r.Body, `id="month-total">1<`) {
		t.Errorf("overview after the visit: %s", r.Body)
	}

	// A subdistrict sees its communities' figures and picks one for the
	// due list.
	if r := sub.Get("/visits"); r.StatusCode != 200 || !strings.Contains(r.Body, `id="figures"`) || !strings.Contains(r.Body, "/visits?region="+apptest.CommunityA) ||
		strings.Contains(r.Body, `id="due-total"`) {
		t.Errorf("subdistrict overview: %d %s", r.StatusCode, r.Body)
	}
	if r := sub.Get("/visits?due=1"); r.StatusCode != 200 || !strings.Contains(r.Body, `id="due-area"`) {
		t.Errorf("subdistrict due page: %d %s", r.StatusCode, r.Body)
	}
	if r := sub.Get("/visits?region=" + apptest.CommunityA); !strings.Contains(r.Body, `id="due-total">1<`) {
		t.Errorf("subdistrict, community A: %s", r.Body)
	}

	t.Run("Settings", func(t *testing.T) {
		if r := sec.Get("/visits/settings"); r.StatusCode != 200 || !strings.Contains(r.Body, `name="days.elderly_alone"`) || !strings.Contains(r.Body, "默认：每 30 天") {
			t.Fatalf("settings page: %d %s", r.StatusCode, r.Body)
		}
		if r := sec.Form("/visits/settings", form("region_code", apptest.CommunityA, "days.elderly_alone", "abc")); r.StatusCode != 422 || !strings.Contains(r.Body, "独居老人走访周期") {
			t.Errorf("bad setting: %d %s", r.StatusCode, r.Body)
		}
		if r := sec.Form("/visits/settings", form("region_code", apptest.CommunityA, "days.left_behind_child", "14")); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("save settings: %d %s", r.StatusCode, r.Body)
		}
		if r := sec.Get("/visits/settings"); !strings.Contains(r.Body, "本级设置：每 14 天") {
			t.Errorf("saved setting not shown: %s", r.Body)
		}
		if r := sub.Get("/visits/settings?region=" + apptest.CommunityA); r.StatusCode != 200 || !strings.Contains(r.Body, "沿用") && !strings.Contains(r.Body, "本级设置：每 14 天") {
			t.Errorf("subdistrict reads community A's settings: %d", r.StatusCode)
		}
		if r := sub.Get("/visits/settings"); r.StatusCode != 200 || !strings.Contains(r.Body, `id="settings-region"`) {
			t.Errorf("subdistrict settings with a community chooser: %d %s", r.StatusCode, r.Body)
		}
		if r := sub.Get("/visits/settings?region=" + apptest.CommunityB); r.StatusCode != http.StatusNotFound {
			t.Errorf("another district's settings: %d", r.StatusCode)
		}
		if r := grid.Get("/visits/settings"); r.StatusCode != http.StatusForbidden {
			t.Errorf("a grid worker's settings page: %d", r.StatusCode)
		}
	})
}
