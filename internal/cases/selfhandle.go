package cases

import (
	"context"
	"net/http"
	"strconv"
	"unicode/utf8"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/text"
	"grassroots/internal/platform/web"
)

// SelfHandleInput is a small problem a grid worker (or community staff)
// found on patrol and fixed on the spot (自行处置): what it was, where,
// what was done, and at least one photo.
type SelfHandleInput struct {
	Category    string   `json:"category" doc:"four-digit sub-class code of the catalogue"`
	Description string   `json:"description" doc:"what the problem was"`
	Handled     string   `json:"handled" doc:"what was done about it; the public reads it on the case's timeline"`
	Lon         *float64 `json:"lon,omitempty" doc:"WGS-84"`
	Lat         *float64 `json:"lat,omitempty"`
	Address     string   `json:"address,omitempty" doc:"used to locate the case when there is no point"`
	Photos      [][]byte `json:"photos" doc:"the spot, after the fix (or before and after): 1–6 JPEG, PNG or WebP images, base64"`
	photos      []Photo
}

// SelfHandle files a problem fixed on the spot: located, in the actor's
// own grids or community, closed at once as self-handled (channel
// patrol, no dispatch, a public timeline), audited. Rankings count it
// apart from the cases that went through the workflow.
func (s *Service) SelfHandle(ctx context.Context, in SelfHandleInput) (*Case, error) {
	a := authz.ActorFrom(ctx)
	if a == nil {
		return nil, errs.E(errs.Unauthorized, "err.unauthorized")
	}
	if !a.Can(PermSelfHandle) || a.Scope.Department != 0 || a.Scope.PropertyOnly {
		return nil, errs.E(errs.Forbidden, "err.forbidden")
	}
	var fe errs.Fields
	in.Handled = text.BlockField(&fe, "handled", in.Handled)
	if n := utf8.RuneCountInString(in.Handled); n == 0 {
		fe.Add("handled", "rule.required", "")
	} else if n > 1000 {
		fe.Add("handled", "rule.max_length", "1000")
	}
	photos, pfe, err := s.checkPhotos(ctx, "photos", in.Photos)
	if err != nil {
		return nil, err
	}
	in.photos, fe = photos, append(fe, pfe...)
	if len(in.photos) == 0 && len(in.Photos) == 0 {
		fe.Add("photos", "rule.photo_required", "")
	}
	res, err := s.Report(ctx, ReportInput{Category: in.Category, Description: in.Description, Lon: in.Lon, Lat: in.Lat, Address: in.Address,
		Channel: ChannelPatrol, Photos: in.photos, selfHandled: true, handled: in.Handled, more: fe})
	if err != nil {
		return nil, err
	}
	return res.Case, nil
}

func (h *handler) selfHandleRoutes(r *web.Router) {
	r.Page("GET /cases/self-handle", PermSelfHandle, h.handleSelfHandleForm)
	r.PageUpload("POST /cases/self-handle", PermSelfHandle, h.handleSelfHandle)
	r.Upload("POST /api/v1/cases/self-handled", PermSelfHandle, web.OpDoc{Summary: "Record a problem found on patrol and fixed on the spot (自行处置): located in the caller's own grids or community, closed at once, never dispatched; at least one photo; counted apart in rankings", Tag: "cases",
		Body: SelfHandleInput{}, Response: Case{}, Status: http.StatusCreated}, h.apiSelfHandle)
}

// selfHandlePage is the phone form of a problem fixed on the spot.
type selfHandlePage struct {
	newPage
	Handled string
}

func (h *handler) selfHandlePage(r *http.Request) (selfHandlePage, error) {
	p, err := h.newPage(r)
	if err != nil {
		return selfHandlePage{}, err
	}
	p.Title = p.T("title.self_handle")
	return selfHandlePage{newPage: p}, nil
}

func (h *handler) handleSelfHandleForm(w http.ResponseWriter, r *http.Request) error {
	p, err := h.selfHandlePage(r)
	if err != nil {
		return err
	}
	return h.ui.Render(w, r, http.StatusOK, "self_handle", "", p)
}

func (h *handler) handleSelfHandle(w http.ResponseWriter, r *http.Request) error {
	in, text, catErr := h.reportForm(r)
	if errs.CodeOf(catErr) == errs.Malformed {
		return catErr
	}
	sh := SelfHandleInput{Category: in.Category, Description: in.Description, Handled: r.PostFormValue("handled"), Lon: in.Lon, Lat: in.Lat, Address: in.Address}
	photos, err := h.photosFrom(r)
	var c *Case
	if err == nil {
		for _, p := range photos {
			sh.Photos = append(sh.Photos, p.Data)
		}
		c, err = h.svc.SelfHandle(r.Context(), sh)
		err = requiredCategory(in, withCategory(err, catErr))
	}
	if errs.CodeOf(err) == errs.Invalid {
		p, perr := h.selfHandlePage(r)
		if perr != nil {
			return perr
		}
		p.Form, p.Lon, p.Lat, p.CategoryText, p.Handled = in, r.PostFormValue("lon"), r.PostFormValue("lat"), text, r.PostFormValue("handled")
		p.Sent = failedForm(h.ui, p.Lang, "report", r, err, append(reportFields, "handled")...)
		p.Errors = p.Sent.Other
		p.HadPhotos = r.MultipartForm != nil && len(r.MultipartForm.File["photos"]) > 0
		return h.ui.Render(w, r, http.StatusUnprocessableEntity, "self_handle", "", p)
	}
	if err != nil {
		return err
	}
	return done(w, r, c.ID, c.lastEvent, "flash.case_reported")
}

func (h *handler) apiSelfHandle(w http.ResponseWriter, r *http.Request) error {
	var in SelfHandleInput
	if err := web.DecodeUpload(r, &in); err != nil {
		return err
	}
	c, err := h.svc.SelfHandle(r.Context(), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/cases/"+strconv.FormatInt(c.ID, 10))
	return web.JSON(w, http.StatusCreated, c)
}
