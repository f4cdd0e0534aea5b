package volunteer

import (
	"context"
	"net/http"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/web"
)

const tag = "volunteer"

func (h *handler) apiRoutes(r *web.Router) {
	r.API("GET /api/v1/volunteer/activities", PermView, web.OpDoc{Summary: "Service activities of the actor's area, newest first, with the total (a member: of their community)", Tag: tag,
		Query: append([]web.Param{{Name: "upcoming", Type: "boolean", Description: "only those not yet ended"}}, web.PageQuery...), Response: web.List[Activity]{}}, h.apiList)
	r.API("POST /api/v1/volunteer/activities", PermOrganise, web.OpDoc{Summary: "Organise a service activity in a community of the actor's (audited)", Tag: tag,
		Body: ActivityInput{}, Response: Activity{}, Status: http.StatusCreated}, h.apiCreate)
	r.API("GET /api/v1/volunteer/activities/{id}", PermView, web.OpDoc{Summary: "One activity", Tag: tag, Response: Activity{}}, h.apiActivity)
	r.API("GET /api/v1/volunteer/activities/{id}/code", PermOrganise, web.OpDoc{Summary: "The check-in code the organiser's phone shows now; it changes every 30 seconds", Tag: tag,
		Response: Code{}}, h.apiCode)
	r.API("GET /api/v1/volunteer/activities/{id}/attendance", PermOrganise, web.OpDoc{Summary: "Each member's verified stay at the activity, with its anomalies", Tag: tag,
		Response: Attendance{}}, h.apiAttendance)
	r.API("POST /api/v1/volunteer/activities/{id}/confirm", PermOrganise, web.OpDoc{Summary: "Confirm who was at an ended activity: each member's verified minutes go to their ledger, once (audited)", Tag: tag,
		Response: Attendance{}}, h.apiConfirmAttendance)
	r.API("GET /api/v1/volunteer/activities/{id}/places", PermView, web.OpDoc{Summary: "An activity's places: capacity, signed up, waiting, and the actor's own sign-up", Tag: tag,
		Response: Places{}}, h.apiPlaces)
	r.API("POST /api/v1/volunteer/activities/{id}/signup", PermCheckIn, web.OpDoc{Summary: "Sign up for an activity of the member's community: a place while there is one, else the waiting list (audited)", Tag: tag,
		Response: Places{}}, h.apiSignUp)
	r.API("POST /api/v1/volunteer/activities/{id}/cancel", PermCheckIn, web.OpDoc{Summary: "Cancel a sign-up; a place freed goes to the first on the waiting list (audited)", Tag: tag,
		Response: Places{}}, h.apiCancel)
	r.API("GET /api/v1/volunteer/hours", PermCheckIn, web.OpDoc{Summary: "The actor's own ledger of this year: each entry with its reason, the sums against 50 hours and 60 points", Tag: tag,
		Response: Year{}}, h.apiHours)
	r.API("POST /api/v1/volunteer/checkins", PermCheckIn, web.OpDoc{Summary: "Scan an activity's code: check in, or, checked in, out (inside the venue's fence when a position is sent; audited)", Tag: tag,
		Body: CheckInInput{}, Response: CheckIn{}, Status: http.StatusCreated}, h.apiCheckIn)
}

func (h *handler) apiList(w http.ResponseWriter, r *http.Request) error {
	cur, limit, err := web.PageParams(r)
	if err != nil {
		return err
	}
	upcoming, err := web.BoolParam(r, "upcoming")
	if err != nil {
		return err
	}
	l, err := h.svc.Activities(r.Context(), authz.ScopeFrom(r.Context()), upcoming, cur.ID, limit)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, l)
}

func (h *handler) apiCreate(w http.ResponseWriter, r *http.Request) error {
	var in ActivityInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	a, err := h.svc.CreateActivity(r.Context(), authz.ScopeFrom(r.Context()), in)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusCreated, a)
}

func (h *handler) apiActivity(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ObjectID(r, "kind.vol_activity")
	if err != nil {
		return err
	}
	a, err := h.svc.Activity(r.Context(), authz.ScopeFrom(r.Context()), id)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, a)
}

func (h *handler) apiCode(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ObjectID(r, "kind.vol_activity")
	if err != nil {
		return err
	}
	c, err := h.svc.CurrentCode(r.Context(), authz.ScopeFrom(r.Context()), id)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return web.JSON(w, http.StatusOK, c)
}

func (h *handler) apiAttendance(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ObjectID(r, "kind.vol_activity")
	if err != nil {
		return err
	}
	a, err := h.svc.Attendance(r.Context(), authz.ScopeFrom(r.Context()), id)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, a)
}

func (h *handler) apiCheckIn(w http.ResponseWriter, r *http.Request) error {
	var in CheckInInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	c, err := h.svc.Scan(r.Context(), authz.ActorFrom(r.Context()), in)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusCreated, c)
}

func (h *handler) apiConfirmAttendance(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ObjectID(r, "kind.vol_activity")
	if err != nil {
		return err
	}
	a, err := h.svc.ConfirmAttendance(r.Context(), authz.ScopeFrom(r.Context()), id)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, a)
}

func (h *handler) apiHours(w http.ResponseWriter, r *http.Request) error {
	y, err := h.svc.MyYear(r.Context(), authz.ActorFrom(r.Context()), h.svc.db.Now())
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, y)
}

func (h *handler) apiPlaces(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ObjectID(r, "kind.vol_activity")
	if err != nil {
		return err
	}
	p, err := h.svc.Places(r.Context(), authz.ScopeFrom(r.Context()), authz.ActorFrom(r.Context()), id)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, p)
}

func (h *handler) apiSignUp(w http.ResponseWriter, r *http.Request) error {
	return h.apiPlacesDo(w, r, h.svc.SignUp)
}

func (h *handler) apiCancel(w http.ResponseWriter, r *http.Request) error {
	return h.apiPlacesDo(w, r, h.svc.Cancel)
}

func (h *handler) apiPlacesDo(w http.ResponseWriter, r *http.Request, do func(context.Context, *authz.Actor, int64) (Places, error)) error {
	id, err := web.ObjectID(r, "kind.vol_activity")
	if err != nil {
		return err
	}
	p, err := do(r.Context(), authz.ActorFrom(r.Context()), id)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, p)
}
