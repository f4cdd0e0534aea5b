// Package units is the area's actual units (实有单位): shops, companies and
// institutions in the area; co-building units
// (共建单位) with the venues, people and funds they share; "two new"
// organisations (两新组织: non-public enterprises and social organisations)
// with their two coverages (两个覆盖: a Party organisation, and Party work);
// and new-employment stations and hotspots — courier points, delivery
// stations, ride-hailing gathering points, live-streaming clusters — with
// their location and headcount.
package units

import (
	"context"
	"embed"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"grassroots/internal/platform/audit"
	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/module"
	"grassroots/internal/platform/tabular"
	"grassroots/internal/platform/text"
	"grassroots/internal/platform/web"
	"grassroots/internal/territory"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed messages/*.json
var messageFiles embed.FS

// Migrations returns the module's migrations.
func Migrations() db.Migrations {
	return db.Migrations{Module: "units", FS: module.Sub(migrationFiles, "migrations")}
}

// Kinds and their subkinds. Stored; do not rename.
var Subkinds = map[string][]string{
	"business":    {"shop", "company", "institution"},
	"co_building": {"agency", "school", "hospital", "enterprise", "state_enterprise", "other"},
	"two_new":     {"non_public_enterprise", "social_organisation"},
	"station":     {"courier", "delivery", "ride_hailing", "live_streaming"},
}

// Kinds lists the kinds in order.
var Kinds = []string{"business", "co_building", "two_new", "station"}

// Shares are what a co-building unit shares (共驻共建).
var Shares = []string{"venues", "people", "funds"}

// Unit is one unit.
type Unit struct {
	ID          int64     `json:"id"`
	RegionCode  string    `json:"region_code"`
	Kind        string    `json:"kind" doc:"business, co_building, two_new or station"`
	Subkind     string    `json:"subkind"`
	Name        string    `json:"name"`
	Address     string    `json:"address,omitempty"`
	Lon         *float64  `json:"lon,omitempty"`
	Lat         *float64  `json:"lat,omitempty"`
	Headcount   int       `json:"headcount" doc:"employees, or riders and drivers at a station"`
	Shares      []string  `json:"shares" doc:"for co-building units: venues, people, funds"`
	HasPartyOrg bool      `json:"has_party_org" doc:"organisation coverage (组织覆盖)"`
	WorkCovered bool      `json:"work_covered" doc:"work coverage (工作覆盖)"`
	CreatedAt   time.Time `json:"created_at"`
}

// UnitInput creates a unit. With a location and no region, the unit is
// placed in the grid that contains it.
type UnitInput struct {
	RegionCode  string   `json:"region_code,omitempty"`
	Kind        string   `json:"kind"`
	Subkind     string   `json:"subkind"`
	Name        string   `json:"name"`
	Address     string   `json:"address,omitempty"`
	Lon         *float64 `json:"lon,omitempty"`
	Lat         *float64 `json:"lat,omitempty"`
	Headcount   int      `json:"headcount"`
	Shares      []string `json:"shares,omitempty"`
	HasPartyOrg bool     `json:"has_party_org"`
	WorkCovered bool     `json:"work_covered"`
}

// Filter selects units.
type Filter struct {
	Region  string
	Kind    string
	Q       string
	AfterID int64
	Limit   int
}

// Permissions.
const (
	PermView   authz.Perm = "units.view"
	PermManage authz.Perm = "units.manage"
)

// Service is the module's API.
type Service struct {
	db   *db.DB
	terr *territory.Service
}

// NewService returns the service.
func NewService(d *db.DB, terr *territory.Service) *Service { return &Service{db: d, terr: terr} }

const cols = `id, region_code, kind, subkind, name, address, lon, lat, headcount, shares, has_party_org, work_covered, created_at`

func scan(r db.Scanner) (Unit, error) {
	var u Unit
	var shares string
	err := r.Scan(&u.ID, &u.RegionCode, &u.Kind, &u.Subkind, &u.Name, &u.Address, &u.Lon, &u.Lat, &u.Headcount, &shares, &u.HasPartyOrg, &u.WorkCovered, &u.CreatedAt)
	u.Shares = []string{}
	if shares != "" {
		u.Shares = strings.Split(shares, ",")
	}
	return u, err
}

// Create adds a unit.
func (s *Service) Create(ctx context.Context, in UnitInput) (Unit, error) {
	var fe errs.Fields
	in.Name, in.Address = text.LineField(&fe, "name", in.Name), text.LineField(&fe, "address", in.Address)
	if in.Name == "" {
		fe.Add("name", "rule.required", "")
	}
	if !slices.Contains(Kinds, in.Kind) {
		fe.Add("kind", "rule.one_of", strings.Join(Kinds, ", "))
	} else if !slices.Contains(Subkinds[in.Kind], in.Subkind) {
		fe.Add("subkind", "rule.one_of", strings.Join(Subkinds[in.Kind], ", "))
	}
	for _, sh := range in.Shares {
		if !slices.Contains(Shares, sh) {
			fe.Add("shares", "rule.one_of", strings.Join(Shares, ", "))
			break
		}
	}
	if in.Headcount < 0 {
		fe.Add("headcount", "rule.range", "≥ 0")
	}
	if (in.Lon == nil) != (in.Lat == nil) || (in.Lon != nil && (*in.Lon < -180 || *in.Lon > 180 || *in.Lat < -90 || *in.Lat > 90)) {
		fe.Add("lon", "rule.range", "lon −180–180, lat −90–90")
	}
	if in.RegionCode == "" && in.Lon != nil && in.Lat != nil {
		if g, ok := s.terr.LocateGrid(*in.Lon, *in.Lat); ok {
			in.RegionCode = g
		}
	}
	if _, err := s.terr.ContainsRegion(ctx, in.RegionCode); err != nil {
		fe.Add("region_code", "rule.region_code", in.RegionCode)
	}
	if err := fe.Err(); err != nil {
		return Unit{}, err
	}
	var out Unit
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		var id int64
		now := tx.Now()
		if err := tx.QueryRowContext(ctx, `/* units.Create */ INSERT INTO units_units (region_code, kind, subkind, name, address, lon, lat, headcount,
			shares, has_party_org, work_covered, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			in.RegionCode, in.Kind, in.Subkind, in.Name, in.Address, in.Lon, in.Lat, in.Headcount, strings.Join(in.Shares, ","),
			in.HasPartyOrg, in.WorkCovered, now, now).Scan(&id); err != nil {
			return fmt.Errorf("units: create: %w", err)
		}
		var err error
		if out, err = db.One(ctx, tx, `/* units.Create */ SELECT `+cols+` FROM units_units WHERE id = ?`, []any{id}, scan, error(errs.NotFoundf("kind.unit"))); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "units.unit.create", ObjectType: "unit", ObjectID: strconv.FormatInt(id, 10), Region: out.RegionCode, After: out})
	})
	return out, err
}

// Get returns one unit in scope.
func (s *Service) Get(ctx context.Context, id int64) (Unit, error) {
	qb := db.NewQuery(`/* units.Get */ SELECT `+cols+` FROM units_units`).And("id = ?", id).Scope(authz.ScopeFrom(ctx), "region_code", "")
	q, args := qb.SQL()
	return db.One(ctx, s.db, q, args, scan, error(errs.NotFoundf("kind.unit")))
}

// List lists units in scope.
func (s *Service) List(ctx context.Context, f Filter) ([]Unit, error) {
	qb := db.NewQuery(`/* units.List */ SELECT `+cols+` FROM units_units`).Scope(authz.ScopeFrom(ctx), "region_code", "")
	if f.Region != "" {
		qb.Scope(authz.Scope{Region: f.Region}, "region_code", "")
	}
	if f.Kind != "" {
		qb.And("kind = ?", f.Kind)
	}
	if f.Q != "" {
		qb.And("(name LIKE ? OR address LIKE ?)", "%"+f.Q+"%", "%"+f.Q+"%")
	}
	if f.AfterID > 0 {
		qb.And("id > ?", f.AfterID)
	}
	if f.Limit <= 0 {
		f.Limit = 500
	}
	qb.Tail("ORDER BY id LIMIT ?", f.Limit)
	q, args := qb.SQL()
	return db.Collect(ctx, s.db, q, args, scan)
}

// TwoNew counts "two new" organisations, and those with each coverage,
// under root by child prefix.
type TwoNew struct{ Total, OrgCovered, WorkCovered, Stations, StationPeople int }

// CountsByChild groups unit counts under root by the first childLen
// characters of the region code.
func (s *Service) CountsByChild(ctx context.Context, root string, childLen int) (map[string]*TwoNew, error) {
	qb := db.NewQuery(fmt.Sprintf(`/* units.CountsByChild */ SELECT substr(region_code, 1, %d) AS k,
		SUM(CASE WHEN kind = 'two_new' THEN 1 ELSE 0 END),
		SUM(CASE WHEN kind = 'two_new' AND has_party_org THEN 1 ELSE 0 END),
		SUM(CASE WHEN kind = 'two_new' AND (work_covered OR has_party_org) THEN 1 ELSE 0 END),
		SUM(CASE WHEN kind = 'station' THEN 1 ELSE 0 END),
		SUM(CASE WHEN kind = 'station' THEN headcount ELSE 0 END) FROM units_units`, childLen)).
		Scope(authz.ScopeFrom(ctx), "region_code", "").Under("region_code", root)
	qb.Tail("GROUP BY k")
	q, args := qb.SQL()
	type row struct {
		k string
		t TwoNew
	}
	rows, err := db.Collect(ctx, s.db, q, args, func(r db.Scanner) (row, error) {
		var x row
		err := r.Scan(&x.k, &x.t.Total, &x.t.OrgCovered, &x.t.WorkCovered, &x.t.Stations, &x.t.StationPeople)
		return x, err
	})
	if err != nil {
		return nil, fmt.Errorf("units: counts: %w", err)
	}
	out := map[string]*TwoNew{}
	for _, x := range rows {
		t := x.t
		out[x.k] = &t
	}
	return out, nil
}

// Grants lists who holds the permissions.
func Grants() []authz.Grant {
	return []authz.Grant{
		{Perm: PermView, Roles: []authz.Role{authz.RoleCityAdmin, authz.RoleDistrictStaff, authz.RoleSubdistrictStaff, authz.RoleCommunitySecretary,
			authz.RoleCommunityWorker, authz.RoleGridWorker}},
		{Perm: PermManage, Roles: []authz.Role{authz.RoleCityAdmin, authz.RoleDistrictStaff, authz.RoleSubdistrictStaff, authz.RoleCommunitySecretary,
			authz.RoleCommunityWorker}},
	}
}

// Manifest registers the module.
func Manifest(svc *Service) module.Manifest {
	m := Migrations()
	return module.Manifest{
		Name: "units", Migrations: &m, Grants: Grants(), Templates: module.Sub(templateFiles, "templates"), Messages: module.Sub(messageFiles, "messages"),
		Menu:   []web.MenuItem{{Key: "nav.units", Path: "/units", Perm: PermView, Order: 25, Group: web.GroupRecords}},
		Routes: func(r *web.Router) { (&handler{svc: svc, ui: r.UI()}).routes(r) },
	}
}

type handler struct {
	svc *Service
	ui  *web.UI
}

func (h *handler) routes(r *web.Router) {
	r.Page("GET /units", PermView, h.handleList)
	r.Page("POST /units", PermManage, h.handleCreate)
	tabular.Register(r, h.svc.db, h.svc.tableSpec(), PermView, PermManage)
	r.API("GET /api/v1/units", PermView, web.OpDoc{Summary: "Co-building units, two-new organisations and new-employment stations in scope", Tag: "units",
		Query:    append([]web.Param{{Name: "region", Type: "string"}, {Name: "kind", Type: "string"}, {Name: "q", Type: "string"}}, web.PageQuery...),
		Response: web.List[Unit]{}}, h.apiList)
	r.API("POST /api/v1/units", PermManage, web.OpDoc{Summary: "Register a unit", Tag: "units", Body: UnitInput{}, Response: Unit{}, Status: http.StatusCreated}, web.Submit(http.StatusCreated, h.svc.Create))
	r.API("GET /api/v1/units/{id}", PermView, web.OpDoc{Summary: "One unit", Tag: "units", Response: Unit{}}, h.apiGet)
}

type listPage struct {
	web.Page
	Units     []Unit
	Kind      string
	Kinds     []string
	Subkinds  map[string][]string
	Shares    []string
	CanManage bool
	Errors    []string
	Form      UnitInput
	// Names label the units' divisions (a grid with its community).
	Names map[string]string
	// Region chooses the new unit's division by name.
	Region web.RegionPicker
}

func (h *handler) page(r *http.Request) (listPage, error) {
	return h.pageWith(r, UnitInput{RegionCode: authz.ScopeFrom(r.Context()).Region}, "")
}

// pageWith is the list with the form holding in; typed is the division's
// name as typed when it named none.
func (h *handler) pageWith(r *http.Request, in UnitInput, typed string) (listPage, error) {
	ctx := r.Context()
	kind := r.URL.Query().Get("kind")
	us, err := h.svc.List(ctx, Filter{Kind: kind, Q: r.URL.Query().Get("q")})
	p := listPage{Page: h.ui.Page(r, "title.units"), Units: us, Kind: kind, Kinds: Kinds, Subkinds: Subkinds, Shares: Shares, Form: in}
	if err != nil {
		return p, err
	}
	p.CanManage = p.Actor.Can(PermManage)
	codes := make([]string, len(us))
	for i, u := range us {
		codes[i] = u.RegionCode
	}
	if p.Names, err = h.svc.terr.UnscopedLabels(ctx, codes); err != nil {
		return p, err
	}
	p.Region = web.RegionPicker{ID: "pick-unit-region", Name: "region_code", Label: p.T("region.division"), Code: in.RegionCode, Required: true,
		Placeholder: p.T("region.pick_placeholder"), None: p.T("region.pick_none")}
	if p.Region, err = h.svc.terr.Picker(ctx, p.Region); err != nil {
		return p, err
	}
	if typed != "" {
		p.Region.Path = typed
	}
	return p, nil
}

func (h *handler) handleList(w http.ResponseWriter, r *http.Request) error {
	p, err := h.page(r)
	if err != nil {
		return err
	}
	return h.ui.Render(w, r, http.StatusOK, "units", "", p)
}

func (h *handler) handleCreate(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return errs.E(errs.Malformed, "err.malformed", err.Error())
	}
	kind, sk, _ := strings.Cut(r.PostFormValue("subkind"), ".")
	head, _ := strconv.Atoi(r.PostFormValue("headcount"))
	in := UnitInput{Kind: kind, Subkind: sk, Name: r.PostFormValue("name"),
		Address: r.PostFormValue("address"), Headcount: head, Shares: r.PostForm["shares"], HasPartyOrg: r.PostFormValue("has_party_org") == "on",
		WorkCovered: r.PostFormValue("work_covered") == "on"}
	region, err := h.svc.terr.Picked(r.Context(), r.PostForm, "region_code")
	if err == nil {
		in.RegionCode = region
		_, err = h.svc.Create(r.Context(), in)
	}
	if err != nil {
		if errs.CodeOf(err) != errs.Invalid {
			return err
		}
		typed := ""
		if in.RegionCode == "" {
			typed = r.PostFormValue("region_code_text")
		}
		p, perr := h.pageWith(r, in, typed)
		if perr != nil {
			return perr
		}
		p.Errors = append(p.Errors, h.ui.FieldMessages(p.Lang, err)...)
		return h.ui.Render(w, r, http.StatusUnprocessableEntity, "units", "", p)
	}
	return web.Redirect(w, r, "/units?kind="+in.Kind, "flash.saved")
}

func (h *handler) apiList(w http.ResponseWriter, r *http.Request) error {
	cur, limit, err := web.PageParams(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	us, err := h.svc.List(r.Context(), Filter{Region: q.Get("region"), Kind: q.Get("kind"), Q: q.Get("q"), AfterID: cur.ID, Limit: limit + 1})
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, web.Paginate(us, limit, func(u Unit) web.Cursor { return web.Cursor{ID: u.ID} }))
}

func (h *handler) apiGet(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return errs.NotFoundf("kind.unit")
	}
	u, err := h.svc.Get(r.Context(), id)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, u)
}
