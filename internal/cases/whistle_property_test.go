package cases_test

import (
	"net/http"
	"strings"
	"testing"

	"grassroots/internal/apptest"
	"grassroots/internal/cases"
	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/web"
)

// answeredWhistle has the department fed back on whistle w and the
// secretary rate it, with the texts given.
func answeredWhistle(t *testing.T, e *apptest.Env, dept *apptest.Client, w cases.Whistle, deptID int64, feedback, ratingNote string) {
	t.Helper()
	partyStep(t, dept, w.ID, "report", "")
	partyStep(t, dept, w.ID, "feedback", feedback)
	if r := e.Login("secretary").API("POST", "/api/v1/whistles/"+itoa(w.ID)+"/ratings", cases.PartyRating{DeptID: deptID, Rating: 2, Note: ratingNote}); r.StatusCode != http.StatusOK {
		t.Fatalf("rate: %d %s", r.StatusCode, r.Body)
	}
}

// TestPropertyCompanyWhistles: a property company reads the whistles
// and notices of the cases handed to it only, never those of the
// community's other cases, and on its own cases never what a department
// fed back or how the community rated it — on the whistle record, the
// case and the notices, page and API alike.
func TestPropertyCompanyWhistles(t *testing.T) {
	e := apptest.New(t)
	sec, dept := e.Login("secretary"), e.Login("dept")
	// The community's own case, whistled on and answered.
	other, ow := whistledCase(t, e, e.Dept.ID)
	answeredWhistle(t, e, dept, ow, e.Dept.ID, "社区案城管反馈内容", "社区案评价备注")
	// A case handed to the property company, whistled on and answered.
	p := e.Points[apptest.GridA1]
	in := MustReport(t, sec, map[string]any{"category": "0601", "description": "小区电梯间堆放杂物", "lon": p[0], "lat": p[1]})
	mine := MustMove(t, sec, in.Case.ID, cases.Move{Action: "register", Version: in.Case.Version}, 200)
	mine = MustMove(t, sec, mine.ID, cases.Move{Action: "dispatch", Version: mine.Version, UnitKind: "property", UnitName: apptest.PropertyCompany}, 200)
	r := sec.API("POST", "/api/v1/cases/"+itoa(mine.ID)+"/whistles", cases.WhistleInput{Ground: "joint_enforcement", DeptIDs: []int64{e.Dept.ID}, Note: "物业案联合执法"})
	if r.StatusCode != http.StatusCreated {
		t.Fatalf("whistle: %d %s", r.StatusCode, r.Body)
	}
	var mw cases.Whistle
	r.JSON(t, &mw)
	answeredWhistle(t, e, dept, mw, e.Dept.ID, "物业案城管反馈内容", "物业案评价备注")
	// The community reads both, feedback and ratings included: the
	// fixture shows what the company must not.
	if body := sec.Get("/api/v1/whistles").Body; !strings.Contains(body, "社区案城管反馈内容") || !strings.Contains(body, "物业案评价备注") {
		t.Fatalf("the secretary's whistle record lacks the answers: %s", body)
	}

	prop := e.Login("property")
	secret := []string{"社区案城管反馈内容", "社区案评价备注", "物业案城管反馈内容", "物业案评价备注"}
	leaks := func(where, body string) {
		t.Helper()
		for _, s := range secret {
			if strings.Contains(body, s) {
				t.Errorf("%s shows the property company %q", where, s)
			}
		}
	}
	var list web.List[cases.Whistle]
	r = prop.Get("/api/v1/whistles")
	r.JSON(t, &list)
	if len(list.Items) != 1 || list.Items[0].ID != mw.ID {
		t.Errorf("the property company's whistle record lists %+v, want only the whistle on its own case", list.Items)
	}
	for _, w := range list.Items {
		for _, pt := range w.Parties {
			if pt.Rating != 0 || pt.RatedAt != nil || pt.Feedback != "" || pt.RatingNote != "" {
				t.Errorf("the property company reads a department's answer: %+v", pt)
			}
			if pt.ReportedAt == nil || pt.FeedbackAt == nil {
				t.Errorf("the property company does not read when the department reported and fed back: %+v", pt)
			}
		}
	}
	leaks("GET /api/v1/whistles", r.Body)
	page := prop.Get("/whistles")
	if page.StatusCode != http.StatusOK || !strings.Contains(page.Body, mine.Number) || strings.Contains(page.Body, other.Number) {
		t.Errorf("the property company's whistle page: %d, lists its case %v, the community's %v", page.StatusCode,
			strings.Contains(page.Body, mine.Number), strings.Contains(page.Body, other.Number))
	}
	leaks("/whistles", page.Body)
	r = prop.Get("/api/v1/cases/" + itoa(mine.ID))
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "物业案联合执法") {
		t.Errorf("the property company's own case: %d %s", r.StatusCode, r.Body)
	}
	leaks("GET /api/v1/cases/{id}", r.Body)
	page = prop.Get("/cases/" + itoa(mine.ID))
	if page.StatusCode != http.StatusOK {
		t.Errorf("the property company's case page: %d", page.StatusCode)
	}
	leaks("the case page", page.Body)

	// Notices: those of its own case only.
	var ns []cases.Notice
	prop.Get("/api/v1/case-notices").JSON(t, &ns)
	if len(ns) == 0 {
		t.Errorf("the property company has no notice of its own case")
	}
	for _, n := range ns {
		if n.CaseID != mine.ID {
			t.Errorf("the property company reads a notice of case %s", n.CaseNumber)
		}
	}
	if page := prop.Get("/cases/notices"); page.StatusCode != http.StatusOK || strings.Contains(page.Body, other.Number) {
		t.Errorf("the property company's notices page lists the community's case: %d", page.StatusCode)
	}
}

// TestWhistleWritesAnswerOwnCall: a department's step on a whistle is
// answered as its whistle record reads, with its own call only, not the
// other department's feedback and rating.
func TestWhistleWritesAnswerOwnCall(t *testing.T) {
	e := apptest.New(t)
	police := MustDepartment(t, e, "甲区公安分局", apptest.DistrictA)
	MustUser(t, e, "police", authz.RoleDepartmentStaff, apptest.DistrictA, police.ID)
	_, w := whistledCase(t, e, e.Dept.ID, police.ID)
	answeredWhistle(t, e, e.Login("police"), w, police.ID, "公安已约谈业主", "公安评价备注")
	dept := e.Login("dept")
	for _, step := range []cases.PartyInput{{Action: "report"}, {Action: "arrive"}, {Action: "feedback", Note: "城管已清理"}} {
		r := dept.API("POST", "/api/v1/whistles/"+itoa(w.ID)+"/steps", step)
		if r.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %s", step.Action, r.StatusCode, r.Body)
		}
		var got cases.Whistle
		r.JSON(t, &got)
		if len(got.Parties) != 1 || got.Parties[0].DeptID != e.Dept.ID {
			t.Errorf("%s answers the calls %+v, want the department's own only", step.Action, got.Parties)
		}
		if strings.Contains(r.Body, "公安已约谈业主") || strings.Contains(r.Body, "公安评价备注") {
			t.Errorf("%s answers the other department's feedback: %s", step.Action, r.Body)
		}
	}
	// The community's writes answer every call.
	r := e.Login("secretary").API("POST", "/api/v1/whistles/"+itoa(w.ID)+"/ratings", cases.PartyRating{DeptID: e.Dept.ID, Rating: 5})
	var got cases.Whistle
	r.JSON(t, &got)
	if r.StatusCode != http.StatusOK || len(got.Parties) != 2 {
		t.Errorf("the secretary's rating answers %d %+v, want both calls", r.StatusCode, got.Parties)
	}
}
