package registry

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/errs"
)

const personCols = `p.id, p.region_code, COALESCE(p.household_id, 0), p.name, p.id_masked, p.phone_masked, p.birth_date, p.sex,
	p.relation, p.residence, p.tags, p.moved_out_at, p.version, p.created_at, p.id_enc, p.phone_enc`

func scanPerson(s db.Scanner) (*Person, error) {
	p := &Person{}
	var res, tags string
	err := s.Scan(&p.ID, &p.RegionCode, &p.HouseholdID, &p.Name, &p.IDMasked, &p.PhoneMasked, &p.BirthDate, &p.Sex,
		&p.Relation, &res, &tags, &p.MovedOutAt, &p.Version, &p.CreatedAt, &p.idEnc, &p.phoneEnc)
	p.Residence = Residence(res)
	p.Tags = splitTags(tags)
	return p, err
}

// looksLikeAddress tells an address query (digits, or 路街号栋室巷弄村) from
// a name.
func looksLikeAddress(q string) bool {
	return strings.ContainsAny(q, "0123456789路街号栋室巷弄村单元")
}

func splitTags(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

func findPerson(ctx context.Context, q db.Querier, sc authz.Scope, id int64) (*Person, error) {
	qb := db.NewQuery(`/* registry.findPerson */ SELECT `+personCols+` FROM registry_people p`).And("p.id = ?", id).Scope(sc, "p.region_code", "")
	s, args := qb.SQL()
	p, err := db.One(ctx, q, s, args, scanPerson, error(errs.NotFoundf("kind.person")))
	if err != nil && errs.CodeOf(err) != errs.NotFound {
		return nil, fmt.Errorf("registry: find person %d: %w", id, err)
	}
	return p, err
}

// findPeople lists people in scope. hashes are the keyed hashes of Q taken
// as an ID number and as a phone number.
func findPeople(ctx context.Context, q db.Querier, sc authz.Scope, f PersonFilter, idHash, phoneHash string) ([]*Person, error) {
	items, err := findPersonItems(ctx, q, sc, f, idHash, phoneHash)
	if err != nil {
		return nil, err
	}
	out := make([]*Person, len(items))
	for i, it := range items {
		out[i] = it.Person
	}
	return out, nil
}

// isInitials tells pinyin initials (ASCII letters) from a Chinese name.
func isInitials(q string) bool {
	for _, r := range q {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return q != ""
}

// personRow is what is written for a person.
type personRow struct {
	regionCode, name, initials       string
	idEnc, idHash, idMasked          string
	phoneEnc, phoneHash, phoneMasked string
	birth, sex, relation, residence  string
	tags                             string
	householdID                      int64
}

const insertPersonSQL = `/* registry.insertPerson */
	INSERT INTO registry_people (region_code, household_id, name, name_initials, id_enc, id_hash, id_masked,
		phone_enc, phone_hash, phone_masked, birth_date, sex, relation, residence, tags, created_at, updated_at)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`

func (r personRow) args(now time.Time) []any {
	var hh any
	if r.householdID != 0 {
		hh = r.householdID
	}
	return []any{r.regionCode, hh, r.name, r.initials, r.idEnc, r.idHash, r.idMasked, r.phoneEnc, r.phoneHash, r.phoneMasked,
		r.birth, r.sex, r.relation, r.residence, r.tags, now, now}
}

func insertPerson(ctx context.Context, tx *db.Tx, r personRow) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, insertPersonSQL, r.args(tx.Now())...).Scan(&id)
	if db.IsUniqueViolation(err) {
		return 0, errs.Field("id_number", "rule.person_exists", "")
	}
	if err != nil {
		return 0, fmt.Errorf("registry: insert person: %w", err)
	}
	return id, nil
}

const householdCols = `h.id, h.region_code, COALESCE(h.building_id, 0), h.room, h.address, h.house_use, h.version, h.created_at,
	(SELECT COUNT(*) FROM registry_people m WHERE m.household_id = h.id AND m.moved_out_at IS NULL)`

func scanHousehold(s db.Scanner) (Household, error) {
	var h Household
	var use string
	err := s.Scan(&h.ID, &h.RegionCode, &h.BuildingID, &h.Room, &h.Address, &use, &h.Version, &h.CreatedAt, &h.Members)
	h.HouseUse = HouseUse(use)
	return h, err
}

func findHousehold(ctx context.Context, q db.Querier, sc authz.Scope, id int64) (Household, error) {
	qb := db.NewQuery(`/* registry.findHousehold */ SELECT `+householdCols+` FROM registry_households h`).And("h.id = ?", id).Scope(sc, "h.region_code", "")
	s, args := qb.SQL()
	h, err := db.One(ctx, q, s, args, scanHousehold, error(errs.NotFoundf("kind.household")))
	if err != nil && errs.CodeOf(err) != errs.NotFound {
		return h, fmt.Errorf("registry: find household %d: %w", id, err)
	}
	return h, err
}

func findHouseholds(ctx context.Context, q db.Querier, sc authz.Scope, region, addr string, afterID int64, limit int) ([]Household, error) {
	qb := db.NewQuery(`/* registry.findHouseholds */ SELECT `+householdCols+` FROM registry_households h`).Scope(sc, "h.region_code", "")
	if region != "" {
		qb.Scope(authz.Scope{Region: region}, "h.region_code", "")
	}
	if addr != "" {
		qb.And("h.address LIKE ?", "%"+addr+"%")
	}
	if afterID > 0 {
		qb.And("h.id > ?", afterID)
	}
	qb.Tail("ORDER BY h.id LIMIT ?", limit)
	s, args := qb.SQL()
	out, err := db.Collect(ctx, q, s, args, scanHousehold)
	if err != nil {
		return nil, fmt.Errorf("registry: find households: %w", err)
	}
	return out, nil
}

const buildingCols = `b.id, b.region_code, b.compound, b.name, b.address, b.floors, b.units, b.lon, b.lat, b.created_at,
	COALESCE(b.compound_id, 0), b.footprint, b.version`

func scanBuilding(s db.Scanner) (Building, error) {
	var b Building
	var fp string
	err := s.Scan(&b.ID, &b.RegionCode, &b.Compound, &b.Name, &b.Address, &b.Floors, &b.Units, &b.Lon, &b.Lat, &b.CreatedAt, &b.CompoundID, &fp, &b.Version)
	if fp != "" {
		b.Footprint = json.RawMessage(fp)
	}
	return b, err
}

func findBuilding(ctx context.Context, q db.Querier, sc authz.Scope, id int64) (Building, error) {
	qb := db.NewQuery(`/* registry.findBuilding */ SELECT `+buildingCols+` FROM registry_buildings b`).And("b.id = ?", id).Scope(sc, "b.region_code", "")
	s, args := qb.SQL()
	b, err := db.One(ctx, q, s, args, scanBuilding, error(errs.NotFoundf("kind.building")))
	if err != nil && errs.CodeOf(err) != errs.NotFound {
		return b, fmt.Errorf("registry: find building %d: %w", id, err)
	}
	return b, err
}

func findBuildings(ctx context.Context, q db.Querier, sc authz.Scope, region string, afterID int64, limit int) ([]Building, error) {
	qb := db.NewQuery(`/* registry.findBuildings */ SELECT `+buildingCols+` FROM registry_buildings b`).Scope(sc, "b.region_code", "")
	if region != "" {
		qb.Scope(authz.Scope{Region: region}, "b.region_code", "")
	}
	if afterID > 0 {
		qb.And("b.id > ?", afterID)
	}
	qb.Tail("ORDER BY b.id LIMIT ?", limit)
	s, args := qb.SQL()
	out, err := db.Collect(ctx, q, s, args, scanBuilding)
	if err != nil {
		return nil, fmt.Errorf("registry: find buildings: %w", err)
	}
	return out, nil
}
