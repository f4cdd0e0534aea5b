package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"grassroots/internal/platform/browsertest"
	"grassroots/internal/registry"
)

// shot saves a screenshot when GRASSROOTS_SCREENSHOTS names a folder.
func shot(t *testing.T, ctx context.Context, name string) {
	dir := os.Getenv("GRASSROOTS_SCREENSHOTS")
	if dir == "" {
		return
	}
	b, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	_ = os.WriteFile(filepath.Join(dir, name+".png"), b, 0o644)
}

// signedIn starts a browser of the given screen size with user signed in.
// must fails the test on an error.
func signedIn(t *testing.T, e *env, user string, width, height int64) (ctx context.Context, must func(error), problems func() []string) {
	t.Helper()
	ctx, problems = browsertest.Start(t)
	must = func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(chromedp.Do(ctx, chromedp.EmulateViewport(width, height), chromedp.Navigate(e.srv.URL+"/login")))
	must(signIn(ctx, user))
	return ctx, must, problems
}

// but422 are the console errors of problems without the browser's note of
// a form refused with 422, which a test sending bad input expects.
func but422(problems func() []string) func() []string {
	return func() []string {
		var out []string
		for _, p := range problems() {
			if !strings.Contains(p, "status of 422") {
				out = append(out, p)
			}
		}
		return out
	}
}

// noConsoleErrors fails t on any console error the page logged.
func noConsoleErrors(t *testing.T, problems func() []string) {
	t.Helper()
	if p := problems(); len(p) > 0 {
		t.Errorf("console errors:\n%s", strings.Join(p, "\n"))
	}
}

// signIn fills in the login form as a person would.
func signIn(ctx context.Context, user string) error {
	return chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.CSS("#login-submit")),
		chromedp.SendKeys(chromedp.CSS("input[name=username]"), user),
		chromedp.SendKeys(chromedp.CSS("input[name=password]"), DemoPassword),
		chromedp.Click(chromedp.CSS("#login-submit")),
		chromedp.WaitVisible(chromedp.CSS("#logout")),
	)
}

// TestBrowserCommunityWorker signs in as a community worker on a phone-sized
// screen, opens the home page, switches to English and back, and fails on
// any console error.
func TestBrowserCommunityWorker(t *testing.T) {
	e := newEnv(t)
	ctx, problems := browsertest.Start(t)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(chromedp.Do(ctx,
		chromedp.EmulateViewport(375, 812),
		chromedp.Navigate(e.srv.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS("#login-submit")),
	))
	shot(t, ctx, "login")
	must(signIn(ctx, "demo-worker"))
	h1, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main h1")))
	must(err)
	if !strings.Contains(h1, "工作台") {
		t.Errorf("home page of the worker shows %q, want their workbench", h1)
	}
	width, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
	must(err)
	if width > 375 {
		t.Errorf("the page is %d px wide on a 375-px screen", width)
	}
	shot(t, ctx, "home-zh")
	must(switchLang(ctx, "en"))
	logout, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#logout")))
	must(err)
	if logout != "Sign out" {
		t.Errorf("after switching to English the button says %q", logout)
	}
	shot(t, ctx, "home-en")
	must(switchLang(ctx, "zh-CN"))
	// The menu opens on a phone.
	must(chromedp.Do(ctx, chromedp.Click(chromedp.CSS("details.nav summary")), chromedp.WaitVisible(chromedp.CSS(`details.nav nav a[href="/me"]`))))
	noConsoleErrors(t, problems)
}

// switchLang presses the language switch and waits for the reloaded page in
// lang. Both steps are retried until a deadline: a click on a node the
// page has just replaced, or a question put while the old page unloads,
// fails rather than waits.
func switchLang(ctx context.Context, lang string) error {
	deadline := time.Now().Add(15 * time.Second)
	clicked := false
	for {
		var err error
		if !clicked {
			if err = chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#lang-switch"))); err == nil {
				clicked = true
			}
		}
		if clicked {
			var ok bool
			ok, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`document.readyState === "complete" && document.documentElement.lang === "`+lang+`" && document.querySelector("#logout") !== null`))
			if err == nil && ok {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("switch to %s (clicked %v): %v", lang, clicked, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestBrowserCityDrillDown signs in as the city admin on a desktop screen,
// opens the overview from the navigation, checks the chart renders, drills down to a community through the table,
// and reveals a phone through htmx.
func TestBrowserCityDrillDown(t *testing.T) {
	e := newEnv(t)
	admin := e.login("demo-subdistrict")
	admin.api("PATCH", "/api/v1/users/"+itoa(e.userID("demo-worker")), map[string]any{"version": 1, "phone": "13912345678"})
	ctx, must, problems := signedIn(t, e, "demo-city", 1280, 900)
	// The overview sits in the navigation's 统计考核 group.
	must(chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`nav.wide details.menu-group:nth-of-type(3) > summary`)),
		chromedp.WaitVisible(chromedp.CSS(`nav.wide a[href="/overview"]`)),
		chromedp.Click(chromedp.CSS(`nav.wide a[href="/overview"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.chart canvas`))))
	shot(t, ctx, "city")
	must(chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#children a[href="/regions/360102"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#children a[href="/regions/360102002"]`)),
		chromedp.Click(chromedp.CSS(`#children a[href="/regions/360102002"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#children a[href="/regions/360102002002"]`)),
	))
	crumbs, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".crumbs")))
	must(err)
	if !strings.Contains(crumbs, "南昌市") || !strings.Contains(crumbs, "东湖区") {
		t.Errorf("breadcrumb %q", crumbs)
	}
	shot(t, ctx, "subdistrict")
	must(chromedp.Do(ctx,
		chromedp.Navigate(e.srv.URL+"/users/"+itoa(e.userID("demo-worker"))),
		chromedp.Click(chromedp.CSS("#reveal-phone")),
		chromedp.WaitVisible(chromedp.CSS("#phone-full")),
	))
	phone, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#phone-full")))
	must(err)
	if phone != "13912345678" {
		t.Errorf("revealed phone %q", phone)
	}
	shot(t, ctx, "user")
	noConsoleErrors(t, problems)
}

// TestBrowserRedrawGrid opens a grid on the map as the community secretary,
// redraws it as a triangle by clicking the map, saves, and checks the area
// shrank and the community map shows every grid.
func TestBrowserRedrawGrid(t *testing.T) {
	e := newEnv(t)
	ctx, must, problems := signedIn(t, e, "demo-secretary", 1024, 900)
	must(chromedp.Do(ctx,
		chromedp.Navigate(e.srv.URL+"/regions/360102002001/map"),
		chromedp.WaitVisible(chromedp.CSS(`#map[data-ready="1"] path.leaflet-interactive`)),
	))
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#map path.leaflet-interactive").length`))
	must(err)
	if n < 4 {
		t.Errorf("the community map shows %d shapes, want its 4 grids", n)
	}
	shot(t, ctx, "community-map")
	must(chromedp.Do(ctx,
		chromedp.Navigate(e.srv.URL+"/grids/"+demoGridA),
		chromedp.WaitVisible(chromedp.CSS(`#map[data-ready="1"]`)),
	))
	before, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#grid-area")))
	must(err)
	// The map is fitted to the grid, so a small triangle round the map's
	// centre lies inside it.
	must(chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#draw-start"))))
	rect, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`(function(){var m=document.getElementById("map");m.scrollIntoView({block:"center"});var r=m.getBoundingClientRect();return [r.left,r.top,r.width,r.height]})()`))
	must(err)
	cx, cy := rect[0]+rect[2]/2, rect[1]+rect[3]/2
	for _, d := range [][2]float64{{-30, 20}, {30, 20}, {0, -30}} {
		must(chromedp.Do(ctx, chromedp.MouseClickXY(cx+d[0], cy+d[1])))
	}
	status, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#draw-status")))
	must(err)
	if !strings.Contains(status, "3") {
		t.Errorf("after three clicks the editor says %q", status)
	}
	must(chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#grid-save")), chromedp.WaitVisible(chromedp.CSS(".flash"))))
	after, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#grid-area")))
	must(err)
	if atoiOr(after) <= 0 || atoiOr(after) >= atoiOr(before) {
		t.Errorf("area before %s m², after %s m²: want a smaller, positive area", before, after)
	}
	shot(t, ctx, "grid-redrawn")
	noConsoleErrors(t, problems)
}

func atoiOr(s string) int {
	n := 0
	for _, c := range strings.TrimSpace(s) {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// TestBrowserImportAndFindResident uploads a spreadsheet on the import page
// as a grid worker, then finds the new resident by pinyin initials and
// opens the household card.
func TestBrowserImportAndFindResident(t *testing.T) {
	e := newEnv(t)
	ctx, problems := browsertest.Start(t)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	file := filepath.Join(t.TempDir(), "people.xlsx")
	rows := [][]string{registry.PeopleHeader,
		{"欧阳明月", validID("19620315", "041"), "13700001234", "户主", "户籍", "独居老人", "测试路9号1栋101室", demoGridA, "自住"}}
	if err := os.WriteFile(file, xlsxBytes(t, rows), 0o600); err != nil {
		t.Fatal(err)
	}
	must(chromedp.Do(ctx, chromedp.EmulateViewport(390, 844), chromedp.Navigate(e.srv.URL+"/login")))
	must(signIn(ctx, "demo-grid"))
	must(chromedp.Do(ctx,
		chromedp.Navigate(e.srv.URL+"/people/import"),
		chromedp.SetUploadFiles(chromedp.CSS(`input[name=file]`), []string{file}),
		chromedp.Click(chromedp.CSS("#people-import-submit")),
		chromedp.WaitVisible(chromedp.CSS("#import-report")),
	))
	report, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#import-report")))
	must(err)
	if !strings.Contains(report, "新增 1") {
		t.Fatalf("import report: %q", report)
	}
	shot(t, ctx, "people-import")
	must(chromedp.Do(ctx,
		chromedp.Navigate(e.srv.URL+"/people"),
		chromedp.SendKeys(chromedp.CSS(`#people-search input[name=q]`), "oymy"),
		chromedp.Click(chromedp.CSS(`#people-search button`)),
	))
	// htmx swaps the rows in place (maybe more than once, on the change
	// and on the submit): wait for the swap, then read the rows in one
	// step, never through a node a later swap may have replaced.
	must(waitFor(ctx, `document.querySelectorAll("#people tbody tr").length === 1 && document.querySelector("#people tbody").textContent.indexOf("欧阳明月") >= 0`))
	found, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#people tbody").textContent`))
	must(err)
	if !strings.Contains(found, "欧阳明月") || strings.Contains(found, "13700001234") {
		t.Fatalf("search by initials shows %q (want the name, phone masked)", found)
	}
	shot(t, ctx, "people-search")
	must(chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#people tbody a`)),
		chromedp.WaitVisible(chromedp.CSS("#household-link")),
		chromedp.Click(chromedp.CSS("#household-link")),
		chromedp.WaitVisible(chromedp.CSS("#members")),
	))
	members, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#members")))
	must(err)
	if !strings.Contains(members, "欧阳明月") || !strings.Contains(members, "独居老人") {
		t.Errorf("household card: %q", members)
	}
	shot(t, ctx, "household")
	noConsoleErrors(t, problems)
}

// TestBrowserCoverage opens the coverage page of the demo subdistrict: the
// chart renders and the map colours the twelve community outlines.
func TestBrowserCoverage(t *testing.T) {
	e := newEnv(t)
	ctx, must, problems := signedIn(t, e, "demo-subdistrict", 1280, 1000)
	must(chromedp.Do(ctx,
		chromedp.Navigate(e.srv.URL+"/coverage/360102002?measure=party_members"),
		chromedp.WaitVisible(chromedp.CSS(`.chart canvas`)),
		chromedp.WaitVisible(chromedp.CSS(`#coverage-map[data-ready="1"] path.leaflet-interactive`)),
	))
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#coverage-map path.leaflet-interactive").length`))
	must(err)
	if n != 12 {
		t.Errorf("coverage map shows %d outlines, want 12", n)
	}
	shot(t, ctx, "coverage")
	noConsoleErrors(t, problems)
}
