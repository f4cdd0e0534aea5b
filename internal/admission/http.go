package admission

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/pdf"
	"grassroots/internal/platform/web"
	"grassroots/internal/territory"
)

type handler struct {
	svc *Service
	ui  *web.UI
	pdf *pdf.Maker
}

func (h *handler) routes(r *web.Router) {
	r.Page("GET /lists", authz.Public, h.handlePublicLists)
	r.Page("GET /verify", authz.Public, h.handleVerify)
	r.Page("GET /admission/lists", PermEdit, h.handleVersions)
	r.Page("GET /admission/lists/{id}", PermEdit, h.handleVersion)
	r.Page("POST /admission/lists", PermEdit, h.handleSaveDraft)
	r.Page("POST /admission/lists/{id}/publish", PermEdit, h.handlePublish)
	r.Page("GET /admission/requests", PermView, h.handleRequests)
	r.Page("GET /admission/requests/new", PermRequest, h.handleRequestNew)
	r.PageUpload("POST /admission/requests", PermRequest, h.handleRequestFile)
	r.Page("GET /admission/requests/{id}", PermView, h.handleRequest)
	r.Page("POST /admission/requests/{id}/decision", PermDecide, h.handleDecision)
	r.Page("GET /admission/queue", PermDecide, h.handleQueue)
	r.Page("GET /admission/inbox", PermView, h.handleInbox)
	r.Page("GET /admission/tasks/{id}", PermView, h.handleTask)
	r.PageUpload("POST /admission/tasks/{id}/act", PermInbox, h.handleTaskAct)
	r.Page("POST /admission/tasks/{id}/review", PermDecide, h.handleTaskReview)
	r.Page("POST /admission/burdens", PermInbox, h.handleBurdenRegister)
	r.Page("POST /admission/burdens/{id}/remove", PermInbox, h.handleBurdenRemove)
	r.Page("GET /admission/certificates", PermInbox, h.handleCertificates)
	r.Page("POST /admission/certificates", PermInbox, h.handleIssue)
	r.Page("GET /admission/certificates/{id}", PermInbox, h.handleCertificate)
	r.Page("GET /admission/certificates/{id}/pdf", PermInbox, h.handleCertificatePDF)
	r.Page("POST /admission/certificates/{id}/revoke", PermInbox, h.handleRevoke)
	r.Page("GET /admission/burden", PermView, h.handleBurden)
	r.Page("GET /admission/burden.xlsx", PermView, h.handleBurdenXLSX)
	h.fileRoutes(r)
	h.registerEditor(r)
	h.settingsRoutes(r)
}

// sent is a form sent back with its problems: each field's messages, and
// those of no field of the form.
type sent struct {
	Errs  map[string][]string
	Other []string
}

// Err are the messages of field.
func (s sent) Err(field string) []string { return s.Errs[field] }

// failed sorts an error's messages by the form's fields.
func (h *handler) failed(lang string, err error, fields ...string) sent {
	s := sent{Errs: map[string][]string{}}
	e := errs.As(err)
	if len(e.Fields) == 0 {
		s.Other = append(s.Other, h.ui.Message(lang, e))
		return s
	}
	for _, f := range e.Fields {
		msg := h.ui.FieldMessage(lang, f)
		known := false
		for _, name := range fields {
			if f.Field == name || strings.HasPrefix(f.Field, name+"[") {
				s.Errs[name] = append(s.Errs[name], msg)
				known = true
				break
			}
		}
		if !known {
			s.Other = append(s.Other, msg)
		}
	}
	return s
}

// labels are the names of the stored values a page shows, in its language.
type labels struct{ web.Page }

// Label is the name of value v of kind (section, carrier, kind, …).
func (p labels) Label(kind, v string) string {
	if v == "" {
		return ""
	}
	return p.T("adm." + kind + "." + v)
}

// Due is a deadline as the page shows it, in China Standard Time.
func (p labels) Due(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.In(cstLoc).Format("2006-01-02 15:04")
}

var cstLoc = time.FixedZone("CST", 8*3600)

// ---- lists ----

type listsPage struct {
	labels
	Lists    []List
	Sections []string
	Region   string
	CanEdit  bool
}

// BySection are the items of l in section s.
func (p listsPage) BySection(l List, s string) []Item {
	var out []Item
	for _, it := range l.Items {
		if it.Section == s {
			out = append(out, it)
		}
	}
	return out
}

func (h *handler) handlePublicLists(w http.ResponseWriter, r *http.Request) error {
	region := strings.TrimSpace(r.URL.Query().Get("region"))
	if region != "" && (!digits(region) || len(region) > 12) {
		return errs.NotFoundf("kind.region")
	}
	ls, err := h.svc.InForce(r.Context(), region, "")
	if err != nil {
		return err
	}
	p := listsPage{labels: labels{h.ui.Page(r, "title.adm_lists")}, Lists: ls, Sections: Sections, Region: region}
	p.CanEdit = p.Actor != nil && p.Actor.Can(PermEdit)
	return h.ui.Render(w, r, http.StatusOK, "admission_lists", "", p)
}

type versionsPage struct {
	labels
	Owner    string
	Owners   []territory.Region
	Versions []List
	Draft    *List
	// Above is the list in force above a district's own: the city's.
	Above *List
	// States are the published versions' standing by id: in_force,
	// scheduled or superseded.
	States map[int64]string
	// ListTitle is the draft's title in its form (Title is the page's).
	ListTitle string
	From      string
	Note      string
	Sent      sent
}

// ownerOf is the list the editor edits: a district's staff their
// district's, the city administrator the city's (or a district's, asked).
func (h *handler) ownerOf(r *http.Request, asked string) (string, error) {
	ctx := r.Context()
	sc := authz.ScopeFrom(ctx)
	if asked != "" {
		if !sc.Contains(asked) {
			return "", errs.NotFoundf("kind.region")
		}
		return asked, nil
	}
	if !sc.All && sc.Region != "" {
		return sc.Region, nil
	}
	return h.svc.Root(ctx)
}

func (h *handler) versionsPage(r *http.Request, owner string) (versionsPage, error) {
	ctx := r.Context()
	p := versionsPage{labels: labels{h.ui.Page(r, "title.adm_versions")}, Owner: owner}
	vs, err := h.svc.Versions(ctx, authz.ScopeFrom(ctx), owner, true)
	if err != nil {
		return p, err
	}
	p.Versions = vs
	if len(owner) > territory.CityCodeLen(owner) {
		ls, err := h.svc.InForce(ctx, owner, "")
		if err != nil {
			return p, err
		}
		for i := range ls {
			if ls[i].OwnerCode != owner {
				p.Above = &ls[i]
			}
		}
	}
	p.States = map[int64]string{}
	today, current := h.svc.today(), false
	for _, v := range vs { // newest first
		switch {
		case v.PublishedAt == nil:
		case v.EffectiveFrom > today:
			p.States[v.ID] = "scheduled"
		case !current:
			p.States[v.ID], current = "in_force", true
		default:
			p.States[v.ID] = "superseded"
		}
	}
	for i := range vs {
		if vs[i].PublishedAt == nil {
			d, err := h.svc.Version(ctx, authz.ScopeFrom(ctx), vs[i].ID, true)
			if err != nil {
				return p, err
			}
			p.Draft = &d
		}
	}
	// The form starts from the draft, else from what the next draft starts
	// from: the newest version, else the starter list (the city's first).
	in, err := h.draftInput(ctx, p.Draft, vs)
	if err != nil {
		return p, err
	}
	p.ListTitle, p.Note, p.From = in.Title, in.Note, in.EffectiveFrom
	if p.From == "" {
		p.From = h.svc.today()
	}
	return p, nil
}

func (h *handler) handleVersions(w http.ResponseWriter, r *http.Request) error {
	owner, err := h.ownerOf(r, strings.TrimSpace(r.URL.Query().Get("owner")))
	if err != nil {
		return err
	}
	p, err := h.versionsPage(r, owner)
	if err != nil {
		return err
	}
	return h.ui.Render(w, r, http.StatusOK, "admission_versions", "", p)
}

func (h *handler) handleVersion(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ObjectID(r, "kind.adm_list")
	if err != nil {
		return err
	}
	l, err := h.svc.Version(r.Context(), authz.ScopeFrom(r.Context()), id, true)
	if err != nil {
		return err
	}
	p := listsPage{labels: labels{h.ui.Page(r, "title.adm_version")}, Lists: []List{l}, Sections: Sections, CanEdit: true}
	return h.ui.Render(w, r, http.StatusOK, "admission_lists", "", p)
}

func (h *handler) handleSaveDraft(w http.ResponseWriter, r *http.Request) error {
	owner, err := h.ownerOf(r, strings.TrimSpace(r.PostFormValue("owner")))
	if err != nil {
		return err
	}
	p, err := h.versionsPage(r, owner)
	if err != nil {
		return err
	}
	// The items stay the draft's (edited one by one), or are those the
	// next draft starts from.
	base, err := h.draftInput(r.Context(), p.Draft, p.Versions)
	if err != nil {
		return err
	}
	in := ListInput{OwnerCode: owner, Title: r.PostFormValue("title"), EffectiveFrom: r.PostFormValue("effective_from"), Note: r.PostFormValue("note"),
		Items: base.Items}
	_, err = h.svc.SaveDraft(r.Context(), authz.ScopeFrom(r.Context()), in)
	if errs.CodeOf(err) == errs.Invalid {
		p.ListTitle, p.From, p.Note = in.Title, in.EffectiveFrom, in.Note
		p.Sent = h.failed(p.Lang, err, "title", "effective_from", "note", "owner_code")
		return h.ui.Render(w, r, http.StatusUnprocessableEntity, "admission_versions", "", p)
	}
	if err != nil {
		return err
	}
	flash := "flash.adm_draft_saved"
	if p.Draft == nil {
		flash = "flash.adm_draft_started"
	}
	return web.Redirect(w, r, "/admission/lists?owner="+owner, flash)
}

func (h *handler) handlePublish(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ObjectID(r, "kind.adm_list")
	if err != nil {
		return err
	}
	l, err := h.svc.Publish(r.Context(), authz.ScopeFrom(r.Context()), id)
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/admission/lists?owner="+l.OwnerCode, "flash.adm_published")
}

// ---- requests ----

type requestsPage struct {
	labels
	Requests   web.List[Request]
	Status     string
	Queue      bool
	Next       string
	CanRequest bool
	Now        time.Time
	// Left are the working days left to decide each pending request.
	Left map[int64]int
}

func (h *handler) requestsPage(w http.ResponseWriter, r *http.Request, queue bool) error {
	cur, limit, err := web.PageParams(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	title := "title.adm_requests"
	if queue {
		title = "title.adm_queue"
	}
	p := requestsPage{labels: labels{h.ui.Page(r, title)}, Status: r.URL.Query().Get("status"), Queue: queue, Now: h.svc.db.Now()}
	p.CanRequest = p.Actor.Can(PermRequest)
	if p.Requests, err = h.svc.Requests(ctx, authz.ScopeFrom(ctx), RequestFilter{Status: p.Status, Queue: queue, AfterID: cur.ID, Limit: limit}); err != nil {
		return err
	}
	p.Left = map[int64]int{}
	for _, x := range p.Requests.Items {
		if x.Status == Pending && x.DecideBy != nil {
			p.Left[x.ID] = h.svc.WorkdaysLeft(*x.DecideBy)
		}
	}
	if p.Requests.NextCursor != "" {
		path := "/admission/requests?status=" + p.Status + "&"
		if queue {
			path = "/admission/queue?"
		}
		p.Next = path + "cursor=" + p.Requests.NextCursor
	}
	return h.ui.Render(w, r, http.StatusOK, "admission_requests", "", p)
}

func (h *handler) handleRequests(w http.ResponseWriter, r *http.Request) error {
	return h.requestsPage(w, r, false)
}
func (h *handler) handleQueue(w http.ResponseWriter, r *http.Request) error {
	return h.requestsPage(w, r, true)
}

type requestNewPage struct {
	labels
	Items   []Item // the listed items the department issues
	Kinds   []string
	Targets []territory.Region
	Form    RequestInput
	Sent    sent
	Today   string
	Earlies string // the earliest start of an off-list request
	Dept    string
	Emerg   []string
	// LeadDays is the lead time of an off-list request, in working days.
	LeadDays int
	MaxFiles int
}

func (h *handler) requestNewPage(r *http.Request) (requestNewPage, error) {
	ctx := r.Context()
	sc := authz.ScopeFrom(ctx)
	p := requestNewPage{labels: labels{h.ui.Page(r, "title.adm_request_new")}, Kinds: Kinds[:len(Kinds)-1], Today: h.svc.today(), Emerg: Emergencies}
	dept, err := h.svc.deps.Territory.DepartmentServing(ctx, sc.Region, sc.Department)
	if err != nil {
		return p, err
	}
	p.Dept = dept.Name
	ls, err := h.svc.InForce(ctx, dept.RegionCode, "")
	if err != nil {
		return p, err
	}
	for _, l := range ls {
		for _, it := range l.Items {
			if (it.Section == "assist" || it.Section == "duty") && it.IssuedBy(dept.Name) {
				p.Items = append(p.Items, it)
			}
		}
	}
	// The department's own division and what lies in it, down to the
	// subdistricts; a community is typed by name in the picker.
	self, err := h.svc.deps.Territory.UnscopedNames(ctx, []string{dept.RegionCode})
	if err != nil {
		return p, err
	}
	p.Targets = append(p.Targets, territory.Region{Code: dept.RegionCode, Name: self[dept.RegionCode]})
	children, err := h.svc.deps.Territory.UnscopedRegions(ctx, territory.RegionFilter{Parent: dept.RegionCode, Limit: 500})
	if err != nil {
		return p, err
	}
	p.Targets = append(p.Targets, children...)
	if len(dept.RegionCode) == 6 {
		for _, c := range children {
			cs, err := h.svc.deps.Territory.UnscopedRegions(ctx, territory.RegionFilter{Parent: c.Code, Limit: 500})
			if err != nil {
				return p, err
			}
			for _, x := range cs {
				x.Name = c.Name + " › " + x.Name
				p.Targets = append(p.Targets, x)
			}
		}
	}
	if p.Earlies, err = h.svc.EarliestOffList(ctx); err != nil {
		return p, err
	}
	st, err := h.svc.Settings(ctx)
	if err != nil {
		return p, err
	}
	p.LeadDays, p.MaxFiles = st.LeadDays, MaxFiles
	p.Form = RequestInput{StartsOn: p.Earlies, DueOn: p.Earlies}
	return p, nil
}

func (h *handler) handleRequestNew(w http.ResponseWriter, r *http.Request) error {
	p, err := h.requestNewPage(r)
	if err != nil {
		return err
	}
	return h.ui.Render(w, r, http.StatusOK, "admission_request_new", "", p)
}

// chosen refuses a decision form sent without one of its two choices: a
// decision is never taken by default.
func chosen(r *http.Request, field string) error {
	if v := r.PostFormValue(field); v != "0" && v != "1" {
		return errs.Field(field, "rule.adm_choose", "")
	}
	return nil
}

func (h *handler) handleRequestFile(w http.ResponseWriter, r *http.Request) error {
	if err := parseMultipart(r); err != nil {
		return err
	}
	var fe errs.Fields
	item := web.FormID(&fe, r, "item_id")
	hours, _ := web.FormNumber(&fe, r, "hours")
	in := RequestInput{Title: r.PostFormValue("title"), Detail: r.PostFormValue("detail"), ItemID: item, Kind: r.PostFormValue("kind"),
		Target: r.PostFormValue("target"), StartsOn: r.PostFormValue("starts_on"), DueOn: r.PostFormValue("due_on"), Hours: hours,
		Emergency: r.PostFormValue("emergency"), Reason: r.PostFormValue("emergency_reason")}
	files, err := uploadsFrom(r, "files")
	if err == nil {
		err = fe.Err()
	}
	var req Request
	if err == nil {
		in.Files = files
		req, err = h.svc.File(r.Context(), authz.ScopeFrom(r.Context()), in)
	}
	if errs.CodeOf(err) == errs.Invalid {
		p, perr := h.requestNewPage(r)
		if perr != nil {
			return perr
		}
		p.Form = in
		p.Sent = h.failed(p.Lang, err, "title", "detail", "item", "item_id", "kind", "target", "starts_on", "due_on", "hours", "emergency", "emergency_reason", "files")
		return h.ui.Render(w, r, http.StatusUnprocessableEntity, "admission_request_new", "", p)
	}
	if err != nil {
		return err
	}
	flash := "flash.adm_admitted"
	if req.Status == Pending {
		flash = "flash.adm_pending"
	}
	return web.Redirect(w, r, "/admission/requests/"+strconv.FormatInt(req.ID, 10), flash)
}

type requestPage struct {
	labels
	Request   Request
	Tasks     web.List[Task]
	TasksNext string
	CanDecide bool
	Lapsed    bool
	Sent      sent
	// Files came with the request; its department may add more.
	Files     []Attachment
	CanAttach bool
	FilesSent sent
	MaxFiles  int
}

func (h *handler) requestPage(r *http.Request, id int64) (requestPage, error) {
	ctx := r.Context()
	sc := authz.ScopeFrom(ctx)
	p := requestPage{labels: labels{h.ui.Page(r, "title.adm_request")}}
	req, err := h.svc.Request(ctx, sc, id)
	if err != nil {
		return p, err
	}
	p.Request = req
	now := h.svc.db.Now()
	p.Lapsed = req.Lapsed(now)
	p.CanDecide = p.Actor.Can(PermDecide) && decides(sc, req.ApproverCode) &&
		(req.Status == Pending && !p.Lapsed || req.Emergency != "" && req.ReviewedAt == nil)
	if req.Reaches() {
		if p.Tasks, p.TasksNext, err = h.requestTasks(r, sc, id); err != nil {
			return p, err
		}
	}
	if p.Files, err = h.svc.RequestFiles(ctx, sc, id); err != nil {
		return p, err
	}
	p.MaxFiles = MaxFiles
	p.CanAttach = p.Actor.Can(PermRequest) && sc.Department == req.DeptID && req.Status != Refused && len(p.Files) < MaxFiles
	return p, nil
}

// requestTasks are the tasks of request id in the actor's area, a page
// at a time, and the link to the next.
func (h *handler) requestTasks(r *http.Request, sc authz.Scope, id int64) (web.List[Task], string, error) {
	cur, limit, err := web.PageParams(r)
	if err != nil {
		return web.List[Task]{}, "", err
	}
	ts, err := h.svc.Tasks(r.Context(), sc, TaskFilter{RequestID: id, AfterID: cur.ID, Limit: limit})
	if err != nil || ts.NextCursor == "" {
		return ts, "", err
	}
	return ts, fmt.Sprintf("/admission/requests/%d?cursor=%s#request-tasks", id, ts.NextCursor), nil
}

func (h *handler) handleRequest(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ObjectID(r, "kind.adm_request")
	if err != nil {
		return err
	}
	p, err := h.requestPage(r, id)
	if err != nil {
		return err
	}
	return h.ui.Render(w, r, http.StatusOK, "admission_request", "", p)
}

func (h *handler) handleDecision(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ObjectID(r, "kind.adm_request")
	if err != nil {
		return err
	}
	in := DecisionInput{Approve: r.PostFormValue("approve") == "1", Note: r.PostFormValue("note")}
	if err = chosen(r, "approve"); err == nil {
		_, err = h.svc.Decide(r.Context(), authz.ScopeFrom(r.Context()), id, in)
	}
	if errs.CodeOf(err) == errs.Invalid {
		p, perr := h.requestPage(r, id)
		if perr != nil {
			return perr
		}
		p.Sent = h.failed(p.Lang, err, "note", "approve")
		return h.ui.Render(w, r, http.StatusUnprocessableEntity, "admission_request", "", p)
	}
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/admission/requests/"+strconv.FormatInt(id, 10), "flash.adm_decided")
}

// ---- the inbox ----

type inboxPage struct {
	labels
	Tasks   web.List[Task]
	Status  string
	Overdue bool
	Next    string
	Burdens web.List[Burden]
	// BurdensNext pages the signboards and ledgers on their own.
	BurdensNext string
	CanAct      bool
	Today       string
	Sent        sent
	Form        BurdenInput
	Counts      map[string]int64
	Statuses    []string
	// Department: a department's view of the tasks of its requests.
	Department bool
	// Communities are offered to narrow a subdistrict's inbox to one;
	// Community is the one chosen.
	Communities []territory.Region
	Community   string
	// Wide: the list spans several communities, so each row names its.
	Wide bool
}

func (h *handler) inboxPage(r *http.Request) (inboxPage, error) {
	ctx := r.Context()
	sc := authz.ScopeFrom(ctx)
	cur, limit, err := web.PageParams(r)
	if err != nil {
		return inboxPage{}, err
	}
	q := r.URL.Query()
	p := inboxPage{labels: labels{h.ui.Page(r, "title.adm_inbox")}, Status: q.Get("status"), Overdue: q.Get("overdue") == "1", Today: h.svc.today(),
		Statuses: []string{TaskOpen, TaskDone, TaskDeclined}, Counts: map[string]int64{}}
	if p.Status == "" && !p.Overdue && q.Get("all") != "1" {
		p.Status = TaskOpen
	}
	p.CanAct = p.Actor.Can(PermInbox)
	p.Department = sc.Department != 0
	p.Wide = p.Department || sc.All || len(sc.Region) < 12
	if !p.Department && len(sc.Region) == 9 && !sc.GridsOnly {
		if p.Communities, err = h.svc.deps.Territory.UnscopedCommunities(ctx, sc.Region); err != nil {
			return p, err
		}
		for _, c := range p.Communities {
			if c.Code == q.Get("community") {
				p.Community = c.Code
			}
		}
	}
	if p.Tasks, err = h.svc.Tasks(ctx, sc, TaskFilter{Status: p.Status, Overdue: p.Overdue, Region: p.Community, AfterID: cur.ID, Limit: limit}); err != nil {
		return p, err
	}
	if p.Tasks.NextCursor != "" {
		p.Next = fmt.Sprintf("/admission/inbox?status=%s&overdue=%s&community=%s&cursor=%s", p.Status, q.Get("overdue"), p.Community, p.Tasks.NextCursor)
	}
	for _, st := range p.Statuses {
		l, err := h.svc.Tasks(ctx, sc, TaskFilter{Status: st, Region: p.Community, Limit: 1})
		if err != nil {
			return p, err
		}
		p.Counts[st] = *l.Total
	}
	l, err := h.svc.Tasks(ctx, sc, TaskFilter{Overdue: true, Region: p.Community, Limit: 1})
	if err != nil {
		return p, err
	}
	p.Counts["overdue"] = *l.Total
	// The signboards and ledgers page with their own cursor (bcursor).
	bcur, err := web.CursorParam(r, "bcursor")
	if err != nil {
		return p, err
	}
	if p.Burdens, err = h.svc.Burdens(ctx, sc, "", true, bcur.ID, 50); err != nil {
		return p, err
	}
	if p.Burdens.NextCursor != "" {
		p.BurdensNext = "/admission/inbox?bcursor=" + p.Burdens.NextCursor + "#burdens"
	}
	return p, nil
}

func (h *handler) handleInbox(w http.ResponseWriter, r *http.Request) error {
	p, err := h.inboxPage(r)
	if err != nil {
		return err
	}
	return h.ui.Render(w, r, http.StatusOK, "admission_inbox", "", p)
}

type taskPage struct {
	labels
	Task      Task
	CanAct    bool
	CanReview bool
	Sent      sent
	Action    string
	Note      string
	// Files came with the request; Evidence the community returned.
	Files, Evidence []Attachment
	MaxFiles        int
}

func (h *handler) taskPage(r *http.Request, id int64) (taskPage, error) {
	ctx := r.Context()
	sc := authz.ScopeFrom(ctx)
	p := taskPage{labels: labels{h.ui.Page(r, "title.adm_task")}}
	t, err := h.svc.Task(ctx, sc, id)
	if err != nil {
		return p, err
	}
	p.Task = t
	if p.Files, p.Evidence, err = h.svc.TaskFiles(ctx, sc, id); err != nil {
		return p, err
	}
	p.MaxFiles = MaxFiles
	p.CanAct = p.Actor.Can(PermInbox) && t.Status == TaskOpen
	p.CanReview = p.Actor.Can(PermDecide) && decides(sc, t.Request.ApproverCode) && t.Status == TaskDeclined && t.DeclineUpheld == nil
	return p, nil
}

func (h *handler) handleTask(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ObjectID(r, "kind.adm_task")
	if err != nil {
		return err
	}
	p, err := h.taskPage(r, id)
	if err != nil {
		return err
	}
	return h.ui.Render(w, r, http.StatusOK, "admission_task", "", p)
}

func (h *handler) handleTaskAct(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ObjectID(r, "kind.adm_task")
	if err != nil {
		return err
	}
	if err := parseMultipart(r); err != nil {
		return err
	}
	in := TaskAction{Action: r.PostFormValue("action"), Note: r.PostFormValue("note")}
	in.Files, err = uploadsFrom(r, "files")
	if err == nil {
		_, err = h.svc.Act(r.Context(), authz.ScopeFrom(r.Context()), id, in)
	}
	if errs.CodeOf(err) == errs.Invalid {
		p, perr := h.taskPage(r, id)
		if perr != nil {
			return perr
		}
		p.Sent, p.Action, p.Note = h.failed(p.Lang, err, "note", "action", "files"), in.Action, in.Note
		return h.ui.Render(w, r, http.StatusUnprocessableEntity, "admission_task", "", p)
	}
	if err != nil {
		return err
	}
	flash := "flash.adm_done"
	if in.Action == "decline" {
		flash = "flash.adm_declined"
	}
	return web.Redirect(w, r, "/admission/tasks/"+strconv.FormatInt(id, 10), flash)
}

func (h *handler) handleTaskReview(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ObjectID(r, "kind.adm_task")
	if err != nil {
		return err
	}
	in := DecisionInput{Approve: r.PostFormValue("approve") == "1", Note: r.PostFormValue("note")}
	if err = chosen(r, "approve"); err == nil {
		_, err = h.svc.ReviewDecline(r.Context(), authz.ScopeFrom(r.Context()), id, in)
	}
	if errs.CodeOf(err) == errs.Invalid {
		p, perr := h.taskPage(r, id)
		if perr != nil {
			return perr
		}
		p.Sent, p.Action, p.Note = h.failed(p.Lang, err, "note", "approve"), "review", in.Note
		return h.ui.Render(w, r, http.StatusUnprocessableEntity, "admission_task", "", p)
	}
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/admission/tasks/"+strconv.FormatInt(id, 10), "flash.adm_reviewed")
}

func (h *handler) handleBurdenRegister(w http.ResponseWriter, r *http.Request) error {
	in := BurdenInput{Kind: r.PostFormValue("kind"), Name: r.PostFormValue("name"), Department: r.PostFormValue("department"),
		RegisteredOn: r.PostFormValue("registered_on")}
	_, err := h.svc.RegisterBurden(r.Context(), authz.ScopeFrom(r.Context()), in)
	if errs.CodeOf(err) == errs.Invalid {
		p, perr := h.inboxPage(r)
		if perr != nil {
			return perr
		}
		p.Sent, p.Form = h.failed(p.Lang, err, "kind", "name", "department", "registered_on", "community"), in
		return h.ui.Render(w, r, http.StatusUnprocessableEntity, "admission_inbox", "", p)
	}
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/admission/inbox#burdens", "flash.adm_registered")
}

func (h *handler) handleBurdenRemove(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ObjectID(r, "kind.adm_burden")
	if err != nil {
		return err
	}
	if _, err := h.svc.RemoveBurden(r.Context(), authz.ScopeFrom(r.Context()), id); err != nil {
		return err
	}
	return web.Redirect(w, r, "/admission/inbox#burdens", "flash.adm_removed")
}

// ---- certificates ----

type certificatesPage struct {
	labels
	Certificates web.List[Certificate]
	Listed       []Item // certificate items the community may issue
	Refused      []Item // certificates it may not, with who issues them
	Form         CertificateInput
	Sent         sent
	Next         string
}

func (h *handler) certificatesPage(r *http.Request) (certificatesPage, error) {
	ctx := r.Context()
	sc := authz.ScopeFrom(ctx)
	cur, limit, err := web.PageParams(r)
	if err != nil {
		return certificatesPage{}, err
	}
	p := certificatesPage{labels: labels{h.ui.Page(r, "title.adm_certificates")}}
	if p.Certificates, err = h.svc.Certificates(ctx, sc, cur.ID, limit); err != nil {
		return p, err
	}
	if p.Certificates.NextCursor != "" {
		p.Next = "/admission/certificates?cursor=" + p.Certificates.NextCursor
	}
	ls, err := h.svc.InForce(ctx, sc.Home(), "")
	if err != nil {
		return p, err
	}
	for _, l := range ls {
		for _, it := range l.Items {
			switch {
			case it.Section == "certificate" && !it.Expired(h.svc.today()):
				p.Listed = append(p.Listed, it)
			case it.Section == "negative" && it.Kind == "certificate":
				p.Refused = append(p.Refused, it)
			}
		}
	}
	return p, nil
}

func (h *handler) handleCertificates(w http.ResponseWriter, r *http.Request) error {
	p, err := h.certificatesPage(r)
	if err != nil {
		return err
	}
	return h.ui.Render(w, r, http.StatusOK, "admission_certificates", "", p)
}

func (h *handler) handleIssue(w http.ResponseWriter, r *http.Request) error {
	item, _ := strconv.ParseInt(r.PostFormValue("item_id"), 10, 64)
	in := CertificateInput{ItemID: item, Holder: r.PostFormValue("holder"), IDNumber: r.PostFormValue("id_number"), Statement: r.PostFormValue("statement"),
		Purpose: r.PostFormValue("purpose")}
	c, err := h.svc.Issue(r.Context(), authz.ScopeFrom(r.Context()), in)
	if errs.CodeOf(err) == errs.Invalid {
		p, perr := h.certificatesPage(r)
		if perr != nil {
			return perr
		}
		p.Sent, p.Form = h.failed(p.Lang, err, "item_id", "holder", "id_number", "statement", "purpose", "community"), in
		return h.ui.Render(w, r, http.StatusUnprocessableEntity, "admission_certificates", "", p)
	}
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/admission/certificates/"+strconv.FormatInt(c.ID, 10), "flash.adm_issued")
}

type certificatePage struct {
	labels
	Certificate Certificate
	VerifyURL   string
	Reason      string // the revoke form's reason, sent back with its problems
	Sent        sent
}

// certificatePage shows certificate id; when err is set, with the revoke
// form sent back with reason and err's problems.
func (h *handler) certificatePage(w http.ResponseWriter, r *http.Request, status int, id int64, reason string, err error) error {
	c, cerr := h.svc.Certificate(r.Context(), authz.ScopeFrom(r.Context()), id)
	if cerr != nil {
		return cerr
	}
	w.Header().Set("Cache-Control", "no-store")
	p := certificatePage{labels: labels{h.ui.Page(r, "title.adm_certificate")}, Certificate: c,
		VerifyURL: h.svc.verifyURL(), Reason: reason}
	if err != nil {
		p.Sent = h.failed(p.Lang, err, "reason")
	}
	return h.ui.Render(w, r, status, "admission_certificate", "", p)
}

func (h *handler) handleCertificate(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ObjectID(r, "kind.adm_certificate")
	if err != nil {
		return err
	}
	return h.certificatePage(w, r, http.StatusOK, id, "", nil)
}

func (h *handler) handleCertificatePDF(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ObjectID(r, "kind.adm_certificate")
	if err != nil {
		return err
	}
	b, c, err := h.svc.CertificatePDF(r.Context(), authz.ScopeFrom(r.Context()), h.pdf, id)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `inline; filename="`+c.Number+`.pdf"`)
	w.Header().Set("Cache-Control", "no-store")
	_, err = w.Write(b)
	return err
}

func (h *handler) handleRevoke(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ObjectID(r, "kind.adm_certificate")
	if err != nil {
		return err
	}
	reason := r.PostFormValue("reason")
	_, err = h.svc.Revoke(r.Context(), authz.ScopeFrom(r.Context()), id, Revocation{Reason: reason})
	if errs.CodeOf(err) == errs.Invalid {
		return h.certificatePage(w, r, http.StatusUnprocessableEntity, id, reason, err)
	}
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/admission/certificates/"+strconv.FormatInt(id, 10), "flash.adm_revoked")
}

type verifyPage struct {
	labels
	Code     string
	Verified *Verified
	Errors   []string
}

func (h *handler) handleVerify(w http.ResponseWriter, r *http.Request) error {
	p := verifyPage{labels: labels{h.ui.Page(r, "title.adm_verify")}, Code: strings.TrimSpace(r.URL.Query().Get("code"))}
	w.Header().Set("Cache-Control", "no-store")
	status := http.StatusOK
	if p.Code != "" {
		v, err := h.svc.Verify(r.Context(), p.Code)
		switch {
		case errs.CodeOf(err) == errs.Invalid:
			p.Errors, status = h.ui.FieldMessages(p.Lang, err), http.StatusNotFound
		case err != nil:
			return err
		default:
			p.Verified = &v
		}
	}
	return h.ui.Render(w, r, status, "admission_verify", "", p)
}
