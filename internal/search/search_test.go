package search_test

import (
	"net/url"
	"strconv"
	"strings"
	"testing"

	"grassroots/internal/apptest"
	"grassroots/internal/cases"
	"grassroots/internal/party"
	"grassroots/internal/registry"
	"grassroots/internal/units"
)

func mustPerson(t *testing.T, e *apptest.Env, in registry.PersonInput) {
	t.Helper()
	in.Relation, in.Residence = "head", registry.Registered
	if _, err := e.App.Registry.CreatePerson(e.System(), in); err != nil {
		t.Fatalf("person %s: %v", in.Name, err)
	}
}

// TestOneSearchBox: one box finds people, Party organisations and units of
// the actor's territory by name, never another community's, and is not
// for departments.
func TestOneSearchBox(t *testing.T) {
	e := apptest.New(t)
	sys := e.System()
	for _, o := range []party.OrgInput{
		{Name: "甲一社区大党委", Kind: party.Committee, RegionCode: apptest.CommunityA},
		{Name: "乙一社区大党委", Kind: party.Committee, RegionCode: apptest.CommunityB},
	} {
		if _, err := e.App.Party.CreateOrg(sys, o); err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range []units.UnitInput{
		{Name: "甲一社区第1家两新组织", Kind: "two_new", Subkind: "social_organisation", RegionCode: apptest.GridA1},
		{Name: "乙一社区第1家两新组织", Kind: "two_new", Subkind: "social_organisation", RegionCode: apptest.GridB1},
	} {
		if _, err := e.App.Units.Create(sys, u); err != nil {
			t.Fatal(err)
		}
	}
	mustPerson(t, e, registry.PersonInput{Name: "搜索居民甲", IDNumber: apptest.IDNumber(apptest.DistrictA, "19750505", "081"), RegionCode: apptest.GridA1})
	mustPerson(t, e, registry.PersonInput{Name: "搜索居民乙", IDNumber: apptest.IDNumber(apptest.DistrictA, "19760606", "092"), RegionCode: apptest.GridB1})
	c := e.Login("secretary")
	for _, tt := range []struct{ q, want, foreign string }{
		{"大党委", "甲一社区大党委", "乙一社区大党委"},
		{"两新", "甲一社区第1家两新组织", "乙一社区第1家两新组织"},
		{"搜索居民", "search-people", "搜索居民乙"},
	} {
		res := c.Get("/search?q=" + url.QueryEscape(tt.q))
		if res.StatusCode != 200 || !strings.Contains(res.Body, tt.want) {
			t.Errorf("search %q lacks %q", tt.q, tt.want)
		}
		if strings.Contains(res.Body, tt.foreign) {
			t.Errorf("search %q shows another community's %q", tt.q, tt.foreign)
		}
	}
	if r := c.Get("/search?q=" + url.QueryEscape("搜索居民")); !strings.Contains(r.Body, "搜索居民甲") {
		t.Error("search does not find the community's resident")
	}
	if r := c.Get("/search?q=x1"); r.StatusCode != 200 {
		t.Errorf("short query: %d", r.StatusCode)
	}
	if r := c.API("GET", "/api/v1/search?q=民", nil); r.StatusCode != 422 || !strings.Contains(r.Body, `"field":"q"`) {
		t.Errorf("one-character query: %d %s", r.StatusCode, r.Body)
	}
	// A department user may not use the search box, which finds people.
	if r := e.Login("dept").Get("/search?q=" + url.QueryEscape("搜索居民")); r.StatusCode != 403 {
		t.Errorf("department staff and the search box: %d", r.StatusCode)
	}
}

// TestSearchCaseNumber: the box finds a case by its number and by the
// hotline's work-order number, within the actor's scope only, and says
// so when no case in scope has the number.
func TestSearchCaseNumber(t *testing.T) {
	e := apptest.New(t)
	report := func(lon, lat float64, ext string) *cases.Case {
		t.Helper()
		in, err := e.App.Cases.Report(e.System(), cases.ReportInput{Category: "0303", Description: "路灯不亮", Lon: &lon, Lat: &lat,
			ContactName: "赵先生", ContactPhone: "13800138000", ExternalID: ext})
		if err != nil {
			t.Fatal(err)
		}
		return in.Case
	}
	own := report(114.1005, 22.5505, "12345-OWN-0001")
	foreign := report(114.2005, 22.6505, "12345-FOREIGN-0001")
	c := e.Login("secretary")
	for _, tt := range []struct {
		q    string
		c    *cases.Case
		want bool
	}{{own.Number, own, true}, {"12345-OWN-0001", own, true}, {foreign.Number, foreign, false}, {"12345-FOREIGN-0001", foreign, false}} {
		r := c.Get("/search?q=" + url.QueryEscape(tt.q))
		found := strings.Contains(r.Body, `href="/cases/`+strconv.FormatInt(tt.c.ID, 10)+`"`)
		if r.StatusCode != 200 || found != tt.want {
			t.Errorf("search %q: %d, a case found: %v, want %v", tt.q, r.StatusCode, found, tt.want)
		}
		if !tt.want && !strings.Contains(r.Body, "没有这个编号的案件") {
			t.Errorf("search %q does not say no case has the number", tt.q)
		}
	}
	var res struct {
		Cases []struct {
			Number string `json:"number"`
		} `json:"cases"`
	}
	c.API("GET", "/api/v1/search?q="+url.QueryEscape(own.Number), nil).JSON(t, &res)
	if len(res.Cases) != 1 || res.Cases[0].Number != own.Number {
		t.Errorf("API search by case number: %+v", res.Cases)
	}
	// A name is no case number: the page has no case section.
	if r := c.Get("/search?q=" + url.QueryEscape("路灯")); strings.Contains(r.Body, `id="search-cases"`) {
		t.Error("a search by words shows a case section")
	}
}
