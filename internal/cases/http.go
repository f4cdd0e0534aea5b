package cases

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/module"
	"grassroots/internal/platform/web"
	"grassroots/internal/territory"
)

// Manifest registers the cases module. tokenActor resolves Open311 API
// keys (the platform's API tokens).
func Manifest(svc *Service, tokenActor func(context.Context, string) (*authz.Actor, error)) module.Manifest {
	m := db.Migrations{Module: "cases", FS: module.Sub(migrationFiles, "migrations")}
	return module.Manifest{
		Name: "cases", Migrations: &m, Grants: append(Grants(), roleGrants()...),
		Templates: module.Sub(templateFiles, "templates"), Messages: module.Sub(messageFiles, "messages"),
		Menu: []web.MenuItem{
			{Key: "nav.report", Path: "/cases/new", Perm: PermReport, Order: 3},
			{Key: "nav.cases", Path: "/cases", Perm: authz.Authenticated, Order: 4},
			{Key: "nav.whistles", Path: "/whistles", Perm: PermView, Order: 5},
			{Key: "nav.case_dashboard", Path: "/cases/dashboard", Perm: PermView, Order: 6},
			{Key: "nav.ranking", Path: "/cases/ranking", Perm: PermEvaluate, Order: 7},
			{Key: "nav.catalogue", Path: "/cases/catalogue", Perm: PermConfigure, Order: 90},
			{Key: "nav.hotline", Path: "/cases/hotline", Perm: PermIntake, Order: 91},
			{Key: "nav.unlocated", Path: "/cases/unlocated", Perm: PermSupervise, Order: 8},
			{Key: "nav.department_roles", Path: "/cases/department-roles", Perm: PermRolesView, Order: 92},
		},
		Routes: func(r *web.Router) {
			h := &handler{svc: svc, ui: r.UI()}
			h.routes(r)
			h.apiRoutes(r)
			(&open311{svc: svc, tokenActor: tokenActor, ui: r.UI()}).routes(r)
		},
		Start: svc.Load,
		Watch: []module.Watch{{Topic: TopicConfig, Reload: svc.Reload}},
		Jobs:  []module.Job{svc.sweepJob()},
	}
}

type handler struct {
	svc   *Service
	ui    *web.UI
	stats func(ctx context.Context, region string) (Stats, error) // cached a minute
}

func (h *handler) routes(r *web.Router) {
	r.Page("GET /cases", authz.Authenticated, h.handleList)
	r.Page("GET /cases/new", PermReport, h.handleNew)
	r.PageUpload("POST /cases", PermReport, h.handleCreate)
	r.Page("GET /cases/{id}", authz.Authenticated, h.handleCase)
	r.PageUpload("POST /cases/{id}/act", authz.Authenticated, h.handleAct)
	r.Page("POST /cases/{id}/whistle", PermWhistle, h.handleWhistle)
	r.Page("POST /cases/{id}/rate", authz.Authenticated, h.handleRate)
	r.Page("POST /cases/{id}/contact", PermManage, h.handleContact)
	r.Page("GET /cases/{id}/photos/{photo}", authz.Authenticated, h.handlePhoto)
	r.Page("POST /whistles/{id}/step", PermHandle, h.handlePartyStep)
	r.Page("POST /whistles/{id}/rate", PermWhistle, h.handlePartyRate)
	r.Page("GET /whistles", PermView, h.handleWhistles)
	r.Page("GET /cases/notices", PermView, h.handleNotices)
	r.Page("GET /cases/{id}/rate-link", PermManage, h.handleRateLinkShow)
	r.Page("GET /rate/{token}", authz.Public, h.handleRateLink)
	r.Page("POST /rate/{token}", authz.Public, h.handleRateLinkPost)
	h.reportRoutes(r)
	h.hotlineRoutes(r)
	h.roleRoutes(r)
}

func caseID(r *http.Request) (int64, error) { return web.ObjectID(r, "kind.case") }

func filterFrom(r *http.Request) Filter {
	q := r.URL.Query()
	after, _ := strconv.ParseInt(q.Get("after"), 10, 64)
	afterDue, _ := time.Parse(time.RFC3339Nano, q.Get("after_due"))
	return Filter{View: q.Get("view"), Status: Status(q.Get("status")), Category: q.Get("category"), Region: q.Get("region"),
		Channel: q.Get("channel"), Number: q.Get("number"), AfterID: after, AfterDue: afterDue}
}

type listPage struct {
	web.Page
	Cases    []*Case
	Filter   Filter
	Views    []string
	Statuses []Status
	Classes  []*Category
	Now      time.Time
	More     int64
	MoreDue  string
	CanView  bool
}

func (h *handler) handleList(w http.ResponseWriter, r *http.Request) error {
	f := filterFrom(r)
	a := authz.ActorFrom(r.Context())
	if f.View == "" && !a.Can(PermView) {
		f.View = "mine"
	}
	f.Limit = 51
	cs, err := h.svc.Cases(r.Context(), f)
	if err != nil {
		return err
	}
	cat, err := h.svc.Catalogue(r.Context(), 0)
	if err != nil {
		return err
	}
	p := listPage{Page: h.ui.Page(r, "title.cases"), Cases: cs, Filter: f, Views: Views, Statuses: Statuses, Classes: cat.Classes(),
		Now: h.svc.db.Now(), CanView: a.Can(PermView)}
	if len(cs) == 51 {
		p.Cases = cs[:50]
		p.MoreDue, p.More = Cursor(f.View, cs[49])
	}
	return h.ui.Render(w, r, http.StatusOK, "cases", "case-rows", p)
}

type newPage struct {
	web.Page
	Form      ReportInput
	Lon, Lat  string
	Classes   []*Category
	Catalogue *Catalogue
	Errors    []string
}

func (h *handler) newPage(r *http.Request) (newPage, error) {
	cat, err := h.svc.Catalogue(r.Context(), 0)
	if err != nil {
		return newPage{}, err
	}
	return newPage{Page: h.ui.Page(r, "title.case_new"), Classes: cat.Classes(), Catalogue: cat}, nil
}

func (h *handler) handleNew(w http.ResponseWriter, r *http.Request) error {
	p, err := h.newPage(r)
	if err != nil {
		return err
	}
	return h.ui.Render(w, r, http.StatusOK, "case_new", "", p)
}

func parseFloat(s string) *float64 {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return nil
	}
	return &f
}

// photosFrom reads the uploaded images of a multipart form.
func (h *handler) photosFrom(r *http.Request) ([]Photo, error) {
	if r.MultipartForm == nil {
		return nil, nil
	}
	var out []Photo
	var fe errs.Fields
	for _, fh := range r.MultipartForm.File["photos"] {
		if fh.Size == 0 {
			continue
		}
		if fh.Size > MaxPhotoBytes {
			fe.Add("photos", "rule.photo_size", strconv.Itoa(MaxPhotoBytes>>20))
			continue
		}
		f, err := fh.Open()
		if err != nil {
			return nil, err
		}
		b := make([]byte, fh.Size)
		_, err = io.ReadFull(f, b)
		f.Close()
		if err != nil {
			return nil, err
		}
		p, err := h.svc.CheckPhoto(r.Context(), "photos", b)
		if err != nil {
			fe = append(fe, errs.As(err).Fields...)
			continue
		}
		out = append(out, p)
	}
	return out, fe.Err()
}

func (h *handler) handleCreate(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseMultipartForm(16 << 20); err != nil && err != http.ErrNotMultipart {
		return errs.E(errs.Malformed, "err.malformed", err.Error())
	}
	in := ReportInput{Category: r.PostFormValue("category"), Description: r.PostFormValue("description"),
		Lon: parseFloat(r.PostFormValue("lon")), Lat: parseFloat(r.PostFormValue("lat")), Address: r.PostFormValue("address"),
		ContactName: r.PostFormValue("contact_name"), ContactPhone: r.PostFormValue("contact_phone"), Anonymous: r.PostFormValue("anonymous") == "1"}
	photos, err := h.photosFrom(r)
	var res Intake
	if err == nil {
		in.Photos = photos
		res, err = h.svc.Report(r.Context(), in)
	}
	if errs.CodeOf(err) == errs.Invalid {
		p, perr := h.newPage(r)
		if perr != nil {
			return perr
		}
		p.Form, p.Lon, p.Lat = in, r.PostFormValue("lon"), r.PostFormValue("lat")
		p.Errors = h.ui.FieldMessages(p.Lang, err)
		return h.ui.Render(w, r, http.StatusUnprocessableEntity, "case_new", "", p)
	}
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/cases/"+strconv.FormatInt(res.Case.ID, 10), "flash.case_reported")
}

type casePage struct {
	web.Page
	Case        *Case
	Category    *Category
	Events      []Event
	Whistles    []*Whistle
	Duplicates  []*Case
	Merged      []*Case
	Actions     []string
	Catalogue   *Catalogue
	Departments []territory.Department
	// SuggestDept is the department the dispatch form suggests (the
	// category's role, mapped to the city's departments).
	SuggestDept string
	Now         time.Time
	Phone       string
	CanWhistle  bool
	CanRate     bool
	CanCallBack bool
	MyDept      int64
	Errors      []string
	Grounds     []string
	Reasons     []string
	Sats        []string
}

func (h *handler) casePage(r *http.Request, id int64) (casePage, error) {
	ctx := r.Context()
	c, err := h.svc.Case(ctx, id)
	if err != nil {
		return casePage{}, err
	}
	a := authz.ActorFrom(ctx)
	p := casePage{Page: h.ui.Page(r, "title.case"), Case: c, Now: h.svc.db.Now(), Grounds: Grounds, Reasons: RejectReasons, Sats: Satisfactions,
		MyDept: a.Scope.Department}
	p.Title = p.T("title.case") + " " + c.Number
	if p.Events, err = events(ctx, h.svc.db, id); err != nil {
		return p, err
	}
	if p.Whistles, err = h.svc.whistlesOf(ctx, id); err != nil {
		return p, err
	}
	cat, err := h.svc.Catalogue(ctx, c.CatalogueVersion)
	if err != nil {
		return p, err
	}
	p.Category, _ = cat.Get(c.Category)
	if p.Catalogue, err = h.svc.Catalogue(ctx, 0); err != nil {
		return p, err
	}
	if p.Merged, err = h.svc.MergedInto(ctx, id); err != nil {
		return p, err
	}
	p.Actions = Allowed(a, c)
	p.CanWhistle = CanWhistle(a, c) == nil
	p.CanCallBack = c.Status == Closed && c.RatedAt == nil && CanCallBack(a, c)
	_, err = RateVia(a, c)
	p.CanRate = err == nil
	if a.Can(PermManage) && (c.Status == Submitted || c.Status == Accepted || c.Status == Registered) {
		if p.Duplicates, err = h.svc.duplicates(ctx, accessOf(a), c, 5); err != nil {
			return p, err
		}
	}
	if a.Can(PermManage) || p.CanWhistle {
		p.Departments, err = h.svc.deps.Territory.DepartmentsServing(ctx, c.RegionCode, 0, 500)
		if err != nil {
			return p, err
		}
		if p.SuggestDept, err = h.svc.dispatchSuggestion(ctx, p.Category, p.Departments); err != nil {
			return p, err
		}
	}
	return p, nil
}

// actionView is one action form of the case page.
type actionView struct {
	Page casePage
	Name string
	Open bool
}

// Action is the form of action name; the first one is open.
func (p casePage) Action(name string) actionView {
	return actionView{Page: p, Name: name, Open: len(p.Actions) > 0 && p.Actions[0] == name}
}

// Suggested reports whether dept is the category's default department.
func (v actionView) Suggested(dept string) bool {
	return dept != "" && dept == v.Page.SuggestDept
}

func (h *handler) handleCase(w http.ResponseWriter, r *http.Request) error {
	id, err := caseID(r)
	if err != nil {
		return err
	}
	p, err := h.casePage(r, id)
	if err != nil {
		return err
	}
	return h.ui.Render(w, r, http.StatusOK, "case", "", p)
}

// failOnPage re-renders the case page with the field errors of err, or
// returns err when it is not about input.
func (h *handler) failOnPage(w http.ResponseWriter, r *http.Request, id int64, err error) error {
	code := errs.CodeOf(err)
	if code != errs.Invalid && code != errs.Conflict {
		return err
	}
	p, perr := h.casePage(r, id)
	if perr != nil {
		return perr
	}
	if code == errs.Invalid {
		p.Errors = h.ui.FieldMessages(p.Lang, err)
	} else {
		p.Errors = []string{h.ui.Message(p.Lang, errs.As(err))}
	}
	return h.ui.Render(w, r, web.Status(code), "case", "", p)
}

func formInt(r *http.Request, name string) int64 {
	n, _ := strconv.ParseInt(r.PostFormValue(name), 10, 64)
	return n
}

func formBool(r *http.Request, name string) *bool {
	switch r.PostFormValue(name) {
	case "1", "true":
		t := true
		return &t
	case "0", "false":
		f := false
		return &f
	}
	return nil
}

func (h *handler) handleAct(w http.ResponseWriter, r *http.Request) error {
	id, err := caseID(r)
	if err != nil {
		return err
	}
	if err := r.ParseMultipartForm(16 << 20); err != nil && err != http.ErrNotMultipart {
		return errs.E(errs.Malformed, "err.malformed", err.Error())
	}
	m := Move{Action: r.PostFormValue("action"), Version: int(formInt(r, "version")), Note: r.PostFormValue("note"),
		Reason: r.PostFormValue("reason"), MergeInto: formInt(r, "merge_into"), Category: r.PostFormValue("category"),
		UnitKind: r.PostFormValue("unit_kind"), DeptID: formInt(r, "dept_id"), UnitName: r.PostFormValue("unit_name"),
		Days: int(formInt(r, "days")), Approve: formBool(r, "approve"), Pass: formBool(r, "pass")}
	photos, err := h.photosFrom(r)
	if err == nil {
		m.Photos = photos
		_, err = h.svc.Act(r.Context(), id, m)
	}
	if err != nil {
		return h.failOnPage(w, r, id, err)
	}
	return web.Redirect(w, r, "/cases/"+strconv.FormatInt(id, 10), "flash.case_moved")
}

func (h *handler) handleWhistle(w http.ResponseWriter, r *http.Request) error {
	id, err := caseID(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return errs.E(errs.Malformed, "err.malformed", err.Error())
	}
	in := WhistleInput{Ground: r.PostFormValue("ground"), Note: r.PostFormValue("note"), RespondMinutes: int(formInt(r, "respond_minutes"))}
	for _, v := range r.PostForm["dept_ids"] {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			in.DeptIDs = append(in.DeptIDs, n)
		}
	}
	if _, err := h.svc.Blow(r.Context(), id, in); err != nil {
		return h.failOnPage(w, r, id, err)
	}
	return web.Redirect(w, r, "/cases/"+strconv.FormatInt(id, 10), "flash.whistle_blown")
}

func rateFrom(r *http.Request) RateInput {
	return RateInput{Resolved: r.PostFormValue("resolved") == "1", Satisfaction: r.PostFormValue("satisfaction"), Note: r.PostFormValue("note")}
}

func (h *handler) handleRate(w http.ResponseWriter, r *http.Request) error {
	id, err := caseID(r)
	if err != nil {
		return err
	}
	if _, err := h.svc.Rate(r.Context(), id, "", rateFrom(r)); err != nil {
		return h.failOnPage(w, r, id, err)
	}
	return web.Redirect(w, r, "/cases/"+strconv.FormatInt(id, 10), "flash.case_rated")
}

func (h *handler) handleContact(w http.ResponseWriter, r *http.Request) error {
	id, err := caseID(r)
	if err != nil {
		return err
	}
	phone, err := h.svc.Contact(r.Context(), id)
	if err != nil {
		return err
	}
	p, err := h.casePage(r, id)
	if err != nil {
		return err
	}
	p.Phone = phone
	if p.Phone == "" {
		p.Phone = "—"
	}
	w.Header().Set("Cache-Control", "no-store")
	return h.ui.Render(w, r, http.StatusOK, "case", "contact", p)
}

func (h *handler) handlePhoto(w http.ResponseWriter, r *http.Request) error {
	id, err := caseID(r)
	if err != nil {
		return err
	}
	pid, err := web.PathID(r, "photo")
	if err != nil {
		return err
	}
	p, err := h.svc.Photo(r.Context(), id, pid)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", p.ContentType)
	// A photo may show people and homes: like other personal data, kept by
	// no cache.
	w.Header().Set("Cache-Control", "no-store")
	_, err = w.Write(p.Data)
	return err
}

func (h *handler) whistleBack(w http.ResponseWriter, r *http.Request, wl *Whistle, err error) error {
	if err != nil {
		return err
	}
	to := web.LocalPath(r.PostFormValue("back"), "/cases/"+strconv.FormatInt(wl.CaseID, 10))
	return web.Redirect(w, r, to, "flash.whistle_saved")
}

func (h *handler) handlePartyStep(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ObjectID(r, "kind.whistle")
	if err != nil {
		return err
	}
	wl, err := h.svc.PartyStep(r.Context(), id, PartyInput{Action: r.PostFormValue("action"), Note: r.PostFormValue("note")})
	return h.whistleBack(w, r, wl, err)
}

func (h *handler) handlePartyRate(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ObjectID(r, "kind.whistle")
	if err != nil {
		return err
	}
	wl, err := h.svc.RateParty(r.Context(), id, PartyRating{DeptID: formInt(r, "dept_id"), Rating: int(formInt(r, "rating")), Note: r.PostFormValue("note")})
	return h.whistleBack(w, r, wl, err)
}

type whistlesPage struct {
	web.Page
	Whistles []*Whistle
	Open     bool
	MyDept   int64
	Now      time.Time
}

func (h *handler) handleWhistles(w http.ResponseWriter, r *http.Request) error {
	open := r.URL.Query().Get("open") == "1"
	ws, err := h.svc.DeptWhistles(r.Context(), WhistleFilter{Open: open, Limit: 200})
	if err != nil {
		return err
	}
	p := whistlesPage{Page: h.ui.Page(r, "title.whistles"), Whistles: ws, Open: open, Now: h.svc.db.Now()}
	p.MyDept = p.Actor.Scope.Department
	return h.ui.Render(w, r, http.StatusOK, "whistles", "", p)
}

type noticesPage struct {
	web.Page
	Notices []Notice
}

func (h *handler) handleNotices(w http.ResponseWriter, r *http.Request) error {
	ns, err := h.svc.Notices(r.Context(), 200)
	if err != nil {
		return err
	}
	return h.ui.Render(w, r, http.StatusOK, "notices", "", noticesPage{Page: h.ui.Page(r, "title.notices"), Notices: ns})
}

type ratePage struct {
	web.Page
	Token  string
	Case   RateLinkCase
	Done   bool
	Rated  bool // the case was rated already, by any path
	Link   string
	Sats   []string
	Errors []string
}

func (h *handler) handleRateLink(w http.ResponseWriter, r *http.Request) error {
	p := ratePage{Page: h.ui.Page(r, "title.rate"), Token: r.PathValue("token"), Sats: Satisfactions}
	var err error
	if p.Case, err = h.svc.RateLinkFacts(r.Context(), p.Token); err != nil {
		return err
	}
	p.Rated = p.Case.RatedAt != nil
	return h.ui.Render(w, r, http.StatusOK, "rate", "", p)
}

// handleRateLinkShow shows the rating link to the staff making the
// call-back.
func (h *handler) handleRateLinkShow(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ObjectID(r, "kind.case")
	if err != nil {
		return err
	}
	p := ratePage{Page: h.ui.Page(r, "title.rate_link")}
	var c *Case
	if p.Link, c, err = h.svc.RateLink(r.Context(), id); err != nil {
		return err
	}
	p.Case = RateLinkCase{Number: c.Number, CategoryName: c.CategoryName}
	if c.ClosedAt != nil {
		p.Case.ClosedAt = *c.ClosedAt
	}
	return h.ui.Render(w, r, http.StatusOK, "rate", "", p)
}

func (h *handler) handleRateLinkPost(w http.ResponseWriter, r *http.Request) error {
	p := ratePage{Page: h.ui.Page(r, "title.rate"), Token: r.PathValue("token"), Sats: Satisfactions}
	var err error
	if p.Case, err = h.svc.RateLinkFacts(r.Context(), p.Token); err != nil {
		return err
	}
	_, err = h.svc.Rate(r.Context(), 0, p.Token, rateFrom(r))
	switch errs.CodeOf(err) {
	case errs.Invalid:
		p.Errors = h.ui.FieldMessages(p.Lang, err)
		return h.ui.Render(w, r, http.StatusUnprocessableEntity, "rate", "", p)
	case errs.Conflict:
		p.Rated = true
		return h.ui.Render(w, r, http.StatusConflict, "rate", "", p)
	case errs.NotFound:
		return errs.NotFoundf("kind.rate_link")
	}
	if err != nil {
		return err
	}
	p.Done = true
	return h.ui.Render(w, r, http.StatusOK, "rate", "", p)
}
