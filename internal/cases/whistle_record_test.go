package cases_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"grassroots/internal/apptest"
	"grassroots/internal/cases"
	"grassroots/internal/platform/authz"
)

// whistledCase files a case in grid A1, registers it and whistles to the
// departments, as community A's secretary.
func whistledCase(t *testing.T, e *apptest.Env, deptIDs ...int64) (cases.Case, cases.Whistle) {
	t.Helper()
	p := e.Points[apptest.GridA1]
	in := MustReport(t, e.Login("resident"), map[string]any{"category": "0601", "description": "楼顶违建", "lon": p[0], "lat": p[1]})
	sec := e.Login("secretary")
	c := MustMove(t, sec, in.Case.ID, cases.Move{Action: "accept", Version: in.Case.Version}, 200)
	c = MustMove(t, sec, in.Case.ID, cases.Move{Action: "register", Version: c.Version}, 200)
	r := sec.API("POST", "/api/v1/cases/"+itoa(c.ID)+"/whistles", cases.WhistleInput{Ground: "joint_enforcement", DeptIDs: deptIDs, Note: "联合执法"})
	if r.StatusCode != http.StatusCreated {
		t.Fatalf("whistle: %d %s", r.StatusCode, r.Body)
	}
	var w cases.Whistle
	r.JSON(t, &w)
	return c, w
}

// partyStep records a department's step and fails the test unless it is
// taken.
func partyStep(t *testing.T, c *apptest.Client, whistleID int64, action, note string) {
	t.Helper()
	if r := c.API("POST", "/api/v1/whistles/"+itoa(whistleID)+"/steps", cases.PartyInput{Action: action, Note: note}); r.StatusCode != http.StatusOK {
		t.Fatalf("whistle %s: %d %s", action, r.StatusCode, r.Body)
	}
}

// TestWhistleAnsweredNotWithdrawn: once a department has reported, the
// whole whistle can no longer be withdrawn (the department's record would
// leave the whistle ranking with it), nor once it is closed; the refusal
// says why and changes nothing. A withdrawn whistle's departments cannot
// be rated.
func TestWhistleAnsweredNotWithdrawn(t *testing.T) {
	e := apptest.New(t)
	sec, dept := e.Login("secretary"), e.Login("dept")
	c, w := whistledCase(t, e, e.Dept.ID)
	partyStep(t, dept, w.ID, "report", "")
	withdraw := func(want int, message string) {
		t.Helper()
		before := auditCount(t, e)
		r := sec.API("POST", "/api/v1/whistles/"+itoa(w.ID)+"/changes", cases.WhistleChange{Action: "withdraw", Reason: "社区已协调解决"})
		if r.StatusCode != want || !strings.Contains(r.Body, message) {
			t.Fatalf("withdraw the whole whistle: %d %s, want %d with %q", r.StatusCode, r.Body, want, message)
		}
		if n := auditCount(t, e); n != before {
			t.Errorf("the refused withdrawal wrote %d audit entries", n-before)
		}
	}
	withdraw(http.StatusConflict, "already reported on this whistle")
	if r := sec.Form("/whistles/"+itoa(w.ID)+"/change", url.Values{"action": {"withdraw"}, "dept_id": {"0"}, "reason": {"社区已协调解决"}}); r.StatusCode != http.StatusConflict ||
		!strings.Contains(r.Body, "已有部门报到，不能撤回整个吹哨") {
		t.Errorf("withdraw the whole whistle on the page: %d %s", r.StatusCode, r.Body)
	}
	// The page no longer offers the whole whistle; the open call can still
	// be withdrawn alone.
	if page := sec.Get("/cases/" + itoa(c.ID)); !strings.Contains(page.Body, `id="whistle-change-`+itoa(w.ID)+`"`) || strings.Contains(page.Body, `<option value="0">整个吹哨`) {
		t.Errorf("the change form after a department reported: %s", page.Body)
	}
	partyStep(t, dept, w.ID, "feedback", "已到场处理")
	withdraw(http.StatusConflict, "whistle is closed")
	if page := sec.Get("/cases/" + itoa(c.ID)); strings.Contains(page.Body, `id="whistle-change-`+itoa(w.ID)+`"`) {
		t.Errorf("a closed whistle offers its change form")
	}
	if r := sec.API("POST", "/api/v1/whistles/"+itoa(w.ID)+"/ratings", cases.PartyRating{DeptID: e.Dept.ID, Rating: 4}); r.StatusCode != http.StatusOK {
		t.Fatalf("rate the department: %d %s", r.StatusCode, r.Body)
	}
	var rk cases.Ranking
	dept.Get("/api/v1/case-rankings?month=2026-11&level=whistle").JSON(t, &rk)
	if len(rk.Scores) != 1 || rk.Scores[0].Name != e.Dept.Name {
		t.Errorf("the department's whistle record: %+v", rk.Scores)
	}

	// A whistle withdrawn (before this rule) after a department fed back:
	// its department is not rated.
	_, w2 := whistledCase(t, e, e.Dept.ID)
	partyStep(t, dept, w2.ID, "report", "")
	partyStep(t, dept, w2.ID, "feedback", "已到场处理")
	if _, err := e.App.DB.ExecContext(e.System(), `UPDATE case_whistles SET withdrawn_at = closed_at, withdraw_reason = 'x' WHERE id = ?`, w2.ID); err != nil {
		t.Fatal(err)
	}
	if r := sec.API("POST", "/api/v1/whistles/"+itoa(w2.ID)+"/ratings", cases.PartyRating{DeptID: e.Dept.ID, Rating: 1}); r.StatusCode != http.StatusConflict {
		t.Errorf("rate a department of a withdrawn whistle: %d %s, want 409", r.StatusCode, r.Body)
	}
}

// TestWhistleDepartmentSeesOwnCall: on the case's page and in its API
// answer, staff of a called department see their own department's call
// only (not another department's rating or its note); the community sees
// every call.
func TestWhistleDepartmentSeesOwnCall(t *testing.T) {
	e := apptest.New(t)
	other := MustDepartment(t, e, "甲区住房和城乡建设局", apptest.DistrictA)
	MustUser(t, e, "housing", authz.RoleDepartmentStaff, apptest.DistrictA, other.ID)
	sec, dept, housing := e.Login("secretary"), e.Login("dept"), e.Login("housing")
	c, w := whistledCase(t, e, e.Dept.ID, other.ID)
	for _, d := range []*apptest.Client{dept, housing} {
		partyStep(t, d, w.ID, "report", "")
		partyStep(t, d, w.ID, "feedback", "已到场处理")
	}
	for _, r := range []cases.PartyRating{{DeptID: e.Dept.ID, Rating: 5, Note: "城管到场及时"}, {DeptID: other.ID, Rating: 2, Note: "住建推诿拖延"}} {
		if resp := sec.API("POST", "/api/v1/whistles/"+itoa(w.ID)+"/ratings", r); resp.StatusCode != http.StatusOK {
			t.Fatalf("rate %d: %d %s", r.DeptID, resp.StatusCode, resp.Body)
		}
	}
	parties := func(cl *apptest.Client) []int64 {
		t.Helper()
		var d cases.CaseDetail
		cl.Get("/api/v1/cases/"+itoa(c.ID)).JSON(t, &d)
		if len(d.Whistles) != 1 {
			t.Fatalf("whistles on the case: %+v", d.Whistles)
		}
		var ids []int64
		for _, p := range d.Whistles[0].Parties {
			ids = append(ids, p.DeptID)
		}
		return ids
	}
	if got := parties(sec); len(got) != 2 {
		t.Errorf("the community sees calls %v, want both", got)
	}
	if got := parties(dept); len(got) != 1 || got[0] != e.Dept.ID {
		t.Errorf("the bureau sees calls %v, want its own only", got)
	}
	if got := parties(housing); len(got) != 1 || got[0] != other.ID {
		t.Errorf("the housing bureau sees calls %v, want its own only", got)
	}
	if page := dept.Get("/cases/" + itoa(c.ID)); !strings.Contains(page.Body, "城管到场及时") || strings.Contains(page.Body, "住建推诿拖延") {
		t.Errorf("the bureau's case page shows another department's rating: %s", page.Body)
	}
	if r := dept.Get("/api/v1/cases/" + itoa(c.ID)); strings.Contains(r.Body, "住建推诿拖延") {
		t.Errorf("the bureau's API answer shows another department's rating")
	}
	if page := sec.Get("/cases/" + itoa(c.ID)); !strings.Contains(page.Body, "住建推诿拖延") || !strings.Contains(page.Body, "城管到场及时") {
		t.Errorf("the community's case page misses a rating")
	}
}
