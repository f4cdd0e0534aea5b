package cases_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"grassroots/internal/apptest"
	"grassroots/internal/cases"
	"grassroots/internal/platform/authz"
)

// TestDepartmentDashboards checks that a department's dashboard, hot-spot
// map and cases per grid count only the department's own cases — those
// dispatched to it or whistled to it, as its case lists show them — and
// never another department's.
func TestDepartmentDashboards(t *testing.T) {
	e := apptest.New(t)
	// A second community of subdistrict A with two grids, so that the
	// subdistrict's dashboards have communities to tell apart.
	const communityA2 = apptest.SubA + "002"
	MustCommunity(t, e, communityA2, "甲一第二社区居委会", apptest.SubA)
	grids := []string{apptest.GridA1, apptest.GridA2,
		MustGrid(t, e, communityA2, "甲一二网格1", 114.110, 22.560), MustGrid(t, e, communityA2, "甲一二网格2", 114.112, 22.560)}
	urban := e.Dept
	housing := MustDepartment(t, e, "甲区住房和城乡建设局", apptest.DistrictA)
	MustUser(t, e, "housing-staff", authz.RoleDepartmentStaff, apptest.DistrictA, housing.ID)

	sub := e.Login("subdistrict")
	open := func(grid, category string) cases.Case {
		t.Helper()
		p := e.Points[grid]
		in := MustReport(t, sub, map[string]any{"category": category, "description": "巡查发现的问题需要处理", "lon": p[0], "lat": p[1]})
		cs := *in.Case
		if cs.RegionCode != grid {
			t.Fatalf("report at %v located in %s, want %s", p, cs.RegionCode, grid)
		}
		if cs.Status == cases.Submitted { // staff reports arrive accepted
			cs = MustMove(t, sub, cs.ID, cases.Move{Action: "accept", Version: cs.Version}, 200)
		}
		return MustMove(t, sub, cs.ID, cases.Move{Action: "register", Version: cs.Version}, 200)
	}
	dispatch := func(c cases.Case, dept int64) cases.Case {
		t.Helper()
		return MustMove(t, sub, c.ID, cases.Move{Action: "dispatch", Version: c.Version, UnitKind: "department", DeptID: dept}, 200)
	}
	dispatch(open(grids[0], "0303"), urban.ID)   // the city management bureau's
	dispatch(open(grids[1], "0101"), housing.ID) // the housing bureau's
	joint := dispatch(open(grids[2], "0201"), housing.ID)
	if r := sub.API("POST", "/api/v1/cases/"+itoa(joint.ID)+"/whistles", cases.WhistleInput{Ground: "pressing_problem", DeptIDs: []int64{urban.ID},
		Note: "需城管协同"}); r.StatusCode != 201 { // the housing bureau's, whistled to the city management bureau
		t.Fatalf("whistle: %d %s", r.StatusCode, r.Body)
	}
	open(grids[3], "0303") // no department's

	for _, tt := range []struct {
		name, user string
		want       map[string]int64
	}{
		{"OwnAndWhistled", "dept", map[string]int64{grids[0]: 1, grids[2]: 1}},
		{"OtherDepartment", "housing-staff", map[string]int64{grids[1]: 1, grids[2]: 1}},
		{"Subdistrict", "subdistrict", map[string]int64{grids[0]: 1, grids[1]: 1, grids[2]: 1, grids[3]: 1}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := e.Login(tt.user)
			var want int64
			for _, n := range tt.want {
				want += n
			}
			for _, q := range []string{"?region=" + apptest.SubA, "?region=" + grids[2][:12], ""} {
				got := map[string]int64{}
				c.Get("/api/v1/case-grid-counts"+q).JSON(t, &got)
				exp := map[string]int64{}
				for g, n := range tt.want {
					if q == "" || len(q) > 8 && g[:len(q)-8] == q[8:] {
						exp[g] = n
					}
				}
				if diff := cmp.Diff(exp, got); diff != "" {
					t.Errorf("case-grid-counts%s (-want +got):\n%s", q, diff)
				}
			}
			var st cases.Stats
			c.Get("/api/v1/case-stats?region="+apptest.SubA).JSON(t, &st)
			var byStatus, byChild int64
			for _, n := range st.ByStatus {
				byStatus += n
			}
			for _, ch := range st.Children {
				byChild += ch.Total
			}
			if byStatus != want || byChild != want || st.Open != want {
				t.Errorf("case-stats: %d by status, %d by community, %d open; want %d", byStatus, byChild, st.Open, want)
			}
			var cl []cases.Cluster
			c.Get("/api/v1/case-map?region="+apptest.SubA+"&days=30").JSON(t, &cl)
			var mapped int64
			for _, x := range cl {
				mapped += int64(x.Count)
			}
			if mapped != want {
				t.Errorf("case-map shows %d cases, want %d", mapped, want)
			}
			// The same cases as the department's list.
			var list struct{ Items []cases.Case }
			c.Get("/api/v1/cases?view=all&region="+apptest.SubA).JSON(t, &list)
			if int64(len(list.Items)) != want {
				t.Errorf("case list has %d cases, the dashboards %d", len(list.Items), want)
			}
			if page := c.Get("/cases/dashboard?region=" + apptest.SubA); page.StatusCode != 200 {
				t.Errorf("dashboard page: %d", page.StatusCode)
			}
		})
	}
}

// TestGridWorkerDashboard: a grid worker's dashboard counts the cases of
// their grid, by status and in the monthly trend, not their community's.
func TestGridWorkerDashboard(t *testing.T) {
	e := apptest.New(t)
	resident := e.Login("resident")
	for _, g := range []string{apptest.GridA1, apptest.GridA2, apptest.GridA2} {
		p := e.Points[g]
		MustReport(t, resident, map[string]any{"category": "0303", "description": "路灯不亮，请尽快修复", "lon": p[0], "lat": p[1]})
	}
	var st cases.Stats
	e.Login("grid").Get("/api/v1/case-stats").JSON(t, &st)
	var total int64
	for _, n := range st.ByStatus {
		total += n
	}
	var trend int64
	for _, ns := range st.Trend {
		for _, n := range ns {
			trend += n
		}
	}
	if st.Region != apptest.GridA1 || total != 1 || trend != 1 {
		t.Fatalf("grid worker's dashboard: region %s, %d by status, %d in the trend; want their grid's 1", st.Region, total, trend)
	}
}

// TestGridWorkerDashboardNamesTheGrid: a grid worker's dashboard lists
// their grid by name, never as the division's own 待定位 row, and offers
// no link to the queue they may not open.
func TestGridWorkerDashboardNamesTheGrid(t *testing.T) {
	e := apptest.New(t)
	p := e.Points[apptest.GridA1]
	MustReport(t, e.Login("resident"), map[string]any{"category": "0303", "description": "路灯不亮", "lon": p[0], "lat": p[1]})
	grid := e.Login("grid")
	var st cases.Stats
	grid.Get("/api/v1/case-stats").JSON(t, &st)
	if len(st.Children) != 1 || st.Children[0].Own || st.Children[0].Name != "甲一网格1" || st.Children[0].Total != 1 {
		t.Fatalf("a grid worker's dashboard rows: %+v", st.Children)
	}
	if page := grid.Get("/cases/dashboard"); strings.Contains(page.Body, "本级待定位") || strings.Contains(page.Body, `href="/cases/unlocated"`) {
		t.Errorf("a grid worker's dashboard shows the queue row")
	}
}
