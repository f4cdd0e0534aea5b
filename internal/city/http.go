package city

import (
	"net/http"
	"strconv"

	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/web"
	"grassroots/internal/territory"
)

type handler struct {
	svc *Service
	ui  *web.UI
}

func (h *handler) routes(r *web.Router) {
	r.Page("GET /city", PermManage, h.handlePage)
	r.Page("POST /city", PermManage, h.handleSave)
	r.API("GET /api/v1/city", PermView, web.OpDoc{Summary: "The city profile and what is in force (public URL, map frame)", Tag: "city",
		Response: View{}}, h.apiGet)
	r.API("PUT /api/v1/city", PermManage, web.OpDoc{Summary: "Set the city profile (city administrator)", Tag: "city",
		Body: Input{}, Response: View{}}, h.apiPut)
}

// page is the city administrator's profile page.
type page struct {
	web.Page
	View   View
	Form   Input
	Cities []territory.Region // the city-level divisions the admin may choose
	// Errors are the messages shown above the form: those of no field
	// the form shows; FieldErrors are the others, by field name, each
	// shown beside its field and marking it.
	Errors      []string
	FieldErrors map[string][]string
	// FrameSource and URLSource are the translated sources of what is in
	// force; FrameCentre and FrameBounds are shown as numbers.
	FrameSource, URLSource   string
	FrameCentre, FrameBounds string
}

func (h *handler) page(r *http.Request, form *Input) (page, error) {
	v := h.svc.View()
	p := page{Page: h.ui.Page(r, "title.city"), View: v}
	if form != nil {
		p.Form = *form
	} else {
		pr := v.Profile
		p.Form = Input{Code: pr.Code, Name: pr.Name, PublicURL: pr.PublicURL, Jurisdiction: pr.Jurisdiction, Centre: pr.Centre, Bounds: pr.Bounds,
			Hours: pr.Hours, SummerHours: pr.SummerHours, Summer: pr.Summer, Version: pr.Version}
	}
	p.FrameSource = p.T("city.frame_" + v.Map.Source)
	p.URLSource = p.T("city.url_" + v.PublicURLSource)
	if v.Map.Centre != nil {
		p.FrameCentre = formatFloats(v.Map.Centre[:])
	}
	if v.Map.Bounds != nil {
		p.FrameBounds = formatFloats(v.Map.Bounds[:])
	}
	var err error
	p.Cities, err = h.cities(r)
	return p, err
}

// cities lists the divisions in the actor's territory a profile may name.
func (h *handler) cities(r *http.Request) ([]territory.Region, error) {
	var out []territory.Region
	for _, l := range []territory.Level{territory.LevelProvince, territory.LevelCity} {
		rs, err := h.svc.terr.Regions(r.Context(), territory.RegionFilter{Level: l, Limit: 1000})
		if err != nil {
			return nil, err
		}
		for _, x := range rs {
			if IsCityLevel(x) {
				out = append(out, x)
			}
		}
	}
	return out, nil
}

func (h *handler) handlePage(w http.ResponseWriter, r *http.Request) error {
	p, err := h.page(r, nil)
	if err != nil {
		return err
	}
	return h.ui.Render(w, r, http.StatusOK, "city", "", p)
}

func formInput(r *http.Request) Input {
	v, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	return Input{Code: r.PostFormValue("code"), Name: r.PostFormValue("name"), PublicURL: r.PostFormValue("public_url"),
		Jurisdiction: r.PostFormValue("jurisdiction"), Centre: r.PostFormValue("centre"), Bounds: r.PostFormValue("bounds"),
		Hours: r.PostFormValue("hours"), SummerHours: r.PostFormValue("summer_hours"), Summer: r.PostFormValue("summer"), Version: v}
}

// fieldErrors sorts the field errors of err: beside the fields the form
// shows, else above the form.
func (p *page) fieldErrors(ui *web.UI, err error) {
	for _, f := range errs.As(err).Fields {
		msg := ui.FieldMessage(p.Lang, f)
		if !p.shows(f.Field) {
			p.Errors = append(p.Errors, msg)
			continue
		}
		if p.FieldErrors == nil {
			p.FieldErrors = map[string][]string{}
		}
		p.FieldErrors[f.Field] = append(p.FieldErrors[f.Field], msg)
	}
}

// shows reports whether the form has a field of that name: the city's
// select only when there are cities to choose.
func (p *page) shows(field string) bool {
	switch field {
	case "code":
		return len(p.Cities) > 0
	case "name", "public_url", "jurisdiction", "centre", "bounds", "hours", "summer_hours", "summer":
		return true
	}
	return false
}

func (h *handler) handleSave(w http.ResponseWriter, r *http.Request) error {
	in := formInput(r)
	_, err := h.svc.Set(r.Context(), in)
	if c := errs.CodeOf(err); c == errs.Invalid || c == errs.Conflict {
		p, perr := h.page(r, &in)
		if perr != nil {
			return perr
		}
		if c == errs.Conflict {
			p.Errors = []string{h.ui.Message(p.Lang, errs.As(err))}
		} else {
			p.fieldErrors(h.ui, err)
		}
		status := http.StatusUnprocessableEntity
		if c == errs.Conflict {
			status = http.StatusConflict
		}
		return h.ui.Render(w, r, status, "city", "", p)
	}
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/city", "flash.saved")
}

func (h *handler) apiGet(w http.ResponseWriter, r *http.Request) error {
	return web.JSON(w, http.StatusOK, h.svc.View())
}

func (h *handler) apiPut(w http.ResponseWriter, r *http.Request) error {
	var in Input
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	if _, err := h.svc.Set(r.Context(), in); err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, h.svc.View())
}
