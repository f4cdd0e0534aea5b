package party

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/module"
	"grassroots/internal/platform/tabular"
	"grassroots/internal/platform/web"
)

// Manifest registers the party module.
func Manifest(svc *Service) module.Manifest {
	m := Migrations()
	return module.Manifest{
		Name: "party", Migrations: &m, Grants: Grants(), Templates: module.Sub(templateFiles, "templates"), Messages: module.Sub(messageFiles, "messages"),
		Menu:   []web.MenuItem{{Key: "nav.party", Path: "/party", Perm: PermView, Order: 20, Group: web.GroupRecords}},
		Routes: func(r *web.Router) { (&handler{svc: svc, ui: r.UI()}).routes(r) },
		Watch: []module.Watch{{Topic: TopicCoverage, Reload: func(context.Context) error {
			svc.coverage.Clear()
			return nil
		}}},
	}
}

type handler struct {
	svc *Service
	ui  *web.UI
}

func (h *handler) routes(r *web.Router) {
	r.Page("GET /party", PermView, h.handleOrgs)
	r.Page("POST /party/orgs", PermManage, h.handleOrgCreate)
	r.Page("GET /party/orgs/{id}", PermView, h.handleOrg)
	r.Page("POST /party/orgs/{id}/committee", PermManage, h.handleCommitteeAdd)
	r.Page("POST /party/members", PermManage, h.handleMemberCreate)
	tabular.Register(r, h.svc.db, h.svc.tableSpec(), PermView, PermManage)
	tabular.Register(r, h.svc.db, h.svc.orgSpec(), PermView, PermManage)
	tabular.Register(r, h.svc.db, h.svc.committeeSpec(), PermView, PermManage)
	h.editRoutes(r)

	r.API("GET /api/v1/party/orgs", PermView, web.OpDoc{Summary: "Party organisations in scope, in tree order", Tag: "party",
		Query:    append([]web.Param{{Name: "region", Type: "string"}, {Name: "parent_id", Type: "integer"}, {Name: "kind", Type: "string"}}, web.PageQuery...),
		Response: web.List[Org]{}}, h.apiOrgs)
	r.API("POST /api/v1/party/orgs", PermManage, web.OpDoc{Summary: "Create a Party organisation", Tag: "party", Body: OrgInput{}, Response: Org{}, Status: http.StatusCreated}, web.Submit(http.StatusCreated, h.svc.CreateOrg))
	r.API("GET /api/v1/party/orgs/{id}", PermView, web.OpDoc{Summary: "One organisation", Tag: "party", Response: Org{}}, web.Get("kind.party_org", h.svc.Org))
	r.API("GET /api/v1/party/orgs/{id}/committee", PermView, web.OpDoc{Summary: "The organisation's committee", Tag: "party", Response: []CommitteeMember{}}, web.Get("kind.party_org", h.svc.Committee))
	r.API("POST /api/v1/party/orgs/{id}/committee", PermManage, web.OpDoc{Summary: "Add a committee member (part-time members name their unit)", Tag: "party",
		Body: CommitteeMemberInput{}, Response: CommitteeMember{}, Status: http.StatusCreated}, web.Apply("kind.party_org", http.StatusCreated, h.svc.AddCommitteeMember))
	r.API("GET /api/v1/party/members", PermView, web.OpDoc{Summary: "Party members in scope", Tag: "party",
		Query:    append([]web.Param{{Name: "org_id", Type: "integer"}, {Name: "region", Type: "string"}, {Name: "category", Type: "string"}}, web.PageQuery...),
		Response: web.List[Member]{}}, h.apiMembers)
	r.API("POST /api/v1/party/members", PermManage, web.OpDoc{Summary: "Register a Party member", Tag: "party", Body: MemberInput{}, Response: Member{}, Status: http.StatusCreated}, web.Submit(http.StatusCreated, h.svc.CreateMember))
}

func orgID(r *http.Request) (int64, error) { return web.ObjectID(r, "kind.party_org") }

// treeOrg is an organisation with its depth in the listing.
type treeOrg struct {
	Org
	Depth int
}

type orgsPage struct {
	web.Page
	Orgs      []treeOrg
	Kinds     []Kind
	CanManage bool
	Form      OrgInput
	Errors    []string
	// Names label the organisations' divisions (a grid with its
	// community); Region chooses the new organisation's by name.
	Names  map[string]string
	Region web.RegionPicker
}

func (h *handler) orgsPage(r *http.Request) (orgsPage, error) {
	orgs, err := h.svc.Orgs(r.Context(), OrgFilter{Region: r.URL.Query().Get("region"), Limit: 2000})
	if err != nil {
		return orgsPage{}, err
	}
	codes := make([]string, len(orgs))
	for i, o := range orgs {
		codes[i] = o.RegionCode
	}
	names, err := h.svc.terr.UnscopedLabels(r.Context(), codes)
	if err != nil {
		return orgsPage{}, err
	}
	depth := map[int64]int{}
	p := orgsPage{Page: h.ui.Page(r, "title.party"), Kinds: Kinds, Names: names}
	for _, o := range orgs {
		d := 0
		if pd, ok := depth[o.ParentID]; ok {
			d = pd + 1
		}
		depth[o.ID] = d
		p.Orgs = append(p.Orgs, treeOrg{Org: o, Depth: d})
	}
	p.CanManage = p.Actor.Can(PermManage)
	p.Form.RegionCode = p.Actor.Scope.Region
	p.Form.Kind = Committee
	if err := h.orgPicker(r, &p, ""); err != nil {
		return p, err
	}
	return p, nil
}

// orgPicker fills the division picker of the new organisation from
// p.Form; typed is the name as typed when it named no division.
func (h *handler) orgPicker(r *http.Request, p *orgsPage, typed string) error {
	p.Region = web.RegionPicker{ID: "pick-org-region", Name: "region_code", Label: p.T("region.division"), Code: p.Form.RegionCode, Required: true,
		Placeholder: p.T("region.pick_placeholder"), None: p.T("region.pick_none")}
	var err error
	if p.Region, err = h.svc.terr.Picker(r.Context(), p.Region); err != nil {
		return err
	}
	if typed != "" {
		p.Region.Path = typed
	}
	return nil
}

func (h *handler) handleOrgs(w http.ResponseWriter, r *http.Request) error {
	p, err := h.orgsPage(r)
	if err != nil {
		return err
	}
	return h.ui.Render(w, r, http.StatusOK, "party", "", p)
}

func formOrg(r *http.Request) OrgInput {
	parent, _ := strconv.ParseInt(r.PostFormValue("parent_id"), 10, 64)
	building, _ := strconv.ParseInt(r.PostFormValue("building_id"), 10, 64)
	return OrgInput{ParentID: parent, Name: r.PostFormValue("name"), Kind: Kind(r.PostFormValue("kind")), RegionCode: strings.TrimSpace(r.PostFormValue("region_code")),
		BuildingID: building, UnitName: r.PostFormValue("unit_name"), Secretary: r.PostFormValue("secretary")}
}

func (h *handler) handleOrgCreate(w http.ResponseWriter, r *http.Request) error {
	in := formOrg(r)
	var o Org
	region, err := h.svc.terr.Picked(r.Context(), r.PostForm, "region_code")
	if err == nil {
		in.RegionCode = region
		o, err = h.svc.CreateOrg(r.Context(), in)
	}
	if errs.CodeOf(err) == errs.Invalid {
		p, perr := h.orgsPage(r)
		if perr != nil {
			return perr
		}
		p.Form, p.Errors = in, h.ui.FieldMessages(p.Lang, err)
		typed := ""
		if region == "" {
			typed = r.PostFormValue("region_code_text")
		}
		if perr := h.orgPicker(r, &p, typed); perr != nil {
			return perr
		}
		return h.ui.Render(w, r, http.StatusUnprocessableEntity, "party", "", p)
	}
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/party/orgs/"+strconv.FormatInt(o.ID, 10), "flash.saved")
}

type orgPage struct {
	web.Page
	Org        Org
	Committee  []CommitteeMember
	Children   []Org
	Members    []Member
	Kinds      []Kind
	Posts      []string
	Categories []Category
	CanManage  bool
	Errors     []string
	// Names label the divisions of the organisation and its members (a
	// grid with its community); Homes are where a new member may live.
	Names map[string]string
	Homes []regionChoice
}

func (h *handler) orgPage(r *http.Request, id int64) (orgPage, error) {
	ctx := r.Context()
	o, err := h.svc.Org(ctx, id)
	if err != nil {
		return orgPage{}, err
	}
	p := orgPage{Page: h.ui.Page(r, "title.party_org"), Org: o, Kinds: Kinds, Posts: Posts, Categories: Categories}
	p.Title = o.Name
	if p.Committee, err = h.svc.Committee(ctx, id); err != nil {
		return p, err
	}
	if p.Children, err = h.svc.Orgs(ctx, OrgFilter{ParentID: id}); err != nil {
		return p, err
	}
	if p.Members, err = h.svc.Members(ctx, MemberFilter{OrgID: id, Limit: 500}); err != nil {
		return p, err
	}
	codes := []string{o.RegionCode}
	for _, m := range p.Members {
		codes = append(codes, m.RegionCode)
	}
	if p.Names, err = h.svc.terr.UnscopedLabels(ctx, codes); err != nil {
		return p, err
	}
	p.CanManage = p.Actor.Can(PermManage)
	if p.CanManage {
		if p.Homes, err = h.regionChoices(ctx, o.RegionCode); err != nil {
			return p, err
		}
	}
	return p, nil
}

func (h *handler) handleOrg(w http.ResponseWriter, r *http.Request) error {
	id, err := orgID(r)
	if err != nil {
		return err
	}
	p, err := h.orgPage(r, id)
	if err != nil {
		return err
	}
	return h.ui.Render(w, r, http.StatusOK, "party_org", "", p)
}

// rerenderOrg shows an organisation's page again with a refused committee
// member or Party member, both people: their name is 姓名.
func (h *handler) rerenderOrg(w http.ResponseWriter, r *http.Request, id int64, err error) error {
	p, perr := h.orgPage(r, id)
	if perr != nil {
		return perr
	}
	p.Errors = h.ui.FieldMessages(p.Lang, asPerson(err))
	return h.ui.Render(w, r, http.StatusUnprocessableEntity, "party_org", "", p)
}

func (h *handler) handleCommitteeAdd(w http.ResponseWriter, r *http.Request) error {
	id, err := orgID(r)
	if err != nil {
		return err
	}
	in := CommitteeMemberInput{Name: r.PostFormValue("name"), Post: r.PostFormValue("post"), Unit: r.PostFormValue("unit"), PartTime: r.PostFormValue("part_time") == "on"}
	_, err = h.svc.AddCommitteeMember(r.Context(), id, in)
	if errs.CodeOf(err) == errs.Invalid {
		return h.rerenderOrg(w, r, id, err)
	}
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/party/orgs/"+strconv.FormatInt(id, 10), "flash.saved")
}

func (h *handler) handleMemberCreate(w http.ResponseWriter, r *http.Request) error {
	org, _ := strconv.ParseInt(r.PostFormValue("org_id"), 10, 64)
	in := MemberInput{OrgID: org, Name: r.PostFormValue("name"), Category: Category(r.PostFormValue("category")), Status: r.PostFormValue("status"),
		Workplace: r.PostFormValue("workplace"), ModelHousehold: r.PostFormValue("model_household") == "on", RegionCode: strings.TrimSpace(r.PostFormValue("region_code"))}
	_, err := h.svc.CreateMember(r.Context(), in)
	if errs.CodeOf(err) == errs.Invalid {
		if _, oerr := h.svc.Org(r.Context(), org); oerr != nil {
			return err
		}
		return h.rerenderOrg(w, r, org, err)
	}
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/party/orgs/"+strconv.FormatInt(org, 10), "flash.saved")
}

func (h *handler) apiOrgs(w http.ResponseWriter, r *http.Request) error {
	cur, limit, err := web.PageParams(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	parent, _ := strconv.ParseInt(q.Get("parent_id"), 10, 64)
	orgs, err := h.svc.Orgs(r.Context(), OrgFilter{Region: q.Get("region"), ParentID: parent, Kind: Kind(q.Get("kind")), AfterID: cur.ID, Limit: limit + 1})
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, web.Paginate(orgs, limit, func(o Org) web.Cursor { return web.Cursor{ID: o.ID} }))
}

func (h *handler) apiMembers(w http.ResponseWriter, r *http.Request) error {
	cur, limit, err := web.PageParams(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	org, _ := strconv.ParseInt(q.Get("org_id"), 10, 64)
	ms, err := h.svc.Members(r.Context(), MemberFilter{OrgID: org, Region: q.Get("region"), Category: Category(q.Get("category")), AfterID: cur.ID, Limit: limit + 1})
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, web.Paginate(ms, limit, func(m Member) web.Cursor { return web.Cursor{ID: m.ID} }))
}
