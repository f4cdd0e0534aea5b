package cases_test

import (
	"strings"
	"testing"

	"grassroots/internal/apptest"
	"grassroots/internal/cases"
	"grassroots/internal/platform/authz"
)

// TestWhistleFeedbackOwnDepartment: on a case's timeline, page and API
// alike, a department reads its own whistle feedback and not another
// department's; the community and the levels above read both.
func TestWhistleFeedbackOwnDepartment(t *testing.T) {
	e := apptest.New(t)
	police := MustDepartment(t, e, "甲区公安分局", apptest.DistrictA)
	MustUser(t, e, "police", authz.RoleDepartmentStaff, apptest.DistrictA, police.ID)
	c, w := whistledCase(t, e, e.Dept.ID, police.ID)
	dept, other := e.Login("dept"), e.Login("police")
	const mine, theirs = "城管已清理楼顶堆物", "公安已约谈业主"
	partyStep(t, dept, w.ID, "report", "")
	partyStep(t, dept, w.ID, "feedback", mine)
	partyStep(t, other, w.ID, "report", "")
	partyStep(t, other, w.ID, "feedback", theirs)
	page := "/cases/" + itoa(c.ID)
	for _, x := range []struct {
		who       string
		sees, not []string
	}{
		{"dept", []string{mine}, []string{theirs}},
		{"police", []string{theirs}, []string{mine}},
		{"secretary", []string{mine, theirs}, nil},
		{"subdistrict", []string{mine, theirs}, nil},
	} {
		cl := e.Login(x.who)
		body := cl.Get(page).Body
		var d cases.CaseDetail
		cl.Get("/api/v1/cases/"+itoa(c.ID)).JSON(t, &d)
		var notes []string
		for _, ev := range d.Events {
			notes = append(notes, ev.Note)
		}
		if strings.Contains(apptest.VisibleText(body), "department_id") {
			t.Errorf("%s: the timeline shows the department's id", x.who)
		}
		api := strings.Join(notes, "\n")
		for _, s := range x.sees {
			if !strings.Contains(body, s) || !strings.Contains(api, s) {
				t.Errorf("%s does not read the feedback %q", x.who, s)
			}
		}
		for _, s := range x.not {
			if strings.Contains(body, s) || strings.Contains(api, s) {
				t.Errorf("%s reads another department's feedback %q", x.who, s)
			}
		}
	}
}
