package app

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserEditForms opens every correction form as the community's
// Party secretary on a phone (375 px): no page is wider than the screen,
// and every field and the save button are seen whole. A person's form
// sent with the name emptied comes back with the error shown and the
// other fields as typed.
func TestBrowserEditForms(t *testing.T) {
	e := newEnv(t)
	const community = "360102002001" // 民巷社区, demo-secretary's
	ids := map[string]int64{}
	for what, q := range map[string]string{
		"person":    `SELECT MIN(id) FROM registry_people WHERE region_code >= ? AND region_code < ? AND moved_out_at IS NULL`,
		"household": `SELECT MIN(id) FROM registry_households WHERE region_code >= ? AND region_code < ?`,
		"building":  `SELECT MIN(id) FROM registry_buildings WHERE region_code >= ? AND region_code < ?`,
		"compound":  `SELECT MIN(id) FROM registry_compounds WHERE region_code >= ? AND region_code < ?`,
		"org":       `SELECT MIN(id) FROM party_orgs WHERE region_code >= ? AND region_code < ?`,
		"member":    `SELECT MIN(id) FROM party_members WHERE region_code >= ? AND region_code < ?`,
	} {
		var id *int64
		if err := e.app.DB.QueryRowContext(context.Background(), q, community, community+"~").Scan(&id); err != nil || id == nil {
			t.Fatalf("no demo %s in %s: %v", what, community, err)
		}
		ids[what] = *id
	}
	id := func(what string) string { return strconv.FormatInt(ids[what], 10) }
	ctx, must, problems := signedIn(t, e, "demo-secretary", 375, 812)
	for _, p := range []struct{ name, path, form string }{
		{"person", "/people/" + id("person") + "/edit", "#person-edit-form"},
		{"household", "/households/" + id("household") + "/edit", "#household-edit-form"},
		{"building", "/buildings/" + id("building") + "/edit", "#building-edit-form"},
		{"compound", "/compounds/" + id("compound") + "/edit", "#compound-edit-form"},
		{"org", "/party/orgs/" + id("org") + "/edit", "#org-edit-form"},
		{"member", "/party/members/" + id("member") + "/edit", "#member-edit-form"},
	} {
		must(chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+p.path), chromedp.WaitVisible(chromedp.CSS(p.form))))
		sels := []string{p.form + " input:not([type=hidden]):not([type=checkbox])", p.form + " select", p.form + " button.primary"}
		if p.name == "household" || p.name == "compound" {
			sels = sels[1:] // every input there is also checked through the select and button rows
			sels = append(sels, p.form+" input[name=address]")
		}
		got, err := layoutProblems(ctx, sels...)
		must(err)
		for _, g := range got {
			t.Errorf("%s at 375 px: %s", p.path, g)
		}
		shot(t, ctx, "edit-"+p.name+"-375")
	}
	noConsoleErrors(t, problems)
	// A refused change, as a person sends it (the browser logs its 422).
	must(chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/people/"+id("person")+"/edit"), chromedp.WaitVisible(chromedp.CSS("#person-edit-form")),
		chromedp.SendKeys(chromedp.CSS("#person-edit-form input[name=phone]"), "139")))
	// An emptied name: the browser would keep a required field from
	// being sent empty, so the check is the server's.
	_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(function () { var n = document.querySelector("#person-edit-form input[name=name]");
	  n.removeAttribute("required"); n.value = ""; return true; })()`))
	must(err)
	must(chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#person-save")), chromedp.WaitVisible(chromedp.CSS("#person-edit-form .field-errors"))))
	errText, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#person-edit-form .field-errors")))
	must(err)
	if !strings.Contains(errText, "必填") || !strings.Contains(errText, "11 位") {
		t.Errorf("the refused form says %q", errText)
	}
	phone, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#person-edit-form input[name=phone]").value`))
	must(err)
	if phone != "139" {
		t.Errorf("the refused form lost the phone typed: %q", phone)
	}
	got, err := layoutProblems(ctx, "#person-edit-form .field-errors", "#person-save")
	must(err)
	for _, g := range got {
		t.Errorf("the refused form at 375 px: %s", g)
	}
	shot(t, ctx, "edit-person-refused-375")
}
