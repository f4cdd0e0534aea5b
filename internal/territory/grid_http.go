package territory

import (
	"encoding/json"
	"io"
	"math"
	"net/http"
	"strconv"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/tabular"
	"grassroots/internal/platform/web"
)

// PermGridManage lets staff draw, change and import grids and boundaries.
const PermGridManage authz.Perm = "territory.grid.manage"

func (h *handler) gridRoutes(r *web.Router) {
	r.Page("GET /regions/{code}/map", PermView, h.handleMap)
	r.Page("POST /grids", PermGridManage, h.handleGridCreate)
	r.Page("GET /grids/{code}", PermView, h.handleGrid)
	r.Page("POST /grids/{code}", PermGridManage, h.handleGridUpdate)
	r.Page("GET /grids/import", PermGridManage, h.handleGridImportForm)
	r.PageUpload("POST /grids/import", PermGridManage, h.handleGridImport)
	tabular.Register(r, h.svc.db, h.svc.gridSpec(), PermView, PermGridManage)

	r.API("GET /api/v1/grids", PermView, web.OpDoc{Summary: "Grids in scope, with their polygons", Tag: "territory",
		Query:    append([]web.Param{{Name: "region", Type: "string", Description: "subtree (community or above)"}}, web.PageQuery...),
		Response: web.List[Grid]{}}, h.apiGridList)
	r.API("GET /api/v1/grids/{code}", PermView, web.OpDoc{Summary: "One grid", Tag: "territory", Response: Grid{}}, h.apiGrid)
	r.API("POST /api/v1/grids", PermGridManage, web.OpDoc{Summary: "Create a grid in a community (code: next free number when empty)", Tag: "territory",
		Body: GridInput{}, Response: Grid{}, Status: http.StatusCreated}, web.Submit(http.StatusCreated, h.svc.CreateGrid))
	r.API("PUT /api/v1/grids/{code}", PermGridManage, web.OpDoc{Summary: "Rename or redraw a grid (send its version)", Tag: "territory",
		Body: GridInput{}, Response: Grid{}}, h.apiGridUpdate)
	r.API("GET /api/v1/grids.geojson", PermView, web.OpDoc{Summary: "Grids of a region as a GeoJSON FeatureCollection", Tag: "territory",
		Query: []web.Param{{Name: "region", Type: "string"}}, Response: FeatureCollection{}}, h.apiGridsGeoJSON)
	r.Upload("POST /api/v1/grids/import", PermGridManage, web.OpDoc{Summary: "Import grids from a GeoJSON FeatureCollection (properties: community_code, name, code)", Tag: "territory",
		Query: []web.Param{{Name: "keep_good", Type: "boolean", Description: "commit the good features even if some are bad"}},
		Body:  FeatureCollection{}, Response: GridImportReport{}}, h.apiGridImport)
	r.API("GET /api/v1/locate", PermView, web.OpDoc{Summary: "The grid, community, subdistrict and district of a WGS-84 point", Tag: "territory",
		Query:    []web.Param{{Name: "lon", Type: "number", Required: true}, {Name: "lat", Type: "number", Required: true}},
		Response: Place{}}, h.apiLocate)
	r.API("GET /api/v1/regions/{code}/boundary", PermView, web.OpDoc{Summary: "A division's outline; for one without its own (a city), " +
		"its highest outlined descendants' outlines together as one MultiPolygon (derived: true, parts: their codes)", Tag: "territory",
		Response: Boundary{}}, h.apiBoundary)
	r.API("GET /api/v1/basemap.geojson", PermView, web.OpDoc{Summary: "The base map of a box at a zoom: outlines of the divisions in and above " +
		"the actor's territory, their grids (zoom 13 on) and buildings (16 on, for registry readers), simplified to the zoom, each with a label point " +
		"where its name fits; at most 2,000 outlines and 1,500 buildings (truncated: true beyond)", Tag: "territory",
		Query: []web.Param{{Name: "bbox", Type: "string", Required: true, Description: "west,south,east,north in WGS-84 degrees"},
			{Name: "zoom", Type: "number", Required: true, Description: "the map's zoom, 0–22 (Web Mercator, 256-pixel tiles)"}},
		Response: BaseMap{}}, h.apiBaseMap)
	r.API("PUT /api/v1/regions/{code}/boundary", PermGridManage, web.OpDoc{Summary: "Set a division's outline (gcj02: convert from GCJ-02)", Tag: "territory",
		Body: BoundaryInput{}, Response: Boundary{}}, h.apiBoundarySet)
}

type mapPage struct {
	web.Page
	Region    Region
	Crumbs    []Region
	CanDraw   bool // the region is a community and the actor may draw
	Form      GridInput
	Errors    []string
	GridCount int
}

func (h *handler) mapPage(r *http.Request, code string) (mapPage, error) {
	ctx := r.Context()
	reg, err := h.svc.Region(ctx, code)
	if err != nil {
		return mapPage{}, err
	}
	crumbs, err := h.svc.Breadcrumb(ctx, code)
	if err != nil {
		return mapPage{}, err
	}
	p := mapPage{Page: h.ui.Page(r, "title.map"), Region: reg.Region, Crumbs: crumbs, GridCount: reg.Counts[LevelGrid]}
	p.Title = reg.Name + " · " + p.T("title.map")
	p.CanDraw = reg.Level == LevelCommunity && p.Actor.Can(PermGridManage)
	p.Form.CommunityCode = code
	return p, nil
}

func (h *handler) handleMap(w http.ResponseWriter, r *http.Request) error {
	p, err := h.mapPage(r, r.PathValue("code"))
	if err != nil {
		return err
	}
	return h.ui.Render(w, r, http.StatusOK, "map", "", p)
}

func (h *handler) handleGridCreate(w http.ResponseWriter, r *http.Request) error {
	in := GridInput{CommunityCode: r.PostFormValue("community_code"), Name: r.PostFormValue("name"), Geometry: json.RawMessage(r.PostFormValue("geometry"))}
	g, err := h.svc.CreateGrid(r.Context(), in)
	if errs.CodeOf(err) == errs.Invalid {
		p, perr := h.mapPage(r, in.CommunityCode)
		if perr != nil {
			return perr
		}
		p.Form = in
		p.Errors = h.ui.FieldMessages(p.Lang, err)
		return h.ui.Render(w, r, http.StatusUnprocessableEntity, "map", "", p)
	}
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/grids/"+g.Code, "flash.grid_saved")
}

type gridPage struct {
	web.Page
	Grid      Grid
	Crumbs    []Region
	CanManage bool
	Errors    []string
	// Figures are the registry's totals (nil: not shown to this actor).
	Figures *GridFigures
	// HasCases says OpenCases is shown.
	HasCases  bool
	OpenCases int
	// MapRegion is the division the map draws: the grid's community, or
	// the grid alone for those who see only their grids.
	MapRegion     string
	SeesCommunity bool
}

func (h *handler) gridPage(r *http.Request, code string) (gridPage, error) {
	ctx := r.Context()
	g, err := h.svc.Grid(ctx, code)
	if err != nil {
		return gridPage{}, err
	}
	crumbs, err := h.svc.Breadcrumb(ctx, code)
	if err != nil {
		return gridPage{}, err
	}
	p := gridPage{Page: h.ui.Page(r, "title.grid"), Grid: g, Crumbs: crumbs}
	p.Title = g.Name
	p.CanManage = p.Actor.Can(PermGridManage)
	p.SeesCommunity = authz.ScopeFrom(ctx).Contains(g.CommunityCode)
	p.MapRegion = g.Code
	if p.SeesCommunity {
		p.MapRegion = g.CommunityCode
	}
	if h.deps.Figures != nil {
		f, err := h.deps.Figures(ctx, code)
		switch {
		case err == nil:
			p.Figures = &f
		case errs.CodeOf(err) != errs.Forbidden:
			return p, err
		}
	}
	if h.deps.OpenCases != nil {
		n, err := h.deps.OpenCases(ctx, code)
		switch {
		case err == nil:
			p.HasCases, p.OpenCases = true, n
		case errs.CodeOf(err) != errs.Forbidden:
			return p, err
		}
	}
	return p, nil
}

func (h *handler) handleGrid(w http.ResponseWriter, r *http.Request) error {
	p, err := h.gridPage(r, r.PathValue("code"))
	if err != nil {
		return err
	}
	return h.ui.Render(w, r, http.StatusOK, "grid", "", p)
}

func (h *handler) handleGridUpdate(w http.ResponseWriter, r *http.Request) error {
	code := r.PathValue("code")
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	in := GridInput{Name: r.PostFormValue("name"), Version: version}
	if g := r.PostFormValue("geometry"); g != "" {
		in.Geometry = json.RawMessage(g)
	}
	_, err := h.svc.UpdateGrid(r.Context(), code, in)
	if c := errs.CodeOf(err); c == errs.Invalid || c == errs.Conflict {
		p, perr := h.gridPage(r, code)
		if perr != nil {
			return perr
		}
		p.Errors = h.ui.FieldMessages(p.Lang, err)
		if c == errs.Conflict {
			p.Errors = []string{h.ui.Message(p.Lang, errs.As(err))}
		}
		return h.ui.Render(w, r, web.Status(c), "grid", "", p)
	}
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/grids/"+code, "flash.grid_saved")
}

type gridImportPage struct {
	web.Page
	Report   *GridImportReport
	Problems []string
}

func (h *handler) handleGridImportForm(w http.ResponseWriter, r *http.Request) error {
	return h.ui.Render(w, r, http.StatusOK, "grid_import", "", gridImportPage{Page: h.ui.Page(r, "title.grid_import")})
}

func (h *handler) handleGridImport(w http.ResponseWriter, r *http.Request) error {
	_, data, err := web.FormFile(r, "file")
	if err != nil {
		return err
	}
	rep, err := h.svc.ImportGrids(r.Context(), data, r.PostFormValue("keep_good") == "on")
	p := gridImportPage{Page: h.ui.Page(r, "title.grid_import")}
	if errs.CodeOf(err) == errs.Invalid {
		p.Problems = h.ui.FieldMessages(p.Lang, err)
		return h.ui.Render(w, r, http.StatusUnprocessableEntity, "grid_import", "", p)
	}
	if err != nil {
		return err
	}
	p.Report = &rep
	for _, pr := range rep.Problems {
		p.Problems = append(p.Problems, h.problemText(p.Page, pr))
	}
	status := http.StatusOK
	if !rep.Committed {
		status = http.StatusUnprocessableEntity
	}
	return h.ui.Render(w, r, status, "grid_import", "", p)
}

func (h *handler) problemText(p web.Page, pr GridProblem) string {
	fe := errs.As(problemsErr([]GridProblem{pr})).Fields[0]
	return p.T("import.feature", pr.Feature) + " " + h.ui.FieldMessage(p.Lang, fe)
}

func (h *handler) apiGridList(w http.ResponseWriter, r *http.Request) error {
	cur, limit, err := web.PageParams(r)
	if err != nil {
		return err
	}
	gs, err := h.svc.Grids(r.Context(), GridFilter{Region: r.URL.Query().Get("region"), After: cur.Key, Limit: limit + 1})
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, web.Paginate(gs, limit, func(g Grid) web.Cursor { return web.Cursor{Key: g.Code} }))
}

func (h *handler) apiGrid(w http.ResponseWriter, r *http.Request) error {
	g, err := h.svc.Grid(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, g)
}

func (h *handler) apiGridUpdate(w http.ResponseWriter, r *http.Request) error {
	var in GridInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	g, err := h.svc.UpdateGrid(r.Context(), r.PathValue("code"), in)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, g)
}

func (h *handler) apiGridsGeoJSON(w http.ResponseWriter, r *http.Request) error {
	fc, err := h.svc.GridsGeoJSON(r.Context(), r.URL.Query().Get("region"))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, fc)
}

func (h *handler) apiGridImport(w http.ResponseWriter, r *http.Request) error {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		return errs.E(errs.TooLarge, "err.too_large", strconv.Itoa(web.MaxUpload))
	}
	rep, err := h.svc.ImportGrids(r.Context(), data, r.URL.Query().Get("keep_good") == "true")
	if err != nil {
		return err
	}
	status := http.StatusOK
	if !rep.Committed {
		status = http.StatusUnprocessableEntity
	}
	return web.JSON(w, status, rep)
}

func (h *handler) apiLocate(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var fe errs.Fields
	lon, err1 := strconv.ParseFloat(q.Get("lon"), 64)
	if err1 != nil {
		fe.Add("lon", "rule.number", "")
	}
	lat, err2 := strconv.ParseFloat(q.Get("lat"), 64)
	if err2 != nil {
		fe.Add("lat", "rule.number", "")
	}
	if err := fe.Err(); err != nil {
		return err
	}
	p, err := h.svc.Locate(r.Context(), lon, lat)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, p)
}

func (h *handler) apiBoundary(w http.ResponseWriter, r *http.Request) error {
	b, err := h.svc.Outline(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, b)
}

func (h *handler) apiBoundarySet(w http.ResponseWriter, r *http.Request) error {
	var in BoundaryInput
	if err := web.DecodeUpload(r, &in); err != nil {
		return err
	}
	b, err := h.svc.SetBoundary(r.Context(), r.PathValue("code"), in)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, b)
}

func (h *handler) apiBaseMap(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var fe errs.Fields
	box, ok := ParseBox(q.Get("bbox"))
	switch {
	case q.Get("bbox") == "":
		fe.Add("bbox", "rule.required", "")
	case !ok:
		fe.Add("bbox", "rule.bbox", "")
	}
	zoom, err := strconv.ParseFloat(q.Get("zoom"), 64)
	switch {
	case q.Get("zoom") == "":
		fe.Add("zoom", "rule.required", "")
	case err != nil || math.IsNaN(zoom):
		fe.Add("zoom", "rule.number", "")
	case zoom < 0 || zoom > 22:
		fe.Add("zoom", "rule.range", "0–22")
	}
	if err := fe.Err(); err != nil {
		return err
	}
	bm, err := h.svc.BaseMap(r.Context(), box, int(math.Floor(zoom)))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, bm)
}
