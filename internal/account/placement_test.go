package account_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"grassroots/internal/account"
	"grassroots/internal/apptest"
	"grassroots/internal/platform/audit"
	"grassroots/internal/platform/authz"
)

// TestPlacementChangeEndsSessionsAndTokens: a subdistrict's staff makes
// the grid worker a community worker of the same community on the
// account's page; the worker's open session and API token stop working
// at once, the change is audited with before and after, and the grid
// the account served stays with it.
func TestPlacementChangeEndsSessionsAndTokens(t *testing.T) {
	e := apptest.New(t)
	admin, grid := e.Login("subdistrict"), e.Login("grid")
	id := e.UserID("grid")
	var tok struct {
		Secret string `json:"secret"`
	}
	grid.API("POST", "/api/v1/tokens", map[string]any{"name": "phone"}).JSON(t, &tok)
	if r := e.WithToken(tok.Secret).Get("/api/v1/me"); r.StatusCode != http.StatusOK {
		t.Fatalf("token before the change: %d", r.StatusCode)
	}
	if r := grid.Get("/me"); r.StatusCode != http.StatusOK {
		t.Fatalf("session before the change: %d", r.StatusCode)
	}
	page := admin.Get("/users/" + itoa(id))
	if !strings.Contains(page.Body, `id="placement-form"`) || !strings.Contains(page.Body, "甲一社区居委会") {
		t.Fatalf("the account page offers no placement form naming the division: %d", page.StatusCode)
	}
	res := admin.Form("/users/"+itoa(id), url.Values{"action": {"placement"}, "version": {"1"}, "role": {"community_worker"},
		"region_code": {apptest.CommunityA}, "region_code_text": {"甲一街道 › 甲一社区居委会"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("placement: %d %s", res.StatusCode, errorText(res.Body))
	}
	if r := grid.Get("/me"); r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
		t.Errorf("the old session still works after the change: %d", r.StatusCode)
	}
	if r := e.WithToken(tok.Secret).Get("/api/v1/me"); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("the old API token still works after the change: %d", r.StatusCode)
	}
	u, _ := e.App.Accounts.UserByName(ctx, "grid")
	if u.Role != authz.RoleCommunityWorker || u.RegionCode != apptest.CommunityA || u.Version != 2 {
		t.Errorf("stored: %s %s v%d", u.Role, u.RegionCode, u.Version)
	}
	if gs, _ := e.App.Accounts.GridsOf(ctx, id); len(gs) != 1 || gs[0] != apptest.GridA1 {
		t.Errorf("a community worker of the same community keeps the grid: %v", gs)
	}
	es, err := audit.Find(ctx, e.App.DB, authz.All, audit.Filter{Action: "account.user.placement", ObjectID: itoa(id)})
	if err != nil || len(es) != 1 {
		t.Fatalf("placement audit: %v %d", err, len(es))
	}
	before, after := fmt.Sprintf("%s", es[0].Before), fmt.Sprintf("%s", es[0].After)
	if !strings.Contains(before, `"role":"grid_worker"`) || !strings.Contains(after, `"role":"community_worker"`) || es[0].ActorName != "subdistrict" {
		t.Errorf("audit before %s after %s", before, after)
	}
	if page := admin.Get("/users/" + itoa(id)); !strings.Contains(page.Body, "角色与所属已修改") {
		t.Errorf("no flash after the change")
	}
	// The holder signs in again and acts with the new role.
	var me account.Me
	e.Login("grid").Get("/api/v1/me").JSON(t, &me)
	if me.Role != authz.RoleCommunityWorker {
		t.Errorf("after signing in again: %s", me.Role)
	}
}

// TestPlacementRulesChangeNothing: a placement outside the actor's scope,
// a role they may not grant, a level the role may not sit at, a
// department staff without a department and one's own account are each
// refused with the field and the rule, and nothing changes: the version
// stays and the session goes on.
func TestPlacementRulesChangeNothing(t *testing.T) {
	e := apptest.New(t)
	sub, district, grid := e.Login("subdistrict"), e.Login("district"), e.Login("grid")
	id := itoa(e.UserID("grid"))
	for _, tt := range []struct {
		name   string
		c      *apptest.Client
		body   map[string]any
		status int
		want   string
	}{
		{"ErrOutOfScope", sub, map[string]any{"version": 1, "region_code": apptest.CommunityB}, 422, `"rule":"region_code"`},
		{"ErrRoleGrant", sub, map[string]any{"version": 1, "role": "subdistrict_staff", "region_code": apptest.SubA}, 422, `"rule":"role_grant"`},
		{"ErrLevel", sub, map[string]any{"version": 1, "role": "community_worker", "region_code": apptest.SubA}, 422, `"rule":"role_level"`},
		{"ErrNoDepartment", district, map[string]any{"version": 1, "role": "department_staff", "region_code": apptest.DistrictA}, 422, `"rule":"department"`},
		{"ErrOwn", e.Login("city"), nil, 422, `"rule":"own_placement"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			target := id
			if tt.name == "ErrOwn" {
				target = itoa(e.UserID("city"))
				tt.body = map[string]any{"version": 1, "region_code": apptest.DistrictA, "role": "district_staff"}
			}
			r := tt.c.API("PATCH", "/api/v1/users/"+target, tt.body)
			if r.StatusCode != tt.status || !strings.Contains(r.Body, tt.want) {
				t.Errorf("%d %s, want %d %s", r.StatusCode, r.Body, tt.status, tt.want)
			}
		})
	}
	u, _ := e.App.Accounts.UserByName(ctx, "grid")
	if u.Version != 1 || u.Role != authz.RoleGridWorker {
		t.Errorf("a refused change changed the account: %+v", u)
	}
	if r := grid.Get("/me"); r.StatusCode != http.StatusOK {
		t.Errorf("a refused change ended the session: %d", r.StatusCode)
	}
	// On the page the level rule names the levels as people call them.
	res := sub.Form("/users/"+id, url.Values{"action": {"placement"}, "version": {"1"}, "role": {"community_worker"},
		"region_code": {apptest.SubA}, "region_code_text": {"甲一街道"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "所属区划: 该角色只能设在：社区/村") {
		t.Errorf("level rule on the page: %d %s", res.StatusCode, errorText(res.Body))
	}
}

// TestPlacementAsDepartmentStaff: a district's staff makes a Party member
// staff of the district's department, chosen from the list by name,
// over the API; the account then sees the department's cases only.
func TestPlacementAsDepartmentStaff(t *testing.T) {
	e := apptest.New(t)
	c := e.Login("district")
	page := c.Get("/users/new")
	if !strings.Contains(page.Body, ">甲区城市管理局</option>") || !strings.Contains(page.Body, `data-show-roles="department_staff"`) {
		t.Fatalf("the new account form offers no department by name")
	}
	id := itoa(e.UserID("member"))
	r := c.API("PATCH", "/api/v1/users/"+id, map[string]any{"version": 1, "role": "department_staff", "region_code": apptest.DistrictA,
		"department_id": e.Dept.ID})
	if r.StatusCode != http.StatusOK {
		t.Fatalf("make department staff: %d %s", r.StatusCode, r.Body)
	}
	u, _ := e.App.Accounts.UserByName(ctx, "member")
	if u.DepartmentID != e.Dept.ID || u.Role != authz.RoleDepartmentStaff {
		t.Errorf("stored %+v", u)
	}
	// Back to a Party member: the department goes with the role.
	r = c.API("PATCH", "/api/v1/users/"+id, map[string]any{"version": 2, "role": "party_member", "region_code": apptest.CommunityA})
	if r.StatusCode != http.StatusOK {
		t.Fatalf("back: %d %s", r.StatusCode, r.Body)
	}
	if u, _ := e.App.Accounts.UserByName(ctx, "member"); u.DepartmentID != 0 {
		t.Errorf("a Party member kept a department: %d", u.DepartmentID)
	}
}

// TestDivisionPickerSuggestsByName: the picker's suggestions offer, by
// name and with their path, the divisions of the actor's scope at the
// levels the role may sit at; a form sent without choosing a suggestion
// is resolved by the typed name.
func TestDivisionPickerSuggestsByName(t *testing.T) {
	e := apptest.New(t)
	c := e.Login("district")
	var got struct {
		Items []account.Place `json:"items"`
	}
	c.Get("/api/v1/account-regions?role=grid_worker&q="+url.QueryEscape("甲一")).JSON(t, &got)
	var paths []string
	for _, p := range got.Items {
		paths = append(paths, string(p.Level)+":"+p.Path)
	}
	want := []string{"community:甲区 › 甲一街道 › 甲一社区居委会", "grid:甲区 › 甲一街道 › 甲一社区居委会 › 甲一网格1", "grid:甲区 › 甲一街道 › 甲一社区居委会 › 甲一网格2"}
	if strings.Join(paths, "|") != strings.Join(want, "|") {
		t.Errorf("suggestions %v, want %v", paths, want)
	}
	c.Get("/api/v1/account-regions?role=subdistrict_staff&q=一").JSON(t, &got)
	if len(got.Items) != 1 || got.Items[0].Code != apptest.SubA {
		t.Errorf("subdistrict staff: %+v (only the subdistrict in scope)", got.Items)
	}
	if r := c.Get("/api/v1/account-regions?role=boss"); r.StatusCode != 422 {
		t.Errorf("unknown role: %d", r.StatusCode)
	}
	// The list's filter takes a division by name as well.
	if r := c.Get("/users?region_text=" + url.QueryEscape("甲一街道")); r.StatusCode != 200 || !strings.Contains(r.Body, ">secretary</a>") ||
		strings.Contains(r.Body, ">district</a>") || !strings.Contains(r.Body, `value="甲区 › 甲一街道"`) {
		t.Errorf("filter by a division's name: %d", r.StatusCode)
	}
	if r := c.Get("/users?region_text=" + url.QueryEscape("不存在的街道")); r.StatusCode != 422 || !strings.Contains(r.Body, `name="region_text"`) {
		t.Errorf("filter by an unknown name: %d", r.StatusCode)
	}
	// Without scripts: the typed name alone.
	form := url.Values{"username": {"li.si"}, "display_name": {"李四"}, "role": {"community_worker"},
		"region_code_text": {"甲一社区居委会"}, "password": {"Strong-Pass-2026"}}
	if r := c.Form("/users", form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("create by name: %d %s", r.StatusCode, errorText(r.Body))
	}
	if u, err := e.App.Accounts.UserByName(ctx, "li.si"); err != nil || u.RegionCode != apptest.CommunityA {
		t.Errorf("placed at %v %v", u, err)
	}
	// A stale code does not win over a changed name.
	form.Set("username", "wang.wu")
	form.Set("region_code", apptest.DistrictA)
	form.Set("region_code_text", "甲区 › 甲一街道 › 甲一社区居委会")
	if r := c.Form("/users", form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("create by path: %d %s", r.StatusCode, errorText(r.Body))
	}
	if u, _ := e.App.Accounts.UserByName(ctx, "wang.wu"); u == nil || u.RegionCode != apptest.CommunityA {
		t.Errorf("the typed path should win over the stale code: %+v", u)
	}
	form.Set("username", "zhao.liu")
	form.Set("region_code_text", "乙一社区居委会")
	form.Del("region_code")
	r := c.Form("/users", form)
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "所属区划: 您的管辖范围内没有该角色可用的“乙一社区居委会”") {
		t.Errorf("a name outside the scope: %d %s", r.StatusCode, errorText(r.Body))
	}
}

// TestUsersListPaginatesWithTotal: the list says how many accounts match
// and pages through them.
func TestUsersListPaginatesWithTotal(t *testing.T) {
	e := apptest.New(t)
	for i := 0; i < 55; i++ {
		if _, err := e.App.Accounts.CreateUser(e.System(), account.UserInput{Username: fmt.Sprintf("res-%02d", i), DisplayName: "居民" + itoa(int64(i)),
			Role: authz.RoleResident, RegionCode: apptest.CommunityA, Password: apptest.Password}); err != nil {
			t.Fatal(err)
		}
	}
	c := e.Login("secretary")
	first := c.Get("/users?role=resident")
	if !strings.Contains(first.Body, "共 56 个账号") || !strings.Contains(first.Body, `id="users-next"`) {
		t.Fatalf("first page: %s", regexp.MustCompile(`id="users-total">[^<]*`).FindString(first.Body))
	}
	next := regexp.MustCompile(`href="(/users\?[^"]*)" id="users-next"`).FindStringSubmatch(first.Body)
	second := c.Get(strings.ReplaceAll(next[1], "&amp;", "&"))
	if n := strings.Count(second.Body, `<a href="/users/`); n != 6 || !strings.Contains(second.Body, "共 56 个账号") || strings.Contains(second.Body, `id="users-next"`) {
		t.Errorf("second page: %d rows", n)
	}
}

// TestAdministrationPagesShowNoCodes: the account list and an account's
// page name divisions and departments; no division code (12 digits, a
// community's) is in what people read.
func TestAdministrationPagesShowNoCodes(t *testing.T) {
	e := apptest.New(t)
	for _, who := range []string{"city", "district", "subdistrict", "secretary"} {
		c := e.Login(who)
		for _, p := range []string{"/users", "/users/" + itoa(e.UserID("grid")), "/users/" + itoa(e.UserID("dept")), "/users/new", "/me"} {
			r := c.Get(p)
			if r.StatusCode != http.StatusOK {
				if (who == "secretary" || who == "subdistrict") && strings.Contains(p, itoa(e.UserID("dept"))) {
					continue // outside a community's scope
				}
				t.Errorf("%s %s: %d", who, p, r.StatusCode)
				continue
			}
			apptest.NoCodes(t, who+" "+p, r.Body)
		}
	}
	c := e.Login("district")
	list := apptest.VisibleText(c.Get("/users").Body)
	for _, want := range []string{"甲一街道 › 甲一社区居委会", "甲区城市管理局", "网格员"} {
		if !strings.Contains(list, want) {
			t.Errorf("the list lacks %q", want)
		}
	}
	if p := apptest.VisibleText(c.Get("/users/" + itoa(e.UserID("dept"))).Body); !strings.Contains(p, "甲区城市管理局") || !strings.Contains(p, "测试市 › 甲区") && !strings.Contains(p, "甲区") {
		t.Errorf("the department account's page names neither its department nor its division")
	}
	// A grid worker's own page names their community, outside their grids.
	if p := apptest.VisibleText(e.Login("grid").Get("/me").Body); !strings.Contains(p, "甲一社区居委会") {
		t.Errorf("the grid worker's own page does not name their community")
	}
	// The API keeps the codes for machines.
	var u account.User
	r := c.Get("/api/v1/users/" + itoa(e.UserID("grid")))
	if err := json.Unmarshal([]byte(r.Body), &u); err != nil || u.RegionCode != apptest.CommunityA {
		t.Errorf("API: %v %s", err, r.Body)
	}
}
