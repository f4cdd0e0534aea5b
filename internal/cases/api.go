package cases

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"time"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/web"
)

// CaseDetail is a case with its timeline and whistles. The reporter (and
// anyone who may not view cases) gets the public timeline only, with no
// staff names, and no whistles.
type CaseDetail struct {
	Case     *Case      `json:"case"`
	Events   []Event    `json:"events" doc:"for the reporter: the public entries only (status changes, replies), each actor named by side (actor_role: community, department …), no name"`
	Whistles []*Whistle `json:"whistles"`
	Actions  []string   `json:"actions" doc:"the moves the caller may make now"`
}

// Contact is the reporter's phone, unmasked; every read is audited.
type Contact struct {
	Phone string `json:"phone"`
}

func (h *handler) apiRoutes(r *web.Router) {
	list := append([]web.Param{{Name: "view", Type: "string", Description: "mine, grid, dispatch, handling, acknowledge, verify, overdue, due_soon, supervised, extension, to_rate, all"},
		{Name: "status", Type: "string"}, {Name: "category", Type: "string", Description: "class (2 digits) or sub-class (4)"},
		{Name: "region", Type: "string"}, {Name: "channel", Type: "string"}, {Name: "number", Type: "string"},
		{Name: "open", Type: "boolean", Description: "only cases that still need work (1)"}, {Name: "self_handled", Type: "boolean", Description: "only problems fixed on the spot (自行处置)"}, {Name: "month", Type: "string", Description: "received in YYYY-MM"}}, web.PageQuery...)
	r.API("GET /api/v1/cases", authz.Authenticated, web.OpDoc{Summary: "Cases in scope, newest first (residents: their own reports)", Tag: "cases",
		Query: list, Response: web.List[*Case]{}}, h.apiList)
	r.API("POST /api/v1/cases", PermReport, web.OpDoc{Summary: "Report a case; it is located to a grid and checked for duplicates", Tag: "cases",
		Body: ReportInput{}, Response: Intake{}, Status: http.StatusCreated}, h.apiReport)
	r.API("POST /api/v1/hotline/cases", PermIntake, web.OpDoc{Summary: "12345 hotline push: a work order by its own id (idempotent: a repeat returns the first case with 200)", Tag: "cases",
		Body: ReportInput{}, Response: Intake{}, Status: http.StatusCreated}, h.apiHotline)
	r.API("GET /api/v1/cases/{id}", authz.Authenticated, web.OpDoc{Summary: "A case with its timeline, whistles and the caller's possible moves", Tag: "cases",
		Response: CaseDetail{}}, h.apiCase)
	r.API("POST /api/v1/cases/{id}/moves", authz.Authenticated, web.OpDoc{Summary: "Move a case through the workflow (send the version you read)", Tag: "cases",
		Body: Move{}, Response: Case{}}, web.Apply("kind.case", http.StatusOK, h.svc.Act))
	r.Upload("POST /api/v1/cases/{id}/photos", authz.Authenticated, web.OpDoc{Summary: "Add a photo to a case the caller reported or handles (image/jpeg, image/png or image/webp body)", Tag: "cases",
		Status: http.StatusCreated}, h.apiPhoto)
	r.API("POST /api/v1/cases/{id}/rating", authz.Authenticated, web.OpDoc{Summary: "The reporter's verdict on a closed case (or a call-back record by staff); unresolved reopens it", Tag: "cases",
		Body: RateInput{}, Response: Case{}}, web.Apply("kind.case", http.StatusOK, func(ctx context.Context, id int64, in RateInput) (*Case, error) { return h.svc.Rate(ctx, id, "", in) }))
	r.API("GET /api/v1/cases/{id}/rate-link", PermManage, web.OpDoc{Summary: "The reporter's one-time rating link of a closed case, for the call-back; never to the unit that handled it; audited", Tag: "cases",
		Response: RateLinkOut{}}, web.Get("kind.case", func(ctx context.Context, id int64) (RateLinkOut, error) {
		u, _, err := h.svc.RateLink(ctx, id)
		return RateLinkOut{URL: u}, err
	}))
	r.API("GET /api/v1/cases/{id}/contact", PermManage, web.OpDoc{Summary: "The reporter's phone for a call-back; audited", Tag: "cases", Response: Contact{}}, h.apiContact)
	r.API("GET /api/v1/cases/{id}/duplicates", PermView, web.OpDoc{Summary: "Open cases of the same category nearby, offered for merging", Tag: "cases",
		Response: []*Case{}}, h.apiDuplicates)
	r.API("POST /api/v1/cases/{id}/whistles", PermWhistle, web.OpDoc{Summary: "Blow the whistle: call departments to the case", Tag: "whistles",
		Body: WhistleInput{}, Response: Whistle{}, Status: http.StatusCreated}, web.Apply("kind.case", http.StatusCreated, h.svc.Blow))
	r.API("GET /api/v1/whistles", PermView, web.OpDoc{Summary: "Whistles in scope; department staff see their department's record", Tag: "whistles",
		Query: []web.Param{{Name: "open", Type: "boolean"}, {Name: "to_report", Type: "boolean", Description: "only open whistles with a call not yet reported (报到)"}, {Name: "cursor", Type: "string"}, {Name: "limit", Type: "integer"}}, Response: web.List[*Whistle]{}}, h.apiWhistles)
	r.API("POST /api/v1/whistles/{id}/steps", PermHandle, web.OpDoc{Summary: "A called department reports, arrives or feeds back", Tag: "whistles",
		Body: PartyInput{}, Response: Whistle{}}, web.Apply("kind.whistle", http.StatusOK, h.svc.PartyStep))
	r.API("POST /api/v1/whistles/{id}/changes", PermWhistle, web.OpDoc{Summary: "Withdraw a whistle or one department's call, or call another department instead, with the reason (audited, an internal timeline entry); a call withdrawn no longer holds the case open", Tag: "whistles",
		Body: WhistleChange{}, Response: Whistle{}}, web.Apply("kind.whistle", http.StatusOK, h.svc.ChangeWhistle))
	r.API("POST /api/v1/whistles/{id}/ratings", PermWhistle, web.OpDoc{Summary: "The community rates a department's response", Tag: "whistles",
		Body: PartyRating{}, Response: Whistle{}}, web.Apply("kind.whistle", http.StatusOK, h.svc.RateParty))
	r.API("GET /api/v1/case-notices", PermView, web.OpDoc{Summary: "Notices pushed to the caller's units: about to be overdue, overdue, supervised, whistled", Tag: "cases",
		Response: []Notice{}}, h.apiNotices)
}

func (h *handler) apiList(w http.ResponseWriter, r *http.Request) error {
	cur, limit, err := web.PageParams(r)
	if err != nil {
		return err
	}
	f := filterFrom(r)
	f.AfterID, f.Limit = cur.ID, limit+1
	if cur.Key != "" {
		if f.AfterDue, err = time.Parse(time.RFC3339Nano, cur.Key); err != nil {
			return errs.Field("cursor", "rule.cursor", "")
		}
	}
	cs, err := h.svc.Cases(r.Context(), f)
	if err != nil {
		return err
	}
	t, err := h.svc.Total(r.Context(), f)
	if err != nil {
		return err
	}
	l := web.Paginate(cs, limit, func(c *Case) web.Cursor {
		k, id := Cursor(f.View, c)
		return web.Cursor{Key: k, ID: id}
	})
	l.Total, l.TotalMore = &t.N, t.More
	return web.JSON(w, http.StatusOK, l)
}

func (h *handler) report(w http.ResponseWriter, r *http.Request, channel string) error {
	var in ReportInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	in.Channel = channel
	res, err := h.svc.Report(r.Context(), in)
	if err != nil {
		return err
	}
	st := http.StatusCreated
	if res.Repeated {
		st = http.StatusOK
	}
	return web.JSON(w, st, res)
}

func (h *handler) apiReport(w http.ResponseWriter, r *http.Request) error { return h.report(w, r, "") }

func (h *handler) apiHotline(w http.ResponseWriter, r *http.Request) error {
	return h.report(w, r, ChannelHotline)
}

func (h *handler) apiCase(w http.ResponseWriter, r *http.Request) error {
	id, err := caseID(r)
	if err != nil {
		return err
	}
	c, err := h.svc.Case(r.Context(), id)
	if err != nil {
		return err
	}
	a := authz.ActorFrom(r.Context())
	d := CaseDetail{Case: c, Actions: Allowed(a, c), Whistles: []*Whistle{}}
	if d.Events, err = events(r.Context(), h.svc.db, id); err != nil {
		return err
	}
	if readsPublic(a) {
		d.Events = publicEvents(d.Events)
		c.forPublic()
	} else if d.Whistles, err = h.svc.whistlesOf(r.Context(), id); err != nil {
		return err
	} else {
		d.Events = ownEvents(a.Scope, d.Events, d.Whistles)
	}
	if d.Actions == nil {
		d.Actions = []string{}
	}
	return web.JSON(w, http.StatusOK, d)
}

func (h *handler) apiPhoto(w http.ResponseWriter, r *http.Request) error {
	id, err := caseID(r)
	if err != nil {
		return err
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, MaxPhotoBytes+1))
	if err != nil {
		return errs.E(errs.Malformed, "err.malformed", err.Error())
	}
	p, err := h.svc.CheckPhoto(r.Context(), "body", b)
	if err != nil {
		return err
	}
	pid, err := h.svc.AddPhoto(r.Context(), id, p)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/cases/"+strconv.FormatInt(id, 10)+"/photos/"+strconv.FormatInt(pid, 10))
	w.WriteHeader(http.StatusCreated)
	return nil
}

func (h *handler) apiContact(w http.ResponseWriter, r *http.Request) error {
	id, err := caseID(r)
	if err != nil {
		return err
	}
	p, err := h.svc.Contact(r.Context(), id)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return web.JSON(w, http.StatusOK, Contact{Phone: p})
}

func (h *handler) apiDuplicates(w http.ResponseWriter, r *http.Request) error {
	id, err := caseID(r)
	if err != nil {
		return err
	}
	c, err := h.svc.Case(r.Context(), id)
	if err != nil {
		return err
	}
	ds, err := h.svc.duplicates(r.Context(), accessOf(authz.ActorFrom(r.Context())), c, 20)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, ds)
}

func (h *handler) apiWhistles(w http.ResponseWriter, r *http.Request) error {
	cur, limit, err := web.PageParams(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := WhistleFilter{Open: q.Get("open") == "true" || q.Get("open") == "1", ToReport: q.Get("to_report") == "true" || q.Get("to_report") == "1", AfterID: cur.ID, Limit: limit + 1}
	ws, err := h.svc.DeptWhistles(r.Context(), f)
	if err != nil {
		return err
	}
	l := web.Paginate(ws, limit, func(x *Whistle) web.Cursor { return web.Cursor{ID: x.ID} })
	total, err := h.svc.WhistleTotal(r.Context(), f)
	if err != nil {
		return err
	}
	l.Total = &total
	return web.JSON(w, http.StatusOK, l)
}

func (h *handler) apiNotices(w http.ResponseWriter, r *http.Request) error {
	ns, err := h.svc.Notices(r.Context(), 200)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, ns)
}

// readBody reads an upload's body (the router limits its size).
func readBody(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, errs.E(errs.TooLarge, "err.too_large", strconv.Itoa(web.MaxUpload))
	}
	return b, nil
}

// RateLinkOut is a case's rating link: a path on this site to send to the
// reporter.
type RateLinkOut struct {
	URL string `json:"url"`
}
