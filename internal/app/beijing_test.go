package app

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"grassroots/internal/account"
	"grassroots/internal/cases"
	"grassroots/internal/platform/dbtest"
	"grassroots/internal/platform/pii"
	"grassroots/internal/platform/tabular"
	"grassroots/internal/registry"
	"grassroots/internal/territory"
)

// The second city: 北京市 东城区 (testdata/beijing, NBS 2023 codes). The
// grid is drawn in 王府井社区 of 东华门街道, around Wangfujing Street.
const (
	bjCity         = "11"
	bjDistrict     = "110101"
	bjSubdistrict  = "110101001"
	bjCommunity    = "110101001015" // 王府井社区居委会
	bjJurisdiction = "dongcheng.beijing.gov.cn"
	bjPublicURL    = "https://grassroots.dongcheng.example.gov.cn"
	bjPassword     = "Dongcheng-Pass-2026"
	bjAddress      = "王府井大街1号"
)

// bjPoint is a point (WGS-84) inside the grid the test draws.
var bjPoint = [2]float64{116.4110, 39.9140}

// nanchang finds what belongs to the demo city: its name, its division
// codes (3601, 360102, 360102002 …), its Open311 jurisdiction and its map
// centre (28.68, 115.89).
var nanchang = regexp.MustCompile(`南昌|(?i:nanchang)|(^|[^0-9.])3601([0-9]{2}|[0-9]{5}|[0-9]{8}|[0-9]{11})?([^0-9]|$)|28\.68|115\.89`)

// TestBeijingEndToEnd sets up a second real city from nothing, as its
// people would, over real HTTP on the real server: the divisions of 东城区
// imported from the statistical list with the command line, the city
// administrator at Beijing's code, the city profile, departments and the
// catalogue's department roles, a grid in one community, a building and a
// resident, a case by point and one by registry address, Open311
// discovery and posting under the city's own jurisdiction, and a 12345
// import of two rows. Each case lands in the community it was reported
// in, and nothing the city sees mentions Nanchang.
func TestBeijingEndToEnd(t *testing.T) {
	vars := map[string]string{"GRASSROOTS_DB": dbtest.URL(t), "GRASSROOTS_DATA_KEY": pii.NewKeySpec("k1"), "GRASSROOTS_ADDR": "127.0.0.1:0",
		"GRASSROOTS_LOG_LEVEL": "warn"}

	// 1. The divisions, from the statistical list as it comes: the
	// municipality's placeholder 1101 市辖区 is folded away.
	out, errOut, err := run(t, vars, "", "import", "regions", filepath.Join("testdata", "beijing", "dongcheng.csv"))
	if err != nil || !strings.Contains(out, "committed: true") {
		t.Fatalf("import regions: %v\n%s%s", err, out, errOut)
	}
	// 2. The city administrator at Beijing's own code.
	out, errOut, err = run(t, vars, bjPassword+"\n", "user", "add", "-username", "bj-city", "-name", "东城测试管理员", "-role", "city_admin", "-region", bjCity)
	if err != nil {
		t.Fatalf("city administrator at %s (issue 9 §3.2): %v\n%s%s", bjCity, err, out, errOut)
	}
	// 3. The city profile: its code, name and Open311 jurisdiction.
	setBeijingProfile(t, vars)

	// The real server, as `grassroots serve` runs it.
	e := serveBeijing(t, vars)
	var seen []seenBody // every answer this city's people and clients got
	look := func(who, path string, r response) response {
		seen = append(seen, seenBody{who + " " + path, r.body})
		return r
	}
	admin := e.loginAs("bj-city", bjPassword)

	var me account.Me
	look("city", "/api/v1/me", admin.get("/api/v1/me")).json(t, &me)
	if me.RegionCode != bjCity || me.Role != "city_admin" {
		t.Errorf("the city administrator: %+v", me.User)
	}
	var city territory.RegionSummary
	look("city", "/api/v1/regions/11", admin.get("/api/v1/regions/"+bjCity)).json(t, &city)
	if city.Name != "北京市" || city.Level != territory.LevelCity {
		t.Errorf("北京市 is not the city: %+v", city.Region)
	}
	var children struct{ Items []territory.RegionSummary }
	look("city", "/api/v1/regions/11/children", admin.get("/api/v1/regions/"+bjCity+"/children")).json(t, &children)
	if kids := children.Items; len(kids) != 1 || kids[0].Code != bjDistrict || kids[0].Name != "东城区" || kids[0].Counts[territory.LevelCommunity] != 169 {
		t.Errorf("below 北京市: %+v, want 东城区 with its 169 communities", children.Items)
	}
	if r := admin.get("/api/v1/regions/1101"); r.StatusCode != http.StatusNotFound {
		t.Errorf("the placeholder 1101 市辖区 was imported: %d", r.StatusCode)
	}

	// 4. Beijing's departments, and the catalogue's roles mapped to them.
	for _, name := range []string{"东城区城市管理委员会", "东城区住房和城乡建设委员会"} {
		if r := look("city", "/api/v1/departments", admin.api("POST", "/api/v1/departments", map[string]string{"name": name, "region_code": bjDistrict})); r.StatusCode != http.StatusCreated {
			t.Fatalf("department %s: %d %s", name, r.StatusCode, r.body)
		}
	}
	var roles cases.DepartmentRoles
	look("city", "/api/v1/department-roles", admin.get("/api/v1/department-roles")).json(t, &roles)
	for _, want := range []struct{ role, suggestion string }{{"城市管理局", "城市管理委员会"}, {"住房和城乡建设局", "住房和城乡建设委员会"}} {
		var got cases.DepartmentRole
		for _, r := range roles.Roles {
			if r.Role == want.role {
				got = r
			}
		}
		if got.Suggestion != want.suggestion {
			t.Errorf("role %s: suggested %q, want %q", want.role, got.Suggestion, want.suggestion)
			continue
		}
		if r := look("city", "/api/v1/department-roles", admin.api("PUT", "/api/v1/department-roles", cases.DepartmentRoleInput{Role: got.Role, Department: got.Suggestion})); r.StatusCode != http.StatusOK {
			t.Errorf("map %s: %d %s", got.Role, r.StatusCode, r.body)
		}
	}

	// 5. Accounts the city administrator makes: the community's Party
	// secretary and the 12345 centre's integration account.
	for _, u := range []account.UserInput{
		{Username: "bj-secretary", DisplayName: "王府井社区书记", Role: "community_secretary", RegionCode: bjCommunity, Password: "Wangfujing-Temp-2026"},
		{Username: "bj-12345", DisplayName: "东城12345", Role: "integration", RegionCode: bjCity, Password: "Hotline-Temp-Pass-2026"},
	} {
		if r := look("city", "/api/v1/users", admin.api("POST", "/api/v1/users", u)); r.StatusCode != http.StatusCreated {
			t.Fatalf("account %s: %d %s", u.Username, r.StatusCode, r.body)
		}
	}

	// 6. A grid drawn in 王府井社区.
	geom := `{"type":"Polygon","coordinates":[[[116.409,39.912],[116.413,39.912],[116.413,39.916],[116.409,39.916],[116.409,39.912]]]}`
	var grid territory.Grid
	if r := look("city", "/api/v1/grids", admin.api("POST", "/api/v1/grids", map[string]any{"community_code": bjCommunity, "name": "王府井第一网格", "geometry": jsonRaw(geom)})); r.StatusCode != http.StatusCreated {
		t.Fatalf("grid: %d %s", r.StatusCode, r.body)
	} else {
		r.json(t, &grid)
	}
	if !strings.HasPrefix(grid.Code, bjCommunity) || len(grid.Code) != 15 {
		t.Fatalf("the grid is coded %q, want one of %s", grid.Code, bjCommunity)
	}
	var place territory.Place
	look("city", "/api/v1/locate", admin.get("/api/v1/locate?lon="+ftoa(bjPoint[0])+"&lat="+ftoa(bjPoint[1]))).json(t, &place)
	if place.Grid.Code != grid.Code {
		t.Errorf("a point in the grid is located in %+v", place)
	}

	// 7. The secretary chooses a password, registers a building and a
	// resident of it.
	sec := e.loginAs("bj-secretary", "Wangfujing-Temp-2026")
	if r := sec.form("/me/password", url.Values{"old_password": {"Wangfujing-Temp-2026"}, "password": {bjPassword + "-sec"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("the secretary's own password: %d %s", r.StatusCode, r.body)
	}
	sec = e.loginAs("bj-secretary", bjPassword+"-sec")
	lon, lat := bjPoint[0], bjPoint[1]
	var bld registry.Building
	if r := look("secretary", "/api/v1/buildings", sec.api("POST", "/api/v1/buildings", registry.BuildingInput{RegionCode: grid.Code, Name: "1号楼", Address: bjAddress,
		Floors: 6, Units: 2, Lon: &lon, Lat: &lat})); r.StatusCode != http.StatusCreated {
		t.Fatalf("building: %d %s", r.StatusCode, r.body)
	} else {
		r.json(t, &bld)
	}
	first := bjDistrict + "19800101013"
	idn := first + string(pii.IDCheckChar(first))
	var person registry.Person
	if r := look("secretary", "/api/v1/people", sec.api("POST", "/api/v1/people", map[string]any{"name": "张东城", "id_number": idn, "relation": "head",
		"residence": "registered", "region_code": grid.Code})); r.StatusCode != http.StatusCreated {
		t.Fatalf("resident: %d %s", r.StatusCode, r.body)
	} else {
		r.json(t, &person)
	}
	if person.RegionCode != grid.Code {
		t.Errorf("the resident lives in %q, want the grid %s", person.RegionCode, grid.Code)
	}

	// 8. A case by point and one by the registry's address.
	inCommunity := func(what, region string) {
		t.Helper()
		if !strings.HasPrefix(region, bjCommunity) {
			t.Errorf("%s landed in %q, want 王府井社区 (%s)", what, region, bjCommunity)
		}
	}
	var byPoint, byAddress cases.Intake
	if r := look("secretary", "/api/v1/cases", sec.api("POST", "/api/v1/cases", map[string]any{"category": "0101", "description": "王府井大街路边垃圾堆积", "lon": lon, "lat": lat})); r.StatusCode != http.StatusCreated {
		t.Fatalf("case by point: %d %s", r.StatusCode, r.body)
	} else {
		r.json(t, &byPoint)
	}
	inCommunity("the case by point", byPoint.Case.RegionCode)
	if r := look("secretary", "/api/v1/cases", sec.api("POST", "/api/v1/cases", map[string]any{"category": "0303", "description": "1号楼门前路灯不亮", "address": bjAddress})); r.StatusCode != http.StatusCreated {
		t.Errorf("case by address: %d %s", r.StatusCode, r.body)
	} else {
		r.json(t, &byAddress)
		inCommunity("the case by address", byAddress.Case.RegionCode)
	}
	// The dispatch form suggests Beijing's department for the catalogue's
	// 城市管理局.
	id := byPoint.Case.ID
	for _, act := range []string{"accept", "register"} {
		var d cases.CaseDetail
		sec.get("/api/v1/cases/"+itoa(id)).json(t, &d)
		if act == "accept" && d.Case.Status != cases.Submitted {
			continue // staff have accepted what they file
		}
		if r := sec.api("POST", "/api/v1/cases/"+itoa(id)+"/moves", cases.Move{Action: act, Version: d.Case.Version}); r.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %s", act, r.StatusCode, r.body)
		}
	}
	page := look("secretary", "/cases/{id}", sec.get("/cases/"+itoa(id)))
	if m := regexp.MustCompile(`<option value="\d+" selected>([^<]*?)(?: \(无在岗账号\))?</option>`).FindStringSubmatch(page.body); m == nil || m[1] != "东城区城市管理委员会" {
		t.Errorf("the dispatch form suggests %v, want 东城区城市管理委员会", m)
	}

	// 9. Open311, under the city's own jurisdiction and public address.
	var tok account.NewToken
	if r := admin.api("POST", "/api/v1/tokens", account.TokenInput{Name: "12345 热线", UserID: e.userID("bj-12345")}); r.StatusCode != http.StatusCreated {
		t.Fatalf("token: %d %s", r.StatusCode, r.body)
	} else {
		r.json(t, &tok)
	}
	anon := e.anon()
	var disc struct {
		Endpoints []struct{ URL string } `json:"endpoints"`
	}
	look("open311", "discovery.json", anon.get("/open311/v2/discovery.json")).json(t, &disc)
	if len(disc.Endpoints) == 0 || disc.Endpoints[0].URL != bjPublicURL+"/open311/v2/" {
		t.Errorf("discovery: %+v, want the endpoint %s/open311/v2/", disc, bjPublicURL)
	}
	look("open311", "discovery.xml", anon.get("/open311/v2/discovery.xml"))
	if r := look("open311", "services.json", anon.get("/open311/v2/services.json?jurisdiction_id="+bjJurisdiction)); r.StatusCode != http.StatusOK || !strings.Contains(r.body, `"service_code":"0101"`) {
		t.Errorf("services of jurisdiction %s (the city profile's, issue 9 §3.1): %d %.300s", bjJurisdiction, r.StatusCode, r.body)
	}
	look("open311", "services.xml", anon.get("/open311/v2/services.xml"))
	if r := anon.get("/open311/v2/services.json?jurisdiction_id=nanchang.gov.cn"); r.StatusCode != http.StatusNotFound {
		t.Errorf("the demo city's jurisdiction is served here: %d", r.StatusCode)
	}
	post := anon.do("POST", "/open311/v2/requests.json", strings.NewReader(url.Values{"api_key": {tok.Secret}, "jurisdiction_id": {bjJurisdiction},
		"service_code": {"0101"}, "lat": {ftoa(lat)}, "long": {ftoa(lon)}, "description": {"王府井大街北口有垃圾"}, "first_name": {"东城"}, "last_name": {"李"}}.Encode()),
		http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
	look("open311", "POST requests.json", post)
	var created []struct {
		ID string `json:"service_request_id"`
	}
	if post.StatusCode != http.StatusOK && post.StatusCode != http.StatusCreated {
		t.Errorf("Open311 post with jurisdiction %s: %d %s", bjJurisdiction, post.StatusCode, post.body)
	} else {
		post.json(t, &created)
	}
	if len(created) == 1 {
		var l struct{ Items []*cases.Case }
		look("city", "/api/v1/cases?number=", admin.get("/api/v1/cases?number="+url.QueryEscape(created[0].ID))).json(t, &l)
		if len(l.Items) != 1 {
			t.Errorf("Open311 request %s: %d cases", created[0].ID, len(l.Items))
		} else {
			inCommunity("the Open311 request", l.Items[0].RegionCode)
		}
		look("open311", "requests/{id}.json", anon.get("/open311/v2/requests/"+url.PathEscape(created[0].ID)+".json?jurisdiction_id="+bjJurisdiction))
	}

	// 10. A 12345 export of two rows: one with the point, one with the
	// address as the hotline writes it (with the district's name).
	csv := csvBytes([][]string{cases.HotlineTemplate,
		{"BJ20261126000001", "暴露垃圾", "王府井大街垃圾没人清", "", ftoa(lon), ftoa(lat), "赵先生", "13800138000"},
		{"BJ20261126000002", "路灯不亮", "1号楼门前路灯坏了", "东城区" + bjAddress, "", "", "钱女士", "010-65120000"},
	})
	hot := e.bearer(tok.Secret)
	r := look("12345", "/api/v1/hotline/import", hot.do("POST", "/api/v1/hotline/import?name=orders.csv", bytes.NewReader(csv), http.Header{"Content-Type": {"text/csv"}}))
	var rep tabular.Report
	r.json(t, &rep)
	if r.StatusCode != http.StatusOK || rep.Created != 2 || !rep.Committed {
		t.Errorf("12345 import of two rows: %d %s", r.StatusCode, r.body)
	}
	var hl struct{ Items []*cases.Case }
	look("city", "/api/v1/cases?channel=hotline", admin.get("/api/v1/cases?channel=hotline")).json(t, &hl)
	got := map[string]string{}
	for _, c := range hl.Items {
		got[c.ExternalID] = c.RegionCode
	}
	for _, ext := range []string{"BJ20261126000001", "BJ20261126000002"} {
		if reg, ok := got[ext]; !ok {
			t.Errorf("12345 work order %s was not filed: %v", ext, got)
		} else {
			inCommunity("12345 work order "+ext, reg)
		}
	}

	// 11. Nothing this city sees mentions Nanchang: the pages of its
	// staff, the templates they download, the map's script, Open311.
	for _, p := range []string{"/", "/regions/" + bjCity, "/regions/" + bjDistrict, "/regions/" + bjCommunity + "/map", "/departments", "/users",
		"/cases", "/cases/new", "/cases/" + itoa(byAddress.Case.ID), "/cases/dashboard", "/cases/catalogue", "/cases/department-roles",
		"/cases/hotline", "/cases/hotline-template.csv", "/people/template.csv", "/grids/import", "/grids/" + grid.Code, "/audit"} {
		r := look("city", p, admin.get(p))
		if loc := r.Header.Get("Location"); r.StatusCode == http.StatusSeeOther && strings.HasPrefix(loc, "/") {
			r = look("city", loc, admin.get(loc)) // the home page sends staff to their territory
		}
		if r.StatusCode != http.StatusOK {
			t.Errorf("GET %s as the city administrator: %d", p, r.StatusCode)
		}
	}
	for _, p := range []string{"/", "/cases/new", "/people", "/people/new", "/people/import", "/buildings", "/people/" + itoa(person.ID)} {
		r := look("secretary", p, sec.get(p))
		if loc := r.Header.Get("Location"); r.StatusCode == http.StatusSeeOther && strings.HasPrefix(loc, "/") {
			r = look("secretary", loc, sec.get(loc))
		}
		if r.StatusCode != http.StatusOK {
			t.Errorf("GET %s as the secretary: %d", p, r.StatusCode)
		}
	}
	// And in English.
	if r := admin.form("/lang", url.Values{"lang": {"en"}, "next": {"/cases"}}); r.StatusCode != http.StatusSeeOther {
		t.Errorf("switch to English: %d", r.StatusCode)
	}
	for _, p := range []string{"/regions/" + bjCity, "/cases/new", "/cases/" + itoa(id), "/cases/catalogue", "/cases/department-roles", "/cases/hotline", "/users", "/grids/import"} {
		if r := look("city (en)", p, admin.get(p)); r.StatusCode != http.StatusOK || !strings.Contains(r.body, `lang="en"`) {
			t.Errorf("GET %s in English: %d", p, r.StatusCode)
		}
	}
	if m := regexp.MustCompile(`/static/[^"]*map[^"]*\.js[^"]*`).FindString(page.body); m != "" {
		look("browser", m, anon.get(m))
	} else {
		t.Error("the case page loads no map script")
	}
	look("open311", "requests.json", anon.get("/open311/v2/requests.json?jurisdiction_id="+bjJurisdiction))
	look("open311", "requests.xml", anon.get("/open311/v2/requests.xml"))
	for _, s := range seen {
		if m := nanchang.FindStringIndex(s.body); m != nil {
			lo, hi := max(0, m[0]-80), min(len(s.body), m[1]+80)
			t.Errorf("%s mentions Nanchang: …%s…", s.what, strings.ReplaceAll(s.body[lo:hi], "\n", " "))
		}
	}
}

type seenBody struct{ what, body string }

// jsonRaw is JSON text passed through as it is.
type jsonRaw string

func (j jsonRaw) MarshalJSON() ([]byte, error) { return []byte(j), nil }

// setBeijingProfile sets the city profile (issue 9 §3.1: code, name,
// public address, Open311 jurisdiction) the way an operator does, from
// the command line.
func setBeijingProfile(t *testing.T, vars map[string]string) {
	t.Helper()
	out, errOut, err := run(t, vars, "", "city", "-code", bjCity, "-name", "北京市", "-public-url", bjPublicURL, "-jurisdiction", bjJurisdiction)
	if err != nil {
		t.Errorf("city profile from the command line (issue 9 §3.1): %v\n%s%s", err, out, errOut)
	}
}

// serveBeijing runs `grassroots serve` on vars until the test ends and
// returns a harness env on it.
func serveBeijing(t *testing.T, vars map[string]string) *env {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	served := make(chan *App, 1)
	var logs syncBuffer
	m := &Main{Stdin: strings.NewReader(""), Stdout: &logs, Stderr: &logs, Getenv: func(k string) string { return vars[k] },
		Ready: func(a string) { ready <- a }, Serving: func(a *App) { served <- a }}
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx, []string{"serve"}) }()
	e := &env{t: t}
	select {
	case addr := <-ready:
		e.app = <-served
		e.srv = &httptest.Server{URL: "http://" + addr}
	case err := <-done:
		cancel()
		t.Fatalf("serve stopped: %v\n%s", err, logs.String())
	case <-time.After(60 * time.Second):
		cancel()
		t.Fatal("serve did not start")
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("serve: %v", err)
		}
		if t.Failed() {
			t.Log("server log:\n" + logs.String())
		}
	})
	return e
}

// loginAs signs name in with password through the login form.
func (e *env) loginAs(name, password string) *client {
	e.t.Helper()
	c := e.anon()
	c.name = name
	if r := c.form("/login", url.Values{"username": {name}, "password": {password}, "next": {"/"}}); r.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("login %s: %d %s", name, r.StatusCode, r.body)
	}
	return c
}
