package coverage_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"grassroots/internal/apptest"
	"grassroots/internal/coverage"
	"grassroots/internal/party"
	"grassroots/internal/territory"
	"grassroots/internal/workforce"
)

// levelReport is what one division's coverage and staffing look like, on
// the API and on the pages.
type levelReport struct {
	cov     coverage.Report
	st      workforce.StaffingReport
	covPage string
	stPage  string
}

func readLevel(t *testing.T, c *apptest.Client, code string) levelReport {
	t.Helper()
	var l levelReport
	c.Get("/api/v1/coverage/"+code).JSON(t, &l.cov)
	c.Get("/api/v1/workforce/staffing/"+code).JSON(t, &l.st)
	if r := c.Get("/coverage/" + code); r.StatusCode != 200 {
		t.Fatalf("coverage page of %s: %d", code, r.StatusCode)
	} else {
		l.covPage = r.Body
	}
	if r := c.Get("/workforce?region=" + code); r.StatusCode != 200 {
		t.Fatalf("workforce page of %s: %d", code, r.StatusCode)
	} else {
		l.stPage = r.Body
	}
	return l
}

var (
	bolds = regexp.MustCompile(`<b>(.*?)</b>`)
	cells = regexp.MustCompile(`<td[^>]* class="num">(.*?)</td>`)
)

// pageTotal returns the figures in bold of the list id on a page.
func pageTotal(page, id string) []string {
	_, rest, ok := strings.Cut(page, `id="`+id+`">`)
	if !ok {
		return nil
	}
	block, _, _ := strings.Cut(rest, "</ul>")
	var out []string
	for _, m := range bolds.FindAllStringSubmatch(block, -1) {
		out = append(out, m[1])
	}
	return out
}

// pageRow returns the figures of the table row whose link starts with href.
func pageRow(page, href string) []string {
	_, rest, ok := strings.Cut(page, `<a href="`+href)
	if !ok {
		return nil
	}
	row, _, _ := strings.Cut(rest, "</tr>")
	var out []string
	for _, m := range cells.FindAllStringSubmatch(row, -1) {
		out = append(out, m[1])
	}
	return out
}

func orDash(show bool, v any) string {
	if !show {
		return "—"
	}
	return fmt.Sprint(v)
}

// coverageTotal is how the coverage page shows r as its own total.
func coverageTotal(r coverage.Row) []string {
	return []string{fmt.Sprint(r.CommunityOrgRate) + "%", fmt.Sprint(r.GridBranchRate) + "%", fmt.Sprint(r.BuildingGroupRate) + "%",
		fmt.Sprint(r.TwoNewOrgRate) + "%", orDash(r.GridWorkers > 0, r.HouseholdsPerGW), fmt.Sprint(r.WorkersPer10k), fmt.Sprint(r.Members)}
}

// coverageRow is how the coverage page shows r as a child's row.
func coverageRow(r coverage.Row) []string {
	per10k := fmt.Sprint(r.WorkersPer10k)
	if r.Shortfall > 0 {
		per10k += fmt.Sprintf(` <span class="tag bad">-%d</span>`, r.Shortfall)
	}
	return []string{fmt.Sprint(r.CommunityOrgRate) + "%", fmt.Sprint(r.GridBranchRate) + "%", fmt.Sprint(r.BuildingGroupRate) + "%",
		orDash(r.TwoNew > 0, fmt.Sprint(r.TwoNewOrgRate)+"%"), orDash(r.GridWorkers > 0, r.HouseholdsPerGW), per10k, fmt.Sprint(r.Members), fmt.Sprint(r.Residents)}
}

func staffingTotal(s workforce.Staffing) []string {
	return []string{fmt.Sprint(s.Workers), fmt.Sprint(s.Residents), fmt.Sprint(s.Per10k), fmt.Sprint(s.Shortfall)}
}

func staffingRow(s workforce.Staffing) []string {
	short := "0"
	if !s.MeetsFloor {
		short = fmt.Sprintf(`<span class="tag bad">%d</span>`, s.Shortfall)
	}
	return []string{fmt.Sprint(s.Residents), fmt.Sprint(s.Workers), fmt.Sprint(s.Required), short, fmt.Sprint(s.Per10k), fmt.Sprint(s.Certified)}
}

// TestLevelsAgree checks, for every coverage and staffing measure, that
// each division's own figures equal its row in its parent's report, from
// the city down to both districts, their subdistricts, communities and
// grids, on the API and on the pages. Things are recorded on divisions
// themselves as well as below them: a community's committee, workers and
// grid worker belong to the community, and a Party organisation and a
// two-new organisation are put on the subdistrict and the district.
func TestLevelsAgree(t *testing.T) {
	e := apptest.New(t)
	// Community A: committee, a branch in each grid, a group in grid A1's
	// building, members, residents in both grids, workers and (from the
	// fixture) a grid worker.
	comA := mustOrg(t, e, party.OrgInput{Name: "甲一社区大党委", Kind: party.Committee, RegionCode: apptest.CommunityA})
	mustMembers(t, e, comA, 2)
	for _, g := range []string{apptest.GridA1, apptest.GridA2} {
		mustMembers(t, e, mustOrg(t, e, party.OrgInput{ParentID: comA.ID, Name: g + "党支部", Kind: party.Branch, RegionCode: g}), 1)
	}
	mustOrg(t, e, party.OrgInput{ParentID: comA.ID, Name: "甲一1栋党小组", Kind: party.Group, RegionCode: apptest.GridA1, BuildingID: e.Buildings[apptest.GridA1]})
	mustHouseholds(t, e, apptest.GridA1, 4, 0)
	mustHouseholds(t, e, apptest.GridA2, 2, 100)
	mustWorkers(t, e, apptest.CommunityA, 2)
	mustTwoNew(t, e, apptest.GridA2, "甲一网格2两新组织", false)
	// Community B, in the other district: a committee without branches,
	// residents and no worker, so that it and the levels above it fall
	// short of the staffing floor.
	comB := mustOrg(t, e, party.OrgInput{Name: "乙一社区大党委", Kind: party.Committee, RegionCode: apptest.CommunityB})
	mustMembers(t, e, comB, 1)
	mustHouseholds(t, e, apptest.GridB1, 3, 200)

	// District A's staff put things on the subdistrict, the district and a grid.
	dist := e.Login("district")
	var org party.Org
	r := dist.API("POST", "/api/v1/party/orgs", map[string]any{"name": "甲一街道党工委", "kind": "committee", "region_code": apptest.SubA})
	if r.StatusCode != 201 {
		t.Fatalf("subdistrict Party organisation: %d %s", r.StatusCode, r.Body)
	}
	r.JSON(t, &org)
	if r := dist.API("POST", "/api/v1/party/members", map[string]any{"org_id": org.ID, "name": "街道党员", "category": "direct", "status": "full",
		"model_household": true}); r.StatusCode != 201 {
		t.Fatalf("subdistrict member: %d %s", r.StatusCode, r.Body)
	}
	for _, region := range []string{apptest.SubA, apptest.DistrictA, apptest.GridA1} {
		if r := dist.API("POST", "/api/v1/units", map[string]any{"region_code": region, "kind": "two_new", "subkind": "social_organisation",
			"name": "两新组织" + region, "has_party_org": true}); r.StatusCode != 201 {
			t.Fatalf("two-new organisation on %s: %d %s", region, r.StatusCode, r.Body)
		}
	}

	c := e.Login("city")
	var checked [6]int
	seen := map[string]bool{}
	var visit func(code string, l levelReport)
	visit = func(code string, l levelReport) {
		staffing := map[string]workforce.Staffing{}
		for _, s := range l.st.Children {
			staffing[s.Code] = s
		}
		for _, row := range l.cov.Children {
			k := readLevel(t, c, row.Code)
			checked[levelIndex(row.Level)]++
			seen[row.Code] = true
			if diff := cmp.Diff(row, k.cov.Total); diff != "" {
				t.Errorf("coverage of %s %s: its row in %s (-) and its own total (+):\n%s", row.Code, row.Name, code, diff)
			}
			if diff := cmp.Diff(coverageRow(row), pageRow(l.covPage, "/coverage/"+row.Code+"?")); diff != "" {
				t.Errorf("coverage page of %s, row %s (-want +got):\n%s", code, row.Code, diff)
			}
			if diff := cmp.Diff(coverageTotal(row), pageTotal(k.covPage, "coverage-total")); diff != "" {
				t.Errorf("coverage page of %s, its total (-its row in %s, +shown):\n%s", row.Code, code, diff)
			}
			if row.Level != territory.LevelGrid {
				s, ok := staffing[row.Code]
				if !ok {
					t.Errorf("staffing of %s has no row for %s", code, row.Code)
				}
				if diff := cmp.Diff(s, k.st.Total); diff != "" {
					t.Errorf("staffing of %s: its row in %s (-) and its own total (+):\n%s", row.Code, code, diff)
				}
				if s.Residents != row.Residents || s.Workers != row.Workers || s.Shortfall != row.Shortfall {
					t.Errorf("%s: staffing %d residents, %d workers, shortfall %d; coverage %d, %d, %d", row.Code, s.Residents, s.Workers, s.Shortfall,
						row.Residents, row.Workers, row.Shortfall)
				}
				if diff := cmp.Diff(staffingRow(s), pageRow(l.stPage, "/workforce?region="+row.Code+`"`)); diff != "" {
					t.Errorf("workforce page of %s, row %s (-want +got):\n%s", code, row.Code, diff)
				}
				if diff := cmp.Diff(staffingTotal(s), pageTotal(k.stPage, "staffing-total")); diff != "" {
					t.Errorf("workforce page of %s, its total (-its row in %s, +shown):\n%s", row.Code, code, diff)
				}
			}
			// Down into every division that holds anything.
			if row.Residents+row.Members+row.Workers+row.GridWorkers+row.TwoNew+row.CommunitiesWithOrg+row.Buildings > 0 && len(k.cov.Children) > 0 {
				visit(row.Code, k)
			}
		}
	}
	city := readLevel(t, c, apptest.City)
	visit(apptest.City, city)
	// Every division of the fixture was compared with its parent's row.
	for _, code := range []string{apptest.DistrictA, apptest.DistrictB, apptest.SubA, apptest.SubB, apptest.CommunityA, apptest.CommunityB,
		apptest.GridA1, apptest.GridA2, apptest.GridB1} {
		if !seen[code] {
			t.Errorf("%s was not compared with its parent's row", code)
		}
	}
	if want := [6]int{1: 2, 2: 2, 3: 2, 4: 3}; checked != want {
		t.Errorf("divisions compared by level %v, want %v", checked, want)
	}
	// The city's total is the sum of what was recorded everywhere.
	tot := city.cov.Total
	if tot.Residents != 18 || tot.Households != 9 || tot.Workers != 2 || tot.GridWorkers != 1 || tot.Members != 2+2+1+1 ||
		tot.TwoNew != 4 || tot.CommunitiesWithOrg != 2 || tot.GridsWithBranch != 2 || tot.BuildingsWithGroup != 1 {
		t.Errorf("the city's total: %+v", tot)
	}

	for _, row := range city.cov.Children {
		if row.Code == apptest.DistrictB && (row.Workers != 0 || row.Shortfall != 1) {
			t.Errorf("district B, without workers: %d workers, shortfall %d", row.Workers, row.Shortfall)
		}
	}

	// A community's own figures, as its secretary sees them, equal its row
	// in the subdistrict's report.
	var sub, own coverage.Report
	e.Login("subdistrict").Get("/api/v1/coverage/"+apptest.SubA).JSON(t, &sub)
	e.Login("secretary").Get("/api/v1/coverage/"+apptest.CommunityA).JSON(t, &own)
	found := false
	for _, row := range sub.Children {
		if row.Code == apptest.CommunityA {
			found = true
			if diff := cmp.Diff(row, own.Total); diff != "" {
				t.Errorf("community A as its secretary sees it (+) and in the subdistrict's report (-):\n%s", diff)
			}
			if own.Total.CommunitiesWithOrg != 1 || own.Total.GridWorkers == 0 || own.Total.Workers == 0 || own.Total.Residents == 0 {
				t.Errorf("community A's own figures: %+v", own.Total)
			}
		}
	}
	if !found {
		t.Error("the subdistrict's report has no row for community A")
	}
}

func levelIndex(l territory.Level) int {
	switch l {
	case territory.LevelDistrict:
		return 1
	case territory.LevelSubdistrict:
		return 2
	case territory.LevelCommunity:
		return 3
	case territory.LevelGrid:
		return 4
	}
	return 5
}
