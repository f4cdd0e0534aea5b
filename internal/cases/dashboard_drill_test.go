package cases_test

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"grassroots/internal/apptest"
	"grassroots/internal/cases"
)

// dueLink finds a deadline figure of the dashboard and the list it opens.
var dueLink = regexp.MustCompile(`<b>(\d+)</b><a href="([^"]+)">(超期|即将超期)</a>`)

// TestDashboardDrillDown: a division's dashboard names the division, links
// back up to the division above when the viewer may open it, and its
// overdue and about-to-be-overdue counts open the case lists of that
// division, which hold exactly as many cases.
func TestDashboardDrillDown(t *testing.T) {
	e := apptest.New(t)
	// One overdue case in each district's community.
	for _, x := range []struct{ user, grid string }{{"secretary", apptest.GridA1}, {"worker", apptest.GridB1}} {
		c := e.Login(x.user)
		p := e.Points[x.grid]
		in := MustReport(t, c, map[string]any{"category": "0101", "description": "垃圾桶满溢无人清运", "lon": p[0], "lat": p[1]})
		cs := *in.Case
		if cs.Status == cases.Submitted {
			cs = MustMove(t, c, cs.ID, cases.Move{Action: "accept", Version: cs.Version}, 200)
		}
		cs = MustMove(t, c, cs.ID, cases.Move{Action: "register", Version: cs.Version}, 200)
		MustMove(t, c, cs.ID, cases.Move{Action: "dispatch", Version: cs.Version, UnitKind: "community"}, 200)
	}
	e.Clock.Add(72 * time.Hour)
	if _, err := e.App.Cases.Sweep(context.Background()); err != nil {
		t.Fatal(err)
	}

	for _, tt := range []struct {
		user, region, name, up string
		overdue                string
	}{
		{"city", apptest.SubA, "甲一街道", "甲区", "1"},
		{"city", apptest.DistrictB, "乙区", "测试市", "1"},
		{"city", "", "测试市", "", "2"},
		{"district", apptest.SubA, "甲一街道", "甲区", "1"},
		{"district", "", "甲区", "", "1"}, // the city is not the district's to open
	} {
		c := e.Login(tt.user)
		page := c.Get("/cases/dashboard?region=" + tt.region)
		if page.StatusCode != 200 {
			t.Fatalf("%s: dashboard of %q: %d", tt.user, tt.region, page.StatusCode)
		}
		if !strings.Contains(page.Body, "<h1>"+tt.name+" · 案件看板</h1>") {
			t.Errorf("%s: the dashboard of %q does not name %s in its heading", tt.user, tt.region, tt.name)
		}
		up := regexp.MustCompile(`<p id="dash-up"><a href="/cases/dashboard\?region=(\d*)">↑ 返回上一级：([^<]+)</a>`).FindStringSubmatch(page.Body)
		switch {
		case tt.up == "" && up != nil:
			t.Errorf("%s: the dashboard of %q links up to %s", tt.user, tt.region, up[2])
		case tt.up != "" && (up == nil || up[2] != tt.up):
			t.Errorf("%s: the dashboard of %q links up to %v, want %s", tt.user, tt.region, up, tt.up)
		case up != nil:
			if r := c.Get("/cases/dashboard?region=" + up[1]); r.StatusCode != 200 {
				t.Errorf("%s: the link up to %s answers %d", tt.user, up[2], r.StatusCode)
			}
		}
		links := dueLink.FindAllStringSubmatch(page.Body, -1)
		if len(links) != 2 {
			t.Fatalf("%s: the dashboard of %q has deadline links %v", tt.user, tt.region, links)
		}
		for _, l := range links {
			if l[3] == "超期" && l[1] != tt.overdue {
				t.Errorf("%s: the dashboard of %q counts %s overdue, want %s", tt.user, tt.region, l[1], tt.overdue)
			}
			href := strings.ReplaceAll(l[2], "&amp;", "&")
			if tt.region != "" && !strings.Contains(href, "region="+tt.region) {
				t.Errorf("%s: %s of %q links to %s, without the division", tt.user, l[3], tt.region, href)
			}
			var list struct{ Total *int64 }
			c.Get("/api/v1"+href).JSON(t, &list)
			if list.Total == nil || strconv.FormatInt(*list.Total, 10) != l[1] {
				t.Errorf("%s: %s of %q counts %s, its list %s holds %v", tt.user, l[3], tt.region, l[1], href, list.Total)
			}
		}
	}
}
