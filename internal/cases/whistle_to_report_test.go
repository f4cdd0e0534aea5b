package cases_test

import (
	"strings"
	"testing"

	"grassroots/internal/apptest"
	"grassroots/internal/cases"
	"grassroots/internal/platform/authz"
)

// TestWhistlesToReport: the whistle record's 待报到 list holds the open
// whistles with a call not yet reported — a department's own calls for
// its staff — under its own label, with its total.
func TestWhistlesToReport(t *testing.T) {
	e := apptest.New(t)
	housing := MustDepartment(t, e, "甲区住房和城乡建设局", apptest.DistrictA)
	MustUser(t, e, "housing-staff", authz.RoleDepartmentStaff, apptest.DistrictA, housing.ID)
	sec := e.Login("secretary")
	p := e.Points[apptest.GridA1]
	in := MustReport(t, e.Login("grid"), map[string]any{"category": "0303", "description": "路灯杆倾斜", "lon": p[0], "lat": p[1]})
	cs := MustMove(t, sec, in.Case.ID, cases.Move{Action: "register", Version: in.Case.Version}, 200)
	cs = MustMove(t, sec, cs.ID, cases.Move{Action: "dispatch", Version: cs.Version, UnitKind: "community"}, 200)
	r := sec.API("POST", "/api/v1/cases/"+itoa(cs.ID)+"/whistles", cases.WhistleInput{Ground: "pressing_problem", DeptIDs: []int64{e.Dept.ID, housing.ID}, Note: "需协同"})
	if r.StatusCode != 201 {
		t.Fatalf("whistle: %d %s", r.StatusCode, r.Body)
	}
	var w cases.Whistle
	r.JSON(t, &w)
	if r := e.Login("dept").API("POST", "/api/v1/whistles/"+itoa(w.ID)+"/steps", cases.PartyInput{Action: "report"}); r.StatusCode != 200 {
		t.Fatalf("report: %d %s", r.StatusCode, r.Body)
	}
	for _, tt := range []struct {
		user           string
		toReport, open int64
	}{
		{"dept", 0, 1},          // reported: waiting for its feedback, nothing to report
		{"housing-staff", 1, 1}, // not yet reported
		{"subdistrict", 1, 1},   // one call of the whistle still to report
	} {
		c := e.Login(tt.user)
		for q, want := range map[string]int64{"to_report=1": tt.toReport, "open=1": tt.open} {
			var l struct {
				Items []cases.Whistle
				Total *int64
			}
			c.Get("/api/v1/whistles?"+q).JSON(t, &l)
			if l.Total == nil || *l.Total != want || int64(len(l.Items)) != want {
				t.Errorf("%s: /whistles?%s holds %d, total %v; want %d", tt.user, q, len(l.Items), l.Total, want)
			}
		}
		page := c.Get("/whistles?to_report=1")
		if !strings.Contains(page.Body, `<a href="/whistles?to_report=1" aria-current="page">待报到</a>`) ||
			!strings.Contains(page.Body, `data-total="`+itoa(tt.toReport)+`">共 `+itoa(tt.toReport)+` 次吹哨`) {
			t.Errorf("%s: the 待报到 page lacks its label or its total of %d", tt.user, tt.toReport)
		}
	}
}
