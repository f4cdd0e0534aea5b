package admission_test

import (
	"html"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"grassroots/internal/apptest"
)

var burdenRow = regexp.MustCompile(`<button id="remove-\d+"`)

// TestBurdensPageOnward: a community's signboards and ledgers are listed
// 50 to a page on its inbox, with their total and a link to the rest;
// nothing stops at a fixed number of rows.
func TestBurdensPageOnward(t *testing.T) {
	e := apptest.New(t)
	sec := e.Login("secretary")
	for i := 1; i <= 51; i++ {
		if r := sec.API("POST", "/api/v1/admission/burdens", map[string]any{"kind": "signboard", "name": "牌子" + strconv.Itoa(i)}); r.StatusCode != 201 {
			t.Fatalf("signboard %d: %d %s", i, r.StatusCode, r.Body)
		}
	}
	first := sec.Get("/admission/inbox")
	if n := len(burdenRow.FindAllString(first.Body, -1)); n != 50 || !strings.Contains(first.Body, "共 51 条") {
		t.Fatalf("the first page of signboards: %d rows", n)
	}
	m := regexp.MustCompile(`href="([^"]+)" id="burdens-next"`).FindStringSubmatch(first.Body)
	if m == nil {
		t.Fatal("no link to the rest of the signboards")
	}
	rest := sec.Get(html.UnescapeString(m[1]))
	if n := len(burdenRow.FindAllString(rest.Body, -1)); rest.StatusCode != 200 || n != 1 || !strings.Contains(rest.Body, "牌子1<") {
		t.Errorf("the rest of the signboards: %d, %d rows", rest.StatusCode, n)
	}
	if strings.Contains(rest.Body, `id="burdens-next"`) {
		t.Error("the last page links onward")
	}
}

// TestSubdistrictInbox: a subdistrict's inbox names each row's community
// and narrows to one community, within its own.
func TestSubdistrictInbox(t *testing.T) {
	e := apptest.New(t)
	if r := e.Login("secretary").API("POST", "/api/v1/admission/burdens", map[string]any{"kind": "ledger", "name": "安全台账"}); r.StatusCode != 201 {
		t.Fatalf("a ledger: %d", r.StatusCode)
	}
	sub := e.Login("subdistrict")
	page := sub.Get("/admission/inbox")
	if !strings.Contains(page.Body, `id="inbox-filter"`) || !strings.Contains(page.Body, ">甲一社区居委会</td>") {
		t.Errorf("the subdistrict's inbox offers no community, or does not name the ledger's")
	}
	if mine := sub.Get("/admission/inbox?community=" + apptest.CommunityA); mine.StatusCode != 200 || !strings.Contains(mine.Body, `value="`+apptest.CommunityA+`" selected`) {
		t.Errorf("narrowed to community A: %d", mine.StatusCode)
	}
	if other := sub.Get("/admission/inbox?community=" + apptest.CommunityB); other.StatusCode != 200 || strings.Contains(other.Body, `" selected>乙一`) {
		t.Errorf("a community outside the subdistrict: %d", other.StatusCode)
	}
	if own := e.Login("secretary").Get("/admission/inbox"); strings.Contains(own.Body, `id="inbox-filter"`) || strings.Contains(own.Body, ">甲一社区居委会</td>") {
		t.Error("a community's own inbox names its community on every row")
	}
}
