package party

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/web"
	"grassroots/internal/territory"
)

// The correction pages of organisations and members: one form per record,
// on a page of its own. A refused change shows the form again with what
// was typed and every broken rule (422); a stale one shows the record as
// it now is, with the reason nothing was saved (409).

func (h *handler) editRoutes(r *web.Router) {
	r.Page("GET /party/orgs/{id}/edit", PermManage, h.handleOrgEdit)
	r.Page("POST /party/orgs/{id}/edit", PermManage, h.handleOrgSave)
	r.Page("GET /party/members/{id}/edit", PermManage, h.handleMemberEdit)
	r.Page("POST /party/members/{id}/edit", PermManage, h.handleMemberSave)
	r.API("PUT /api/v1/party/orgs/{id}", PermManage, web.OpDoc{Summary: "Correct a Party organisation: every field, checked as on entry; a new parent moves its subtree (send its version)",
		Tag: "party", Body: OrgEdit{}, Response: Org{}}, web.Apply("kind.party_org", http.StatusOK, h.svc.UpdateOrg))
	r.API("GET /api/v1/party/members/{id}", PermView, web.OpDoc{Summary: "One Party member", Tag: "party", Response: Member{}},
		web.Get("kind.party_member", h.svc.Member))
	r.API("PUT /api/v1/party/members/{id}", PermManage, web.OpDoc{Summary: "Correct a Party member: every field, checked as on entry (send its version)",
		Tag: "party", Body: MemberEdit{}, Response: Member{}}, web.Apply("kind.party_member", http.StatusOK, h.svc.UpdateMember))
}

// regionChoice is a division a record may be placed in, shown by its
// name.
type regionChoice struct {
	Code     string
	Name     string
	Level    territory.Level
	Selected bool
}

// parentCode is the code of the division above code (codes of 2, 4, 6, 9,
// 12 and 15 characters).
func parentCode(code string) string {
	for _, n := range []int{12, 9, 6, 4, 2} {
		if len(code) > n {
			return code[:n]
		}
	}
	return ""
}

// regionChoices are the divisions around current in the actor's scope:
// those above it, those beside it and those below it, current selected.
func (h *handler) regionChoices(ctx context.Context, current string) ([]regionChoice, error) {
	var out []regionChoice
	seen := map[string]bool{}
	add := func(rs []territory.Region) {
		for _, r := range rs {
			if !seen[r.Code] {
				seen[r.Code] = true
				out = append(out, regionChoice{Code: r.Code, Name: r.Name, Level: r.Level, Selected: r.Code == current})
			}
		}
	}
	crumbs, err := h.svc.terr.Breadcrumb(ctx, current)
	if err != nil && errs.CodeOf(err) != errs.NotFound {
		return nil, err
	}
	add(crumbs)
	for _, parent := range []string{parentCode(current), current} {
		if parent == "" {
			continue
		}
		rs, err := h.svc.terr.Regions(ctx, territory.RegionFilter{Parent: parent, Limit: 500})
		if err != nil {
			return nil, err
		}
		add(rs)
	}
	return out, nil
}

type orgEditPage struct {
	web.Page
	Org     Org
	Form    OrgEdit
	Errors  []string
	Kinds   []Kind
	Parents []Org
	Regions []regionChoice
}

func (h *handler) orgEditPage(r *http.Request, id int64) (orgEditPage, error) {
	ctx := r.Context()
	o, err := h.svc.Org(ctx, id)
	if err != nil {
		return orgEditPage{}, err
	}
	pg := orgEditPage{Page: h.ui.Page(r, "title.party_org_edit"), Org: o, Kinds: Kinds,
		Form: OrgEdit{Version: o.Version, OrgInput: OrgInput{ParentID: o.ParentID, Name: o.Name, Kind: o.Kind, RegionCode: o.RegionCode,
			BuildingID: o.BuildingID, UnitName: o.UnitName, Secretary: o.Secretary}}}
	pg.Title = pg.T("title.party_org_edit") + " · " + o.Name
	orgs, err := h.svc.Orgs(ctx, OrgFilter{Limit: 2000})
	if err != nil {
		return pg, err
	}
	for _, p := range orgs {
		if p.ID != id && kindRank(p.Kind) < kindRank(Group) {
			pg.Parents = append(pg.Parents, p)
		}
	}
	if pg.Regions, err = h.regionChoices(ctx, o.RegionCode); err != nil {
		return pg, err
	}
	return pg, nil
}

func (h *handler) handleOrgEdit(w http.ResponseWriter, r *http.Request) error {
	id, err := orgID(r)
	if err != nil {
		return err
	}
	pg, err := h.orgEditPage(r, id)
	if err != nil {
		return err
	}
	return h.ui.Render(w, r, http.StatusOK, "party_org_edit", "", pg)
}

// asPerson names the fields of a refused member as their forms label
// them: a person's name is 姓名 (field.member_name), not a thing's 名称.
func asPerson(err error) error {
	if errs.CodeOf(err) != errs.Invalid {
		return err
	}
	e := *errs.As(err)
	e.Fields = slices.Clone(e.Fields)
	for i := range e.Fields {
		if e.Fields[i].Field == "name" {
			e.Fields[i].Field = "member_name"
		}
	}
	return &e
}

// refused answers a refused change: the form again with what was typed
// (invalid, 422) or with the record as it now is (stale, 409); other
// errors go to the error page.
func (h *handler) refused(r *http.Request, err error, typed func(msgs []string) error, fresh func(msg string) error) error {
	switch errs.CodeOf(err) {
	case errs.Invalid:
		return typed(h.ui.FieldMessages(web.LangFrom(r.Context()), err))
	case errs.Conflict:
		return fresh(h.ui.Message(web.LangFrom(r.Context()), errs.As(err)))
	}
	return err
}

func (h *handler) handleOrgSave(w http.ResponseWriter, r *http.Request) error {
	id, err := orgID(r)
	if err != nil {
		return err
	}
	in := OrgEdit{OrgInput: formOrg(r)}
	in.Version, _ = strconv.Atoi(r.PostFormValue("version"))
	_, err = h.svc.UpdateOrg(r.Context(), id, in)
	if err == nil {
		return web.Redirect(w, r, "/party/orgs/"+strconv.FormatInt(id, 10), "flash.saved")
	}
	return h.refused(r, err, func(msgs []string) error {
		pg, perr := h.orgEditPage(r, id)
		if perr != nil {
			return perr
		}
		pg.Form, pg.Errors = in, msgs
		if pg.Regions, perr = h.regionChoices(r.Context(), in.RegionCode); perr != nil {
			return perr
		}
		return h.ui.Render(w, r, http.StatusUnprocessableEntity, "party_org_edit", "", pg)
	}, func(msg string) error {
		pg, perr := h.orgEditPage(r, id)
		if perr != nil {
			return perr
		}
		pg.Errors = []string{msg}
		return h.ui.Render(w, r, http.StatusConflict, "party_org_edit", "", pg)
	})
}

type memberEditPage struct {
	web.Page
	Member     Member
	Form       MemberEdit
	Errors     []string
	Orgs       []Org
	Categories []Category
	Statuses   []string
	Regions    []regionChoice
}

func (h *handler) memberEditPage(r *http.Request, id int64) (memberEditPage, error) {
	ctx := r.Context()
	m, err := h.svc.Member(ctx, id)
	if err != nil {
		return memberEditPage{}, err
	}
	pg := memberEditPage{Page: h.ui.Page(r, "title.party_member_edit"), Member: m, Categories: Categories, Statuses: Statuses,
		Form: MemberEdit{Version: m.Version, MemberInput: MemberInput{OrgID: m.OrgID, RegionCode: m.RegionCode, PersonID: m.PersonID, Name: m.Name,
			Category: m.Category, Status: m.Status, Workplace: m.Workplace, ModelHousehold: m.ModelHousehold, JoinedOn: m.JoinedOn}}}
	pg.Title = pg.T("title.party_member_edit") + " · " + m.Name
	if pg.Orgs, err = h.svc.Orgs(ctx, OrgFilter{Limit: 2000}); err != nil {
		return pg, err
	}
	if pg.Regions, err = h.regionChoices(ctx, m.RegionCode); err != nil {
		return pg, err
	}
	return pg, nil
}

func (h *handler) handleMemberEdit(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ObjectID(r, "kind.party_member")
	if err != nil {
		return err
	}
	pg, err := h.memberEditPage(r, id)
	if err != nil {
		return err
	}
	return h.ui.Render(w, r, http.StatusOK, "party_member_edit", "", pg)
}

func (h *handler) handleMemberSave(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ObjectID(r, "kind.party_member")
	if err != nil {
		return err
	}
	ctx := r.Context()
	m, err := h.svc.Member(ctx, id)
	if err != nil {
		return err
	}
	in := MemberEdit{MemberInput: MemberInput{Name: r.PostFormValue("name"), Category: Category(r.PostFormValue("category")),
		Status: r.PostFormValue("status"), Workplace: r.PostFormValue("workplace"), ModelHousehold: r.PostFormValue("model_household") == "on",
		RegionCode: strings.TrimSpace(r.PostFormValue("region_code")), JoinedOn: strings.TrimSpace(r.PostFormValue("joined_on")),
		PersonID: m.PersonID}}
	in.OrgID, _ = strconv.ParseInt(r.PostFormValue("org_id"), 10, 64)
	in.Version, _ = strconv.Atoi(r.PostFormValue("version"))
	_, err = h.svc.UpdateMember(ctx, id, in)
	if err == nil {
		return web.Redirect(w, r, "/party/orgs/"+strconv.FormatInt(in.OrgID, 10), "flash.saved")
	}
	return h.refused(r, asPerson(err), func(msgs []string) error {
		pg, perr := h.memberEditPage(r, id)
		if perr != nil {
			return perr
		}
		pg.Form, pg.Errors = in, msgs
		if pg.Regions, perr = h.regionChoices(ctx, in.RegionCode); perr != nil {
			return perr
		}
		return h.ui.Render(w, r, http.StatusUnprocessableEntity, "party_member_edit", "", pg)
	}, func(msg string) error {
		pg, perr := h.memberEditPage(r, id)
		if perr != nil {
			return perr
		}
		pg.Errors = []string{msg}
		return h.ui.Render(w, r, http.StatusConflict, "party_member_edit", "", pg)
	})
}
