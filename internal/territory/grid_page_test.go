package territory_test

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"grassroots/internal/apptest"
	"grassroots/internal/registry"
)

// figure reads the number of the element with id from a page.
func figure(t *testing.T, body, id string) int {
	t.Helper()
	m := regexp.MustCompile(`id="` + id + `">(\d+)%?<`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no figure %s", id)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// TestGridPageWalk: a grid's page shows its buildings, households,
// residents, special-care households and open cases, by name; its
// building list (loaded into the page) counts each building's households
// and residents as the building's own page does, and the grid's figures
// are their sums; a grid outside the actor's scope is not found; those
// who may see the grid but not the registry see neither the figures nor
// the list.
func TestGridPageWalk(t *testing.T) {
	e := apptest.New(t)
	sys := e.System()
	first := e.Buildings[apptest.GridA1]
	second, err := e.App.Registry.CreateBuilding(sys, registry.BuildingInput{RegionCode: apptest.GridA1, Name: "2栋", Address: "甲一网格1路1号2栋", Floors: 11, Units: 3})
	if err != nil {
		t.Fatal(err)
	}
	seq := 0
	headed := map[int64]bool{} // a household has one head: the first registered in it
	person := func(hh int64, tags ...string) {
		t.Helper()
		seq++
		relation := "spouse"
		if !headed[hh] {
			relation, headed[hh] = "head", true
		}
		_, err := e.App.Registry.CreatePerson(sys, registry.PersonInput{Name: "走访" + strconv.Itoa(seq), IDNumber: apptest.IDNumber(apptest.DistrictA, "19500101", "0"+strconv.Itoa(10+seq)),
			HouseholdID: hh, Relation: relation, Residence: registry.Registered, Tags: tags})
		if err != nil {
			t.Fatal(err)
		}
	}
	for i, b := range []int64{first, first, second.ID} {
		h, err := e.App.Registry.CreateHousehold(sys, registry.HouseholdInput{BuildingID: b, Room: "10" + strconv.Itoa(i) + "室"})
		if err != nil {
			t.Fatal(err)
		}
		person(h.ID)
		if i != 1 {
			person(h.ID, "elderly_alone")
		}
	}
	sec := e.Login("secretary")
	if r := sec.API("POST", "/api/v1/cases", map[string]any{"category": "0101", "description": "楼道堆放杂物", "lon": e.Points[apptest.GridA1][0], "lat": e.Points[apptest.GridA1][1]}); r.StatusCode != http.StatusCreated {
		t.Fatalf("report a case: %d %s", r.StatusCode, r.Body)
	}

	g := sec.Get("/grids/" + apptest.GridA1)
	if g.StatusCode != http.StatusOK {
		t.Fatalf("grid page: %d", g.StatusCode)
	}
	if figure(t, g.Body, "grid-buildings") != 2 || figure(t, g.Body, "grid-households") != 3 || figure(t, g.Body, "grid-residents") != 5 ||
		figure(t, g.Body, "grid-care") != 2 || figure(t, g.Body, "grid-open-cases") != 1 {
		t.Errorf("grid figures: %s", g.Body)
	}
	for _, want := range []string{"特殊关爱户（2 人）", `href="/people?region=` + apptest.GridA1 + `&amp;tag=care&amp;sort=address"`, `href="/cases?open=1&amp;region=` + apptest.GridA1 + `"`,
		`hx-get="/buildings?region=` + apptest.GridA1 + `&amp;embed=1"`, `data-buildings="/api/v1/buildings.geojson?region=` + apptest.GridA1 + `"`,
		`hx-get="/grids/` + apptest.GridA1 + `/workers"`, "甲一社区居委会"} {
		if !strings.Contains(g.Body, want) {
			t.Errorf("grid page lacks %q", want)
		}
	}
	apptest.NoCodes(t, "the grid page", g.Body)
	// The building list the page loads, against each building's page.
	list := sec.Do("GET", "/buildings?region="+apptest.GridA1+"&embed=1", nil, http.Header{"HX-Request": {"true"}})
	rows := regexp.MustCompile(`(?s)href="/buildings/(\d+)">.*?data-households="(\d+)".*?data-residents="(\d+)"`).FindAllStringSubmatch(list.Body, -1)
	if len(rows) != 2 || strings.Contains(list.Body, "<html") || !strings.Contains(list.Body, "共 2 栋") {
		t.Fatalf("the grid's building list: %d rows %s", len(rows), list.Body)
	}
	households, residents := 0, 0
	for _, row := range rows {
		b := sec.Get("/buildings/" + row[1])
		if h, _ := strconv.Atoi(row[2]); figure(t, b.Body, "building-rooms") != h {
			t.Errorf("building %s: %d households in the list, %d on its page", row[1], h, figure(t, b.Body, "building-rooms"))
		}
		if r, _ := strconv.Atoi(row[3]); figure(t, b.Body, "building-residents") != r {
			t.Errorf("building %s: %d residents in the list, %d on its page", row[1], r, figure(t, b.Body, "building-residents"))
		}
		households += figure(t, b.Body, "building-rooms")
		residents += figure(t, b.Body, "building-residents")
	}
	if households != figure(t, g.Body, "grid-households") || residents != figure(t, g.Body, "grid-residents") {
		t.Errorf("the buildings hold %d households and %d residents, the grid page says %d and %d", households, residents,
			figure(t, g.Body, "grid-households"), figure(t, g.Body, "grid-residents"))
	}
	// The special-care list the page links to has the people it counts.
	if r := sec.Get("/people?region=" + apptest.GridA1 + "&tag=care&sort=address"); !strings.Contains(r.Body, "共 2 人") {
		t.Errorf("the special-care list: %s", r.Body)
	}
	// The grid worker sees their grid's figures and open cases too.
	if r := e.Login("grid").Get("/grids/" + apptest.GridA1); figure(t, r.Body, "grid-residents") != 5 || figure(t, r.Body, "grid-open-cases") != 1 {
		t.Errorf("the grid worker's grid page: %s", r.Body)
	}
	// A resident may open the grid's page, not the registry's figures.
	res := e.Login("resident").Get("/grids/" + apptest.GridA1)
	if res.StatusCode != http.StatusOK || strings.Contains(res.Body, `id="grid-households"`) || strings.Contains(res.Body, "/buildings?region=") {
		t.Errorf("a resident's grid page: %d", res.StatusCode)
	}
	for _, tt := range []struct{ name, actor, grid string }{
		{"OtherCommunity", "worker", apptest.GridA1},
		{"OtherGrid", "grid", apptest.GridA2},
		{"None", "secretary", apptest.CommunityA + "999"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if r := e.Login(tt.actor).Get("/grids/" + tt.grid); r.StatusCode != http.StatusNotFound {
				t.Errorf("%s /grids/%s: %d", tt.actor, tt.grid, r.StatusCode)
			}
		})
	}
	// Every mention of a grid leads to its page.
	if r := sec.Get("/regions/" + apptest.GridA1); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/grids/"+apptest.GridA1 {
		t.Errorf("a grid's division page: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
	if r := sec.Get("/regions/" + apptest.CommunityA); !strings.Contains(r.Body, `href="/grids/`+apptest.GridA2+`"`) {
		t.Errorf("the community's page does not link its grids' pages")
	}
}
