package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"strconv"
	"strings"

	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/i18n"
)

// The audit log reads as sentences: "王芳（社区党组织书记）将案件
// 20261201-00000033 派遣至 东湖区城市管理局". Each action has a sentence
// in the messages, audit.say.<action>, with placeholders in braces that
// the record fills: {actor}, {object} (the record's object, named),
// {kind} (what the object is), {verb} (for actions without a sentence of
// their own: audit.verb.<last part of the action>), {unit} (the handling
// unit or department named in the change), {case}, {role}, {region},
// {department} (the placement an account was given), {reason}, {rows}
// and {changes} (what a change of a list of things added, removed and
// changed: the detail's "added", "removed" and "changed", each a list of
// items named by "name" and "name_en", or by a message "key", with their
// "code"; nothing when the detail has none). Names come from resolvers the application passes in, one per
// object type, each answering in the reader's scope; the audit package
// imports no module.

// Label names an object in a sentence: its text and, when the reader may
// open it, the path of its page.
type Label struct {
	Text string
	Link string
}

// Resolver names one object of a kind (a case by its number, a person by
// their masked name, an account by its holder's name, a division by its
// name) for the reader in ctx. An object that no longer exists or lies
// outside the reader's scope answers with a not-found (or forbidden)
// error, and the sentence names its kind alone. A resolver reads; it
// never records.
type Resolver func(ctx context.Context, id string) (Label, error)

// Names are the resolvers by object type: "case", "person", "user",
// "region", "grid", "department" and whatever else the application names.
type Names map[string]Resolver

// Kinds are the object types the log's filter offers; each has its name
// in the messages (audit.kind.<type>).
var Kinds = []string{"case", "case_whistle", "person", "household", "building", "compound", "user", "token", "region", "grid",
	"department", "party_org", "party_member", "unit", "worker", "reserve", "case_catalogue", "case_settings", "department_role",
	"hotline_category", "calendar_year", "city_profile", "audit_log", "admission_list", "admission_request", "admission_task",
	"admission_burden", "admission_certificate", "admission_settings", "admission_file", "volunteer_activity", "volunteer_registration", "volunteer_wish", "visit", "patrol"}

// Groups are the groups of actions the log's filter offers, by action
// prefix; each has its name in the messages (audit.group.<prefix>).
var Groups = []string{"account.login", "account.user", "account.token", "account.grid_workers", "cases", "cases.whistle", "registry",
	"party", "units", "workforce", "territory", "visits", "calendar", "city", "audit", "admission", "volunteer"}

// Told is a record with its sentence.
type Told struct {
	Entry
	Sentence template.HTML
	Kind     string // what the object is, in words
}

// teller tells the records of one page, naming each object once.
type teller struct {
	ctx   context.Context
	names Names
	cat   *i18n.Catalog
	lang  string
	seen  map[string]*Label // type/id → label; nil: not named
}

func newTeller(ctx context.Context, names Names, cat *i18n.Catalog, lang string) *teller {
	return &teller{ctx: ctx, names: names, cat: cat, lang: lang, seen: map[string]*Label{}}
}

func (t *teller) t(key string, args ...any) string { return t.cat.T(t.lang, key, args...) }

// label names object id of kind, nil when it cannot be named for the
// reader.
func (t *teller) label(kind, id string) (*Label, error) {
	if id == "" {
		return nil, nil
	}
	k := kind + "/" + id
	if l, ok := t.seen[k]; ok {
		return l, nil
	}
	var out *Label
	if r := t.names[kind]; r != nil {
		l, err := r(t.ctx, id)
		switch c := errs.CodeOf(err); {
		case err == nil && l.Text != "":
			out = &l
		case err == nil, c == errs.NotFound, c == errs.Forbidden, c == errs.Invalid:
		default:
			return nil, fmt.Errorf("audit: name %s %s: %w", kind, id, err)
		}
	}
	t.seen[k] = out
	return out, nil
}

// kind is the name of an object type.
func (t *teller) kind(typ string) string {
	if k := "audit.kind." + typ; t.cat.Has(k) {
		return t.t(k)
	}
	return t.t("audit.kind.other")
}

// object names the record's object: by its resolver, else as the record
// has it when that is no code (a name typed at the login, a version, a
// year), else by its kind alone.
func (t *teller) object(e Entry) (template.HTML, error) {
	switch {
	case e.ObjectID == "*":
		return esc(t.t("audit.many")), nil
	case strings.HasPrefix(e.ObjectID, "name:"):
		return esc("“" + strings.TrimPrefix(e.ObjectID, "name:") + "”"), nil
	}
	l, err := t.label(e.ObjectType, e.ObjectID)
	if err != nil || l != nil {
		return link(l), err
	}
	return esc(t.fallback(e.ObjectID)), nil
}

// fallback is how an object without a name shows: a record's number
// (#42), a word such as a version or a year as it is; never a division's
// code, which people do not read.
func (t *teller) fallback(id string) string {
	if _, err := strconv.ParseInt(id, 10, 64); err == nil {
		if len(id) >= 6 {
			return t.t("audit.unnamed")
		}
		return "#" + id
	}
	return id
}

// actor names who acted: their name and role, the system for system work.
func (t *teller) actor(e Entry) (template.HTML, error) {
	if e.ActorID == 0 && (e.ActorName == "system" || strings.HasPrefix(e.ActorName, "system:")) {
		return esc(t.t("audit.system")), nil
	}
	l := &Label{Text: e.ActorName}
	if e.ActorID != 0 {
		got, err := t.label("user", strconv.FormatInt(e.ActorID, 10))
		if err != nil {
			return "", err
		}
		if got != nil {
			l = got
		}
	}
	if k := "role." + e.ActorRole; e.ActorRole != "" && t.cat.Has(k) {
		l = &Label{Text: t.t("audit.actor_role", l.Text, t.t(k)), Link: l.Link}
	}
	return link(l), nil
}

// fields decodes a record's before, after or detail.
func fields(v any) map[string]any {
	var raw []byte
	switch x := v.(type) {
	case nil:
		return nil
	case json.RawMessage:
		raw = x
	default:
		raw, _ = json.Marshal(x)
	}
	var m map[string]any
	d := json.NewDecoder(strings.NewReader(string(raw)))
	d.UseNumber()
	if err := d.Decode(&m); err != nil {
		return nil
	}
	return m
}

func str(m map[string]any, k string) string {
	switch x := m[k].(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	}
	return ""
}

// say tells record e.
func (t *teller) say(e Entry) (Told, error) {
	out := Told{Entry: e, Kind: t.kind(e.ObjectType)}
	key := "audit.say." + e.Action
	verb := e.Action[strings.LastIndex(e.Action, ".")+1:]
	switch {
	case t.cat.Has(key):
	case t.cat.Has("audit.verb." + verb):
		key = "audit.say.generic"
	default:
		key = "audit.say.unknown"
	}
	after, detail := fields(e.After), fields(e.Detail)
	var b strings.Builder
	rest := t.t(key)
	for {
		i := strings.IndexByte(rest, '{')
		j := strings.IndexByte(rest[i+1:], '}')
		if i < 0 || j < 0 {
			b.WriteString(string(esc(rest)))
			break
		}
		b.WriteString(string(esc(rest[:i])))
		name := rest[i+1 : i+1+j]
		rest = rest[i+2+j:]
		h, err := t.fill(name, e, verb, after, detail)
		if err != nil {
			return out, err
		}
		b.WriteString(string(h))
	}
	out.Sentence = template.HTML(strings.Join(strings.Fields(b.String()), " "))
	return out, nil
}

// fill is the HTML of placeholder name in the sentence of e.
func (t *teller) fill(name string, e Entry, verb string, after, detail map[string]any) (template.HTML, error) {
	named := func(kind, id string) (template.HTML, error) {
		l, err := t.label(kind, id)
		if err != nil || l == nil {
			return "", err
		}
		return link(l), nil
	}
	switch name {
	case "actor":
		return t.actor(e)
	case "object":
		return t.object(e)
	case "kind":
		return esc(t.kind(e.ObjectType)), nil
	case "verb":
		return esc(t.t("audit.verb." + verb)), nil
	case "unit":
		u := str(after, "unit_name")
		if u == "" {
			u = str(after, "dept_name")
		}
		if _, err := strconv.ParseInt(u, 10, 64); err == nil {
			// A community handles the case: the stored unit is its code.
			if l, err := t.label("region", u); err != nil || l != nil {
				return link(l), err
			}
			return esc(t.fallback(u)), nil
		}
		return esc(u), nil
	case "case":
		return named("case", str(after, "case_id"))
	case "role":
		if k := "role." + str(after, "role"); t.cat.Has(k) {
			return esc(t.t(k)), nil
		}
	case "region":
		code := str(after, "region_code")
		if l, err := t.label("region", code); err != nil || l != nil {
			return link(l), err
		}
		return esc(t.fallback(code)), nil
	case "department":
		if id := str(after, "department_id"); id != "" && id != "0" {
			return named("department", id)
		}
	case "reason":
		if k := "audit.reason." + strings.ReplaceAll(str(detail, "reason"), " ", "_"); t.cat.Has(k) {
			return esc(t.t(k)), nil
		}
	case "rows":
		return esc(str(detail, "rows")), nil
	case "changes":
		return esc(t.changes(detail)), nil
	}
	return "", nil
}

// MaxNamed is how many things of each kind of change a sentence names
// before it counts the rest.
const MaxNamed = 5

// changes tells the detail's lists of things added, removed and changed:
// "：新增 店外经营（0205）；修改 占道经营（0201）、默认时限".
func (t *teller) changes(detail map[string]any) string {
	var parts []string
	for _, k := range []string{"added", "removed", "changed"} {
		items, _ := detail[k].([]any)
		var names []string
		for _, x := range items {
			m, _ := x.(map[string]any)
			name := str(m, "name")
			if en := str(m, "name_en"); t.lang == i18n.EN && en != "" {
				name = en
			}
			if key := str(m, "key"); key != "" && t.cat.Has(key) {
				name = t.t(key)
			}
			if name == "" {
				continue
			}
			if code := str(m, "code"); code != "" {
				name = t.t("audit.changes.item", name, code)
			}
			names = append(names, name)
		}
		if len(names) == 0 {
			continue
		}
		list := strings.Join(names[:min(len(names), MaxNamed)], t.t("audit.changes.sep"))
		if len(names) > MaxNamed {
			list = t.t("audit.changes.more", list, len(names)-MaxNamed)
		}
		parts = append(parts, t.t("audit.changes."+k, list))
	}
	if len(parts) == 0 {
		return ""
	}
	return t.t("audit.changes", strings.Join(parts, t.t("audit.changes.join")))
}

func esc(s string) template.HTML { return template.HTML(template.HTMLEscapeString(s)) }

// link is a label as HTML: a link to its page when it has one on this
// site.
func link(l *Label) template.HTML {
	if l == nil {
		return ""
	}
	if !strings.HasPrefix(l.Link, "/") || strings.HasPrefix(l.Link, "//") {
		return esc(l.Text)
	}
	return template.HTML(`<a href="` + template.HTMLEscapeString(l.Link) + `">` + template.HTMLEscapeString(l.Text) + `</a>`)
}
