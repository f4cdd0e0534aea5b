package cases

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"grassroots/internal/platform/audit"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/text"
	"grassroots/internal/platform/web"
	"grassroots/internal/platform/workday"
)

// Limit is a time limit: N clock minutes ("30m", for emergencies), working
// hours ("4h") or working days ("5d").
type Limit struct {
	N    int
	Unit byte // 'm', 'h' or 'd'
	// bad is what was given where a limit was expected and is none, kept
	// so that parseCatalogue names the category and the step of every
	// bad limit instead of stopping at the first.
	bad string
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
	if l.bad != "" {
		return l.bad
	}
	if l.N == 0 {
		return ""
	}
	return strconv.Itoa(l.N) + string(l.Unit)
}

// IsZero reports an unset limit.
func (l Limit) IsZero() bool { return l.N == 0 && l.bad == "" }

// Num is the limit's number, for pages.
func (l Limit) Num() int { return l.N }

// UnitName is the limit's unit (m, h or d), for pages to name it.
func (l Limit) UnitName() string { return string(l.Unit) }

// limitOf reads a limit as given, keeping a bad one for parseCatalogue to
// report.
func limitOf(s string) Limit {
	if strings.TrimSpace(s) == "" {
		return Limit{}
	}
	v, err := ParseLimit(s)
	if err != nil {
		return Limit{bad: s}
	}
	return v
}

// MarshalJSON writes the limit as its string.
func (l Limit) MarshalJSON() ([]byte, error) { return json.Marshal(l.String()) }

// UnmarshalJSON reads the string form. What is no limit ("5", "x", 5) is
// kept, and parseCatalogue reports it with its category and step.
func (l *Limit) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		*l = Limit{bad: string(b)}
		return nil
	}
	*l = limitOf(s)
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

// BySystem reports whether the system, not a person, stored this version
// (the shipped catalogue, an import).
func (c *Catalogue) BySystem() bool {
	return c.CreatedBy == "system" || strings.HasPrefix(c.CreatedBy, "system:")
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

// MaxCatalogueProblems is how many problems of a catalogue are named, on
// the page and in the API's answer, followed by how many more there are:
// a large file that is wrong throughout would otherwise make a page (or an
// answer) of tens of megabytes.
const MaxCatalogueProblems = 200

// parseCatalogue checks a catalogue document and resolves inheritance.
// Every problem is reported, with the category's position, up to
// MaxCatalogueProblems. It reads stored versions as they were accepted;
// a catalogue given to be stored goes through checkCatalogue.
func parseCatalogue(b []byte) (*Catalogue, error) { return readCatalogue(b, false) }

// checkCatalogue is parseCatalogue for a catalogue given to be stored:
// its names, English names, keywords, departments, questions and note
// also follow the text rules (package text), cleaned in its Doc, each
// broken rule named with its field.
func checkCatalogue(b []byte) (*Catalogue, error) { return readCatalogue(b, true) }

// cleanCategory applies the text rules to the text of category x, at
// is its position for the errors.
func cleanCategory(fe *errs.Fields, at string, x *Category) {
	x.Name = text.LineField(fe, at+".name", x.Name)
	x.NameEN = text.LineField(fe, at+".name_en", x.NameEN)
	if x.Department != nil {
		d := text.LineField(fe, at+".department", *x.Department)
		x.Department = &d
	}
	if x.Keywords != nil {
		kw := make([]string, len(x.Keywords))
		for j, k := range x.Keywords {
			kw[j] = text.LineField(fe, fmt.Sprintf("%s.keywords[%d]", at, j), k)
		}
		x.Keywords = kw
	}
	if x.Attributes != nil {
		as := slices.Clone(x.Attributes)
		for j := range as {
			aj := fmt.Sprintf("%s.attributes[%d]", at, j)
			as[j].Description = text.LineField(fe, aj+".description", as[j].Description)
			if as[j].Values != nil {
				vs := slices.Clone(as[j].Values)
				for k := range vs {
					vs[k].Name = text.LineField(fe, fmt.Sprintf("%s.values[%d].name", aj, k), vs[k].Name)
				}
				as[j].Values = vs
			}
		}
		x.Attributes = as
	}
}

func readCatalogue(b []byte, strict bool) (*Catalogue, error) {
	var doc CatalogueDoc
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, errs.Field("catalogue", "rule.catalogue_json", err.Error())
	}
	var fe errs.Fields
	if strict {
		doc.Note = text.BlockField(&fe, "note", doc.Note)
		for i := range doc.Categories {
			cleanCategory(&fe, fmt.Sprintf("categories[%d]", i), &doc.Categories[i])
		}
	}
	for i, l := range doc.Defaults.ptrs() {
		if l.bad != "" {
			fe.Add("defaults."+Steps[i], "rule.limit", l.bad)
		}
	}
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
		for j, l := range x.Limits.ptrs() {
			if l.bad != "" {
				fe.Add(at+".limits."+Steps[j], "rule.limit", l.bad)
			}
		}
		if x.Department != nil && utf8.RuneCountInString(*x.Department) > 50 {
			fe.Add(at+".department", "rule.max_length", "50")
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
	if n := len(fe); n > MaxCatalogueProblems {
		fe = append(fe[:MaxCatalogueProblems:MaxCatalogueProblems], errs.FieldError{Field: "catalogue", Rule: "rule.more_problems", Param: strconv.Itoa(n - MaxCatalogueProblems)})
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

// The catalogue page edits the catalogue as forms, one a category (its
// names, handling department chosen by name, urgency, whether the public
// may read its reports, a time limit a step) and one for the default
// limits, each saved as a new version; the whole catalogue goes out and
// comes back as a JSON file for bulk work, and an uploaded file becomes a
// version only when every category is valid. Every problem is named by
// its category and field: 街面秩序 › 占道经营（0201）: 处置时限: ….

// Department choices of the category form that are no department's name.
const (
	deptInherit   = "~inherit"   // a sub-class takes its class's
	deptCommunity = "~community" // the community handles it
)

// editLimit is a step's time limit as the form shows it.
type editLimit struct {
	Step     string
	N        string   // the number given; empty inherits
	Unit     string   // m, h or d
	Inherits string   // what an empty number inherits
	Errors   []string // what is wrong with it, shown beside it
}

// editCategory is the form of one category.
type editCategory struct {
	web.Page
	Base         int // the version the form edits, so that two editors cannot lose a change
	Code, Parent string
	New          bool
	Name, NameEN string
	Kind         string
	Department   string // deptInherit, deptCommunity or a department's name
	Urgency      string // "" inherits
	Private      string // "" inherits (sub-classes), "public" or "private"
	Limits       []editLimit
	Resolved     *Category // as in force; nil for a new category
	ParentName   string
	Departments  []string
	Open         bool
	Subs         []*editCategory
	NewSub       *editCategory
	// FieldErrors are what is wrong with the form's fields as sent, by
	// field (code, name, name_en, department, urgency), shown beside
	// them; a limit's are its own (editLimit.Errors).
	FieldErrors map[string][]string
}

// UnlistedDepartment reports a department name the form's list lacks
// (one typed into an imported file), to offer it too.
func (c *editCategory) UnlistedDepartment() bool {
	return c.Department != deptInherit && c.Department != deptCommunity && !slices.Contains(c.Departments, c.Department)
}

// InheritedLimit is what an empty limit of the form falls back to.
func (l editLimit) InheritedLimit() Limit { return limitOf(l.Inherits) }

// FormID is the prefix of the ids of the form's messages.
func (c *editCategory) FormID() string {
	if c.New {
		return "cat-new-" + c.Code
	}
	return "cat-" + c.Code
}

// IsClass reports a class (two digits) rather than a sub-class.
func (c *editCategory) IsClass() bool { return c.Parent == "" && len(c.Code) != 4 }

// catalogueEditor is what the catalogue page's forms need beyond the
// catalogue itself.
type catalogueEditor struct {
	Classes  []*editCategory
	NewClass *editCategory
	Defaults []editLimit
	Open     string // the form opened again after a refused save: a code, "defaults" or "import"
	Base     int
	Units    []string
}

var limitUnits = []string{"m", "h", "d"}

func limitFields(own, inherited Limits) []editLimit {
	mine, theirs := own.ptrs(), inherited.ptrs()
	out := make([]editLimit, len(Steps))
	for i, step := range Steps {
		l := editLimit{Step: step, Unit: "d", Inherits: theirs[i].String()}
		if u := theirs[i].Unit; u != 0 {
			// An empty limit offers the unit it inherits: a number typed
			// in means what the hint beside it says.
			l.Unit = string(u)
		}
		if !mine[i].IsZero() {
			l.N, l.Unit = strconv.Itoa(mine[i].N), string(mine[i].Unit)
		}
		out[i] = l
	}
	return out
}

// catalogueDepartments are the names the category form offers for the
// handling department: those the catalogue names, then the names the
// city's departments carry in every district (城市管理局, 住房和城乡建设局 …).
func (h *handler) catalogueDepartments(r *http.Request, cat *Catalogue) ([]string, error) {
	var out []string
	for _, dr := range catalogueRoles(cat) {
		out = append(out, dr.Role)
	}
	_, bases, err := h.svc.departmentBases(r.Context())
	if err != nil {
		return nil, err
	}
	// A name offered with a label in brackets after it (住房和城乡建设局
	// beside 住房和城乡建设局（演示）) is offered once, without the label:
	// the shorter name matches the labelled department too.
	for _, b := range distinctNames(bases) {
		if !slices.ContainsFunc(out, func(o string) bool { return b == o || bracketLabelled(b, o) }) {
			out = append(out, b)
		}
	}
	return out, nil
}

// bracketLabelled reports whether name is base followed by a label in brackets
// (住房和城乡建设局（演示）).
func bracketLabelled(name, base string) bool {
	rest, ok := strings.CutPrefix(name, base)
	return ok && (strings.HasPrefix(rest, "（") || strings.HasPrefix(rest, "(") || strings.HasPrefix(rest, " ("))
}

// catalogueEditor builds the forms of catalogue cat.
func (h *handler) catalogueEditor(r *http.Request, p web.Page, cat *Catalogue) (catalogueEditor, error) {
	depts, err := h.catalogueDepartments(r, cat)
	if err != nil {
		return catalogueEditor{}, err
	}
	ed := catalogueEditor{Base: cat.Version, Units: limitUnits, Defaults: limitFields(cat.Doc.Defaults, Limits{})}
	form := func(x Category) *editCategory {
		c := &editCategory{Page: p, Base: cat.Version, Code: x.Code, Parent: x.Parent, Name: x.Name, NameEN: x.NameEN, Kind: x.Kind,
			Urgency: x.Urgency, Departments: depts, Department: deptInherit}
		c.Resolved, _ = cat.Get(x.Code)
		if x.Department != nil {
			c.Department = *x.Department
			if c.Department == "" {
				c.Department = deptCommunity
			}
		} else if x.Parent == "" {
			c.Department = deptCommunity
		}
		if x.Private != nil {
			c.Private = map[bool]string{true: "private", false: "public"}[*x.Private]
		} else if x.Parent == "" {
			c.Private = "public"
		}
		inherited := cat.Doc.Defaults
		if pc, ok := cat.Get(x.Parent); ok {
			inherited, c.ParentName = pc.Limits, pc.Label(p.Lang)
		}
		c.Limits = limitFields(x.Limits, inherited)
		return c
	}
	byCode := map[string]*editCategory{}
	for _, x := range cat.Doc.Categories {
		c := form(x)
		if x.Parent == "" {
			ed.Classes = append(ed.Classes, c)
			byCode[x.Code] = c
		} else if pc := byCode[x.Parent]; pc != nil {
			pc.Subs = append(pc.Subs, c)
		}
	}
	for _, c := range ed.Classes {
		code := nextCode(cat, c.Code)
		c.NewSub = form(Category{Code: code, Parent: c.Code})
		c.NewSub.New, c.NewSub.Resolved = true, nil
	}
	ed.NewClass = form(Category{Code: nextCode(cat, "")})
	ed.NewClass.New, ed.NewClass.Resolved = true, nil
	// One form at a time (?edit=0201, new-02 for a new sub-class of 02,
	// new for a new class), so that the page stays light on a phone.
	edit := r.URL.Query().Get("edit")
	ed.NewClass.Open = edit == "new"
	for _, c := range ed.Classes {
		c.Open, c.NewSub.Open = edit == c.Code, edit == "new-"+c.Code
		for _, s := range c.Subs {
			s.Open = edit == s.Code
		}
	}
	return ed, nil
}

// nextCode is the first free code of a new sub-class of class (a new
// class when class is empty).
func nextCode(cat *Catalogue, class string) string {
	for n := 1; n < 100; n++ {
		code := fmt.Sprintf("%02d", n)
		if class != "" {
			code = class + code
		}
		if _, taken := cat.Get(code); !taken {
			return code
		}
	}
	return ""
}

// open shows the form of code again as it was sent, open.
func (ed *catalogueEditor) open(sent *editCategory) {
	sent.Open = true
	ed.Open = sent.Code
	if sent.New && sent.IsClass() {
		sent.Departments = ed.NewClass.Departments
		ed.NewClass = sent
		return
	}
	for _, c := range ed.Classes {
		switch {
		case !sent.New && c.Code == sent.Code:
			sent.Subs, sent.NewSub, sent.Departments = c.Subs, c.NewSub, c.Departments
			*c = *sent
			return
		case sent.New && c.Code == sent.Parent:
			sent.Departments = c.Departments
			c.NewSub = sent
			return
		}
		for i, s := range c.Subs {
			if !sent.New && s.Code == sent.Code {
				sent.Departments = s.Departments
				c.Subs[i] = sent
				return
			}
		}
	}
}

func (h *handler) catalogueRoutes(r *web.Router) {
	r.Page("GET /cases/catalogue.json", PermConfigure, h.handleCatalogueExport)
	r.Page("POST /cases/catalogue/category", PermConfigure, h.handleCatalogueCategory)
	r.Page("POST /cases/catalogue/defaults", PermConfigure, h.handleCatalogueDefaults)
	r.PageUpload("POST /cases/catalogue/import", PermConfigure, h.handleCatalogueImport)
}

// handleCatalogueExport downloads a version of the catalogue (the one in
// force, or ?version=N) as the JSON the import takes.
func (h *handler) handleCatalogueExport(w http.ResponseWriter, r *http.Request) error {
	v, _ := strconv.Atoi(r.URL.Query().Get("version"))
	cat, err := h.svc.Catalogue(r.Context(), v)
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(cat.Doc, "", " ")
	if err != nil {
		return fmt.Errorf("cases: export catalogue %d: %w", cat.Version, err)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="catalogue-v%d.json"`, cat.Version))
	_, err = w.Write(append(b, '\n'))
	return err
}

// categoryForm reads a category's form: the category it makes, and the
// form as sent to show again.
func categoryForm(r *http.Request) (Category, *editCategory) {
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	base, _ := strconv.Atoi(v("base"))
	sent := &editCategory{Base: base, Code: v("code"), Parent: v("parent"), New: v("new") == "1", Name: v("name"), NameEN: v("name_en"),
		Kind: v("kind"), Department: v("department"), Urgency: v("urgency"), Private: v("private")}
	x := Category{Code: sent.Code, Parent: sent.Parent, Name: sent.Name, NameEN: sent.NameEN, Kind: sent.Kind, Urgency: sent.Urgency}
	switch sent.Department {
	case deptInherit:
	case deptCommunity, "":
		x.Department = ptrTo("")
	default:
		x.Department = ptrTo(sent.Department)
	}
	switch sent.Private {
	case "private":
		x.Private = ptrTo(true)
	case "public":
		x.Private = ptrTo(false)
	}
	x.Limits, sent.Limits = limitsForm(r)
	return x, sent
}

// limitsForm reads the limit fields of a form: N and its unit a step.
func limitsForm(r *http.Request) (Limits, []editLimit) {
	var ls Limits
	var sent []editLimit
	for i, p := range ls.ptrs() {
		step := Steps[i]
		n, unit := strings.TrimSpace(r.PostFormValue("limit_"+step)), r.PostFormValue("unit_"+step)
		if !slices.Contains(limitUnits, unit) {
			unit = "d"
		}
		sent = append(sent, editLimit{Step: step, N: n, Unit: unit})
		if n != "" {
			*p = limitOf(n + unit)
		}
	}
	return ls, sent
}

func ptrTo[T any](v T) *T { return &v }

// catalogueWith is the current catalogue's document with category x
// changed (or added: a sub-class after the last of its class, a class at
// the end); base is the version the form was made from.
func (h *handler) catalogueWith(r *http.Request, base int, x Category, add bool) (*Catalogue, CatalogueDoc, error) {
	cur, err := h.svc.Catalogue(r.Context(), 0)
	if err != nil {
		return nil, CatalogueDoc{}, err
	}
	doc := cur.Doc
	doc.Categories = slices.Clone(cur.Doc.Categories)
	if base != cur.Version {
		return cur, doc, errs.E(errs.Conflict, "err.conflict")
	}
	i := slices.IndexFunc(doc.Categories, func(c Category) bool { return c.Code == x.Code })
	switch {
	case add && i >= 0:
		return cur, doc, errs.Field(fmt.Sprintf("categories[%d].code", i), "rule.unique", x.Code)
	case add:
		at := len(doc.Categories)
		for j, c := range doc.Categories {
			if x.Parent != "" && (c.Code == x.Parent || c.Parent == x.Parent) {
				at = j + 1
			}
		}
		doc.Categories = slices.Insert(doc.Categories, at, x)
	case i < 0:
		return cur, doc, errs.E(errs.Conflict, "err.conflict")
	default:
		// What the form does not edit stays: keywords, extra questions.
		was := doc.Categories[i]
		x.Code, x.Parent, x.Keywords, x.Attributes = was.Code, was.Parent, was.Keywords, was.Attributes
		if x.Parent == "" {
			// A class's unset values mean what the form shows for them:
			// kept unset, so that saving an unchanged form changes nothing.
			if was.Department == nil && x.Dept() == "" {
				x.Department = nil
			}
			if was.Private == nil && x.Public() {
				x.Private = nil
			}
			if (was.Urgency == "" || was.Urgency == "normal") && (x.Urgency == "" || x.Urgency == "normal") {
				x.Urgency = was.Urgency
			}
		}
		doc.Categories[i] = x
	}
	return cur, doc, nil
}

// saveCatalogue stores doc as a new version unless it is the one in
// force, and answers the form: on to the page, or back with every
// problem named and the form as sent.
func (h *handler) saveCatalogue(w http.ResponseWriter, r *http.Request, cur *Catalogue, doc CatalogueDoc, err error, anchor string, sent func(*catalogueEditor)) error {
	if err == nil {
		body, merr := json.MarshalIndent(doc, "", " ")
		if merr != nil {
			return fmt.Errorf("cases: catalogue: %w", merr)
		}
		if old, _ := json.MarshalIndent(cur.Doc, "", " "); string(old) == string(body) {
			return web.Redirect(w, r, "/cases/catalogue"+anchor, "flash.catalogue_unchanged")
		}
		_, err = h.svc.PutCatalogue(r.Context(), body)
	}
	return h.catalogueAnswer(w, r, &doc, err, anchor, sent)
}

// catalogueAnswer answers a catalogue form: on with the flash, or, for
// bad input or a concurrent change, the page again with the problems
// named after their categories and the form as sent.
func (h *handler) catalogueAnswer(w http.ResponseWriter, r *http.Request, doc *CatalogueDoc, err error, anchor string, sent func(*catalogueEditor)) error {
	c := errs.CodeOf(err)
	if err != nil && c != errs.Invalid && c != errs.Conflict {
		return err
	}
	if err == nil {
		return web.Redirect(w, r, "/cases/catalogue"+anchor, "flash.catalogue_saved")
	}
	p, perr := h.cataloguePage(r)
	if perr != nil {
		return perr
	}
	sent(&p.Editor)
	if c == errs.Conflict {
		p.Errors = []string{h.ui.Message(p.Lang, errs.As(err))}
	} else {
		p.Errors = h.placeProblems(p.Lang, doc, err, &p.Editor)
	}
	return h.ui.Render(w, r, web.Status(c), "catalogue", "", p)
}

func (h *handler) handleCatalogueCategory(w http.ResponseWriter, r *http.Request) error {
	x, sent := categoryForm(r)
	cur, doc, err := h.catalogueWith(r, sent.Base, x, sent.New)
	if cur == nil {
		return err
	}
	return h.saveCatalogue(w, r, cur, doc, err, "#cat-"+x.Code, func(ed *catalogueEditor) {
		sent.Page = h.ui.Page(r, "title.catalogue")
		if cg, ok := cur.Get(x.Code); ok && !sent.New {
			// The form of a category in force sends no parent: it is
			// the one the category has, whose name the inherited
			// choices show (同大类（街面秩序）).
			sent.Resolved, sent.Parent = cg, cg.Parent
		}
		if pc, ok := cur.Get(sent.Parent); ok {
			sent.ParentName = pc.Label(sent.Lang)
			for i := range sent.Limits {
				sent.Limits[i].Inherits = pc.Limits.ptrs()[i].String()
			}
		} else {
			for i := range sent.Limits {
				sent.Limits[i].Inherits = cur.Doc.Defaults.ptrs()[i].String()
			}
		}
		ed.open(sent)
	})
}

func (h *handler) handleCatalogueDefaults(w http.ResponseWriter, r *http.Request) error {
	cur, err := h.svc.Catalogue(r.Context(), 0)
	if err != nil {
		return err
	}
	base, _ := strconv.Atoi(r.PostFormValue("base"))
	doc := cur.Doc
	var sent []editLimit
	doc.Defaults, sent = limitsForm(r)
	if base != cur.Version {
		err = errs.E(errs.Conflict, "err.conflict")
	}
	return h.saveCatalogue(w, r, cur, doc, err, "#catalogue-defaults", func(ed *catalogueEditor) {
		ed.Defaults, ed.Open = sent, "defaults"
	})
}

// handleCatalogueImport takes a catalogue as a JSON file (as the export
// gives it) and stores it as a new version when it is valid.
func (h *handler) handleCatalogueImport(w http.ResponseWriter, r *http.Request) error {
	_, body, err := web.FormFile(r, "file")
	var doc *CatalogueDoc
	if err == nil {
		body = bytes.TrimPrefix(body, []byte("\ufeff")) // as some editors save it
		if !utf8.Valid(body) {
			err = errs.Field("file", "rule.utf8", "")
		}
	}
	if err == nil {
		var d CatalogueDoc
		if json.Unmarshal(body, &d) == nil {
			doc = &d
		}
		var cur *Catalogue
		if cur, err = h.svc.Catalogue(r.Context(), 0); err != nil {
			return err
		}
		if c, perr := checkCatalogue(body); perr == nil {
			a, _ := json.Marshal(c.Doc)
			b, _ := json.Marshal(cur.Doc)
			if string(a) == string(b) {
				return web.Redirect(w, r, "/cases/catalogue", "flash.catalogue_unchanged")
			}
		}
		_, err = h.svc.PutCatalogue(r.Context(), body)
	}
	return h.catalogueAnswer(w, r, doc, err, "", func(ed *catalogueEditor) { ed.Open = "import" })
}

var fieldIndex = regexp.MustCompile(`^categories\[(\d+)\]\.(.+)$`)

// opened is the category form the page shows open, nil when none is.
func (ed *catalogueEditor) opened() *editCategory {
	if ed.NewClass != nil && ed.NewClass.Open {
		return ed.NewClass
	}
	for _, c := range ed.Classes {
		if c.Open {
			return c
		}
		if c.NewSub != nil && c.NewSub.Open {
			return c.NewSub
		}
		for _, s := range c.Subs {
			if s.Open {
				return s
			}
		}
	}
	return nil
}

// placeProblems puts each problem of catalogue doc that concerns a field
// of the form sent back beside that field ("处置时限: 须为 1–1000 的整数"),
// and returns the others, named by category and field as
// catalogueProblems names them, for the top of the page, led by a line
// that points to the fields marked.
func (h *handler) placeProblems(lang string, doc *CatalogueDoc, err error, ed *catalogueEditor) []string {
	t := func(k string, args ...any) string { return h.ui.Catalog().T(lang, k, args...) }
	form := ed.opened()
	var rest []errs.FieldError
	placed := false
	for _, f := range errs.As(err).Fields {
		rule := t(f.Rule, f.Param)
		if f.Param == "" {
			rule = t(f.Rule)
		}
		if m := fieldIndex.FindStringSubmatch(f.Field); m != nil && form != nil && doc != nil {
			i, _ := strconv.Atoi(m[1])
			if i < len(doc.Categories) && doc.Categories[i].Code == form.Code {
				msg := catalogueField(t, m[2]) + ": " + rule
				if step, ok := strings.CutPrefix(m[2], "limits."); ok {
					if j := slices.Index(Steps, step); j >= 0 && j < len(form.Limits) {
						form.Limits[j].Errors = append(form.Limits[j].Errors, msg)
						placed = true
						continue
					}
				}
				switch m[2] {
				case "code", "name", "name_en", "department", "urgency":
					if form.FieldErrors == nil {
						form.FieldErrors = map[string][]string{}
					}
					form.FieldErrors[m[2]] = append(form.FieldErrors[m[2]], msg)
					placed = true
					continue
				}
			}
		}
		if step, ok := strings.CutPrefix(f.Field, "defaults."); ok && ed.Open == "defaults" {
			if j := slices.Index(Steps, step); j >= 0 && j < len(ed.Defaults) {
				ed.Defaults[j].Errors = append(ed.Defaults[j].Errors, t("catalogue.step."+step)+": "+rule)
				placed = true
				continue
			}
		}
		rest = append(rest, f)
	}
	var out []string
	if placed {
		out = append(out, t("catalogue.errors_marked"))
	}
	if len(rest) > 0 {
		e := *errs.As(err)
		e.Fields = rest
		out = append(out, h.catalogueProblems(lang, doc, &e)...)
	}
	return out
}

// catalogueProblems names each problem of catalogue doc (nil when it is
// no JSON) by its category and field: "街面秩序 › 占道经营（0201）: 处置时限:
// 须为 1–1000 的整数…".
func (h *handler) catalogueProblems(lang string, doc *CatalogueDoc, err error) []string {
	t := func(k string, args ...any) string { return h.ui.Catalog().T(lang, k, args...) }
	var out []string
	for _, f := range errs.As(err).Fields {
		rule := t(f.Rule, f.Param)
		if f.Param == "" {
			rule = t(f.Rule)
		}
		where := ""
		switch m := fieldIndex.FindStringSubmatch(f.Field); {
		case m != nil:
			i, _ := strconv.Atoi(m[1])
			where = t("catalogue.category_n", i+1)
			if doc != nil && i < len(doc.Categories) {
				where = categoryLabel(t, doc, i)
			}
			where += ": " + catalogueField(t, m[2])
		case strings.HasPrefix(f.Field, "defaults."):
			where = t("catalogue.defaults") + " › " + t("catalogue.step."+strings.TrimPrefix(f.Field, "defaults."))
		case f.Field == "defaults" || f.Field == "catalogue" || f.Field == "categories" || f.Field == "file" || f.Field == "note":
			where = t("catalogue.field_" + f.Field)
		default:
			where = f.Field
		}
		out = append(out, where+": "+rule)
	}
	return out
}

// categoryLabel names category i of doc: its class, its name and code.
func categoryLabel(t func(string, ...any) string, doc *CatalogueDoc, i int) string {
	x := doc.Categories[i]
	name := strings.TrimSpace(x.Name)
	if name == "" {
		name = "?"
	}
	if len(x.Code) == 4 {
		for _, c := range doc.Categories {
			if c.Code == x.Code[:2] && strings.TrimSpace(c.Name) != "" {
				name = strings.TrimSpace(c.Name) + " › " + name
				break
			}
		}
	}
	return t("catalogue.category_label", name, x.Code)
}

// catalogueField names a field of a category (limits.handle → 处置时限).
func catalogueField(t func(string, ...any) string, f string) string {
	if step, ok := strings.CutPrefix(f, "limits."); ok {
		return t("catalogue.step." + step)
	}
	if i := strings.IndexByte(f, '['); i >= 0 {
		f = f[:i]
	}
	switch f {
	case "code", "parent", "name", "name_en", "urgency", "department", "attributes", "keywords":
		return t("catalogue.field_" + f)
	}
	return f
}

// catalogueChanges tells what a new version of the catalogue changes from
// the one before it (prevBody, as stored; none for the first version):
// the categories added, removed and changed (with the fields changed,
// after audit.Changed), each named as people know it, 街面秩序 › 占道经营,
// in both languages, and the default limits (named by their message
// key). The audit log's sentence reads them ({changes}).
func catalogueChanges(prevBody string, next CatalogueDoc) (map[string]any, error) {
	if prevBody == "" {
		return nil, nil
	}
	var prev CatalogueDoc
	if err := json.Unmarshal([]byte(prevBody), &prev); err != nil {
		return nil, fmt.Errorf("cases: catalogue before: %w", err)
	}
	type item struct {
		Code   string   `json:"code,omitempty"`
		Key    string   `json:"key,omitempty"` // a message key naming it, for what has no name of its own
		Name   string   `json:"name,omitempty"`
		NameEN string   `json:"name_en,omitempty"`
		Fields []string `json:"fields,omitempty"`
	}
	named := func(doc CatalogueDoc, x Category) item {
		it := item{Code: x.Code, Name: strings.TrimSpace(x.Name), NameEN: strings.TrimSpace(x.NameEN)}
		for _, c := range doc.Categories {
			if x.Parent != "" && c.Code == x.Parent {
				it.Name = strings.TrimSpace(c.Name) + web.PathSep + it.Name
				if it.NameEN != "" && c.NameEN != "" {
					it.NameEN = strings.TrimSpace(c.NameEN) + web.PathSep + it.NameEN
				} else {
					it.NameEN = ""
				}
				break
			}
		}
		return it
	}
	before := map[string]Category{}
	for _, x := range prev.Categories {
		before[x.Code] = x
	}
	after := map[string]bool{}
	added, removed, changed := []item{}, []item{}, []item{}
	for _, x := range next.Categories {
		after[x.Code] = true
		old, ok := before[x.Code]
		if !ok {
			added = append(added, named(next, x))
			continue
		}
		fields, err := audit.Changed(old, x)
		if err != nil {
			return nil, err
		}
		if len(fields) > 0 {
			it := named(next, x)
			it.Fields = fields
			changed = append(changed, it)
		}
	}
	for _, x := range prev.Categories {
		if !after[x.Code] {
			removed = append(removed, named(prev, x))
		}
	}
	if fields, err := audit.Changed(prev.Defaults, next.Defaults); err != nil {
		return nil, err
	} else if len(fields) > 0 {
		changed = append(changed, item{Key: "catalogue.audit_defaults", Fields: fields})
	}
	return map[string]any{"added": added, "removed": removed, "changed": changed}, nil
}
