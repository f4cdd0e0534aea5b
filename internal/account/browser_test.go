package account_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"grassroots/internal/apptest"
	"grassroots/internal/platform/browsertest"
)

// browserAs opens headless Chromium on a phone-sized screen, signed in as
// the fixture account name, and collects console errors (CSP violations
// among them). Without Chromium the test is skipped, unless
// GRASSROOTS_BROWSER_TESTS=1 requires it.
func browserAs(t *testing.T, e *apptest.Env, name string) (context.Context, func() []string) {
	t.Helper()
	ctx, problems := browsertest.Start(t)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(375, 812), chromedp.Navigate(e.Srv.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS("#login-submit")),
		chromedp.SendKeys(chromedp.CSS("input[name=username]"), name),
		chromedp.SendKeys(chromedp.CSS("input[name=password]"), apptest.Password),
		chromedp.Click(chromedp.CSS("#login-submit")),
		chromedp.WaitVisible(chromedp.CSS("#logout"))); err != nil {
		t.Fatal(err)
	}
	return ctx, problems
}

// TestBrowserAccountForm: on a phone, the new account form asks only what
// the chosen role needs, the division is found by typing its name and
// chosen from suggestions showing its path, a division the role may not
// sit at is dropped when the role changes, and the account is made where
// it was chosen. No page of the administration overflows the screen.
func TestBrowserAccountForm(t *testing.T) {
	e := apptest.New(t)
	ctx, problems := browserAs(t, e, "district")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	val := func(js string) bool {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
		must(err)
		return v
	}
	str := func(a chromedp.Action[string]) string {
		t.Helper()
		v, err := chromedp.Run(ctx, a)
		must(err)
		return v
	}
	// suggested waits until the first suggestion names want.
	suggested := func(want string) {
		t.Helper()
		for i := 0; i < 50; i++ {
			if val(`(function () { var li = document.querySelector("#pick-region-code-list li[role=option]"); return !!li && !document.querySelector("#pick-region-code-list[aria-busy]") && li.textContent.indexOf("` + want + `") >= 0; })()`) {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("no suggestion names %s", want)
	}
	role := func(r string) {
		t.Helper()
		val(`(function () { var s = document.querySelector("select[name=role]"); s.value = "` + r + `"; s.dispatchEvent(new Event("change")); return true; })()`)
	}
	must(chromedp.Do(ctx, chromedp.Navigate(e.Srv.URL+"/users/new"), chromedp.WaitVisible(chromedp.CSS("#user-form"))))
	role("grid_worker")
	if val(`!document.querySelector("select[name=department_id]").closest("label").hidden`) ||
		val(`!document.querySelector("input[name=organisation]").closest("label").hidden`) {
		t.Error("a grid worker's form asks for a department or a company")
	}
	must(chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS("#pick-region-code-text"), "网格1")))
	suggested("网格1")
	first := str(chromedp.Text(chromedp.CSS("#pick-region-code-list li[role=option]")))
	must(chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#pick-region-code-list li[role=option]"))))
	code, text := str(chromedp.Value(chromedp.CSS("input[name=region_code]"))), str(chromedp.Value(chromedp.CSS("#pick-region-code-text")))
	if first != "甲区 › 甲一街道 › 甲一社区居委会 › 甲一网格1" || code != apptest.GridA1 || text != first {
		t.Errorf("suggestion %q chose %q (%q)", first, code, text)
	}
	// Department staff cannot sit in a grid: the choice goes, and the
	// form asks for the department.
	role("department_staff")
	if after := str(chromedp.Value(chromedp.CSS("input[name=region_code]"))); after != "" || !val(`!document.querySelector("select[name=department_id]").closest("label").hidden`) {
		t.Errorf("after the role changed: division %q kept, or no department asked", after)
	}
	must(chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS("#pick-region-code-text"), "甲区")))
	suggested("甲区")
	must(chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#pick-region-code-list li[role=option]")),
		chromedp.SetValue(chromedp.CSS("select[name=department_id]"), itoa(e.Dept.ID)),
		chromedp.SendKeys(chromedp.CSS("input[name=username]"), "zhou.qi"),
		chromedp.SendKeys(chromedp.CSS("input[name=display_name]"), "周七"),
		chromedp.SendKeys(chromedp.CSS("input[name=password]"), "Strong-Pass-2026"),
		chromedp.Submit(chromedp.CSS("#user-form")),
		chromedp.WaitVisible(chromedp.CSS("#user-card"))))
	u, err := e.App.Accounts.UserByName(ctx, "zhou.qi")
	if err != nil || u.RegionCode != apptest.DistrictA || u.DepartmentID != e.Dept.ID {
		t.Errorf("made %+v %v", u, err)
	}
	for _, p := range []string{"/users", "/users/" + itoa(e.UserID("grid")), "/users/new", "/me"} {
		must(chromedp.Do(ctx, chromedp.Navigate(e.Srv.URL+p), chromedp.WaitReady(chromedp.CSS("main"))))
		if val(`document.documentElement.scrollWidth > window.innerWidth`) {
			t.Errorf("%s overflows a 375 px screen", p)
		}
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("console errors:\n%s", strings.Join(p, "\n"))
	}
}
