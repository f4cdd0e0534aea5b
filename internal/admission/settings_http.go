package admission

import (
	"net/http"
	"strings"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/web"
)

// The gate's periods on a page of their own: the city's setting.

func (h *handler) settingsRoutes(r *web.Router) {
	r.Page("GET /admission/settings", PermEdit, h.handleSettings)
	r.Page("POST /admission/settings", PermEdit, h.handleSettingsSave)
}

type settingsPage struct {
	labels
	Settings Settings
	// CanChange: the city's editor; a district's reads them.
	CanChange bool
	Sent      sent
}

func (h *handler) settingsPage(r *http.Request) (settingsPage, error) {
	ctx := r.Context()
	sc := authz.ScopeFrom(ctx)
	st, err := h.svc.Settings(ctx)
	p := settingsPage{labels: labels{h.ui.Page(r, "title.adm_settings")}, Settings: st, CanChange: cityLevel(sc)}
	return p, err
}

func (h *handler) handleSettings(w http.ResponseWriter, r *http.Request) error {
	p, err := h.settingsPage(r)
	if err != nil {
		return err
	}
	return h.ui.Render(w, r, http.StatusOK, "admission_settings", "", p)
}

func (h *handler) handleSettingsSave(w http.ResponseWriter, r *http.Request) error {
	var fe errs.Fields
	for _, f := range []string{"lead_days", "decide_days"} {
		if strings.TrimSpace(r.PostFormValue(f)) == "" {
			fe.Add(f, "rule.required", "")
		}
	}
	in := Settings{LeadDays: web.FormInt(&fe, r, "lead_days"), DecideDays: web.FormInt(&fe, r, "decide_days")}
	err := fe.Err()
	if err == nil {
		_, err = h.svc.PutSettings(r.Context(), authz.ScopeFrom(r.Context()), in)
	}
	if errs.CodeOf(err) == errs.Invalid {
		p, perr := h.settingsPage(r)
		if perr != nil {
			return perr
		}
		p.Settings.LeadDays, p.Settings.DecideDays = in.LeadDays, in.DecideDays
		p.Sent = h.failed(p.Lang, err, "lead_days", "decide_days")
		return h.ui.Render(w, r, http.StatusUnprocessableEntity, "admission_settings", "", p)
	}
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/admission/settings", "flash.adm_settings_saved")
}
