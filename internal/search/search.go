// Package search is the one search box: people by name, pinyin initials,
// exact ID number or phone, or address; Party organisations and units by
// name; cases by their number or a 12345 work-order number — each within
// the actor's scope and only for what their role may see. It owns no
// tables.
package search

import (
	"context"
	"embed"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"grassroots/internal/cases"
	"grassroots/internal/party"
	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/module"
	"grassroots/internal/platform/web"
	"grassroots/internal/registry"
	"grassroots/internal/territory"
	"grassroots/internal/units"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed messages/*.json
var messageFiles embed.FS

// Results are the matches of one query, at most Limit of each kind.
type Results struct {
	Query     string             `json:"query"`
	People    []*registry.Person `json:"people"`
	PartyOrgs []party.Org        `json:"party_orgs"`
	Units     []units.Unit       `json:"units"`
	Cases     []*cases.Case      `json:"cases"`
}

// Limit is the number of matches of each kind.
const Limit = 20

// Service searches the modules.
type Service struct {
	reg   *registry.Service
	party *party.Service
	units *units.Service
	cases *cases.Service
	terr  *territory.Service
}

// NewService returns the service; t names the matches' divisions on the
// page.
func NewService(r *registry.Service, p *party.Service, u *units.Service, c *cases.Service, t *territory.Service) *Service {
	return &Service{reg: r, party: p, units: u, cases: c, terr: t}
}

// Search finds q in everything the actor may read.
func (s *Service) Search(ctx context.Context, q string) (Results, error) {
	q = strings.TrimSpace(q)
	res := Results{Query: q, People: []*registry.Person{}, PartyOrgs: []party.Org{}, Units: []units.Unit{}, Cases: []*cases.Case{}}
	if utf8.RuneCountInString(q) < 2 && !(len(q) == 1 && q[0] >= 'a' && q[0] <= 'z') {
		if q == "" {
			return res, nil
		}
		return res, errs.Field("q", "rule.min_length", "2")
	}
	a := authz.ActorFrom(ctx)
	var err error
	if a.Can(registry.PermView) {
		if res.People, err = s.reg.People(ctx, registry.PersonFilter{Q: q, Limit: Limit}); err != nil {
			return res, err
		}
	}
	if a.Can(party.PermView) {
		if res.PartyOrgs, err = s.party.Orgs(ctx, party.OrgFilter{Q: q, Limit: Limit}); err != nil {
			return res, err
		}
	}
	if a.Can(units.PermView) {
		if res.Units, err = s.units.List(ctx, units.Filter{Q: q, Limit: Limit}); err != nil {
			return res, err
		}
	}
	if a.Can(cases.PermView) && strings.ContainsFunc(q, unicode.IsDigit) {
		// A case number (20261201-00000033) or a hotline's work-order
		// number: one indexed lookup each.
		if res.Cases, err = s.cases.Cases(ctx, cases.Filter{Number: q, Limit: Limit}); err != nil {
			return res, err
		}
	}
	if res.People == nil {
		res.People = []*registry.Person{}
	}
	if res.Cases == nil {
		res.Cases = []*cases.Case{}
	}
	if res.PartyOrgs == nil {
		res.PartyOrgs = []party.Org{}
	}
	if res.Units == nil {
		res.Units = []units.Unit{}
	}
	return res, nil
}

// PermSearch lets staff use the search box.
const PermSearch authz.Perm = "search.use"

// Manifest registers the module.
func Manifest(svc *Service) module.Manifest {
	return module.Manifest{
		Name: "search", Templates: module.Sub(templateFiles, "templates"), Messages: module.Sub(messageFiles, "messages"),
		Grants: []authz.Grant{{Perm: PermSearch, Roles: []authz.Role{authz.RoleCityAdmin, authz.RoleDistrictStaff, authz.RoleSubdistrictStaff,
			authz.RoleCommunitySecretary, authz.RoleCommunityWorker, authz.RoleGridWorker}}},
		Menu: []web.MenuItem{{Key: "nav.search", Path: "/search", Perm: PermSearch, Order: 9, Group: web.GroupRecords}},
		Routes: func(r *web.Router) {
			h := &handler{svc: svc, ui: r.UI()}
			r.Page("GET /search", PermSearch, h.handlePage)
			r.API("GET /api/v1/search", PermSearch, web.OpDoc{Summary: "One search box over people, Party organisations, units and cases (by number) in scope", Tag: "search",
				Query: []web.Param{{Name: "q", Type: "string", Required: true}}, Response: Results{}}, h.apiSearch)
		},
	}
}

type handler struct {
	svc *Service
	ui  *web.UI
}

type page struct {
	web.Page
	Results Results
	Errors  []string
	// Names label the matches' divisions (a grid with its community).
	Names map[string]string
	// CaseSearch: the query could be a case number and the actor may
	// read cases, so the page says whether one was found.
	CaseSearch bool
	// Limit is how many matches of a kind the page lists at most.
	Limit int
}

func (h *handler) handlePage(w http.ResponseWriter, r *http.Request) error {
	res, err := h.svc.Search(r.Context(), r.URL.Query().Get("q"))
	p := page{Page: h.ui.Page(r, "title.search"), Results: res, Limit: Limit,
		CaseSearch: authz.ActorFrom(r.Context()).Can(cases.PermView) && strings.ContainsFunc(res.Query, unicode.IsDigit)}
	status := http.StatusOK
	if errs.CodeOf(err) == errs.Invalid {
		p.Errors = append(p.Errors, h.ui.FieldMessages(p.Lang, err)...)
		status = http.StatusUnprocessableEntity
	} else if err != nil {
		return err
	}
	var codes []string
	for _, x := range res.People {
		codes = append(codes, x.RegionCode)
	}
	for _, x := range res.PartyOrgs {
		codes = append(codes, x.RegionCode)
	}
	for _, x := range res.Units {
		codes = append(codes, x.RegionCode)
	}
	for _, x := range res.Cases {
		codes = append(codes, x.RegionCode)
	}
	if p.Names, err = h.svc.terr.UnscopedLabels(r.Context(), codes); err != nil {
		return err
	}
	return h.ui.Render(w, r, status, "search", "search-results", p)
}

func (h *handler) apiSearch(w http.ResponseWriter, r *http.Request) error {
	res, err := h.svc.Search(r.Context(), r.URL.Query().Get("q"))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, res)
}
