package app

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// scopeCase is one row of the scope matrix: an actor, a request, the
// status it must get, and what the body must (not) contain.
type scopeCase struct {
	name    string
	actor   string
	method  string
	path    string // %d is replaced by the id of target
	target  string // demo account whose id goes into path
	body    any
	status  int
	has     []string
	hasNot  []string
	inScope string // every region_code in the answer must start with this
}

// TestScopeMatrix proves over real HTTP that an actor can read, list,
// count, export and change nothing outside their territory, and that an
// object outside it answers 404 exactly like one that does not exist.
// New modules add rows here.
func TestScopeMatrix(t *testing.T) {
	e := newEnv(t)
	const (
		communityA = "360102002001" // 民巷社区, demo-secretary's
		communityB = "360102002002" // 章江路社区, demo-worker's
		otherDist  = "360103"       // 西湖区
	)
	rows := []scopeCase{
		// Territory: read one, list, count.
		{name: "CityReadsDistrict", actor: "demo-city", method: "GET", path: "/api/v1/regions/" + otherDist, status: 200},
		{name: "DistrictReadsOwnSubdistrict", actor: "demo-district", method: "GET", path: "/api/v1/regions/360102002", status: 200, has: []string{`"community":12`}},
		{name: "DistrictCannotReadOtherDistrict", actor: "demo-district", method: "GET", path: "/api/v1/regions/" + otherDist, status: 404},
		{name: "SecretaryCannotReadNeighbour", actor: "demo-secretary", method: "GET", path: "/api/v1/regions/" + communityB, status: 404},
		{name: "SecretaryCannotReadParent", actor: "demo-secretary", method: "GET", path: "/api/v1/regions/360102002", status: 404},
		{name: "NoSuchRegionSameAsOutOfScope", actor: "demo-secretary", method: "GET", path: "/api/v1/regions/360102002999", status: 404},
		{name: "SecretaryListsOnlyOwnCommunity", actor: "demo-secretary", method: "GET", path: "/api/v1/regions?parent=360102002", status: 200,
			has: []string{communityA}, hasNot: []string{communityB}, inScope: communityA},
		{name: "SubdistrictListsCommunities", actor: "demo-subdistrict", method: "GET", path: "/api/v1/regions?level=community&limit=500", status: 200,
			has: []string{communityA, communityB}, inScope: "360102002"},
		{name: "SubdistrictChildrenCounts", actor: "demo-subdistrict", method: "GET", path: "/api/v1/regions/360102002/children", status: 200, inScope: "360102002"},
		{name: "WorkerRegionPageOutOfScope", actor: "demo-worker", method: "GET", path: "/regions/" + communityA, status: 404},
		{name: "ResidentSeesOwnCommunityName", actor: "demo-resident", method: "GET", path: "/api/v1/regions/" + communityA, status: 200},

		// Accounts: list, read, personal data, change.
		{name: "SecretaryListsOwnCommunityUsers", actor: "demo-secretary", method: "GET", path: "/api/v1/users?limit=500", status: 200,
			has: []string{"demo-grid", "demo-resident"}, hasNot: []string{"demo-worker", "demo-city", "demo-subdistrict"}, inScope: communityA},
		{name: "SubdistrictListsBothCommunities", actor: "demo-subdistrict", method: "GET", path: "/api/v1/users", status: 200,
			has: []string{"demo-worker", "demo-secretary"}, hasNot: []string{"demo-district", "demo-city"}, inScope: "360102002"},
		{name: "SecretaryCannotReadNeighbourUser", actor: "demo-secretary", method: "GET", path: "/api/v1/users/%d", target: "demo-worker", status: 404},
		{name: "SecretaryCannotReadNeighbourUserPage", actor: "demo-secretary", method: "GET", path: "/users/%d", target: "demo-worker", status: 404},
		{name: "SecretaryCannotReadNeighbourPhone", actor: "demo-secretary", method: "GET", path: "/api/v1/users/%d/personal", target: "demo-worker", status: 404},
		{name: "SecretaryCannotChangeNeighbour", actor: "demo-secretary", method: "PATCH", path: "/api/v1/users/%d", target: "demo-worker",
			body: map[string]any{"version": 1, "display_name": "changed"}, status: 404},
		{name: "SecretaryCannotResetNeighbourPassword", actor: "demo-secretary", method: "PUT", path: "/api/v1/users/%d/password", target: "demo-worker",
			body: map[string]any{"password": "Another-Pass-99"}, status: 404},
		{name: "SecretaryCannotCreateUserOutside", actor: "demo-secretary", method: "POST", path: "/api/v1/users",
			body:   map[string]any{"username": "x-out", "display_name": "x", "role": "community_worker", "region_code": communityB, "password": "Strong-Pass-2026"},
			status: 422, has: []string{`"field":"region_code"`}},
		{name: "SecretaryCannotGrantAdmin", actor: "demo-secretary", method: "POST", path: "/api/v1/users",
			body:   map[string]any{"username": "x-admin", "display_name": "x", "role": "city_admin", "region_code": communityA, "password": "Strong-Pass-2026"},
			status: 422, has: []string{`"field":"role"`}},
		{name: "SecretaryCannotManageStronger", actor: "demo-secretary", method: "GET", path: "/api/v1/users/%d", target: "demo-subdistrict", status: 404},
		{name: "SubdistrictCannotChangeDistrict", actor: "demo-subdistrict", method: "PATCH", path: "/api/v1/users/%d", target: "demo-district",
			body: map[string]any{"version": 1, "disabled": true}, status: 404},
		{name: "DepartmentSeesOnlyOwnDepartment", actor: "demo-dept", method: "GET", path: "/api/v1/departments", status: 200, has: []string{"东湖区城市管理局"}},
		{name: "ResidentCannotListUsers", actor: "demo-resident", method: "GET", path: "/api/v1/users", status: 403},
		{name: "MemberCannotSeeAudit", actor: "demo-member", method: "GET", path: "/api/v1/audit", status: 403},
		{name: "GridWorkerCannotOpenUsersPage", actor: "demo-grid", method: "GET", path: "/users", status: 403},

		// Audit: list and export stay in the territory.
		{name: "SubdistrictAuditInScope", actor: "demo-subdistrict", method: "GET", path: "/api/v1/audit?limit=500", status: 200, inScope: "360102002"},
		{name: "SubdistrictAuditExportInScope", actor: "demo-subdistrict", method: "GET", path: "/audit.csv", status: 200,
			has: []string{"360102002001"}, hasNot: []string{",3601,", ",360102,"}},

		// Grids: read, list, export, create, change.
		{name: "WorkerCannotReadNeighbourGrid", actor: "demo-worker", method: "GET", path: "/api/v1/grids/360102002001001", status: 404},
		{name: "WorkerCannotOpenNeighbourGridPage", actor: "demo-worker", method: "GET", path: "/grids/360102002001001", status: 404},
		{name: "SecretaryListsOwnGrids", actor: "demo-secretary", method: "GET", path: "/api/v1/grids?limit=500", status: 200,
			has: []string{"360102002001001"}, hasNot: []string{"360102002002001"}, inScope: communityA},
		{name: "SecretaryExportsOnlyOwnGrids", actor: "demo-secretary", method: "GET", path: "/api/v1/grids.geojson", status: 200,
			has: []string{"360102002001004"}, hasNot: []string{"360102002002001"}},
		{name: "SecretaryCannotExportNeighbour", actor: "demo-secretary", method: "GET", path: "/api/v1/grids.geojson?region=" + communityB, status: 404},
		{name: "SecretaryCannotDrawInNeighbour", actor: "demo-secretary", method: "POST", path: "/api/v1/grids",
			body:   map[string]any{"community_code": communityB, "name": "x", "geometry": map[string]any{"type": "Polygon", "coordinates": [][][2]float64{{{116, 29}, {116.001, 29}, {116.001, 29.001}, {116, 29}}}}},
			status: 422, has: []string{`"field":"community_code"`}},
		{name: "SecretaryCannotRedrawNeighbour", actor: "demo-secretary", method: "PUT", path: "/api/v1/grids/360102002002001",
			body: map[string]any{"version": 1, "name": "x"}, status: 404},
		{name: "WorkerCannotDraw", actor: "demo-worker", method: "POST", path: "/api/v1/grids", body: map[string]any{}, status: 403},
		{name: "SecretaryCannotSetNeighbourBoundary", actor: "demo-secretary", method: "PUT", path: "/api/v1/regions/" + communityB + "/boundary",
			body: map[string]any{"source": "x", "geometry": map[string]any{"type": "Polygon", "coordinates": [][][2]float64{{{116, 29}, {116.001, 29}, {116.001, 29.001}, {116, 29}}}}}, status: 404},
		{name: "LocateOutsideScopeNotFound", actor: "demo-worker", method: "GET", path: "/api/v1/locate?lon=115.8915&lat=28.6915", status: 404},

		// People and households.
		{name: "WorkerListsOnlyOwnPeople", actor: "demo-worker", method: "GET", path: "/api/v1/people?limit=500", status: 200, inScope: communityB},
		{name: "SubdistrictListsPeopleInScope", actor: "demo-subdistrict", method: "GET", path: "/api/v1/people?limit=500", status: 200, inScope: "360102002"},
		{name: "WorkerCannotReadNeighbourPerson", actor: "demo-worker", method: "GET", path: "/api/v1/people/1", status: 404},
		{name: "WorkerCannotRevealNeighbourPerson", actor: "demo-worker", method: "GET", path: "/api/v1/people/1/personal", status: 404},
		{name: "WorkerCannotOpenNeighbourHousehold", actor: "demo-worker", method: "GET", path: "/households/1", status: 404},
		{name: "WorkerCannotRegisterInNeighbour", actor: "demo-worker", method: "POST", path: "/api/v1/people",
			body:   map[string]any{"name": "x", "id_number": validID("19900101", "001"), "relation": "head", "residence": "registered", "region_code": "360102002001001"},
			status: 422, has: []string{`"field":"region_code"`}},
		{name: "WorkerCannotMoveOutNeighbour", actor: "demo-worker", method: "POST", path: "/api/v1/people/1/move-out", body: map[string]any{"version": 1}, status: 404},
		{name: "DistrictCannotSeePersonalData", actor: "demo-district", method: "GET", path: "/api/v1/people/1/personal", status: 403},
		{name: "ResidentCannotListPeople", actor: "demo-resident", method: "GET", path: "/api/v1/people", status: 403},
		{name: "WorkerExportsOnlyOwnPeople", actor: "demo-worker", method: "GET", path: "/people/export.csv", status: 200, hasNot: []string{"360102002001001"}},

		// Party, workforce, coverage.
		{name: "WorkerSeesOnlyOwnPartyOrgs", actor: "demo-worker", method: "GET", path: "/api/v1/party/orgs?limit=500", status: 200, inScope: communityB},
		{name: "SecretaryCannotCreateOrgInNeighbour", actor: "demo-secretary", method: "POST", path: "/api/v1/party/orgs",
			body: map[string]any{"name": "x", "kind": "committee", "region_code": communityB}, status: 422, has: []string{`"field":"region_code"`}},
		{name: "WorkerSeesOnlyOwnPartyMembers", actor: "demo-worker", method: "GET", path: "/api/v1/party/members?limit=500", status: 200, inScope: communityB},
		{name: "SecretaryCannotAddWorkerInNeighbour", actor: "demo-secretary", method: "POST", path: "/api/v1/workforce/workers",
			body: map[string]any{"region_code": communityB, "name": "x", "post": "other", "certificate": "none", "education": "college"}, status: 422},
		{name: "SecretaryCannotSeeNeighbourStaffing", actor: "demo-secretary", method: "GET", path: "/api/v1/workforce/staffing/" + communityB, status: 404},
		{name: "SecretaryCannotSeeNeighbourCoverage", actor: "demo-secretary", method: "GET", path: "/api/v1/coverage/" + communityB, status: 404},
		{name: "SecretaryCoverageCountsOnlyOwn", actor: "demo-secretary", method: "GET", path: "/api/v1/coverage/" + communityA, status: 200, inScope: communityA},
		{name: "GridWorkerCannotSeeWorkforce", actor: "demo-grid", method: "GET", path: "/api/v1/workforce/workers", status: 403},

		{name: "WorkerListsOnlyOwnUnits", actor: "demo-worker", method: "GET", path: "/api/v1/units?limit=500", status: 200, inScope: communityB},
		{name: "WorkerCannotRegisterUnitInNeighbour", actor: "demo-worker", method: "POST", path: "/api/v1/units",
			body: map[string]any{"kind": "two_new", "subkind": "social_organisation", "name": "x", "region_code": communityA}, status: 422},

		// Visits and patrols: lists, due lists, figures, settings, writes.
		{name: "WorkerListsOnlyOwnVisits", actor: "demo-worker", method: "GET", path: "/api/v1/visits?limit=500", status: 200, inScope: communityB},
		{name: "GridWorkerListsOnlyOwnVisits", actor: "demo-grid", method: "GET", path: "/api/v1/visits?limit=500", status: 200, inScope: communityA},
		{name: "WorkerCannotReadNeighbourDue", actor: "demo-worker", method: "GET", path: "/api/v1/visits/due?region=" + communityA, status: 404},
		{name: "GridWorkerDueInOwnGrids", actor: "demo-grid", method: "GET", path: "/api/v1/visits/due?limit=500", status: 200, inScope: communityA},
		{name: "SubdistrictVisitFiguresInScope", actor: "demo-subdistrict", method: "GET", path: "/api/v1/visits/figures", status: 200, inScope: "360102002"},
		{name: "SecretaryCannotSetNeighbourIntervals", actor: "demo-secretary", method: "PUT", path: "/api/v1/visits/intervals",
			body: map[string]any{"region_code": communityB, "days": map[string]any{"veteran": 7}}, status: 422, has: []string{`"field":"region_code"`}},
		{name: "GridWorkerCannotPatrolOtherGrid", actor: "demo-grid", method: "POST", path: "/api/v1/patrols",
			body: map[string]any{"grid_code": "360102002001004", "duration_minutes": 30}, status: 422, has: []string{`"field":"grid_code"`}},
		{name: "DistrictCannotRecordVisits", actor: "demo-district", method: "POST", path: "/api/v1/visits", body: map[string]any{"household_id": 1, "kind": "home"}, status: 403},

		// Tokens: another account's token cannot be revoked or listed.
		{name: "WorkerCannotListSecretaryTokens", actor: "demo-worker", method: "GET", path: "/api/v1/tokens?user_id=%d", target: "demo-secretary", status: 404},
	}
	// Activity in every part of the tree, so the audit checks have rows
	// to leak.
	for _, n := range []string{"demo-city", "demo-district", "demo-subdistrict", "demo-secretary", "demo-worker"} {
		e.login(n)
	}
	clients := map[string]*client{}
	for _, tt := range rows {
		t.Run(tt.name, func(t *testing.T) {
			c := clients[tt.actor]
			if c == nil {
				c = e.login(tt.actor)
				clients[tt.actor] = c
			}
			path := tt.path
			if tt.target != "" {
				path = fmt.Sprintf(path, e.userID(tt.target))
			}
			before := e.auditCount()
			res := c.api(tt.method, path, tt.body)
			if res.StatusCode != tt.status {
				t.Fatalf("%s %s as %s: status %d, want %d: %s", tt.method, path, tt.actor, res.StatusCode, tt.status, res.body)
			}
			for _, s := range tt.has {
				if !strings.Contains(res.body, s) {
					t.Errorf("answer lacks %q: %s", s, res.body)
				}
			}
			for _, s := range tt.hasNot {
				if strings.Contains(res.body, s) {
					t.Errorf("answer leaks %q: %s", s, res.body)
				}
			}
			if tt.inScope != "" {
				for _, code := range regionCodes(res.body) {
					if !strings.HasPrefix(code, tt.inScope) {
						t.Errorf("answer holds region %s outside %s", code, tt.inScope)
					}
				}
			}
			if tt.method != "GET" && tt.status >= 400 {
				// A refused write changes nothing; only refusals of reads
				// of personal data are themselves not recorded either.
				if after := e.auditCount(); after != before {
					t.Errorf("refused %s wrote %d audit rows", tt.method, after-before)
				}
			}
		})
	}
}

// regionCodes pulls every "region_code" and "code" value out of a JSON body.
func regionCodes(body string) []string {
	var out []string
	for _, key := range []string{`"region_code":"`, `"code":"`} {
		rest := body
		for {
			i := strings.Index(rest, key)
			if i < 0 {
				break
			}
			rest = rest[i+len(key):]
			j := strings.IndexByte(rest, '"')
			code := rest[:j]
			if code != "" && strings.Trim(code, "0123456789") == "" {
				out = append(out, code)
			}
		}
	}
	return out
}

func (e *env) auditCount() int {
	var n int
	if err := e.app.DB.QueryRowContext(tCtx, `SELECT COUNT(*) FROM audit_log`).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

var tCtx = context.Background()

func TestScopeMatrixMethodsUnauthenticated(t *testing.T) {
	e := newEnv(t)
	c := e.anon()
	for _, p := range []string{"/api/v1/users", "/api/v1/regions/3601", "/api/v1/audit", "/api/v1/me"} {
		res := c.get(p)
		if res.StatusCode != http.StatusUnauthorized || !strings.Contains(res.Header.Get("Content-Type"), "problem+json") {
			t.Errorf("anonymous GET %s: %d %s", p, res.StatusCode, res.Header.Get("Content-Type"))
		}
	}
	res := c.get("/users")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login?next=") {
		t.Errorf("anonymous page: %d to %q, want a redirect to the login", res.StatusCode, res.Header.Get("Location"))
	}
}
