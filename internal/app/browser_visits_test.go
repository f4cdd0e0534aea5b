package app

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserVisitsPhone walks a grid worker's visits on a phone (375 px):
// the overview and the due list, a visit to the first household due with
// a problem found and reported in the same step, and a patrol started and
// ended. No page is wider than the screen or scrolls sideways, and the
// buttons a worker taps are on the screen.
func TestBrowserVisitsPhone(t *testing.T) {
	e := newEnv(t)
	ctx, must, problems := signedIn(t, e, "demo-grid", 375, 812)
	check := func(path string, sels ...string) {
		t.Helper()
		must(chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+path), chromedp.WaitVisible(chromedp.CSS("main h1"))))
		bad, err := layoutProblems(ctx, sels...)
		must(err)
		if len(bad) > 0 {
			t.Errorf("%s on a phone:\n%s", path, strings.Join(bad, "\n"))
		}
		shot(t, ctx, "visits"+strings.NewReplacer("/", "-", "?", "-", "=", "-", "&", "-").Replace(path))
	}
	check("/visits", "#visit-new", "#due-total", "#due td.row-action a.button", "#visits")
	check("/visits?due=1", "#due td.row-action a.button", "#sort-asc")
	check("/visits/new", "#household-search button")
	check("/patrols", "#patrol-new")
	check("/patrols/new", "#patrol-start-submit", "#patrol-record-submit")

	// The first household due: record a visit and report a problem.
	must(chromedp.Do(ctx,
		chromedp.Navigate(e.srv.URL+"/visits?due=1"),
		chromedp.Click(chromedp.CSS("#due td.row-action a.button")),
		chromedp.WaitVisible(chromedp.CSS("#visit-form")),
		chromedp.SendKeys(chromedp.CSS("textarea[name=note]"), "老人反映楼道灯不亮"),
		chromedp.Click(chromedp.CSS("#issue summary")),
		chromedp.WaitVisible(chromedp.CSS("#issue-category")),
	))
	bad, err := layoutProblems(ctx, "#visit-save", "#visit-report", "#issue-category")
	must(err)
	if len(bad) > 0 {
		t.Errorf("visit form on a phone:\n%s", strings.Join(bad, "\n"))
	}
	shot(t, ctx, "visit-form")
	must(chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS("#issue-category"), "0303"),
		chromedp.SendKeys(chromedp.CSS("#issue textarea[name=description]"), "楼道灯不亮"),
		chromedp.Click(chromedp.CSS("#visit-report")),
		chromedp.WaitVisible(chromedp.CSS("#visit-case a")),
	))
	number, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#visit-case a")))
	must(err)
	if !strings.Contains(number, "-") {
		t.Errorf("the visit links case %q", number)
	}
	if bad, err := layoutProblems(ctx, "#visit-case a"); err != nil || len(bad) > 0 {
		t.Errorf("visit page on a phone: %v %s", err, strings.Join(bad, "\n"))
	}

	// A patrol: start, then end it from the list.
	must(chromedp.Do(ctx,
		chromedp.Navigate(e.srv.URL+"/patrols/new"),
		chromedp.Click(chromedp.CSS("#patrol-start-submit")),
		chromedp.WaitVisible(chromedp.CSS("#patrol-end")),
	))
	if bad, err := layoutProblems(ctx, "#patrol-end-submit", "#patrols"); err != nil || len(bad) > 0 {
		t.Errorf("patrols with one under way on a phone: %v %s", err, strings.Join(bad, "\n"))
	}
	must(chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#patrol-end textarea[name=route]"), "民巷路一圈"),
		chromedp.Click(chromedp.CSS("#patrol-end-submit")),
		chromedp.WaitVisible(chromedp.CSS("#patrol-new")),
	))
	noConsoleErrors(t, problems)
}
