package cases

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/web"
)

// formState is a form sent back to its page because of its input: what
// the person typed, kept, and each problem next to its field. Name tells
// which form of the page it is (an action's name, "whistle", "rate" …);
// the others on the page show empty.
type formState struct {
	Name   string
	Values url.Values
	Fields map[string][]string
	// Other are the problems of no field the form shows (a stale
	// version, a move the status does not allow).
	Other []string
}

// failedForm builds the state of form name sent by r and refused with
// err, its messages in lang; shown are the fields the form has, the
// others go with Other.
func failedForm(ui *web.UI, lang, name string, r *http.Request, err error, shown ...string) formState {
	f := formState{Name: name, Values: r.PostForm, Fields: map[string][]string{}}
	if f.Values == nil {
		f.Values = url.Values{}
	}
	e := errs.As(err)
	if len(e.Fields) == 0 {
		f.Other = append(f.Other, ui.Message(lang, e))
		return f
	}
	for _, fe := range e.Fields {
		field := fe.Field
		if i := strings.IndexByte(field, '['); i > 0 && !strings.HasPrefix(field, "attribute") {
			field = field[:i] // dept_ids[2] → dept_ids
		}
		msg := ui.FieldMessage(lang, fe)
		if slices.Contains(shown, field) {
			f.Fields[field] = append(f.Fields[field], msg)
		} else {
			f.Other = append(f.Other, msg)
		}
	}
	return f
}

// Is reports whether the form sent back is name.
func (f formState) Is(name string) bool { return f.Name != "" && f.Name == name }

// Val is what was typed into field of form name, when that form is the
// one sent back.
func (f formState) Val(name, field string) string {
	if !f.Is(name) {
		return ""
	}
	return strings.TrimSpace(f.Values.Get(field))
}

// Checked reports whether value was chosen for field of form name; def
// is the choice of a fresh form.
func (f formState) Checked(name, field, value string, def bool) bool {
	if !f.Is(name) {
		return def
	}
	return slices.Contains(f.Values[field], value)
}

// Err lists the problems of field in form name.
func (f formState) Err(name, field string) []string {
	if !f.Is(name) {
		return nil
	}
	return f.Fields[field]
}

// OtherOf lists the problems of form name that belong to no field shown.
func (f formState) OtherOf(name string) []string {
	if !f.Is(name) {
		return nil
	}
	return f.Other
}

// labelled names the problems of field in err by label, the message key
// of the field's label on the form (field.<field> would name it wrongly
// there); a problem already named keeps its name.
func labelled(err error, field, label string) error {
	e := errs.As(err)
	if errs.CodeOf(err) != errs.Invalid || len(e.Fields) == 0 {
		return err
	}
	fields := slices.Clone(e.Fields)
	changed := false
	for i, f := range fields {
		if f.Field == field && f.Label == "" {
			fields[i].Label, changed = label, true
		}
	}
	if !changed {
		return err
	}
	out := *e
	out.Fields = fields
	return &out
}
