package app

import (
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// cjk finds Chinese characters, which an English page shows only in data
// (names of places and people), never in its own labels.
var cjk = regexp.MustCompile(`\p{Han}`)

// rawKey finds a message key shown as it is ("wb.overdue").
var rawKey = regexp.MustCompile(`\b[a-z][a-z0-9_]*\.[a-z0-9_]+(\.[a-z0-9_]+)*\b`)

// TestBrowserWorkbenches opens every demo account's workbench on a phone
// (375 px) and a desktop screen (1,440 px), in Chinese and in English. It
// fails when a panel does not load, the page is wider than the screen or a
// part of it scrolls sideways, a label shows a raw message key or, in
// English, Chinese, the navigation has more than four groups, or the page
// logs a console error. It takes a screenshot of each.
func TestBrowserWorkbenches(t *testing.T) {
	e := newEnv(t)
	users := []string{"demo-resident", "demo-member", "demo-grid", "demo-secretary", "demo-worker", "demo-dept", "demo-subdistrict", "demo-district", "demo-city"}
	for _, user := range users {
		t.Run(user, func(t *testing.T) {
			ctx, must, problems := signedIn(t, e, user, 375, 812)
			for _, lang := range []string{"zh-CN", "en"} {
				if lang == "en" {
					must(switchLang(ctx, "en"))
				}
				for _, size := range []struct {
					w, h int64
					name string
				}{{375, 812, "375"}, {1440, 900, "1440"}} {
					must(chromedp.Do(ctx, chromedp.EmulateViewport(size.w, size.h), chromedp.Navigate(e.srv.URL+"/")))
					must(waitFor(ctx, `document.querySelectorAll(".workbench .panel[aria-busy]").length === 0 && document.querySelectorAll(".workbench .panel[data-widget]").length > 0`))
					got, err := layoutProblems(ctx, ".workbench .panel h2")
					must(err)
					for _, g := range got {
						t.Errorf("%s at %s px: %s", lang, size.name, g)
					}
					labels, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll(
						".workbench h2, .workbench .todo .label, .workbench dt, .workbench .badge, .workbench .actions .button, .workbench .empty, header.top nav.wide > a, header.top summary"
					)).map(function (el) { return el.textContent.trim(); })`))
					must(err)
					for _, l := range labels {
						if rawKey.MatchString(l) {
							t.Errorf("%s: a label shows a message key: %q", lang, l)
						}
						if lang == "en" && cjk.MatchString(l) {
							t.Errorf("en: a label is not translated: %q", l)
						}
					}
					groups, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("header.top nav.wide details.menu-group").length`))
					must(err)
					if groups > 4 {
						t.Errorf("the navigation has %d groups", groups)
					}
					shot(t, ctx, "workbench-"+strings.TrimPrefix(user, "demo-")+"-"+lang+"-"+size.name)
				}
			}
			must(switchLang(ctx, "zh-CN"))
			noConsoleErrors(t, problems)
		})
	}
}
