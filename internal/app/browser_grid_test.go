package app

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserGridWalk walks a grid worker's grid on a phone (375 px) and
// a desktop screen (1440 px): the grid's page with its figures, the
// building list it loads and its workers; a building's page from that
// list; the special-care list; the building list. It fails when a page is
// wider than the screen, a part scrolls sideways, a figure, filter or row
// is cut off, or the browser logs an error.
func TestBrowserGridWalk(t *testing.T) {
	e := newEnv(t)
	ctx, must, problems := signedIn(t, e, "demo-grid", 375, 812)
	for _, size := range []struct {
		w, h int64
		name string
	}{{375, 812, "375"}, {1440, 900, "1440"}} {
		must(chromedp.Do(ctx, chromedp.EmulateViewport(size.w, size.h)))
		check := func(path string, sels ...string) {
			t.Helper()
			got, err := layoutProblems(ctx, sels...)
			must(err)
			for _, g := range got {
				t.Errorf("%s at %s px: %s", path, size.name, g)
			}
		}
		must(chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/grids/"+demoGridA)))
		must(waitFor(ctx, `!!document.querySelector("#building-list #buildings tbody a") && !!document.querySelector("#grid-workers")`))
		check("/grids/"+demoGridA, "#grid-figures li", "#building-search select", "#buildings tbody td a", "#grid-workers")
		shot(t, ctx, "grid-"+size.name)
		must(chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#buildings tbody a[href^='/buildings/']")), chromedp.WaitVisible(chromedp.CSS("#building-figures"))))
		check("building", "#building-figures li", "#rooms tbody td")
		shot(t, ctx, "building-"+size.name)
		must(chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/people?tag=care&sort=address"), chromedp.WaitVisible(chromedp.CSS("#people"))))
		check("/people?tag=care", "#people-search select", "#people tbody td a")
		must(chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/buildings"), chromedp.WaitVisible(chromedp.CSS("#building-list"))))
		check("/buildings", "#building-search select", "#buildings tbody td a")
	}
	noConsoleErrors(t, problems)
}
