package app

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// hostileName is a grid name that is markup: put into a page as HTML it
// becomes an element.
const hostileName = `<img src=x id=pwn onerror=alert(1)>`

// hoverAll moves the pointer onto every shape of the map sel (as Leaflet
// sees a hover) and returns the text of each tooltip shown and how many
// elements #pwn the page holds.
func hoverAll(sel string) string {
	return `(function () {
	  var out = [];
	  document.querySelectorAll(` + "`" + sel + " path.leaflet-interactive`" + `).forEach(function (p) {
	    p.dispatchEvent(new MouseEvent("mouseover", { bubbles: true }));
	    document.querySelectorAll(".leaflet-tooltip").forEach(function (t) { out.push(t.textContent); });
	    p.dispatchEvent(new MouseEvent("mouseout", { bubbles: true }));
	  });
	  return { tooltips: out, injected: document.querySelectorAll("#pwn, .leaflet-pane img").length };
	})()`
}

type hovered struct {
	Tooltips []string `json:"tooltips"`
	Injected int      `json:"injected"`
}

// TestBrowserMarkupInNamesIsText names a grid with an HTML payload and
// checks every page that shows grid names from our own scripts — the
// community's grid map, the coverage map, the case hotspot map and the
// coverage chart's tooltip — shows the name as literal text and holds no
// element made from it.
func TestBrowserMarkupInNamesIsText(t *testing.T) {
	e := newEnv(t)
	sec := e.login("demo-secretary")
	var g struct {
		Version int `json:"version"`
	}
	res := sec.api("GET", "/api/v1/grids/"+demoGridA, nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("grid: %d %s", res.StatusCode, res.body)
	}
	res.json(t, &g)
	if res := sec.api("PUT", "/api/v1/grids/"+demoGridA, map[string]any{"name": hostileName, "version": g.Version}); res.StatusCode != http.StatusOK {
		t.Fatalf("rename: %d %s", res.StatusCode, res.body)
	}
	ctx, must, problems := signedIn(t, e, "demo-secretary", 1024, 900)
	shows := func(page, ready, sel string) {
		t.Helper()
		must(chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+page), chromedp.WaitVisible(chromedp.CSS(ready))))
		h, err := chromedp.Run(ctx, chromedp.Evaluate[hovered](hoverAll(sel)))
		must(err)
		if h.Injected != 0 {
			t.Errorf("%s: the grid name became %d element(s) in the page", page, h.Injected)
		}
		literal := false
		for _, s := range h.Tooltips {
			literal = literal || strings.Contains(s, hostileName)
		}
		if !literal {
			t.Errorf("%s: no tooltip shows the name as text; tooltips %q", page, h.Tooltips)
		}
	}
	shows("/regions/360102002001/map", `#map[data-ready="1"] path.leaflet-interactive`, "#map")
	shows("/coverage/360102002001", `#coverage-map[data-ready="1"] path.leaflet-interactive`, "#coverage-map")
	shows("/cases/dashboard?region=360102002001", `#hotspot-map[data-ready="1"] path.leaflet-interactive`, "#hotspot-map")
	shot(t, ctx, "markup-hotspots")

	// The coverage chart of the community has a bar per grid. Its
	// tooltips are drawn on the canvas (app.js), so no HTML is made from
	// the names: each bar's tooltip is shown in turn and its text read
	// from the chart's scene.
	must(chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/coverage/360102002001"), chromedp.WaitVisible(chromedp.CSS(".chart canvas"))))
	h, err := chromedp.Run(ctx, chromedp.Evaluate[hovered](`(function () {
	  var el = document.querySelector("[data-chart]"), c = echarts.getInstanceByDom(el), out = [];
	  var n = c.getOption().xAxis[0].data.length, before = el.querySelectorAll("*").length;
	  for (var i = 0; i < n; i++) {
	    c.dispatchAction({ type: "showTip", seriesIndex: 0, dataIndex: i });
	    c.getZr().storage.getDisplayList(true).forEach(function (d) {
	      if (d.style && typeof d.style.text === "string") { out.push(d.style.text); }
	    });
	  }
	  return { tooltips: out, injected: document.querySelectorAll("#pwn").length + el.querySelectorAll("*").length - before };
	})()`))
	must(err)
	if h.Injected != 0 {
		t.Errorf("coverage chart: the tooltips made %d element(s) in the page", h.Injected)
	}
	literal := false
	for _, s := range h.Tooltips {
		literal = literal || strings.Contains(s, hostileName)
	}
	if !literal {
		t.Errorf("coverage chart: no tooltip shows the name as text; texts %q", h.Tooltips)
	}
	shot(t, ctx, "markup-chart")
	noConsoleErrors(t, problems)
}
