package party_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"grassroots/internal/apptest"
	"grassroots/internal/party"
)

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
		t.Fatalf("branch by its grid's name: %d %s", res.StatusCode, apptest.VisibleText(res.Body))
	}
	branch := res.Header.Get("Location")
	bad := c.Form("/party/orgs", url.Values{"name": {"别处支部"}, "kind": {"branch"}, "region_code": {""}, "region_code_text": {"乙一网格1"}})
	if text := apptest.VisibleText(bad.Body); bad.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(text, "乙一网格1") {
		t.Errorf("an organisation placed by a name outside the area: %d", bad.StatusCode)
	} else {
		apptest.NoCodes(t, "the refused form", text)
	}

	list := c.Get("/party")
	text := apptest.VisibleText(list.Body)
	for _, want := range []string{"甲一社区大党委", "第一网格党支部", "甲一社区居委会 › 甲一网格1"} {
		if !strings.Contains(text, want) {
			t.Errorf("the organisation list lacks %q", want)
		}
	}
	apptest.NoCodes(t, "the organisation list", text)
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
		t.Fatalf("member: %d %s", r.StatusCode, apptest.VisibleText(r.Body))
	}
	page = c.Get(branch)
	text = apptest.VisibleText(page.Body)
	for _, want := range []string{"甲一社区居委会 › 甲一网格1", "周党员", "甲一社区居委会 › 甲一网格2"} {
		if !strings.Contains(text, want) {
			t.Errorf("the organisation page lacks %q", want)
		}
	}
	apptest.NoCodes(t, "the organisation page", text)

	var orgs struct {
		Items []party.Org `json:"items"`
	}
	c.Get("/api/v1/party/orgs?kind=branch").JSON(t, &orgs)
	if len(orgs.Items) != 1 || orgs.Items[0].RegionCode != apptest.GridA1 {
		t.Errorf("the API keeps the codes: %+v", orgs.Items)
	}
}
