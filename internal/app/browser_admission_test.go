package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"grassroots/internal/platform/browsertest"
)

// TestBrowserAdmissionDay walks the access list's gate in a browser: the
// department asks communities on a phone for an assessment no item allows
// (refused beside the field, what it typed kept), then files an off-list
// form ahead of time; the district approves it from its queue on a
// desktop; the community finds it in its inbox on a phone and completes
// it with evidence; the figures show it; the community issues a
// certificate, which an anonymous visitor verifies by its code. Every page
// fits the screen, shows no raw message key, and logs no console error.
func TestBrowserAdmissionDay(t *testing.T) {
	e := newEnv(t)
	fits := func(t *testing.T, ctx context.Context, must func(error), what string, sels ...string) {
		t.Helper()
		bad, err := layoutProblems(ctx, sels...)
		must(err)
		for _, b := range bad {
			t.Errorf("%s: %s", what, b)
		}
		text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("main").innerText`))
		must(err)
		for _, w := range strings.Fields(text) {
			if strings.HasPrefix(w, "adm.") || strings.HasPrefix(w, "wb.adm") {
				t.Errorf("%s shows the message key %q", what, w)
			}
		}
	}
	const title = "沿街商户门前三包情况统计表"

	// The department, on a phone.
	dctx, dmust, dprob := signedIn(t, e, "demo-dept", 375, 812)
	dmust(chromedp.Do(dctx, chromedp.Navigate(e.srv.URL+"/admission/requests/new"), chromedp.WaitVisible(chromedp.CSS("#request-form"))))
	fits(t, dctx, dmust, "the request form", "#request-submit", "select[name=target]")
	shot(t, dctx, "admission-request-new-375")
	// The district, first of the targets offered (none is chosen for her).
	_, err := chromedp.Run(dctx, chromedp.Evaluate[string](`(function () { var s = document.querySelector("select[name=target]"); s.selectedIndex = 1; return s.value; })()`))
	dmust(err)
	dmust(chromedp.Do(dctx,
		chromedp.SendKeys(chromedp.CSS("input[name=title]"), title),
		chromedp.SetValue(chromedp.CSS("select[name=kind]"), "assessment"),
		chromedp.Click(chromedp.CSS("#request-submit")),
	))
	dmust(waitFor(dctx, `document.readyState === "complete" && !!document.querySelector('select[name=kind][aria-invalid="true"]')`))
	got, err := chromedp.Run(dctx, chromedp.Evaluate[string](`document.querySelector('select[name=kind]').parentElement.innerText + "|" + document.querySelector('input[name=title]').value`))
	dmust(err)
	if !strings.Contains(got, "不得单独对社区考核") || !strings.HasSuffix(got, "|"+title) {
		t.Errorf("an assessment off the list: %q", got)
	}
	fits(t, dctx, dmust, "the refused request", "select[name=kind] + .field-error")
	shot(t, dctx, "admission-request-refused-375")
	// The form to fill goes with it (a refused form keeps no files: they
	// are chosen again).
	dir := t.TempDir()
	form, photo := filepath.Join(dir, "门前三包统计表.xlsx"), filepath.Join(dir, "门头.png")
	for p, b := range map[string]string{form: "PK\x03\x04 统计表", photo: "\x89PNG\r\n\x1a\n 门头"} {
		if err := os.WriteFile(p, []byte(b), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	dmust(chromedp.Do(dctx,
		chromedp.SetValue(chromedp.CSS("select[name=kind]"), "form"),
		chromedp.SetUploadFiles(`#request-form input[name=files]`, []string{form}),
		chromedp.Click(chromedp.CSS("#request-submit")),
		chromedp.WaitVisible(chromedp.CSS("#request-status")),
	))
	if names, err := chromedp.Run(dctx, chromedp.Evaluate[string](`(document.querySelector("#request-files") || {}).innerText || ""`)); err != nil || !strings.Contains(names, "门前三包统计表.xlsx") {
		t.Errorf("the request's files: %q %v", names, err)
	}
	status, err := chromedp.Run(dctx, chromedp.Text(chromedp.CSS("#request-status")))
	dmust(err)
	if status != "待审批" {
		t.Fatalf("the off-list request is %q", status)
	}
	fits(t, dctx, dmust, "the request page", "#request-status")
	shot(t, dctx, "admission-request-pending-375")
	noConsoleErrors(t, but422(dprob)) // the refused request answers 422

	// The district approves it from its queue, on a desktop.
	actx, amust, aprob := signedIn(t, e, "demo-district", 1440, 900)
	amust(chromedp.Do(actx, chromedp.Navigate(e.srv.URL+"/admission/queue"), chromedp.WaitVisible(chromedp.CSS("#requests"))))
	fits(t, actx, amust, "the queue", "#requests")
	shot(t, actx, "admission-queue-1440")
	amust(clickLink(actx, title))
	amust(chromedp.Do(actx,
		chromedp.WaitVisible(chromedp.CSS("#decision-form")),
		chromedp.Click(chromedp.CSS(`#decision-form input[name=approve][value="1"]`)),
		chromedp.SendKeys(chromedp.CSS("#decision-form textarea[name=note]"), "确需统计，经费随事项下拨"),
		chromedp.Click(chromedp.CSS("#decision-submit")),
	))
	amust(waitFor(actx, `document.readyState === "complete" && !document.querySelector("#decision-form") && document.querySelector("#request-status").innerText === "已批准"`))
	shot(t, actx, "admission-approved-1440")

	// The community completes it, on a phone.
	sctx, smust, sprob := signedIn(t, e, "demo-secretary", 375, 812)
	smust(chromedp.Do(sctx, chromedp.Navigate(e.srv.URL+"/admission/inbox"), chromedp.WaitVisible(chromedp.CSS("#tasks"))))
	fits(t, sctx, smust, "the inbox", "#inbox-stats", "#burden-submit")
	shot(t, sctx, "admission-inbox-375")
	smust(clickLink(sctx, title))
	smust(chromedp.Do(sctx,
		chromedp.WaitVisible(chromedp.CSS("#task-form")),
		chromedp.WaitVisible(chromedp.CSS(`#task-files a[download]`)),
	))
	fits(t, sctx, smust, "the task with its files", "#task-files", "#task-submit")
	shot(t, sctx, "admission-task-375")
	smust(chromedp.Do(sctx,
		chromedp.SendKeys(chromedp.CSS("#task-form textarea[name=note]"), "已统计沿街商户 38 户并上报"),
		chromedp.SetUploadFiles(`#task-form input[name=files]`, []string{form, photo}),
		chromedp.Click(chromedp.CSS("#task-submit")),
	))
	smust(waitFor(sctx, `document.readyState === "complete" && !document.querySelector("#task-form") && document.querySelector("#task-status").innerText === "已完成"`))
	if n, err := chromedp.Run(sctx, chromedp.Evaluate[int](`document.querySelectorAll("#evidence-files li").length`)); err != nil || n != 2 {
		t.Errorf("the files returned with the task: %d %v", n, err)
	}
	fits(t, sctx, smust, "the task done", "#task-status")
	shot(t, sctx, "admission-task-done-375")

	// The figures show it, with the trend drawn.
	amust(chromedp.Do(actx, chromedp.Navigate(e.srv.URL+"/admission/burden"), chromedp.WaitVisible(chromedp.CSS("#burden-children"))))
	amust(waitFor(actx, `!!document.querySelector("[data-chart=burden-trend] canvas, [data-chart=burden-trend] svg")`))
	fits(t, actx, amust, "the burden figures at 1440", "#burden-export")
	shot(t, actx, "admission-burden-1440")
	amust(chromedp.Do(actx, chromedp.EmulateViewport(375, 812), chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#burden-children"))))
	fits(t, actx, amust, "the burden figures at 375", "#burden-export")
	shot(t, actx, "admission-burden-375")
	noConsoleErrors(t, aprob)

	// A certificate issued, and verified by an anonymous visitor.
	smust(chromedp.Do(sctx, chromedp.Navigate(e.srv.URL+"/admission/certificates"), chromedp.WaitVisible(chromedp.CSS("#issue-form"))))
	fits(t, sctx, smust, "the certificates page", "#issue-submit", "#not-ours")
	shot(t, sctx, "admission-certificates-375")
	smust(chromedp.Do(sctx,
		chromedp.SendKeys(chromedp.CSS("#issue-form input[name=holder]"), "王小明"),
		chromedp.SendKeys(chromedp.CSS("#issue-form textarea[name=statement]"), "自 2021 年起在本社区居住至今"),
		chromedp.Click(chromedp.CSS("#issue-submit")),
		chromedp.WaitVisible(chromedp.CSS("#cert-code")),
	))
	code, err := chromedp.Run(sctx, chromedp.Text(chromedp.CSS("#cert-code")))
	smust(err)
	fits(t, sctx, smust, "the certificate", "#cert-pdf")
	shot(t, sctx, "admission-certificate-375")
	noConsoleErrors(t, sprob)

	vctx, vprob := browsertest.Start(t)
	vmust := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	vmust(chromedp.Do(vctx, chromedp.EmulateViewport(375, 812), chromedp.Navigate(e.srv.URL+"/verify"), chromedp.WaitVisible(chromedp.CSS("#verify-form")),
		chromedp.SendKeys(chromedp.CSS("#verify-form input[name=code]"), strings.ToLower(code)),
		chromedp.Click(chromedp.CSS("#verify-submit")),
		chromedp.WaitVisible(chromedp.CSS("#verified"))))
	text, err := chromedp.Run(vctx, chromedp.Text(chromedp.CSS("#verified")))
	vmust(err)
	if !strings.Contains(text, "证明有效") || !strings.Contains(text, "王小明") || !strings.Contains(text, "民巷社区") {
		t.Errorf("the public check: %q", text)
	}
	fits(t, vctx, vmust, "the verification page", "#verified")
	shot(t, vctx, "admission-verify-375")
	noConsoleErrors(t, vprob)
}

// clickLink follows the first link of the page whose text holds text.
func clickLink(ctx context.Context, text string) error {
	ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(function (t) {
	  var a = Array.from(document.querySelectorAll("main a")).find(function (a) { return a.textContent.indexOf(t) >= 0; });
	  if (a) { a.click(); }
	  return !!a;
	})(`+strconv.Quote(text)+`)`))
	if err == nil && !ok {
		err = fmt.Errorf("no link %q on the page", text)
	}
	return err
}
