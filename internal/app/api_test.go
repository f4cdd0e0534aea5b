package app

import (
	"encoding/json"
	"fmt"
	"grassroots/internal/platform/authz"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"grassroots/internal/platform/web"
)

// TestOpenAPIMatchesRoutes checks the served document against the routes
// the router really has: every API route is documented, nothing documented
// is missing from the router, each documented operation is reachable, and
// what the GET operations answer validates against their documented schema.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	e := newEnv(t)
	res := e.anon().get("/api/v1/openapi.json")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("openapi.json: %d", res.StatusCode)
	}
	var doc map[string]any
	res.json(t, &doc)
	paths := doc["paths"].(map[string]any)
	documented := map[string]bool{}
	for p, ops := range paths {
		for m := range ops.(map[string]any) {
			documented[strings.ToUpper(m)+" "+p] = true
		}
	}
	registered := map[string]bool{}
	for _, r := range e.app.Router.Routes() {
		if strings.HasPrefix(r.Path, "/api/") && r.Path != "/api/v1/openapi.json" {
			if r.Kind != web.KindAPI {
				t.Errorf("%s %s is under /api but not an API route", r.Method, r.Path)
			}
			registered[r.Method+" "+r.Path] = true
		}
	}
	for k := range registered {
		if !documented[k] {
			t.Errorf("route %s is not in the OpenAPI document", k)
		}
	}
	for k := range documented {
		if !registered[k] {
			t.Errorf("documented %s has no route", k)
		}
	}
	if len(documented) < 15 {
		t.Errorf("only %d operations documented", len(documented))
	}

	// Every documented operation is routed: an anonymous call reaches the
	// route's own authentication (401 problem), not the router's 404.
	anon := e.anon()
	public := map[string]bool{}
	for _, r := range e.app.Router.Routes() {
		if r.Perm == authz.Public {
			public[r.Method+" "+r.Path] = true
		}
	}
	for k := range documented {
		if public[k] {
			// Public by design (the access list, the certificate check):
			// answered to anyone.
			continue
		}
		m, p, _ := strings.Cut(k, " ")
		p = regexp.MustCompile(`\{[^}]+\}`).ReplaceAllString(p, "1")
		r := anon.do(m, p, nil, nil)
		if r.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s %s anonymously: %d, want 401 from the route", m, p, r.StatusCode)
		}
	}

	// Answers validate against the documented schemas.
	c := jsonschema.NewCompiler()
	if err := c.AddResource("openapi.json", mustJSON(t, res.body)); err != nil {
		t.Fatal(err)
	}
	admin := e.login("demo-city")
	cases := []struct{ path, doc string }{
		{"/api/v1/me", "/api/v1/me"},
		{"/api/v1/users?limit=2", "/api/v1/users"},
		{"/api/v1/users/1", "/api/v1/users/{id}"},
		{"/api/v1/regions?level=district", "/api/v1/regions"},
		{"/api/v1/regions/3601", "/api/v1/regions/{code}"},
		{"/api/v1/regions/3601/children", "/api/v1/regions/{code}/children"},
		{"/api/v1/departments", "/api/v1/departments"},
		{"/api/v1/audit?limit=3", "/api/v1/audit"},
		{"/api/v1/tokens", "/api/v1/tokens"},
		{"/api/v1/grids?limit=3", "/api/v1/grids"},
		{"/api/v1/grids/360102002001001", "/api/v1/grids/{code}"},
		{"/api/v1/grids.geojson?region=360102002001", "/api/v1/grids.geojson"},
		{"/api/v1/regions/360102/boundary", "/api/v1/regions/{code}/boundary"},
		{"/api/v1/locate?lon=115.8915&lat=28.6915", "/api/v1/locate"},
		{"/api/v1/people?limit=3", "/api/v1/people"},
		{"/api/v1/people/1", "/api/v1/people/{id}"},
		{"/api/v1/households?limit=3", "/api/v1/households"},
		{"/api/v1/households/1", "/api/v1/households/{id}"},
		{"/api/v1/buildings?limit=3", "/api/v1/buildings"},
		{"/api/v1/buildings/1", "/api/v1/buildings/{id}"},
		{"/api/v1/party/orgs?limit=3", "/api/v1/party/orgs"},
		{"/api/v1/grids/360102002001001/workers", "/api/v1/grids/{code}/workers"},
		{"/api/v1/party/orgs/1", "/api/v1/party/orgs/{id}"},
		{"/api/v1/party/orgs/1/committee", "/api/v1/party/orgs/{id}/committee"},
		{"/api/v1/party/members?limit=3", "/api/v1/party/members"},
		{"/api/v1/workforce/workers?limit=3", "/api/v1/workforce/workers"},
		{"/api/v1/workforce/reserve", "/api/v1/workforce/reserve"},
		{"/api/v1/workforce/staffing/360102002", "/api/v1/workforce/staffing/{code}"},
		{"/api/v1/coverage/360102002", "/api/v1/coverage/{code}"},
		{"/api/v1/units?limit=3", "/api/v1/units"},
		{"/api/v1/compounds?limit=3", "/api/v1/compounds"},
		{"/api/v1/compounds/1", "/api/v1/compounds/{id}"},
		{"/api/v1/search?q=%E6%BC%94%E7%A4%BA", "/api/v1/search"},
		{"/api/v1/units/1", "/api/v1/units/{id}"},
		{"/api/v1/coverage/360102002/map", "/api/v1/coverage/{code}/map"},
		{"/api/v1/visits?limit=3", "/api/v1/visits"},
		{"/api/v1/visits/1", "/api/v1/visits/{id}"},
		{"/api/v1/visits/due?region=360102002001&limit=3", "/api/v1/visits/due"},
		{"/api/v1/visits/counts", "/api/v1/visits/counts"},
		{"/api/v1/visits/figures?region=360102002", "/api/v1/visits/figures"},
		{"/api/v1/visits/intervals", "/api/v1/visits/intervals"},
		{"/api/v1/patrols?limit=3", "/api/v1/patrols"},
	}
	for _, tc := range cases {
		ptr := fmt.Sprintf("openapi.json#/paths/%s/get/responses/200/content/application~1json/schema", jsonPointerEscape(tc.doc))
		sch, err := c.Compile(ptr)
		if err != nil {
			t.Fatalf("compile %s: %v", ptr, err)
		}
		r := admin.get(tc.path)
		if r.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d %s", tc.path, r.StatusCode, r.body)
			continue
		}
		if err := sch.Validate(mustJSON(t, r.body)); err != nil {
			t.Errorf("GET %s does not match its schema: %v\n%s", tc.path, err, r.body)
		}
	}
	// Failures match the Problem schema.
	sch, err := c.Compile("openapi.json#/components/schemas/web.Problem")
	if err != nil {
		t.Fatal(err)
	}
	r := admin.get("/api/v1/users/999999")
	if r.StatusCode != 404 || r.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("missing user: %d %s", r.StatusCode, r.Header.Get("Content-Type"))
	}
	if err := sch.Validate(mustJSON(t, r.body)); err != nil {
		t.Errorf("problem does not match its schema: %v", err)
	}
}

func jsonPointerEscape(s string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(s)
}

func mustJSON(t *testing.T, s string) any {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(strings.NewReader(s))
	if err != nil {
		t.Fatalf("json: %v", err)
	}
	return v
}

// TestBadInputGetsProblemDetails covers every way a request can be wrong:
// each answer names the code and the field, and nothing changes.
func TestBadInputGetsProblemDetails(t *testing.T) {
	e := newEnv(t)
	c := e.login("demo-secretary")
	big := `{"username":"` + strings.Repeat("a", web.MaxBody+10) + `"}`
	for _, tt := range []struct {
		name, method, path, ctype, body string
		status                          int
		code, field                     string
	}{
		{"MalformedJSON", "POST", "/api/v1/users", "application/json", `{"username":`, 400, "malformed", ""},
		{"WrongType", "POST", "/api/v1/users", "application/json", `{"username": 5}`, 400, "malformed", "username"},
		{"UnknownField", "POST", "/api/v1/users", "application/json", `{"usrname": "x"}`, 400, "malformed", "usrname"},
		{"InvalidUTF8", "POST", "/api/v1/users", "application/json", "{\"username\":\"ab\xffc\"}", 400, "malformed", ""},
		{"LoneSurrogate", "POST", "/api/v1/users", "application/json", `{"username":"ab\ud800c"}`, 400, "malformed", ""},
		{"InvalidUTF8Query", "GET", "/api/v1/users?role=%FF", "", "", 400, "malformed", ""},
		{"ControlCharInName", "POST", "/api/v1/users", "application/json", `{"username":"abc","display_name":"a\u0000b","role":"resident","region_code":"360102002001","password":"Strong-Pass-2026"}`, 422, "invalid", "display_name"},
		{"NewlineInName", "POST", "/api/v1/users", "application/json", `{"username":"abc","display_name":"a\nb","role":"resident","region_code":"360102002001","password":"Strong-Pass-2026"}`, 422, "invalid", "display_name"},
		{"NotJSON", "POST", "/api/v1/users", "text/plain", `hello`, 422, "invalid", "Content-Type"},
		{"Oversized", "POST", "/api/v1/users", "application/json", big, 413, "too_large", ""},
		{"MissingFields", "POST", "/api/v1/users", "application/json", `{}`, 422, "invalid", "username"},
		{"BadRole", "POST", "/api/v1/users", "application/json", `{"username":"abc","display_name":"a","role":"king","region_code":"360102002001","password":"Strong-Pass-2026"}`, 422, "invalid", "role"},
		{"BadLimit", "GET", "/api/v1/users?limit=0", "", "", 422, "invalid", "limit"},
		{"BadCursor", "GET", "/api/v1/users?cursor=!!!", "", "", 422, "invalid", "cursor"},
		{"BadLevel", "GET", "/api/v1/regions?level=planet", "", "", 422, "invalid", "level"},
		{"NoRoute", "GET", "/api/v1/nothing", "", "", 404, "not_found", ""},
		{"WrongMethod", "DELETE", "/api/v1/me", "", "", 404, "not_found", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := e.auditCount()
			h := http.Header{"X-CSRF-Token": {c.csrf()}}
			if tt.ctype != "" {
				h.Set("Content-Type", tt.ctype)
			}
			res := c.do(tt.method, tt.path, strings.NewReader(tt.body), h)
			if res.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, tt.status, res.body)
			}
			var p web.Problem
			res.json(t, &p)
			if p.Code != tt.code || p.Status != tt.status || p.Detail == "" {
				t.Errorf("problem %+v", p)
			}
			if tt.field != "" {
				var fields []string
				for _, f := range p.Errors {
					fields = append(fields, f.Field)
				}
				sort.Strings(fields)
				if i := sort.SearchStrings(fields, tt.field); i == len(fields) || fields[i] != tt.field {
					t.Errorf("errors %v do not name %s", fields, tt.field)
				}
			}
			if e.auditCount() != before {
				t.Error("a refused request changed the audit log")
			}
		})
	}
}

func TestOversizedFormIsRefused(t *testing.T) {
	e := newEnv(t)
	c := e.login("demo-secretary")
	res := c.form("/users", map[string][]string{"username": {"big"}, "display_name": {strings.Repeat("长", web.MaxBody)}})
	if res.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(res.body, "字节上限") {
		t.Fatalf("oversized form: %d", res.StatusCode)
	}
}

// TestInvalidFormText: a form value that is not UTF-8 is refused as
// malformed before the handler sees it; a name with a control character
// or a line break is refused with the field and the rule named.
func TestInvalidFormText(t *testing.T) {
	e := newEnv(t)
	c := e.login("demo-secretary")
	before := e.auditCount()
	res := c.form("/users", map[string][]string{"username": {"bad-bytes"}, "display_name": {"张\xff三"}})
	if res.StatusCode != http.StatusBadRequest {
		t.Errorf("a form with invalid UTF-8: status %d, want 400", res.StatusCode)
	}
	res = c.form("/users", map[string][]string{"username": {"ctrl-name"}, "display_name": {"张\x00三"}, "role": {"resident"},
		"region_code": {"360102002001"}, "password": {"Strong-Pass-2026"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.body, "不能包含控制字符") {
		t.Errorf("a name with NUL: status %d, want 422 naming the rule", res.StatusCode)
	}
	res = c.form("/users", map[string][]string{"username": {"rlo-name"}, "display_name": {"张\u202e三"}, "role": {"resident"},
		"region_code": {"360102002001"}, "password": {"Strong-Pass-2026"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.body, "文字方向控制字符") {
		t.Errorf("a name with a direction override: status %d, want 422 naming the rule", res.StatusCode)
	}
	if e.auditCount() != before {
		t.Error("a refused form changed the audit log")
	}
}

func TestDemoTwiceDuplicatesNothing(t *testing.T) {
	e := newEnv(t)
	var users, regions, depts, tokens int
	counts := func() [4]int {
		e.app.DB.QueryRowContext(tCtx, `SELECT (SELECT COUNT(*) FROM account_users), (SELECT COUNT(*) FROM territory_regions WHERE level <> 'grid'),
			(SELECT COUNT(*) FROM territory_departments), (SELECT COUNT(*) FROM account_tokens)`).Scan(&users, &regions, &depts, &tokens)
		return [4]int{users, regions, depts, tokens}
	}
	first := counts()
	var out strings.Builder
	if err := seedDemoScaled(tCtx, e.app, &out, 1); err != nil {
		t.Fatal(err)
	}
	var grids int
	e.app.DB.QueryRowContext(tCtx, `SELECT COUNT(*) FROM territory_grids`).Scan(&grids)
	// 东湖区's own departments, and the 城市管理局 of the eight other
	// districts; 48 grids in 滕王阁街道 and two in each other subdistrict.
	if second := counts(); second != first || first != [4]int{len(DemoAccounts), 2413, 1 + len(demoDepartments) + 8, 1} || grids != 48+2*len(demoSpread) {
		t.Errorf("after a second demo run %v, first %v, %d grids", second, first, grids)
	}
	if strings.Contains(out.String(), "grt_") {
		t.Error("the second run printed a new token")
	}
	// A database with real accounts is refused.
	e.login("demo-city").api("POST", "/api/v1/users", map[string]any{"username": "real.admin", "display_name": "真实管理员",
		"role": "city_admin", "region_code": "3601", "password": "Strong-Pass-2026"})
	if err := seedDemoScaled(tCtx, e.app, &out, 1); err == nil || !strings.Contains(err.Error(), "real.admin") {
		t.Errorf("demo on a database with real accounts: %v", err)
	}
}

func TestCursorPagination(t *testing.T) {
	e := newEnv(t)
	c := e.login("demo-city")
	seen := map[string]bool{}
	next := ""
	pages := 0
	for {
		path := "/api/v1/regions?level=district&limit=4"
		if next != "" {
			path += "&cursor=" + next
		}
		var l struct {
			Items []struct {
				Code string `json:"code"`
			} `json:"items"`
			NextCursor string `json:"next_cursor"`
		}
		c.get(path).json(t, &l)
		for _, it := range l.Items {
			if seen[it.Code] {
				t.Fatalf("%s on two pages", it.Code)
			}
			seen[it.Code] = true
		}
		pages++
		if l.NextCursor == "" || pages > 10 {
			break
		}
		next = l.NextCursor
	}
	if len(seen) != 9 || pages != 3 {
		t.Errorf("saw %d districts on %d pages, want 9 on 3", len(seen), pages)
	}
}

var _ = json.Marshal

// TestImportPagesLinkBackToTheirList: every import page's 返回列表 opens
// a page, never a 404.
func TestImportPagesLinkBackToTheirList(t *testing.T) {
	e := newEnv(t)
	city, sec := e.login("demo-city"), e.login("demo-secretary")
	for _, p := range []string{"/party/members", "/party/orgs", "/party/committee", "/compounds", "/grids/table", "/workforce/reserve", "/workforce", "/units", "/buildings"} {
		c := city
		if p == "/compounds" || p == "/buildings" {
			c = sec // the registry is kept by the community
		}
		r := c.get(p + "/import")
		if r.StatusCode != http.StatusOK {
			t.Errorf("%s/import: %d", p, r.StatusCode)
			continue
		}
		m := regexp.MustCompile(`<a href="([^"]+)">返回列表</a>`).FindStringSubmatch(r.body)
		if m == nil {
			t.Errorf("%s/import has no link back", p)
			continue
		}
		if back := c.get(m[1]); back.StatusCode != http.StatusOK && back.StatusCode != http.StatusSeeOther {
			t.Errorf("%s/import links back to %s: %d", p, m[1], back.StatusCode)
		}
	}
}
