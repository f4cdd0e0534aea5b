package registry

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/tabular"
	"grassroots/internal/platform/web"
	"grassroots/internal/platform/workday"
	"grassroots/internal/territory"
)

// The correction pages: one form per record, on a page of its own, that
// posts back to it. A refused change shows the form again with what was
// typed and every broken rule (422); a stale one shows the record as it
// now is, with the reason nothing was saved (409).

func (h *handler) editRoutes(r *web.Router) {
	r.Page("GET /people/{id}/edit", PermEdit, h.handlePersonEdit)
	r.Page("POST /people/{id}/edit", PermEdit, h.handlePersonSave)
	r.Page("POST /people/{id}/move", PermEdit, h.handlePersonMove)
	r.Page("GET /households/{id}/edit", PermEdit, h.handleHouseholdEdit)
	r.Page("POST /households/{id}/edit", PermEdit, h.handleHouseholdSave)
	r.Page("GET /buildings/{id}/edit", PermEdit, h.handleBuildingEdit)
	r.Page("POST /buildings/{id}/edit", PermEdit, h.handleBuildingSave)
	r.Page("GET /compounds/{id}/edit", PermEdit, h.handleCompoundEdit)
	r.Page("POST /compounds/{id}/edit", PermEdit, h.handleCompoundSave)
	r.API("GET /api/v1/people/{id}/move-choices", PermEdit, web.OpDoc{Summary: "Households in scope a person may move to, by address or head's name, the nearest first (for the move form's picker)",
		Tag: "registry", Query: []web.Param{{Name: "q", Type: "string", Description: "address or head's name contains; none: the person's community"},
			{Name: "limit", Type: "integer", Description: "1–100, default 20"}}, Response: web.List[HouseholdChoice]{}}, h.apiMoveChoices)
	r.API("POST /api/v1/people/{id}/move", PermEdit, web.OpDoc{Summary: "Move a person to another household in scope, with the reason and day (send their version)",
		Tag: "registry", Body: MoveInput{}, Response: Person{}}, web.Apply("kind.person", http.StatusOK, h.svc.MovePerson))
	r.API("PUT /api/v1/households/{id}", PermEdit, web.OpDoc{Summary: "Correct a household: every field, checked as on entry (send its version)",
		Tag: "registry", Body: HouseholdEdit{}, Response: Household{}}, web.Apply("kind.household", http.StatusOK, h.svc.UpdateHousehold))
	r.API("PUT /api/v1/buildings/{id}", PermEdit, web.OpDoc{Summary: "Correct a building and its unit count: every field, checked as on entry (send its version)",
		Tag: "registry", Body: BuildingEdit{}, Response: Building{}}, web.Apply("kind.building", http.StatusOK, h.svc.UpdateBuilding))
	r.API("PUT /api/v1/compounds/{id}", PermEdit, web.OpDoc{Summary: "Correct a residential compound: every field, checked as on entry (send its version)",
		Tag: "registry", Body: CompoundEdit{}, Response: Compound{}}, web.Apply("kind.compound", http.StatusOK, h.svc.UpdateCompound))
}

// regionChoice is a grid or community a record may be placed in, shown
// by its name.
type regionChoice struct {
	Code     string
	Name     string
	Level    territory.Level
	Selected bool
}

// regionChoices are the community of current and its grids, those in the
// actor's scope, current selected.
func (h *handler) regionChoices(ctx context.Context, current string) ([]regionChoice, error) {
	community := cut(current, 12)
	var out []regionChoice
	if c, err := h.svc.terr.ContainsRegion(ctx, community); err == nil {
		out = append(out, regionChoice{Code: c.Code, Name: c.Name, Level: c.Level})
	}
	gs, err := h.svc.terr.Regions(ctx, territory.RegionFilter{Parent: community, Level: territory.LevelGrid, Limit: 500})
	if err != nil {
		return nil, err
	}
	for _, g := range gs {
		out = append(out, regionChoice{Code: g.Code, Name: g.Name, Level: g.Level})
	}
	found := false
	for i := range out {
		if out[i].Code == current {
			out[i].Selected, found = true, true
		}
	}
	if !found && current != "" {
		if r, err := h.svc.terr.ContainsRegion(ctx, current); err == nil {
			out = append([]regionChoice{{Code: r.Code, Name: r.Name, Level: r.Level, Selected: true}}, out...)
		}
	}
	return out, nil
}

// tagChoice is a tag and whether the form has it.
type tagChoice struct {
	Value   string
	Checked bool
}

func tagChoices(have []string) []tagChoice {
	out := make([]tagChoice, len(Tags))
	for i, t := range Tags {
		out[i] = tagChoice{Value: t, Checked: slices.Contains(have, t)}
	}
	return out
}

// personForm is the person form as typed; the ID number is never shown
// back, the phone only as typed.
type personForm struct {
	Version    int
	Name       string
	IDNumber   string // as typed: shown again when the form is refused
	Phone      string
	ClearPhone bool
	Relation   string
	Residence  Residence
	RegionCode string
}

// moveForm is the move form as sent.
type moveForm struct {
	HouseholdID int64  // chosen from the suggestions
	Text        string // typed into the household picker
	Relation    string
	MovedOn     string
	Reason      string
}

type personEditPage struct {
	web.Page
	Person     *Person
	Form       personForm
	Move       moveForm
	Errors     []string
	MoveErrors []string            // what no field of the move form shows
	MoveFields map[string][]string // field → what is wrong with it, shown beside it
	MovePicker web.RegionPicker
	Relations  []string
	Residences []Residence
	Tags       []tagChoice
	Regions    []regionChoice
	Moves      []Move
	Today      string
}

func (h *handler) personEditPage(r *http.Request, id int64) (personEditPage, error) {
	ctx := r.Context()
	p, err := h.svc.Person(ctx, id)
	if err != nil {
		return personEditPage{}, err
	}
	if p.MovedOutAt != nil {
		return personEditPage{}, errs.E(errs.Conflict, "err.anonymised")
	}
	pg := personEditPage{Page: h.ui.Page(r, "title.person_edit"), Person: p, Relations: Relations, Residences: Residences, Tags: tagChoices(p.Tags),
		Form:  personForm{Version: p.Version, Name: p.Name, Relation: p.Relation, Residence: p.Residence, RegionCode: p.RegionCode},
		Today: h.svc.db.Now().In(workday.CST).Format("2006-01-02")}
	pg.Title = pg.T("title.person_edit") + " · " + p.Name
	pg.Move.MovedOn = pg.Today
	if pg.Regions, err = h.regionChoices(ctx, p.RegionCode); err != nil {
		return pg, err
	}
	pg.MovePicker = h.movePicker(r, pg.Page, id, 0, "")
	if pg.Moves, err = h.svc.Moves(ctx, id); err != nil {
		return pg, err
	}
	return pg, nil
}

func (h *handler) handlePersonEdit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "kind.person")
	if err != nil {
		return err
	}
	pg, err := h.personEditPage(r, id)
	if err != nil {
		return err
	}
	return h.ui.Render(w, r, http.StatusOK, "person_edit", "", pg)
}

// refused answers a refused change: the form again with what was typed
// (invalid, 422) or with the record as it now is (stale, 409); other
// errors go to the error page.
func (h *handler) refused(w http.ResponseWriter, r *http.Request, err error, typed func(msgs []string) error, fresh func(msg string) error) error {
	switch errs.CodeOf(err) {
	case errs.Invalid:
		return typed(h.ui.FieldMessages(web.LangFrom(r.Context()), err))
	case errs.Conflict:
		if e := errs.As(err); e.Key != "err.anonymised" {
			return fresh(h.ui.Message(web.LangFrom(r.Context()), e))
		}
	}
	return err
}

// asPerson names the fields of a refused person as their forms label
// them: a person's name is 姓名 (field.person_name), not a thing's 名称.
func asPerson(err error) error {
	if errs.CodeOf(err) != errs.Invalid {
		return err
	}
	e := *errs.As(err)
	e.Fields = slices.Clone(e.Fields)
	for i := range e.Fields {
		if e.Fields[i].Field == "name" {
			e.Fields[i].Field = "person_name"
		}
	}
	return &e
}

func (h *handler) handlePersonSave(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "kind.person")
	if err != nil {
		return err
	}
	f := personForm{Name: r.PostFormValue("name"), Phone: r.PostFormValue("phone"), ClearPhone: r.PostFormValue("clear_phone") == "on",
		Relation: r.PostFormValue("relation"), Residence: Residence(r.PostFormValue("residence")), RegionCode: strings.TrimSpace(r.PostFormValue("region_code"))}
	f.Version, _ = strconv.Atoi(r.PostFormValue("version"))
	tags := r.PostForm["tags"]
	if tags == nil {
		tags = []string{}
	}
	upd := PersonUpdate{Version: f.Version, Name: &f.Name, Relation: &f.Relation, Residence: &f.Residence, Tags: &tags}
	if f.RegionCode != "" {
		upd.RegionCode = &f.RegionCode
	}
	if f.IDNumber = strings.TrimSpace(r.PostFormValue("id_number")); f.IDNumber != "" {
		upd.IDNumber = &f.IDNumber
	}
	switch {
	case f.ClearPhone:
		empty := ""
		upd.Phone = &empty
	case strings.TrimSpace(f.Phone) != "":
		upd.Phone = &f.Phone
	}
	_, err = h.svc.UpdatePerson(r.Context(), id, upd)
	if err == nil {
		return web.Redirect(w, r, "/people/"+strconv.FormatInt(id, 10), "flash.saved")
	}
	return h.refused(w, r, asPerson(err), func(msgs []string) error {
		pg, perr := h.personEditPage(r, id)
		if perr != nil {
			return perr
		}
		pg.Form, pg.Tags, pg.Errors = f, tagChoices(tags), msgs
		pg.Form.Version = pg.Person.Version
		if f.Version != pg.Person.Version {
			pg.Form.Version = f.Version
		}
		if pg.Form.RegionCode == "" { // a household member's form has no region to pick
			pg.Form.RegionCode = pg.Person.RegionCode
		}
		if pg.Regions, perr = h.regionChoices(r.Context(), pg.Form.RegionCode); perr != nil {
			return perr
		}
		return h.ui.Render(w, r, http.StatusUnprocessableEntity, "person_edit", "", pg)
	}, func(msg string) error {
		pg, perr := h.personEditPage(r, id)
		if perr != nil {
			return perr
		}
		pg.Errors = []string{msg}
		return h.ui.Render(w, r, http.StatusConflict, "person_edit", "", pg)
	})
}

func (h *handler) handlePersonMove(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "kind.person")
	if err != nil {
		return err
	}
	ctx := r.Context()
	if _, err := h.svc.Person(ctx, id); err != nil {
		return err
	}
	m := moveForm{Text: strings.TrimSpace(r.PostFormValue("household_id_text")), Relation: r.PostFormValue("relation"),
		MovedOn: r.PostFormValue("moved_on"), Reason: r.PostFormValue("reason")}
	in := MoveInput{Relation: m.Relation, MovedOn: m.MovedOn, Reason: m.Reason}
	in.Version, _ = strconv.Atoi(r.PostFormValue("version"))
	in.HouseholdID, err = h.moveTarget(ctx, id, r.PostFormValue("household_id"), m.Text)
	if err == nil {
		m.HouseholdID = in.HouseholdID
		_, err = h.svc.MovePerson(ctx, id, in)
	} else if errs.CodeOf(err) == errs.Invalid {
		// The household named nothing: the other fields are checked too,
		// so that every broken rule shows at once.
		if _, merr := h.svc.MovePerson(ctx, id, in); errs.CodeOf(merr) == errs.Invalid {
			e := *errs.As(err)
			for _, f := range errs.As(merr).Fields {
				if f.Field != "household_id" {
					e.Fields = append(e.Fields, f)
				}
			}
			err = &e
		}
	}
	if err == nil {
		return web.Redirect(w, r, "/people/"+strconv.FormatInt(id, 10), "flash.moved")
	}
	return h.refused(w, r, err, func([]string) error {
		pg, perr := h.personEditPage(r, id)
		if perr != nil {
			return perr
		}
		pg.Move = m
		pg.MovePicker = h.movePicker(r, pg.Page, id, m.HouseholdID, m.Text)
		pg.moveErrors(h.ui, err)
		return h.ui.Render(w, r, http.StatusUnprocessableEntity, "person_edit", "", pg)
	}, func(msg string) error {
		pg, perr := h.personEditPage(r, id)
		if perr != nil {
			return perr
		}
		pg.Move, pg.MoveErrors = m, []string{msg}
		pg.MovePicker = h.movePicker(r, pg.Page, id, m.HouseholdID, m.Text)
		return h.ui.Render(w, r, http.StatusConflict, "person_edit", "", pg)
	})
}

// moveErrors places the field errors of a refused move beside the fields
// of the move form, the household's beside its picker, the rest above.
func (pg *personEditPage) moveErrors(ui *web.UI, err error) {
	for _, f := range errs.As(err).Fields {
		field := f.Field
		if field == "household_id" {
			f.Field = "move_household" // as the form labels it
		}
		msg := ui.FieldMessage(pg.Lang, f)
		switch field {
		case "household_id":
			pg.MovePicker.Errors = append(pg.MovePicker.Errors, msg)
		case "relation", "moved_on", "reason":
			if pg.MoveFields == nil {
				pg.MoveFields = map[string][]string{}
			}
			pg.MoveFields[field] = append(pg.MoveFields[field], msg)
		default:
			pg.MoveErrors = append(pg.MoveErrors, msg)
		}
	}
}

type householdEditPage struct {
	web.Page
	Household Household
	Form      HouseholdEdit
	Errors    []string
	Buildings []Building
	Regions   []regionChoice
	Uses      []HouseUse
}

func (h *handler) householdEditPage(r *http.Request, id int64) (householdEditPage, error) {
	ctx := r.Context()
	hh, err := h.svc.Household(ctx, id)
	if err != nil {
		return householdEditPage{}, err
	}
	pg := householdEditPage{Page: h.ui.Page(r, "title.household_edit"), Household: hh, Uses: HouseUses,
		Form: HouseholdEdit{Version: hh.Version, HouseholdInput: HouseholdInput{BuildingID: hh.BuildingID, Room: hh.Room, Address: hh.Address,
			RegionCode: hh.RegionCode, HouseUse: hh.HouseUse}}}
	pg.Title = pg.T("title.household_edit") + " · " + hh.Address
	if pg.Buildings, err = h.svc.Buildings(ctx, cut(hh.RegionCode, 12), 0, 500); err != nil {
		return pg, err
	}
	if pg.Regions, err = h.regionChoices(ctx, hh.RegionCode); err != nil {
		return pg, err
	}
	return pg, nil
}

func (h *handler) handleHouseholdEdit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "kind.household")
	if err != nil {
		return err
	}
	pg, err := h.householdEditPage(r, id)
	if err != nil {
		return err
	}
	return h.ui.Render(w, r, http.StatusOK, "household_edit", "", pg)
}

func (h *handler) handleHouseholdSave(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "kind.household")
	if err != nil {
		return err
	}
	var in HouseholdEdit
	in.Version, _ = strconv.Atoi(r.PostFormValue("version"))
	in.BuildingID, _ = strconv.ParseInt(r.PostFormValue("building_id"), 10, 64)
	in.Room, in.Address = r.PostFormValue("room"), r.PostFormValue("address")
	in.RegionCode, in.HouseUse = strings.TrimSpace(r.PostFormValue("region_code")), HouseUse(r.PostFormValue("house_use"))
	_, err = h.svc.UpdateHousehold(r.Context(), id, in)
	if err == nil {
		return web.Redirect(w, r, "/households/"+strconv.FormatInt(id, 10), "flash.saved")
	}
	return h.refused(w, r, err, func(msgs []string) error {
		pg, perr := h.householdEditPage(r, id)
		if perr != nil {
			return perr
		}
		pg.Form, pg.Errors = in, msgs
		if pg.Regions, perr = h.regionChoices(r.Context(), in.RegionCode); perr != nil {
			return perr
		}
		return h.ui.Render(w, r, http.StatusUnprocessableEntity, "household_edit", "", pg)
	}, func(msg string) error {
		pg, perr := h.householdEditPage(r, id)
		if perr != nil {
			return perr
		}
		pg.Errors = []string{msg}
		return h.ui.Render(w, r, http.StatusConflict, "household_edit", "", pg)
	})
}

// buildingForm is the building form as typed (the point as text).
type buildingForm struct {
	BuildingInput
	Version          int
	LonText, LatText string
}

type buildingEditPage struct {
	web.Page
	Building  Building
	Form      buildingForm
	Errors    []string            // what no field beside it shows
	Fields    map[string][]string // lon, lat → what is wrong with it, shown beside it
	Compounds []Compound
	Regions   []regionChoice
}

func (h *handler) buildingEditPage(r *http.Request, id int64) (buildingEditPage, error) {
	ctx := r.Context()
	b, err := h.svc.Building(ctx, id)
	if err != nil {
		return buildingEditPage{}, err
	}
	pg := buildingEditPage{Page: h.ui.Page(r, "title.building_edit"), Building: b,
		Form: buildingForm{Version: b.Version, BuildingInput: BuildingInput{RegionCode: b.RegionCode, Name: b.Name, Address: b.Address,
			Floors: b.Floors, Units: b.Units, CompoundID: b.CompoundID}}}
	if b.Lon != nil && b.Lat != nil {
		pg.Form.LonText, pg.Form.LatText = coordText(*b.Lon), coordText(*b.Lat)
	}
	pg.Title = pg.T("title.building_edit") + " · " + b.Address
	if pg.Compounds, err = h.svc.Compounds(ctx, cut(b.RegionCode, 12), 0, 500); err != nil {
		return pg, err
	}
	if pg.Regions, err = h.regionChoices(ctx, b.RegionCode); err != nil {
		return pg, err
	}
	return pg, nil
}

func (h *handler) handleBuildingEdit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "kind.building")
	if err != nil {
		return err
	}
	pg, err := h.buildingEditPage(r, id)
	if err != nil {
		return err
	}
	return h.ui.Render(w, r, http.StatusOK, "building_edit", "", pg)
}

// coordText shows a stored coordinate as a person types one: six
// decimals (about 0.1 m), no float noise, no trailing zeros.
func coordText(v float64) string {
	s := strconv.FormatFloat(v, 'f', 6, 64)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// pointErrors places the field errors of a refused building beside the
// longitude and latitude fields, the rest above the form.
func (pg *buildingEditPage) pointErrors(ui *web.UI, err error) {
	for _, f := range errs.As(err).Fields {
		msg := ui.FieldMessage(pg.Lang, f)
		if f.Field == "lon" || f.Field == "lat" {
			if pg.Fields == nil {
				pg.Fields = map[string][]string{}
			}
			pg.Fields[f.Field] = append(pg.Fields[f.Field], msg)
			continue
		}
		pg.Errors = append(pg.Errors, msg)
	}
}

// point reads a typed coordinate; empty is none.
func point(fe *errs.Fields, field, s string) *float64 {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		fe.Add(field, "rule.number", "")
		return nil
	}
	return &v
}

func (h *handler) handleBuildingSave(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "kind.building")
	if err != nil {
		return err
	}
	ctx := r.Context()
	b, err := h.svc.Building(ctx, id)
	if err != nil {
		return err
	}
	f := buildingForm{LonText: r.PostFormValue("lon"), LatText: r.PostFormValue("lat"), BuildingInput: BuildingInput{Name: r.PostFormValue("name"),
		Address: r.PostFormValue("address"), RegionCode: strings.TrimSpace(r.PostFormValue("region_code")),
		Floors: tabular.Int(r.PostFormValue("floors")), Units: tabular.Int(r.PostFormValue("units")), Footprint: b.Footprint}}
	f.Version, _ = strconv.Atoi(r.PostFormValue("version"))
	f.CompoundID, _ = strconv.ParseInt(r.PostFormValue("compound_id"), 10, 64)
	var fe errs.Fields
	f.Lon, f.Lat = point(&fe, "lon", f.LonText), point(&fe, "lat", f.LatText)
	err = fe.Err()
	if err == nil {
		_, err = h.svc.UpdateBuilding(ctx, id, BuildingEdit{BuildingInput: f.BuildingInput, Version: f.Version})
	}
	if err == nil {
		return web.Redirect(w, r, "/buildings/"+strconv.FormatInt(id, 10), "flash.saved")
	}
	return h.refused(w, r, err, func(msgs []string) error {
		pg, perr := h.buildingEditPage(r, id)
		if perr != nil {
			return perr
		}
		pg.Form = f
		pg.pointErrors(h.ui, err)
		if pg.Regions, perr = h.regionChoices(ctx, f.RegionCode); perr != nil {
			return perr
		}
		return h.ui.Render(w, r, http.StatusUnprocessableEntity, "building_edit", "", pg)
	}, func(msg string) error {
		pg, perr := h.buildingEditPage(r, id)
		if perr != nil {
			return perr
		}
		pg.Errors = []string{msg}
		return h.ui.Render(w, r, http.StatusConflict, "building_edit", "", pg)
	})
}

type compoundEditPage struct {
	web.Page
	Compound Compound
	Form     CompoundEdit
	Errors   []string
	Regions  []regionChoice
}

func (h *handler) compoundEditPage(r *http.Request, id int64) (compoundEditPage, error) {
	ctx := r.Context()
	c, err := h.svc.Compound(ctx, id)
	if err != nil {
		return compoundEditPage{}, err
	}
	pg := compoundEditPage{Page: h.ui.Page(r, "title.compound_edit"), Compound: c,
		Form: CompoundEdit{Version: c.Version, CompoundInput: CompoundInput{RegionCode: c.RegionCode, Name: c.Name, Address: c.Address,
			PropertyCompany: c.PropertyCompany}}}
	pg.Title = pg.T("title.compound_edit") + " · " + c.Name
	if pg.Regions, err = h.regionChoices(ctx, c.RegionCode); err != nil {
		return pg, err
	}
	return pg, nil
}

func (h *handler) handleCompoundEdit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "kind.compound")
	if err != nil {
		return err
	}
	pg, err := h.compoundEditPage(r, id)
	if err != nil {
		return err
	}
	return h.ui.Render(w, r, http.StatusOK, "compound_edit", "", pg)
}

func (h *handler) handleCompoundSave(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "kind.compound")
	if err != nil {
		return err
	}
	ctx := r.Context()
	c, err := h.svc.Compound(ctx, id)
	if err != nil {
		return err
	}
	in := CompoundEdit{CompoundInput: CompoundInput{Name: r.PostFormValue("name"), Address: r.PostFormValue("address"),
		PropertyCompany: r.PostFormValue("property_company"), RegionCode: strings.TrimSpace(r.PostFormValue("region_code")), Geometry: c.Geometry}}
	in.Version, _ = strconv.Atoi(r.PostFormValue("version"))
	_, err = h.svc.UpdateCompound(ctx, id, in)
	if err == nil {
		return web.Redirect(w, r, "/buildings", "flash.saved")
	}
	return h.refused(w, r, err, func(msgs []string) error {
		pg, perr := h.compoundEditPage(r, id)
		if perr != nil {
			return perr
		}
		pg.Form, pg.Errors = in, msgs
		if pg.Regions, perr = h.regionChoices(ctx, in.RegionCode); perr != nil {
			return perr
		}
		return h.ui.Render(w, r, http.StatusUnprocessableEntity, "compound_edit", "", pg)
	}, func(msg string) error {
		pg, perr := h.compoundEditPage(r, id)
		if perr != nil {
			return perr
		}
		pg.Errors = []string{msg}
		return h.ui.Render(w, r, http.StatusConflict, "compound_edit", "", pg)
	})
}
