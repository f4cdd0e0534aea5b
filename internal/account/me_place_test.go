package account_test

import (
	"regexp"
	"testing"

	"grassroots/internal/apptest"
)

// TestMePlaceLinksOnlyWhatOpens: the own page links the account's division
// only when the viewer may open that division's page; a grid worker, whose
// scope is their grids, sees their community named without a link.
func TestMePlaceLinksOnlyWhatOpens(t *testing.T) {
	e := apptest.New(t)
	link := regexp.MustCompile(`<a href="(/regions/\d+)" id="user-place">`)
	for _, tt := range []struct {
		user   string
		linked bool
	}{
		{"grid", false}, {"resident", true}, {"secretary", true}, {"subdistrict", true}, {"city", true},
	} {
		c := e.Login(tt.user)
		page := c.Get("/me")
		if page.StatusCode != 200 {
			t.Fatalf("%s: /me answers %d", tt.user, page.StatusCode)
		}
		m := link.FindStringSubmatch(page.Body)
		if (m != nil) != tt.linked {
			t.Errorf("%s: the division links %v, want a link %v", tt.user, m, tt.linked)
		}
		if m != nil {
			if r := c.Get(m[1]); r.StatusCode != 200 {
				t.Errorf("%s: the division's link %s answers %d", tt.user, m[1], r.StatusCode)
			}
		}
		if !regexp.MustCompile(`id="user-place">[^<]+<`).MatchString(page.Body) {
			t.Errorf("%s: the own page does not name the division", tt.user)
		}
	}
}
