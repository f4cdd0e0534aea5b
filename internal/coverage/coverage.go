// Package coverage reports, for any division and each division below it,
// how far the Party organisation reaches (communities with a Party
// organisation, grids with a branch, buildings with a group), how many
// households each grid worker serves, and whether community workers meet
// the staffing floor — as tables, a chart and a map coloured by any
// measure. It owns no tables: it asks the modules that do.
package coverage

import (
	"context"
	"embed"
	"encoding/json"
	"html/template"
	"math"
	"net/http"
	"slices"

	"grassroots/internal/account"
	"grassroots/internal/party"
	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/module"
	"grassroots/internal/platform/web"
	"grassroots/internal/registry"
	"grassroots/internal/territory"
	"grassroots/internal/units"
	"grassroots/internal/workforce"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed messages/*.json
var messageFiles embed.FS

// Row is the coverage of one division.
type Row struct {
	Code  string          `json:"code"`
	Name  string          `json:"name"`
	Level territory.Level `json:"level"`

	Communities        int     `json:"communities"`
	CommunitiesWithOrg int     `json:"communities_with_org"`
	CommunityOrgRate   float64 `json:"community_org_rate" doc:"percent of communities with a Party organisation"`
	Grids              int     `json:"grids"`
	GridsWithBranch    int     `json:"grids_with_branch"`
	GridBranchRate     float64 `json:"grid_branch_rate"`
	Buildings          int     `json:"buildings"`
	BuildingsWithGroup int     `json:"buildings_with_group"`
	BuildingGroupRate  float64 `json:"building_group_rate"`
	Members            int     `json:"party_members"`
	ModelHouseholds    int     `json:"model_households"`
	Households         int     `json:"households"`
	GridWorkers        int     `json:"grid_workers"`
	HouseholdsPerGW    float64 `json:"households_per_grid_worker"`
	Residents          int     `json:"residents"`
	Workers            int     `json:"community_workers"`
	WorkersPer10k      float64 `json:"workers_per_10k"`
	Shortfall          int     `json:"worker_shortfall"`
	TwoNew             int     `json:"two_new"`
	TwoNewOrgCovered   int     `json:"two_new_org_covered"`
	TwoNewOrgRate      float64 `json:"two_new_org_rate" doc:"percent of two-new organisations with a Party organisation"`
	TwoNewWorkCovered  int     `json:"two_new_work_covered"`
	TwoNewWorkRate     float64 `json:"two_new_work_rate"`
}

// Report is a division's coverage with its children's.
type Report struct {
	Total    Row   `json:"total"`
	Children []Row `json:"children"`
}

// Service composes the report from the modules' counts.
type Service struct {
	terr  *territory.Service
	party *party.Service
	reg   *registry.Service
	acct  *account.Service
	work  *workforce.Service
	units *units.Service
}

// NewService returns the service.
func NewService(t *territory.Service, p *party.Service, r *registry.Service, a *account.Service, w *workforce.Service, u *units.Service) *Service {
	return &Service{terr: t, party: p, reg: r, acct: a, work: w, units: u}
}

func pct(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return math.Round(float64(a)*1000/float64(b)) / 10
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return math.Round(float64(a)*10/float64(b)) / 10
}

// Report computes the coverage of code and its children.
func (s *Service) Report(ctx context.Context, code string) (Report, error) {
	reg, err := s.terr.Region(ctx, code)
	if err != nil {
		return Report{}, err
	}
	kids, err := s.terr.Children(ctx, code)
	if err != nil {
		return Report{}, err
	}
	childLen := len(code)
	if len(kids) > 0 {
		childLen = len(kids[0].Code)
	}
	pc, err := s.party.CoverageByChild(ctx, code, childLen)
	if err != nil {
		return Report{}, err
	}
	rc, err := s.reg.CountsByChild(ctx, code, childLen)
	if err != nil {
		return Report{}, err
	}
	gw, err := s.acct.CountRoleByChild(ctx, code, childLen, authz.RoleGridWorker)
	if err != nil {
		return Report{}, err
	}
	uc, err := s.units.CountsByChild(ctx, code, childLen)
	if err != nil {
		return Report{}, err
	}
	wk, err := s.work.WorkerCounts(ctx, code, childLen)
	if err != nil {
		return Report{}, err
	}
	rep := Report{Children: []Row{}}
	for _, k := range kids {
		rep.Children = append(rep.Children, row(k, pc[k.Code], rc[k.Code], gw[k.Code], uc[k.Code], wk[k.Code]))
	}
	// The division's own figures are everything recorded under its code:
	// its children's and what is bound to the division itself (a
	// community's Party committee, its community workers and grid workers
	// belong to the community, not to one of its grids). Summing every
	// group, not only the children's, makes them equal the division's row
	// in its parent's report.
	var (
		pcAll party.Coverage
		rcAll registry.Counts
		gwAll int
		ucAll units.TwoNew
		wkAll [2]int
	)
	for _, c := range pc {
		pcAll.CommunitiesWithOrg += c.CommunitiesWithOrg
		pcAll.GridsWithBranch += c.GridsWithBranch
		pcAll.BuildingsWithGroup += c.BuildingsWithGroup
		pcAll.Members += c.Members
		pcAll.ModelHouseholds += c.ModelHouseholds
	}
	for _, c := range rc {
		rcAll.Residents += c.Residents
		rcAll.Floating += c.Floating
		rcAll.Households += c.Households
		rcAll.Buildings += c.Buildings
	}
	for _, n := range gw {
		gwAll += n
	}
	for _, u := range uc {
		ucAll.Total += u.Total
		ucAll.OrgCovered += u.OrgCovered
		ucAll.WorkCovered += u.WorkCovered
		ucAll.Stations += u.Stations
		ucAll.StationPeople += u.StationPeople
	}
	for _, w := range wk {
		wkAll[0] += w[0]
		wkAll[1] += w[1]
	}
	rep.Total = row(reg, &pcAll, &rcAll, gwAll, &ucAll, wkAll)
	return rep, nil
}

// row computes one division's measures from its counts; a division's own
// total and its row in its parent's report both come from here, so they
// cannot disagree. Any count may be missing (nil or zero): nothing is
// recorded under the division.
func row(r territory.RegionSummary, c *party.Coverage, rc *registry.Counts, gw int, u *units.TwoNew, wk [2]int) Row {
	out := Row{Code: r.Code, Name: r.Name, Level: r.Level, Communities: r.Counts[territory.LevelCommunity], Grids: r.Counts[territory.LevelGrid]}
	if r.Level == territory.LevelCommunity {
		out.Communities = 1
	}
	if r.Level == territory.LevelGrid {
		out.Grids = 1
	}
	if c != nil {
		out.CommunitiesWithOrg, out.GridsWithBranch, out.BuildingsWithGroup = c.CommunitiesWithOrg, c.GridsWithBranch, c.BuildingsWithGroup
		out.Members, out.ModelHouseholds = c.Members, c.ModelHouseholds
	}
	if rc != nil {
		out.Buildings, out.Households, out.Residents = rc.Buildings, rc.Households, rc.Residents
	}
	out.GridWorkers = gw
	if u != nil {
		out.TwoNew, out.TwoNewOrgCovered, out.TwoNewWorkCovered = u.Total, u.OrgCovered, u.WorkCovered
	}
	out.TwoNewOrgRate, out.TwoNewWorkRate = pct(out.TwoNewOrgCovered, out.TwoNew), pct(out.TwoNewWorkCovered, out.TwoNew)
	if r.Level != territory.LevelGrid {
		x := workforce.Check(r.Code, r.Name, out.Residents, wk[0], wk[1])
		out.Workers, out.Shortfall = x.Workers, x.Shortfall
	}
	out.CommunityOrgRate = pct(out.CommunitiesWithOrg, out.Communities)
	out.GridBranchRate = pct(out.GridsWithBranch, out.Grids)
	out.BuildingGroupRate = pct(out.BuildingsWithGroup, out.Buildings)
	out.HouseholdsPerGW = ratio(out.Households, out.GridWorkers)
	out.WorkersPer10k = ratio(out.Workers*10000, out.Residents)
	return out
}

// Measures that colour the chart and the map.
var Measures = []string{"community_org_rate", "grid_branch_rate", "building_group_rate", "two_new_org_rate", "two_new_work_rate",
	"households_per_grid_worker", "workers_per_10k", "party_members", "residents"}

func (r Row) measure(m string) float64 {
	switch m {
	case "community_org_rate":
		return r.CommunityOrgRate
	case "grid_branch_rate":
		return r.GridBranchRate
	case "building_group_rate":
		return r.BuildingGroupRate
	case "two_new_org_rate":
		return r.TwoNewOrgRate
	case "two_new_work_rate":
		return r.TwoNewWorkRate
	case "households_per_grid_worker":
		return r.HouseholdsPerGW
	case "workers_per_10k":
		return r.WorkersPer10k
	case "party_members":
		return float64(r.Members)
	case "residents":
		return float64(r.Residents)
	}
	return 0
}

// Feature is a child's outline with its measures.
type Feature struct {
	Type       string          `json:"type"`
	Properties Row             `json:"properties"`
	Geometry   json.RawMessage `json:"geometry"`
}

// FeatureCollection is the map layer of a report.
type FeatureCollection struct {
	Type     string    `json:"type"`
	Features []Feature `json:"features"`
}

// Map returns the children with a known outline (a grid's polygon or a
// division's boundary), each carrying its measures.
func (s *Service) Map(ctx context.Context, code string) (FeatureCollection, error) {
	rep, err := s.Report(ctx, code)
	if err != nil {
		return FeatureCollection{}, err
	}
	fc := FeatureCollection{Type: "FeatureCollection", Features: []Feature{}}
	for _, r := range rep.Children {
		var g json.RawMessage
		if r.Level == territory.LevelGrid {
			if grid, err := s.terr.Grid(ctx, r.Code); err == nil {
				g = grid.Geometry
			}
		} else if b, err := s.terr.Boundary(ctx, r.Code); err == nil {
			g = b.Geometry
		}
		if g != nil {
			fc.Features = append(fc.Features, Feature{Type: "Feature", Properties: r, Geometry: g})
		}
	}
	return fc, nil
}

// PermView lets staff read coverage reports.
const PermView authz.Perm = "coverage.view"

// Manifest registers the module.
func Manifest(svc *Service) module.Manifest {
	return module.Manifest{
		Name: "coverage", Templates: module.Sub(templateFiles, "templates"), Messages: module.Sub(messageFiles, "messages"),
		Grants: []authz.Grant{{Perm: PermView, Roles: []authz.Role{authz.RoleCityAdmin, authz.RoleDistrictStaff, authz.RoleSubdistrictStaff,
			authz.RoleCommunitySecretary, authz.RoleCommunityWorker}}},
		Menu:    []web.MenuItem{{Key: "nav.coverage", Path: "/coverage", Perm: PermView, Order: 34, Group: web.GroupFigures}},
		Widgets: svc.widgets(),
		Routes: func(r *web.Router) {
			h := &handler{svc: svc, ui: r.UI()}
			r.Page("GET /coverage", PermView, h.handleRoot)
			r.Page("GET /coverage/{code}", PermView, h.handlePage)
			r.API("GET /api/v1/coverage/{code}", PermView, web.OpDoc{Summary: "Coverage and staffing of a division and its children", Tag: "coverage",
				Response: Report{}}, h.apiReport)
			r.API("GET /api/v1/coverage/{code}/map", PermView, web.OpDoc{Summary: "Children's outlines with their coverage measures (GeoJSON)", Tag: "coverage",
				Response: FeatureCollection{}}, h.apiMap)
		},
	}
}

type handler struct {
	svc *Service
	ui  *web.UI
}

func (h *handler) handleRoot(w http.ResponseWriter, r *http.Request) error {
	root, err := h.svc.terr.Root(r.Context())
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/coverage/"+root, http.StatusSeeOther)
	return nil
}

type page struct {
	web.Page
	Report   Report
	Crumbs   []territory.Region
	Measure  string
	Measures []string
	Chart    template.JS
}

func (h *handler) handlePage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	code := r.PathValue("code")
	rep, err := h.svc.Report(ctx, code)
	if err != nil {
		return err
	}
	crumbs, err := h.svc.terr.Breadcrumb(ctx, code)
	if err != nil {
		return err
	}
	m := r.URL.Query().Get("measure")
	if !slices.Contains(Measures, m) {
		m = Measures[0]
	}
	p := page{Page: h.ui.Page(r, "title.coverage"), Report: rep, Crumbs: crumbs, Measure: m, Measures: Measures}
	p.Title = rep.Total.Name + " · " + p.T("title.coverage")
	if len(rep.Children) > 0 {
		bars := make([]web.Bar, len(rep.Children))
		for i, c := range rep.Children {
			bars[i] = web.Bar{Name: c.Name, Value: c.measure(m), Code: c.Code}
		}
		p.Chart = web.BarChart(p.T("measure."+m), bars)
	}
	return h.ui.Render(w, r, http.StatusOK, "coverage", "", p)
}

func (h *handler) apiReport(w http.ResponseWriter, r *http.Request) error {
	rep, err := h.svc.Report(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, rep)
}

func (h *handler) apiMap(w http.ResponseWriter, r *http.Request) error {
	fc, err := h.svc.Map(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, fc)
}
