package app

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"grassroots/internal/platform/workday"
)

// TestBrowserCheckInOnTwoPhones: the community's secretary publishes a
// service activity at the square, with its point, on her phone and shows
// its code; a member, on his phone at the square, opens the code's page
// as a scan would, lets the page read his position and checks in, then
// out; the secretary's page lists his stay, flagged as too short to
// count.
func TestBrowserCheckInOnTwoPhones(t *testing.T) {
	e := newEnv(t)
	octx, omust, oprob := signedIn(t, e, "demo-secretary", 375, 812)
	omust(chromedp.Do(octx, chromedp.Navigate(e.srv.URL+"/volunteer/new"), chromedp.WaitVisible(chromedp.CSS("#activity-form"))))
	start := e.clock.Now().In(workday.CST).Format("2006-01-02T15:04")
	end := e.clock.Now().In(workday.CST).Add(2 * time.Hour).Format("2006-01-02T15:04")
	_, err := chromedp.Run(octx, chromedp.Evaluate[bool](`(function () {
	  var f = document.querySelector("#activity-form");
	  f.elements.starts_at.value = "`+start+`"; f.elements.ends_at.value = "`+end+`";
	  f.elements.category.value = "safety"; f.elements.lat.value = "28.6829"; f.elements.lon.value = "115.8575";
	  return true; })()`))
	omust(err)
	omust(chromedp.Do(octx,
		chromedp.SendKeys(chromedp.CSS("#activity-form input[name=title]"), "平安巡逻"),
		chromedp.SendKeys(chromedp.CSS("#activity-form input[name=place]"), "民巷社区广场"),
	))
	shot(t, octx, "volunteer-new-375")
	omust(chromedp.Do(octx, chromedp.Click(chromedp.CSS("#activity-submit")), chromedp.WaitVisible(chromedp.CSS("#show-code"))))
	shot(t, octx, "volunteer-activity-375")
	omust(chromedp.Do(octx, chromedp.Click(chromedp.CSS("#show-code")), chromedp.WaitVisible(chromedp.CSS("#code-qr"))))
	omust(waitFor(octx, `document.querySelector("#code-qr").naturalWidth > 0`))
	bad, err := layoutProblems(octx, "#code-qr", "#code-text")
	omust(err)
	for _, b := range bad {
		t.Errorf("the code page: %s", b)
	}
	shot(t, octx, "volunteer-code-375")
	code, err := chromedp.Run(octx, chromedp.Text(chromedp.CSS("#code-text")))
	omust(err)
	code = strings.TrimSpace(code)

	// The member's phone, at the square.
	mctx, mmust, mprob := signedIn(t, e, "demo-member", 375, 812)
	lat, lon, acc := 28.6831, 115.8576, 12.0
	_, err = chromedp.CallBrowser(mctx, browser.SetPermission, browser.SetPermissionParams{Permission: &browser.PermissionDescriptor{Name: "geolocation"},
		Setting: browser.PermissionSettingGranted, Origin: e.srv.URL})
	mmust(err)
	_, err = chromedp.Call(mctx, emulation.SetGeolocationOverride, emulation.SetGeolocationOverrideParams{Latitude: &lat, Longitude: &lon, Accuracy: &acc})
	mmust(err)
	scanIt := func(step string) {
		t.Helper()
		mmust(chromedp.Do(mctx, chromedp.Navigate(e.srv.URL+"/checkin?c="+code), chromedp.WaitVisible(chromedp.CSS("#checkin-form"))))
		mmust(waitFor(mctx, `document.querySelector("#checkin-form").elements.lat.value !== ""`))
		shot(t, mctx, "volunteer-"+step+"-375")
		mmust(chromedp.Do(mctx, chromedp.Click(chromedp.CSS("#checkin-submit")), chromedp.WaitVisible(chromedp.CSS("#checked"))))
	}
	scanIt("checkin")
	if h, err := chromedp.Run(mctx, chromedp.Text(chromedp.CSS("#checked h2"))); err != nil || h != "已签到" {
		t.Errorf("after the first scan: %q %v", h, err)
	}
	shot(t, mctx, "volunteer-checked-in-375")
	scanIt("checkout")
	if h, err := chromedp.Run(mctx, chromedp.Text(chromedp.CSS("#checked h2"))); err != nil || h != "已签退" {
		t.Errorf("after the second scan: %q %v", h, err)
	}

	// The secretary sees the stay, flagged: a minute is too short.
	omust(chromedp.Do(octx, chromedp.Navigate(e.srv.URL+"/volunteer"), chromedp.WaitVisible(chromedp.CSS("#activities"))))
	omust(clickLink(octx, "平安巡逻"))
	omust(waitFor(octx, `!!document.querySelector("#stays [data-flag=short_stay]")`))
	shot(t, octx, "volunteer-attendance-375")

	// A micro-wish: the secretary posts it for a resident who agreed and
	// hands her the code; the member claims it, delivers, and the
	// resident's code completes it.
	omust(chromedp.Do(octx, chromedp.Navigate(e.srv.URL+"/volunteer/wishes"), chromedp.WaitVisible(chromedp.CSS("#wish-form")),
		chromedp.SendKeys(chromedp.CSS("#wish-form input[name=title]"), "一台助听器"),
		chromedp.SetValue(chromedp.CSS("#wish-form select[name=category]"), "assistance"),
		chromedp.SendKeys(chromedp.CSS("#wish-form input[name=beneficiary]"), "王秀英"),
		chromedp.Click(chromedp.CSS("#wish-form input[name=consented]")),
		chromedp.Click(chromedp.CSS("#wish-submit")),
		chromedp.WaitVisible(chromedp.CSS("#wish-code")),
	))
	shot(t, octx, "volunteer-wish-posted-375")
	wishCode, err := chromedp.Run(octx, chromedp.Text(chromedp.CSS("#wish-code")))
	omust(err)
	mmust(chromedp.Do(mctx, chromedp.Navigate(e.srv.URL+"/volunteer/wishes?status=open"), chromedp.WaitVisible(chromedp.CSS("#wishes"))))
	if names, err := chromedp.Run(mctx, chromedp.Text(chromedp.CSS("#wishes tbody"))); err != nil || strings.Contains(names, "王秀英") || !strings.Contains(names, "一台助听器") {
		t.Errorf("the open wishes as the member sees them: %q %v", names, err)
	}
	mmust(clickLink(mctx, "一台助听器"))
	mmust(chromedp.Do(mctx, chromedp.WaitVisible(chromedp.CSS("#claim")), chromedp.Click(chromedp.CSS("#claim")), chromedp.WaitVisible(chromedp.CSS("#fulfil-form"))))
	mmust(chromedp.Do(mctx, chromedp.SendKeys(chromedp.CSS("#fulfil-form input[name=code]"), strings.TrimSpace(wishCode)), chromedp.Click(chromedp.CSS("#fulfil-submit"))))
	mmust(waitFor(mctx, `document.readyState === "complete" && (document.querySelector("#wish-status") || {}).textContent === "已完成"`))
	shot(t, mctx, "volunteer-wish-done-375")
	mmust(chromedp.Do(mctx, chromedp.Navigate(e.srv.URL+"/volunteer/me"), chromedp.WaitVisible(chromedp.CSS("#my-year"))))
	if pts, err := chromedp.Run(mctx, chromedp.Text(chromedp.CSS("#year-points"))); err != nil || pts != "2" {
		t.Errorf("the member's points after the wish: %q %v", pts, err)
	}
	shot(t, mctx, "volunteer-me-375")

	// The organiser's pages on a desktop too.
	omust(chromedp.Do(octx, chromedp.EmulateViewport(1440, 900)))
	for _, pg := range []struct{ name, path, sel string }{
		{"list", "/volunteer", "#activities"}, {"registrations", "/volunteer/registrations", "#registrations"},
		{"wishes", "/volunteer/wishes", "#wish-form"}, {"new", "/volunteer/new", "#activity-form"},
	} {
		omust(chromedp.Do(octx, chromedp.Navigate(e.srv.URL+pg.path), chromedp.WaitVisible(chromedp.CSS(pg.sel))))
		bad, err := layoutProblems(octx, pg.sel)
		omust(err)
		for _, b := range bad {
			t.Errorf("%s at 1440: %s", pg.path, b)
		}
		shot(t, octx, "volunteer-"+pg.name+"-1440")
	}
	noConsoleErrors(t, oprob)
	noConsoleErrors(t, mprob)
}
