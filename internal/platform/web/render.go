package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/i18n"
	"grassroots/internal/platform/workday"
)

//go:embed templates/*.html
var layoutFiles embed.FS

//go:embed pages/*.html
var pageFiles embed.FS

//go:embed static
var staticFiles embed.FS

//go:embed messages/*.json
var messageFiles embed.FS

// Messages returns the catalogue of the shell's own strings.
func Messages() fs.FS {
	sub, _ := fs.Sub(messageFiles, "messages")
	return sub
}

// MenuItem is one navigation entry, shown to actors holding Perm.
type MenuItem struct {
	Key   string // message key of the label
	Path  string
	Perm  authz.Perm
	Order int
	// Group is the submenu the entry sits in (one of Groups); empty: on
	// the bar itself.
	Group string
}

// The navigation's submenus, in the order shown: a few groups instead of
// one long row.
const (
	GroupWork    = "nav.g.work"    // the day's work: cases, whistles, visits
	GroupRecords = "nav.g.records" // people, buildings, the Party, units
	GroupFigures = "nav.g.figures" // overviews, statistics, rankings
	GroupAdmin   = "nav.g.admin"   // accounts, settings, the audit log
)

// Groups lists the submenus in order.
var Groups = []string{GroupWork, GroupRecords, GroupFigures, GroupAdmin}

// MenuGroup is a submenu with the entries an actor may open.
type MenuGroup struct {
	Key   string
	Items []MenuItem
	// Current: the page shown is one of the entries.
	Current bool
}

// UI renders pages: it owns the templates, the message catalogue, the menu
// and the content-hashed static URLs.
type UI struct {
	pages  map[string]*template.Template
	cat    *i18n.Catalog
	menu   []MenuItem
	assets map[string]string // path → hash
	static fs.FS
	// pagePerms are the permissions of the page routes (GET path →
	// permission), filled as the router registers them: an entry of the
	// menu is shown only to an actor who may open its page.
	pagePerms map[string]authz.Perm

	mu       sync.Mutex
	executed map[string]bool // template names rendered, for tests

	// TileURL is the map tile URL template (the first layer of Tiles);
	// empty: no tiles, our own base map only.
	TileURL string
	// Tiles are the configured tile layers, handed to map.js with the
	// map view; nil: none.
	Tiles *Tiles
	// MapView, when set, is where every map opens before its data is
	// drawn (the city profile's frame); nil or empty: maps fit their data.
	MapView func() MapView
}

// MapView is the frame maps open on, in WGS-84; the layout hands it to
// map.js. Either may be nil. Tiles is filled from UI.Tiles.
type MapView struct {
	Centre *[2]float64 `json:"centre,omitempty"` // lon, lat
	Bounds *[4]float64 `json:"bounds,omitempty"` // west, south, east, north
	Tiles  *Tiles      `json:"tiles,omitempty"`
}

// Tiles is a tile base map: its layers, drawn in order, and the datum its
// tiles are drawn in. For "gcj02" (AMap) map.js moves every shape it
// draws from WGS-84 to GCJ-02 and every tap back; "wgs84" covers WGS-84
// and CGCS2000 (天地图), which differ by centimetres.
type Tiles struct {
	Provider string      `json:"provider"`
	Datum    string      `json:"datum"`
	Layers   []TileLayer `json:"layers"`
}

// TileLayer is one layer of tiles: a Leaflet URL template ({z}, {x},
// {y}, and {s} for one of Subdomains' characters).
type TileLayer struct {
	URL         string `json:"url"`
	Subdomains  string `json:"subdomains,omitempty"`
	MaxZoom     int    `json:"max_zoom,omitempty"`
	Attribution string `json:"attribution,omitempty"`
}

// NewUI parses the layout with every module's page templates. Each file in
// a module's templates is one page, named by its file name without .html.
// It fails on any template error, so a broken template stops start-up.
func NewUI(cat *i18n.Catalog, menu []MenuItem, moduleTemplates ...fs.FS) (*UI, error) {
	static, _ := fs.Sub(staticFiles, "static")
	ui := &UI{pages: map[string]*template.Template{}, cat: cat, menu: menu, assets: map[string]string{},
		static: static, executed: map[string]bool{}, pagePerms: map[string]authz.Perm{}}
	err := fs.WalkDir(static, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(static, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		ui.assets[p] = hex.EncodeToString(sum[:6])
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("web: static files: %w", err)
	}
	funcs := template.FuncMap{
		"asset": ui.Asset,
		"join":  strings.Join,
		"date":  func(t time.Time) string { return t.In(cst).Format("2006-01-02 15:04") },
		"add":   func(a, b int) int { return a + b },
		"mapView": func() MapView {
			var v MapView
			if ui.MapView != nil {
				v = ui.MapView()
			}
			v.Tiles = ui.Tiles
			return v
		},
	}
	base, err := template.New("layout").Funcs(funcs).ParseFS(layoutFiles, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("web: layout: %w", err)
	}
	own, _ := fs.Sub(pageFiles, "pages")
	for _, mfs := range append([]fs.FS{own}, moduleTemplates...) {
		files, err := fs.Glob(mfs, "*.html")
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			name := strings.TrimSuffix(path.Base(f), ".html")
			if _, dup := ui.pages[name]; dup {
				return nil, fmt.Errorf("web: page template %q defined twice", name)
			}
			t, err := template.Must(base.Clone()).ParseFS(mfs, f)
			if err != nil {
				return nil, fmt.Errorf("web: template %s: %w", f, err)
			}
			ui.pages[name] = t
		}
	}
	return ui, nil
}

// cst is China Standard Time, the zone every page shows times in.
var cst = workday.CST

// Catalog returns the message catalogue.
func (ui *UI) Catalog() *i18n.Catalog { return ui.cat }

// Asset returns the content-hashed URL of a static file.
func (ui *UI) Asset(p string) string {
	h, ok := ui.assets[p]
	if !ok {
		panic("web: no static file " + p)
	}
	return "/static/" + p + "?v=" + h
}

// StaticHandler serves the embedded static files; hashed URLs are cached
// for a year.
func (ui *UI) StaticHandler() http.Handler {
	fsrv := http.StripPrefix("/static/", http.FileServerFS(ui.static))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := strings.TrimPrefix(r.URL.Path, "/static/")
		if p == "" || strings.HasSuffix(p, "/") {
			// Files only: no directory listings.
			http.NotFound(w, r)
			return
		}
		if v := r.URL.Query().Get("v"); v != "" && v == ui.assets[p] {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			w.Header().Set("Cache-Control", "no-cache")
		}
		fsrv.ServeHTTP(w, r)
	})
}

// Page is embedded in every page's data: who is looking, in which
// language, with which menu and flash message.
type Page struct {
	Title string
	Lang  string
	Actor *authz.Actor
	Menu  []MenuItem
	// Bar are the entries outside any group; Groups the submenus.
	Bar    []MenuItem
	Groups []MenuGroup
	Flash  string
	CSRF   string
	Path   string
	// TileURL is the map tile template, empty when none is configured.
	TileURL string
	cat     *i18n.Catalog
}

// T translates key into the page's language.
func (p Page) T(key string, args ...any) string { return p.cat.T(p.Lang, key, args...) }

// N is a list's total as a page shows it (none: 0).
func (p Page) N(total *int64) int64 {
	if total == nil {
		return 0
	}
	return *total
}

// RoleName is the translated name of a role.
func (p Page) RoleName(r authz.Role) string { return p.T("role." + string(r)) }

// flashText translates a flash key; anything not in the catalogue (a
// forged cookie) shows nothing.
func (ui *UI) flashText(lang, key string) string {
	if key == "" || !ui.cat.Has(key) {
		return ""
	}
	return ui.cat.T(lang, key)
}

// Page builds the page frame for r with the title key.
func (ui *UI) Page(r *http.Request, titleKey string) Page {
	a := authz.ActorFrom(r.Context())
	var menu []MenuItem
	if a != nil {
		for _, m := range ui.menu {
			if a.Can(m.Perm) && ui.mayOpen(a, m.Path) {
				menu = append(menu, m)
			}
		}
	}
	lang := LangFrom(r.Context())
	bar, groups := groupMenu(menu, r.URL.Path)
	return Page{
		Title: ui.cat.T(lang, titleKey), Lang: lang, Actor: a, Menu: menu, Bar: bar, Groups: groups,
		Flash: ui.flashText(lang, flashFrom(r)), CSRF: CSRFFrom(r.Context()), Path: r.URL.Path, cat: ui.cat, TileURL: ui.TileURL,
	}
}

// mayOpen reports whether a holds the permission of the page at path (a
// menu entry's own permission may be narrower, never wider).
func (ui *UI) mayOpen(a *authz.Actor, path string) bool {
	perm, ok := ui.pagePerms[path]
	if !ok && path == "/" {
		perm, ok = ui.pagePerms["/{$}"]
	}
	return !ok || a.Can(perm)
}

// groupMenu sorts entries into the bar and the submenus; a group without
// an entry the actor may open is left out, and the personal page (/me)
// sits with the user's name.
func groupMenu(menu []MenuItem, current string) (bar []MenuItem, groups []MenuGroup) {
	for _, g := range Groups {
		mg := MenuGroup{Key: g}
		for _, m := range menu {
			if m.Group == g {
				mg.Items = append(mg.Items, m)
				mg.Current = mg.Current || m.Path == current
			}
		}
		if len(mg.Items) > 0 {
			groups = append(groups, mg)
		}
	}
	for _, m := range menu {
		if m.Group == "" && m.Path != "/me" {
			bar = append(bar, m)
		}
	}
	return bar, groups
}

// Render writes page name with data. An htmx request gets only the
// template block named fragment when fragment is not empty.
func (ui *UI) Render(w http.ResponseWriter, r *http.Request, status int, name, fragment string, data any) error {
	t, ok := ui.pages[name]
	if !ok {
		return fmt.Errorf("web: no page template %q", name)
	}
	entry := "layout.html"
	if fragment != "" && r.Header.Get("HX-Request") == "true" {
		entry = fragment
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, entry, data); err != nil {
		return fmt.Errorf("web: render %s/%s: %w", name, entry, err)
	}
	ui.mu.Lock()
	ui.executed[name+"/"+entry] = true
	ui.mu.Unlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, err := buf.WriteTo(w)
	return err
}

// Executed returns the page templates rendered so far, for the test that
// fails on templates no test reached.
func (ui *UI) Executed() map[string]bool {
	ui.mu.Lock()
	defer ui.mu.Unlock()
	out := map[string]bool{}
	for k := range ui.executed {
		out[k] = true
	}
	return out
}

// PageNames returns every page template name.
func (ui *UI) PageNames() []string {
	var out []string
	for k := range ui.pages {
		out = append(out, k)
	}
	return out
}

type errorPage struct {
	Page
	Status  int
	Message string
	Fields  []string
}

// Error renders the error page for err.
func (ui *UI) Error(w http.ResponseWriter, r *http.Request, err error) {
	e := errs.As(err)
	st := Status(e.Code)
	p := ui.Page(r, "title.error")
	data := errorPage{Page: p, Status: st, Message: ui.Message(p.Lang, e)}
	for _, f := range e.Fields {
		data.Fields = append(data.Fields, ui.FieldMessage(p.Lang, f))
	}
	if rerr := ui.Render(w, r, st, "error", "", data); rerr != nil {
		http.Error(w, http.StatusText(st), st)
	}
}

// Message translates an error for people.
func (ui *UI) Message(lang string, e *errs.Error) string {
	key := e.Key
	if key == "" || !ui.cat.Has(key) {
		key = "err." + string(e.Code)
	}
	args := make([]any, len(e.Args))
	for i, a := range e.Args {
		if s, ok := a.(string); ok && ui.cat.Has(s) {
			a = ui.cat.T(lang, s)
		}
		args[i] = a
	}
	return ui.cat.T(lang, key, args...)
}

// Bar is one bar of a chart; Code makes it a link target.
type Bar struct {
	Name  string
	Value float64
	Code  string
}

// BarChart returns the ECharts option of a titled bar chart whose bars
// link to data-chart-link + code (see app.js).
func BarChart(title string, bars []Bar) template.JS {
	names := make([]string, len(bars))
	data := make([]map[string]any, len(bars))
	for i, b := range bars {
		names[i] = b.Name
		data[i] = map[string]any{"value": b.Value, "code": b.Code}
	}
	opt := map[string]any{
		"title":   map[string]any{"text": title, "textStyle": map[string]any{"fontSize": 14}},
		"tooltip": map[string]any{"trigger": "axis"},
		"grid":    map[string]any{"left": 8, "right": 8, "bottom": 8, "top": 40, "containLabel": true},
		"xAxis":   map[string]any{"type": "category", "data": names, "axisLabel": map[string]any{"rotate": 35, "interval": 0}},
		"yAxis":   map[string]any{"type": "value"},
		"series":  []any{map[string]any{"type": "bar", "data": data, "itemStyle": map[string]any{"color": "#c8161d"}}},
	}
	b, _ := json.Marshal(opt)
	return template.JS(b)
}

// FieldMessages translates the field errors of err, one line each.
func (ui *UI) FieldMessages(lang string, err error) []string {
	var out []string
	for _, f := range errs.As(err).Fields {
		out = append(out, ui.FieldMessage(lang, f))
	}
	return out
}

// FieldMessage translates one field error: "<field>: <rule>", the field
// named by its Label when it has one.
func (ui *UI) FieldMessage(lang string, f errs.FieldError) string {
	field := f.Field
	if f.Label != "" && ui.cat.Has(f.Label) {
		field = ui.cat.T(lang, f.Label)
	} else if ui.cat.Has("field." + f.Field) {
		field = ui.cat.T(lang, "field."+f.Field)
	}
	if f.Param != "" {
		return field + ": " + ui.cat.T(lang, f.Rule, f.Param)
	}
	return field + ": " + ui.cat.T(lang, f.Rule)
}

type langKey struct{}
type csrfKey struct{}

// LangFrom returns the request's language.
func LangFrom(ctx context.Context) string {
	if l, ok := ctx.Value(langKey{}).(string); ok {
		return l
	}
	return i18n.ZH
}

// CSRFFrom returns the request's CSRF token (empty without a session).
func CSRFFrom(ctx context.Context) string {
	s, _ := ctx.Value(csrfKey{}).(string)
	return s
}

const flashCookie = "gr_flash"

// Flash sets a one-time message (a catalogue key) for the next page.
func Flash(w http.ResponseWriter, key string) {
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: key, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, MaxAge: 60})
}

type flashKey struct{}

func flashFrom(r *http.Request) string {
	s, _ := r.Context().Value(flashKey{}).(string)
	return s
}

// Redirect answers a successful form post: flash the message key and go to
// to with 303. htmx requests get HX-Redirect instead.
func Redirect(w http.ResponseWriter, r *http.Request, to, flashKey string) error {
	if flashKey != "" {
		Flash(w, flashKey)
	}
	if r.Header.Get("HX-Request") == "true" {
		w.Header().Set("HX-Redirect", to)
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}
