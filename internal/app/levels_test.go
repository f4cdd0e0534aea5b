package app

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

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

func (c *client) levelReport(t *testing.T, code string) levelReport {
	t.Helper()
	var l levelReport
	c.get("/api/v1/coverage/"+code).json(t, &l.cov)
	c.get("/api/v1/workforce/staffing/"+code).json(t, &l.st)
	if r := c.get("/coverage/" + code); r.StatusCode != 200 {
		t.Fatalf("coverage page of %s: %d", code, r.StatusCode)
	} else {
		l.covPage = r.body
	}
	if r := c.get("/workforce?region=" + code); r.StatusCode != 200 {
		t.Fatalf("workforce page of %s: %d", code, r.StatusCode)
	} else {
		l.stPage = r.body
	}
	return l
}

var (
	bolds = regexp.MustCompile(`<b>(.*?)</b>`)
	cells = regexp.MustCompile(`<td class="num">(.*?)</td>`)
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
// the city down to the communities and their grids, on the API and on the
// pages. Things are recorded on divisions themselves as well as below
// them: a community's committee, workers and grid worker belong to the
// community, and a Party organisation and a two-new organisation are put
// on the subdistrict and the district.
func TestLevelsAgree(t *testing.T) {
	e := newEnv(t)
	dist := e.login("demo-district")
	var org party.Org
	r := dist.api("POST", "/api/v1/party/orgs", map[string]any{"name": "滕王阁街道党工委", "kind": "committee", "region_code": demoSubdistrict})
	if r.StatusCode != 201 {
		t.Fatalf("subdistrict Party organisation: %d %s", r.StatusCode, r.body)
	}
	r.json(t, &org)
	if r := dist.api("POST", "/api/v1/party/members", map[string]any{"org_id": org.ID, "name": "街道党员", "category": "direct", "status": "full",
		"model_household": true}); r.StatusCode != 201 {
		t.Fatalf("subdistrict member: %d %s", r.StatusCode, r.body)
	}
	for _, region := range []string{demoSubdistrict, demoDistrict, demoGridA} {
		if r := dist.api("POST", "/api/v1/units", map[string]any{"region_code": region, "kind": "two_new", "subkind": "social_organisation",
			"name": "两新组织" + region, "has_party_org": true}); r.StatusCode != 201 {
			t.Fatalf("two-new organisation on %s: %d %s", region, r.StatusCode, r.body)
		}
	}

	c := e.login("demo-city")
	var checked [6]int
	var visit func(code string, l levelReport)
	visit = func(code string, l levelReport) {
		staffing := map[string]workforce.Staffing{}
		for _, s := range l.st.Children {
			staffing[s.Code] = s
		}
		for _, row := range l.cov.Children {
			k := c.levelReport(t, row.Code)
			checked[levelIndex(row.Level)]++
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
	visit("3601", c.levelReport(t, "3601"))
	// Districts, subdistricts, communities and grids were all compared.
	for _, lv := range []territory.Level{territory.LevelDistrict, territory.LevelSubdistrict, territory.LevelCommunity, territory.LevelGrid} {
		if checked[levelIndex(lv)] == 0 {
			t.Errorf("no %s was compared with its parent's row", lv)
		}
	}
	if checked[levelIndex(territory.LevelGrid)] != 48 {
		t.Errorf("%d grids compared, want the demo's 48", checked[levelIndex(territory.LevelGrid)])
	}

	// A community's own figures, as its secretary sees them, equal its row
	// in the subdistrict's report.
	var sub, own coverage.Report
	e.login("demo-subdistrict").get("/api/v1/coverage/"+demoSubdistrict).json(t, &sub)
	e.login("demo-secretary").get("/api/v1/coverage/"+demoCommunityA).json(t, &own)
	for _, row := range sub.Children {
		if row.Code == demoCommunityA {
			if diff := cmp.Diff(row, own.Total); diff != "" {
				t.Errorf("民巷社区 as its secretary sees it (+) and in the subdistrict's report (-):\n%s", diff)
			}
			if own.Total.CommunitiesWithOrg != 1 || own.Total.GridWorkers == 0 || own.Total.Workers == 0 || own.Total.Residents == 0 {
				t.Errorf("民巷社区's own figures: %+v", own.Total)
			}
		}
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
