package app

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"grassroots/internal/account"
	"grassroots/internal/admission"
	"grassroots/internal/cases"
	"grassroots/internal/party"
	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/pii"
	"grassroots/internal/platform/workday"
	"grassroots/internal/registry"
	"grassroots/internal/territory"
	"grassroots/internal/units"
	"grassroots/internal/visits"
	"grassroots/internal/volunteer"
	"grassroots/internal/workforce"
)

// foreignMark starts the name of every object of the foreign fixture, so
// that a list, search or export that shows one is caught by its tell,
// which no query sent in the test contains (a search page repeats its
// query); foreignQuery finds them all by name.
const (
	foreignMark  = "FX境外ꙮ"
	foreignTell  = "ꙮ"
	foreignQuery = "FX境外"
)

// foreign is one object of every kind in another district (西湖区), which
// every demo account but the city's lies outside.
type foreign struct {
	district, community, grid string
	dept, user, token         int64
	building, compound        int64
	household, person         int64
	org, unit                 int64
	member                    int64
	caseID, photo, whistle    int64
	visit, patrol             int64
	jobID                     string
	// The access list's objects: a draft of the district's list, a
	// department's request and the community's task from it, a
	// signboard, a certificate.
	admDraft, admRequest, admTask, admBurden, admCert, admFile, admEvidence int64
	// A service activity of the community (双报到).
	volActivity, volRegistration, volWish int64
	// deptServes: the department serves the probers' area from above
	// (a district department seen from a grid), so it is theirs to see.
	deptServes bool
}

// mustForeign builds the foreign fixture through the services, as system
// work, so that nothing depends on the demo's content.
func (e *env) mustForeign() foreign {
	e.t.Helper()
	f := foreign{district: "360103"}
	if err := e.app.DB.QueryRowContext(context.Background(), `SELECT code FROM territory_regions WHERE code >= '360103' AND code < '360104' AND length(code) = 12 ORDER BY code LIMIT 1`).Scan(&f.community); err != nil {
		e.t.Fatal(err)
	}
	// A small square far from the demo's grids.
	return e.mustObjects(f, 115.8405, 28.6405, "fx-worker")
}

// mustObjects makes one object of every kind in f's community and grid
// (a new grid around lon, lat when f.grid is empty).
func (e *env) mustObjects(f foreign, lon, lat float64, username string) foreign {
	e.t.Helper()
	t := e.t
	ctx := authz.WithActor(context.Background(), authz.System("test-fixture"))
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("foreign %s: %v", what, err)
		}
	}
	if f.grid == "" {
		x0, y0, x1, y1 := lon-0.0005, lat-0.0005, lon+0.0005, lat+0.0005
		g, err := e.app.Territory.CreateGrid(ctx, territory.GridInput{CommunityCode: f.community, Name: foreignMark + "网格",
			Geometry: []byte(fmt.Sprintf(`{"type":"Polygon","coordinates":[[[%v,%v],[%v,%v],[%v,%v],[%v,%v],[%v,%v]]]}`, x0, y0, x1, y0, x1, y1, x0, y1, x0, y0))})
		must("grid", err)
		f.grid = g.Code
	}
	dname := foreignMark + username + "局"
	if f.deptServes {
		dname = username + "局"
	}
	d, err := e.app.Territory.CreateDepartment(ctx, territory.DepartmentInput{Name: dname, RegionCode: f.community[:6]})
	must("department", err)
	f.dept = d.ID
	u, err := e.app.Accounts.CreateUser(ctx, account.UserInput{Username: username, DisplayName: foreignMark + "社工", Role: authz.RoleCommunityWorker,
		RegionCode: f.community, Password: "Foreign-Pass-2026"})
	must("user", err)
	f.user = u.ID
	nt, err := e.app.Accounts.UnscopedIssueToken(ctx, u.ID, foreignMark)
	must("token", err)
	f.token = nt.ID
	c, err := e.app.Registry.CreateCompound(ctx, registry.CompoundInput{RegionCode: f.community, Name: foreignMark + username + "小区", Address: foreignMark + username + "路1号"})
	must("compound", err)
	f.compound = c.ID
	lo, la := lon, lat
	b, err := e.app.Registry.CreateBuilding(ctx, registry.BuildingInput{RegionCode: f.grid, CompoundID: c.ID, Name: foreignMark + "1栋",
		Address: foreignMark + username + "路1号1栋", Floors: 6, Units: 2, Lon: &lo, Lat: &la})
	must("building", err)
	f.building = b.ID
	h, err := e.app.Registry.CreateHousehold(ctx, registry.HouseholdInput{BuildingID: b.ID, Room: "1单元101室", HouseUse: registry.SelfOccupied})
	must("household", err)
	f.household = h.ID
	id17 := f.community[:6] + "19800101" + strconv.Itoa(100+len(username))
	p, err := e.app.Registry.CreatePerson(ctx, registry.PersonInput{Name: foreignMark + "居民", IDNumber: id17 + string(pii.IDCheckChar(id17)),
		Phone: "13700001234", HouseholdID: h.ID, Relation: "head", Residence: registry.Registered})
	must("person", err)
	f.person = p.ID
	if f.org == 0 {
		o, err := e.app.Party.CreateOrg(ctx, party.OrgInput{Name: foreignMark + "社区党委", Kind: party.Committee, RegionCode: f.community})
		must("party org", err)
		f.org = o.ID
	}
	// A member living in the grid, of the community's organisation.
	pm, err := e.app.Party.CreateMember(ctx, party.MemberInput{OrgID: f.org, RegionCode: f.grid, Name: foreignMark + "党员", Category: party.Direct, Status: "full"})
	must("party member", err)
	f.member = pm.ID
	if f.unit == 0 {
		un, err := e.app.Units.Create(ctx, units.UnitInput{RegionCode: f.community, Kind: "co_building", Subkind: "school", Name: foreignMark + "小学", Headcount: 40})
		must("unit", err)
		f.unit = un.ID
	}
	_, err = e.app.Workforce.AddWorker(ctx, workforce.WorkerInput{RegionCode: f.community, Name: foreignMark + "工作者", Post: "social_worker",
		Certificate: "none", Education: "bachelor"})
	must("worker", err)
	// A case reported by the foreign worker, with a photo and a whistle.
	wctx := authz.WithActor(context.Background(), e.actorOf(u))
	in, err := e.app.Cases.Report(wctx, cases.ReportInput{Category: "0303", Description: foreignMark + "路灯不亮", Lon: &lo, Lat: &la,
		ContactName: foreignMark + "联系人", ContactPhone: "13700005678", ExternalID: "FX-" + username})
	must("case", err)
	f.caseID = in.Case.ID
	// The case also waits in the 待定位 queue, so that the queue's list is
	// probed with a foreign row in it.
	_, err = e.app.DB.ExecContext(ctx, `INSERT INTO case_locate_queue (case_id, region_code, created_at) VALUES (?, ?, ?)`, f.caseID, f.community, e.app.DB.Now())
	must("queued case", err)
	f.photo, err = e.app.Cases.AddPhoto(wctx, in.Case.ID, cases.Photo{ContentType: "image/png", Data: pngBytes()})
	must("photo", err)
	w, err := e.app.Cases.Blow(ctx, in.Case.ID, cases.WhistleInput{Ground: "pressing_problem", DeptIDs: []int64{d.ID}, Note: foreignMark + "吹哨"})
	must("whistle", err)
	f.whistle = w.ID
	// A visit to the household and a patrol of the grid by the worker.
	v, err := e.app.Visits.RecordVisit(wctx, visits.VisitInput{HouseholdID: h.ID, Kind: "home", MetWith: foreignMark + "户主", Note: foreignMark + "走访情况"})
	must("visit", err)
	f.visit = v.ID
	pt, err := e.app.Visits.RecordPatrol(wctx, visits.PatrolInput{GridCode: f.grid, Minutes: 30, Route: foreignMark + "巡查路线"})
	must("patrol", err)
	f.patrol = pt.ID
	f.jobID = "0123456789abcdef"
	e.mustAdmission(ctx, &f, d)
	now := e.app.DB.Now().In(workday.CST)
	act, err := e.app.Volunteer.CreateActivity(ctx, authz.All, volunteer.ActivityInput{Community: f.community, Title: foreignMark + "巡逻", Category: "safety",
		Place: foreignMark + "广场", StartsAt: now.Add(time.Hour).Format("2006-01-02T15:04"), EndsAt: now.Add(2 * time.Hour).Format("2006-01-02T15:04"), Capacity: 10})
	if err != nil {
		e.t.Fatalf("foreign activity: %v", err)
	}
	f.volActivity = act.ID
	reg, err := e.app.Volunteer.Register(ctx, &authz.Actor{UserID: 9_999_999, DisplayName: foreignMark + "党员", Role: authz.RolePartyMember,
		Scope: authz.Scope{Region: f.community}}, volunteer.RegistrationInput{Workplace: foreignMark + "机关党委", Categories: []string{"legal"}})
	if err != nil {
		e.t.Fatalf("foreign registration: %v", err)
	}
	f.volRegistration = reg.ID
	wish, err := e.app.Volunteer.PostWish(ctx, authz.All, volunteer.WishInput{Community: f.community, Title: foreignMark + "心愿", Category: "assistance",
		Beneficiary: foreignMark + "居民", Consented: true})
	if err != nil {
		e.t.Fatalf("foreign wish: %v", err)
	}
	f.volWish = wish.Wish.ID
	return f
}

// mustAdmission makes the access list's objects of f: the district's
// list in force with a certificate item (public, so without the mark),
// a draft of its next version, an emergency request of the district's
// department and the task it put in the community's inbox, a signboard
// and a certificate.
func (e *env) mustAdmission(ctx context.Context, f *foreign, d territory.Department) {
	t := e.t
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("foreign %s: %v", what, err)
		}
	}
	today := e.app.DB.Now().In(workday.CST).Format("2006-01-02")
	owner := f.community[:6]
	item := admission.Item{Code: "ZM-99", Section: "certificate", Title: "居住证明", Carrier: "committee", Kind: "certificate", Frequency: "as_needed"}
	l, err := e.app.Admission.SaveDraft(ctx, authz.All, admission.ListInput{OwnerCode: owner, Title: "区级清单", EffectiveFrom: today, Items: []admission.Item{item}})
	must("list", err)
	_, err = e.app.Admission.Publish(ctx, authz.All, l.ID)
	must("publish", err)
	item.Title = foreignMark + "居住证明"
	draft, err := e.app.Admission.SaveDraft(ctx, authz.All, admission.ListInput{OwnerCode: owner, Title: foreignMark + "草稿", EffectiveFrom: today, Items: []admission.Item{item}})
	must("draft", err)
	f.admDraft = draft.ID
	req, err := e.app.Admission.File(ctx, authz.Scope{Region: d.RegionCode, Department: d.ID}, admission.RequestInput{Title: foreignMark + "紧急排查",
		Kind: "task", Target: f.community, StartsOn: today, DueOn: today, Emergency: "public_safety", Reason: foreignMark + "燃气泄漏",
		Files: []admission.Upload{{Name: foreignMark + "排查表.pdf", Type: "application/pdf", Data: []byte("%PDF-1.7 " + foreignMark)}}})
	must("request", err)
	f.admRequest = req.ID
	files, err := e.app.Admission.RequestFiles(ctx, authz.All, req.ID)
	must("request files", err)
	f.admFile = files[0].ID
	tasks, err := e.app.Admission.Tasks(ctx, authz.All, admission.TaskFilter{Region: f.community, Limit: 200})
	must("tasks", err)
	for _, tk := range tasks.Items {
		if tk.RequestID == req.ID {
			f.admTask = tk.ID
		}
	}
	ev, err := e.app.Admission.AttachEvidence(ctx, authz.All, f.admTask, []admission.Upload{{Name: foreignMark + "回执.pdf", Type: "application/pdf",
		Data: []byte("%PDF-1.7 " + foreignMark)}})
	must("evidence", err)
	f.admEvidence = ev[0].ID
	b, err := e.app.Admission.RegisterBurden(ctx, authz.All, admission.BurdenInput{Community: f.community, Kind: "signboard", Name: foreignMark + "牌子"})
	must("signboard", err)
	f.admBurden = b.ID
	c, err := e.app.Admission.Issue(ctx, authz.All, admission.CertificateInput{Community: f.community, ItemID: l.Items[0].ID, Holder: foreignMark + "居民",
		Statement: foreignMark + "在本社区居住"})
	must("certificate", err)
	f.admCert = c.ID
}

// actorOf is the actor of account u as a request would have it.
func (e *env) actorOf(u *account.User) *authz.Actor {
	e.t.Helper()
	a, err := e.app.Accounts.ActorFor(context.Background(), u)
	if err != nil {
		e.t.Fatal(err)
	}
	return a
}

// probers are the demo accounts for whom the foreign fixture is out of
// scope: everybody but the city's own.
var probers = []string{"demo-district", "demo-subdistrict", "demo-secretary", "demo-worker", "demo-grid", "demo-dept", "demo-member", "demo-resident"}

// TestScopeMatrixEveryRoute enumerates every route the server registers.
// Each route that names an object (an id, a code) is asked, by every
// prober, for the foreign object and for one that does not exist: both
// must fail alike (404, or 403 for a missing permission), and nothing may
// change. Every list, count, search and export is read by every prober,
// also filtered to the foreign community, and must show no foreign row. A
// new route that names an object fails this test until it is given a
// fixture here.
func TestScopeMatrixEveryRoute(t *testing.T) {
	e := newEnv(t)
	t.Run("OtherDistrict", func(t *testing.T) { e.scopeMatrix(t, e.mustForeign(), probers) })
	// A grid worker's scope is their grids: objects in another grid of
	// their own community are out of it.
	t.Run("OtherGrid", func(t *testing.T) { e.scopeMatrix(t, e.mustSibling(), []string{"demo-grid"}) })
}

// mustSibling makes the objects of a fixture in grid 004 of 民巷社区, a
// grid demo-grid does not serve; its Party organisation and unit are the
// community's own, which lie outside a grid worker's scope too.
func (e *env) mustSibling() foreign {
	e.t.Helper()
	f := foreign{community: "360102002001", grid: "360102002001004", district: "360102002001004", deptServes: true}
	ctx := context.Background()
	if err := e.app.DB.QueryRowContext(ctx, `SELECT id FROM party_orgs WHERE region_code = ? ORDER BY id LIMIT 1`, f.community).Scan(&f.org); err != nil {
		e.t.Fatal(err)
	}
	if err := e.app.DB.QueryRowContext(ctx, `SELECT id FROM units_units WHERE region_code >= ? AND region_code < ? ORDER BY id LIMIT 1`, f.community, f.community+"~").Scan(&f.unit); err != nil {
		e.t.Fatal(err)
	}
	var lon, lat float64
	if err := e.app.DB.QueryRowContext(ctx, `SELECT lon, lat FROM registry_buildings WHERE region_code = ? AND lon IS NOT NULL ORDER BY id LIMIT 1`, f.grid).Scan(&lon, &lat); err != nil {
		e.t.Fatal(err)
	}
	return e.mustObjects(f, lon, lat, "fx-sibling")
}

func (e *env) scopeMatrix(t *testing.T, f foreign, probers []string) {
	id := func(n int64) string { return strconv.FormatInt(n, 10) }
	const none = "999999999"
	// route path → the path with the foreign object, and with none.
	objects := map[string][2]string{}
	add := func(pattern, foreignPath, missingPath string) { objects[pattern] = [2]string{foreignPath, missingPath} }
	for _, p := range []struct{ pattern, param, value, missing string }{
		{"/api/v1/buildings/{id}", "{id}", id(f.building), none},
		{"/api/v1/buildings/{id}/households", "{id}", id(f.building), none},
		{"/buildings/{id}", "{id}", id(f.building), none},
		{"/api/v1/compounds/{id}", "{id}", id(f.compound), none},
		{"/api/v1/households/{id}", "{id}", id(f.household), none},
		{"/households/{id}", "{id}", id(f.household), none},
		{"/households/{id}/edit", "{id}", id(f.household), none},
		{"/buildings/{id}/edit", "{id}", id(f.building), none},
		{"/compounds/{id}/edit", "{id}", id(f.compound), none},
		{"/people/{id}/edit", "{id}", id(f.person), none},
		{"/people/{id}/move", "{id}", id(f.person), none},
		{"/api/v1/people/{id}/move", "{id}", id(f.person), none},
		{"/api/v1/people/{id}/move-choices", "{id}", id(f.person), none},
		{"/party/orgs/{id}/edit", "{id}", id(f.org), none},
		{"/party/members/{id}/edit", "{id}", id(f.member), none},
		{"/api/v1/party/members/{id}", "{id}", id(f.member), none},
		{"/api/v1/people/{id}", "{id}", id(f.person), none},
		{"/api/v1/people/{id}/export", "{id}", id(f.person), none},
		{"/api/v1/people/{id}/move-out", "{id}", id(f.person), none},
		{"/api/v1/people/{id}/personal", "{id}", id(f.person), none},
		{"/people/{id}", "{id}", id(f.person), none},
		{"/people/{id}/export.json", "{id}", id(f.person), none},
		{"/people/{id}/move-out", "{id}", id(f.person), none},
		{"/people/{id}/personal", "{id}", id(f.person), none},
		{"/people/import/jobs/{id}", "{id}", f.jobID, "fedcba9876543210"},
		{"/api/v1/cases/{id}", "{id}", id(f.caseID), none},
		{"/api/v1/cases/{id}/contact", "{id}", id(f.caseID), none},
		{"/api/v1/cases/{id}/duplicates", "{id}", id(f.caseID), none},
		{"/api/v1/cases/{id}/moves", "{id}", id(f.caseID), none},
		{"/api/v1/cases/{id}/photos", "{id}", id(f.caseID), none},
		{"/api/v1/cases/{id}/rate-link", "{id}", id(f.caseID), none},
		{"/api/v1/cases/{id}/rating", "{id}", id(f.caseID), none},
		{"/api/v1/cases/{id}/whistles", "{id}", id(f.caseID), none},
		{"/cases/{id}", "{id}", id(f.caseID), none},
		{"/cases/{id}/act", "{id}", id(f.caseID), none},
		{"/cases/{id}/contact", "{id}", id(f.caseID), none},
		{"/cases/{id}/rate", "{id}", id(f.caseID), none},
		{"/cases/{id}/rate-link", "{id}", id(f.caseID), none},
		{"/cases/{id}/whistle", "{id}", id(f.caseID), none},
		{"/cases/{id}/locate", "{id}", id(f.caseID), none},
		{"/api/v1/cases/{id}/location", "{id}", id(f.caseID), none},
		{"/api/v1/whistles/{id}/ratings", "{id}", id(f.whistle), none},
		{"/api/v1/whistles/{id}/steps", "{id}", id(f.whistle), none},
		{"/whistles/{id}/rate", "{id}", id(f.whistle), none},
		{"/whistles/{id}/step", "{id}", id(f.whistle), none},
		{"/whistles/{id}/change", "{id}", id(f.whistle), none},
		{"/api/v1/whistles/{id}/changes", "{id}", id(f.whistle), none},
		{"/api/v1/departments/{id}", "{id}", id(f.dept), none},
		{"/api/v1/party/orgs/{id}", "{id}", id(f.org), none},
		{"/api/v1/party/orgs/{id}/committee", "{id}", id(f.org), none},
		{"/party/orgs/{id}", "{id}", id(f.org), none},
		{"/party/orgs/{id}/committee", "{id}", id(f.org), none},
		{"/api/v1/units/{id}", "{id}", id(f.unit), none},
		{"/api/v1/users/{id}", "{id}", id(f.user), none},
		{"/api/v1/users/{id}/password", "{id}", id(f.user), none},
		{"/api/v1/users/{id}/personal", "{id}", id(f.user), none},
		{"/users/{id}", "{id}", id(f.user), none},
		{"/users/{id}/password", "{id}", id(f.user), none},
		{"/users/{id}/personal", "{id}", id(f.user), none},
		{"/api/v1/tokens/{id}", "{id}", id(f.token), none},
		{"/tokens/{id}/revoke", "{id}", id(f.token), none},
		{"/api/v1/grids/{code}", "{code}", f.grid, f.community + "999"},
		{"/api/v1/grids/{code}/workers", "{code}", f.grid, f.community + "999"},
		{"/grids/{code}", "{code}", f.grid, f.community + "999"},
		{"/grids/{code}/workers", "{code}", f.grid, f.community + "999"},
		{"/api/v1/regions/{code}", "{code}", f.grid, f.community + "999"},
		{"/api/v1/regions/{code}/boundary", "{code}", f.community, f.community[:9] + "999"},
		{"/api/v1/regions/{code}/children", "{code}", f.grid, f.community + "999"},
		{"/regions/{code}", "{code}", f.grid, f.community + "999"},
		{"/regions/{code}/map", "{code}", f.grid, f.community + "999"},
		{"/api/v1/coverage/{code}", "{code}", f.grid, f.community + "999"},
		{"/api/v1/coverage/{code}/map", "{code}", f.grid, f.community + "999"},
		{"/coverage/{code}", "{code}", f.grid, f.community + "999"},
		{"/api/v1/workforce/staffing/{code}", "{code}", f.grid, f.community + "999"},
		{"/api/v1/visits/{id}", "{id}", id(f.visit), none},
		{"/visits/{id}", "{id}", id(f.visit), none},
		{"/api/v1/patrols/{id}/end", "{id}", id(f.patrol), none},
		{"/patrols/{id}/end", "{id}", id(f.patrol), none},
		{"/admission/lists/{id}", "{id}", id(f.admDraft), none},
		{"/admission/lists/{id}/publish", "{id}", id(f.admDraft), none},
		{"/admission/lists/{id}/items", "{id}", id(f.admDraft), none},
		{"/admission/lists/{id}/items/new", "{id}", id(f.admDraft), none},
		{"/api/v1/admission/lists/{id}", "{id}", id(f.admDraft), none},
		{"/api/v1/admission/lists/{id}/publish", "{id}", id(f.admDraft), none},
		{"/admission/requests/{id}", "{id}", id(f.admRequest), none},
		{"/admission/requests/{id}/decision", "{id}", id(f.admRequest), none},
		{"/api/v1/admission/requests/{id}", "{id}", id(f.admRequest), none},
		{"/api/v1/admission/requests/{id}/decision", "{id}", id(f.admRequest), none},
		{"/admission/requests/{id}/files", "{id}", id(f.admRequest), none},
		{"/api/v1/admission/requests/{id}/files", "{id}", id(f.admRequest), none},
		{"/api/v1/admission/tasks/{id}/files", "{id}", id(f.admTask), none},
		{"/admission/files/{id}", "{id}", id(f.admFile), none},
		{"/api/v1/admission/files/{id}", "{id}", id(f.admEvidence), none},
		{"/volunteer/activities/{id}", "{id}", id(f.volActivity), none},
		{"/volunteer/registrations/{id}/confirm", "{id}", id(f.volRegistration), none},
		{"/volunteer/wishes/{id}", "{id}", id(f.volWish), none},
		{"/volunteer/wishes/{id}/claim", "{id}", id(f.volWish), none},
		{"/volunteer/wishes/{id}/fulfil", "{id}", id(f.volWish), none},
		{"/api/v1/volunteer/wishes/{id}", "{id}", id(f.volWish), none},
		{"/api/v1/volunteer/wishes/{id}/claim", "{id}", id(f.volWish), none},
		{"/api/v1/volunteer/wishes/{id}/fulfil", "{id}", id(f.volWish), none},
		{"/api/v1/volunteer/registrations/{id}/confirm", "{id}", id(f.volRegistration), none},
		{"/volunteer/activities/{id}/code", "{id}", id(f.volActivity), none},
		{"/volunteer/activities/{id}/confirm", "{id}", id(f.volActivity), none},
		{"/volunteer/activities/{id}/signup", "{id}", id(f.volActivity), none},
		{"/volunteer/activities/{id}/cancel", "{id}", id(f.volActivity), none},
		{"/api/v1/volunteer/activities/{id}/places", "{id}", id(f.volActivity), none},
		{"/api/v1/volunteer/activities/{id}/signup", "{id}", id(f.volActivity), none},
		{"/api/v1/volunteer/activities/{id}/cancel", "{id}", id(f.volActivity), none},
		{"/api/v1/volunteer/activities/{id}/confirm", "{id}", id(f.volActivity), none},
		{"/api/v1/volunteer/activities/{id}", "{id}", id(f.volActivity), none},
		{"/api/v1/volunteer/activities/{id}/code", "{id}", id(f.volActivity), none},
		{"/api/v1/volunteer/activities/{id}/attendance", "{id}", id(f.volActivity), none},
		{"/admission/tasks/{id}", "{id}", id(f.admTask), none},
		{"/admission/tasks/{id}/act", "{id}", id(f.admTask), none},
		{"/admission/tasks/{id}/review", "{id}", id(f.admTask), none},
		{"/api/v1/admission/tasks/{id}", "{id}", id(f.admTask), none},
		{"/api/v1/admission/tasks/{id}/act", "{id}", id(f.admTask), none},
		{"/api/v1/admission/tasks/{id}/review", "{id}", id(f.admTask), none},
		{"/admission/burdens/{id}/remove", "{id}", id(f.admBurden), none},
		{"/api/v1/admission/burdens/{id}/remove", "{id}", id(f.admBurden), none},
		{"/admission/certificates/{id}", "{id}", id(f.admCert), none},
		{"/admission/certificates/{id}/pdf", "{id}", id(f.admCert), none},
		{"/admission/certificates/{id}/revoke", "{id}", id(f.admCert), none},
		{"/api/v1/admission/certificates/{id}", "{id}", id(f.admCert), none},
		{"/api/v1/admission/certificates/{id}/revoke", "{id}", id(f.admCert), none},
	} {
		add(p.pattern, strings.Replace(p.pattern, p.param, p.value, 1), strings.Replace(p.pattern, p.param, p.missing, 1))
	}
	add("/cases/{id}/photos/{photo}", fmt.Sprintf("/cases/%d/photos/%d", f.caseID, f.photo), "/cases/"+none+"/photos/"+none)
	// An item of the foreign draft (mustAdmission's ZM-99), and of none.
	add("/admission/lists/{id}/items/{code}", fmt.Sprintf("/admission/lists/%d/items/ZM-99", f.admDraft), "/admission/lists/"+none+"/items/ZM-99")
	add("/admission/lists/{id}/items/{code}/remove", fmt.Sprintf("/admission/lists/%d/items/ZM-99/remove", f.admDraft), "/admission/lists/"+none+"/items/ZM-99/remove")
	// Routes that name something that is not territorial, with the reason.
	exempt := map[string]string{
		"/api/v1/calendar/{year}":         "the working-day calendar is the same for the whole city",
		"/open311/v2/{file}":              "public by the GeoReport standard: TestOpen311PublicView",
		"/open311/v2/requests/{file}":     "public by the GeoReport standard: TestOpen311PublicView",
		"/open311/v2/services/{file}":     "public catalogue",
		"/open311/v2/tokens/{file}":       "public by the GeoReport standard",
		"/rate/{token}":                   "the link is the capability: cases.TestPages",
		"/api/v1/department-roles/{role}": "the city's mapping of catalogue roles, not territorial; only the city administrator changes it: cases.TestDepartmentRoles",
		"/workbench/w/{name}":             "a panel of the actor's own workbench, counted in the actor's own scope; one not for the role answers 404: workbench.TestWorkbenchPerRole",
		"/api/v1/workbench/{name}":        "the same panel through the API",
	}

	clients := map[string]*client{}
	for _, name := range probers {
		clients[name] = e.login(name)
	}
	before := e.foreignAudit(f)
	seen := map[string]bool{}
	for _, rt := range e.app.Router.Routes() {
		if !strings.Contains(rt.Path, "{") || strings.HasSuffix(rt.Path, "{$}") {
			continue
		}
		seen[rt.Path] = true
		if _, ok := exempt[rt.Path]; ok {
			continue
		}
		if f.deptServes && rt.Path == "/api/v1/departments/{id}" {
			continue
		}
		paths, ok := objects[rt.Path]
		if !ok {
			t.Errorf("route %s %s names an object but the scope matrix has no fixture for it", rt.Method, rt.Path)
			continue
		}
		for _, name := range probers {
			c := clients[name]
			got, want := probe(c, rt.Method, paths[0]), probe(c, rt.Method, paths[1])
			if got.StatusCode < 400 || got.StatusCode != want.StatusCode || problemCode(got.body) != problemCode(want.body) {
				t.Errorf("%s %s %s: foreign object %d %s, missing object %d %s", name, rt.Method, paths[0],
					got.StatusCode, problemCode(got.body), want.StatusCode, problemCode(want.body))
			}
			if strings.Contains(got.body, foreignTell) {
				t.Errorf("%s %s %s shows a foreign object", name, rt.Method, paths[0])
			}
		}
	}
	for p := range objects {
		if !seen[p] {
			t.Errorf("the scope matrix has a fixture for %s, which is no route: remove it", p)
		}
	}
	for p := range exempt {
		if !seen[p] {
			t.Errorf("the scope matrix exempts %s, which is no route: remove it", p)
		}
	}
	// Writes that name the foreign object in their body rather than their
	// path: refused for every prober, and nothing is written there (the
	// foreign audit count below stays as it was).
	now := e.app.DB.Now().In(workday.CST)
	for _, w := range []struct {
		method, path string
		body         map[string]any
	}{
		{"POST", "/api/v1/tokens", map[string]any{"name": "probe", "user_id": f.user}},
		{"POST", "/api/v1/admission/lists", map[string]any{"owner_code": f.community[:6], "title": "probe", "effective_from": now.Format("2006-01-02"),
			"items": []map[string]any{{"code": "ZM-01", "section": "certificate", "title": "居住证明", "carrier": "committee", "kind": "certificate", "frequency": "as_needed"}}}},
		{"PUT", "/api/v1/admission/settings", map[string]any{"lead_days": 1, "decide_days": 1}},
		{"POST", "/api/v1/admission/requests", map[string]any{"title": "probe", "kind": "task", "target": f.community, "emergency": "public_safety",
			"emergency_reason": "probe", "starts_on": now.Format("2006-01-02"), "due_on": now.Format("2006-01-02")}},
		{"POST", "/api/v1/admission/burdens", map[string]any{"community": f.community, "kind": "signboard", "name": "probe"}},
		{"POST", "/api/v1/admission/certificates", map[string]any{"community": f.community, "item_id": 1, "holder": "probe", "statement": "probe"}},
		{"POST", "/api/v1/volunteer/activities", map[string]any{"community": f.community, "title": "probe", "category": "safety", "place": "probe",
			"starts_at": now.Add(time.Hour).Format("2006-01-02T15:04"), "ends_at": now.Add(2 * time.Hour).Format("2006-01-02T15:04"), "capacity": 1}},
		{"POST", "/api/v1/volunteer/wishes", map[string]any{"community": f.community, "title": "probe", "category": "other", "beneficiary": "probe", "consented": true}},
	} {
		for _, name := range probers {
			if r := clients[name].api(w.method, w.path, w.body); r.StatusCode < 400 || strings.Contains(r.body, foreignTell) {
				t.Errorf("%s %s %s naming the foreign community: %d", name, w.method, w.path, r.StatusCode)
			}
		}
	}
	// Lists, counts, search and exports: no foreign row, asked plainly
	// and filtered to the foreign community.
	for _, rt := range e.app.Router.Routes() {
		if rt.Method != http.MethodGet || strings.Contains(rt.Path, "{") || strings.HasPrefix(rt.Path, "/static/") ||
			rt.Path == "/metrics" || rt.Path == "/logout" {
			continue
		}
		for _, name := range probers {
			for _, q := range []string{"", "?region=" + f.community, "?q=" + url.QueryEscape(foreignQuery), "?region=" + f.district + "&q=" + url.QueryEscape(foreignQuery)} {
				r := clients[name].get(rt.Path + q)
				if strings.Contains(r.body, foreignTell) || strings.Contains(r.body, "fx-worker") {
					t.Errorf("%s GET %s%s shows a foreign row", name, rt.Path, q)
				}
			}
		}
	}
	if after := e.foreignAudit(f); after != before {
		t.Errorf("probes out of scope wrote %d audit entries in the foreign district", after-before)
	}
}

// foreignAudit counts the audit entries about the foreign district.
func (e *env) foreignAudit(f foreign) int {
	e.t.Helper()
	var n int
	if err := e.app.DB.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE region_code >= ? AND region_code < ?`,
		f.district, f.district+"~").Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// probe sends method to path as the page or a script would: forms with
// the CSRF token for pages, JSON for the API.
func probe(c *client, method, path string) response {
	if method == http.MethodGet {
		return c.get(path)
	}
	if strings.HasPrefix(path, "/api/") {
		return c.api(method, path, map[string]any{})
	}
	return c.form(path, url.Values{})
}

var problemCodeRe = regexp.MustCompile(`"code":"([a-z_]+)"`)

// problemCode is the stable code of a problem answer ("" for pages).
func problemCode(body string) string {
	if m := problemCodeRe.FindStringSubmatch(body); m != nil {
		return m[1]
	}
	return ""
}
