package app

import (
	"context"
	"net/http"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserCasePagesOnPhone opens, on a 375-px phone, the grid worker's
// self-handling form (sent empty: the problems stand beside their fields)
// and a dispatched case's page as its community sees it, with its next
// action and the folded ones, and fails when a page is wider than the
// screen, a part of it scrolls sideways, or a field or button is cut off.
func TestBrowserCasePagesOnPhone(t *testing.T) {
	e := newEnv(t)
	var lon, lat float64
	if err := e.app.DB.QueryRowContext(context.Background(), `SELECT lon, lat FROM registry_buildings WHERE region_code = '360102002001001' AND lon IS NOT NULL ORDER BY id LIMIT 1`).Scan(&lon, &lat); err != nil {
		t.Fatal(err)
	}
	sec := e.login("demo-secretary")
	var in struct {
		Case struct {
			ID      int64 `json:"id"`
			Version int   `json:"version"`
		} `json:"case"`
	}
	r := sec.api("POST", "/api/v1/cases", map[string]any{"category": "0303", "description": "民巷社区北门外的两盏路灯晚上都不亮，行人看不清台阶", "lon": lon, "lat": lat})
	r.json(t, &in)
	if r.StatusCode != http.StatusCreated {
		t.Fatalf("report: %d %s", r.StatusCode, r.body)
	}
	id := strconv.FormatInt(in.Case.ID, 10)
	if r := sec.api("POST", "/api/v1/cases/"+id+"/moves", map[string]any{"action": "register", "version": in.Case.Version}); r.StatusCode != http.StatusOK {
		t.Fatalf("register: %d %s", r.StatusCode, r.body)
	}

	ctx, must, problems := signedIn(t, e, "demo-grid", 375, 812)
	must(chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/cases/self-handle"), chromedp.WaitVisible(chromedp.CSS("#self-handle-form"))))
	got, err := layoutProblems(ctx, "#self-handle-form input[type=file]", "#category-text", "#category", "#self-handle-form textarea", "#self-handle-submit")
	must(err)
	for _, g := range got {
		t.Errorf("self-handling form: %s", g)
	}
	// Sent with the description only: the problems beside their fields.
	noConsoleErrors(t, problems)
	// The browser's own checks are taken off, as an older phone lacks them.
	_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`(function () { document.querySelectorAll("[required]").forEach(function (el) { el.removeAttribute("required"); }); return true; })()`))
	must(err)
	must(chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS("textarea[name=description]"), "楼道口堆放杂物"),
		chromedp.Click(chromedp.CSS("#self-handle-submit")),
		chromedp.WaitVisible(chromedp.CSS("#photos-error"))))
	got, err = layoutProblems(ctx, "#photos-error", "#handled-error", "#category-error", "#self-handle-submit")
	must(err)
	for _, g := range got {
		t.Errorf("self-handling form sent back: %s", g)
	}
	kept, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("textarea[name=description]").value`))
	must(err)
	if kept != "楼道口堆放杂物" {
		t.Errorf("the description typed is not kept: %q", kept)
	}
	shot(t, ctx, "self-handle-375")

	ctx, must, problems = signedIn(t, e, "demo-secretary", 375, 812)
	must(chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/cases/"+id), chromedp.WaitVisible(chromedp.CSS("#act-dispatch"))))
	got, err = layoutProblems(ctx, "#act-dispatch summary", "#act-dispatch select[name=dept_id]", "#do-dispatch", "#more-actions summary", "#timeline li", "#case-place")
	must(err)
	for _, g := range got {
		t.Errorf("case page: %s", g)
	}
	open, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("#act-dispatch").open && !document.querySelector("#more-actions").open`))
	must(err)
	if !open {
		t.Error("the dispatch form is not the one open")
	}
	shot(t, ctx, "case-375")
	noConsoleErrors(t, problems)
}
