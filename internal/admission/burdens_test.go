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
