package coverage_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"grassroots/internal/apptest"
	"grassroots/internal/coverage"
	"grassroots/internal/party"
	"grassroots/internal/workforce"
)

// TestCoverageAndStaffing: subdistrict A's coverage counts its community's
// committee, the grids with a branch and the buildings with a group; the
// grid worker's households; the staffing floor of 18 workers per 10,000
// residents, whose shortfall adding workers closes; and the pages and the
// map that show them.
func TestCoverageAndStaffing(t *testing.T) {
	e := apptest.New(t)
	com := mustOrg(t, e, party.OrgInput{Name: "甲一社区大党委", Kind: party.Committee, RegionCode: apptest.CommunityA})
	for _, g := range []string{apptest.GridA1, apptest.GridA2} {
		mustOrg(t, e, party.OrgInput{ParentID: com.ID, Name: g + "党支部", Kind: party.Branch, RegionCode: g})
	}
	// A group in grid A1's building only: one building of two.
	grp := mustOrg(t, e, party.OrgInput{ParentID: com.ID, Name: "1栋党小组", Kind: party.Group, RegionCode: apptest.GridA1, BuildingID: e.Buildings[apptest.GridA1]})
	mustMembers(t, e, grp, 3)
	mustHouseholds(t, e, apptest.GridA1, 3, 0)
	mustHouseholds(t, e, apptest.GridA2, 2, 100)

	c := e.Login("subdistrict")
	var rep coverage.Report
	c.Get("/api/v1/coverage/"+apptest.SubA).JSON(t, &rep)
	tot := rep.Total
	if tot.Communities != 1 || tot.CommunitiesWithOrg != 1 || tot.CommunityOrgRate != 100 {
		t.Errorf("community coverage %d/%d = %v%%", tot.CommunitiesWithOrg, tot.Communities, tot.CommunityOrgRate)
	}
	if tot.Grids != 2 || tot.GridsWithBranch != 2 || tot.GridBranchRate != 100 {
		t.Errorf("grid branches %d/%d = %v%%", tot.GridsWithBranch, tot.Grids, tot.GridBranchRate)
	}
	if tot.Buildings != 2 || tot.BuildingsWithGroup != 1 || tot.BuildingGroupRate != 50 {
		t.Errorf("building groups %d/%d = %v%%", tot.BuildingsWithGroup, tot.Buildings, tot.BuildingGroupRate)
	}
	if tot.Residents != 10 || tot.Members != 3 || tot.Households != 5 || len(rep.Children) != 1 {
		t.Errorf("totals %+v, %d children", tot, len(rep.Children))
	}
	// Grid workers: the fixture's grid worker is the only one, in community A.
	for _, ch := range rep.Children {
		if ch.Code == apptest.CommunityA && (ch.GridWorkers != 1 || ch.HouseholdsPerGW != float64(ch.Households)) {
			t.Errorf("community A: %d grid workers, %v households each", ch.GridWorkers, ch.HouseholdsPerGW)
		}
	}
	// Staffing: 18 per 10,000.
	var st workforce.StaffingReport
	c.Get("/api/v1/workforce/staffing/"+apptest.SubA).JSON(t, &st)
	var short workforce.Staffing
	for _, ch := range st.Children {
		want := (ch.Residents*18 + 9999) / 10000
		if ch.Required != want || ch.Shortfall != max(0, want-ch.Workers) {
			t.Errorf("%s: required %d (want %d), shortfall %d with %d workers", ch.Name, ch.Required, want, ch.Shortfall, ch.Workers)
		}
		if ch.Shortfall > 0 {
			short = ch
		}
	}
	// Adding workers closes a shortfall.
	if short.Code != apptest.CommunityA || short.Shortfall != 1 || short.MeetsFloor {
		t.Fatalf("community A without workers: %+v", short)
	}
	for i := 0; i < short.Shortfall; i++ {
		r := c.API("POST", "/api/v1/workforce/workers", map[string]any{"region_code": short.Code, "name": "新社工", "post": "social_worker", "certificate": "assistant", "education": "bachelor"})
		if r.StatusCode != 201 {
			t.Fatalf("add worker: %d %s", r.StatusCode, r.Body)
		}
	}
	var again workforce.StaffingReport
	c.Get("/api/v1/workforce/staffing/"+short.Code).JSON(t, &again)
	if again.Total.Shortfall != 0 || !again.Total.MeetsFloor || again.Total.Workers != 1 {
		t.Errorf("after filling the gap: %+v", again.Total)
	}
	page := c.Get("/coverage/" + apptest.SubA + "?measure=workers_per_10k")
	if page.StatusCode != 200 || !strings.Contains(page.Body, "每万人社区工作者") || !strings.Contains(page.Body, "99.9%") {
		t.Errorf("coverage page: %d", page.StatusCode)
	}
	var fc coverage.FeatureCollection
	c.Get("/api/v1/coverage/"+apptest.CommunityA+"/map").JSON(t, &fc)
	if len(fc.Features) != 2 {
		t.Errorf("coverage map of community A has %d grid outlines, want 2", len(fc.Features))
	}
	if r := c.Get("/coverage"); r.StatusCode != http.StatusSeeOther {
		t.Errorf("/coverage: %d", r.StatusCode)
	}
	if r := c.Get("/api/v1/coverage/" + apptest.SubB); r.StatusCode != 404 {
		t.Errorf("coverage of another district's subdistrict: %d", r.StatusCode)
	}
	wf := c.Get("/workforce?region=" + apptest.SubA)
	if wf.StatusCode != 200 || !strings.Contains(wf.Body, "后备人才库") {
		t.Errorf("workforce page: %d", wf.StatusCode)
	}
	if r := c.Form("/workforce/reserve", url.Values{"region_code": {apptest.CommunityA}, "name": {"候选人"}, "current_post": {"副书记"}, "score": {"88"}, "status": {"filed"}}); r.StatusCode != 422 || !strings.Contains(r.Body, "报备日期") {
		t.Errorf("filed candidate without a date: %d", r.StatusCode)
	}
	if r := c.Form("/workforce/reserve", url.Values{"region_code": {apptest.CommunityA}, "name": {"候选人"}, "current_post": {"副书记"}, "score": {"88"}, "status": {"filed"}, "filed_on": {"2026-11-01"}}); r.StatusCode != http.StatusSeeOther {
		t.Errorf("candidate: %d %s", r.StatusCode, r.Body)
	}
	if r := c.Form("/workforce/workers", url.Values{"region_code": {apptest.CommunityA}, "name": {""}, "post": {"x"}}); r.StatusCode != 422 {
		t.Errorf("bad worker: %d", r.StatusCode)
	}
}
