package app

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"grassroots/internal/cases"
	"grassroots/internal/territory"
)

// gridPoints returns a building's point in each of n grids of the demo
// subdistrict, with the grids' codes.
func (e *env) gridPoints(n int) (pts [][2]float64, grids []string) {
	e.t.Helper()
	rows, err := e.app.DB.QueryContext(tCtx, `SELECT lon, lat, region_code FROM registry_buildings
		WHERE region_code >= ? AND region_code < ? AND lon IS NOT NULL ORDER BY id`, demoSubdistrict, demoSubdistrict+"~")
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	seen := map[string]bool{}
	for rows.Next() && len(grids) < n {
		var lon, lat float64
		var grid string
		if err := rows.Scan(&lon, &lat, &grid); err != nil {
			e.t.Fatal(err)
		}
		if g, ok := e.app.Territory.LocateGrid(lon, lat); seen[grid] || !ok || g != grid {
			continue
		}
		seen[grid] = true
		pts, grids = append(pts, [2]float64{lon, lat}), append(grids, grid)
	}
	if len(grids) < n {
		e.t.Fatalf("%d grids with a located building, want %d", len(grids), n)
	}
	return pts, grids
}

// TestDepartmentDashboards checks that a department's dashboard, hot-spot
// map and cases per grid count only the department's own cases — those
// dispatched to it or whistled to it, as its case lists show them — and
// never another department's.
func TestDepartmentDashboards(t *testing.T) {
	e := newEnv(t)
	sub := e.login("demo-subdistrict")
	demoDept, err := e.app.Accounts.UserByName(tCtx, "demo-dept")
	if err != nil {
		t.Fatal(err)
	}
	urban, housing := territory.Department{ID: demoDept.DepartmentID}, e.dept("住房和城乡建设局")
	if urban.ID == 0 || urban.ID == housing.ID {
		t.Fatalf("demo-dept's department %d, the housing bureau %d", urban.ID, housing.ID)
	}
	if r := e.login("demo-city").api("POST", "/api/v1/users", map[string]any{"username": "housing-staff", "display_name": "住建局人员",
		"role": "department_staff", "region_code": demoDistrict, "department_id": housing.ID, "password": DemoPassword}); r.StatusCode != 201 {
		t.Fatalf("housing department account: %d %s", r.StatusCode, r.body)
	}
	pts, grids := e.gridPoints(4)
	open := func(i int, category string) cases.Case {
		t.Helper()
		r := sub.api("POST", "/api/v1/cases", map[string]any{"category": category, "description": "巡查发现的问题需要处理", "lon": pts[i][0], "lat": pts[i][1]})
		if r.StatusCode != 201 {
			t.Fatalf("report: %d %s", r.StatusCode, r.body)
		}
		var in cases.Intake
		r.json(t, &in)
		cs := *in.Case
		if cs.Status == cases.Submitted { // staff reports arrive accepted
			cs = move(t, sub, cs.ID, cases.Move{Action: "accept", Version: cs.Version}, 200)
		}
		return move(t, sub, cs.ID, cases.Move{Action: "register", Version: cs.Version}, 200)
	}
	dispatch := func(c cases.Case, dept int64) cases.Case {
		t.Helper()
		return move(t, sub, c.ID, cases.Move{Action: "dispatch", Version: c.Version, UnitKind: "department", DeptID: dept}, 200)
	}
	dispatch(open(0, "0303"), urban.ID)   // the city management bureau's
	dispatch(open(1, "0101"), housing.ID) // the housing bureau's
	joint := dispatch(open(2, "0201"), housing.ID)
	if r := sub.api("POST", "/api/v1/cases/"+itoa(joint.ID)+"/whistles", cases.WhistleInput{Ground: "pressing_problem", DeptIDs: []int64{urban.ID},
		Note: "需城管协同"}); r.StatusCode != 201 { // the housing bureau's, whistled to the city management bureau
		t.Fatalf("whistle: %d %s", r.StatusCode, r.body)
	}
	open(3, "0303") // no department's

	for _, tt := range []struct {
		name, user string
		want       map[string]int64
	}{
		{"OwnAndWhistled", "demo-dept", map[string]int64{grids[0]: 1, grids[2]: 1}},
		{"OtherDepartment", "housing-staff", map[string]int64{grids[1]: 1, grids[2]: 1}},
		{"Subdistrict", "demo-subdistrict", map[string]int64{grids[0]: 1, grids[1]: 1, grids[2]: 1, grids[3]: 1}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := e.login(tt.user)
			var want int64
			for _, n := range tt.want {
				want += n
			}
			for _, q := range []string{"?region=" + demoSubdistrict, "?region=" + grids[2][:12], ""} {
				got := map[string]int64{}
				c.get("/api/v1/case-grid-counts"+q).json(t, &got)
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
			c.get("/api/v1/case-stats?region="+demoSubdistrict).json(t, &st)
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
			c.get("/api/v1/case-map?region="+demoSubdistrict+"&days=30").json(t, &cl)
			var mapped int64
			for _, x := range cl {
				mapped += int64(x.Count)
			}
			if mapped != want {
				t.Errorf("case-map shows %d cases, want %d", mapped, want)
			}
			// The same cases as the department's list.
			var list struct{ Items []cases.Case }
			c.get("/api/v1/cases?view=all&region="+demoSubdistrict).json(t, &list)
			if int64(len(list.Items)) != want {
				t.Errorf("case list has %d cases, the dashboards %d", len(list.Items), want)
			}
			if page := c.get("/cases/dashboard?region=" + demoSubdistrict); page.StatusCode != 200 {
				t.Errorf("dashboard page: %d", page.StatusCode)
			}
		})
	}
}
