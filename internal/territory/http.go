package territory

import (
	"html/template"
	"net/http"
	"strconv"

	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/web"
)

type handler struct {
	svc  *Service
	ui   *web.UI
	deps GridDeps
}

func (h *handler) routes(r *web.Router) {
	r.Page("GET /overview", PermView, h.handleOverview)
	r.Page("GET /regions/{code}", PermView, h.handleRegion)
	r.Page("GET /departments", PermView, h.handleDepartments)
	r.Page("POST /departments", PermDepartmentManage, h.handleDepartmentCreate)
	h.gridRoutes(r)

	r.API("GET /api/v1/regions", PermView, web.OpDoc{Summary: "List divisions in scope", Tag: "territory",
		Query: append([]web.Param{{Name: "parent", Type: "string", Description: "parent code"},
			{Name: "level", Type: "string", Description: "province, city, district, subdistrict, community, grid"},
			{Name: "q", Type: "string", Description: "name contains"}}, web.PageQuery...),
		Response: web.List[Region]{}}, h.apiRegionList)
	r.API("GET /api/v1/regions/{code}", PermView, web.OpDoc{Summary: "One division with the counts of its subtree", Tag: "territory",
		Response: RegionSummary{}}, h.apiRegion)
	r.API("GET /api/v1/regions/{code}/children", PermView, web.OpDoc{Summary: "Direct children with subtree counts", Tag: "territory",
		Response: web.List[RegionSummary]{}}, h.apiRegionChildren)
	r.API("GET /api/v1/departments", PermView, web.OpDoc{Summary: "Departments serving the actor's area", Tag: "territory",
		Query: web.PageQuery, Response: web.List[Department]{}}, h.apiDepartmentList)
	r.API("GET /api/v1/departments/{id}", PermView, web.OpDoc{Summary: "One department", Tag: "territory",
		Response: Department{}}, h.apiDepartment)
	r.API("POST /api/v1/departments", PermDepartmentManage, web.OpDoc{Summary: "Create a department", Tag: "territory",
		Body: DepartmentInput{}, Response: Department{}, Status: http.StatusCreated}, web.Submit(http.StatusCreated, h.svc.CreateDepartment))
}

// handleOverview opens the page of the actor's own area.
func (h *handler) handleOverview(w http.ResponseWriter, r *http.Request) error {
	root, err := h.svc.Root(r.Context())
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/regions/"+root, http.StatusSeeOther)
	return nil
}

type regionPage struct {
	web.Page
	Region   RegionSummary
	Crumbs   []Region
	Children []RegionSummary
	Levels   []Level // levels below the region that hold divisions
	Columns  []Level // levels below the children, for the table
	Chart    template.JS
}

// below lists the levels under l.
func below(l Level) []Level {
	for i, x := range Levels {
		if x == l {
			return Levels[i+1:]
		}
	}
	return nil
}

func (h *handler) handleRegion(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	code := r.PathValue("code")
	reg, err := h.svc.Region(ctx, code)
	if err != nil {
		return err
	}
	if reg.Level == LevelGrid {
		// A grid has its own page; every link to it ends there.
		http.Redirect(w, r, GridPath(code), http.StatusSeeOther)
		return nil
	}
	kids, err := h.svc.Children(ctx, code)
	if err != nil {
		return err
	}
	crumbs, err := h.svc.Breadcrumb(ctx, code)
	if err != nil {
		return err
	}
	p := regionPage{Page: h.ui.Page(r, "title.region"), Region: reg, Crumbs: crumbs, Children: kids}
	p.Title = reg.Name
	for _, l := range below(reg.Level) {
		if reg.Counts[l] > 0 {
			p.Levels = append(p.Levels, l)
		}
	}
	if len(kids) > 0 {
		for _, l := range below(kids[0].Level) {
			if reg.Counts[l] > 0 {
				p.Columns = append(p.Columns, l)
			}
		}
		p.Chart = childChart(p.Page, kids, p.Columns)
	}
	return h.ui.Render(w, r, http.StatusOK, "region", "", p)
}

// childChart is the ECharts option of a bar chart of the children, by the
// deepest level they contain, clickable to drill down.
func childChart(p web.Page, kids []RegionSummary, levels []Level) template.JS {
	if len(levels) == 0 {
		return ""
	}
	measure := levels[len(levels)-1]
	if len(levels) > 1 && levels[len(levels)-1] == LevelGrid {
		measure = levels[len(levels)-2]
	}
	bars := make([]web.Bar, len(kids))
	for i, k := range kids {
		bars[i] = web.Bar{Name: k.Name, Value: float64(k.Counts[measure]), Code: k.Code}
	}
	return web.BarChart(p.T("chart.children_by", p.T("level."+string(measure))), bars)
}

type departmentsPage struct {
	web.Page
	Departments []Department
	Names       map[string]string // division code → name
	CanManage   bool
	Form        DepartmentInput
	Region      web.RegionPicker // the new department's division, by name
	Errors      []string

	// Open are the divisions the viewer may open: a department serving
	// the area from above (a district's, seen from a community) lies
	// outside their scope, its division is named without a link.
	Open map[string]bool
}

func (h *handler) departmentsPage(r *http.Request) (departmentsPage, error) {
	ctx := r.Context()
	ds, err := h.svc.Departments(ctx, 0, 1000)
	p := departmentsPage{Page: h.ui.Page(r, "title.departments"), Departments: ds}
	if err != nil {
		return p, err
	}
	p.CanManage = p.Actor.Can(PermDepartmentManage)
	codes := make([]string, len(ds))
	p.Open = map[string]bool{}
	for i, d := range ds {
		codes[i] = d.RegionCode
		p.Open[d.RegionCode] = p.Actor.Scope.Contains(d.RegionCode)
	}
	if p.Names, err = h.svc.UnscopedLabels(ctx, codes); err != nil {
		return p, err
	}
	p.Region = web.RegionPicker{ID: "pick-dept-region", Name: "region_code", Label: p.T("region.division"), Code: p.Actor.Scope.Region, Required: true,
		Levels:      []string{string(LevelCity), string(LevelDistrict), string(LevelSubdistrict)},
		Placeholder: p.T("region.pick_placeholder"), None: p.T("region.pick_none")}
	p.Region, err = h.svc.Picker(ctx, p.Region)
	return p, err
}

func (h *handler) handleDepartments(w http.ResponseWriter, r *http.Request) error {
	p, err := h.departmentsPage(r)
	if err != nil {
		return err
	}
	return h.ui.Render(w, r, http.StatusOK, "departments", "", p)
}

func (h *handler) handleDepartmentCreate(w http.ResponseWriter, r *http.Request) error {
	in := DepartmentInput{Name: r.PostFormValue("name")}
	region, err := h.svc.Picked(r.Context(), r.PostForm, "region_code", LevelCity, LevelDistrict, LevelSubdistrict)
	if err == nil {
		in.RegionCode = region
		_, err = h.svc.CreateDepartment(r.Context(), in)
	}
	if errs.CodeOf(err) == errs.Invalid {
		p, lerr := h.departmentsPage(r)
		if lerr != nil {
			return lerr
		}
		p.Form = in
		if typed := r.PostFormValue("region_code_text"); typed != "" {
			p.Region.Code, p.Region.Path = in.RegionCode, typed
		}
		p.Errors = append(p.Errors, h.ui.FieldMessages(p.Lang, err)...)
		return h.ui.Render(w, r, http.StatusUnprocessableEntity, "departments", "", p)
	}
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/departments", "flash.saved")
}

func (h *handler) apiRegionList(w http.ResponseWriter, r *http.Request) error {
	cur, limit, err := web.PageParams(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	rs, err := h.svc.Regions(r.Context(), RegionFilter{Parent: q.Get("parent"), Level: Level(q.Get("level")),
		Name: q.Get("q"), After: cur.Key, Limit: limit + 1})
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, web.Paginate(rs, limit, func(x Region) web.Cursor { return web.Cursor{Key: x.Code} }))
}

func (h *handler) apiRegion(w http.ResponseWriter, r *http.Request) error {
	reg, err := h.svc.Region(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, reg)
}

func (h *handler) apiRegionChildren(w http.ResponseWriter, r *http.Request) error {
	kids, err := h.svc.Children(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, web.Paginate(kids, len(kids)+1, nil))
}

func (h *handler) apiDepartmentList(w http.ResponseWriter, r *http.Request) error {
	cur, limit, err := web.PageParams(r)
	if err != nil {
		return err
	}
	ds, err := h.svc.Departments(r.Context(), cur.ID, limit+1)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, web.Paginate(ds, limit, func(d Department) web.Cursor { return web.Cursor{ID: d.ID} }))
}

func (h *handler) apiDepartment(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return errs.NotFoundf("kind.department")
	}
	d, err := h.svc.Department(r.Context(), id)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, d)
}
