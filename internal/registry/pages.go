package registry

import (
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/web"
	"grassroots/internal/territory"
)

// The list pages (楼栋, 人口) and a building's page: every list is a page
// of a cursor with the total of all its pages, filtered by area (a
// community or a grid), text and special-care tag, in a chosen order; the
// JSON lists behind them take the same filters.

// listQuery are the filters the building and people lists share.
var listQuery = []web.Param{
	{Name: "region", Type: "string", Description: "a division in scope: community, grid, or any above"},
	{Name: "q", Type: "string", Description: "text to look for (see the summary)"},
	{Name: "tag", Type: "string", Description: "a tag (elderly_alone, disability, …), or care: any special-care tag"},
}

func (h *handler) listRoutes(r *web.Router) {
	r.Page("GET /buildings", PermView, h.handleBuildingList)
	r.Page("GET /buildings/{id}", PermView, h.handleBuilding)
	r.Page("GET /people", PermView, h.handlePeopleList)
	r.API("GET /api/v1/buildings", PermView, web.OpDoc{Summary: "Buildings in scope with their households, residents and special-care households; q: part of the address, name or compound", Tag: "registry",
		Query:    append(append(append([]web.Param{}, listQuery...), web.Param{Name: "sort", Type: "string", Description: "address (default) or households (most first)"}), web.PageQuery...),
		Response: web.List[BuildingSummary]{}}, h.apiBuildingList)
	r.API("GET /api/v1/buildings.geojson", PermView, web.OpDoc{Summary: "Buildings in scope as GeoJSON (footprint, else point), for maps; at most 5,000", Tag: "registry",
		Query: listQuery, Response: BuildingFeatures{}}, h.apiBuildingsGeoJSON)
	r.API("GET /api/v1/buildings/{id}/households", PermView, web.OpDoc{Summary: "A building's rooms and their households, by room, with their members' tags", Tag: "registry",
		Query: web.PageQuery, Response: web.List[Room]{}}, h.apiRooms)
	r.API("GET /api/v1/people", PermView, web.OpDoc{Summary: "People in scope (masked) with their household's address; q: name, pinyin initials, exact ID number or phone, or address", Tag: "registry",
		Query: append(append(append([]web.Param{}, listQuery...), web.Param{Name: "residence", Type: "string", Description: "registered, permanent or floating"},
			web.Param{Name: "sort", Type: "string", Description: "address: by the household's address; default: the search's own order"}), web.PageQuery...),
		Response: web.List[PersonItem]{}}, h.apiPeopleList)
}

// RegionPath is the page of the building's grid (or community).
func (b BuildingSummary) RegionPath() string { return territory.RegionPath(b.RegionCode) }

// RegionPath is the page of the person's grid (or community).
func (it PersonItem) RegionPath() string { return territory.RegionPath(it.RegionCode) }

// maxAreaOptions is the most communities and grids an area menu offers;
// wider scopes choose an area from the division pages instead.
const maxAreaOptions = 300

// areaGroup is a community in an area menu, with its grids.
type areaGroup struct {
	Code  string // "" when the community itself is outside the scope (a grid worker's)
	Name  string
	Grids []territory.Region
}

// areas are the communities and grids the actor may narrow a list to, by
// name; selected is always among them when it is in scope.
func (h *handler) areas(ctx context.Context, selected string) ([]areaGroup, error) {
	comms, err := h.svc.terr.Regions(ctx, territory.RegionFilter{Level: territory.LevelCommunity, Limit: maxAreaOptions + 1})
	if err != nil {
		return nil, err
	}
	grids, err := h.svc.terr.Regions(ctx, territory.RegionFilter{Level: territory.LevelGrid, Limit: maxAreaOptions + 1})
	if err != nil {
		return nil, err
	}
	var out []areaGroup
	switch {
	case len(comms)+len(grids) <= maxAreaOptions:
		at := map[string]int{}
		for _, c := range comms {
			at[c.Code] = len(out)
			out = append(out, areaGroup{Code: c.Code, Name: c.Name})
		}
		var orphans []string
		for _, g := range grids {
			if _, ok := at[g.ParentCode]; !ok {
				orphans = append(orphans, g.ParentCode)
			}
		}
		names, err := h.svc.terr.UnscopedNames(ctx, orphans)
		if err != nil {
			return nil, err
		}
		for _, g := range grids {
			i, ok := at[g.ParentCode]
			if !ok {
				i = len(out)
				at[g.ParentCode] = i
				out = append(out, areaGroup{Name: names[g.ParentCode]})
			}
			out[i].Grids = append(out[i].Grids, g)
		}
	case len(comms) <= maxAreaOptions:
		for _, c := range comms {
			out = append(out, areaGroup{Code: c.Code, Name: c.Name})
		}
	}
	if selected != "" && !offered(out, selected) {
		if r, err := h.svc.terr.ContainsRegion(ctx, selected); err == nil {
			out = append([]areaGroup{{Code: r.Code, Name: r.Name}}, out...)
		}
	}
	return out, nil
}

func offered(gs []areaGroup, code string) bool {
	for _, g := range gs {
		if g.Code == code {
			return true
		}
		for _, x := range g.Grids {
			if x.Code == code {
				return true
			}
		}
	}
	return false
}

// listLinks are the links of a list's pages: the next page, and the first
// when a later one is shown. They keep the filters v.
func listLinks(path string, v url.Values, next string, paged bool) (nextURL, firstURL string) {
	for k, vs := range v {
		if len(vs) == 0 || vs[0] == "" {
			delete(v, k)
		}
	}
	base := path
	if len(v) > 0 {
		base += "?" + v.Encode()
	}
	if next != "" {
		w := url.Values{}
		for k, vs := range v {
			w[k] = vs
		}
		w.Set("cursor", next)
		nextURL = path + "?" + w.Encode()
	}
	if paged {
		firstURL = base
	}
	return nextURL, firstURL
}

// limitParam is the page size as the links repeat it ("" for the default).
func limitParam(r *http.Request) string { return r.URL.Query().Get("limit") }

func buildingFilterFrom(r *http.Request) (BuildingFilter, int, bool, error) {
	cur, limit, err := web.PageParams(r)
	q := r.URL.Query()
	f := BuildingFilter{Region: q.Get("region"), Q: q.Get("q"), Tag: q.Get("tag"), Sort: q.Get("sort"),
		AfterKey: cur.Key, AfterID: cur.ID, Limit: limit + 1}
	return f, limit, cur.ID != 0, err
}

type buildingsPage struct {
	web.Page
	Filter BuildingFilter
	Items  []BuildingSummary
	Total  Total
	// Next and First are the links to the next and the first page.
	Next, First string
	// Embed: the list is shown inside another page (a grid's), its area
	// fixed.
	Embed bool
	Areas []areaGroup
	Tags  []string
	Sorts []string
	// The compounds of the area, a page at a time.
	Compounds     []Compound
	CompoundTotal Total
	CompoundsNext string
	// FormCompounds are offered in the new-building form; TooMany: more
	// than fit a menu (narrow the area to choose one).
	FormCompounds []Compound
	TooMany       bool
	CanEdit       bool
	Errors        []string
}

// buildingsPage is the building list of r's filters.
func (h *handler) buildingsPage(r *http.Request) (buildingsPage, error) {
	ctx := r.Context()
	q := r.URL.Query()
	p := buildingsPage{Page: h.ui.Page(r, "title.buildings"), Tags: Tags, Sorts: []string{SortAddress, SortHouseholds}, Embed: q.Get("embed") == "1"}
	p.CanEdit = p.Actor.Can(PermEdit)
	f, limit, paged, err := buildingFilterFrom(r)
	if err != nil {
		return p, err
	}
	items, total, err := h.svc.FindBuildings(ctx, f)
	if err != nil {
		return p, err
	}
	if f.Sort == "" {
		f.Sort = SortAddress
	}
	p.Filter, p.Total = f, total
	l := web.Paginate(items, limit, func(b BuildingSummary) web.Cursor { return web.Cursor{Key: b.sortKey(f.Sort), ID: b.ID} })
	p.Items = l.Items
	v := url.Values{"region": {f.Region}, "q": {f.Q}, "tag": {f.Tag}, "limit": {limitParam(r)}}
	if f.Sort != SortAddress {
		v.Set("sort", f.Sort)
	}
	if p.Embed {
		v.Set("embed", "1")
	}
	p.Next, p.First = listLinks("/buildings", v, l.NextCursor, paged)
	if p.Embed { // the area is the page's: no menu, no compounds, no forms
		return p, nil
	}
	if p.Areas, err = h.areas(ctx, f.Region); err != nil {
		return p, err
	}
	after, _ := strconv.ParseInt(q.Get("compounds_after"), 10, 64)
	cs, ct, err := h.svc.FindCompounds(ctx, f.Region, after, 51)
	if err != nil {
		return p, err
	}
	p.Compounds, p.CompoundTotal = cs, ct
	if len(cs) > 50 {
		p.Compounds = cs[:50]
		w := url.Values{"region": {f.Region}, "compounds_after": {strconv.FormatInt(cs[49].ID, 10)}}
		if f.Region == "" {
			w.Del("region")
		}
		p.CompoundsNext = "/buildings?" + w.Encode()
	}
	if p.CanEdit {
		fc, _, err := h.svc.FindCompounds(ctx, f.Region, 0, maxAreaOptions+1)
		if err != nil {
			return p, err
		}
		p.FormCompounds, p.TooMany = fc, len(fc) > maxAreaOptions
		if p.TooMany {
			p.FormCompounds = nil
		}
	}
	return p, nil
}

func (h *handler) handleBuildingList(w http.ResponseWriter, r *http.Request) error {
	p, err := h.buildingsPage(r)
	if err != nil {
		return err
	}
	return h.ui.Render(w, r, http.StatusOK, "buildings", "building-list", p)
}

type buildingPage struct {
	web.Page
	Building BuildingSummary
	Crumbs   []territory.Region
	Rooms    []Room
	Total    Total
	// Next and First are the links to the next and the first page of
	// the rooms.
	Next, First string
	HouseUses   []HouseUse
	// MapRegion is the division whose grids the map outlines: the
	// building's community, or its grid for those who see only their grids.
	MapRegion string
	CanEdit   bool
	Form      HouseholdInput
	Errors    []string
}

func (h *handler) buildingPage(r *http.Request, id int64) (buildingPage, error) {
	ctx := r.Context()
	b, err := h.svc.BuildingFigures(ctx, id)
	if err != nil {
		return buildingPage{}, err
	}
	crumbs, err := h.svc.terr.Breadcrumb(ctx, b.RegionCode)
	if err != nil {
		return buildingPage{}, err
	}
	p := buildingPage{Page: h.ui.Page(r, "title.building"), Building: b, Crumbs: crumbs, HouseUses: HouseUses,
		Form: HouseholdInput{BuildingID: id, HouseUse: SelfOccupied}}
	p.Title = b.Name
	if b.Compound != "" {
		p.Title = b.Compound + " " + b.Name
	}
	p.CanEdit = p.Actor.Can(PermEdit)
	p.MapRegion = b.RegionCode
	if c := b.RegionCode[:min(12, len(b.RegionCode))]; authz.ScopeFrom(ctx).Contains(c) {
		p.MapRegion = c
	}
	cur, limit, err := web.PageParams(r)
	if err != nil {
		return p, err
	}
	rooms, total, err := h.svc.Rooms(ctx, id, cur.Key, cur.ID, limit+1)
	if err != nil {
		return p, err
	}
	l := web.Paginate(rooms, limit, func(x Room) web.Cursor { return web.Cursor{Key: x.Room, ID: x.ID} })
	p.Rooms, p.Total = l.Items, total
	p.Next, p.First = listLinks("/buildings/"+strconv.FormatInt(id, 10), url.Values{"limit": {limitParam(r)}}, l.NextCursor, cur.ID != 0)
	return p, nil
}

func (h *handler) handleBuilding(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "kind.building")
	if err != nil {
		return err
	}
	p, err := h.buildingPage(r, id)
	if err != nil {
		return err
	}
	return h.ui.Render(w, r, http.StatusOK, "building", "room-list", p)
}

// rerenderHousehold shows a refused new household on its building's page
// (or, without a building of the actor's, on the building list).
func (h *handler) rerenderHousehold(w http.ResponseWriter, r *http.Request, in HouseholdInput, err error) error {
	if errs.CodeOf(err) != errs.Invalid || in.BuildingID == 0 {
		return h.rerenderBuildings(w, r, err)
	}
	p, perr := h.buildingPage(r, in.BuildingID)
	if perr != nil {
		return h.rerenderBuildings(w, r, err)
	}
	p.Form, p.Errors = in, h.ui.FieldMessages(p.Lang, err)
	return h.ui.Render(w, r, http.StatusUnprocessableEntity, "building", "", p)
}

type peopleListPage struct {
	web.Page
	People     []PersonItem
	Filter     PersonFilter
	Total      Total
	Next       string
	First      string
	Areas      []areaGroup
	Tags       []string
	Residences []Residence
	CanEdit    bool
	// Export is the export of the filtered list.
	Export template.URL
}

func peopleFilterFrom(r *http.Request) (PersonFilter, int, bool, error) {
	cur, limit, err := web.PageParams(r)
	f := filterFrom(r)
	f.Sort = r.URL.Query().Get("sort")
	f.AfterID, f.AfterKey, f.Limit = cur.ID, cur.Key, limit+1
	return f, limit, cur.ID != 0, err
}

func (h *handler) handlePeopleList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f, limit, paged, err := peopleFilterFrom(r)
	if err != nil {
		return err
	}
	people, total, err := h.svc.FindPeople(ctx, f)
	if err != nil {
		return err
	}
	p := peopleListPage{Page: h.ui.Page(r, "title.people"), Filter: f, Total: total, Tags: Tags, Residences: Residences}
	p.CanEdit = p.Actor.Can(PermEdit)
	l := web.Paginate(people, limit, func(it PersonItem) web.Cursor { return web.Cursor{Key: it.listKey(f), ID: it.ID} })
	p.People = l.Items
	v := url.Values{"region": {f.Region}, "q": {f.Q}, "tag": {f.Tag}, "residence": {string(f.Residence)}, "sort": {f.Sort}, "limit": {limitParam(r)}}
	if f.MovedOut {
		v.Set("moved_out", "1")
	}
	p.Next, p.First = listLinks("/people", v, l.NextCursor, paged)
	v.Del("limit")
	p.Export = template.URL("/people/export.csv?" + v.Encode()) // a query of url.Values: safe as it is
	if p.Areas, err = h.areas(ctx, f.Region); err != nil {
		return err
	}
	return h.ui.Render(w, r, http.StatusOK, "people", "people-rows", p)
}

func (h *handler) apiBuildingList(w http.ResponseWriter, r *http.Request) error {
	f, limit, _, err := buildingFilterFrom(r)
	if err != nil {
		return err
	}
	items, total, err := h.svc.FindBuildings(r.Context(), f)
	if err != nil {
		return err
	}
	if f.Sort == "" {
		f.Sort = SortAddress
	}
	l := web.Paginate(items, limit, func(b BuildingSummary) web.Cursor { return web.Cursor{Key: b.sortKey(f.Sort), ID: b.ID} })
	n := int64(total.N)
	l.Total, l.TotalMore = &n, total.More
	return web.JSON(w, http.StatusOK, l)
}

func (h *handler) apiPeopleList(w http.ResponseWriter, r *http.Request) error {
	f, limit, _, err := peopleFilterFrom(r)
	if err != nil {
		return err
	}
	people, total, err := h.svc.FindPeople(r.Context(), f)
	if err != nil {
		return err
	}
	l := web.Paginate(people, limit, func(it PersonItem) web.Cursor { return web.Cursor{Key: it.listKey(f), ID: it.ID} })
	n := int64(total.N)
	l.Total, l.TotalMore = &n, total.More
	return web.JSON(w, http.StatusOK, l)
}

func (h *handler) apiRooms(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "kind.building")
	if err != nil {
		return err
	}
	cur, limit, err := web.PageParams(r)
	if err != nil {
		return err
	}
	rooms, total, err := h.svc.Rooms(r.Context(), id, cur.Key, cur.ID, limit+1)
	if err != nil {
		return err
	}
	l := web.Paginate(rooms, limit, func(x Room) web.Cursor { return web.Cursor{Key: x.Room, ID: x.ID} })
	n := int64(total.N)
	l.Total, l.TotalMore = &n, total.More
	return web.JSON(w, http.StatusOK, l)
}

// maxFeatures is the most buildings a map's GeoJSON holds.
const maxFeatures = 5000

// BuildingFeatures are buildings as a GeoJSON FeatureCollection, each a
// footprint (or, without one, a point) with its name, address and figures.
type BuildingFeatures struct {
	Type     string              `json:"type"`
	Features []territory.Feature `json:"features"`
	// Truncated: more buildings match than a map is given.
	Truncated bool `json:"truncated,omitempty"`
}

func (h *handler) apiBuildingsGeoJSON(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := BuildingFilter{Region: q.Get("region"), Q: q.Get("q"), Tag: q.Get("tag"), Limit: maxFeatures + 1}
	items, _, err := h.svc.FindBuildings(r.Context(), f)
	if err != nil {
		return err
	}
	out := BuildingFeatures{Type: "FeatureCollection", Features: []territory.Feature{}}
	if len(items) > maxFeatures {
		items, out.Truncated = items[:maxFeatures], true
	}
	for _, b := range items {
		geom := b.Footprint
		if len(geom) == 0 {
			if b.Lon == nil || b.Lat == nil {
				continue
			}
			pt, _ := json.Marshal(map[string]any{"type": "Point", "coordinates": []float64{*b.Lon, *b.Lat}})
			geom = pt
		}
		out.Features = append(out.Features, territory.Feature{Type: "Feature", ID: strconv.FormatInt(b.ID, 10), Geometry: geom,
			Properties: map[string]any{"id": b.ID, "name": b.Name, "address": b.Address, "compound": b.Compound, "region_name": b.RegionName,
				"household_count": b.Households, "resident_count": b.Residents, "care_household_count": b.CareHouseholds,
				"url": fmt.Sprintf("/buildings/%d", b.ID)}})
	}
	return web.JSON(w, http.StatusOK, out)
}
