package registry_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"

	"grassroots/internal/apptest"
	"grassroots/internal/registry"
)

// page is one page of a JSON list with its total.
type page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
	Total      *int   `json:"total"`
}

// walk reads every page of a JSON list, checking that each page carries
// the same total, and returns the items and that total.
func walk[T any](t *testing.T, c *apptest.Client, path string) ([]T, int) {
	t.Helper()
	var all []T
	total := -1
	cursor := ""
	for i := 0; i < 100; i++ {
		u := path
		if cursor != "" {
			u += "&cursor=" + url.QueryEscape(cursor)
		}
		r := c.Get(u)
		if r.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %s", u, r.StatusCode, r.Body)
		}
		var p page[T]
		r.JSON(t, &p)
		if p.Total == nil {
			t.Fatalf("GET %s: no total", u)
		}
		if total >= 0 && *p.Total != total {
			t.Errorf("GET %s: total %d, the first page said %d", u, *p.Total, total)
		}
		total = *p.Total
		all = append(all, p.Items...)
		if p.NextCursor == "" {
			return all, total
		}
		cursor = p.NextCursor
	}
	t.Fatalf("GET %s: more than 100 pages", path)
	return nil, 0
}

// walkPages follows a page's "next page" links to the end and returns
// the bodies of its pages.
func walkPages(t *testing.T, c *apptest.Client, path, nextID string) []string {
	t.Helper()
	next := regexp.MustCompile(`href="([^"]+)"[^>]*id="` + nextID + `"`)
	var bodies []string
	for i := 0; path != "" && i < 100; i++ {
		r := c.Get(path)
		if r.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, r.StatusCode, r.Body)
		}
		bodies = append(bodies, r.Body)
		path = ""
		if m := next.FindStringSubmatch(r.Body); m != nil {
			path = strings.ReplaceAll(m[1], "&amp;", "&")
		}
	}
	return bodies
}

// mustBuildings adds n buildings to grid, addressed 列表路000号 … in order.
func mustBuildings(t *testing.T, e *apptest.Env, grid string, n int) []registry.Building {
	t.Helper()
	var out []registry.Building
	for i := 0; i < n; i++ {
		b, err := e.App.Registry.CreateBuilding(e.System(), registry.BuildingInput{RegionCode: grid, Name: fmt.Sprintf("%d栋", i+1),
			Address: fmt.Sprintf("列表路%03d号", i), Floors: 6, Units: 2})
		if err != nil {
			t.Fatalf("building %d: %v", i, err)
		}
		out = append(out, b)
	}
	return out
}

// TestBuildingListPagesFiltersAndSorts: the building list of a community
// with more than 200 buildings pages through every one of them, each page
// with the same total, as a page and as JSON; the area, text and tag
// filters and both orders select what they say; another community's
// worker sees none of it.
func TestBuildingListPagesFiltersAndSorts(t *testing.T) {
	e := apptest.New(t)
	bs := mustBuildings(t, e, apptest.GridA2, 205)
	sys := e.System()
	// Three households in the 10th building, two in the 20th; someone
	// living alone and elderly in the 20th.
	for i, room := range []string{"101室", "102室", "103室"} {
		if _, err := e.App.Registry.CreateHousehold(sys, registry.HouseholdInput{BuildingID: bs[10].ID, Room: room}); err != nil {
			t.Fatalf("household %d: %v", i, err)
		}
	}
	var care registry.Household
	for i, room := range []string{"201室", "202室"} {
		h, err := e.App.Registry.CreateHousehold(sys, registry.HouseholdInput{BuildingID: bs[20].ID, Room: room})
		if err != nil {
			t.Fatalf("household %d: %v", i, err)
		}
		care = h
	}
	mustPerson(t, e, registry.PersonInput{Name: "独居甲", IDNumber: apptest.IDNumber(apptest.DistrictA, "19400101", "011"), HouseholdID: care.ID,
		Tags: []string{"elderly_alone"}})

	sec := e.Login("secretary")
	// 205 buildings and the two of the fixture in community A.
	items, total := walk[registry.BuildingSummary](t, sec, "/api/v1/buildings?limit=60")
	if total != 207 || len(items) != 207 {
		t.Fatalf("JSON list: %d items, total %d, want 207", len(items), total)
	}
	seen := map[int64]bool{}
	for i, b := range items {
		if seen[b.ID] {
			t.Errorf("building %d listed twice", b.ID)
		}
		seen[b.ID] = true
		// Compared within one street, whatever the database's collation.
		if i > 0 && strings.HasPrefix(items[i-1].Address, "列表路") && strings.HasPrefix(b.Address, "列表路") && items[i-1].Address > b.Address {
			t.Errorf("not in address order: %q before %q", items[i-1].Address, b.Address)
		}
		if b.RegionName == "" {
			t.Errorf("building %d without its grid's name", b.ID)
		}
	}
	bodies := walkPages(t, sec, "/buildings", "building-next")
	rows := 0
	for _, body := range bodies {
		rows += strings.Count(body, `data-households=`)
		if !strings.Contains(body, "共 207 栋") {
			t.Errorf("a page of the list does not say its total")
		}
	}
	if rows != 207 || len(bodies) != 5 {
		t.Errorf("the pages list %d buildings on %d pages, want 207 on 5", rows, len(bodies))
	}

	for _, tt := range []struct {
		name, query string
		want        int
	}{
		{"Grid", "region=" + apptest.GridA1, 1},
		{"Community", "region=" + apptest.CommunityA, 207},
		{"Address", "q=" + url.QueryEscape("列表路00"), 10},
		{"Name", "q=" + url.QueryEscape("205栋"), 1},
		{"AnyCare", "tag=care", 1},
		{"Tag", "tag=elderly_alone", 1},
		{"TagNobody", "tag=veteran", 0},
		{"OtherCommunity", "region=" + apptest.CommunityB, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, n := walk[registry.BuildingSummary](t, sec, "/api/v1/buildings?limit=500&"+tt.query)
			if n != tt.want || len(got) != tt.want {
				t.Errorf("%s: %d items, total %d, want %d", tt.query, len(got), n, tt.want)
			}
		})
	}
	byHouseholds, _ := walk[registry.BuildingSummary](t, sec, "/api/v1/buildings?limit=5&sort=households&region="+apptest.GridA2)
	if byHouseholds[0].ID != bs[10].ID || byHouseholds[0].Households != 3 || byHouseholds[1].ID != bs[20].ID || byHouseholds[1].CareHouseholds != 1 {
		t.Errorf("by households: first %d (%d households), second %d", byHouseholds[0].ID, byHouseholds[0].Households, byHouseholds[1].ID)
	}
	if len(byHouseholds) != 206 {
		t.Errorf("by households, paged five at a time: %d buildings, want 206", len(byHouseholds))
	}
	page := sec.Get("/buildings?sort=households&tag=care")
	if !strings.Contains(page.Body, "共 1 栋") || !strings.Contains(page.Body, "列表路020号") {
		t.Errorf("the page filtered to special care: %s", page.Body)
	}
	if r := sec.Get("/api/v1/buildings?sort=height"); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `"field":"sort"`) {
		t.Errorf("an unknown order: %d %s", r.StatusCode, r.Body)
	}
	if r := sec.Get("/buildings?tag=rich"); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "标签") {
		t.Errorf("an unknown tag: %d", r.StatusCode)
	}

	w := e.Login("worker") // community B
	if got, n := walk[registry.BuildingSummary](t, w, "/api/v1/buildings?limit=500&region="+apptest.CommunityA); n != 0 || len(got) != 0 {
		t.Errorf("another community's worker lists %d of A's buildings (total %d)", len(got), n)
	}
	if r := w.Get("/buildings"); strings.Contains(r.Body, "列表路") || !strings.Contains(r.Body, "共 1 栋") {
		t.Errorf("another community's worker sees A's buildings")
	}
	var fc registry.BuildingFeatures
	sec.Get("/api/v1/buildings.geojson?region="+apptest.GridA1).JSON(t, &fc)
	if len(fc.Features) != 1 || fc.Features[0].Properties["name"] != "1栋" {
		t.Errorf("the grid's buildings for its map: %+v", fc)
	}
}

// TestBuildingPage: a building's page shows its compound, address, units
// and floors, its rooms with their households, how many are lived in, its
// residents and special-care marks, by name and never by code; it pages
// its rooms; a building outside the actor's grids is not found.
func TestBuildingPage(t *testing.T) {
	e := apptest.New(t)
	sys := e.System()
	id := e.Buildings[apptest.GridA1]
	var hs []registry.Household
	for _, x := range []struct {
		room string
		use  registry.HouseUse
	}{{"1单元101室", registry.SelfOccupied}, {"1单元102室", registry.Rented}, {"1单元103室", registry.Vacant}} {
		h, err := e.App.Registry.CreateHousehold(sys, registry.HouseholdInput{BuildingID: id, Room: x.room, HouseUse: x.use})
		if err != nil {
			t.Fatal(err)
		}
		hs = append(hs, h)
	}
	mustPerson(t, e, registry.PersonInput{Name: "楼甲", IDNumber: apptest.IDNumber(apptest.DistrictA, "19450101", "011"), HouseholdID: hs[0].ID, Tags: []string{"disability"}})
	mustPerson(t, e, registry.PersonInput{Name: "楼乙", IDNumber: apptest.IDNumber(apptest.DistrictA, "19470101", "021"), HouseholdID: hs[0].ID, Relation: "spouse"})
	mustPerson(t, e, registry.PersonInput{Name: "楼丙", IDNumber: apptest.IDNumber(apptest.DistrictA, "19900101", "031"), HouseholdID: hs[1].ID, Residence: registry.Floating})

	c := e.Login("grid") // grid A1
	r := c.Get("/buildings/" + itoa(id))
	if r.StatusCode != http.StatusOK {
		t.Fatalf("building page: %d %s", r.StatusCode, r.Body)
	}
	for _, want := range []string{`id="building-rooms">3<`, `id="building-occupancy">67%<`, "入住 2 / 3 间", `id="building-residents">3<`, `id="building-care">1<`,
		`id="building-units">2<`, `id="building-floors">6<`, "甲一网格1路1号1栋", ">甲一网格1</a>", "共 3 间", "残疾人", `href="/households/` + itoa(hs[2].ID) + `"`,
		`href="/buildings/` + itoa(id) + `/edit"`, `href="/grids/` + apptest.GridA1 + `"`} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("building page lacks %q", want)
		}
	}
	apptest.NoCodes(t, "the building page", r.Body)
	// Rooms a page at a time, each with the total.
	bodies := walkPages(t, c, "/buildings/"+itoa(id)+"?limit=2", "room-next")
	if len(bodies) != 2 || !strings.Contains(bodies[1], "1单元103室") || !strings.Contains(bodies[1], "共 3 间") {
		t.Errorf("rooms two at a time: %d pages", len(bodies))
	}
	rooms, n := walk[registry.Room](t, c, "/api/v1/buildings/"+itoa(id)+"/households?limit=2")
	if n != 3 || len(rooms) != 3 || !rooms[0].Care() || rooms[0].Members != 2 || rooms[2].HouseUse != registry.Vacant {
		t.Errorf("rooms as JSON: %d (total %d) %+v", len(rooms), n, rooms)
	}
	// A household added on the page, refused when its room is missing.
	bad := c.Form("/households", url.Values{"building_id": {itoa(id)}, "room": {"1单元104室"}, "house_use": {"sold"}})
	if bad.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(bad.Body, `id="household-form"`) || !strings.Contains(bad.Body, "共 3 间") {
		t.Errorf("a refused household: %d", bad.StatusCode)
	}
	// Outside the actor's scope a building is not found, like none.
	for _, tt := range []struct{ name, actor, path string }{
		{"OtherGrid", "grid", "/buildings/" + itoa(e.Buildings[apptest.GridA2])},
		{"OtherCommunity", "worker", "/buildings/" + itoa(id)},
		{"OtherCommunityRooms", "worker", "/api/v1/buildings/" + itoa(id) + "/households"},
		{"None", "grid", "/buildings/999999"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if r := e.Login(tt.actor).Get(tt.path); r.StatusCode != http.StatusNotFound || strings.Contains(r.Body, "楼甲") {
				t.Errorf("%s %s: %d", tt.actor, tt.path, r.StatusCode)
			}
		})
	}
}

// TestPeopleListPagesFiltersAndSorts: a list of more than 200 people pages
// through all of them with the total on every page, for a community and
// for the whole city (whose total comes from the kept totals); filters
// and the address order select what they say; each row carries the
// household's address and the grid's name.
func TestPeopleListPagesFiltersAndSorts(t *testing.T) {
	e := apptest.New(t)
	rows := [][]string{registry.PeopleHeader}
	for i := 0; i < 230; i++ {
		tags := ""
		if i%50 == 7 {
			tags = "低保"
		}
		name := "乙名册" + pad3(i)
		if i < 10 {
			name = "甲名册" + pad3(i)
		}
		rows = append(rows, []string{name, apptest.IDNumber(apptest.DistrictA, "19800101", pad3(i)), "", "户主", "户籍", tags,
			fmt.Sprintf("名单路%03d号", 229-i), apptest.GridA2, ""})
	}
	rep, err := e.App.Registry.ImportPeople(e.System(), rows, registry.ImportOptions{})
	if err != nil || !rep.Committed {
		t.Fatalf("import: %v %+v", err, rep.Errors)
	}
	sec := e.Login("secretary")
	items, total := walk[registry.PersonItem](t, sec, "/api/v1/people?limit=70&region="+apptest.GridA2)
	if total != 230 || len(items) != 230 {
		t.Fatalf("JSON list: %d items, total %d, want 230", len(items), total)
	}
	if items[0].Address == "" || items[0].RegionName != "甲一网格2" {
		t.Errorf("a row without its address or grid: %+v", items[0])
	}
	bodies := walkPages(t, sec, "/people?region="+apptest.GridA2, "people-next")
	n := 0
	for _, b := range bodies {
		n += strings.Count(b, `href="/people/`) - strings.Count(b, `href="/people/new"`) - strings.Count(b, `href="/people/import"`) - strings.Count(b, `href="/people/export`)
		if !strings.Contains(b, "共 230 人") {
			t.Errorf("a page of the list does not say its total")
		}
	}
	if n != 230 {
		t.Errorf("the pages list %d people, want 230", n)
	}
	// The city's list: its total is the kept one, and it is right.
	city := e.Login("city")
	all, cityTotal := walk[registry.PersonItem](t, city, "/api/v1/people?limit=100")
	if cityTotal != len(all) || cityTotal < 230 {
		t.Errorf("the city's list: %d people, total %d", len(all), cityTotal)
	}
	byAddress, _ := walk[registry.PersonItem](t, sec, "/api/v1/people?limit=40&sort=address&region="+apptest.GridA2)
	if len(byAddress) != 230 || !sort.SliceIsSorted(byAddress, func(i, j int) bool { return byAddress[i].Address < byAddress[j].Address }) {
		t.Errorf("by address: %d people, in order: %v", len(byAddress), sort.SliceIsSorted(byAddress, func(i, j int) bool { return byAddress[i].Address < byAddress[j].Address }))
	}
	for _, tt := range []struct {
		name, query string
		want        int
	}{
		{"Care", "tag=care", 5},
		{"Tag", "tag=subsistence", 5},
		{"Name", "q=" + url.QueryEscape("甲名册"), 10},
		{"Initials", "q=jmc", 10},
		{"Address", "q=" + url.QueryEscape("名单路00"), 10},
		{"Grid", "region=" + apptest.GridA1, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, n := walk[registry.PersonItem](t, sec, "/api/v1/people?limit=3&"+tt.query)
			if n != tt.want || len(got) != tt.want {
				t.Errorf("%s: %d items, total %d, want %d", tt.query, len(got), n, tt.want)
			}
		})
	}
	if r := sec.Get("/people?tag=care&sort=address"); !strings.Contains(r.Body, "共 5 人") || !strings.Contains(r.Body, ">甲一网格2</a>") || !strings.Contains(r.Body, "名单路") {
		t.Errorf("the special-care list: %s", r.Body)
	}
	if r := sec.Get("/api/v1/people?residence=alien"); r.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("an unknown residence: %d", r.StatusCode)
	}
	if got, n := walk[registry.PersonItem](t, e.Login("worker"), "/api/v1/people?limit=500&region="+apptest.GridA2); n != 0 || len(got) != 0 {
		t.Errorf("another community's worker lists %d of A's people (total %d)", len(got), n)
	}
	// The export follows the list's filters.
	if r := sec.Get("/people/export.csv?tag=care&region=" + apptest.GridA2); strings.Count(r.Body, "\n") != 6 {
		t.Errorf("the export of the special-care list: %d lines, want a header and 5", strings.Count(r.Body, "\n"))
	}
}
