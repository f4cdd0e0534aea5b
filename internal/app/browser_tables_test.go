package app

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"grassroots/internal/cases"
	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/workday"
)

// textLinesJS defines textLines(el): how many lines the text of el takes.
// The boxes of its text are measured, not of the tags around it: a figure
// in a tag, whose box reaches lower than the text beside it, is one line.
const textLinesJS = `function textLines(el) {
  var rs = [], w = document.createTreeWalker(el, NodeFilter.SHOW_TEXT), n;
  while ((n = w.nextNode())) {
    var r = document.createRange(); r.selectNodeContents(n);
    Array.prototype.forEach.call(r.getClientRects(), function (x) { if (x.width > 0) { rs.push(x); } });
  }
  rs.sort(function (a, b) { return a.top - b.top; });
  var lines = 0, bottom = -1e9;
  rs.forEach(function (x) { if (x.top >= bottom - 1) { lines++; bottom = x.bottom; } else if (x.bottom > bottom) { bottom = x.bottom; } });
  return lines;
}
`

// tableCheck is what a table of the page shows wrong: a cell without its
// column's name (data-label) or with another name than the header's, a
// table drawn as cards on a desktop screen or as a table on a phone, or,
// on a desktop screen, a figure broken over two lines.
func tableCheck(ctx context.Context, table string, phone bool) ([]string, error) {
	return chromedp.Run(ctx, chromedp.Evaluate[[]string](textLinesJS+`(function (sel, phone) {
	  var out = [], t = document.querySelector(sel);
	  if (!t) { return [sel + ": not on the page"]; }
	  var heads = Array.prototype.map.call(t.querySelectorAll("thead th"), function (th) { return th.textContent.trim(); });
	  var rows = t.querySelectorAll("tbody tr"), cells = 0;
	  rows.forEach(function (tr, i) {
	    var tds = tr.querySelectorAll("td");
	    if (tds.length === 1 && tds[0].colSpan > 1) { return; }
	    tds.forEach(function (td, j) {
	      cells++;
	      if (td.dataset.label !== heads[j] && !(heads[j] === "" && td.dataset.label === undefined)) { /* an unnamed column (a row's action) needs no name */ out.push(sel + " row " + i + " cell " + j + " is labelled " + JSON.stringify(td.dataset.label) + ", its column " + JSON.stringify(heads[j])); }
	    });
	    var d = getComputedStyle(tr).display;
	    if (phone && d !== "block") { out.push(sel + " row " + i + " is drawn as " + d + ", not a card, on a phone"); }
	    if (!phone && d !== "table-row") { out.push(sel + " row " + i + " is drawn as " + d + ", not a table row, on a desktop"); }
	  });
	  if (cells === 0) { out.push(sel + " has no row to look at"); }
	  if (!phone) {
	    t.querySelectorAll("tbody td.num").forEach(function (td, i) {
	      var n = textLines(td);
	      if (n > 1) { out.push(sel + " figure " + JSON.stringify(td.textContent.trim()) + " is broken over " + n + " lines"); }
	    });
	  }
	  return out;
	})(`+strconv.Quote(table)+`, `+strconv.FormatBool(phone)+`)`))
}

// TestBrowserTablesAsCards opens, as the accounts who use them, the
// ranking (every level), the coverage report, units, the staffing check,
// a household's members and the Party pages, in Chinese and in English,
// on a 375-px phone and a 1,440-px desktop screen. It fails when a page
// is wider than the screen, a part of it scrolls sideways, a cell is cut
// off, a table is not cards on the phone or not a table on the desktop, a
// cell lacks its column's name, or a figure breaks over two lines. It
// then checks that a resident's and a Party member's navigation has no
// group without entries, none of 统计考核 or 系统管理, and only entries
// that open.
func TestBrowserTablesAsCards(t *testing.T) {
	e := newDemoCasesEnv(t)
	// A whistle to two departments, for the whistle ranking.
	lon, lat := e.dayPoint(demoGridA)
	sec := e.login("demo-secretary")
	var in struct {
		Case struct {
			ID      int64 `json:"id"`
			Version int   `json:"version"`
		} `json:"case"`
	}
	r := sec.api("POST", "/api/v1/cases", map[string]any{"category": "0601", "description": "楼顶违建，需联合执法", "lon": lon, "lat": lat})
	r.json(t, &in)
	if r.StatusCode != http.StatusCreated {
		t.Fatalf("report: %d %s", r.StatusCode, r.body)
	}
	caseID := itoa(in.Case.ID)
	if r := sec.api("POST", "/api/v1/cases/"+caseID+"/moves", map[string]any{"action": "register", "version": in.Case.Version}); r.StatusCode != http.StatusOK {
		t.Fatalf("register: %d %s", r.StatusCode, r.body)
	}
	if r := sec.api("POST", "/api/v1/cases/"+caseID+"/whistles", cases.WhistleInput{Ground: "joint_enforcement",
		DeptIDs: []int64{e.dept("城市管理局").ID, e.dept("市场监督管理局").ID}, Note: "联合执法"}); r.StatusCode != http.StatusCreated {
		t.Fatalf("whistle: %d %s", r.StatusCode, r.body)
	}
	// Each level of the ranking on a month it scores someone.
	sys := authz.WithActor(tCtx, authz.System("test"))
	ranking := func(level string) string {
		t.Helper()
		for back := 0; back < 6; back++ {
			month := e.clock.Now().In(workday.CST).AddDate(0, -back, 0).Format("2006-01")
			rk, err := e.app.Cases.Rank(sys, month, level)
			if err != nil {
				t.Fatal(err)
			}
			if len(rk.Scores) > 0 {
				return "/cases/ranking?level=" + level + "&month=" + month
			}
		}
		t.Fatalf("no month of the last six ranks a %s", level)
		return ""
	}
	id := func(query string, args ...any) string {
		t.Helper()
		var n int64
		if err := e.app.DB.QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		return itoa(n)
	}
	household := id(`SELECT household_id FROM registry_people WHERE region_code >= ? AND region_code < ? AND household_id IS NOT NULL
		GROUP BY household_id ORDER BY COUNT(*) DESC, household_id LIMIT 1`, demoCommunityA, demoCommunityA+"~")
	committee := id(`SELECT o.id FROM party_orgs o WHERE o.region_code = ? AND EXISTS (SELECT 1 FROM party_committee_members c WHERE c.org_id = o.id) ORDER BY o.id LIMIT 1`, demoCommunityA)
	branch := id(`SELECT o.id FROM party_orgs o WHERE o.region_code >= ? AND o.region_code < ? AND EXISTS (SELECT 1 FROM party_members m WHERE m.org_id = o.id) ORDER BY o.id LIMIT 1`,
		demoCommunityA, demoCommunityA+"~")

	type page struct{ name, path, table string }
	accounts := []struct {
		user  string
		pages []page
	}{
		{"demo-city", []page{
			{"ranking-subdistrict", ranking("subdistrict"), "#ranking"},
			{"ranking-community", ranking("community"), "#ranking"},
			{"ranking-department", ranking("department"), "#ranking"},
			{"ranking-property", ranking("property"), "#ranking"},
			{"ranking-whistle", ranking("whistle"), "#ranking"},
			{"coverage-city", "/coverage/" + demoCity, "#coverage"},
			{"coverage-district", "/coverage/360102", "#coverage"},
		}},
		{"demo-subdistrict", []page{
			{"units", "/units", "#units"},
			{"workforce", "/workforce", "#staffing"},
			{"workforce-workers", "/workforce", "#workers"},
			{"workforce-reserve", "/workforce", "#reserve"},
		}},
		{"demo-secretary", []page{
			{"household", "/households/" + household, "#members"},
			{"party", "/party", "#party-orgs"},
			{"party-org-committee", "/party/orgs/" + committee, "#committee"},
			{"party-org-members", "/party/orgs/" + branch, "#party-members"},
		}},
	}
	for _, acc := range accounts {
		ctx, must, problems := signedIn(t, e, acc.user, 375, 812)
		for _, lang := range []string{"zh-CN", "en"} {
			if lang == "en" {
				must(switchLang(ctx, "en"))
			}
			for _, size := range []struct {
				w, h int64
				name string
			}{{375, 812, "375"}, {1440, 900, "1440"}} {
				must(chromedp.Do(ctx, chromedp.EmulateViewport(size.w, size.h)))
				last := ""
				for _, p := range acc.pages {
					if p.path != last {
						must(chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+p.path), chromedp.WaitVisible(chromedp.CSS(p.table))))
						must(waitFor(ctx, `document.readyState === "complete"`))
						last = p.path
					}
					where := p.path + " " + p.table + " (" + lang + ", " + size.name + " px)"
					got, err := layoutProblems(ctx, p.table+" tbody td")
					must(err)
					more, err := tableCheck(ctx, p.table, size.w < 768)
					must(err)
					for _, g := range append(got, more...) {
						t.Errorf("%s: %s", where, g)
					}
					shot(t, ctx, "tables-"+p.name+"-"+lang+"-"+size.name)
				}
			}
		}
		must(switchLang(ctx, "zh-CN"))
		noConsoleErrors(t, problems)
	}

	// A resident's and a Party member's navigation: every group holds
	// entries, none is 统计考核 or 系统管理, and every entry opens.
	for _, user := range []string{"demo-resident", "demo-member"} {
		ctx, must, problems := signedIn(t, e, user, 1440, 900)
		for _, w := range []int64{1440, 375} {
			must(chromedp.Do(ctx, chromedp.EmulateViewport(w, 900), chromedp.Navigate(e.srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#logout"))))
			type navState struct {
				Groups, Empty, Links []string
			}
			s, err := chromedp.Run(ctx, chromedp.Evaluate[navState](`(function () {
			  var s = { Groups: [], Empty: [], Links: [] };
			  document.querySelectorAll("header.top nav.wide details.menu-group").forEach(function (g) {
			    var name = g.querySelector("summary").textContent.trim();
			    s.Groups.push(name);
			    if (g.querySelectorAll(".submenu a[href]").length === 0) { s.Empty.push("wide: " + name); }
			  });
			  document.querySelectorAll("header.top details.nav nav p.menu-head").forEach(function (h) {
			    var n = h.nextElementSibling;
			    if (!n || n.tagName !== "A") { s.Empty.push("narrow: " + h.textContent.trim()); }
			  });
			  document.querySelectorAll("header.top nav a[href]").forEach(function (a) { if (s.Links.indexOf(a.getAttribute("href")) < 0) { s.Links.push(a.getAttribute("href")); } });
			  return s;
			})()`))
			must(err)
			for _, g := range s.Empty {
				t.Errorf("%s's navigation at %d px has the group %s without an entry", user, w, g)
			}
			for _, g := range s.Groups {
				if g == "统计考核" || g == "系统管理" {
					t.Errorf("%s's navigation at %d px has the group %s", user, w, g)
				}
			}
			if len(s.Links) < 2 {
				t.Errorf("%s's navigation at %d px has the entries %v", user, w, s.Links)
			}
			shot(t, ctx, "tables-nav-"+strings.TrimPrefix(user, "demo-")+"-"+strconv.FormatInt(w, 10))
			for _, href := range s.Links {
				status, err := chromedp.Run(ctx, chromedp.Evaluate[int](`fetch(`+strconv.Quote(href)+`, {credentials: "same-origin"}).then(function (r) { return r.status; })`, chromedp.EvalAwaitPromise))
				must(err)
				if status != 200 {
					t.Errorf("%s's navigation links %s, which answers %d", user, href, status)
				}
			}
		}
		noConsoleErrors(t, problems)
	}
}
