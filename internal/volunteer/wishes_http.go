package volunteer

import (
	"fmt"
	"net/http"
	"strconv"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/web"
)

func (h *handler) wishRoutes(r *web.Router) {
	r.Page("GET /volunteer/wishes", PermView, h.handleWishes)
	r.Page("POST /volunteer/wishes", PermOrganise, h.handlePostWish)
	r.Page("GET /volunteer/wishes/{id}", PermView, h.handleWish)
	r.Page("POST /volunteer/wishes/{id}/claim", PermCheckIn, h.handleClaim)
	r.Page("POST /volunteer/wishes/{id}/fulfil", PermCheckIn, h.handleFulfil)
	r.API("GET /api/v1/volunteer/wishes", PermView, web.OpDoc{Summary: "Micro-wishes of the actor's area, newest first, with the total; beneficiaries masked", Tag: tag,
		Query: append([]web.Param{{Name: "status", Type: "string", Description: "open, claimed or done"}}, web.PageQuery...), Response: web.List[Wish]{}}, h.apiWishes)
	r.API("POST /api/v1/volunteer/wishes", PermOrganise, web.OpDoc{Summary: "Post a micro-wish for a beneficiary who has consented; the answer carries the beneficiary's one-time code, once (audited)", Tag: tag,
		Body: WishInput{}, Response: Posted{}, Status: http.StatusCreated}, h.apiPostWish)
	r.API("GET /api/v1/volunteer/wishes/{id}", PermView, web.OpDoc{Summary: "One micro-wish", Tag: tag, Response: Wish{}}, h.apiWish)
	r.API("POST /api/v1/volunteer/wishes/{id}/claim", PermCheckIn, web.OpDoc{Summary: "Claim an open micro-wish of the member's community (audited)", Tag: tag,
		Response: Wish{}}, h.apiClaim)
	r.API("POST /api/v1/volunteer/wishes/{id}/fulfil", PermCheckIn, web.OpDoc{Summary: "Complete a claimed micro-wish with the beneficiary's one-time code; its points go to the member's ledger (audited)", Tag: tag,
		Body: FulfilInput{}, Response: Wish{}}, h.apiFulfil)
}

// FulfilInput is the beneficiary's code.
type FulfilInput struct {
	Code string `json:"code"`
}

type wishesPage struct {
	labels
	Wishes     web.List[Wish]
	Status     string
	Next       string
	CanPost    bool
	Categories []string
	Form       WishInput
	Errs       map[string][]string
	Posted     *Posted
	CanClaim   bool
	UserID     int64
	MaxTries   int
}

func (h *handler) wishesPage(r *http.Request) (wishesPage, error) {
	ctx := r.Context()
	cur, limit, err := web.PageParams(r)
	if err != nil {
		return wishesPage{}, err
	}
	p := wishesPage{labels: labels{h.ui.Page(r, "title.vol_wishes")}, Status: r.URL.Query().Get("status"), Categories: Categories, MaxTries: MaxCodeTries}
	p.CanPost, p.CanClaim = p.Actor.Can(PermOrganise), p.Actor.Can(PermCheckIn)
	if a := authz.ActorFrom(ctx); a != nil {
		p.UserID = a.UserID
	}
	if p.Wishes, err = h.svc.Wishes(ctx, authz.ScopeFrom(ctx), p.Status, cur.ID, limit); err != nil {
		return p, err
	}
	if p.Wishes.NextCursor != "" {
		p.Next = fmt.Sprintf("/volunteer/wishes?status=%s&cursor=%s", p.Status, p.Wishes.NextCursor)
	}
	return p, nil
}

func (h *handler) handleWishes(w http.ResponseWriter, r *http.Request) error {
	p, err := h.wishesPage(r)
	if err != nil {
		return err
	}
	return h.ui.Render(w, r, http.StatusOK, "volunteer_wishes", "", p)
}

func (h *handler) handlePostWish(w http.ResponseWriter, r *http.Request) error {
	in := WishInput{Title: r.PostFormValue("title"), Detail: r.PostFormValue("detail"), Category: r.PostFormValue("category"),
		Beneficiary: r.PostFormValue("beneficiary"), Consented: r.PostFormValue("consented") == "1"}
	posted, err := h.svc.PostWish(r.Context(), authz.ScopeFrom(r.Context()), in)
	p, perr := h.wishesPage(r)
	if perr != nil {
		return perr
	}
	if errs.CodeOf(err) == errs.Invalid {
		p.Form, p.Errs = in, h.failed(p.Lang, err)
		return h.ui.Render(w, r, http.StatusUnprocessableEntity, "volunteer_wishes", "", p)
	}
	if err != nil {
		return err
	}
	// The code is shown this once, on this page: no redirect.
	w.Header().Set("Cache-Control", "no-store")
	p.Posted = &posted
	return h.ui.Render(w, r, http.StatusCreated, "volunteer_wishes", "", p)
}

type wishPage struct {
	labels
	Wish     Wish
	Mine     bool
	CanClaim bool
	Errs     map[string][]string
	MaxTries int
}

func (h *handler) wishPage(r *http.Request, id int64) (wishPage, error) {
	ctx := r.Context()
	p := wishPage{labels: labels{h.ui.Page(r, "title.vol_wish")}, MaxTries: MaxCodeTries}
	w, err := h.svc.Wish(ctx, authz.ScopeFrom(ctx), id)
	if err != nil {
		return p, err
	}
	p.Wish, p.CanClaim = w, p.Actor.Can(PermCheckIn)
	if a := authz.ActorFrom(ctx); a != nil {
		p.Mine = w.ClaimedBy == a.UserID && a.UserID != 0
	}
	return p, nil
}

func (h *handler) handleWish(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ObjectID(r, "kind.vol_wish")
	if err != nil {
		return err
	}
	p, err := h.wishPage(r, id)
	if err != nil {
		return err
	}
	return h.ui.Render(w, r, http.StatusOK, "volunteer_wish", "", p)
}

func (h *handler) handleClaim(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ObjectID(r, "kind.vol_wish")
	if err != nil {
		return err
	}
	if _, err := h.svc.Claim(r.Context(), authz.ActorFrom(r.Context()), id); err != nil {
		return err
	}
	return web.Redirect(w, r, "/volunteer/wishes/"+strconv.FormatInt(id, 10), "flash.vol_claimed")
}

func (h *handler) handleFulfil(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ObjectID(r, "kind.vol_wish")
	if err != nil {
		return err
	}
	_, err = h.svc.Fulfil(r.Context(), authz.ActorFrom(r.Context()), id, r.PostFormValue("code"))
	if errs.CodeOf(err) == errs.Invalid {
		p, perr := h.wishPage(r, id)
		if perr != nil {
			return perr
		}
		p.Errs = h.failed(p.Lang, err)
		return h.ui.Render(w, r, http.StatusUnprocessableEntity, "volunteer_wish", "", p)
	}
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/volunteer/wishes/"+strconv.FormatInt(id, 10), "flash.vol_fulfilled")
}

func (h *handler) apiWishes(w http.ResponseWriter, r *http.Request) error {
	cur, limit, err := web.PageParams(r)
	if err != nil {
		return err
	}
	l, err := h.svc.Wishes(r.Context(), authz.ScopeFrom(r.Context()), r.URL.Query().Get("status"), cur.ID, limit)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, l)
}

func (h *handler) apiPostWish(w http.ResponseWriter, r *http.Request) error {
	var in WishInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	p, err := h.svc.PostWish(r.Context(), authz.ScopeFrom(r.Context()), in)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return web.JSON(w, http.StatusCreated, p)
}

func (h *handler) apiWish(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ObjectID(r, "kind.vol_wish")
	if err != nil {
		return err
	}
	x, err := h.svc.Wish(r.Context(), authz.ScopeFrom(r.Context()), id)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, x)
}

func (h *handler) apiClaim(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ObjectID(r, "kind.vol_wish")
	if err != nil {
		return err
	}
	x, err := h.svc.Claim(r.Context(), authz.ActorFrom(r.Context()), id)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, x)
}

func (h *handler) apiFulfil(w http.ResponseWriter, r *http.Request) error {
	id, err := web.ObjectID(r, "kind.vol_wish")
	if err != nil {
		return err
	}
	var in FulfilInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	x, err := h.svc.Fulfil(r.Context(), authz.ActorFrom(r.Context()), id, in.Code)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, x)
}
