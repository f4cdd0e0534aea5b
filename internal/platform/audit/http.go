package audit

import (
	"embed"
	"encoding/json"
	"html/template"
	"io/fs"
	"net/http"
	"strconv"
	"time"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/module"
	"grassroots/internal/platform/pii"
	"grassroots/internal/platform/tabular"
	"grassroots/internal/platform/web"
	"grassroots/internal/platform/workday"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed messages/*.json
var messageFiles embed.FS

// PermView lets an admin read the audit log of their territory.
const PermView authz.Perm = "audit.view"

// Manifest registers the audit log pages and API. The keyring opens the
// subjects' audit keys, so that sealed personal values show masked;
// names name the records' objects in the page's sentences.
func Manifest(d *db.DB, keys *pii.Keyring, names Names) module.Manifest {
	m := Migrations()
	tpl, _ := fs.Sub(templateFiles, "templates")
	msg, _ := fs.Sub(messageFiles, "messages")
	return module.Manifest{
		Name: "audit", Migrations: &m, Templates: tpl, Messages: msg,
		Grants: []authz.Grant{{Perm: PermView, Roles: []authz.Role{authz.RoleCityAdmin, authz.RoleDistrictStaff, authz.RoleSubdistrictStaff}}},
		Menu:   []web.MenuItem{{Key: "nav.audit", Path: "/audit", Perm: PermView, Order: 96, Group: web.GroupAdmin}},
		Routes: func(r *web.Router) {
			h := &handler{db: d, keys: keys, ui: r.UI(), names: names}
			r.Page("GET /audit", PermView, h.handleList)
			r.Page("GET /audit.csv", PermView, h.handleCSV)
			r.API("GET /api/v1/audit", PermView, web.OpDoc{Summary: "Audit records of the actor's territory, newest first", Tag: "audit",
				Query: append([]web.Param{{Name: "actor", Type: "string", Description: "user name"},
					{Name: "action", Type: "string", Description: "action prefix, e.g. account."},
					{Name: "object_type", Type: "string"}, {Name: "object_id", Type: "string"},
					{Name: "from", Type: "string", Description: "YYYY-MM-DD (China time)"},
					{Name: "to", Type: "string", Description: "YYYY-MM-DD inclusive"}}, web.PageQuery...),
				Response: web.List[Entry]{}}, h.apiList)
		},
	}
}

type handler struct {
	db    *db.DB
	keys  *pii.Keyring
	ui    *web.UI
	names Names
}

// find reads the entries and opens their sealed personal values: masked,
// or the erased label once the subject has been erased.
func (h *handler) find(r *http.Request, f Filter, erased string) ([]Entry, error) {
	es, err := Find(r.Context(), h.db, authz.ScopeFrom(r.Context()), f)
	if err != nil {
		return nil, err
	}
	return Open(r.Context(), h.db, h.keys, es, erased)
}

var cst = workday.CST

// parseFilter reads the filter from the query string; dates are days in
// China time, "to" inclusive.
func parseFilter(r *http.Request) (Filter, error) {
	q := r.URL.Query()
	f := Filter{Actor: q.Get("actor"), Action: q.Get("action"), ObjectType: q.Get("object_type"), ObjectID: q.Get("object_id")}
	var fe errs.Fields
	if s := q.Get("from"); s != "" {
		t, err := time.ParseInLocation("2006-01-02", s, cst)
		if err != nil {
			fe.Add("from", "rule.date", "")
		}
		f.From = t
	}
	if s := q.Get("to"); s != "" {
		t, err := time.ParseInLocation("2006-01-02", s, cst)
		if err != nil {
			fe.Add("to", "rule.date", "")
		}
		f.To = t.AddDate(0, 0, 1)
	}
	if err := fe.Err(); err != nil {
		return f, err
	}
	return f, f.Validate()
}

// form is the filter as typed, to show it again.
type form struct{ Actor, Action, ObjectType, ObjectID, From, To string }

// choice is an option of the filter's selects.
type choice struct{ Value, Label string }

// perPage is the length of a page of the log.
const perPage = 100

type listPage struct {
	web.Page
	Entries []Told
	Total   int
	Form    form
	Actions []choice // the filter's groups of actions
	Kinds   []choice
	Export  template.URL // the export of the filtered records
	Newest  template.URL // the first page, when this is not it
	Older   template.URL // the next page, when there is one
	Errors  []string
}

func (h *handler) handleList(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	p := listPage{Page: h.ui.Page(r, "title.audit"),
		Form: form{q.Get("actor"), q.Get("action"), q.Get("object_type"), q.Get("object_id"), q.Get("from"), q.Get("to")}}
	for _, g := range Groups {
		p.Actions = append(p.Actions, choice{g, p.T("audit.group." + g)})
	}
	for _, k := range Kinds {
		p.Kinds = append(p.Kinds, choice{k, p.T("audit.kind." + k)})
	}
	q.Del("before")
	p.Export = template.URL("/audit.csv?" + q.Encode())
	f, err := parseFilter(r)
	if errs.CodeOf(err) == errs.Invalid {
		for _, fe := range errs.As(err).Fields {
			p.Errors = append(p.Errors, h.ui.FieldMessage(p.Lang, fe))
		}
		return h.ui.Render(w, r, http.StatusUnprocessableEntity, "audit", "", p)
	}
	if err != nil {
		return err
	}
	f.Before, _ = strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	if f.Before > 0 {
		p.Newest = template.URL("/audit?" + q.Encode())
	}
	f.Limit = perPage + 1
	es, err := h.find(r, f, p.T("audit.erased"))
	if err != nil {
		return err
	}
	if len(es) > perPage {
		q.Set("before", strconv.FormatInt(es[perPage-1].ID, 10))
		p.Older = template.URL("/audit?" + q.Encode())
		es = es[:perPage]
	}
	if p.Total, err = Count(r.Context(), h.db, authz.ScopeFrom(r.Context()), f); err != nil {
		return err
	}
	t := newTeller(r.Context(), h.names, h.ui.Catalog(), p.Lang)
	for _, e := range es {
		told, err := t.say(e)
		if err != nil {
			return err
		}
		p.Entries = append(p.Entries, told)
	}
	return h.ui.Render(w, r, http.StatusOK, "audit", "", p)
}

// handleCSV exports the filtered records (at most 100,000) as CSV with a
// BOM so that Excel reads the Chinese text. The export itself is audited.
func (h *handler) handleCSV(w http.ResponseWriter, r *http.Request) error {
	f, err := parseFilter(r)
	if err != nil {
		return err
	}
	f.Limit = 100000
	sc := authz.ScopeFrom(r.Context())
	es, err := h.find(r, f, h.ui.Page(r, "title.audit").T("audit.erased"))
	if err != nil {
		return err
	}
	err = RecordRead(r.Context(), h.db, Entry{Action: "audit.export", ObjectType: "audit_log", ObjectID: "*",
		Region: sc.Region, Detail: map[string]any{"rows": len(es), "query": r.URL.RawQuery}})
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="audit-`+time.Now().In(cst).Format("20060102-150405")+`.csv"`)
	cw := tabular.NewCSVWriter(w)
	_ = cw.Write([]string{"id", "at", "actor", "role", "actor_scope", "action", "object_type", "object_id", "region_code", "before", "after", "detail", "client_ip", "request_id", "token_id"})
	for _, e := range es {
		_ = cw.Write([]string{strconv.FormatInt(e.ID, 10), e.At.In(cst).Format(time.RFC3339), e.ActorName, e.ActorRole, e.ActorScope,
			e.Action, e.ObjectType, e.ObjectID, e.Region, rawString(e.Before), rawString(e.After), rawString(e.Detail), e.ClientIP, e.RequestID, tokenString(e.TokenID)})
	}
	return cw.Flush()
}

// tokenString is the id of the API token an entry was made with, empty
// for a session.
func tokenString(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}

func rawString(v any) string {
	if v == nil {
		return ""
	}
	if r, ok := v.(json.RawMessage); ok {
		return string(r)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func (h *handler) apiList(w http.ResponseWriter, r *http.Request) error {
	cur, limit, err := web.PageParams(r)
	if err != nil {
		return err
	}
	f, err := parseFilter(r)
	if err != nil {
		return err
	}
	f.Before, f.Limit = cur.ID, limit+1
	es, err := h.find(r, f, Erased)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, web.Paginate(es, limit, func(e Entry) web.Cursor { return web.Cursor{ID: e.ID} }))
}
