package app

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserMovePicksHousehold moves a resident to another household as
// the community's Party secretary on a phone: the household is found by
// its head's name in the picker's suggestions, the relation is chosen
// (none is preset), and the move is made.
func TestBrowserMovePicksHousehold(t *testing.T) {
	e := newEnv(t)
	const community = "360102002001" // 民巷社区, demo-secretary's
	var person, household, target int64
	var head string
	q := `SELECT p.id, p.household_id, h.id, k.name FROM registry_people p
		JOIN registry_people k ON k.relation = 'head' AND k.moved_out_at IS NULL AND k.household_id <> p.household_id
		JOIN registry_households h ON h.id = k.household_id
		WHERE p.region_code >= ? AND p.region_code < ? AND p.relation <> 'head' AND p.moved_out_at IS NULL
			AND k.region_code >= ? AND k.region_code < ? ORDER BY p.id, k.id LIMIT 1`
	if err := e.app.DB.QueryRowContext(context.Background(), q, community, community+"~", community, community+"~").Scan(&person, &household, &target, &head); err != nil {
		t.Fatalf("no demo resident and other household in %s: %v", community, err)
	}
	ctx, must, problems := signedIn(t, e, "demo-secretary", 375, 812)
	id := strconv.FormatInt(person, 10)
	must(chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/people/"+id+"/edit"), chromedp.WaitVisible(chromedp.CSS("#person-move-form")),
		chromedp.SendKeys(chromedp.CSS("#move-household-text"), head)))
	// The suggestions for the name typed (those shown on focus, for an
	// empty field, come first).
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](`(function () { var li = document.querySelector("#move-household-list li[role=option]");
		return !!li && !document.querySelector("#move-household-list[aria-busy]") && li.textContent.indexOf(`+strconv.Quote(head)+`) >= 0; })()`))
	must(err)
	shot(t, ctx, "move-picker-375")
	found, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#move-household-list li[role=option]")).map(function (li) { return li.textContent; })`))
	must(err)
	if len(found) == 0 || !strings.Contains(found[0], "户主 "+head) {
		t.Fatalf("the picker suggests %q for %q", found, head)
	}
	must(chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#move-household-list li[role=option]"))))
	chosen, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#person-move-form input[name=household_id]").value`))
	must(err)
	if chosen != strconv.FormatInt(target, 10) {
		t.Fatalf("the picker chose household %q, want %d", chosen, target)
	}
	relation, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#move-relation").value`))
	must(err)
	if relation != "" {
		t.Errorf("the relation is preset to %q", relation)
	}
	got, err := layoutProblems(ctx, "#person-move-form input:not([type=hidden])", "#person-move-form select", "#person-move")
	must(err)
	for _, g := range got {
		t.Errorf("the move form at 375 px: %s", g)
	}
	must(chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS("#move-relation"), "other"),
		chromedp.SendKeys(chromedp.CSS("#move-reason"), "投亲靠友"),
		chromedp.Click(chromedp.CSS("#person-move")), chromedp.WaitVisible(chromedp.CSS(".flash"))))
	var now int64
	var rel string
	if err := e.app.DB.QueryRowContext(context.Background(), `SELECT household_id, relation FROM registry_people WHERE id = ?`, person).Scan(&now, &rel); err != nil {
		t.Fatal(err)
	}
	if now != target || rel != "other" {
		t.Errorf("after the move: household %d (was %d, want %d), relation %s", now, household, target, rel)
	}
	noConsoleErrors(t, problems)
}
