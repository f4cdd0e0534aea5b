package party_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"grassroots/internal/apptest"
	"grassroots/internal/party"
)

var (
	jsonBlock = regexp.MustCompile(`(?is)<script[^>]*type="?application/json"?[^>]*>.*?</script>`)
	anyTag    = regexp.MustCompile(`(?s)<[^>]*>`)
	codeRun   = regexp.MustCompile(`(^|[^0-9])([0-9]{9,15})([^0-9]|$)`)
)

// shownText is what a person reads on a page: the text outside tags and
// their attributes, without the JSON blocks that feed its scripts.
func shownText(body string) string {
	return anyTag.ReplaceAllString(jsonBlock.ReplaceAllString(body, " "), " ")
}

// noCode fails when text shows a division code.
func noCode(t *testing.T, what, text string) {
	t.Helper()
	if m := codeRun.FindStringSubmatch(text); m != nil {
		t.Errorf("%s shows the code %s", what, m[2])
	}
}

// TestPartyPagesShowNames: the organisation list and an organisation's
// page name the divisions (a grid with its community), never their
// codes; a new organisation's division is chosen by name, also without
// scripts, and a new member's home from the divisions around the
// organisation, by name; the API keeps the codes.
func TestPartyPagesShowNames(t *testing.T) {
	e := apptest.New(t)
	committee, _ := mustCommittees(t, e)
	c := e.Login("secretary")
	res := c.Form("/party/orgs", url.Values{"parent_id": {itoa(committee.ID)}, "name": {"第一网格党支部"}, "kind": {"branch"},
		"region_code": {""}, "region_code_text": {"甲一网格1"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("branch by its grid's name: %d %s", res.StatusCode, shownText(res.Body))
	}
	branch := res.Header.Get("Location")
	bad := c.Form("/party/orgs", url.Values{"name": {"别处支部"}, "kind": {"branch"}, "region_code": {""}, "region_code_text": {"乙一网格1"}})
	if text := shownText(bad.Body); bad.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(text, "乙一网格1") {
		t.Errorf("an organisation placed by a name outside the area: %d", bad.StatusCode)
	} else {
		noCode(t, "the refused form", text)
	}

	list := c.Get("/party")
	text := shownText(list.Body)
	for _, want := range []string{"甲一社区大党委", "第一网格党支部", "甲一社区居委会 › 甲一网格1"} {
		if !strings.Contains(text, want) {
			t.Errorf("the organisation list lacks %q", want)
		}
	}
	noCode(t, "the organisation list", text)
	if !strings.Contains(list.Body, `value="甲一社区居委会"`) {
		t.Errorf("the new organisation's division is not offered by name")
	}

	page := c.Get(branch)
	if page.StatusCode != 200 {
		t.Fatalf("branch page: %d", page.StatusCode)
	}
	if !strings.Contains(page.Body, `<option value="`+apptest.GridA1+`" selected>甲一网格1`) || !strings.Contains(page.Body, `<option value="`+apptest.CommunityA+`">甲一社区居委会`) {
		t.Errorf("the member form does not offer homes by name")
	}
	id := strings.TrimPrefix(branch, "/party/orgs/")
	if r := c.Form("/party/members", url.Values{"org_id": {id}, "name": {"周党员"}, "category": {"direct"}, "status": {"full"}, "region_code": {apptest.GridA2}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("member: %d %s", r.StatusCode, shownText(r.Body))
	}
	page = c.Get(branch)
	text = shownText(page.Body)
	for _, want := range []string{"甲一社区居委会 › 甲一网格1", "周党员", "甲一社区居委会 › 甲一网格2"} {
		if !strings.Contains(text, want) {
			t.Errorf("the organisation page lacks %q", want)
		}
	}
	noCode(t, "the organisation page", text)

	var orgs struct {
		Items []party.Org `json:"items"`
	}
	c.Get("/api/v1/party/orgs?kind=branch").JSON(t, &orgs)
	if len(orgs.Items) != 1 || orgs.Items[0].RegionCode != apptest.GridA1 {
		t.Errorf("the API keeps the codes: %+v", orgs.Items)
	}
}
