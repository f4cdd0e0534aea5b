package app

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/chromedp/chromedp"
)

// oneLineProblems lists, in the table sel, the values of the columns
// named cols and every tag or badge whose text is broken over more than
// one line: a masked ID number, a phone, a date or a status read whole.
func oneLineProblems(ctx context.Context, sel string, cols []string) ([]string, error) {
	b, _ := json.Marshal(map[string]any{"sel": sel, "cols": cols})
	return chromedp.Run(ctx, chromedp.Evaluate[[]string](textLinesJS+`(function (a) {
	  var out = [], t = document.querySelector(a.sel), seen = 0;
	  if (!t) { return [a.sel + ": not on the page"]; }
	  var els = Array.prototype.slice.call(t.querySelectorAll("tbody .tag, tbody .badge"));
	  t.querySelectorAll("tbody td").forEach(function (td) { if (a.cols.indexOf(td.dataset.label) >= 0 && td.textContent.trim() !== "") { els.push(td); } });
	  els.forEach(function (el) {
	    seen++;
	    var n = textLines(el);
	    if (n > 1) { out.push(a.sel + " " + JSON.stringify(el.dataset.label || el.className) + " value " + JSON.stringify(el.textContent.trim()) + " is broken over " + n + " lines"); }
	  });
	  if (seen === 0) { out.push(a.sel + " has no value to look at"); }
	  return out;
	})(`+string(b)+`)`))
}

// TestBrowserValuesOnOneLine opens the people, buildings, cases and
// visits lists as a community secretary on a 1,440-px screen, in Chinese
// and in English, and fails when a masked ID number, a phone, a date, a
// case's status or a tag breaks over two lines, when a page is wider than
// the screen or a part of it scrolls sideways, or when a table is not a
// table there.
func TestBrowserValuesOnOneLine(t *testing.T) {
	e := newDemoCasesEnv(t)
	cols := map[string][]string{
		"zh-CN": {"身份证号", "手机号", "出生日期", "状态", "时间", "上次走访", "走访日期", "逾期"},
		"en":    {"ID number", "Mobile", "Birth date", "Status", "Received", "Last visit", "Date of visit", "Overdue"},
	}
	pages := []struct{ path, table string }{
		{"/people", "#people"}, {"/buildings", "#buildings"}, {"/cases", "#cases"}, {"/visits?due=1", "#due"}, {"/visits", "#visits"},
	}
	ctx, must, problems := signedIn(t, e, "demo-secretary", 1440, 900)
	for _, lang := range []string{"zh-CN", "en"} {
		if lang == "en" {
			must(switchLang(ctx, "en"))
		}
		for _, p := range pages {
			must(chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+p.path), chromedp.WaitVisible(chromedp.CSS(p.table))))
			must(waitFor(ctx, `document.readyState === "complete"`))
			got, err := layoutProblems(ctx, p.table+" tbody td")
			must(err)
			more, err := tableCheck(ctx, p.table, false)
			must(err)
			got = append(got, more...)
			if p.table != "#buildings" {
				more, err = oneLineProblems(ctx, p.table, cols[lang])
				must(err)
				got = append(got, more...)
			}
			for _, g := range got {
				t.Errorf("%s (%s, 1440 px): %s", p.path, lang, g)
			}
			shot(t, ctx, "oneline-"+p.table[1:]+"-"+lang)
		}
	}
	must(switchLang(ctx, "zh-CN"))
	noConsoleErrors(t, problems)
}
