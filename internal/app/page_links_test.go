package app

import (
	"bytes"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"grassroots/internal/cases"
)

var (
	hrefRe = regexp.MustCompile(`href="([^"]*)"`)
	tagRe  = regexp.MustCompile(`<[^>]*>`)
)

// tableOf returns the markup of the table with id in page, failing t when
// there is none.
func tableOf(t *testing.T, page, id string) string {
	t.Helper()
	i := strings.Index(page, `<table id="`+id+`"`)
	if i < 0 {
		t.Fatalf("no table #%s on the page:\n%s", id, page)
	}
	j := strings.Index(page[i:], "</table>")
	if j < 0 {
		t.Fatalf("table #%s is not closed", id)
	}
	return page[i : i+j]
}

// TestPageLinksOpenForTheirViewer: the departments page links a
// department's division only for a viewer who may open it (a district's
// department seen from a subdistrict or a community is named, not
// linked), and the case dashboard links its 本级待定位 row to the queue
// only for those who may open the queue; every link either page shows
// answers 200 to the viewer who sees it.
func TestPageLinksOpenForTheirViewer(t *testing.T) {
	e := newEnv(t)
	// A 12345 order whose address matches no registry address waits in
	// 滕王阁街道's queue: the subdistrict's dashboard has its 本级待定位 row.
	city := e.login("demo-city")
	csv := csvBytes([][]string{cases.HotlineTemplate,
		{"12345-20261126-000000000101", "暴露垃圾", "公园东门北侧垃圾堆放多日无人清理", "东湖区滕王阁街道某某公园东门北侧停车场旁边的垃圾收集点附近", "", "", "赵先生", "13800138000", "2026-11-25 09:30:00", "", "东湖区", "滕王阁街道"},
	})
	r := city.do("POST", "/api/v1/hotline/import?name=orders.csv", bytes.NewReader(csv), http.Header{"Content-Type": {"text/csv"}, "X-CSRF-Token": {city.csrf()}})
	var rep cases.HotlineReport
	r.json(t, &rep)
	if r.StatusCode != http.StatusOK || rep.Unlocated != 1 {
		t.Fatalf("12345 import: %d %s", r.StatusCode, r.body)
	}
	// A case in the grid worker's first grid: their dashboard has a row.
	lon, lat := e.dayPoint(demoGridA)
	if r := e.login("demo-secretary").api("POST", "/api/v1/cases", map[string]any{"category": "0303", "description": "民巷社区北门外的路灯不亮", "lon": lon, "lat": lat}); r.StatusCode != http.StatusCreated {
		t.Fatalf("report: %d %s", r.StatusCode, r.body)
	}

	for _, c := range []struct {
		user, path, table string
		links             []string // links the table must show
		plain             []string // text the table must show without a link
		absent            []string // links the table must not show
	}{
		{"demo-district", "/departments", "departments", []string{"/regions/" + demoDistrict}, nil, nil},
		{"demo-subdistrict", "/departments", "departments", nil, []string{"东湖区"}, []string{"/regions/" + demoDistrict}},
		{"demo-secretary", "/departments", "departments", nil, []string{"东湖区"}, []string{"/regions/" + demoDistrict}},
		{"demo-worker", "/departments", "departments", nil, []string{"东湖区"}, []string{"/regions/" + demoDistrict}},
		{"demo-grid", "/departments", "departments", nil, []string{"东湖区"}, []string{"/regions/" + demoDistrict}},
		{"demo-subdistrict", "/cases/dashboard", "case-children", []string{"/cases/unlocated"}, nil, nil},
		{"demo-grid", "/cases/dashboard", "case-children", nil, nil, []string{"/cases/unlocated"}},
	} {
		viewer := e.login(c.user)
		res := viewer.get(c.path)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s %s: %d", c.user, c.path, res.StatusCode)
		}
		table := tableOf(t, res.body, c.table)
		var hrefs []string
		for _, m := range hrefRe.FindAllStringSubmatch(table, -1) {
			hrefs = append(hrefs, strings.ReplaceAll(m[1], "&amp;", "&"))
		}
		if !strings.Contains(table, `<tr><td>`) {
			t.Errorf("%s's %s has no row: %s", c.user, c.path, table)
		}
		for _, want := range c.links {
			found := false
			for _, h := range hrefs {
				found = found || h == want
			}
			if !found {
				t.Errorf("%s's %s does not link %s: %v", c.user, c.path, want, hrefs)
			}
		}
		for _, want := range c.plain {
			if !strings.Contains(tagRe.ReplaceAllString(table, ""), want) {
				t.Errorf("%s's %s does not show %s", c.user, c.path, want)
			}
			if strings.Contains(table, `">`+want+`</a>`) {
				t.Errorf("%s's %s links %s", c.user, c.path, want)
			}
		}
		for _, h := range hrefs {
			for _, no := range c.absent {
				if h == no {
					t.Errorf("%s's %s links %s", c.user, c.path, h)
				}
			}
			if got := viewer.get(h); got.StatusCode != http.StatusOK {
				t.Errorf("%s's %s links %s, which answers %d", c.user, c.path, h, got.StatusCode)
			}
		}
	}
}

var (
	wideNavRe   = regexp.MustCompile(`(?s)<nav class="nav wide">(.*?)</nav>`)
	menuGroupRe = regexp.MustCompile(`(?s)<details class="menu-group"><summary[^>]*>([^<]*)</summary><div class="submenu">(.*?)</div></details>`)
)

// TestNavigationEntriesOpen signs in as every demo account and opens each
// entry of its navigation: every one answers 200 (after the overview's
// redirects), no group is without entries, and a resident's and a Party
// member's navigation has no 统计考核 or 系统管理.
func TestNavigationEntriesOpen(t *testing.T) {
	e := newEnv(t)
	for _, user := range DemoLogins() {
		c := e.login(user)
		home := c.get("/")
		m := wideNavRe.FindStringSubmatch(home.body)
		if home.StatusCode != http.StatusOK || m == nil {
			t.Fatalf("%s's home page: %d, navigation found: %v", user, home.StatusCode, m != nil)
		}
		groups := menuGroupRe.FindAllStringSubmatch(m[1], -1)
		if len(groups) == 0 {
			t.Errorf("%s's navigation has no group: %s", user, m[1])
		}
		for _, g := range groups {
			if !strings.Contains(g[2], "<a href=") {
				t.Errorf("%s's navigation has the group %s without an entry", user, g[1])
			}
			if (user == "demo-resident" || user == "demo-member") && (g[1] == "统计考核" || g[1] == "系统管理") {
				t.Errorf("%s's navigation has the group %s: %s", user, g[1], g[2])
			}
		}
		for _, h := range hrefRe.FindAllStringSubmatch(m[1], -1) {
			r := c.get(h[1])
			for i := 0; i < 3 && r.StatusCode == http.StatusSeeOther; i++ {
				r = c.get(r.Header.Get("Location"))
			}
			if r.StatusCode != http.StatusOK {
				t.Errorf("%s's navigation links %s, which answers %d", user, h[1], r.StatusCode)
			}
		}
	}
}
