package app

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"grassroots/internal/cases"
)

// layoutProblems lists what a person could not see or reach on the page
// at the present screen size: the page wider than the screen (as
// TestBrowserCommunityWorker measures it), a box inside the page that
// scrolls sideways, and every element of sels that is missing, not shown,
// or cut off by the screen or by a box around it.
func layoutProblems(ctx context.Context, sels ...string) ([]string, error) {
	b, _ := json.Marshal(sels)
	return chromedp.Run(ctx, chromedp.Evaluate[[]string](`(function (sels) {
	  var out = [], W = window.innerWidth, d = document.documentElement;
	  var name = function (el) { return el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\s+/).join(".") : ""); };
	  if (d.scrollWidth > W) { out.push("the page is " + d.scrollWidth + " px wide on a " + W + "-px screen"); }
	  document.querySelectorAll("main *").forEach(function (el) {
	    var o = getComputedStyle(el).overflowX;
	    if ((o === "auto" || o === "scroll") && el.scrollWidth > el.clientWidth + 1) {
	      out.push(name(el) + " scrolls sideways: " + el.scrollWidth + " px in " + el.clientWidth);
	    }
	  });
	  sels.forEach(function (s) {
	    var els = document.querySelectorAll(s);
	    if (els.length === 0) { out.push(s + ": not on the page"); }
	    els.forEach(function (el, i) {
	      var r = el.getBoundingClientRect(), what = s + " [" + i + "]";
	      if (r.width === 0 || r.height === 0) { out.push(what + " is not shown"); return; }
	      if (r.left < -0.5 || r.right > W + 0.5) { out.push(what + " lies outside the screen (" + Math.round(r.left) + "–" + Math.round(r.right) + " px of " + W + ")"); }
	      for (var p = el.parentElement; p && p !== d; p = p.parentElement) {
	        if (getComputedStyle(p).overflowX === "visible") { continue; }
	        var pr = p.getBoundingClientRect();
	        if (r.left < pr.left - 0.5 || r.right > pr.right + 0.5) { out.push(what + " is cut off by " + name(p)); }
	      }
	    });
	  });
	  return out;
	})(`+string(b)+`)`))
}

// TestBrowserLayoutSettingsPages opens the department roles, the 待定位
// queue and the city profile as the city administrator on a phone (375
// px) and a desktop screen (1440 px), and fails when a page is wider than
// the screen, a part of it scrolls sideways, or the main action of a row
// (the role's name and 保存, the queue's 定位) is cut off. It then sends a
// bad department name and a bad map bounds and checks the error stands
// beside the field, which is marked, with what was typed kept.
func TestBrowserLayoutSettingsPages(t *testing.T) {
	e := newEnv(t)
	city := e.login("demo-city")
	// A profile with every field, so that 当前生效 lists them all.
	var v struct {
		Profile struct {
			Version int64 `json:"version"`
		} `json:"profile"`
	}
	city.get("/api/v1/city").json(t, &v)
	if r := city.api("PUT", "/api/v1/city", map[string]any{"code": demoCity, "name": "南昌市", "jurisdiction": "nanchang.example.gov.cn",
		"centre": "115.892151,28.676493", "bounds": "115.271263,28.164512,116.573242,29.183471", "hours": "09:00-12:00,13:00-17:00",
		"summer_hours": "08:30-12:00,14:30-17:30", "summer": "05-01:09-30", "version": v.Profile.Version}); r.StatusCode != http.StatusOK {
		t.Fatalf("city profile: %d %s", r.StatusCode, r.body)
	}
	// Two 12345 orders whose long addresses match no registry address
	// wait in the subdistrict's queue.
	csv := csvBytes([][]string{cases.HotlineTemplate,
		{"12345-20261126-000000000001", "暴露垃圾", "公园东门北侧垃圾堆放多日无人清理", "东湖区滕王阁街道某某公园东门北侧停车场旁边的垃圾收集点附近", "", "", "赵先生", "13800138000", "2026-11-25 09:30:00", "", "东湖区", "滕王阁街道"},
		{"12345-20261126-000000000002", "路灯不亮", "小区门口路灯不亮", "东湖区滕王阁街道沿江北大道某某小区南门外人行道", "", "", "钱女士", "13900139000", "2026-11-25 10:05:00", "", "东湖区", "滕王阁街道"},
	})
	r := city.do("POST", "/api/v1/hotline/import?name=orders.csv", bytes.NewReader(csv), http.Header{"Content-Type": {"text/csv"}, "X-CSRF-Token": {city.csrf()}})
	var rep cases.HotlineReport
	r.json(t, &rep)
	if r.StatusCode != http.StatusOK || rep.Unlocated != 2 {
		t.Fatalf("12345 import: %d %s", r.StatusCode, r.body)
	}

	ctx, must, problems := signedIn(t, e, "demo-city", 375, 812)
	pages := []struct {
		name, path, ready string
		sels              []string // what must be seen whole on every row
	}{
		{"roles", "/cases/department-roles", "#department-roles", []string{"#department-roles form input[name=department]", "#department-roles form button.primary"}},
		{"unlocated", "/cases/unlocated", "#unlocated", []string{"#unlocated a.button", "#unlocated tbody tr td"}},
		{"city", "/city", "#city-form", []string{"#city-in-force dd", "#city-form input:not([type=hidden])", "#city-form button.primary"}},
	}
	for _, size := range []struct {
		w, h int64
		name string
	}{{375, 812, "375"}, {1440, 900, "1440"}} {
		must(chromedp.Do(ctx, chromedp.EmulateViewport(size.w, size.h)))
		for _, p := range pages {
			must(chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+p.path), chromedp.WaitVisible(chromedp.CSS(p.ready))))
			got, err := layoutProblems(ctx, p.sels...)
			must(err)
			for _, g := range got {
				t.Errorf("%s at %s px: %s", p.path, size.name, g)
			}
			shot(t, ctx, "layout-"+p.name+"-"+size.name)
		}
	}
	must(chromedp.Do(ctx, chromedp.EmulateViewport(375, 812)))

	// On the phone the name box of a role is wide enough to read a name.
	must(chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/cases/department-roles"), chromedp.WaitVisible(chromedp.CSS("#department-roles"))))
	w, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.querySelector("#department-roles form input[name=department]").getBoundingClientRect().width`))
	must(err)
	if w < 200 {
		t.Errorf("the department name box is %.0f px wide on a 375-px screen", w)
	}

	// A name no department carries: the error stands in that role's row,
	// the box is marked and keeps what was typed.
	role, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelectorAll("#department-roles tbody tr[data-role]")[1].dataset.role`))
	must(err)
	row := `#department-roles tr[data-role="` + role + `"]`
	must(chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS(row+" input[name=department]"), "没有这个部门"),
		chromedp.Click(chromedp.CSS(row+" button.primary")),
	))
	must(waitFor(ctx, `document.readyState === "complete" && !!document.querySelector('`+row+` .field-error')`))
	type fieldState struct {
		Value, Invalid, Error, Described string
		Elsewhere                        int
	}
	state := func(input, msg string) fieldState {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Evaluate[fieldState](`(function () {
		  var i = document.querySelector('`+input+`'), m = document.querySelector('`+msg+`');
		  return { Value: i.value, Invalid: i.getAttribute("aria-invalid") || "", Error: m ? m.textContent : "",
		    Described: i.getAttribute("aria-describedby") && m && i.getAttribute("aria-describedby").split(" ").indexOf(m.id) >= 0 ? "yes" : "no",
		    Elsewhere: document.querySelectorAll(".field-error").length - (m ? 1 : 0) };
		})()`))
		must(err)
		return s
	}
	s := state(row+" input[name=department]", row+" .field-error")
	if s.Value != "没有这个部门" || s.Invalid != "true" || !strings.Contains(s.Error, "没有这个部门") || s.Described != "yes" || s.Elsewhere != 0 {
		t.Errorf("a bad department name for %s: %+v", role, s)
	}
	got, err := layoutProblems(ctx, row+" .field-error", row+" input[name=department]")
	must(err)
	for _, g := range got {
		t.Errorf("/cases/department-roles with an error at 375 px: %s", g)
	}
	shot(t, ctx, "layout-roles-error-375")

	// 当前生效 shows every field in force, the summer hours by that name.
	must(chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/city"), chromedp.WaitVisible(chromedp.CSS("#city-in-force"))))
	inForce, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#city-in-force")))
	must(err)
	for _, want := range []string{"南昌市", "09:00-12:00", "08:30-12:00,14:30-17:30", "05-01:09-30", "夏季作息", "nanchang.example.gov.cn",
		"115.892151", "115.271263,28.164512,116.573242,29.183471", "https://grassroots.example.gov.cn", "启动参数"} {
		if !strings.Contains(inForce, want) {
			t.Errorf("当前生效 does not show %q: %s", want, inForce)
		}
	}
	if strings.Contains(inForce, "夏令") {
		t.Errorf("当前生效 calls the summer hours daylight-saving time: %s", inForce)
	}
	// A bad map bounds: marked, the message beside it, the value kept.
	must(chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS("#city-form input[name=bounds]"), "115.27126328164512116573242"),
		chromedp.Click(chromedp.CSS("#city-form button.primary")),
	))
	must(waitFor(ctx, `document.readyState === "complete" && !!document.querySelector('#city-form [aria-invalid="true"]')`))
	s = state("#city-form input[name=bounds]", "#city-bounds-error")
	if s.Value != "115.27126328164512116573242" || s.Invalid != "true" || !strings.Contains(s.Error, "西,南,东,北") || s.Described != "yes" || s.Elsewhere != 0 {
		t.Errorf("a bad map bounds: %+v", s)
	}
	got, err = layoutProblems(ctx, "#city-form input:not([type=hidden])", "#city-bounds-error")
	must(err)
	for _, g := range got {
		t.Errorf("/city with an error at 375 px: %s", g)
	}
	shot(t, ctx, "layout-city-error-375")

	// In English too: the labels are longer.
	must(switchLang(ctx, "en"))
	must(chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/city"), chromedp.WaitVisible(chromedp.CSS("#city-in-force"))))
	inForce, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#city-in-force")))
	must(err)
	if !strings.Contains(inForce, "Summer hours") {
		t.Errorf("In force does not name the summer hours: %s", inForce)
	}
	for _, p := range pages {
		must(chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+p.path), chromedp.WaitVisible(chromedp.CSS(p.ready))))
		got, err := layoutProblems(ctx, p.sels...)
		must(err)
		for _, g := range got {
			t.Errorf("%s in English at 375 px: %s", p.path, g)
		}
		shot(t, ctx, "layout-"+p.name+"-en-375")
	}
	must(switchLang(ctx, "zh-CN"))
	// The two bad forms answer 422, which the browser logs; nothing else.
	noConsoleErrors(t, but422(problems))
}
