package cases

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/workday"
)

// Limit is a time limit: N clock minutes ("30m", for emergencies), working
// hours ("4h") or working days ("5d").
type Limit struct {
	N    int
	Unit byte // 'm', 'h' or 'd'
}

// ParseLimit reads "30m", "4h" or "5d".
func ParseLimit(s string) (Limit, error) {
	s = strings.TrimSpace(s)
	if len(s) < 2 {
		return Limit{}, fmt.Errorf("time limit %q: want a number and m, h or d", s)
	}
	n, err := strconv.Atoi(s[:len(s)-1])
	u := s[len(s)-1]
	if err != nil || n <= 0 || n > 1000 || (u != 'm' && u != 'h' && u != 'd') {
		return Limit{}, fmt.Errorf("time limit %q: want a number 1–1000 and m, h or d", s)
	}
	return Limit{N: n, Unit: u}, nil
}

func (l Limit) String() string {
	if l.N == 0 {
		return ""
	}
	return strconv.Itoa(l.N) + string(l.Unit)
}

// IsZero reports an unset limit.
func (l Limit) IsZero() bool { return l.N == 0 }

// MarshalJSON writes the limit as its string.
func (l Limit) MarshalJSON() ([]byte, error) { return json.Marshal(l.String()) }

// UnmarshalJSON reads the string form.
func (l *Limit) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	if s == "" {
		*l = Limit{}
		return nil
	}
	v, err := ParseLimit(s)
	if err != nil {
		return err
	}
	*l = v
	return nil
}

// After returns the deadline of the limit counted from t.
func (l Limit) After(c *workday.Calendar, t time.Time) time.Time {
	switch l.Unit {
	case 'm':
		return t.Add(time.Duration(l.N) * time.Minute).UTC()
	case 'h':
		return c.AddHours(t, time.Duration(l.N)*time.Hour).UTC()
	default:
		return c.AddDays(t, l.N).UTC()
	}
}

// Steps are the steps with a time limit.
var Steps = []string{"accept", "register", "dispatch", "respond", "handle", "verify", "close"}

// Limits are the time limits of the steps; an unset one is inherited.
type Limits struct {
	Accept   Limit `json:"accept,omitzero" doc:"submitted → accepted (受理)"`
	Register Limit `json:"register,omitzero" doc:"accepted → registered (立案)"`
	Dispatch Limit `json:"dispatch,omitzero" doc:"registered → dispatched (派遣)"`
	Respond  Limit `json:"respond,omitzero" doc:"dispatched → acknowledged by the handling unit (签收)"`
	Handle   Limit `json:"handle,omitzero" doc:"dispatched → handled (处置)"`
	Verify   Limit `json:"verify,omitzero" doc:"handled → verified (核查)"`
	Close    Limit `json:"close,omitzero" doc:"verified → closed (结案)"`
}

func (l *Limits) ptrs() []*Limit {
	return []*Limit{&l.Accept, &l.Register, &l.Dispatch, &l.Respond, &l.Handle, &l.Verify, &l.Close}
}

// inherit fills unset limits from p.
func (l Limits) inherit(p Limits) Limits {
	mine, theirs := l.ptrs(), p.ptrs()
	for i := range mine {
		if mine[i].IsZero() {
			*mine[i] = *theirs[i]
		}
	}
	return l
}

// Attribute is an extra question of a category (Open311 service
// definition attribute).
type Attribute struct {
	Code        string           `json:"code"`
	Description string           `json:"description"`
	Required    bool             `json:"required"`
	Datatype    string           `json:"datatype" doc:"string, number, text, singlevaluelist or multivaluelist"`
	Values      []AttributeValue `json:"values,omitempty"`
}

// AttributeValue is one choice of a list attribute.
type AttributeValue struct {
	Key  string `json:"key" xml:"key"`
	Name string `json:"name" xml:"name"`
}

// Category is a class (two digits) or a sub-class (four digits) of the
// catalogue. Cases are filed under sub-classes; a sub-class inherits what
// it leaves unset from its class.
type Category struct {
	Code       string      `json:"code"`
	Parent     string      `json:"parent,omitempty"`
	Name       string      `json:"name"`
	NameEN     string      `json:"name_en"`
	Kind       string      `json:"kind,omitempty" doc:"event (事件) or component (部件), after GB/T 30428"`
	Department *string     `json:"department,omitempty" doc:"default handling department: part of its name, e.g. 城市管理局; empty: the community handles"`
	Urgency    string      `json:"urgency,omitempty" doc:"normal, urgent or emergency"`
	Limits     Limits      `json:"limits,omitzero"`
	Keywords   []string    `json:"keywords,omitempty"`
	Attributes []Attribute `json:"attributes,omitempty"`
	// Private marks a class whose reports the public may not read, not
	// even category and place (neighbourhood disputes: the place is a
	// home). Sub-classes inherit it.
	Private *bool `json:"private,omitempty" doc:"reports of this class are not shown to the public (Open311 without a key); sub-classes inherit"`
}

// Public reports whether anonymous readers may see reports of c.
func (c *Category) Public() bool { return c.Private == nil || !*c.Private }

// Dept returns the default handling department ("" for the community).
func (c *Category) Dept() string {
	if c.Department == nil {
		return ""
	}
	return *c.Department
}

// Label is the category's name in lang.
func (c *Category) Label(lang string) string {
	if lang == "en" && c.NameEN != "" {
		return c.NameEN
	}
	return c.Name
}

// Urgencies are the urgency levels.
var Urgencies = []string{"normal", "urgent", "emergency"}

// CatalogueDoc is the catalogue as stored and as the API takes it.
type CatalogueDoc struct {
	Note       string     `json:"note,omitempty"`
	Defaults   Limits     `json:"defaults"`
	Categories []Category `json:"categories"`
}

// Catalogue is one version of the catalogue, resolved: sub-classes carry
// their inherited department, urgency and limits.
type Catalogue struct {
	Version   int          `json:"version"`
	Doc       CatalogueDoc `json:"catalogue"`
	CreatedBy string       `json:"created_by"`
	CreatedAt time.Time    `json:"created_at"`
	byCode    map[string]*Category
}

// Get returns a category of this version.
func (c *Catalogue) Get(code string) (*Category, bool) {
	x, ok := c.byCode[code]
	return x, ok
}

// Classes returns the top classes in order.
func (c *Catalogue) Classes() []*Category {
	var out []*Category
	for i := range c.Doc.Categories {
		if x := &c.Doc.Categories[i]; x.Parent == "" {
			out = append(out, c.byCode[x.Code])
		}
	}
	return out
}

// Subs returns the sub-classes of class code (all sub-classes when code is
// empty), in order.
func (c *Catalogue) Subs(code string) []*Category {
	var out []*Category
	for i := range c.Doc.Categories {
		if x := &c.Doc.Categories[i]; x.Parent != "" && (code == "" || x.Parent == code) {
			out = append(out, c.byCode[x.Code])
		}
	}
	return out
}

// parseCatalogue checks a catalogue document and resolves inheritance.
// Every problem is reported, with the category's position.
func parseCatalogue(b []byte) (*Catalogue, error) {
	var doc CatalogueDoc
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, errs.Field("catalogue", "rule.catalogue_json", err.Error())
	}
	var fe errs.Fields
	for _, l := range doc.Defaults.ptrs() {
		if l.IsZero() {
			fe.Add("defaults", "rule.catalogue_defaults", strings.Join(Steps, ", "))
			break
		}
	}
	c := &Catalogue{Doc: doc, byCode: map[string]*Category{}}
	resolved := make([]Category, len(doc.Categories))
	for i, x := range doc.Categories {
		at := fmt.Sprintf("categories[%d]", i)
		switch {
		case len(x.Code) != 2 && len(x.Code) != 4 || !digits(x.Code):
			fe.Add(at+".code", "rule.category_code", x.Code)
			continue
		case c.byCode[x.Code] != nil:
			fe.Add(at+".code", "rule.unique", x.Code)
			continue
		}
		if strings.TrimSpace(x.Name) == "" || utf8.RuneCountInString(x.Name) > 50 {
			fe.Add(at+".name", "rule.length", "1–50")
		}
		if x.Urgency != "" && !slices.Contains(Urgencies, x.Urgency) {
			fe.Add(at+".urgency", "rule.one_of", strings.Join(Urgencies, ", "))
		}
		if len(x.Code) == 4 {
			p := c.byCode[x.Parent]
			if x.Parent != x.Code[:2] || p == nil {
				fe.Add(at+".parent", "rule.category_parent", x.Code[:2])
				continue
			}
			if x.Department == nil {
				x.Department = p.Department
			}
			if x.Urgency == "" {
				x.Urgency = p.Urgency
			}
			if x.Kind == "" {
				x.Kind = p.Kind
			}
			if x.Private == nil {
				x.Private = p.Private
			}
			x.Limits = x.Limits.inherit(p.Limits)
		} else {
			if x.Parent != "" {
				fe.Add(at+".parent", "rule.category_parent", "")
			}
			x.Limits = x.Limits.inherit(doc.Defaults)
		}
		if x.Urgency == "" {
			x.Urgency = "normal"
		}
		for j, a := range x.Attributes {
			if a.Code == "" || !slices.Contains([]string{"string", "number", "text", "singlevaluelist", "multivaluelist"}, a.Datatype) {
				fe.Add(fmt.Sprintf("%s.attributes[%d]", at, j), "rule.attribute", a.Code)
			}
		}
		resolved[i] = x
		c.byCode[x.Code] = &resolved[i]
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	if len(c.Subs("")) == 0 {
		return nil, errs.Field("categories", "rule.catalogue_empty", "")
	}
	return c, nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
