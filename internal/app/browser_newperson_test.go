package app

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserNewPersonPicksHousehold registers a resident as the
// community's Party secretary on a phone: the household is found by its
// head's name in the picker's suggestions, the grid is asked only until
// a household is chosen (it is the household's), the relation is chosen
// (none is preset), and the person is registered in the household.
func TestBrowserNewPersonPicksHousehold(t *testing.T) {
	e := newEnv(t)
	const community = "360102002001" // 民巷社区, demo-secretary's
	var household int64
	var head, region string
	q := `SELECT h.id, k.name, h.region_code FROM registry_people k JOIN registry_households h ON h.id = k.household_id
		WHERE k.relation = 'head' AND k.moved_out_at IS NULL AND h.region_code >= ? AND h.region_code < ? ORDER BY h.id LIMIT 1`
	if err := e.app.DB.QueryRowContext(context.Background(), q, community, community+"~").Scan(&household, &head, &region); err != nil {
		t.Fatalf("no demo household with a head in %s: %v", community, err)
	}
	ctx, must, problems := signedIn(t, e, "demo-secretary", 375, 812)
	must(chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/people/new"), chromedp.WaitVisible(chromedp.CSS("#person-form")),
		chromedp.WaitVisible(chromedp.CSS("#person-region-text"))))
	relation, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#person-relation").value`))
	must(err)
	if relation != "" {
		t.Errorf("the relation is preset to %q", relation)
	}
	got, err := layoutProblems(ctx, "#person-form input:not([type=hidden]):not([type=checkbox])", "#person-form select", "#person-form button.primary")
	must(err)
	for _, g := range got {
		t.Errorf("the new-person form at 375 px: %s", g)
	}
	must(chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS("#person-household-text"), head)))
	// The suggestions for the name typed (those shown on focus, for an
	// empty field, come first): each of them has that head.
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](`(function () { var lis = Array.from(document.querySelectorAll("#person-household-list li[role=option]"));
		return lis.length > 0 && !document.querySelector("#person-household-list[aria-busy]") && lis.every(function (li) { return li.textContent.indexOf("户主 " + `+strconv.Quote(head)+`) >= 0; }); })()`))
	must(err)
	shot(t, ctx, "new-person-picker-375")
	found, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#person-household-list li[role=option]")).map(function (li) { return li.textContent; })`))
	must(err)
	if len(found) == 0 || !strings.Contains(found[0], "户主 "+head) {
		t.Fatalf("the picker suggests %q for %q", found, head)
	}
	must(chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#person-household-list li[role=option]"))))
	chosen, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#person-form input[name=household_id]").value`))
	must(err)
	if chosen != strconv.FormatInt(household, 10) {
		t.Fatalf("the picker chose household %q, want %d", chosen, household)
	}
	hidden, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("#person-region-choice").hidden && document.querySelector("#person-region-text").disabled`))
	must(err)
	if !hidden {
		t.Error("the grid is still asked with a household chosen")
	}
	id := validID("19990909", "987")
	must(chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS("#person-form input[name=name]"), "新登记（演示）"),
		chromedp.SendKeys(chromedp.CSS("#person-form input[name=id_number]"), id),
		chromedp.SetValue(chromedp.CSS("#person-relation"), "grandchild"),
		chromedp.Click(chromedp.CSS("#person-form button.primary")), chromedp.WaitVisible(chromedp.CSS(".flash"))))
	var now int64
	var rel, grid string
	if err := e.app.DB.QueryRowContext(context.Background(), `SELECT household_id, relation, region_code FROM registry_people WHERE name = ?`,
		"新登记（演示）").Scan(&now, &rel, &grid); err != nil {
		t.Fatal(err)
	}
	if now != household || rel != "grandchild" || grid != region {
		t.Errorf("registered: household %d (want %d), relation %s, grid %s (want the household's %s)", now, household, rel, grid, region)
	}
	noConsoleErrors(t, problems)
}
