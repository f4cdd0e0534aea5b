package search_test

import (
	"net/url"
	"strings"
	"testing"

	"grassroots/internal/apptest"
	"grassroots/internal/party"
	"grassroots/internal/registry"
	"grassroots/internal/search"
	"grassroots/internal/units"
)

// TestSearchShowsNames: each match is shown with the name of its
// division (a grid with its community), never its code, on the page and
// in the results fragment; the API keeps the codes.
func TestSearchShowsNames(t *testing.T) {
	e := apptest.New(t)
	sys := e.System()
	if _, err := e.App.Party.CreateOrg(sys, party.OrgInput{Name: "名称测试党委", Kind: party.Committee, RegionCode: apptest.CommunityA}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.App.Units.Create(sys, units.UnitInput{Name: "名称测试单位", Kind: "business", Subkind: "shop", RegionCode: apptest.GridA1, Address: "甲一路2号"}); err != nil {
		t.Fatal(err)
	}
	mustPerson(t, e, registry.PersonInput{Name: "名称测试居民", IDNumber: apptest.IDNumber(apptest.DistrictA, "19800101", "013"), RegionCode: apptest.GridA2})
	c := e.Login("secretary")
	for _, tt := range []struct {
		name   string
		header map[string][]string
	}{{"Page", nil}, {"Fragment", map[string][]string{"HX-Request": {"true"}}}} {
		t.Run(tt.name, func(t *testing.T) {
			r := c.Do("GET", "/search?q="+url.QueryEscape("名称测试"), nil, tt.header)
			text := apptest.VisibleText(r.Body)
			for _, want := range []string{"名称测试党委 甲一社区居委会", "甲一路2号 甲一社区居委会 › 甲一网格1", "甲一社区居委会 › 甲一网格2"} {
				if !strings.Contains(text, want) {
					t.Errorf("search results lack %q", want)
				}
			}
			apptest.NoCodes(t, "search results", text)
		})
	}
	var res search.Results
	c.Get("/api/v1/search?q="+url.QueryEscape("名称测试")).JSON(t, &res)
	if len(res.PartyOrgs) != 1 || res.PartyOrgs[0].RegionCode != apptest.CommunityA || len(res.Units) != 1 || res.Units[0].RegionCode != apptest.GridA1 ||
		len(res.People) != 1 || res.People[0].RegionCode != apptest.GridA2 {
		t.Errorf("the API keeps the codes: %+v", res)
	}
}
