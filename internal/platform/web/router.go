// Package web is the HTTP machinery every module uses: a router whose
// routes each name their permission, one error-to-response mapping for
// pages and for the JSON API (RFC 9457 problem details), server-rendered
// pages in a shared layout, the middleware chain, and the OpenAPI document
// built from the registered API routes.
package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/errs"
)

// HandlerFunc is a handler that returns its failure instead of writing it.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// Kind tells how a route answers errors.
type Kind int

// Route kinds.
const (
	KindPage Kind = iota
	KindAPI
	KindRaw
)

// Route is one registered route.
type Route struct {
	Method string
	Path   string
	Perm   authz.Perm
	Kind   Kind
	Doc    *OpDoc
}

// Router registers routes on a ServeMux. Every route names its permission
// when it is registered, so no route can exist without one.
type Router struct {
	mux     *http.ServeMux
	ui      *UI
	log     *slog.Logger
	routes  []Route
	metrics *Metrics
	limits  map[string]int64 // pattern → body limit, for uploads
}

// MaxUpload is the body limit of upload routes (imports).
const MaxUpload = 64 << 20

// Upload registers an API route that accepts bodies up to MaxUpload.
func (rt *Router) Upload(pattern string, perm authz.Perm, doc OpDoc, h HandlerFunc) {
	rt.limits[pattern] = MaxUpload
	rt.API(pattern, perm, doc, h)
}

// PageUpload registers a page route that accepts bodies up to MaxUpload.
func (rt *Router) PageUpload(pattern string, perm authz.Perm, h HandlerFunc) {
	rt.limits[pattern] = MaxUpload
	rt.Page(pattern, perm, h)
}

// BodyLimit is the largest body the route of r accepts.
func (rt *Router) BodyLimit(r *http.Request) int64 {
	if _, pattern := rt.mux.Handler(r); pattern != "" {
		if n, ok := rt.limits[pattern]; ok {
			return n
		}
	}
	return MaxBody
}

// NewRouter returns a router rendering errors with ui.
func NewRouter(ui *UI, log *slog.Logger, m *Metrics) *Router {
	rt := &Router{mux: http.NewServeMux(), ui: ui, log: log, metrics: m, limits: map[string]int64{}}
	rt.mux.HandleFunc("/", rt.notFound)
	return rt
}

// UI returns the page renderer, for module handlers.
func (rt *Router) UI() *UI { return rt.ui }

// Routes returns every registered route, sorted by path then method.
func (rt *Router) Routes() []Route {
	out := append([]Route(nil), rt.routes...)
	sort.Slice(out, func(i, j int) bool {
		if out[i].Path != out[j].Path {
			return out[i].Path < out[j].Path
		}
		return out[i].Method < out[j].Method
	})
	return out
}

// ServeHTTP dispatches to the registered routes.
func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) { rt.mux.ServeHTTP(w, r) }

// notFound answers anything no route matches (a known path with another
// method included) in the shape its path expects.
func (rt *Router) notFound(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	err := errs.E(errs.NotFound, "err.no_route")
	if isAPIPath(r.URL.Path) {
		rt.problem(w, r, err)
	} else {
		rt.ui.Error(w, r, err)
	}
	rt.metrics.observe("unmatched", r.Method, http.StatusNotFound, start)
}

func isAPIPath(p string) bool {
	return strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/open311/")
}

func split(pattern string) (method, path string) {
	m, p, ok := strings.Cut(pattern, " ")
	if !ok {
		return "", pattern
	}
	return m, p
}

// Page registers a server-rendered page.
func (rt *Router) Page(pattern string, perm authz.Perm, h HandlerFunc) {
	rt.add(pattern, perm, KindPage, nil, h)
}

// API registers a JSON endpoint with its OpenAPI description.
func (rt *Router) API(pattern string, perm authz.Perm, doc OpDoc, h HandlerFunc) {
	rt.add(pattern, perm, KindAPI, &doc, h)
}

// Raw registers a plain handler (static files, health, metrics).
func (rt *Router) Raw(pattern string, perm authz.Perm, h http.Handler) {
	rt.add(pattern, perm, KindRaw, nil, func(w http.ResponseWriter, r *http.Request) error {
		h.ServeHTTP(w, r)
		return nil
	})
}

func (rt *Router) add(pattern string, perm authz.Perm, kind Kind, doc *OpDoc, h HandlerFunc) {
	if perm == "" {
		panic("web: route " + pattern + " has no permission")
	}
	method, path := split(pattern)
	rt.routes = append(rt.routes, Route{Method: method, Path: path, Perm: perm, Kind: kind, Doc: doc})
	if kind == KindPage && method == http.MethodGet && rt.ui != nil {
		rt.ui.pagePerms[path] = perm
	}
	rt.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		err := rt.authorize(r, perm)
		if err == nil && kind != KindRaw {
			err = validForm(r)
		}
		if err == nil {
			err = h(sw, r)
		}
		if err != nil {
			rt.fail(sw, r, kind, err)
		}
		rt.metrics.observe(pattern, r.Method, sw.status(), start)
	})
}

// validForm refuses a query string or form whose names or values are not
// valid UTF-8, as decodeJSON refuses such a JSON body: Go would hand the
// bad bytes to the handler, and they would be stored or shown as
// replacement marks. It parses the form the handler would parse anyway.
func validForm(r *http.Request) error {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		_ = r.ParseMultipartForm(32 << 20) // errors are the handler's to report
	} else {
		_ = r.ParseForm()
	}
	vals := []url.Values{r.Form}
	if r.MultipartForm != nil {
		vals = append(vals, r.MultipartForm.Value)
	}
	for _, v := range vals {
		for k, xs := range v {
			if !utf8.ValidString(k) {
				return errs.E(errs.Malformed, "err.malformed", "invalid UTF-8")
			}
			for _, x := range xs {
				if !utf8.ValidString(x) {
					return errs.E(errs.Malformed, "err.malformed", "invalid UTF-8")
				}
			}
		}
	}
	return nil
}

// pendingAllowed are what an account whose password someone else set may
// do before its holder chooses their own: see and change it, sign out.
var pendingAllowed = map[string]bool{"GET /me": true, "POST /me/password": true, "POST /logout": true, "POST /lang": true, "GET /api/v1/me": true}

// authorize checks that the actor holds perm.
func (rt *Router) authorize(r *http.Request, perm authz.Perm) error {
	a := authz.ActorFrom(r.Context())
	if perm == authz.Public {
		return nil
	}
	if a == nil {
		return errs.E(errs.Unauthorized, "err.unauthorized")
	}
	if a.MustChangePassword && !pendingAllowed[r.Method+" "+r.URL.Path] {
		return errs.E(errs.Forbidden, "err.password_change_required")
	}
	if !a.Can(perm) {
		return errs.E(errs.Forbidden, "err.forbidden")
	}
	return nil
}

func (rt *Router) fail(w *statusWriter, r *http.Request, kind Kind, err error) {
	e := errs.As(err)
	if e.Code == errs.Internal {
		if errors.Is(err, context.Canceled) {
			return
		}
		rt.log.ErrorContext(r.Context(), "request failed", "err", err, "method", r.Method, "path", r.URL.Path,
			"request_id", authz.ClientFrom(r.Context()).RequestID, "actor_id", actorID(r.Context()))
	}
	if w.wrote {
		return // too late to change the response
	}
	if kind == KindPage && e.Key == "err.password_change_required" {
		http.Redirect(w, r, "/me#password-form", http.StatusSeeOther)
		return
	}
	if kind == KindPage && e.Code == errs.Unauthorized {
		http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	if kind == KindPage {
		rt.ui.Error(w, r, e)
		return
	}
	rt.problem(w, r, e)
}

func actorID(ctx context.Context) int64 {
	if a := authz.ActorFrom(ctx); a != nil {
		return a.UserID
	}
	return 0
}

// Status maps an error code to its HTTP status, in one place.
func Status(c errs.Code) int {
	switch c {
	case errs.Invalid:
		return http.StatusUnprocessableEntity
	case errs.Malformed:
		return http.StatusBadRequest
	case errs.Unauthorized:
		return http.StatusUnauthorized
	case errs.Forbidden:
		return http.StatusForbidden
	case errs.NotFound:
		return http.StatusNotFound
	case errs.Conflict:
		return http.StatusConflict
	case errs.Locked:
		return http.StatusLocked
	case errs.TooLarge:
		return http.StatusRequestEntityTooLarge
	case errs.Unavailable:
		return http.StatusServiceUnavailable
	case errs.MethodNotAllowed:
		return http.StatusMethodNotAllowed
	}
	return http.StatusInternalServerError
}

// statusWriter remembers the status for metrics and whether the body
// has started.
type statusWriter struct {
	http.ResponseWriter
	code  int
	wrote bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.code, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.code, w.wrote = http.StatusOK, true
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) status() int {
	if w.code == 0 {
		return http.StatusOK
	}
	return w.code
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Metrics holds the HTTP metrics.
type Metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

// NewMetrics registers the HTTP metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "grassroots_http_requests_total", Help: "HTTP requests by route, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "grassroots_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route", "method"}),
	}
	reg.MustRegister(m.requests, m.latency)
	return m
}

func (m *Metrics) observe(route, method string, status int, start time.Time) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(route, method, http.StatusText(status)).Inc()
	m.latency.WithLabelValues(route, method).Observe(time.Since(start).Seconds())
}
