package registry

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"grassroots/internal/platform/audit"
	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/geo"
	"grassroots/internal/platform/text"
	"grassroots/internal/platform/web"
)

// Compound is a residential compound (小区).
type Compound struct {
	ID              int64           `json:"id"`
	RegionCode      string          `json:"region_code"`
	Name            string          `json:"name"`
	Address         string          `json:"address"`
	PropertyCompany string          `json:"property_company,omitempty"`
	Geometry        json.RawMessage `json:"geometry,omitempty" doc:"GeoJSON Polygon, WGS-84"`
	Buildings       int             `json:"building_count"`
	Version         int             `json:"version" doc:"send it back with a change; a stale one is refused (409)"`
	CreatedAt       time.Time       `json:"created_at"`
}

// CompoundInput creates a compound.
type CompoundInput struct {
	RegionCode      string          `json:"region_code"`
	Name            string          `json:"name"`
	Address         string          `json:"address"`
	PropertyCompany string          `json:"property_company,omitempty"`
	Geometry        json.RawMessage `json:"geometry,omitempty"`
}

const compoundCols = `c.id, c.region_code, c.name, c.address, c.property_company, c.geometry, c.created_at,
	(SELECT COUNT(*) FROM registry_buildings b WHERE b.compound_id = c.id), c.version`

func scanCompound(r db.Scanner) (Compound, error) {
	var c Compound
	var g string
	err := r.Scan(&c.ID, &c.RegionCode, &c.Name, &c.Address, &c.PropertyCompany, &g, &c.CreatedAt, &c.Buildings, &c.Version)
	if g != "" {
		c.Geometry = json.RawMessage(g)
	}
	return c, err
}

// CreateCompound adds a compound; its outline, when given, must be a valid
// polygon.
func (s *Service) CreateCompound(ctx context.Context, in CompoundInput) (Compound, error) {
	geomText, err := s.validCompound(ctx, &in)
	if err != nil {
		return Compound{}, err
	}
	var out Compound
	err = s.write(ctx, func(tx *db.Tx) error {
		var id int64
		err := tx.QueryRowContext(ctx, `/* registry.CreateCompound */ INSERT INTO registry_compounds (region_code, name, address, property_company,
			geometry, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, in.RegionCode, in.Name, in.Address, in.PropertyCompany, geomText, tx.Now()).Scan(&id)
		if db.IsUniqueViolation(err) {
			return errs.Field("name", "rule.unique", "")
		}
		if err != nil {
			return fmt.Errorf("registry: create compound: %w", err)
		}
		if out, err = db.One(ctx, tx, `/* registry.CreateCompound */ SELECT `+compoundCols+` FROM registry_compounds c WHERE c.id = ?`, []any{id},
			scanCompound, error(errs.NotFoundf("kind.compound"))); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "registry.compound.create", ObjectType: "compound", ObjectID: strconv.FormatInt(id, 10), Region: in.RegionCode, After: out})
	})
	return out, err
}

// validCompound checks a compound's fields, for entry and for a change
// alike; it returns the outline as stored.
func (s *Service) validCompound(ctx context.Context, in *CompoundInput) (string, error) {
	var fe errs.Fields
	in.Name, in.Address = text.LineField(&fe, "name", in.Name), text.LineField(&fe, "address", in.Address)
	in.PropertyCompany = text.LineField(&fe, "property_company", in.PropertyCompany)
	if in.Name == "" {
		fe.Add("name", "rule.required", "")
	}
	if in.Address == "" {
		fe.Add("address", "rule.required", "")
	}
	s.checkRegion(ctx, &fe, in.RegionCode)
	geomText := ""
	if len(in.Geometry) > 0 && string(in.Geometry) != "null" {
		p, err := geo.ParsePolygon(in.Geometry)
		if err != nil {
			fe.Add("geometry", "rule.polygon", err.Error())
		} else {
			geomText = p.GeoJSON()
		}
	}
	return geomText, fe.Err()
}

// Compound returns one compound in scope.
func (s *Service) Compound(ctx context.Context, id int64) (Compound, error) {
	return findCompound(ctx, s.db, authz.ScopeFrom(ctx), id)
}

func findCompound(ctx context.Context, q db.Querier, sc authz.Scope, id int64) (Compound, error) {
	qb := db.NewQuery(`/* registry.findCompound */ SELECT `+compoundCols+` FROM registry_compounds c`).And("c.id = ?", id).Scope(sc, "c.region_code", "")
	s, args := qb.SQL()
	c, err := db.One(ctx, q, s, args, scanCompound, error(errs.NotFoundf("kind.compound")))
	if err != nil && errs.CodeOf(err) != errs.NotFound {
		return c, fmt.Errorf("registry: find compound %d: %w", id, err)
	}
	return c, err
}

// Compounds lists compounds in scope.
func (s *Service) Compounds(ctx context.Context, region string, afterID int64, limit int) ([]Compound, error) {
	qb := db.NewQuery(`/* registry.Compounds */ SELECT `+compoundCols+` FROM registry_compounds c`).Scope(authz.ScopeFrom(ctx), "c.region_code", "")
	if region != "" {
		qb.Scope(authz.Scope{Region: region}, "c.region_code", "")
	}
	if afterID > 0 {
		qb.And("c.id > ?", afterID)
	}
	qb.Tail("ORDER BY c.id LIMIT ?", limit)
	q, args := qb.SQL()
	return db.Collect(ctx, s.db, q, args, scanCompound)
}

// PropertyCompanies are the names of the property companies managing the
// compounds under region in scope sc, in name order: the companies a
// community's case can be handed to.
func (s *Service) PropertyCompanies(ctx context.Context, sc authz.Scope, region string) ([]string, error) {
	qb := db.NewQuery(`/* registry.PropertyCompanies */ SELECT DISTINCT c.property_company FROM registry_compounds c`).
		Scope(sc, "c.region_code", "").Scope(authz.Scope{Region: region}, "c.region_code", "").And("c.property_company <> ''")
	q, args := qb.Tail("ORDER BY c.property_company LIMIT 200").SQL()
	out, err := db.Collect(ctx, s.db, q, args, func(r db.Scanner) (string, error) {
		var n string
		err := r.Scan(&n)
		return n, err
	})
	if err != nil {
		return nil, fmt.Errorf("registry: property companies of %s: %w", region, err)
	}
	return out, nil
}

func (h *handler) compoundRoutes(r *web.Router) {
	h.listRoutes(r)
	r.Page("POST /buildings", PermEdit, h.handleBuildingCreate)
	r.Page("POST /compounds", PermEdit, h.handleCompoundCreate)
	r.Page("POST /households", PermEdit, h.handleHouseholdCreate)
	r.API("GET /api/v1/compounds", PermView, web.OpDoc{Summary: "Residential compounds (小区) in scope", Tag: "registry",
		Query: append([]web.Param{{Name: "region", Type: "string"}}, web.PageQuery...), Response: web.List[Compound]{}}, h.apiCompounds)
	r.API("POST /api/v1/compounds", PermEdit, web.OpDoc{Summary: "Create a residential compound", Tag: "registry", Body: CompoundInput{}, Response: Compound{}, Status: http.StatusCreated}, web.Submit(http.StatusCreated, h.svc.CreateCompound))
	r.API("GET /api/v1/compounds/{id}", PermView, web.OpDoc{Summary: "One residential compound", Tag: "registry", Response: Compound{}}, web.Get("kind.compound", h.svc.Compound))
}

func (h *handler) apiCompounds(w http.ResponseWriter, r *http.Request) error {
	cur, limit, err := web.PageParams(r)
	if err != nil {
		return err
	}
	cs, err := h.svc.Compounds(r.Context(), r.URL.Query().Get("region"), cur.ID, limit+1)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, web.Paginate(cs, limit, func(c Compound) web.Cursor { return web.Cursor{ID: c.ID} }))
}

func (h *handler) rerenderBuildings(w http.ResponseWriter, r *http.Request, err error) error {
	if errs.CodeOf(err) != errs.Invalid {
		return err
	}
	p, perr := h.buildingsPage(r)
	if perr != nil {
		return perr
	}
	p.Errors = h.ui.FieldMessages(p.Lang, err)
	return h.ui.Render(w, r, http.StatusUnprocessableEntity, "buildings", "", p)
}

func (h *handler) handleCompoundCreate(w http.ResponseWriter, r *http.Request) error {
	_, err := h.svc.CreateCompound(r.Context(), CompoundInput{RegionCode: strings.TrimSpace(r.PostFormValue("region_code")), Name: r.PostFormValue("name"),
		Address: r.PostFormValue("address"), PropertyCompany: r.PostFormValue("property_company")})
	if err != nil {
		return h.rerenderBuildings(w, r, err)
	}
	return web.Redirect(w, r, "/buildings", "flash.saved")
}

func (h *handler) handleBuildingCreate(w http.ResponseWriter, r *http.Request) error {
	compound, _ := strconv.ParseInt(r.PostFormValue("compound_id"), 10, 64)
	floors, _ := strconv.Atoi(r.PostFormValue("floors"))
	units, _ := strconv.Atoi(r.PostFormValue("units"))
	_, err := h.svc.CreateBuilding(r.Context(), BuildingInput{Name: r.PostFormValue("name"), Address: r.PostFormValue("address"),
		RegionCode: strings.TrimSpace(r.PostFormValue("region_code")), CompoundID: compound, Floors: floors, Units: units})
	if err != nil {
		return h.rerenderBuildings(w, r, err)
	}
	return web.Redirect(w, r, "/buildings", "flash.saved")
}

func (h *handler) handleHouseholdCreate(w http.ResponseWriter, r *http.Request) error {
	building, _ := strconv.ParseInt(r.PostFormValue("building_id"), 10, 64)
	in := HouseholdInput{BuildingID: building, Room: r.PostFormValue("room"), HouseUse: HouseUse(r.PostFormValue("house_use"))}
	hh, err := h.svc.CreateHousehold(r.Context(), in)
	if err != nil {
		return h.rerenderHousehold(w, r, in, err)
	}
	return web.Redirect(w, r, "/households/"+strconv.FormatInt(hh.ID, 10), "flash.saved")
}
