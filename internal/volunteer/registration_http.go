package volunteer

import (
	"fmt"
	"net/http"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/web"
	"grassroots/internal/platform/workday"
	"grassroots/internal/territory"
)

func (h *handler) registrationRoutes(r *web.Router) {
	r.Page("GET /volunteer/me", PermCheckIn, h.handleMe)
	r.Page("POST /volunteer/me", PermCheckIn, h.handleRegister)
	r.Page("GET /volunteer/registrations", PermOrganise, h.handleRegistrations)
	r.Page("POST /volunteer/registrations/{id}/confirm", PermOrganise, h.handleConfirm)
	r.API("GET /api/v1/volunteer/registration", PermCheckIn, web.OpDoc{Summary: "The actor's own registration (报到) with their community; null when none", Tag: tag,
		Response: Registration{}}, h.apiMine)
	r.API("POST /api/v1/volunteer/registration", PermCheckIn, web.OpDoc{Summary: "Register (again) with the community where the actor lives; it waits for the community's confirmation (audited)", Tag: tag,
		Body: RegistrationInput{}, Response: Registration{}}, h.apiRegister)
	r.API("GET /api/v1/volunteer/registrations", PermOrganise, web.OpDoc{Summary: "Registrations of the actor's area, newest first, with the total", Tag: tag,
		Query: append([]web.Param{{Name: "status", Type: "string", Description: "pending, confirmed or expired"}}, web.PageQuery...), Response: web.List[Registration]{}}, h.apiRegistrations)
	r.API("POST /api/v1/volunteer/registrations/{id}/confirm", PermOrganise, web.OpDoc{Summary: "Confirm a registration, placing the member in a grid of the community (audited)", Tag: tag,
		Body: ConfirmInput{}, Response: Registration{}}, h.apiConfirm)
}

// ConfirmInput places a member in a grid.
type ConfirmInput struct {
	Grid string `json:"grid" doc:"a grid of the registration's community"`
}

type mePage struct {
	labels
	Mine       *Registration
	Form       RegistrationInput
	Categories []string
	Errs       map[string][]string
	Today      string
	Year       Year
}

func (h *handler) mePage(r *http.Request) (mePage, error) {
	ctx := r.Context()
	p := mePage{labels: labels{h.ui.Page(r, "title.vol_me")}, Categories: Categories, Today: h.svc.db.Now().In(workday.CST).Format("2006-01-02")}
	mine, err := h.svc.MyRegistration(ctx, authz.ActorFrom(ctx))
	if err != nil {
		return p, err
	}
	p.Mine = mine
	if p.Year, err = h.svc.MyYear(ctx, authz.ActorFrom(ctx), h.svc.db.Now()); err != nil {
		return p, err
	}
	if mine != nil {
		p.Form = RegistrationInput{Workplace: mine.Workplace, Skills: mine.Skills, Categories: mine.Categories, Availability: mine.Availability}
	}
	return p, nil
}

// Has tells whether the form offers category c as chosen.
func (p mePage) Has(c string) bool {
	for _, x := range p.Form.Categories {
		if x == c {
			return true
		}
	}
	return false
}

func (h *handler) handleMe(w http.ResponseWriter, r *http.Request) error {
	p, err := h.mePage(r)
	if err != nil {
		return err
	}
	return h.ui.Render(w, r, http.StatusOK, "volunteer_me", "", p)
}

func (h *handler) handleRegister(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return errs.E(errs.Malformed, "err.malformed", err.Error())
	}
	in := RegistrationInput{Workplace: r.PostFormValue("workplace"), Skills: r.PostFormValue("skills"), Categories: r.PostForm["categories"],
		Availability: r.PostFormValue("availability")}
	ctx := r.Context()
	_, err := h.svc.Register(ctx, authz.ActorFrom(ctx), in)
	if errs.CodeOf(err) == errs.Invalid {
		p, perr := h.mePage(r)
		if perr != nil {
			return perr
		}
		p.Form, p.Errs = in, h.failed(p.Lang, err)
		return h.ui.Render(w, r, http.StatusUnprocessableEntity, "volunteer_me", "", p)
	}
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/volunteer/me", "flash.vol_registered")
}

type registrationsPage struct {
	labels
	Registrations web.List[Registration]
	Status        string
	Grids         []territory.Grid
	Next          string
	Errs          map[string][]string
	Today         string
}

func (h *handler) registrationsPage(r *http.Request) (registrationsPage, error) {
	ctx := r.Context()
	sc := authz.ScopeFrom(ctx)
	cur, limit, err := web.PageParams(r)
	if err != nil {
		return registrationsPage{}, err
	}
	p := registrationsPage{labels: labels{h.ui.Page(r, "title.vol_registrations")}, Status: r.URL.Query().Get("status"),
		Today: h.svc.db.Now().In(workday.CST).Format("2006-01-02")}
	if p.Registrations, err = h.svc.Registrations(ctx, sc, p.Status, cur.ID, limit); err != nil {
		return p, err
	}
	if p.Registrations.NextCursor != "" {
		p.Next = fmt.Sprintf("/volunteer/registrations?status=%s&cursor=%s", p.Status, p.Registrations.NextCursor)
	}
	if len(sc.Region) == 12 {
		if p.Grids, err = h.svc.deps.Territory.UnscopedGrids(ctx, territory.GridFilter{Region: sc.Region, Limit: 1000}); err != nil {
			return p, err
		}
	}
	return p, nil
}

func (h *handler) handleRegistrations(w http.ResponseWriter, r *http.Request) error {
	p, err := h.registrationsPage(r)
	if err != nil {
		return err
	}
	return h.ui.Render(w, r, http.StatusOK, "volunteer_registrations", "", p)
}

func (h *handler) handleConfirm(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ObjectID(r, "kind.vol_registration")
	if err != nil {
		return err
	}
	_, err = h.svc.Confirm(r.Context(), authz.ScopeFrom(r.Context()), id, r.PostFormValue("grid"))
	if errs.CodeOf(err) == errs.Invalid {
		p, perr := h.registrationsPage(r)
		if perr != nil {
			return perr
		}
		p.Errs = h.failed(p.Lang, err)
		return h.ui.Render(w, r, http.StatusUnprocessableEntity, "volunteer_registrations", "", p)
	}
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/volunteer/registrations", "flash.vol_confirmed")
}

func (h *handler) apiMine(w http.ResponseWriter, r *http.Request) error {
	mine, err := h.svc.MyRegistration(r.Context(), authz.ActorFrom(r.Context()))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, mine)
}

func (h *handler) apiRegister(w http.ResponseWriter, r *http.Request) error {
	var in RegistrationInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	reg, err := h.svc.Register(r.Context(), authz.ActorFrom(r.Context()), in)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, reg)
}

func (h *handler) apiRegistrations(w http.ResponseWriter, r *http.Request) error {
	cur, limit, err := web.PageParams(r)
	if err != nil {
		return err
	}
	l, err := h.svc.Registrations(r.Context(), authz.ScopeFrom(r.Context()), r.URL.Query().Get("status"), cur.ID, limit)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, l)
}

func (h *handler) apiConfirm(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ObjectID(r, "kind.vol_registration")
	if err != nil {
		return err
	}
	var in ConfirmInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	reg, err := h.svc.Confirm(r.Context(), authz.ScopeFrom(r.Context()), id, in.Grid)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, reg)
}
