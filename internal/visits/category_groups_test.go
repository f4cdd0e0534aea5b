package visits_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"

	"grassroots/internal/apptest"
)

// The visit form's problem categories are grouped by class, as on the
// case report form: every sub-class sits in its class's group.
func TestVisitFormGroupsCategoriesByClass(t *testing.T) {
	e := apptest.New(t)
	hh := MustHousehold(t, e, apptest.GridA1, "101室", "elderly_alone")
	grid := e.Login("grid")
	sel := regexp.MustCompile(`(?s)<select name="category" id="issue-category">(.*?)</select>`)
	group := regexp.MustCompile(`(?s)<optgroup label="([^"]+)">(.*?)</optgroup>`)
	for _, lang := range []string{"zh-CN", "en"} {
		if lang == "en" {
			grid.Form("/lang", url.Values{"lang": {"en"}, "next": {"/"}})
		}
		m := sel.FindStringSubmatch(grid.Get("/visits/new?household=" + itoa(hh)).Body)
		if m == nil {
			t.Fatalf("%s: the visit form has no category list", lang)
		}
		groups := group.FindAllStringSubmatch(m[1], -1)
		if len(groups) < 2 {
			t.Fatalf("%s: the categories are in %d groups", lang, len(groups))
		}
		for _, g := range groups {
			if !strings.Contains(g[2], `<option value="`) {
				t.Errorf("%s: the class %s holds no category", lang, g[1])
			}
		}
		if rest := group.ReplaceAllString(m[1], ""); strings.Count(rest, "<option") != 1 {
			t.Errorf("%s: categories outside any class: %s", lang, rest)
		}
		if !strings.Contains(m[1], `value="0303"`) {
			t.Errorf("%s: the category 0303 is not offered", lang)
		}
	}
}
