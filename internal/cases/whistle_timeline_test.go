package cases_test

import (
	"net/http"
	"strings"
	"testing"

	"grassroots/internal/apptest"
	"grassroots/internal/cases"
	"grassroots/internal/platform/authz"
)

// TestWhistleTimelineOwnCall: on a case's timeline, page and API alike,
// a department reads the entries of its own call only: its report (报到),
// arrival and feedback with their notes, and the community's reason for
// replacing or withdrawing its call; not those of another department's
// call. An entry recorded without the department's id is told by its
// name. A whole whistle withdrawn is the whistle's entry, read with the
// whistle by every department reading the case. The community and the
// levels above read every entry.
func TestWhistleTimelineOwnCall(t *testing.T) {
	e := apptest.New(t)
	police := MustDepartment(t, e, "甲区公安分局", apptest.DistrictA)
	housing := MustDepartment(t, e, "甲区住房和城乡建设局", apptest.DistrictA)
	water := MustDepartment(t, e, "甲区水务局", apptest.DistrictA)
	MustUser(t, e, "police", authz.RoleDepartmentStaff, apptest.DistrictA, police.ID)
	MustUser(t, e, "housing", authz.RoleDepartmentStaff, apptest.DistrictA, housing.ID)
	MustUser(t, e, "water", authz.RoleDepartmentStaff, apptest.DistrictA, water.ID)
	c, w := whistledCase(t, e, e.Dept.ID, police.ID, housing.ID)
	sec, dept, pol := e.Login("secretary"), e.Login("dept"), e.Login("police")
	const (
		deptReport, deptArrive, deptFeedback = "城管报到：两人出发", "城管到场：已拍照取证", "城管已清理楼顶堆物"
		polReport, polArrive, polFeedback    = "公安报到：派出所民警", "公安到场：业主不在家", "公安已约谈业主"
		polLegacy                            = "公安到场：旧记录无编号"
		replaced                             = "住建不对口，改派水务"
		callWithdrawn                        = "水务无需到场，已撤回"
		withdrawn                            = "社区已协调，无需再到场"
	)
	partyStep(t, dept, w.ID, "report", deptReport)
	partyStep(t, dept, w.ID, "arrive", deptArrive)
	partyStep(t, dept, w.ID, "feedback", deptFeedback)
	partyStep(t, pol, w.ID, "report", polReport)
	partyStep(t, pol, w.ID, "arrive", polArrive)
	partyStep(t, pol, w.ID, "feedback", polFeedback)
	// An arrival recorded before entries carried the department's id.
	if _, err := e.App.DB.ExecContext(e.System(), `UPDATE case_events SET note = ?, detail = ? WHERE case_id = ? AND action = 'whistle_arrive' AND note = ?`,
		polLegacy, `{"department":"甲区公安分局"}`, c.ID, polArrive); err != nil {
		t.Fatal(err)
	}
	if r := sec.API("POST", "/api/v1/whistles/"+itoa(w.ID)+"/changes", cases.WhistleChange{Action: "replace", DeptID: housing.ID,
		NewDeptID: water.ID, Reason: replaced}); r.StatusCode != http.StatusOK {
		t.Fatalf("replace: %d %s", r.StatusCode, r.Body)
	}
	if r := sec.API("POST", "/api/v1/whistles/"+itoa(w.ID)+"/changes", cases.WhistleChange{Action: "withdraw", DeptID: water.ID,
		Reason: callWithdrawn}); r.StatusCode != http.StatusOK {
		t.Fatalf("withdraw a call: %d %s", r.StatusCode, r.Body)
	}
	// A second whistle calls the police alone and is withdrawn whole.
	r := sec.API("POST", "/api/v1/cases/"+itoa(c.ID)+"/whistles", cases.WhistleInput{Ground: "joint_enforcement", DeptIDs: []int64{police.ID}, Note: "再次联合执法"})
	if r.StatusCode != http.StatusCreated {
		t.Fatalf("second whistle: %d %s", r.StatusCode, r.Body)
	}
	var w2 cases.Whistle
	r.JSON(t, &w2)
	if r := sec.API("POST", "/api/v1/whistles/"+itoa(w2.ID)+"/changes", cases.WhistleChange{Action: "withdraw", Reason: withdrawn}); r.StatusCode != http.StatusOK {
		t.Fatalf("withdraw: %d %s", r.StatusCode, r.Body)
	}
	all := []string{deptReport, deptArrive, deptFeedback, polReport, polFeedback, polLegacy, replaced, callWithdrawn, withdrawn}
	for _, x := range []struct {
		who       string
		sees, not []string
	}{
		{"dept", []string{deptReport, deptArrive, deptFeedback, withdrawn}, []string{polReport, polLegacy, polFeedback, replaced, callWithdrawn}},
		{"police", []string{polReport, polLegacy, polFeedback, withdrawn}, []string{deptReport, deptArrive, deptFeedback, replaced, callWithdrawn}},
		{"housing", []string{replaced, withdrawn}, []string{deptReport, deptArrive, deptFeedback, polReport, polLegacy, polFeedback, callWithdrawn}},
		{"water", []string{replaced, callWithdrawn, withdrawn}, []string{deptReport, deptArrive, deptFeedback, polReport, polLegacy, polFeedback}},
		{"secretary", all, nil},
		{"subdistrict", all, nil},
	} {
		cl := e.Login(x.who)
		page := cl.Get("/cases/" + itoa(c.ID))
		if page.StatusCode != http.StatusOK {
			t.Fatalf("%s: case page %d", x.who, page.StatusCode)
		}
		var d cases.CaseDetail
		cl.Get("/api/v1/cases/"+itoa(c.ID)).JSON(t, &d)
		var notes []string
		for _, ev := range d.Events {
			notes = append(notes, ev.Note)
		}
		api := strings.Join(notes, "\n")
		if strings.Contains(apptest.VisibleText(page.Body), "replaced_by_id") {
			t.Errorf("%s: the timeline shows a department's id", x.who)
		}
		for _, s := range x.sees {
			if !strings.Contains(page.Body, s) || !strings.Contains(api, s) {
				t.Errorf("%s does not read %q (page %t, API %t)", x.who, s, strings.Contains(page.Body, s), strings.Contains(api, s))
			}
		}
		for _, s := range x.not {
			if strings.Contains(page.Body, s) || strings.Contains(api, s) {
				t.Errorf("%s reads another department's entry %q (page %t, API %t)", x.who, s, strings.Contains(page.Body, s), strings.Contains(api, s))
			}
		}
	}
}
