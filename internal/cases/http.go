package cases

import (
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"slices"
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
			{Key: "nav.report", Path: "/cases/new", Perm: PermReport, Order: 3, Group: web.GroupWork},
			{Key: "nav.self_handle", Path: "/cases/self-handle", Perm: PermSelfHandle, Order: 3, Group: web.GroupWork},
			{Key: "nav.cases", Path: "/cases", Perm: authz.Authenticated, Order: 4, Group: web.GroupWork},
			{Key: "nav.whistles", Path: "/whistles", Perm: PermView, Order: 5, Group: web.GroupWork},
			{Key: "nav.case_dashboard", Path: "/cases/dashboard", Perm: PermView, Order: 32, Group: web.GroupFigures},
			{Key: "nav.ranking", Path: "/cases/ranking", Perm: PermEvaluate, Order: 33, Group: web.GroupFigures},
			{Key: "nav.catalogue", Path: "/cases/catalogue", Perm: PermConfigure, Order: 90, Group: web.GroupAdmin},
			{Key: "nav.hotline", Path: "/cases/hotline", Perm: PermIntake, Order: 91, Group: web.GroupAdmin},
			{Key: "nav.unlocated", Path: "/cases/unlocated", Perm: PermManage, Order: 8, Group: web.GroupWork},
			{Key: "nav.department_roles", Path: "/cases/department-roles", Perm: PermRolesView, Order: 92, Group: web.GroupAdmin},
		},
		Routes: func(r *web.Router) {
			h := &handler{svc: svc, ui: r.UI()}
			h.routes(r)
			h.apiRoutes(r)
			(&open311{svc: svc, tokenActor: tokenActor, ui: r.UI()}).routes(r)
		},
		Widgets: svc.Widgets(),
		Start:   svc.Load,
		Watch:   []module.Watch{{Topic: TopicConfig, Reload: svc.Reload}},
		Jobs:    []module.Job{svc.sweepJob()},
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
	r.Page("POST /whistles/{id}/change", PermWhistle, h.handleWhistleChange)
	r.Page("GET /whistles", PermView, h.handleWhistles)
	r.Page("GET /cases/notices", PermView, h.handleNotices)
	r.Page("GET /cases/{id}/rate-link", PermManage, h.handleRateLinkShow)
	r.Page("GET /rate/{token}", authz.Public, h.handleRateLink)
	r.Page("POST /rate/{token}", authz.Public, h.handleRateLinkPost)
	h.reportRoutes(r)
	h.hotlineRoutes(r)
	h.roleRoutes(r)
	h.selfHandleRoutes(r)
}

func caseID(r *http.Request) (int64, error) { return web.ObjectID(r, "kind.case") }

func filterFrom(r *http.Request) Filter {
	q := r.URL.Query()
	after, _ := strconv.ParseInt(q.Get("after"), 10, 64)
	afterDue, _ := time.Parse(time.RFC3339Nano, q.Get("after_due"))
	return Filter{View: q.Get("view"), Status: Status(q.Get("status")), Category: q.Get("category"), Region: q.Get("region"),
		Channel: q.Get("channel"), Number: q.Get("number"), AfterID: after, AfterDue: afterDue,
		SelfHandled: q.Get("self_handled") == "1" || q.Get("self_handled") == "true", Month: q.Get("month"), Open: q.Get("open") == "1"}
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
	Total    Total
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
	total, err := h.svc.Total(r.Context(), f)
	if err != nil {
		return err
	}
	p := listPage{Page: h.ui.Page(r, "title.cases"), Cases: cs, Filter: f, Views: ViewsFor(a), Statuses: Statuses, Classes: cat.Classes(), Total: total,
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
	// Sent is the form sent back with its problems; CategoryText what
	// was typed into the category search.
	Sent         formState
	CategoryText string
	// HadPhotos: photos were chosen, which a browser does not keep.
	HadPhotos bool
	Errors    []string
}

// reportFields are the fields of the report form that show their own
// problems.
var reportFields = []string{"category", "description", "location", "lat", "lon", "address", "photos", "contact_name", "contact_phone", "note"}

func (h *handler) newPage(r *http.Request) (newPage, error) {
	cat, err := h.svc.Catalogue(r.Context(), 0)
	if err != nil {
		return newPage{}, err
	}
	return newPage{Page: h.ui.Page(r, "title.case_new"), Classes: cat.Classes(), Catalogue: cat}, nil
}

// CategoryChoice is one entry of the category search: how it reads, as
// the person picks it.
func (p newPage) CategoryChoice(c *Category) string { return categoryChoice(p.Catalogue, c, p.Lang) }

// Chosen reports whether code is the category the form holds.
func (p newPage) Chosen(code string) bool { return code != "" && code == p.Form.Category }

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
	// An empty file is a file input left empty. The photos are counted
	// and measured before any is read or decoded.
	files := slices.DeleteFunc(slices.Clone(r.MultipartForm.File["photos"]), func(fh *multipart.FileHeader) bool { return fh.Size == 0 })
	sizes := make([]int64, len(files))
	for i, fh := range files {
		sizes[i] = fh.Size
	}
	if err := checkPhotoSizes("photos", sizes); err != nil {
		return nil, err
	}
	var out []Photo
	var fe errs.Fields
	for _, fh := range files {
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
		if errs.CodeOf(err) == errs.Invalid {
			fe = append(fe, errs.As(err).Fields...)
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, fe.Err()
}

// reportForm reads the report form (also the self-handling form): the
// category chosen, or typed into the search and found by name.
func (h *handler) reportForm(r *http.Request) (ReportInput, string, error) {
	if err := r.ParseMultipartForm(16 << 20); err != nil && err != http.ErrNotMultipart {
		return ReportInput{}, "", errs.E(errs.Malformed, "err.malformed", err.Error())
	}
	in := ReportInput{Category: r.PostFormValue("category"), Description: r.PostFormValue("description"),
		Lon: parseFloat(r.PostFormValue("lon")), Lat: parseFloat(r.PostFormValue("lat")), Address: r.PostFormValue("address"),
		ContactName: r.PostFormValue("contact_name"), ContactPhone: r.PostFormValue("contact_phone"), Anonymous: r.PostFormValue("anonymous") == "1"}
	text := strings.TrimSpace(r.PostFormValue("category_text"))
	if in.Category == "" && text != "" {
		cat, err := h.svc.Catalogue(r.Context(), 0)
		if err != nil {
			return in, text, err
		}
		code, err := findCategory(cat, text, web.LangFrom(r.Context()))
		if err != nil {
			return in, text, err
		}
		in.Category = code
	}
	return in, text, nil
}

// withCategory merges the problem of the category found by its name
// (ambiguous, unknown) into err, in place of "not a sub-class".
func withCategory(err, catErr error) error {
	if catErr == nil {
		return err
	}
	e := errs.As(err)
	if errs.CodeOf(err) != errs.Invalid {
		return catErr
	}
	fields := slices.DeleteFunc(slices.Clone(e.Fields), func(f errs.FieldError) bool { return f.Field == "category" })
	fields = append(errs.As(catErr).Fields, fields...)
	return &errs.Error{Code: errs.Invalid, Key: "err.invalid", Fields: fields}
}

// requiredCategory says "choose a type" for an empty category, instead
// of "not a valid code".
func requiredCategory(in ReportInput, err error) error {
	if in.Category != "" || errs.CodeOf(err) != errs.Invalid {
		return err
	}
	return withCategory(err, errs.Field("category", "rule.category_choose", ""))
}

// reportFailed re-renders the report form with its problems next to its
// fields and everything typed kept.
func (h *handler) reportFailed(w http.ResponseWriter, r *http.Request, in ReportInput, text string, err error) error {
	p, perr := h.newPage(r)
	if perr != nil {
		return perr
	}
	p.Form, p.Lon, p.Lat, p.CategoryText = in, r.PostFormValue("lon"), r.PostFormValue("lat"), text
	// The form asks for the 问题类型 (category), its problems named so.
	err = labelled(err, "category", "field.case_category")
	p.Sent = failedForm(h.ui, p.Lang, "report", r, err, reportFields...)
	p.Errors = p.Sent.Other
	p.HadPhotos = r.MultipartForm != nil && len(r.MultipartForm.File["photos"]) > 0
	return h.ui.Render(w, r, http.StatusUnprocessableEntity, "case_new", "", p)
}

func (h *handler) handleCreate(w http.ResponseWriter, r *http.Request) error {
	in, text, catErr := h.reportForm(r)
	if errs.CodeOf(catErr) == errs.Malformed {
		return catErr
	}
	photos, err := h.photosFrom(r)
	var res Intake
	if err == nil {
		in.Photos = photos
		res, err = h.svc.Report(r.Context(), in)
		err = requiredCategory(in, withCategory(err, catErr))
	}
	if errs.CodeOf(err) == errs.Invalid {
		return h.reportFailed(w, r, in, text, err)
	}
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/cases/"+strconv.FormatInt(res.Case.ID, 10), "flash.case_reported")
}

type casePage struct {
	web.Page
	Case       *Case
	Category   *Category
	Events     []Event
	Whistles   []*Whistle
	Duplicates []*Case
	Merged     []*Case
	Actions    []string
	// Next are the actions the case waits for from the reader, first;
	// More the others, folded away.
	Next, More  []string
	Catalogue   *Catalogue
	Departments []territory.Department
	// Staffed tells the departments with an active account (nil: not
	// known), so that the whistle and dispatch forms warn of those
	// without one.
	Staffed map[int64]bool
	// SuggestDept is the department the dispatch form suggests (the
	// category's role, mapped to the city's departments).
	SuggestDept string
	// Properties are the property companies of the community's compounds,
	// offered as the dispatch form's names.
	Properties  []string
	Now         time.Time
	Phone       string
	CanWhistle  bool
	CanRate     bool
	CanCallBack bool
	// Public: the reader is the reporter (or the public): public entries
	// only, no staff names, no whistles.
	Public bool
	MyDept int64
	Errors []string
	// Sent is a form sent back with its problems.
	Sent formState
	// Done says what the reader's last change did, with names.
	Done    string
	Grounds []string
	Reasons []string
	Sats    []string
	// name names a division or grid code.
	name func(code string) string
}

func (h *handler) casePage(r *http.Request, id int64) (casePage, error) {
	ctx := r.Context()
	c, err := h.svc.Case(ctx, id)
	if err != nil {
		return casePage{}, err
	}
	a := authz.ActorFrom(ctx)
	p := casePage{Page: h.ui.Page(r, "title.case"), Case: c, Now: h.svc.db.Now(), Grounds: Grounds, Reasons: RejectReasons, Sats: Satisfactions,
		MyDept: a.Scope.Department, Public: readsPublic(a), name: func(code string) string { return h.svc.regionName(ctx, code) }}
	p.Title = p.T("title.case") + " " + c.Number
	if p.Events, err = events(ctx, h.svc.db, id); err != nil {
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
	if done, err := strconv.ParseInt(r.URL.Query().Get("done"), 10, 64); err == nil {
		p.Done = p.doneText(a, done)
	}
	_, err = RateVia(a, c)
	p.CanRate = err == nil
	if p.Public {
		// The reporter reads the public timeline only, and nothing of the
		// whistles, the departments' scores or other people's reports.
		p.Events = publicEvents(p.Events)
		c.forPublic()
		return p, nil
	}
	if p.Whistles, err = h.svc.whistlesOf(ctx, id); err != nil {
		return p, err
	}
	p.Events = ownEvents(a.Scope, p.Events, p.Whistles)
	if p.Merged, err = h.svc.MergedInto(ctx, id); err != nil {
		return p, err
	}
	p.Actions = Allowed(a, c)
	p.Next, p.More = Guide(a, c)
	p.CanWhistle = CanWhistle(a, c) == nil
	p.CanCallBack = c.Status == Closed && c.RatedAt == nil && !c.SelfHandled && CanCallBack(a, c)
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
		if a.Can(PermManage) && h.svc.deps.Registry != nil {
			if p.Properties, err = h.svc.deps.Registry.PropertyCompanies(ctx, a.Scope, communityOf(c.RegionCode)); err != nil {
				return p, err
			}
		}
		// Both the whistle form and the dispatch form warn of a
		// department without an active account.
		if h.svc.deps.DepartmentStaffed != nil && len(p.Departments) > 0 {
			if p.Staffed, err = h.svc.deps.DepartmentStaffed(ctx, p.Departments); err != nil {
				return p, err
			}
		}
	}
	return p, nil
}

// NoAccount reports whether the department has no active account (as
// far as is known): a whistle to it cannot be answered.
func (p casePage) NoAccount(id int64) bool { return p.Staffed != nil && !p.Staffed[id] }

// actionView is one action form of the case page.
type actionView struct {
	Page casePage
	Name string
	Open bool
}

// Action is the form of action name: open when it was sent back, or
// when it is the first thing the case waits for from the reader.
func (p casePage) Action(name string) actionView {
	open := p.Sent.Is(name)
	if p.Sent.Name == "" {
		open = len(p.Next) > 0 && p.Next[0] == name
	}
	return actionView{Page: p, Name: name, Open: open}
}

// MoreOpen reports whether the folded actions hold the form sent back.
func (p casePage) MoreOpen() bool { return p.Sent.Name != "" && slices.Contains(p.More, p.Sent.Name) }

// Suggested reports whether dept is the category's default department.
func (v actionView) Suggested(dept string) bool {
	return dept != "" && dept == v.Page.SuggestDept
}

// DeptChosen reports whether department id is the one the form holds:
// as sent back, or else the suggested one.
func (v actionView) DeptChosen(d territory.Department) bool {
	if v.Page.Sent.Is(v.Name) {
		return v.Page.Sent.Val(v.Name, "dept_id") == strconv.FormatInt(d.ID, 10)
	}
	return v.Suggested(d.Name)
}

// Who names who made a timeline entry: for staff the person and their
// role, for the reporter their side only (社区, 处置单位 …).
func (p casePage) Who(e Event) string {
	if p.Public || e.ActorRole == "system" {
		return p.T("who." + sideOf2(e.ActorRole))
	}
	return e.ActorName + " · " + p.T("role."+e.ActorRole)
}

// sideOf2 is the side of a stored role, or the side itself when the
// entry already names one (the public timeline).
func sideOf2(role string) string {
	if slices.Contains(Sides, role) {
		return role
	}
	return sideOf(role)
}

// DetailText is one fact of a timeline entry as people read it: stored
// values translated, divisions and categories by name.
func (p casePage) DetailText(d Detail) string {
	if d.ValueKey != "" {
		return p.T(d.ValueKey)
	}
	switch d.Key {
	case "unit":
		if digits(d.Value) {
			return p.name(d.Value)
		}
	case "category":
		// "0303→0101": the names of the two sub-classes.
		from, to, ok := strings.Cut(d.Value, "→")
		if ok && p.Catalogue != nil {
			return p.categoryName(from) + " → " + p.categoryName(to)
		}
	}
	return d.Value
}

func (p casePage) categoryName(code string) string {
	if cg, ok := p.Catalogue.Get(code); ok {
		return cg.Label(p.Lang)
	}
	return code
}

// UnitName is the handling unit of the case by name.
func (p casePage) UnitName() string {
	if p.Case.UnitLabel != "" {
		return p.Case.UnitLabel
	}
	return p.Case.UnitName
}

// doneText says, with names, what the reader's change that wrote timeline
// entry id did; "" when the entry is not the reader's.
func (p casePage) doneText(a *authz.Actor, id int64) string {
	i := slices.IndexFunc(p.Events, func(e Event) bool { return e.ID == id })
	if i < 0 || a == nil || p.Events[i].actorID != a.UserID || a.UserID == 0 {
		return ""
	}
	e := p.Events[i]
	d := map[string]string{}
	for _, x := range e.Details() {
		d[x.Key] = p.DetailText(x)
	}
	var raw map[string]any
	_ = json.Unmarshal([]byte(e.Detail), &raw)
	unit := func() string {
		if v := d["unit"]; v != "" {
			return v
		}
		return p.UnitName()
	}
	switch e.Action {
	case "dispatch", "reassign":
		return p.T("done."+e.Action, unit())
	case "reopen":
		return p.T("done.reopen", p.UnitName())
	case "reject":
		return p.T("done.reject", d["reason"])
	case "merge":
		return p.T("done.merge", d["merge_into"])
	case "register":
		if d["category"] != "" {
			return p.T("done.register_category", d["category"])
		}
	case "request_extension":
		return p.T("done.request_extension", d["days"])
	case "decide_extension":
		if raw["approve"] == true {
			return p.T("done.extension_approved", d["days"])
		}
		return p.T("done.extension_denied")
	case "verify":
		if raw["pass"] == false {
			return p.T("done.verify_fail", p.UnitName())
		}
	case "rate_reopen":
		return p.T("done.rate_reopen", p.UnitName())
	case "whistle":
		return p.T("done.whistle", d["department"])
	case "whistle_withdraw":
		return p.T("done.whistle_withdraw", d["department"])
	case "whistle_replace":
		return p.T("done.whistle_replace", d["department"], d["replaced_by"])
	}
	return p.T("done." + e.Action)
}

// UnstaffedText names the departments called on the case that have no
// active account, for the warning at the top of the page.
func (p casePage) UnstaffedText() string {
	var out []string
	for _, w := range p.Whistles {
		out = append(out, w.Unstaffed...)
	}
	return strings.Join(out, "、")
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

// Fields each form of the case page shows its problems beside.
var (
	actFields     = []string{"note", "reason", "merge_into", "merge_number", "category", "unit_kind", "dept_id", "unit_name", "days", "approve", "pass", "photos"}
	whistleFields = []string{"ground", "dept_ids", "respond_minutes", "note"}
	rateFields    = []string{"resolved", "satisfaction", "note"}
	changeFields  = []string{"action", "dept_id", "new_dept_id", "reason"}
)

// failOnPage re-renders the case page with form sent back: what was typed
// kept, the problems of err beside their fields; or returns err when it
// is not about the input or the case's state.
func (h *handler) failOnPage(w http.ResponseWriter, r *http.Request, id int64, err error, form string, fields ...string) error {
	code := errs.CodeOf(err)
	if code != errs.Invalid && code != errs.Conflict {
		return err
	}
	p, perr := h.casePage(r, id)
	if perr != nil {
		return perr
	}
	p.Sent = failedForm(h.ui, p.Lang, form, r, err, fields...)
	p.Errors = []string{p.T("form.see_below")}
	if !p.shows(form) {
		// The form is no longer on the page (the case moved on): the
		// problem is told at the top.
		e := errs.As(err)
		p.Errors = append([]string{h.ui.Message(p.Lang, e)}, h.ui.FieldMessages(p.Lang, err)...)
	}
	return h.ui.Render(w, r, web.Status(code), "case", "", p)
}

// shows reports whether the page holds form.
func (p casePage) shows(form string) bool {
	switch {
	case slices.Contains(p.Next, form), slices.Contains(p.More, form):
		return true
	case form == "whistle":
		return p.CanWhistle
	case form == "rate":
		return p.CanRate
	}
	for _, w := range p.Whistles {
		id := strconv.FormatInt(w.ID, 10)
		mine := slices.ContainsFunc(w.Parties, func(pt Party) bool { return pt.DeptID == p.MyDept && pt.Active() && pt.FeedbackAt == nil })
		rateable := slices.ContainsFunc(w.Parties, func(pt Party) bool {
			return form == "prate-"+id+"-"+strconv.FormatInt(pt.DeptID, 10) && pt.Active() && pt.FeedbackAt != nil && pt.RatedAt == nil && !w.Withdrawn()
		})
		if form == "wchange-"+id && p.CanWhistle && !w.Withdrawn() && w.ClosedAt == nil || form == "party-"+id && mine && !w.Withdrawn() || rateable && p.CanWhistle {
			return true
		}
	}
	return false
}

// done goes back to the case page, which then says what entry event did.
func done(w http.ResponseWriter, r *http.Request, caseID, event int64, flash string) error {
	to := "/cases/" + strconv.FormatInt(caseID, 10)
	if event != 0 {
		to += "?done=" + strconv.FormatInt(event, 10)
		flash = ""
	}
	return web.Redirect(w, r, to, flash)
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
	if typed := strings.TrimSpace(r.PostFormValue("merge_number")); err == nil && m.Action == "merge" && typed != "" {
		// A case number typed (20261201-00000033) wins over the list of
		// possible duplicates, which may not hold the case meant.
		n, ok := ParseNumber(typed)
		if !ok {
			err = errs.Field("merge_into", "rule.case_number", typed)
		}
		m.MergeInto = n
	}
	var c *Case
	if err == nil {
		m.Photos = photos
		c, err = h.svc.Act(r.Context(), id, m)
	}
	if err != nil {
		return h.failOnPage(w, r, id, err, m.Action, actFields...)
	}
	return done(w, r, id, c.lastEvent, "flash.case_moved")
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
	wl, err := h.svc.Blow(r.Context(), id, in)
	if err != nil {
		return h.failOnPage(w, r, id, err, "whistle", whistleFields...)
	}
	return done(w, r, id, wl.lastEvent, "flash.whistle_blown")
}

// handleWhistleChange withdraws a whistle or one of its calls, or calls
// another department instead.
func (h *handler) handleWhistleChange(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ObjectID(r, "kind.whistle")
	if err != nil {
		return err
	}
	in := WhistleChange{Action: r.PostFormValue("action"), DeptID: formInt(r, "dept_id"), NewDeptID: formInt(r, "new_dept_id"), Reason: r.PostFormValue("reason")}
	wl, err := h.svc.ChangeWhistle(r.Context(), id, in)
	if err != nil {
		caseID, ok := h.svc.whistleCase(r.Context(), id)
		if !ok {
			return err
		}
		return h.failOnPage(w, r, caseID, err, "wchange-"+strconv.FormatInt(id, 10), changeFields...)
	}
	return done(w, r, wl.CaseID, wl.lastEvent, "flash.whistle_saved")
}

func rateFrom(r *http.Request) RateInput {
	return RateInput{Resolved: r.PostFormValue("resolved") == "1", Satisfaction: r.PostFormValue("satisfaction"), Note: r.PostFormValue("note")}
}

// rateChosen refuses a rating form sent without an answer to 是否解决 or
// without a satisfaction: the form offers no default, so that one tap on
// 提交 never records "resolved, satisfied" nobody chose.
func rateChosen(r *http.Request) error {
	var fe errs.Fields
	if v := r.PostFormValue("resolved"); v != "1" && v != "0" {
		// Named as the form asks it: 问题解决了吗？
		fe = append(fe, errs.FieldError{Field: "resolved", Rule: "rule.required", Label: "rate.resolved"})
	}
	if r.PostFormValue("satisfaction") == "" {
		fe.Add("satisfaction", "rule.required", "")
	}
	return fe.Err()
}

func (h *handler) handleRate(w http.ResponseWriter, r *http.Request) error {
	id, err := caseID(r)
	if err != nil {
		return err
	}
	err = rateChosen(r)
	var c *Case
	if err == nil {
		c, err = h.svc.Rate(r.Context(), id, "", rateFrom(r))
	}
	if err != nil {
		return h.failOnPage(w, r, id, err, "rate", rateFields...)
	}
	return done(w, r, id, c.lastEvent, "flash.case_rated")
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

// whistleBack answers a department's step or a rating of whistle id: on
// to where the form came from (the case page, which then says what was
// done, or the whistle record); refused input comes back on the page it
// came from, what was typed kept.
func (h *handler) whistleBack(w http.ResponseWriter, r *http.Request, id int64, wl *Whistle, err error, form string, fields ...string) error {
	back := web.LocalPath(r.PostFormValue("back"), "")
	if err != nil {
		code := errs.CodeOf(err)
		if code != errs.Invalid && code != errs.Conflict {
			return err
		}
		if caseID, ok := h.svc.whistleCase(r.Context(), id); ok && (back == "" || back == "/cases/"+strconv.FormatInt(caseID, 10)) {
			return h.failOnPage(w, r, caseID, err, form, fields...)
		}
		return h.whistlesFailed(w, r, err)
	}
	if back == "" || back == "/cases/"+strconv.FormatInt(wl.CaseID, 10) {
		return done(w, r, wl.CaseID, wl.lastEvent, "flash.whistle_saved")
	}
	return web.Redirect(w, r, back, "flash.whistle_saved")
}

func (h *handler) handlePartyStep(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ObjectID(r, "kind.whistle")
	if err != nil {
		return err
	}
	wl, err := h.svc.PartyStep(r.Context(), id, PartyInput{Action: r.PostFormValue("action"), Note: r.PostFormValue("note")})
	return h.whistleBack(w, r, id, wl, err, "party-"+strconv.FormatInt(id, 10), "note")
}

func (h *handler) handlePartyRate(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ObjectID(r, "kind.whistle")
	if err != nil {
		return err
	}
	wl, err := h.svc.RateParty(r.Context(), id, PartyRating{DeptID: formInt(r, "dept_id"), Rating: int(formInt(r, "rating")), Note: r.PostFormValue("note")})
	return h.whistleBack(w, r, id, wl, err, "prate-"+strconv.FormatInt(id, 10)+"-"+r.PostFormValue("dept_id"), "rating", "note")
}

type whistlesPage struct {
	web.Page
	Whistles []*Whistle
	Open     bool
	// ToReport: the list holds the calls not yet reported (待报到).
	ToReport bool
	// Total is the number of whistles the list holds.
	Total  int64
	MyDept int64
	Now    time.Time
	Errors []string
}

// whistlesFailed shows the whistle record again with why a step was
// refused (it was taken already, or withdrawn).
func (h *handler) whistlesFailed(w http.ResponseWriter, r *http.Request, err error) error {
	ws, lerr := h.svc.DeptWhistles(r.Context(), WhistleFilter{Limit: 200})
	if lerr != nil {
		return lerr
	}
	p := whistlesPage{Page: h.ui.Page(r, "title.whistles"), Whistles: ws, Now: h.svc.db.Now()}
	p.MyDept = p.Actor.Scope.Department
	e := errs.As(err)
	p.Errors = append([]string{h.ui.Message(p.Lang, e)}, h.ui.FieldMessages(p.Lang, err)...)
	return h.ui.Render(w, r, web.Status(e.Code), "whistles", "", p)
}

func (h *handler) handleWhistles(w http.ResponseWriter, r *http.Request) error {
	f := WhistleFilter{Open: r.URL.Query().Get("open") == "1", ToReport: r.URL.Query().Get("to_report") == "1", Limit: 200}
	ws, err := h.svc.DeptWhistles(r.Context(), f)
	if err != nil {
		return err
	}
	total, err := h.svc.WhistleTotal(r.Context(), f)
	if err != nil {
		return err
	}
	p := whistlesPage{Page: h.ui.Page(r, "title.whistles"), Whistles: ws, Open: f.Open && !f.ToReport, ToReport: f.ToReport, Total: total, Now: h.svc.db.Now()}
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
	Token string
	Case  RateLinkCase
	Done  bool
	Rated bool // the case was rated already, by any path, or the link replaced
	Link  string
	Sats  []string
	// Sent is the rating form sent back with its problems.
	Sent   formState
	Errors []string
}

// noStore keeps the anonymous rating page out of every cache: its URL is
// the token, and the page names the case and whether it was rated.
func noStore(w http.ResponseWriter) { w.Header().Set("Cache-Control", "no-store") }

func (h *handler) handleRateLink(w http.ResponseWriter, r *http.Request) error {
	noStore(w)
	p := ratePage{Page: h.ui.Page(r, "title.rate"), Token: r.PathValue("token"), Sats: Satisfactions}
	var err error
	if p.Case, err = h.svc.RateLinkFacts(r.Context(), p.Token); err != nil {
		return err
	}
	p.Rated = p.Case.RatedAt != nil || p.Case.Replaced
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
	p.Case = rateLinkCase(c)
	return h.ui.Render(w, r, http.StatusOK, "rate", "", p)
}

func (h *handler) handleRateLinkPost(w http.ResponseWriter, r *http.Request) error {
	noStore(w)
	p := ratePage{Page: h.ui.Page(r, "title.rate"), Token: r.PathValue("token"), Sats: Satisfactions}
	var err error
	if p.Case, err = h.svc.RateLinkFacts(r.Context(), p.Token); err != nil {
		return err
	}
	if p.Case.Replaced {
		// A link a closing after rework replaced says so, and rates nothing.
		p.Rated = true
		return h.ui.Render(w, r, http.StatusConflict, "rate", "", p)
	}
	if err = rateChosen(r); err == nil {
		_, err = h.svc.Rate(r.Context(), 0, p.Token, rateFrom(r))
	}
	switch errs.CodeOf(err) {
	case errs.Invalid:
		p.Sent = failedForm(h.ui, p.Lang, "rate", r, err, rateFields...)
		p.Errors = p.Sent.Other
		return h.ui.Render(w, r, http.StatusUnprocessableEntity, "rate", "", p)
	case errs.Conflict:
		if p.Case, err = h.svc.RateLinkFacts(r.Context(), p.Token); err != nil {
			return err
		}
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
