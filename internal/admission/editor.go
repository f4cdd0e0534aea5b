package admission

// The list editor: a draft's items edited one at a time in a form that
// names every stored value, each change saved as the whole draft through
// SaveDraft, so that the draft obeys the same rules as one saved through
// the API.

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/web"
)

// registerEditor adds the editor's pages; each answers only for a draft
// in the editor's own area.
func (h *handler) registerEditor(r *web.Router) {
	r.Page("GET /admission/lists/{id}/items/new", PermEdit, h.handleItemNew)
	r.Page("POST /admission/lists/{id}/items", PermEdit, h.handleItemAdd)
	r.Page("GET /admission/lists/{id}/items/{code}", PermEdit, h.handleItemEdit)
	r.Page("POST /admission/lists/{id}/items/{code}", PermEdit, h.handleItemSave)
	r.Page("POST /admission/lists/{id}/items/{code}/remove", PermEdit, h.handleItemRemove)
}

// codePrefix is the prefix of an item's code by its section, as the
// starter list numbers them (LZ-01 依法履职, XZ-01 协助办理, FM-01 负面清单,
// ZM-01 证明事项).
var codePrefix = map[string]string{"duty": "LZ", "assist": "XZ", "negative": "FM", "certificate": "ZM"}

// nextCode is the first code of section's pattern after every such code
// of items: LZ-13 after LZ-12. It is free in the whole list, whose codes
// checkItems keeps unique.
func nextCode(items []Item, section string) string {
	prefix := codePrefix[section] + "-"
	n := 0
	for _, it := range items {
		if rest, ok := strings.CutPrefix(it.Code, prefix); ok {
			if k, err := strconv.Atoi(rest); err == nil && k > n {
				n = k
			}
		}
	}
	return fmt.Sprintf("%s%02d", prefix, n+1)
}

// draftInput is the owner's draft (draft), or, without one, what the
// next draft starts from: the newest version, else the starter list (the
// city's first).
func (h *handler) draftInput(ctx context.Context, draft *List, versions []List) (ListInput, error) {
	switch {
	case draft != nil:
		return ListInput{OwnerCode: draft.OwnerCode, Title: draft.Title, EffectiveFrom: draft.EffectiveFrom, Note: draft.Note, Items: draft.Items}, nil
	case len(versions) > 0:
		cur, err := h.svc.Version(ctx, authz.ScopeFrom(ctx), versions[0].ID, true)
		if err != nil {
			return ListInput{}, err
		}
		return ListInput{OwnerCode: cur.OwnerCode, Title: cur.Title, Note: cur.Note, Items: cur.Items}, nil
	default:
		return Starter()
	}
}

// Sections are the sections the draft's items are grouped by.
func (p versionsPage) Sections() []string { return Sections }

// BySection are the draft's items in section s.
func (p versionsPage) BySection(s string) []Item {
	var out []Item
	if p.Draft != nil {
		for _, it := range p.Draft.Items {
			if it.Section == s {
				out = append(out, it)
			}
		}
	}
	return out
}

// Base is the version a new draft starts from (0: the starter list).
func (p versionsPage) Base() int {
	if len(p.Versions) == 0 {
		return 0
	}
	return p.Versions[0].Version
}

// ItemPath is the page of item code of the draft.
func (p versionsPage) ItemPath(code string) string {
	return itemPath(p.Draft.ID, code)
}

func itemPath(list int64, code string) string {
	return "/admission/lists/" + strconv.FormatInt(list, 10) + "/items/" + url.PathEscape(code)
}

// itemPage is the form of one item of a draft.
type itemPage struct {
	labels
	List List
	Item Item
	// Code is the item's code before the edit; "" for a new item.
	Code string
	// Suggested is the code a new item gets when none is typed.
	Suggested   string
	Hours       string // as typed
	Sections    []string
	Carriers    []string
	Kinds       []string
	Frequencies []string
	Sent        sent
}

// Action is where the form is sent.
func (p itemPage) Action() string {
	if p.Code == "" {
		return "/admission/lists/" + strconv.FormatInt(p.List.ID, 10) + "/items"
	}
	return itemPath(p.List.ID, p.Code)
}

// Remove is where the item's removal is sent.
func (p itemPage) Remove() string { return itemPath(p.List.ID, p.Code) + "/remove" }

// Back is the versions page of the draft, at the item's section.
func (p itemPage) Back() string {
	return "/admission/lists?owner=" + url.QueryEscape(p.List.OwnerCode) + "#items-" + p.Item.Section
}

// problem is what the form says beside a field.
type problem struct {
	Field string
	Msgs  []string
}

// Problem is what the form says beside field.
func (p itemPage) Problem(field string) problem {
	return problem{Field: field, Msgs: p.Sent.Err(field)}
}

// itemFields are the fields of the item form, with the message keys that
// name them on it.
var itemFields = map[string]string{
	"code": "adm.item_code", "section": "adm.item_section", "title": "adm.item_title", "department": "adm.item_department",
	"basis": "adm.basis", "carrier": "adm.carrier", "kind": "adm.kind", "frequency": "adm.frequency", "hours": "adm.hours_each",
	"funding": "adm.funding", "instead": "adm.instead", "expires_on": "adm.expires_on",
}

// choices are the stored values of the form's selects.
var choices = map[string][]string{"section": Sections, "carrier": Carriers, "kind": Kinds, "frequency": Frequencies}

// editable is the draft of the request's path, for one who edits it: a
// list outside the editor's scope is not found, a published one refuses.
func (h *handler) editable(r *http.Request) (List, error) {
	id, err := web.ObjectID(r, "kind.adm_list")
	if err != nil {
		return List{}, err
	}
	sc := authz.ScopeFrom(r.Context())
	l, err := h.svc.Version(r.Context(), sc, id, true)
	if err != nil {
		return l, err
	}
	if !sc.Contains(l.OwnerCode) {
		return List{}, errs.NotFoundf("kind.adm_list")
	}
	if l.PublishedAt != nil {
		return List{}, errs.E(errs.Conflict, "err.adm_published", strconv.Itoa(l.Version))
	}
	return l, nil
}

// find is the index of the item coded code in items (none: -1).
func find(items []Item, code string) int {
	return slices.IndexFunc(items, func(it Item) bool { return it.Code == code })
}

func (h *handler) itemPage(r *http.Request, l List, it Item, code string) itemPage {
	title := "title.adm_item_edit"
	if code == "" {
		title = "title.adm_item_new"
	}
	p := itemPage{labels: labels{h.ui.Page(r, title)}, List: l, Item: it, Code: code, Sections: Sections, Carriers: Carriers, Kinds: Kinds,
		Frequencies: Frequencies}
	if it.Hours != 0 || code != "" {
		p.Hours = strconv.FormatFloat(it.Hours, 'f', -1, 64)
	}
	if code == "" {
		p.Suggested = nextCode(l.Items, it.Section)
	}
	return p
}

func (h *handler) handleItemNew(w http.ResponseWriter, r *http.Request) error {
	l, err := h.editable(r)
	if err != nil {
		return err
	}
	section := r.URL.Query().Get("section")
	if section == "" && find(l.Items, "new") >= 0 {
		// An item coded "new" has this path too: its link carries no
		// section, that of a new item always does.
		return h.renderItem(w, r, l, "new")
	}
	if !oneOf(section, Sections) {
		section = Sections[0]
	}
	it := Item{Section: section, Carrier: "committee", Kind: "task", Frequency: "as_needed"}
	if section == "certificate" {
		it.Kind = "certificate"
	}
	return h.ui.Render(w, r, http.StatusOK, "admission_list_item", "", h.itemPage(r, l, it, ""))
}

func (h *handler) handleItemEdit(w http.ResponseWriter, r *http.Request) error {
	l, err := h.editable(r)
	if err != nil {
		return err
	}
	return h.renderItem(w, r, l, r.PathValue("code"))
}

func (h *handler) renderItem(w http.ResponseWriter, r *http.Request, l List, code string) error {
	i := find(l.Items, code)
	if i < 0 {
		return errs.NotFoundf("kind.adm_item")
	}
	return h.ui.Render(w, r, http.StatusOK, "admission_list_item", "", h.itemPage(r, l, l.Items[i], code))
}

func (h *handler) handleItemAdd(w http.ResponseWriter, r *http.Request) error {
	return h.saveItem(w, r, "")
}

func (h *handler) handleItemSave(w http.ResponseWriter, r *http.Request) error {
	return h.saveItem(w, r, r.PathValue("code"))
}

// saveItem writes the form's item into the draft in place of item code
// (""; a new item) and saves the whole draft; bad input changes nothing
// and comes back beside its fields.
func (h *handler) saveItem(w http.ResponseWriter, r *http.Request, code string) error {
	l, err := h.editable(r)
	if err != nil {
		return err
	}
	items := slices.Clone(l.Items)
	if code != "" {
		i := find(items, code)
		if i < 0 {
			return errs.NotFoundf("kind.adm_item")
		}
		items = slices.Delete(items, i, i+1)
	}
	f := r.PostFormValue
	it := Item{Code: strings.TrimSpace(f("code")), Section: f("section"), Title: f("title"), Department: f("department"), Basis: f("basis"),
		Carrier: f("carrier"), Kind: f("kind"), Frequency: f("frequency"), Funding: f("funding"), Instead: f("instead"), ExpiresOn: f("expires_on")}
	// The item goes last, so that a code it repeats is named on it.
	n := len(items)
	items = append(items, it)
	if items[n].Code == "" && code == "" {
		items[n].Code = nextCode(items, it.Section)
	}
	var fe errs.Fields
	hours := strings.TrimSpace(f("hours"))
	if hours != "" {
		v, perr := strconv.ParseFloat(hours, 64)
		if perr != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			fe.Add(fmt.Sprintf("items[%d].hours", n), "rule.number", "")
		} else {
			items[n].Hours = v
		}
	}
	if len(fe) > 0 {
		// Every other problem of the form too; nothing is saved.
		checkItems(&fe, slices.Clone(items))
		err = fe.Err()
	} else {
		_, err = h.svc.SaveDraft(r.Context(), authz.ScopeFrom(r.Context()),
			ListInput{OwnerCode: l.OwnerCode, Title: l.Title, EffectiveFrom: l.EffectiveFrom, Note: l.Note, Items: items})
	}
	if errs.CodeOf(err) == errs.Invalid {
		p := h.itemPage(r, l, it, code)
		p.Hours = hours
		p.Sent = h.itemFailed(p, err, n)
		return h.ui.Render(w, r, http.StatusUnprocessableEntity, "admission_list_item", "", p)
	}
	if err != nil {
		return err
	}
	flash := "flash.adm_item_saved"
	if code == "" {
		flash = "flash.adm_item_added"
	}
	return web.Redirect(w, r, "/admission/lists?owner="+url.QueryEscape(l.OwnerCode)+"#items-"+it.Section, flash)
}

// itemFailed sorts the problems of a draft saved with the form's item
// (row n) by the form's fields: the item's own beside them, named as the
// form names them; the draft's (its title, its date) and any other row's
// above the form.
func (h *handler) itemFailed(p itemPage, err error, n int) sent {
	e := *errs.As(err)
	e.Fields = slices.Clone(e.Fields)
	own := fmt.Sprintf("items[%d].", n)
	for i, fe := range e.Fields {
		switch {
		case strings.HasPrefix(fe.Field, own):
			fe.Field = strings.TrimPrefix(fe.Field, own)
			fe.Label = itemFields[fe.Field]
			if vs, ok := choices[fe.Field]; ok && fe.Rule == "rule.one_of" {
				names := make([]string, len(vs))
				for j, v := range vs {
					names[j] = p.Label(fe.Field, v)
				}
				fe.Param = strings.Join(names, "、")
			}
		case strings.HasPrefix(fe.Field, "items"):
			fe.Field, fe.Label = "list."+fe.Field, "field.items"
		default:
			fe.Field, fe.Label = "list."+fe.Field, "field."+fe.Field
		}
		e.Fields[i] = fe
	}
	names := make([]string, 0, len(itemFields))
	for k := range itemFields {
		names = append(names, k)
	}
	return h.failed(p.Lang, &e, names...)
}

func (h *handler) handleItemRemove(w http.ResponseWriter, r *http.Request) error {
	l, err := h.editable(r)
	if err != nil {
		return err
	}
	i := find(l.Items, r.PathValue("code"))
	if i < 0 {
		return errs.NotFoundf("kind.adm_item")
	}
	items := slices.Delete(slices.Clone(l.Items), i, i+1)
	_, err = h.svc.SaveDraft(r.Context(), authz.ScopeFrom(r.Context()),
		ListInput{OwnerCode: l.OwnerCode, Title: l.Title, EffectiveFrom: l.EffectiveFrom, Note: l.Note, Items: items})
	if errs.CodeOf(err) == errs.Invalid {
		// The last item, or a draft whose date has passed: said above the
		// draft, which is as it was.
		p, perr := h.versionsPage(r, l.OwnerCode)
		if perr != nil {
			return perr
		}
		e := *errs.As(err)
		e.Fields = slices.Clone(e.Fields)
		for j := range e.Fields {
			if e.Fields[j].Label == "" {
				e.Fields[j].Label = "field." + strings.SplitN(e.Fields[j].Field, "[", 2)[0]
			}
		}
		p.Sent = h.failed(p.Lang, &e, "title", "effective_from", "note")
		return h.ui.Render(w, r, http.StatusUnprocessableEntity, "admission_versions", "", p)
	}
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/admission/lists?owner="+url.QueryEscape(l.OwnerCode)+"#items-"+l.Items[i].Section, "flash.adm_item_removed")
}
