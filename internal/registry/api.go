package registry

import (
	"io"
	"net/http"
	"strconv"

	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/web"
)

// HouseholdCard is a household with its members (一户一档).
type HouseholdCard struct {
	Household
	Members []*Person `json:"members"`
}

// MoveOutInput records a departure.
type MoveOutInput struct {
	Version int `json:"version"`
}

func (h *handler) apiRoutes(r *web.Router) {
	h.compoundRoutes(r)
	r.API("POST /api/v1/people", PermEdit, web.OpDoc{Summary: "Register a person", Tag: "registry", Body: PersonInput{}, Response: Person{}, Status: http.StatusCreated}, web.Submit(http.StatusCreated, h.svc.CreatePerson))
	r.API("GET /api/v1/people/{id}", PermView, web.OpDoc{Summary: "One person (masked)", Tag: "registry", Response: Person{}}, web.Get("kind.person", h.svc.Person))
	r.API("PATCH /api/v1/people/{id}", PermEdit, web.OpDoc{Summary: "Correct a person: fields left out stay; a corrected ID number derives birth date and sex again (send their version)", Tag: "registry", Body: PersonUpdate{}, Response: Person{}}, web.Apply("kind.person", http.StatusOK, h.svc.UpdatePerson))
	r.API("GET /api/v1/people/{id}/personal", PermPersonal, web.OpDoc{Summary: "Unmasked ID number and phone; every read is audited", Tag: "registry", Response: Personal{}}, h.apiPersonal)
	r.API("GET /api/v1/people/{id}/export", PermPersonal, web.OpDoc{Summary: "Everything held about a person (PIPL access right); audited", Tag: "registry", Response: Export{}}, h.apiExport)
	r.API("POST /api/v1/people/{id}/move-out", PermEdit, web.OpDoc{Summary: "Record a departure and anonymise the person", Tag: "registry", Body: MoveOutInput{}, Status: http.StatusNoContent}, h.apiMoveOut)
	r.Upload("POST /api/v1/people/import", PermEdit, web.OpDoc{Summary: "Import people from CSV (text/csv) or .xlsx with the Chinese header of the template", Tag: "registry",
		Query: []web.Param{{Name: "keep_good", Type: "boolean"}}, Response: ImportReport{}}, h.apiImport)
	r.API("GET /api/v1/households", PermView, web.OpDoc{Summary: "Households in scope", Tag: "registry",
		Query: append([]web.Param{{Name: "region", Type: "string"}, {Name: "address", Type: "string"}}, web.PageQuery...), Response: web.List[Household]{}}, h.apiHouseholds)
	r.API("GET /api/v1/households/choices", PermEdit, web.OpDoc{Summary: "Households in scope a new person may be registered in, by address or head's name (for the new-person form's picker)",
		Tag: "registry", Query: []web.Param{{Name: "q", Type: "string", Description: "address or head's name contains; none: every household in scope, by address"},
			{Name: "limit", Type: "integer", Description: "1–100, default 20"}}, Response: web.List[HouseholdChoice]{}}, h.apiHouseholdChoices)
	r.API("POST /api/v1/households", PermEdit, web.OpDoc{Summary: "Create a household", Tag: "registry", Body: HouseholdInput{}, Response: Household{}, Status: http.StatusCreated}, web.Submit(http.StatusCreated, h.svc.CreateHousehold))
	r.API("GET /api/v1/households/{id}", PermView, web.OpDoc{Summary: "A household with its members (一户一档)", Tag: "registry", Response: HouseholdCard{}}, web.Get("kind.household", h.svc.Card))
	r.API("POST /api/v1/buildings", PermEdit, web.OpDoc{Summary: "Create a building (placed in the grid of its location when no region is given)", Tag: "registry",
		Body: BuildingInput{}, Response: Building{}, Status: http.StatusCreated}, web.Submit(http.StatusCreated, h.svc.CreateBuilding))
	r.API("GET /api/v1/buildings/{id}", PermView, web.OpDoc{Summary: "One building", Tag: "registry", Response: Building{}}, web.Get("kind.building", h.svc.Building))
}

func (h *handler) apiPersonal(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "kind.person")
	if err != nil {
		return err
	}
	p, err := h.svc.Personal(r.Context(), id)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return web.JSON(w, http.StatusOK, p)
}

func (h *handler) apiExport(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "kind.person")
	if err != nil {
		return err
	}
	ex, err := h.svc.ExportPerson(r.Context(), id)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return web.JSON(w, http.StatusOK, ex)
}

func (h *handler) apiMoveOut(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "kind.person")
	if err != nil {
		return err
	}
	var in MoveOutInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	if err := h.svc.MoveOut(r.Context(), id, in.Version); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *handler) apiImport(w http.ResponseWriter, r *http.Request) error {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		return errs.E(errs.TooLarge, "err.too_large", strconv.Itoa(web.MaxUpload))
	}
	name := "upload.csv"
	if ct := r.Header.Get("Content-Type"); ct == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
		name = "upload.xlsx"
	}
	rows, err := ReadTable(r.Context(), name, data)
	if err != nil {
		return err
	}
	rep, err := h.svc.ImportPeople(r.Context(), rows, ImportOptions{KeepGood: r.URL.Query().Get("keep_good") == "true"})
	if err != nil {
		return err
	}
	status := http.StatusOK
	if !rep.Committed {
		status = http.StatusUnprocessableEntity
	}
	return web.JSON(w, status, rep)
}

func (h *handler) apiHouseholds(w http.ResponseWriter, r *http.Request) error {
	cur, limit, err := web.PageParams(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	hs, err := h.svc.Households(r.Context(), q.Get("region"), q.Get("address"), cur.ID, limit+1)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, web.Paginate(hs, limit, func(x Household) web.Cursor { return web.Cursor{ID: x.ID} }))
}
