package registry

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"grassroots/internal/platform/audit"
	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/jobs"
	"grassroots/internal/platform/module"
	"grassroots/internal/platform/pii"
	"grassroots/internal/platform/tabular"
	"grassroots/internal/platform/web"
	"grassroots/internal/territory"
)

// Manifest registers the registry module; jobs runs long imports.
func Manifest(svc *Service, jobs *jobs.Registry) module.Manifest {
	m := Migrations()
	return module.Manifest{
		Name: "registry", Migrations: &m, Grants: Grants(), Templates: module.Sub(templateFiles, "templates"), Messages: module.Sub(messageFiles, "messages"),
		Menu: []web.MenuItem{{Key: "nav.people", Path: "/people", Perm: PermView, Order: 10, Group: web.GroupRecords},
			{Key: "nav.buildings", Path: "/buildings", Perm: PermView, Order: 11, Group: web.GroupRecords}},
		Widgets: svc.Widgets(),
		Routes:  func(r *web.Router) { (&handler{svc: svc, ui: r.UI(), jobs: jobs}).routes(r) },
		Watch: []module.Watch{{Topic: TopicCounts, Reload: svc.forget},
			{Topic: territory.TopicRegions, Reload: func(context.Context) error { svc.names.Clear(); return nil }}},
		Start: svc.start,
	}
}

type handler struct {
	svc  *Service
	ui   *web.UI
	jobs *jobs.Registry
}

func (h *handler) routes(r *web.Router) {
	r.Page("GET /people/new", PermEdit, h.handlePersonNew)
	r.Page("POST /people", PermEdit, h.handlePersonCreate)
	r.Page("GET /people/{id}", PermView, h.handlePerson)
	r.Page("POST /people/{id}/personal", PermPersonal, h.handlePersonal)
	r.Page("POST /people/{id}/move-out", PermEdit, h.handleMoveOut)
	r.Page("GET /people/{id}/export.json", PermPersonal, h.handleExport)
	r.Page("GET /households/{id}", PermView, h.handleHousehold)
	r.Page("GET /people/import", PermEdit, h.handleImportForm)
	r.PageUpload("POST /people/import", PermEdit, h.handleImport)
	r.PageUpload("POST /people/import/jobs", PermEdit, h.handleImportStart)
	r.Page("GET /people/import/jobs/{id}", PermEdit, h.handleImportJob)
	r.Page("GET /people/template.csv", PermView, h.handleTemplateCSV)
	r.Page("GET /people/template.xlsx", PermView, h.handleTemplateXLSX)
	r.Page("GET /people/export.csv", PermView, h.handleExportCSV)
	h.apiRoutes(r)
	h.editRoutes(r)
	tabular.Register(r, h.svc.db, h.svc.buildingSpec(), PermView, PermEdit)
	tabular.Register(r, h.svc.db, h.svc.compoundSpec(), PermView, PermEdit)
}

func pathID(r *http.Request, kind string) (int64, error) { return web.ObjectID(r, kind) }

func filterFrom(r *http.Request) PersonFilter {
	q := r.URL.Query()
	return PersonFilter{Q: q.Get("q"), Tag: q.Get("tag"), Residence: Residence(q.Get("residence")), Region: q.Get("region"),
		MovedOut: q.Get("moved_out") == "1"}
}

type personFormPage struct {
	web.Page
	Form       PersonInput
	Errors     []string
	Household  web.RegionPicker // the household, by its address or its head's name
	Region     web.RegionPicker // the grid of a person of no household
	Relations  []string
	Residences []Residence
	Tags       []tagChoice
}

// personFormPage is the new-person form showing household id (0: none)
// or the text typed for it, and region (a code) or the text typed for it.
func (h *handler) personFormPage(r *http.Request, in PersonInput, typedHousehold, typedRegion string) (personFormPage, error) {
	ctx := r.Context()
	p := personFormPage{Page: h.ui.Page(r, "title.person_new"), Form: in, Relations: Relations, Residences: Residences, Tags: tagChoices(in.Tags)}
	p.Household = h.showHousehold(ctx, p.Lang, web.RegionPicker{ID: "person-household", Name: "household_id", Label: p.T("field.person_household"),
		URL: "/api/v1/households/choices", Hint: p.T("people.household_hint"), Placeholder: p.T("move.household_placeholder"),
		None: p.T("move.household_none"), Path: typedHousehold}, in.HouseholdID)
	region := web.RegionPicker{ID: "person-region", Name: "region_code", Label: p.T("field.person_region"), Code: in.RegionCode,
		Levels: []string{string(territory.LevelCommunity), string(territory.LevelGrid)}, Hint: p.T("people.region_hint"),
		Placeholder: p.T("region.pick_placeholder"), None: p.T("region.pick_none")}
	var err error
	if p.Region, err = h.svc.terr.Picker(ctx, region); err != nil {
		return p, err
	}
	if typedRegion != "" {
		p.Region.Path = typedRegion
	}
	return p, nil
}

func (h *handler) handlePersonNew(w http.ResponseWriter, r *http.Request) error {
	hid, _ := strconv.ParseInt(r.URL.Query().Get("household"), 10, 64)
	// The relation has no default: a household may have its head already.
	p, err := h.personFormPage(r, PersonInput{HouseholdID: hid, Residence: Registered}, "", "")
	if err != nil {
		return err
	}
	return h.ui.Render(w, r, http.StatusOK, "person_new", "", p)
}

// personPlace reads where the new-person form places the person: the
// household chosen or typed (as the move form's, see typedHousehold), and
// only when none is named, the grid or community chosen or typed (the
// grid of a member is the household's). A client that sends the
// household's id alone is taken at it.
func (h *handler) personPlace(r *http.Request) (household int64, region string, err error) {
	ctx := r.Context()
	chosen, typed := strings.TrimSpace(r.PostFormValue("household_id")), strings.TrimSpace(r.PostFormValue("household_id_text"))
	if _, sent := r.PostForm["household_id_text"]; !sent && chosen != "" {
		typed = chosen
	}
	if typed == "" {
		region, err = h.svc.terr.Picked(ctx, r.PostForm, "region_code", territory.LevelGrid, territory.LevelCommunity)
		if err == nil && region == "" {
			err = errs.Field("household_id", "rule.person_place", "")
		}
		return 0, region, err
	}
	if id, err := strconv.ParseInt(chosen, 10, 64); err == nil && id > 0 {
		return id, "", nil
	}
	household, err = h.typedHousehold(ctx, typed, func(q string, limit int) ([]HouseholdChoice, error) {
		return h.svc.HouseholdChoices(ctx, q, limit)
	})
	return household, "", err
}

func (h *handler) handlePersonCreate(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return errs.E(errs.Malformed, "err.malformed", err.Error())
	}
	ctx := r.Context()
	in := PersonInput{Name: r.PostFormValue("name"), IDNumber: r.PostFormValue("id_number"), Phone: r.PostFormValue("phone"),
		Relation: r.PostFormValue("relation"), Residence: Residence(r.PostFormValue("residence")), Tags: r.PostForm["tags"]}
	var err error
	in.HouseholdID, in.RegionCode, err = h.personPlace(r)
	var person *Person
	switch {
	case err == nil:
		person, err = h.svc.CreatePerson(ctx, in)
	case errs.CodeOf(err) == errs.Invalid:
		// The place named nothing: the other fields are checked too, so
		// that every broken rule shows at once. Without a place the
		// registration is refused whatever else is right.
		if _, cerr := h.svc.CreatePerson(ctx, in); errs.CodeOf(cerr) == errs.Invalid {
			e := *errs.As(err)
			for _, f := range errs.As(cerr).Fields {
				if f.Field != "household_id" && f.Field != "region_code" {
					e.Fields = append(e.Fields, f)
				}
			}
			err = &e
		}
	}
	if errs.CodeOf(err) == errs.Invalid {
		typedHousehold, typedRegion := strings.TrimSpace(r.PostFormValue("household_id_text")), strings.TrimSpace(r.PostFormValue("region_code_text"))
		if in.HouseholdID != 0 {
			typedHousehold = ""
		}
		in.IDNumber = "" // not echoed back into the page
		p, perr := h.personFormPage(r, in, typedHousehold, typedRegion)
		if perr != nil {
			return perr
		}
		for _, f := range errs.As(asPerson(err)).Fields {
			switch f.Field {
			case "household_id":
				f.Label = "field.person_household"
				p.Household.Errors = append(p.Household.Errors, h.ui.FieldMessage(p.Lang, f))
			case "region_code":
				f.Label = "field.person_region"
				p.Region.Errors = append(p.Region.Errors, h.ui.FieldMessage(p.Lang, f))
			default:
				p.Errors = append(p.Errors, h.ui.FieldMessage(p.Lang, f))
			}
		}
		return h.ui.Render(w, r, http.StatusUnprocessableEntity, "person_new", "", p)
	}
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/people/"+strconv.FormatInt(person.ID, 10), "flash.person_saved")
}

type personPage struct {
	web.Page
	Person    *Person
	Household *Household
	Age       int
	Personal  *Personal
	CanEdit   bool
	CanSee    bool
	Place     string // the person's grid or community, by name
}

func (h *handler) personPage(r *http.Request, id int64) (personPage, error) {
	person, err := h.svc.Person(r.Context(), id)
	if err != nil {
		return personPage{}, err
	}
	p := personPage{Page: h.ui.Page(r, "title.person"), Person: person, Age: person.Age(time.Now())}
	p.Title = person.Name
	p.CanEdit, p.CanSee = p.Actor.Can(PermEdit), p.Actor.Can(PermPersonal)
	if person.HouseholdID != 0 {
		if hh, err := h.svc.Household(r.Context(), person.HouseholdID); err == nil {
			p.Household = &hh
		}
	}
	p.Place, err = h.svc.placeName(r.Context(), person.RegionCode)
	return p, err
}

// placeName names a grid or community as people say it (社区 › 网格).
func (s *Service) placeName(ctx context.Context, code string) (string, error) {
	names, err := s.terr.UnscopedLabels(ctx, []string{code})
	if err != nil {
		return "", err
	}
	return names[code], nil
}

func (h *handler) handlePerson(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "kind.person")
	if err != nil {
		return err
	}
	p, err := h.personPage(r, id)
	if err != nil {
		return err
	}
	return h.ui.Render(w, r, http.StatusOK, "person", "", p)
}

func (h *handler) handlePersonal(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "kind.person")
	if err != nil {
		return err
	}
	p, err := h.personPage(r, id)
	if err != nil {
		return err
	}
	pd, err := h.svc.Personal(r.Context(), id)
	if err != nil {
		return err
	}
	p.Personal = &pd
	w.Header().Set("Cache-Control", "no-store")
	return h.ui.Render(w, r, http.StatusOK, "person", "personal", p)
}

func (h *handler) handleMoveOut(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "kind.person")
	if err != nil {
		return err
	}
	v, _ := strconv.Atoi(r.PostFormValue("version"))
	if err := h.svc.MoveOut(r.Context(), id, v); err != nil {
		return err
	}
	return web.Redirect(w, r, "/people/"+strconv.FormatInt(id, 10), "flash.moved_out")
}

func (h *handler) handleExport(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "kind.person")
	if err != nil {
		return err
	}
	ex, err := h.svc.ExportPerson(r.Context(), id)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="person-%d.json"`, id))
	w.Header().Set("Cache-Control", "no-store")
	return web.JSON(w, http.StatusOK, ex)
}

type householdPage struct {
	web.Page
	Household Household
	Building  *Building
	Members   []*Person
	CanEdit   bool
	Place     string // the household's grid or community, by name
	Visits    VisitHistory
}

// householdCardVisits is how many of its last visits a household's card lists.
const householdCardVisits = 5

func (h *handler) handleHousehold(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "kind.household")
	if err != nil {
		return err
	}
	card, err := h.svc.Card(r.Context(), id)
	if err != nil {
		return err
	}
	hh := card.Household
	p := householdPage{Page: h.ui.Page(r, "title.household"), Household: hh, Members: card.Members}
	p.Title = hh.Address
	p.CanEdit = p.Actor.Can(PermEdit)
	if p.Place, err = h.svc.placeName(r.Context(), hh.RegionCode); err != nil {
		return err
	}
	if hh.BuildingID != 0 {
		if b, err := h.svc.Building(r.Context(), hh.BuildingID); err == nil {
			p.Building = &b
		}
	}
	if p.Visits, err = h.svc.householdVisits(r.Context(), id, householdCardVisits); err != nil {
		return err
	}
	return h.ui.Render(w, r, http.StatusOK, "household", "", p)
}

type importPage struct {
	web.Page
	Report *ImportReport
	Errors []string
	Job    *jobs.State
}

func (h *handler) handleImportForm(w http.ResponseWriter, r *http.Request) error {
	return h.ui.Render(w, r, http.StatusOK, "people_import", "", importPage{Page: h.ui.Page(r, "title.people_import")})
}

func (h *handler) handleImport(w http.ResponseWriter, r *http.Request) error {
	filename, data, err := web.FormFile(r, "file")
	if err != nil {
		return err
	}
	p := importPage{Page: h.ui.Page(r, "title.people_import")}
	rows, err := ReadTable(r.Context(), filename, data)
	if err == nil {
		var rep ImportReport
		rep, err = h.svc.ImportPeople(r.Context(), rows, ImportOptions{KeepGood: r.PostFormValue("keep_good") == "on"})
		p.Report = &rep
		for _, e := range rep.Errors {
			p.Errors = append(p.Errors, h.rowError(p.Page, e))
		}
	}
	if errs.CodeOf(err) == errs.Invalid {
		p.Errors = append(p.Errors, h.ui.Message(p.Lang, errs.As(err)))
		p.Errors = append(p.Errors, h.ui.FieldMessages(p.Lang, err)...)
		return h.ui.Render(w, r, http.StatusUnprocessableEntity, "people_import", "", p)
	}
	if err != nil {
		return err
	}
	status := http.StatusOK
	if !p.Report.Committed {
		status = http.StatusUnprocessableEntity
	}
	return h.ui.Render(w, r, status, "people_import", "", p)
}

// handleImportStart reads the file and starts the import in the
// background; the fragment it answers polls the job until it is done.
func (h *handler) handleImportStart(w http.ResponseWriter, r *http.Request) error {
	filename, data, err := web.FormFile(r, "file")
	if err != nil {
		return err
	}
	p := importPage{Page: h.ui.Page(r, "title.people_import")}
	rows, err := ReadTable(r.Context(), filename, data)
	if err != nil {
		p.Errors = []string{h.ui.Message(p.Lang, errs.As(err))}
		return h.ui.Render(w, r, http.StatusUnprocessableEntity, "people_import", "import-result", p)
	}
	keep := r.PostFormValue("keep_good") == "on"
	owner := authz.ActorFrom(r.Context()).UserID
	id := h.jobs.Start(context.WithoutCancel(r.Context()), owner, func(ctx context.Context, progress func(int, int)) (any, error) {
		return h.svc.ImportPeople(ctx, rows, ImportOptions{KeepGood: keep, Progress: progress})
	})
	st, _ := h.jobs.Get(id, owner)
	p.Job = &st
	return h.ui.Render(w, r, http.StatusAccepted, "people_import", "import-result", p)
}

// handleImportJob shows a running import's progress, or its report.
func (h *handler) handleImportJob(w http.ResponseWriter, r *http.Request) error {
	st, ok := h.jobs.Get(r.PathValue("id"), authz.ActorFrom(r.Context()).UserID)
	if !ok {
		return errs.NotFoundf("kind.job")
	}
	p := importPage{Page: h.ui.Page(r, "title.people_import"), Job: &st}
	status := http.StatusOK
	if st.Finished {
		p.Job = nil
		if st.Err != nil {
			if errs.CodeOf(st.Err) == errs.Internal {
				return st.Err
			}
			p.Errors = []string{h.ui.Message(p.Lang, errs.As(st.Err))}
			for _, f := range errs.As(st.Err).Fields {
				p.Errors = append(p.Errors, h.ui.FieldMessage(p.Lang, f))
			}
		} else {
			var rep ImportReport
			if err := st.Decode(&rep); err != nil {
				return err
			}
			p.Report = &rep
			for _, e := range rep.Errors {
				p.Errors = append(p.Errors, h.rowError(p.Page, e))
			}
		}
	}
	return h.ui.Render(w, r, status, "people_import", "import-result", p)
}

func (h *handler) rowError(p web.Page, e RowError) string {
	return p.T("import.row_error", e.Row, e.Column) + " " + p.T(e.Rule, e.Param)
}

// templateExample is the template's example row, in the importer's own
// territory: a grid of theirs, an address in their district, an ID number
// issued there (with a valid check character). Where the territory has
// no community yet, the code and address are placeholders.
func (h *handler) templateExample(r *http.Request) ([]string, error) {
	sm, err := h.svc.terr.Sample(r.Context())
	if err != nil {
		return nil, err
	}
	region, address, id := exampleGrid, "某区某某路1号3栋2单元301室", "（18位公民身份号码）"
	if sm.Grid != "" {
		region = sm.Grid
	} else if sm.Community != "" {
		region = sm.Community
	}
	if sm.District != "" {
		address = sm.City + sm.District + "某某路1号3栋2单元301室"
	}
	if len(sm.Community) >= 6 {
		id = sm.Community[:6] + "19900307123"
		id += string(pii.IDCheckChar(id))
	}
	return []string{"张三", id, "13800138000", "户主", "户籍", "党员、退役军人", address, region, "自住"}, nil
}

func (h *handler) handleTemplateCSV(w http.ResponseWriter, r *http.Request) error {
	ex, err := h.templateExample(r)
	if err != nil {
		return err
	}
	return tabular.WriteCSV(w, "people-template.csv", [][]string{PeopleHeader, ex})
}

// handleTemplateXLSX writes the template with every cell a string: ID
// numbers must not become numbers.
func (h *handler) handleTemplateXLSX(w http.ResponseWriter, r *http.Request) error {
	ex, err := h.templateExample(r)
	if err != nil {
		return err
	}
	return tabular.WriteXLSX(w, "people-template.xlsx", [][]string{PeopleHeader, ex})
}

// handleExportCSV writes the filtered people in the import format, masked;
// with ?unmasked=1 and the personal-data permission the ID numbers and
// phones are in clear, and the export is audited with its size.
func (h *handler) handleExportCSV(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	f := filterFrom(r)
	f.Limit = 1000
	unmasked := r.URL.Query().Get("unmasked") == "1"
	a := authz.ActorFrom(ctx)
	if unmasked && !a.Can(PermPersonal) {
		return errs.E(errs.Forbidden, "err.forbidden")
	}
	var all []*Person
	for {
		page, err := h.svc.People(ctx, f)
		if err != nil {
			return err
		}
		all = append(all, page...)
		if len(page) < f.Limit {
			break
		}
		f.AfterID, f.AfterKey = page[len(page)-1].ID, page[len(page)-1].sortKey(f.Q)
	}
	addr := map[int64]string{}
	var buf bytes.Buffer
	cw := tabular.NewCSVWriter(&buf)
	_ = cw.Write(PeopleHeader)
	for _, p := range all {
		idn, phone := p.IDMasked, p.PhoneMasked
		if unmasked {
			pd, err := h.svc.personalNoAudit(p)
			if err != nil {
				return err
			}
			idn, phone = pd.IDNumber, pd.Phone
		}
		if _, ok := addr[p.HouseholdID]; !ok && p.HouseholdID != 0 {
			if hh, err := h.svc.Household(ctx, p.HouseholdID); err == nil {
				addr[p.HouseholdID] = hh.Address
			}
		}
		var tags []string
		for _, t := range p.Tags {
			tags = append(tags, tabular.LabelOf(tagLabels, t))
		}
		_ = cw.Write([]string{p.Name, idn, phone, tabular.LabelOf(relationLabels, p.Relation), tabular.LabelOf(residenceLabels, string(p.Residence)),
			strings.Join(tags, "、"), addr[p.HouseholdID], p.RegionCode, ""})
	}
	if err := cw.Flush(); err != nil {
		return err
	}
	err := audit.RecordRead(ctx, h.svc.db, audit.Entry{Action: "registry.person.export_list", ObjectType: "person", ObjectID: "*",
		Region: a.Scope.Region, Detail: map[string]any{"rows": len(all), "unmasked": unmasked, "query": maskedQuery(r.URL.RawQuery)}})
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="people.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	_, err = buf.WriteTo(w)
	return err
}
