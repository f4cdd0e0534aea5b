// Package workbench is every signed-in actor's home page (工作台): the
// panels the modules contribute for the actor's role, each a to-do list
// whose counts link to the lists that show exactly those items, with the
// actions that start work and the key figures of the actor's area.
//
// The workbench knows nothing of cases, households or visits: each module
// declares its panels in its manifest (web.Widget), and capabilities still
// to come add their to-dos without touching this package.
package workbench

import (
	"context"
	"embed"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/module"
	"grassroots/internal/platform/web"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed messages/*.json
var messageFiles embed.FS

// Manifest registers the workbench over the widgets of every other module.
func Manifest(widgets []web.Widget, log *slog.Logger) module.Manifest {
	ws := slices.Clone(widgets)
	slices.SortStableFunc(ws, func(a, b web.Widget) int { return a.Order - b.Order })
	return module.Manifest{
		Name: "workbench", Templates: module.Sub(templateFiles, "templates"), Messages: module.Sub(messageFiles, "messages"),
		Menu: []web.MenuItem{{Key: "nav.workbench", Path: "/", Perm: authz.Authenticated, Order: 0}},
		Routes: func(r *web.Router) {
			h := &handler{ui: r.UI(), widgets: ws, log: log}
			r.Page("GET /{$}", authz.Public, h.handleHome)
			r.Page("GET /workbench/w/{name}", authz.Authenticated, h.handleWidget)
			r.API("GET /api/v1/workbench", authz.Authenticated, web.OpDoc{Summary: "The actor's workbench: every panel for the actor's role, with counts that equal the totals of the lists they link to", Tag: "workbench",
				Response: Workbench{}}, h.apiWorkbench)
			r.API("GET /api/v1/workbench/{name}", authz.Authenticated, web.OpDoc{Summary: "One panel of the actor's workbench", Tag: "workbench",
				Response: Panel{}}, h.apiWidget)
		},
	}
}

// Workbench is the API's view of the whole page.
type Workbench struct {
	Panels []Panel `json:"panels"`
}

// Panel is one widget's panel with its labels translated.
type Panel struct {
	Name string `json:"name"`
	web.Panel
	Error string `json:"error,omitempty" doc:"the panel could not be loaded; the others are unaffected"`
}

type handler struct {
	ui      *web.UI
	widgets []web.Widget
	log     *slog.Logger
}

// mine returns the widgets for a, in order.
func (h *handler) mine(a *authz.Actor) []web.Widget {
	var out []web.Widget
	for _, w := range h.widgets {
		if w.Shows(a) {
			out = append(out, w)
		}
	}
	return out
}

func (h *handler) widget(a *authz.Actor, name string) (web.Widget, error) {
	for _, w := range h.mine(a) {
		if w.Name == name {
			return w, nil
		}
	}
	return web.Widget{}, errs.NotFoundf("kind.widget")
}

// load builds one panel and translates its labels into lang.
func (h *handler) load(ctx context.Context, a *authz.Actor, w web.Widget, lang string) (Panel, error) {
	p, err := w.Load(ctx, a)
	if err != nil {
		return Panel{Name: w.Name}, fmt.Errorf("workbench: %s: %w", w.Name, err)
	}
	return Panel{Name: w.Name, Panel: h.translate(lang, p)}, nil
}

func (h *handler) translate(lang string, p web.Panel) web.Panel {
	t := func(k string) string {
		if k == "" {
			return ""
		}
		return h.ui.Catalog().T(lang, k)
	}
	p.Title, p.Empty = t(p.Title), t(p.Empty)
	p.Actions = slices.Clone(p.Actions)
	for i := range p.Actions {
		p.Actions[i].Label = t(p.Actions[i].Label)
	}
	p.Items = slices.Clone(p.Items)
	for i := range p.Items {
		p.Items[i].Label = t(p.Items[i].Label)
	}
	p.Figures = slices.Clone(p.Figures)
	for i := range p.Figures {
		p.Figures[i].Label, p.Figures[i].Note = t(p.Figures[i].Label), t(p.Figures[i].Note)
	}
	p.Rows = slices.Clone(p.Rows)
	for i := range p.Rows {
		if b := p.Rows[i].Badge; b != "" {
			p.Rows[i].Badge = h.ui.Catalog().T(lang, b, p.Rows[i].BadgeArgs...)
		}
		p.Rows[i].Note = t(p.Rows[i].Note)
	}
	return p
}

type homePage struct {
	web.Page
	Widgets []web.Widget
}

func (h *handler) handleHome(w http.ResponseWriter, r *http.Request) error {
	a := authz.ActorFrom(r.Context())
	if a == nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return nil
	}
	p := homePage{Page: h.ui.Page(r, "title.workbench"), Widgets: h.mine(a)}
	return h.ui.Render(w, r, http.StatusOK, "workbench", "", p)
}

type panelPage struct {
	web.Page
	Panel Panel
}

// handleWidget answers one panel: the fragment for htmx, the panel on a
// page of its own otherwise (a link to it works without scripts).
func (h *handler) handleWidget(w http.ResponseWriter, r *http.Request) error {
	a := authz.ActorFrom(r.Context())
	wd, err := h.widget(a, r.PathValue("name"))
	if err != nil {
		return err
	}
	p := panelPage{Page: h.ui.Page(r, "title.workbench")}
	if p.Panel, err = h.load(r.Context(), a, wd, p.Lang); err != nil {
		return err
	}
	return h.ui.Render(w, r, http.StatusOK, "workbench_panel", "panel", p)
}

func (h *handler) apiWidget(w http.ResponseWriter, r *http.Request) error {
	a := authz.ActorFrom(r.Context())
	wd, err := h.widget(a, r.PathValue("name"))
	if err != nil {
		return err
	}
	p, err := h.load(r.Context(), a, wd, web.LangFrom(r.Context()))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, p)
}

// apiWorkbench loads every panel at once, two at a time; a panel that
// fails says so and the others are answered as usual.
func (h *handler) apiWorkbench(w http.ResponseWriter, r *http.Request) error {
	a := authz.ActorFrom(r.Context())
	lang := web.LangFrom(r.Context())
	ws := h.mine(a)
	out := Workbench{Panels: make([]Panel, len(ws))}
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	for i, wd := range ws {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			p, err := h.load(r.Context(), a, wd, lang)
			if err != nil && r.Context().Err() == nil {
				h.log.ErrorContext(r.Context(), "workbench panel failed", "widget", wd.Name, "err", err)
				p.Error = h.ui.Message(lang, errs.As(err))
			}
			out.Panels[i] = p
		}()
	}
	wg.Wait()
	if err := r.Context().Err(); err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, out)
}

// Check refuses, at start-up, a widget name that is empty, not one path
// segment, or used twice.
func Check(widgets []web.Widget) error {
	seen := map[string]bool{}
	for _, w := range widgets {
		if w.Name == "" || strings.ContainsAny(w.Name, "/ ") || seen[w.Name] {
			return fmt.Errorf("workbench: widget name %q is empty, not a path segment or used twice", w.Name)
		}
		seen[w.Name] = true
	}
	return nil
}
