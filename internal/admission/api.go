package admission

import (
	"context"
	"net/http"
	"strings"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/web"
)

const tag = "admission"

// scoped adapts a service call that takes the actor's scope to web.Submit.
func scoped[In, Out any](call func(context.Context, authz.Scope, In) (Out, error)) func(context.Context, In) (Out, error) {
	return func(ctx context.Context, in In) (Out, error) { return call(ctx, authz.ScopeFrom(ctx), in) }
}

// scopedID adapts a call on one object to web.Apply.
func scopedID[In, Out any](call func(context.Context, authz.Scope, int64, In) (Out, error)) func(context.Context, int64, In) (Out, error) {
	return func(ctx context.Context, id int64, in In) (Out, error) {
		return call(ctx, authz.ScopeFrom(ctx), id, in)
	}
}

// scopedGet adapts a read of one object to web.Get.
func scopedGet[Out any](call func(context.Context, authz.Scope, int64) (Out, error)) func(context.Context, int64) (Out, error) {
	return func(ctx context.Context, id int64) (Out, error) { return call(ctx, authz.ScopeFrom(ctx), id) }
}

type none struct{}

func (h *handler) apiRoutes(r *web.Router) {
	r.API("GET /api/v1/admission/lists", authz.Public, web.OpDoc{Summary: "The access lists in force for a division (the city's, and its district's items), by section; public", Tag: tag,
		Query:    []web.Param{{Name: "region", Type: "string", Description: "a division; the city by default"}, {Name: "section", Type: "string", Description: "duty, assist, negative or certificate"}},
		Response: []List{}}, h.apiInForce)
	r.API("GET /api/v1/admission/lists/versions", authz.Public, web.OpDoc{Summary: "Every version of the city's or a district's list, newest first; drafts only to their editors", Tag: tag,
		Query: []web.Param{{Name: "owner", Type: "string", Description: "the city or a district; the city by default"}}, Response: []List{}}, h.apiVersions)
	r.API("GET /api/v1/admission/lists/{id}", authz.Public, web.OpDoc{Summary: "One version of a list with its items; a draft only to its editors", Tag: tag,
		Response: List{}}, web.Get("kind.adm_list", func(ctx context.Context, id int64) (List, error) {
		a := authz.ActorFrom(ctx)
		return h.svc.Version(ctx, authz.ScopeFrom(ctx), id, a != nil && a.Can(PermEdit))
	}))
	r.API("POST /api/v1/admission/lists", PermEdit, web.OpDoc{Summary: "Save the draft of the next version of the city's or a district's list (replaces the owner's draft; audited)", Tag: tag,
		Body: ListInput{}, Response: List{}, Status: http.StatusCreated}, web.Submit(http.StatusCreated, scoped(h.svc.SaveDraft)))
	r.API("POST /api/v1/admission/lists/{id}/publish", PermEdit, web.OpDoc{Summary: "Publish a draft: in force from its effective date (audited)", Tag: tag,
		Body: none{}, Response: List{}}, web.Apply("kind.adm_list", http.StatusOK, func(ctx context.Context, id int64, _ none) (List, error) {
		return h.svc.Publish(ctx, authz.ScopeFrom(ctx), id)
	}))
	r.API("GET /api/v1/admission/starter", PermEdit, web.OpDoc{Summary: "The shipped starter list, to review and save as a draft", Tag: tag, Response: ListInput{}}, h.apiStarter)
	r.API("GET /api/v1/admission/settings", PermView, web.OpDoc{Summary: "The gate's periods in working days", Tag: tag, Response: Settings{}}, h.apiSettings)
	r.API("PUT /api/v1/admission/settings", PermEdit, web.OpDoc{Summary: "Set the gate's periods (the city's setting; audited)", Tag: tag,
		Body: Settings{}, Response: Settings{}}, web.Submit(http.StatusOK, scoped(h.svc.PutSettings)))

	r.API("POST /api/v1/admission/requests", PermRequest, web.OpDoc{Summary: "A department's request to communities through the gate: a listed item or an emergency passes at once, an off-list request waits for the approver, anything else is refused with the rule (audited)", Tag: tag,
		Body: RequestInput{}, Response: Request{}, Status: http.StatusCreated}, web.Submit(http.StatusCreated, scoped(h.svc.File)))
	r.API("GET /api/v1/admission/requests", PermView, web.OpDoc{Summary: "Requests the actor sees, newest first, with the total: a department its own, an area's staff those aimed at it", Tag: tag,
		Query: append([]web.Param{{Name: "status", Type: "string", Description: "admitted, pending, approved, refused or lapsed"},
			{Name: "queue", Type: "boolean", Description: "true: what waits for the approver"}}, web.PageQuery...),
		Response: web.List[Request]{}}, h.apiRequests)
	r.API("GET /api/v1/admission/requests/{id}", PermView, web.OpDoc{Summary: "One request", Tag: tag, Response: Request{}}, web.Get("kind.adm_request", scopedGet(h.svc.Request)))
	r.API("POST /api/v1/admission/requests/{id}/decision", PermDecide, web.OpDoc{Summary: "The approver's decision on an off-list request within its deadline, or the review of an emergency (audited)", Tag: tag,
		Body: DecisionInput{}, Response: Request{}}, web.Apply("kind.adm_request", http.StatusOK, scopedID(h.svc.Decide)))

	r.API("GET /api/v1/admission/tasks", PermView, web.OpDoc{Summary: "The inbox of the actor's area (a department: its requests' tasks), newest first, with the total", Tag: tag,
		Query: append([]web.Param{{Name: "status", Type: "string", Description: "open, done, declined, or review (declines not yet reviewed)"},
			{Name: "overdue", Type: "boolean"}, {Name: "region", Type: "string"}}, web.PageQuery...),
		Response: web.List[Task]{}}, h.apiTasks)
	r.API("GET /api/v1/admission/tasks/{id}", PermView, web.OpDoc{Summary: "One task", Tag: tag, Response: Task{}}, web.Get("kind.adm_task", scopedGet(h.svc.Task)))
	r.API("POST /api/v1/admission/tasks/{id}/act", PermInbox, web.OpDoc{Summary: "A community completes a task with its evidence, or declines it as not on the list (audited; a decline goes to the approver)", Tag: tag,
		Body: TaskAction{}, Response: Task{}}, web.Apply("kind.adm_task", http.StatusOK, scopedID(h.svc.Act)))
	r.API("POST /api/v1/admission/tasks/{id}/review", PermDecide, web.OpDoc{Summary: "The approver upholds a community's decline (approve: true) or overrules it, opening the task again (audited)", Tag: tag,
		Body: DecisionInput{}, Response: Task{}}, web.Apply("kind.adm_task", http.StatusOK, scopedID(h.svc.ReviewDecline)))

	r.API("GET /api/v1/admission/burdens", PermView, web.OpDoc{Summary: "Signboards and ledgers of the actor's area, with the total", Tag: tag,
		Query:    append([]web.Param{{Name: "kind", Type: "string", Description: "signboard or ledger"}, {Name: "current", Type: "boolean", Description: "true: only those still kept"}}, web.PageQuery...),
		Response: web.List[Burden]{}}, h.apiBurdens)
	r.API("POST /api/v1/admission/burdens", PermInbox, web.OpDoc{Summary: "Register a signboard or a ledger a community keeps (audited)", Tag: tag,
		Body: BurdenInput{}, Response: Burden{}, Status: http.StatusCreated}, web.Submit(http.StatusCreated, scoped(h.svc.RegisterBurden)))
	r.API("POST /api/v1/admission/burdens/{id}/remove", PermInbox, web.OpDoc{Summary: "Record that a signboard was taken down or a ledger dropped (audited)", Tag: tag,
		Body: none{}, Response: Burden{}}, web.Apply("kind.adm_burden", http.StatusOK, func(ctx context.Context, id int64, _ none) (Burden, error) {
		return h.svc.RemoveBurden(ctx, authz.ScopeFrom(ctx), id)
	}))

	r.API("GET /api/v1/admission/certificates", PermInbox, web.OpDoc{Summary: "Certificates issued in the actor's area, newest first, holders masked, with the total", Tag: tag,
		Query: web.PageQuery, Response: web.List[Certificate]{}}, h.apiCertificates)
	r.API("POST /api/v1/admission/certificates", PermInbox, web.OpDoc{Summary: "Issue a certificate of a listed certificate item; any other is refused with the body that issues it (audited)", Tag: tag,
		Body: CertificateInput{}, Response: Certificate{}, Status: http.StatusCreated}, web.Submit(http.StatusCreated, scoped(h.svc.Issue)))
	r.API("GET /api/v1/admission/certificates/{id}", PermInbox, web.OpDoc{Summary: "One certificate, whole, with its verification code (an audited read)", Tag: tag,
		Response: Certificate{}}, web.Get("kind.adm_certificate", scopedGet(h.svc.Certificate)))
	r.API("POST /api/v1/admission/certificates/{id}/revoke", PermInbox, web.OpDoc{Summary: "Revoke a certificate for a reason: its verification then says that it was, and when, not why (audited)", Tag: tag,
		Body: Revocation{}, Response: Certificate{}}, web.Apply("kind.adm_certificate", http.StatusOK, func(ctx context.Context, id int64, in Revocation) (Certificate, error) {
		return h.svc.Revoke(ctx, authz.ScopeFrom(ctx), id, in)
	}))
	r.API("GET /api/v1/admission/verify", authz.Public, web.OpDoc{Summary: "Check a certificate's verification code: what the certificate states and whether it stands; public", Tag: tag,
		Query: []web.Param{{Name: "code", Type: "string", Required: true}}, Response: Verified{}}, h.apiVerify)

	r.API("GET /api/v1/admission/burden", PermView, web.OpDoc{Summary: "The burden figures of a division and each child in a month, the twelve months' trend and the departments ranked (a department: its own)", Tag: tag,
		Query: []web.Param{{Name: "region", Type: "string"}, {Name: "month", Type: "string", Description: "YYYY-MM; this month by default"}}, Response: Report{}}, h.apiBurden)
	h.fileAPI(r)
}

func (h *handler) apiInForce(w http.ResponseWriter, r *http.Request) error {
	ls, err := h.svc.InForce(r.Context(), strings.TrimSpace(r.URL.Query().Get("region")), r.URL.Query().Get("section"))
	if err != nil {
		return err
	}
	if ls == nil {
		ls = []List{}
	}
	return web.JSON(w, http.StatusOK, ls)
}

func (h *handler) apiVersions(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	owner := strings.TrimSpace(r.URL.Query().Get("owner"))
	if owner == "" {
		var err error
		if owner, err = h.svc.Root(ctx); err != nil {
			return err
		}
	}
	a := authz.ActorFrom(ctx)
	ls, err := h.svc.Versions(ctx, authz.ScopeFrom(ctx), owner, a != nil && a.Can(PermEdit))
	if err != nil {
		return err
	}
	if ls == nil {
		ls = []List{}
	}
	return web.JSON(w, http.StatusOK, ls)
}

func (h *handler) apiStarter(w http.ResponseWriter, r *http.Request) error {
	in, err := Starter()
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, in)
}

func (h *handler) apiSettings(w http.ResponseWriter, r *http.Request) error {
	st, err := h.svc.Settings(r.Context())
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, st)
}

func (h *handler) apiRequests(w http.ResponseWriter, r *http.Request) error {
	cur, limit, err := web.PageParams(r)
	if err != nil {
		return err
	}
	queue, err := web.BoolParam(r, "queue")
	if err != nil {
		return err
	}
	l, err := h.svc.Requests(r.Context(), authz.ScopeFrom(r.Context()), RequestFilter{Status: r.URL.Query().Get("status"), Queue: queue, AfterID: cur.ID, Limit: limit})
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, l)
}

func (h *handler) apiTasks(w http.ResponseWriter, r *http.Request) error {
	cur, limit, err := web.PageParams(r)
	if err != nil {
		return err
	}
	overdue, err := web.BoolParam(r, "overdue")
	if err != nil {
		return err
	}
	q := r.URL.Query()
	l, err := h.svc.Tasks(r.Context(), authz.ScopeFrom(r.Context()), TaskFilter{Status: q.Get("status"), Overdue: overdue, Region: strings.TrimSpace(q.Get("region")),
		AfterID: cur.ID, Limit: limit})
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, l)
}

func (h *handler) apiBurdens(w http.ResponseWriter, r *http.Request) error {
	cur, limit, err := web.PageParams(r)
	if err != nil {
		return err
	}
	current, err := web.BoolParam(r, "current")
	if err != nil {
		return err
	}
	l, err := h.svc.Burdens(r.Context(), authz.ScopeFrom(r.Context()), r.URL.Query().Get("kind"), current, cur.ID, limit)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, l)
}

func (h *handler) apiCertificates(w http.ResponseWriter, r *http.Request) error {
	cur, limit, err := web.PageParams(r)
	if err != nil {
		return err
	}
	l, err := h.svc.Certificates(r.Context(), authz.ScopeFrom(r.Context()), cur.ID, limit)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, l)
}

func (h *handler) apiVerify(w http.ResponseWriter, r *http.Request) error {
	v, err := h.svc.Verify(r.Context(), r.URL.Query().Get("code"))
	if err != nil {
		return err
	}
	// What a certificate states is nobody's to keep.
	w.Header().Set("Cache-Control", "no-store")
	return web.JSON(w, http.StatusOK, v)
}

func (h *handler) apiBurden(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	rep, err := h.svc.Burden(r.Context(), authz.ScopeFrom(r.Context()), strings.TrimSpace(q.Get("region")), q.Get("month"))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, rep)
}
