package workbench_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"grassroots/internal/apptest"
	"grassroots/internal/workbench"
)

func report(t *testing.T, c *apptest.Client, category, text string, p [2]float64) int64 {
	t.Helper()
	r := c.API("POST", "/api/v1/cases", map[string]any{"category": category, "description": text, "lon": p[0], "lat": p[1]})
	if r.StatusCode != http.StatusCreated {
		t.Fatalf("report: %d %s", r.StatusCode, r.Body)
	}
	var in struct {
		Case struct{ ID int64 } `json:"case"`
	}
	r.JSON(t, &in)
	return in.Case.ID
}

func panels(t *testing.T, c *apptest.Client) map[string]workbench.Panel {
	t.Helper()
	r := c.Get("/api/v1/workbench")
	if r.StatusCode != http.StatusOK {
		t.Fatalf("workbench: %d %s", r.StatusCode, r.Body)
	}
	var wb workbench.Workbench
	r.JSON(t, &wb)
	out := map[string]workbench.Panel{}
	for _, p := range wb.Panels {
		if p.Error != "" {
			t.Errorf("panel %s failed: %s", p.Name, p.Error)
		}
		out[p.Name] = p
	}
	return out
}

// count is the count of the item labelled label in panel p (-1: none).
func count(p workbench.Panel, label string) int64 {
	for _, it := range p.Items {
		if it.Label == label {
			return it.Count
		}
	}
	return -1
}

// listTotal is the total of the case list behind a workbench link.
func listTotal(t *testing.T, c *apptest.Client, href string) int64 {
	t.Helper()
	u, err := url.Parse(href)
	if err != nil {
		t.Fatal(err)
	}
	r := c.Get("/api/v1/cases?" + u.RawQuery)
	if r.StatusCode != http.StatusOK {
		t.Fatalf("list %s: %d %s", href, r.StatusCode, r.Body)
	}
	var l struct {
		Items []struct{ ID int64 } `json:"items"`
		Total *int64               `json:"total"`
	}
	r.JSON(t, &l)
	if l.Total == nil {
		t.Fatalf("list %s has no total", href)
	}
	return *l.Total
}

// usersTotal finds the total of the accounts list page.
var usersTotal = regexp.MustCompile(`id="users-total">共 (\d+) 个账号`)

// Every role opens on its own panels, and every count of a case to-do is
// the total of the list its link opens.
func TestWorkbenchPerRole(t *testing.T) {
	e := apptest.New(t)
	resident, grid, sec := e.Login("resident"), e.Login("grid"), e.Login("secretary")
	p := e.Points[apptest.GridA1]
	report(t, resident, "0303", "小区门口路灯不亮已经一周", p)
	report(t, resident, "0701", "楼下广场舞音响太吵", p)
	// A grid worker's patrol report is accepted as it is filed.
	report(t, grid, "0303", "路灯杆倾斜", p)
	// Another one the community registers, handles and whistles to the
	// district's 城市管理局, which has not yet reported (报到).
	whistled := report(t, grid, "0401", "路边水管漏水", p)
	version := 1
	for _, m := range []map[string]any{{"action": "register"}, {"action": "dispatch", "unit_kind": "community"}} {
		m["version"] = version
		r := sec.API("POST", "/api/v1/cases/"+strconv.FormatInt(whistled, 10)+"/moves", m)
		if r.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %s", m["action"], r.StatusCode, r.Body)
		}
		var c struct{ Version int }
		r.JSON(t, &c)
		version = c.Version
	}
	if r := sec.API("POST", "/api/v1/cases/"+strconv.FormatInt(whistled, 10)+"/whistles", map[string]any{"ground": "pressing_problem",
		"dept_ids": []int64{e.Dept.ID}, "note": "需城管协同"}); r.StatusCode != http.StatusCreated {
		t.Fatalf("whistle: %d %s", r.StatusCode, r.Body)
	}

	want := map[string][]string{
		"resident":    {"cases-mine", "cases-nearby"},
		"grid":        {"cases-grid"},
		"secretary":   {"cases-community", "cases-figures"},
		"dept":        {"cases-department"},
		"property":    {"cases-department"},
		"subdistrict": {"cases-supervision", "cases-figures"},
		"city":        {"cases-supervision", "cases-figures"},
	}
	not := map[string][]string{
		"resident": {"cases-community", "cases-grid", "cases-department"},
		"dept":     {"cases-community", "cases-grid", "cases-supervision"},
		"grid":     {"cases-community", "cases-supervision"},
	}
	for role, names := range want {
		c := e.Login(role)
		ps := panels(t, c)
		for _, n := range names {
			if _, ok := ps[n]; !ok {
				t.Errorf("%s: no panel %s (has %v)", role, n, keys(ps))
			}
		}
		for _, n := range not[role] {
			if _, ok := ps[n]; ok {
				t.Errorf("%s sees the panel %s", role, n)
			}
			if r := c.Get("/workbench/w/" + n); r.StatusCode != http.StatusNotFound {
				t.Errorf("%s opens the panel %s: %d", role, n, r.StatusCode)
			}
		}
		for _, pn := range ps {
			for _, it := range pn.Items {
				if u, _ := url.Parse(it.Href); u.Path == "/whistles" {
					var l struct{ Total *int64 }
					c.Get("/api/v1/whistles?limit=1&"+u.RawQuery).JSON(t, &l)
					if l.Total == nil || *l.Total != it.Count {
						t.Errorf("%s: %s «%s» counts %d, its list %s holds %v", role, pn.Name, it.Label, it.Count, it.Href, l.Total)
					}
					continue
				}
				if !strings.HasPrefix(it.Href, "/cases?") {
					continue
				}
				if n := listTotal(t, c, it.Href); n != it.Count {
					t.Errorf("%s: %s «%s» counts %d, its list %s holds %d", role, pn.Name, it.Label, it.Count, it.Href, n)
				}
			}
		}
	}

	// Every figure that links to a list is that list's total: the
	// registry's people and buildings, the cases received this month and
	// open, the area's grid workers — for a community, a subdistrict, the
	// city and a grid worker's grids. A figure no list shows links nowhere.
	lists := map[string]bool{"/cases": true, "/people": true, "/buildings": true, "/users": true}
	for _, role := range []string{"secretary", "subdistrict", "city", "grid"} {
		c := e.Login(role)
		linked := map[string]bool{}
		for _, pn := range panels(t, c) {
			for _, f := range pn.Figures {
				if f.Href == "" {
					continue
				}
				u, _ := url.Parse(f.Href)
				if !lists[u.Path] {
					if pn.Name == "cases-figures" || pn.Name == "registry-figures" || f.Label == "党员" || f.Label == "网格员" {
						t.Errorf("%s: figure «%s» links to %s, which is not a list showing it", role, f.Label, f.Href)
					}
					continue
				}
				linked[f.Label] = true
				if u.Path == "/users" { // the accounts API has no total: read the page's
					r := c.Get(f.Href)
					m := usersTotal.FindStringSubmatch(r.Body)
					if r.StatusCode != http.StatusOK || m == nil || m[1] != f.Value {
						t.Errorf("%s: figure «%s» says %s, its list %s holds %v (%d)", role, f.Label, f.Value, f.Href, m, r.StatusCode)
					}
					continue
				}
				r := c.Get("/api/v1" + u.Path + "?limit=1&" + u.RawQuery)
				var l struct {
					Total *int64 `json:"total"`
				}
				r.JSON(t, &l)
				if r.StatusCode != http.StatusOK || l.Total == nil || strconv.FormatInt(*l.Total, 10) != f.Value {
					t.Errorf("%s: figure «%s» says %s, its list %s holds %v (%d)", role, f.Label, f.Value, f.Href, l.Total, r.StatusCode)
				}
			}
		}
		if role == "grid" {
			continue
		}
		for _, label := range []string{"新收案件", "办理中", "网格员"} {
			if !linked[label] {
				t.Errorf("%s: the figure «%s» links to no list", role, label)
			}
		}
	}

	dp := panels(t, e.Login("dept"))["cases-department"]
	if n := count(dp, "待报到"); n != 1 {
		t.Errorf("the department has %d whistles to report, want 1", n)
	}
	if len(dp.Rows) != 1 || !strings.HasPrefix(dp.Rows[0].Badge, "报到还剩 ") {
		t.Errorf("the department's whistle rows: %+v, want one with the time left to report", dp.Rows)
	}
	if r := e.Login("dept").Get("/whistles?to_report=1"); !strings.Contains(r.Body, `id="whistles-total" data-total="1"`) || !strings.Contains(r.Body, `aria-current="page">待报到`) {
		t.Errorf("the whistles to report: %d, no total of 1 under its own label", r.StatusCode)
	}
	defer func() { // last: the clock moves on
		e.Clock.Add(48 * time.Hour)
		if dp := panels(t, e.Login("dept"))["cases-department"]; len(dp.Rows) != 1 || !strings.HasPrefix(dp.Rows[0].Badge, "报到超时 ") || dp.Rows[0].Tone != "urgent" {
			t.Errorf("a late 报到: %+v, want how late it is", dp.Rows)
		}
	}()
	sp := panels(t, sec)["cases-community"]
	if n := count(sp, "待受理"); n != 2 {
		t.Errorf("the secretary has %d cases to accept, want 2", n)
	}
	if n := count(sp, "待立案"); n != 1 {
		t.Errorf("the secretary has %d cases to register, want 1", n)
	}
	rp := panels(t, resident)["cases-mine"]
	if n := count(rp, "我反映的问题"); n != 2 {
		t.Errorf("the resident has %d reports, want 2", n)
	}
	if len(rp.Rows) != 2 || len(rp.Actions) == 0 || rp.Actions[0].Href != "/cases/new" {
		t.Errorf("the resident's panel: rows %v, actions %v", rp.Rows, rp.Actions)
	}
	// Reports nearby are public facts: the category and status, never the
	// description or who wrote it.
	np := panels(t, resident)["cases-nearby"]
	if len(np.Rows) == 0 {
		t.Fatal("no reports nearby")
	}
	for _, r := range np.Rows {
		if strings.Contains(r.Title+r.Sub, "路灯杆倾斜") || r.Href != "" {
			t.Errorf("a nearby report shows more than public facts: %+v", r)
		}
	}
}

// The home page lays out the actor's panels, each loaded from its own
// address; without a session it sends to the login page.
func TestWorkbenchPages(t *testing.T) {
	e := apptest.New(t)
	if r := e.Anon().Get("/"); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/login" {
		t.Errorf("anonymous home: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
	sec := e.Login("secretary")
	r := sec.Get("/")
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `hx-get="/workbench/w/cases-community"`) {
		t.Fatalf("secretary home: %d %s", r.StatusCode, r.Body)
	}
	frag := sec.Do("GET", "/workbench/w/cases-community", nil, http.Header{"Hx-Request": {"true"}})
	if frag.StatusCode != http.StatusOK || strings.Contains(frag.Body, "<html") || !strings.Contains(frag.Body, "待受理") {
		t.Errorf("panel fragment: %d %s", frag.StatusCode, frag.Body)
	}
	page := sec.Get("/workbench/w/cases-community")
	if page.StatusCode != http.StatusOK || !strings.Contains(page.Body, "<html") || !strings.Contains(page.Body, "待受理") {
		t.Errorf("panel page: %d", page.StatusCode)
	}
	if r := sec.Get("/workbench/w/nothing"); r.StatusCode != http.StatusNotFound {
		t.Errorf("an unknown panel: %d", r.StatusCode)
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
