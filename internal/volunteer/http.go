package volunteer

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"html/template"
	"net/http"
	"strconv"

	"github.com/skip2/go-qrcode"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/web"
)

type handler struct {
	svc *Service
	ui  *web.UI
}

func (h *handler) routes(r *web.Router) {
	r.Page("GET /volunteer", PermView, h.handleList)
	r.Page("GET /volunteer/new", PermOrganise, h.handleNew)
	r.Page("POST /volunteer", PermOrganise, h.handleCreate)
	r.Page("GET /volunteer/activities/{id}", PermView, h.handleActivity)
	r.Page("GET /volunteer/activities/{id}/code", PermOrganise, h.handleCodePage)
	r.Page("POST /volunteer/activities/{id}/confirm", PermOrganise, h.handleConfirmAttendance)
	r.Page("POST /volunteer/activities/{id}/signup", PermCheckIn, h.handleSignUp)
	r.Page("POST /volunteer/activities/{id}/cancel", PermCheckIn, h.handleCancel)
	r.Page("GET /checkin", PermCheckIn, h.handleCheckInPage)
	r.Page("POST /checkin", PermCheckIn, h.handleCheckIn)
}

type labels struct{ web.Page }

// Label names a stored value (a category, a flag) in the page's language.
func (p labels) Label(kind, v string) string { return p.T("vol." + kind + "." + v) }

// failed turns err into each field's messages for a form sent back.
func (h *handler) failed(lang string, err error) map[string][]string {
	out := map[string][]string{}
	for _, f := range errs.As(err).Fields {
		out[f.Field] = append(out[f.Field], h.ui.FieldMessage(lang, f))
	}
	if len(errs.As(err).Fields) == 0 {
		out[""] = []string{h.ui.Message(lang, errs.As(err))}
	}
	return out
}

type listPage struct {
	labels
	Activities  web.List[Activity]
	Next        string
	CanOrganise bool
	CanCheckIn  bool
}

func (h *handler) handleList(w http.ResponseWriter, r *http.Request) error {
	cur, limit, err := web.PageParams(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	p := listPage{labels: labels{h.ui.Page(r, "title.vol_activities")}}
	p.CanOrganise, p.CanCheckIn = p.Actor.Can(PermOrganise), p.Actor.Can(PermCheckIn)
	// A member sees what is still to come; the organisers everything.
	if p.Activities, err = h.svc.Activities(ctx, authz.ScopeFrom(ctx), !p.CanOrganise && p.CanCheckIn, cur.ID, limit); err != nil {
		return err
	}
	if p.Activities.NextCursor != "" {
		p.Next = "/volunteer?cursor=" + p.Activities.NextCursor
	}
	return h.ui.Render(w, r, http.StatusOK, "volunteer_list", "", p)
}

type newPage struct {
	labels
	Categories []string
	Form       ActivityInput
	Errs       map[string][]string
}

func (h *handler) handleNew(w http.ResponseWriter, r *http.Request) error {
	p := newPage{labels: labels{h.ui.Page(r, "title.vol_new")}, Categories: Categories, Form: ActivityInput{Capacity: 30, MinStay: 30, Radius: DefaultRadius}}
	return h.ui.Render(w, r, http.StatusOK, "volunteer_new", "", p)
}

func (h *handler) handleCreate(w http.ResponseWriter, r *http.Request) error {
	in := ActivityInput{Title: r.PostFormValue("title"), Category: r.PostFormValue("category"), Place: r.PostFormValue("place"),
		StartsAt: r.PostFormValue("starts_at"), EndsAt: r.PostFormValue("ends_at")}
	var fe errs.Fields
	in.Capacity, in.MinStay, in.Radius = web.FormInt(&fe, r, "capacity"), web.FormInt(&fe, r, "min_stay"), web.FormInt(&fe, r, "radius")
	// The venue's point: both or neither, its errors under "venue".
	var pe errs.Fields
	if lat, ok := web.FormNumber(&pe, r, "lat"); ok {
		in.Lat = &lat
	}
	if lon, ok := web.FormNumber(&pe, r, "lon"); ok {
		in.Lon = &lon
	}
	if len(pe) > 0 {
		fe.Add("venue", "rule.vol_point", "")
	}
	var a Activity
	var err error
	if len(fe) > 0 {
		// Every other problem of the form too; nothing is saved.
		if _, _, cerr := in.check(h.svc.db.Now()); cerr != nil {
			fe = append(fe, errs.As(cerr).Fields...)
		}
		err = fe.Err()
	} else {
		a, err = h.svc.CreateActivity(r.Context(), authz.ScopeFrom(r.Context()), in)
	}
	if errs.CodeOf(err) == errs.Invalid {
		p := newPage{labels: labels{h.ui.Page(r, "title.vol_new")}, Categories: Categories, Form: in}
		p.Errs = h.failed(p.Lang, err)
		return h.ui.Render(w, r, http.StatusUnprocessableEntity, "volunteer_new", "", p)
	}
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/volunteer/activities/"+strconv.FormatInt(a.ID, 10), "flash.vol_created")
}

type activityPage struct {
	labels
	Activity    Activity
	Attendance  *Attendance
	CanOrganise bool
	Ended       bool
	Places      Places
	CanSignUp   bool
}

func (h *handler) handleActivity(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ObjectID(r, "kind.vol_activity")
	if err != nil {
		return err
	}
	ctx := r.Context()
	sc := authz.ScopeFrom(ctx)
	p := activityPage{labels: labels{h.ui.Page(r, "title.vol_activity")}}
	if p.Activity, err = h.svc.Activity(ctx, sc, id); err != nil {
		return err
	}
	p.CanOrganise = p.Actor.Can(PermOrganise)
	p.Ended = !h.svc.db.Now().Before(p.Activity.EndsAt)
	if p.Places, err = h.svc.Places(ctx, sc, authz.ActorFrom(ctx), id); err != nil {
		return err
	}
	p.CanSignUp = p.Actor.Can(PermCheckIn) && !p.Ended
	if p.CanOrganise {
		att, err := h.svc.Attendance(ctx, sc, id)
		if err != nil {
			return err
		}
		p.Attendance = &att
	}
	return h.ui.Render(w, r, http.StatusOK, "volunteer_activity", "", p)
}

func (h *handler) handleConfirmAttendance(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ObjectID(r, "kind.vol_activity")
	if err != nil {
		return err
	}
	if _, err := h.svc.ConfirmAttendance(r.Context(), authz.ScopeFrom(r.Context()), id); err != nil {
		return err
	}
	return web.Redirect(w, r, "/volunteer/activities/"+strconv.FormatInt(id, 10), "flash.vol_attendance_confirmed")
}

func (h *handler) handleSignUp(w http.ResponseWriter, r *http.Request) error {
	return h.signUpOr(w, r, h.svc.SignUp, "flash.vol_signed_up")
}

func (h *handler) handleCancel(w http.ResponseWriter, r *http.Request) error {
	return h.signUpOr(w, r, h.svc.Cancel, "flash.vol_cancelled")
}

func (h *handler) signUpOr(w http.ResponseWriter, r *http.Request, do func(context.Context, *authz.Actor, int64) (Places, error), flash string) error {
	id, err := web.ObjectID(r, "kind.vol_activity")
	if err != nil {
		return err
	}
	p, err := do(r.Context(), authz.ActorFrom(r.Context()), id)
	if err != nil {
		return err
	}
	if p.Mine == Waiting {
		flash = "flash.vol_waiting"
	}
	return web.Redirect(w, r, "/volunteer/activities/"+strconv.FormatInt(id, 10), flash)
}

type codePage struct {
	labels
	Activity Activity
	Code     Code
	QR       template.URL
	// Seconds until the code changes.
	Seconds int
}

// qr is the code's link as a QR image, a data: URL.
func qr(link string) (template.URL, error) {
	png, err := qrcode.Encode(link, qrcode.Medium, 320)
	if err != nil {
		return "", fmt.Errorf("volunteer: QR: %w", err)
	}
	var b bytes.Buffer
	b.WriteString("data:image/png;base64,")
	b.WriteString(base64.StdEncoding.EncodeToString(png))
	return template.URL(b.String()), nil
}

func (h *handler) handleCodePage(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ObjectID(r, "kind.vol_activity")
	if err != nil {
		return err
	}
	ctx := r.Context()
	sc := authz.ScopeFrom(ctx)
	p := codePage{labels: labels{h.ui.Page(r, "title.vol_code")}}
	if p.Activity, err = h.svc.Activity(ctx, sc, id); err != nil {
		return err
	}
	if p.Code, err = h.svc.CurrentCode(ctx, sc, id); err != nil {
		return err
	}
	if p.QR, err = qr(p.Code.Link); err != nil {
		return err
	}
	p.Seconds = int(p.Code.Until.Sub(h.svc.db.Now()).Seconds()) + 1
	w.Header().Set("Cache-Control", "no-store")
	return h.ui.Render(w, r, http.StatusOK, "volunteer_code", "", p)
}

type checkInPage struct {
	labels
	Code string
	Done *CheckIn
	Errs map[string][]string
}

func (h *handler) handleCheckInPage(w http.ResponseWriter, r *http.Request) error {
	p := checkInPage{labels: labels{h.ui.Page(r, "title.vol_checkin")}, Code: r.URL.Query().Get("c")}
	return h.ui.Render(w, r, http.StatusOK, "volunteer_checkin", "", p)
}

func (h *handler) handleCheckIn(w http.ResponseWriter, r *http.Request) error {
	in := CheckInInput{Code: r.PostFormValue("code"), Device: r.PostFormValue("device")}
	if lat, lon := r.PostFormValue("lat"), r.PostFormValue("lon"); lat != "" && lon != "" {
		la, err1 := strconv.ParseFloat(lat, 64)
		lo, err2 := strconv.ParseFloat(lon, 64)
		acc, _ := strconv.ParseFloat(r.PostFormValue("accuracy"), 64)
		if err1 == nil && err2 == nil {
			in.Lat, in.Lon, in.Accuracy = &la, &lo, acc
		}
	}
	ctx := r.Context()
	p := checkInPage{labels: labels{h.ui.Page(r, "title.vol_checkin")}, Code: in.Code}
	done, err := h.svc.Scan(ctx, authz.ActorFrom(ctx), in)
	if err == nil {
		p.Done = &done
		return h.ui.Render(w, r, http.StatusOK, "volunteer_checkin", "", p)
	}
	switch errs.CodeOf(err) {
	case errs.Invalid, errs.Conflict:
		p.Errs = h.failed(p.Lang, err)
		st := http.StatusUnprocessableEntity
		if errs.CodeOf(err) == errs.Conflict {
			st = http.StatusConflict
		}
		return h.ui.Render(w, r, st, "volunteer_checkin", "", p)
	}
	return err
}
