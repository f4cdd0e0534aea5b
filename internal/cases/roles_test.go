package cases_test

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"grassroots/internal/apptest"
	"grassroots/internal/cases"
	"grassroots/internal/platform/web"
)

// dispatchSuggestion is the department the dispatch form of case id
// preselects, as the person sees it ("" when none is).
func dispatchSuggestion(t *testing.T, c *apptest.Client, id int64) string {
	t.Helper()
	page := c.Get("/cases/" + itoa(id))
	sel := regexp.MustCompile(`(?s)<select name="dept_id" id="dispatch-dept">(.*?)</select>`).FindStringSubmatch(page.Body)
	if sel == nil {
		t.Fatalf("case %d has no dispatch form: %d %s", id, page.StatusCode, page.Body)
	}
	var out []string
	// The name, without the mark of a department with no active account.
	for _, m := range regexp.MustCompile(`<option value="\d+" selected>([^<]*?)(?: \(无在岗账号\))?</option>`).FindAllStringSubmatch(sel[1], -1) {
		out = append(out, m[1])
	}
	return strings.Join(out, ",")
}

// roleAudits is the number of audit entries of the role mapping.
func roleAudits(t *testing.T, e *apptest.Env) int {
	t.Helper()
	var n int
	if err := e.App.DB.QueryRowContext(e.System(), `SELECT COUNT(*) FROM audit_log WHERE action LIKE 'cases.department_role.%'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func roleOf(t *testing.T, rs cases.DepartmentRoles, role string) cases.DepartmentRole {
	t.Helper()
	for _, r := range rs.Roles {
		if r.Role == role {
			return r
		}
	}
	t.Fatalf("role %s not listed: %+v", role, rs.Roles)
	return cases.DepartmentRole{}
}

// problemFields is field → rule of a problem answer.
func problemFields(t *testing.T, r apptest.Response) map[string]string {
	t.Helper()
	var p web.Problem
	r.JSON(t, &p)
	out := map[string]string{}
	for _, f := range p.Errors {
		out[f.Field] = f.Rule + " | " + f.Message
	}
	return out
}

// TestDepartmentRoles maps the catalogue's department roles to a city
// whose departments carry Beijing's names: the suggestion by name, the
// dispatch form's suggestion before and after, who may read and change
// the mapping, bad input by field, the audit and the OpenAPI schema.
func TestDepartmentRoles(t *testing.T) {
	e := apptest.New(t)
	// Beijing's names for the departments the catalogue calls 城市管理局
	// and 住房和城乡建设局, in both districts.
	MustDepartment(t, e, "甲区城市管理委员会", apptest.DistrictA)
	MustDepartment(t, e, "乙区城市管理委员会", apptest.DistrictB)
	MustDepartment(t, e, "甲区住房和城乡建设委员会", apptest.DistrictA)
	// The city's own department of that name serves every district too;
	// the district's is the one to suggest.
	MustDepartment(t, e, "测试市城市管理委员会", apptest.City)

	p := e.Points[apptest.GridA1]
	in := MustReport(t, e.Login("resident"), map[string]any{"category": "0101", "description": "楼下垃圾堆了三天", "lon": p[0], "lat": p[1]})
	id := in.Case.ID
	sec := e.Login("secretary")
	c := MustMove(t, sec, id, cases.Move{Action: "accept", Version: in.Case.Version}, http.StatusOK)
	MustMove(t, sec, id, cases.Move{Action: "register", Version: c.Version}, http.StatusOK)
	if got := dispatchSuggestion(t, sec, id); got != "甲区城市管理局" {
		t.Fatalf("before the mapping the dispatch form suggests %q, want the catalogue's 甲区城市管理局", got)
	}

	city := e.Login("city")
	var rs cases.DepartmentRoles
	if r := city.Get("/api/v1/department-roles"); r.StatusCode != 200 {
		t.Fatalf("roles: %d %s", r.StatusCode, r.Body)
	} else {
		r.JSON(t, &rs)
	}
	if h := roleOf(t, rs, "住房和城乡建设局"); h.Suggestion != "住房和城乡建设委员会" || h.Department != "" || len(h.Matches) != 0 {
		t.Errorf("住房和城乡建设局 before the mapping: %+v", h)
	}
	if em := roleOf(t, rs, "应急管理局"); em.Suggestion != "" {
		t.Errorf("应急管理局 is suggested %q: nothing of the city's is like it", em.Suggestion)
	}
	if cm := roleOf(t, rs, "城市管理局"); !slices.Contains(cm.Classes, "市容环境") || !slices.Equal(cm.Matches, []string{"甲区城市管理局"}) {
		t.Errorf("城市管理局 before the mapping: %+v", cm)
	}
	if !slices.Contains(rs.Departments, "城市管理委员会") || slices.Contains(rs.Departments, "甲区城市管理委员会") {
		t.Errorf("department names offered are not the names without their district: %v", rs.Departments)
	}

	// Only the city administrator changes it; district staff read it.
	put := cases.DepartmentRoleInput{Role: "城市管理局", Department: "城市管理委员会"}
	district := e.Login("district")
	if r := district.Get("/api/v1/department-roles"); r.StatusCode != 200 {
		t.Errorf("district staff read the mapping: %d", r.StatusCode)
	}
	if r := district.Get("/cases/department-roles"); r.StatusCode != 200 || strings.Contains(r.Body, `name="department"`) {
		t.Errorf("district staff's page: %d, form shown: %v", r.StatusCode, strings.Contains(r.Body, `name="department"`))
	}
	before := roleAudits(t, e)
	for _, who := range []string{"district", "secretary", "subdistrict", "dept"} {
		cl := e.Login(who)
		if r := cl.API("PUT", "/api/v1/department-roles", put); r.StatusCode != http.StatusForbidden {
			t.Errorf("%s changes the mapping: %d %s", who, r.StatusCode, r.Body)
		}
		if r := cl.Form("/cases/department-roles", url.Values{"role": {put.Role}, "department": {put.Department}}); r.StatusCode != http.StatusForbidden {
			t.Errorf("%s changes the mapping on the page: %d", who, r.StatusCode)
		}
	}
	if r := sec.Get("/api/v1/department-roles"); r.StatusCode != http.StatusForbidden {
		t.Errorf("a community reads the city's mapping: %d", r.StatusCode)
	}

	// Bad input names the field, in both languages, and saves nothing.
	for _, tt := range []struct {
		name        string
		in          cases.DepartmentRoleInput
		field, rule string
	}{
		{"ErrUnknownRole", cases.DepartmentRoleInput{Role: "不存在局", Department: "城市管理委员会"}, "role", "department_role"},
		{"ErrNoRole", cases.DepartmentRoleInput{Department: "城市管理委员会"}, "role", "required"},
		{"ErrEmptyName", cases.DepartmentRoleInput{Role: "城市管理局", Department: "  "}, "department", "required"},
		{"ErrNoSuchDepartment", cases.DepartmentRoleInput{Role: "城市管理局", Department: "城管执法局"}, "department", "department_none"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := city.API("PUT", "/api/v1/department-roles", tt.in)
			if r.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("%d %s", r.StatusCode, r.Body)
			}
			if got := problemFields(t, r)[tt.field]; !strings.HasPrefix(got, tt.rule+" | ") {
				t.Errorf("field %s: %q, want rule %s", tt.field, got, tt.rule)
			}
			zh := city.Do("PUT", "/api/v1/department-roles", strings.NewReader(`{"role":"`+tt.in.Role+`","department":"`+tt.in.Department+`"}`),
				http.Header{"Content-Type": {"application/json"}, "Accept-Language": {"zh-CN"}, "X-CSRF-Token": {city.CSRF()}})
			if m := problemFields(t, zh)[tt.field]; !regexp.MustCompile(`\p{Han}`).MatchString(strings.SplitN(m, " | ", 2)[1]) {
				t.Errorf("Chinese message of %s: %q", tt.field, m)
			}
		})
	}
	if n := roleAudits(t, e); n != before {
		t.Errorf("refused changes were audited: %d → %d entries", before, n)
	}
	city.Get("/api/v1/department-roles").JSON(t, &rs)
	if cm := roleOf(t, rs, "城市管理局"); cm.Department != "" {
		t.Errorf("a refused change was saved: %+v", cm)
	}

	// The city administrator maps 城市管理局 to Beijing's name: every
	// district's 城市管理委员会 matches, and the dispatch form suggests the
	// one of the case's district.
	r := city.API("PUT", "/api/v1/department-roles", put)
	if r.StatusCode != 200 {
		t.Fatalf("map: %d %s", r.StatusCode, r.Body)
	}
	var got cases.DepartmentRole
	r.JSON(t, &got)
	if got.Department != "城市管理委员会" || !slices.Equal(got.Matches, []string{"甲区城市管理委员会", "乙区城市管理委员会", "测试市城市管理委员会"}) || got.UpdatedBy != "city" {
		t.Errorf("mapped: %+v", got)
	}
	if n := roleAudits(t, e); n != before+1 {
		t.Errorf("the mapping wrote %d audit entries, want 1", n-before)
	}
	var action, object string
	if err := e.App.DB.QueryRowContext(e.System(), `SELECT action, object_id FROM audit_log WHERE action LIKE 'cases.%' ORDER BY id DESC LIMIT 1`).Scan(&action, &object); err != nil || action != "cases.department_role.put" || object != "城市管理局" {
		t.Errorf("audit: %q %q %v", action, object, err)
	}
	if got := dispatchSuggestion(t, sec, id); got != "甲区城市管理委员会" {
		t.Errorf("after the mapping the dispatch form suggests %q, want 甲区城市管理委员会", got)
	}
	// Changing it again records what it was.
	if r := city.API("PUT", "/api/v1/department-roles", cases.DepartmentRoleInput{Role: "住房和城乡建设局", Department: "住房和城乡建设委员会"}); r.StatusCode != 200 {
		t.Errorf("map 住房和城乡建设局: %d %s", r.StatusCode, r.Body)
	}

	// The page: names only, the mapping and the suggestion; a bad row
	// comes back with its field named; clearing goes back to the
	// catalogue's name.
	page := city.Get("/cases/department-roles")
	if page.StatusCode != 200 || !strings.Contains(page.Body, `id="department-roles"`) || !strings.Contains(page.Body, "甲区城市管理委员会") {
		t.Fatalf("roles page: %d %s", page.StatusCode, page.Body)
	}
	if m := regexp.MustCompile(`>[^<]*\b(0[1-9]|10)[0-9]{2}\b|44030[37]|dept_id|value="\d+"`).FindString(page.Body); m != "" {
		t.Errorf("the roles page shows a code or an id: %q", m)
	}
	if r := city.Form("/cases/department-roles", url.Values{"role": {"城市管理局"}, "department": {""}}); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "部门: ") {
		t.Errorf("empty name on the page: %d", r.StatusCode)
	}
	if r := city.Form("/cases/department-roles", url.Values{"role": {"城市管理局"}, "clear": {"clear"}}); r.StatusCode != http.StatusSeeOther {
		t.Errorf("clear: %d %s", r.StatusCode, r.Body)
	}
	if got := dispatchSuggestion(t, sec, id); got != "甲区城市管理局" {
		t.Errorf("after clearing the dispatch form suggests %q", got)
	}
	if r := city.API("DELETE", "/api/v1/department-roles/"+url.PathEscape("城市管理局"), nil); r.StatusCode != http.StatusNotFound {
		t.Errorf("clearing a role that is not mapped: %d", r.StatusCode)
	}
	if r := city.API("DELETE", "/api/v1/department-roles/"+url.PathEscape("住房和城乡建设局"), nil); r.StatusCode != 200 {
		t.Errorf("clear over the API: %d %s", r.StatusCode, r.Body)
	}
	if n := roleAudits(t, e); n != before+4 {
		t.Errorf("four changes wrote %d audit entries", n-before)
	}

	// The answer matches the documented schema.
	doc := e.Anon().Get("/api/v1/openapi.json")
	v, err := jsonschema.UnmarshalJSON(strings.NewReader(doc.Body))
	if err != nil {
		t.Fatal(err)
	}
	comp := jsonschema.NewCompiler()
	if err := comp.AddResource("openapi.json", v); err != nil {
		t.Fatal(err)
	}
	sch, err := comp.Compile("openapi.json#/paths/~1api~1v1~1department-roles/get/responses/200/content/application~1json/schema")
	if err != nil {
		t.Fatal(err)
	}
	ans, _ := jsonschema.UnmarshalJSON(strings.NewReader(city.Get("/api/v1/department-roles").Body))
	if err := sch.Validate(ans); err != nil {
		t.Errorf("the answer does not match its schema: %v", err)
	}
}
