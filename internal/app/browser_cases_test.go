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
)

// TestBrowserCaseJourney follows one case in real browsers: a resident
// reports it on a phone with a photo and a tap on the map; the community
// secretary accepts, registers, blows the whistle to the city management
// bureau and dispatches it there; the bureau reports in, feeds back and
// handles it; the grid worker verifies; the secretary rates the bureau and
// closes; the resident rates the result.
func TestBrowserCaseJourney(t *testing.T) {
	e := newEnv(t)
	lon, lat, _ := e.spot("360102002001")
	photo := filepath.Join(t.TempDir(), "lamp.png")
	if err := os.WriteFile(photo, pngBytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	res, must, problems := signedIn(t, e, "demo-resident", 375, 812)
	must(chromedp.Do(res,
		chromedp.Navigate(e.srv.URL+"/cases/new"),
		chromedp.WaitVisible(chromedp.CSS(`#pick-map[data-ready="1"]`)),
		chromedp.SetValue(chromedp.CSS("#category"), "0303"),
		chromedp.SendKeys(chromedp.CSS("textarea[name=description]"), "小区门口路灯不亮，晚上很黑"),
	))
	// Centre the map on the place and tap it.
	_, err := chromedp.Run(res, chromedp.Evaluate[bool](`document.querySelector("#pick-map").leafletMap.setView([`+ftoa(lat)+`, `+ftoa(lon)+`], 17, {animate: false}) !== null`))
	must(err)
	must(chromedp.Do(res,
		chromedp.Click(chromedp.CSS("#pick-map")),
		chromedp.WaitVisible(chromedp.CSS(`#pick-map[data-picked="1"]`)),
		chromedp.SetUploadFiles(chromedp.CSS("input[name=photos]"), []string{photo}),
		chromedp.SendKeys(chromedp.CSS("input[name=contact_phone]"), "13912345678"),
	))
	shot(t, res, "case-report")
	must(chromedp.Do(res, chromedp.Click(chromedp.CSS("#report-submit")), chromedp.WaitVisible(chromedp.CSS("#case-photos img"))))
	loc, err := chromedp.Run(res, chromedp.Location())
	must(err)
	caseURL := loc[strings.Index(loc, "/cases/"):]
	if !strings.Contains(caseURL, "/cases/") {
		t.Fatalf("after reporting the browser is at %s", loc)
	}
	noConsoleErrors(t, problems)

	step := func(ctx context.Context, must func(error), action, wait string) {
		t.Helper()
		must(chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#act-"+action))))
		must(open(ctx, "#act-"+action))
		must(chromedp.Do(ctx,
			chromedp.Click(chromedp.CSS("#do-"+action)),
			chromedp.WaitVisible(chromedp.CSS(wait)),
		))
	}
	sec, must2, problems2 := signedIn(t, e, "demo-secretary", 1280, 900)
	must2(chromedp.Do(sec, chromedp.Navigate(e.srv.URL+caseURL)))
	step(sec, must2, "accept", "#act-register")
	step(sec, must2, "register", "#act-dispatch")
	cg := e.dept("城市管理局")
	must2(chromedp.Do(sec,
		chromedp.Click(chromedp.CSS("#whistle-box summary")),
		chromedp.Click(chromedp.CSS(`input[name=dept_ids][value="`+itoa(cg.ID)+`"]`)),
		chromedp.SendKeys(chromedp.CSS("#whistle-form textarea[name=note]"), "路灯线路需城管协调"),
		chromedp.Click(chromedp.CSS("#whistle-submit")),
		chromedp.WaitVisible(chromedp.CSS(".whistle")),
	))
	step(sec, must2, "dispatch", "#case-unit")
	unit, err := chromedp.Run(sec, chromedp.Text(chromedp.CSS("#case-unit")))
	must2(err)
	if unit != cg.Name {
		t.Fatalf("dispatched to %q, want the category's department %q", unit, cg.Name)
	}
	noConsoleErrors(t, problems2)

	dept, must3, problems3 := signedIn(t, e, "demo-dept", 375, 812)
	must3(chromedp.Do(dept,
		chromedp.Navigate(e.srv.URL+caseURL),
		chromedp.Click(chromedp.CSS("#party-report")),
		chromedp.WaitVisible(chromedp.CSS("#party-arrive")),
		chromedp.SetValue(chromedp.CSS("#party-note"), "已到场，更换灯具"),
		chromedp.Click(chromedp.CSS("#party-feedback")),
	))
	must3(waitFor(dept, `document.readyState === "complete" && !document.querySelector("#party-feedback") && !!document.querySelector("#act-handle")`))
	must3(open(dept, "#act-handle"))
	must3(chromedp.Do(dept,
		chromedp.SetValue(chromedp.CSS("#act-handle textarea[name=note]"), "已更换灯具，恢复照明"),
		chromedp.Click(chromedp.CSS("#do-handle")),
	))
	must3(waitStatus(dept, "待核查"))
	noConsoleErrors(t, problems3)

	grid, must4, problems4 := signedIn(t, e, "demo-grid", 375, 812)
	must4(chromedp.Do(grid, chromedp.Navigate(e.srv.URL+caseURL)))
	step(grid, must4, "verify", "#case-status")
	must4(waitStatus(grid, "待结案"))
	noConsoleErrors(t, problems4)

	must2(chromedp.Do(sec,
		chromedp.Navigate(e.srv.URL+caseURL),
		chromedp.Click(chromedp.CSS("form.rate-party button")),
	))
	must2(waitFor(sec, `document.readyState === "complete" && !document.querySelector("form.rate-party") && !!document.querySelector("#act-close")`))
	step(sec, must2, "close", "#timeline")
	must2(waitStatus(sec, "已结案"))
	// The dashboard draws its charts and the hot-spot map.
	must2(chromedp.Do(sec, chromedp.Navigate(e.srv.URL+"/cases/dashboard"),
		chromedp.WaitVisible(chromedp.CSS(".chart canvas")), chromedp.WaitVisible(chromedp.CSS(`#hotspot-map[data-ready="1"]`))))
	cells, err := chromedp.Run(sec, chromedp.Evaluate[string](`document.querySelector("#hotspot-map").dataset.cells`))
	must2(err)
	if cells != "1" {
		t.Errorf("hot-spot map shows %s cells, want the one case", cells)
	}
	shot(t, sec, "case-dashboard")
	noConsoleErrors(t, problems2)
	// The district makes the call-back, above every unit the ranking
	// scores: it reads the reporter's rating link on the case page.
	dist, must5, problems5 := signedIn(t, e, "demo-district", 1280, 900)
	must5(chromedp.Do(dist, chromedp.Navigate(e.srv.URL+caseURL), chromedp.Click(chromedp.CSS("#case-rate-link")),
		chromedp.WaitVisible(chromedp.CSS("#rate-link code"))))
	link, err := chromedp.Run(dist, chromedp.Text(chromedp.CSS("#rate-link code")))
	must5(err)
	// A link to send names the site's public address.
	link, ok := strings.CutPrefix(link, "https://grassroots.example.gov.cn/rate/")
	if !ok {
		t.Fatalf("rating link shown: %q", link)
	}
	link = "/rate/" + link
	shot(t, dist, "case-rate-link")
	noConsoleErrors(t, problems5)

	must(chromedp.Do(res,
		chromedp.Navigate(e.srv.URL+caseURL),
		// The form chooses nothing for the resident.
		chromedp.Click(chromedp.CSS(`#case-rate-form input[name=resolved][value="1"]`)),
		chromedp.Click(chromedp.CSS(`#case-rate-form input[name=satisfaction][value="satisfied"]`)),
		chromedp.Click(chromedp.CSS("#case-rate-submit")),
		chromedp.WaitVisible(chromedp.CSS("#case-rating")),
	))
	shot(t, res, "case-rated")
	// The link the call-back would have sent now names its case and says
	// it was rated.
	must(chromedp.Do(res, chromedp.Navigate(e.srv.URL+link), chromedp.WaitVisible(chromedp.CSS("#rate-already"))))
	about, err := chromedp.Run(res, chromedp.Text(chromedp.CSS("#rate-case")))
	must(err)
	if !strings.Contains(about, "案件 ") {
		t.Errorf("the used link's page: %q", about)
	}
	shot(t, res, "rate-link-used")
	must(chromedp.Do(res, chromedp.Navigate(e.srv.URL+caseURL), chromedp.WaitVisible(chromedp.CSS("#case-status"))))
	status, err := chromedp.Run(res, chromedp.Text(chromedp.CSS("#case-status")))
	must(err)
	if status != "已结案" {
		t.Errorf("status at the end: %q", status)
	}
	var d struct {
		Events []struct{ Action string }
	}
	e.login("demo-secretary").get("/api/v1/cases/"+strings.TrimPrefix(caseURL, "/cases/")).json(t, &d)
	var acts []string
	for _, ev := range d.Events {
		acts = append(acts, ev.Action)
	}
	if got := strings.Join(acts, ","); got != "report,accept,register,whistle,dispatch,whistle_report,whistle_feedback,handle,verify,close,rate" {
		t.Errorf("timeline: %s", got)
	}
	noConsoleErrors(t, problems)
}

// open unfolds a <details> section.
func open(ctx context.Context, sel string) error {
	_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("`+sel+`").open = true`))
	return err
}

// waitFor polls a JavaScript condition until it holds (15 s at most):
// after a form post the old page answers until the new one replaces it.
func waitFor(ctx context.Context, cond string) error {
	deadline := time.Now().Add(15 * time.Second)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](cond))
		if err == nil && ok {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("waiting for %s: %v", cond, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitStatus waits until the case page shows status.
func waitStatus(ctx context.Context, status string) error {
	return waitFor(ctx, `document.readyState === "complete" && (document.querySelector("#case-status") || {}).textContent === "`+status+`"`)
}
