package registry

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"grassroots/internal/platform/audit"
	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/change"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/geo"
	"grassroots/internal/platform/memo"
	"grassroots/internal/platform/pii"
	"grassroots/internal/platform/text"
	"grassroots/internal/territory"
)

// Service is the registry's API.
type Service struct {
	db   *db.DB
	terr *territory.Service
	keys *pii.Keyring
	// counts keeps report totals; every committed write clears it.
	counts memo.Memo[map[string]*Counts]
	// names are the division names addresses are matched without.
	names memo.Memo[*divisionIndex]
	// visits gives a household's card its visits (SetHouseholdVisits).
	visits HouseholdVisits
}

// NewService returns the registry service.
func NewService(d *db.DB, terr *territory.Service, keys *pii.Keyring) *Service {
	return &Service{db: d, terr: terr, keys: keys, counts: memo.Memo[map[string]*Counts]{TTL: time.Minute, Max: 10000},
		names: memo.Memo[*divisionIndex]{TTL: time.Minute, Max: 1}}
}

// TopicCounts is the module's change-feed topic (package change): every
// write touches it, and every instance clears its totals memo.
const TopicCounts = "registry"

// write runs fn in a transaction that announces itself on the change
// feed and, once it has committed, clears the totals memo.
func (s *Service) write(ctx context.Context, fn func(*db.Tx) error) error {
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		change.Touch(tx, TopicCounts)
		return fn(tx)
	})
	if err == nil {
		s.counts.Clear()
	}
	return err
}

// forget clears the totals memo after another instance's write.
func (s *Service) forget(context.Context) error {
	s.counts.Clear()
	return nil
}

// checkRegion accepts a grid or a community inside the actor's scope.
func (s *Service) checkRegion(ctx context.Context, fe *errs.Fields, code string) {
	if code == "" {
		fe.Add("region_code", "rule.required", "")
		return
	}
	r, err := s.terr.ContainsRegion(ctx, code)
	if err != nil || (r.Level != territory.LevelGrid && r.Level != territory.LevelCommunity) {
		fe.Add("region_code", "rule.grid_or_community", code)
	}
}

// BuildingInput creates a building.
type BuildingInput struct {
	RegionCode string          `json:"region_code"`
	Compound   string          `json:"compound,omitempty"`
	Name       string          `json:"name"`
	Address    string          `json:"address"`
	Floors     int             `json:"floors"`
	Units      int             `json:"units"`
	Lon        *float64        `json:"lon,omitempty"`
	Lat        *float64        `json:"lat,omitempty"`
	CompoundID int64           `json:"compound_id,omitempty"`
	Footprint  json.RawMessage `json:"footprint,omitempty" doc:"GeoJSON Polygon; its centre is the location when lon/lat are not given"`
}

// CreateBuilding adds a building. With a location (a point, or a footprint
// whose centre is taken) and no region, the building is placed in the grid
// that contains it.
func (s *Service) CreateBuilding(ctx context.Context, in BuildingInput) (Building, error) {
	footprint, err := s.validBuilding(ctx, &in)
	if err != nil {
		return Building{}, err
	}
	b := Building{RegionCode: in.RegionCode, Compound: in.Compound, Name: in.Name, Address: in.Address, Floors: in.Floors, Units: in.Units,
		Lon: in.Lon, Lat: in.Lat, CompoundID: in.CompoundID, Version: 1}
	if footprint != "" {
		b.Footprint = json.RawMessage(footprint)
	}
	var compoundID any
	if in.CompoundID != 0 {
		compoundID = in.CompoundID
	}
	idx, err := s.divisionsFor(ctx, b.RegionCode)
	if err != nil {
		return Building{}, err
	}
	keys := idx.addressKeys(b.Address, b.Compound, b.Name, b.RegionCode)
	err = s.write(ctx, func(tx *db.Tx) error {
		b.CreatedAt = tx.Now()
		err := tx.QueryRowContext(ctx, `/* registry.CreateBuilding */
			INSERT INTO registry_buildings (region_code, compound, name, address, floors, units, lon, lat, created_at, updated_at, compound_id, footprint,
				match_key, street_key, number_key, alias_key)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			b.RegionCode, b.Compound, b.Name, b.Address, b.Floors, b.Units, b.Lon, b.Lat, b.CreatedAt, b.CreatedAt, compoundID, footprint,
			keys.match, keys.street, keys.numbers, keys.alias).Scan(&b.ID)
		if db.IsUniqueViolation(err) {
			return errs.Field("address", "rule.unique", "")
		}
		if err != nil {
			return fmt.Errorf("registry: insert building: %w", err)
		}
		if err := refreshCounts(ctx, tx, one(b.RegionCode)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "registry.building.create", ObjectType: "building",
			ObjectID: strconv.FormatInt(b.ID, 10), Region: b.RegionCode, After: b})
	})
	return b, err
}

// validBuilding checks a building's fields, for entry and for a change
// alike, and completes them: the compound's name, the point of the
// footprint, the grid of the point. It returns the footprint as stored.
func (s *Service) validBuilding(ctx context.Context, in *BuildingInput) (string, error) {
	var fe errs.Fields
	in.Name, in.Address = text.LineField(&fe, "name", in.Name), text.LineField(&fe, "address", in.Address)
	in.Compound = text.LineField(&fe, "compound", in.Compound)
	footprint := ""
	if len(in.Footprint) > 0 && string(in.Footprint) != "null" {
		p, err := geo.ParsePolygon(in.Footprint)
		if err != nil {
			fe.Add("footprint", "rule.polygon", err.Error())
		} else {
			footprint = p.GeoJSON()
			if in.Lon == nil {
				lon, lat := p.Centroid()
				in.Lon, in.Lat = &lon, &lat
			}
		}
	}
	var compoundName string
	if in.CompoundID != 0 {
		c, err := s.Compound(ctx, in.CompoundID)
		if err != nil {
			fe.Add("compound_id", "rule.compound", "")
		} else {
			compoundName = c.Name
			if in.RegionCode == "" && in.Lon == nil {
				in.RegionCode = c.RegionCode
			}
		}
	}
	if in.Compound == "" {
		in.Compound = compoundName
	}
	if in.RegionCode == "" && in.Lon != nil && in.Lat != nil {
		if g, ok := s.terr.LocateGrid(*in.Lon, *in.Lat); ok {
			in.RegionCode = g
		}
	}
	s.checkRegion(ctx, &fe, in.RegionCode)
	if in.Name == "" {
		fe.Add("name", "rule.required", "")
	}
	if in.Address == "" {
		fe.Add("address", "rule.required", "")
	}
	if in.Floors < 0 || in.Floors > 200 {
		fe.Add("floors", "rule.range", "0–200")
	}
	if in.Units < 0 || in.Units > 50 {
		fe.Add("units", "rule.range", "0–50")
	}
	if (in.Lon == nil) != (in.Lat == nil) {
		fe.Add("lat", "rule.required", "")
	} else if in.Lon != nil {
		if *in.Lon < -180 || *in.Lon > 180 {
			fe.Add("lon", "rule.range", "−180–180")
		}
		if *in.Lat < -90 || *in.Lat > 90 {
			fe.Add("lat", "rule.range", "−90–90")
		}
	}
	return footprint, fe.Err()
}

// Building returns one building in scope.
func (s *Service) Building(ctx context.Context, id int64) (Building, error) {
	return findBuilding(ctx, s.db, authz.ScopeFrom(ctx), id)
}

// Buildings lists buildings in scope.
func (s *Service) Buildings(ctx context.Context, region string, afterID int64, limit int) ([]Building, error) {
	return findBuildings(ctx, s.db, authz.ScopeFrom(ctx), region, afterID, limit)
}

// HouseholdInput creates a household.
type HouseholdInput struct {
	BuildingID int64    `json:"building_id,omitempty"`
	Room       string   `json:"room,omitempty"`
	Address    string   `json:"address,omitempty" doc:"defaults to the building's address and the room"`
	RegionCode string   `json:"region_code,omitempty" doc:"defaults to the building's grid"`
	HouseUse   HouseUse `json:"house_use"`
}

// CreateHousehold adds a household in a house. A household given by its
// address alone is linked to the building of that address, when one in
// the actor's territory matches it (see linkAddresses).
func (s *Service) CreateHousehold(ctx context.Context, in HouseholdInput) (Household, error) {
	if err := s.validHousehold(ctx, s.db, &in); err != nil {
		return Household{}, err
	}
	h := Household{RegionCode: in.RegionCode, BuildingID: in.BuildingID, Room: in.Room, Address: in.Address, HouseUse: in.HouseUse, Version: 1}
	err := s.write(ctx, func(tx *db.Tx) error {
		if h.BuildingID == 0 {
			found, err := s.linkAddresses(ctx, tx, []linkRequest{{Address: h.Address, Region: h.RegionCode}})
			if err != nil {
				return err
			}
			h.BuildingID = found[0]
		}
		var err error
		h, err = insertHousehold(ctx, tx, h)
		if err != nil {
			return err
		}
		if err := refreshCounts(ctx, tx, one(h.RegionCode)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "registry.household.create", ObjectType: "household",
			ObjectID: strconv.FormatInt(h.ID, 10), Region: h.RegionCode, After: h})
	})
	return h, err
}

// validHousehold checks a household's fields, for entry and for a change
// alike, and completes them: the region and the address default to the
// building's (the address followed by the room).
func (s *Service) validHousehold(ctx context.Context, q db.Querier, in *HouseholdInput) error {
	var fe errs.Fields
	in.Room = text.LineField(&fe, "room", in.Room)
	if in.BuildingID != 0 {
		b, err := findBuilding(ctx, q, authz.ScopeFrom(ctx), in.BuildingID)
		if err != nil {
			if errs.CodeOf(err) != errs.NotFound {
				return err
			}
			fe.Add("building_id", "rule.building", "")
		} else {
			if in.RegionCode == "" {
				in.RegionCode = b.RegionCode
			}
			if in.Address == "" {
				in.Address = b.Address + strings.TrimSpace(in.Room)
			}
		}
	}
	in.Address = text.LineField(&fe, "address", in.Address)
	if in.Address == "" {
		fe.Add("address", "rule.required", "")
	}
	if in.HouseUse == "" {
		in.HouseUse = SelfOccupied
	}
	if !slices.Contains(HouseUses, in.HouseUse) {
		fe.Add("house_use", "rule.one_of", "self_occupied, rented, vacant")
	}
	s.checkRegion(ctx, &fe, in.RegionCode)
	return fe.Err()
}

func insertHousehold(ctx context.Context, tx *db.Tx, h Household) (Household, error) {
	var b any
	if h.BuildingID != 0 {
		b = h.BuildingID
	}
	h.CreatedAt = tx.Now()
	err := tx.QueryRowContext(ctx, `/* registry.insertHousehold */
		INSERT INTO registry_households (region_code, building_id, room, address, house_use, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, h.RegionCode, b, h.Room, h.Address, string(h.HouseUse), h.CreatedAt, h.CreatedAt).Scan(&h.ID)
	if db.IsUniqueViolation(err) {
		return h, errs.Field("address", "rule.unique", "")
	}
	if err != nil {
		return h, fmt.Errorf("registry: insert household: %w", err)
	}
	return h, nil
}

// Household returns a household in scope.
func (s *Service) Household(ctx context.Context, id int64) (Household, error) {
	return findHousehold(ctx, s.db, authz.ScopeFrom(ctx), id)
}

// Households lists households in scope.
func (s *Service) Households(ctx context.Context, region, addr string, afterID int64, limit int) ([]Household, error) {
	return findHouseholds(ctx, s.db, authz.ScopeFrom(ctx), region, addr, afterID, limit)
}

// Card returns a household with its current members (一户一档), in scope.
func (s *Service) Card(ctx context.Context, id int64) (HouseholdCard, error) {
	hh, err := s.Household(ctx, id)
	if err != nil {
		return HouseholdCard{}, err
	}
	members, err := s.Members(ctx, id)
	if err != nil {
		return HouseholdCard{}, err
	}
	if members == nil {
		members = []*Person{}
	}
	return HouseholdCard{Household: hh, Members: members}, nil
}

// Members lists the people of a household.
func (s *Service) Members(ctx context.Context, householdID int64) ([]*Person, error) {
	qb := db.NewQuery(`/* registry.Members */ SELECT `+personCols+` FROM registry_people p`).
		And("p.household_id = ?", householdID).And("p.moved_out_at IS NULL").Scope(authz.ScopeFrom(ctx), "p.region_code", "")
	qb.Tail("ORDER BY CASE p.relation WHEN 'head' THEN 0 ELSE 1 END, p.birth_date")
	q, args := qb.SQL()
	return db.Collect(ctx, s.db, q, args, scanPerson)
}

// validatePerson checks a person's own fields (not where they live) and
// returns the normalised ID number and what it tells.
func (s *Service) validatePerson(fe *errs.Fields, in *PersonInput) (string, pii.IDInfo) {
	in.Name = text.LineField(fe, "name", in.Name)
	if in.Name == "" {
		fe.Add("name", "rule.required", "")
	} else if utf8.RuneCountInString(in.Name) > 40 {
		fe.Add("name", "rule.max_length", "40")
	}
	id := pii.NormaliseID(in.IDNumber)
	info, err := pii.ParseID(id, s.db.Now())
	if err != nil {
		fe.Add("id_number", err.Error(), "")
	}
	in.Phone = pii.NormalisePhone(in.Phone)
	if in.Phone != "" && !pii.ValidPhone(in.Phone) {
		fe.Add("phone", "rule.phone", "")
	}
	if in.Relation == "" {
		fe.Add("relation", "rule.required", "")
	} else if !slices.Contains(Relations, in.Relation) {
		fe.Add("relation", "rule.one_of", strings.Join(Relations, ", "))
	}
	if !slices.Contains(Residences, in.Residence) {
		fe.Add("residence", "rule.one_of", "registered, permanent, floating")
	}
	for _, t := range in.Tags {
		if !slices.Contains(Tags, t) {
			fe.Add("tags", "rule.one_of", strings.Join(Tags, ", "))
			break
		}
	}
	// A person's name is 姓名, not a thing's 名称 (field.name), in the
	// API's messages as on the pages.
	for i := range *fe {
		if (*fe)[i].Field == "name" {
			(*fe)[i].Label = "field.person_name"
		}
	}
	return id, info
}

// seal builds the stored row of a valid person, sealing the personal data.
func (s *Service) seal(in PersonInput, id string, info pii.IDInfo) (personRow, error) {
	r := personRow{regionCode: in.RegionCode, name: in.Name, initials: Initials(in.Name), idHash: s.keys.Hash(id), idMasked: pii.MaskID(id),
		phoneHash: s.keys.Hash(in.Phone), phoneMasked: maskPhone(in.Phone), birth: info.Birth.Format("2006-01-02"), sex: "female",
		relation: in.Relation, residence: string(in.Residence), tags: strings.Join(in.Tags, ","), householdID: in.HouseholdID}
	if info.Male {
		r.sex = "male"
	}
	var err error
	if r.idEnc, err = s.keys.Encrypt(id); err != nil {
		return r, err
	}
	if r.phoneEnc, err = s.keys.Encrypt(in.Phone); err != nil {
		return r, err
	}
	return r, nil
}

// row validates a person input, with where they live, and seals it. It
// reports every broken rule. A household has one head (户主): a new
// person is not registered as the head of one that has one.
func (s *Service) row(ctx context.Context, tx *db.Tx, in PersonInput) (personRow, error) {
	var fe errs.Fields
	id, info := s.validatePerson(&fe, &in)
	if in.HouseholdID != 0 {
		// A member lives where the household is: the region comes from
		// the household, and one given that differs is refused rather
		// than silently replaced.
		h, err := findHousehold(ctx, tx, authz.ScopeFrom(ctx), in.HouseholdID)
		switch {
		case errs.CodeOf(err) == errs.NotFound:
			fe.Add("household_id", "rule.household", "")
		case err != nil:
			return personRow{}, err
		case in.RegionCode == "":
			in.RegionCode = h.RegionCode
		case in.RegionCode != h.RegionCode:
			fe.Add("region_code", "rule.household_region", "")
		}
		if err == nil && in.Relation == "head" {
			head, err := headTaken(ctx, tx, h.ID)
			if err != nil {
				return personRow{}, err
			}
			if head != "" {
				fe.Add("relation", "rule.head_exists", head)
			}
		}
	}
	s.checkRegion(ctx, &fe, in.RegionCode)
	if err := fe.Err(); err != nil {
		return personRow{}, err
	}
	return s.seal(in, id, info)
}

// headTaken is the name of the head (户主) of household id, "" when it has
// none, for a write that would make another member its head. It locks the
// household's row first (an update that changes nothing), so that two
// writes making heads of one household at once are taken one after the
// other and the second sees the first's head (PostgreSQL; SQLite writes
// one at a time).
func headTaken(ctx context.Context, tx *db.Tx, id int64) (string, error) {
	if _, err := tx.ExecContext(ctx, `/* registry.headTaken */ UPDATE registry_households SET version = version WHERE id = ?`, id); err != nil {
		return "", fmt.Errorf("registry: lock household %d: %w", id, err)
	}
	return headOf(ctx, tx, id)
}

func maskPhone(p string) string {
	if p == "" {
		return ""
	}
	return pii.MaskPhone(p)
}

// CreatePerson registers a person. The ID number must be valid and not
// registered yet (anywhere: a person is registered once), and the relation
// given; a household's second head is refused (rule.head_exists).
func (s *Service) CreatePerson(ctx context.Context, in PersonInput) (*Person, error) {
	var out *Person
	err := s.write(ctx, func(tx *db.Tx) error {
		r, err := s.row(ctx, tx, in)
		if err != nil {
			return err
		}
		id, err := insertPerson(ctx, tx, r)
		if err != nil {
			return err
		}
		out, err = findPerson(ctx, tx, authz.All, id)
		if err != nil {
			return err
		}
		if err := refreshCounts(ctx, tx, one(out.RegionCode)); err != nil {
			return err
		}
		after, err := s.forAudit(ctx, tx, out)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "registry.person.create", ObjectType: "person",
			ObjectID: strconv.FormatInt(id, 10), Region: out.RegionCode, After: after})
	})
	return out, err
}

// Person returns a person in scope, masked.
func (s *Service) Person(ctx context.Context, id int64) (*Person, error) {
	return findPerson(ctx, s.db, authz.ScopeFrom(ctx), id)
}

// People searches people in scope. Q may be a name, pinyin initials, an
// exact 18-character ID number, an exact 11-digit phone, or part of an
// address.
func (s *Service) People(ctx context.Context, f PersonFilter) ([]*Person, error) {
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	idHash, phoneHash := s.searchHashes(&f)
	return findPeople(ctx, s.db, authz.ScopeFrom(ctx), f, idHash, phoneHash)
}

// Personal returns a person's unmasked ID number and phone and records the
// read.
func (s *Service) Personal(ctx context.Context, id int64) (Personal, error) {
	var out Personal
	err := s.write(ctx, func(tx *db.Tx) error {
		p, err := findPerson(ctx, tx, authz.ScopeFrom(ctx), id)
		if err != nil {
			return err
		}
		if p.MovedOutAt != nil {
			return errs.E(errs.Conflict, "err.anonymised")
		}
		idn, err := s.keys.Decrypt(p.idEnc)
		if err != nil {
			return fmt.Errorf("registry: person %d: %w", id, err)
		}
		phone, err := s.keys.Decrypt(p.phoneEnc)
		if err != nil {
			return fmt.Errorf("registry: person %d: %w", id, err)
		}
		out = Personal{PersonID: id, IDNumber: idn, Phone: phone}
		return audit.Record(ctx, tx, audit.Entry{Action: "registry.person.read_personal", ObjectType: "person",
			ObjectID: strconv.FormatInt(id, 10), Region: p.RegionCode, Detail: map[string]string{"fields": "id_number,phone"}})
	})
	return out, err
}

// Export is everything held about a person (PIPL right of access).
type Export struct {
	Person    Person        `json:"person"`
	Personal  Personal      `json:"personal"`
	Household *Household    `json:"household,omitempty"`
	Moves     []Move        `json:"moves" doc:"their moves between households"`
	History   []audit.Entry `json:"history" doc:"every recorded change and read of this person's data"`
}

// ExportPerson gathers a person's data for them, and records the export.
func (s *Service) ExportPerson(ctx context.Context, id int64) (Export, error) {
	pd, err := s.Personal(ctx, id)
	if err != nil {
		return Export{}, err
	}
	p, err := s.Person(ctx, id)
	if err != nil {
		return Export{}, err
	}
	ex := Export{Person: *p, Personal: pd}
	if p.HouseholdID != 0 {
		if h, err := s.Household(ctx, p.HouseholdID); err == nil {
			ex.Household = &h
		}
	}
	if ex.Moves, err = s.Moves(ctx, id); err != nil {
		return Export{}, err
	}
	if ex.History, err = audit.Find(ctx, s.db, authz.All, audit.Filter{ObjectType: "person", ObjectID: strconv.FormatInt(id, 10), Limit: 1000}); err != nil {
		return Export{}, err
	}
	if ex.History, err = audit.Open(ctx, s.db, s.keys, ex.History, audit.Erased); err != nil {
		return Export{}, err
	}
	err = audit.RecordRead(ctx, s.db, audit.Entry{Action: "registry.person.export", ObjectType: "person",
		ObjectID: strconv.FormatInt(id, 10), Region: p.RegionCode})
	return ex, err
}

// MoveOut records that a person has left and anonymises them: the name,
// ID number and phone are erased; birth year, sex and residence type stay
// for statistics.
func (s *Service) MoveOut(ctx context.Context, id int64, version int) error {
	return s.write(ctx, func(tx *db.Tx) error {
		p, err := findPerson(ctx, tx, authz.ScopeFrom(ctx), id)
		if err != nil {
			return err
		}
		if p.MovedOutAt != nil {
			return errs.E(errs.Conflict, "err.anonymised")
		}
		if p.Version != version {
			return errs.E(errs.Conflict, "err.conflict")
		}
		// The ID hash is replaced by a unique marker so the person can be
		// registered again if they come back.
		// Erased values are zeroed in the database file, not just unlinked.
		var res sql.Result
		err = tx.Shred(ctx, func() error {
			var err error
			res, err = tx.ExecContext(ctx, `/* registry.MoveOut */
			UPDATE registry_people SET name = ?, name_initials = '', id_enc = '', id_hash = ?, id_masked = '', phone_enc = '',
				phone_hash = '', phone_masked = '', birth_date = ?, household_id = NULL, moved_out_at = ?, updated_at = ?,
				version = version + 1 WHERE id = ? AND version = ?`,
				"（已迁出）", "moved:"+strconv.FormatInt(id, 10), p.BirthDate[:4]+"-01-01", tx.Now(), tx.Now(), id, version)
			if err != nil {
				return err
			}
			// The reasons of their moves between households are theirs.
			_, err = tx.ExecContext(ctx, `/* registry.MoveOut */ UPDATE registry_moves SET reason = '' WHERE person_id = ?`, id)
			return err
		})
		if err != nil {
			return fmt.Errorf("registry: move out %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.E(errs.Conflict, "err.conflict")
		}
		if err := refreshCounts(ctx, tx, one(p.RegionCode)); err != nil {
			return err
		}
		// The audit records keep what was done; the person's values in
		// them can no longer be opened.
		if err := audit.Erase(ctx, tx, personSubject(id)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "registry.person.move_out", ObjectType: "person",
			ObjectID: strconv.FormatInt(id, 10), Region: p.RegionCode, Detail: map[string]string{"anonymised": "name,id_number,phone,birth_date"}})
	})
}

// personalNoAudit opens a person's sealed data for an export that records
// one audit entry for the whole file.
func (s *Service) personalNoAudit(p *Person) (Personal, error) {
	idn, err := s.keys.Decrypt(p.idEnc)
	if err != nil {
		return Personal{}, err
	}
	phone, err := s.keys.Decrypt(p.phoneEnc)
	return Personal{PersonID: p.ID, IDNumber: idn, Phone: phone}, err
}

// ImportHouseholds creates many households in one transaction (addresses
// already present are left alone) and records one audit entry. It returns
// how many were created.
func (s *Service) ImportHouseholds(ctx context.Context, hs []HouseholdInput) (int, error) {
	var fe errs.Fields
	for i := range hs {
		field := fmt.Sprintf("households[%d].address", i)
		if hs[i].Address = text.LineField(&fe, field, hs[i].Address); hs[i].Address == "" {
			fe.Add(field, "rule.required", "")
		}
	}
	if err := fe.Err(); err != nil {
		return 0, err
	}
	sc := authz.ScopeFrom(ctx)
	made := 0
	err := s.write(ctx, func(tx *db.Tx) error {
		ins, err := tx.PrepareContext(ctx, `/* registry.ImportHouseholds */
			INSERT INTO registry_households (region_code, building_id, room, address, house_use, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (address) DO NOTHING`)
		if err != nil {
			return err
		}
		defer ins.Close()
		// A household given without its building is linked to the
		// building of its address, when one matches.
		links := make([]linkRequest, len(hs))
		for i, in := range hs {
			if in.BuildingID == 0 {
				links[i] = linkRequest{Address: in.Address, Region: in.RegionCode}
			}
		}
		found, err := s.linkAddresses(ctx, tx, links)
		if err != nil {
			return err
		}
		for i, in := range hs {
			if !sc.Contains(in.RegionCode) {
				return errs.Field(fmt.Sprintf("households[%d].region_code", i), "rule.grid_or_community", in.RegionCode)
			}
			if in.BuildingID == 0 {
				in.BuildingID = found[i]
			}
			var b any
			if in.BuildingID != 0 {
				b = in.BuildingID
			}
			if in.HouseUse == "" {
				in.HouseUse = SelfOccupied
			}
			res, err := ins.ExecContext(ctx, in.RegionCode, b, in.Room, in.Address, string(in.HouseUse), tx.Now(), tx.Now())
			if err != nil {
				return fmt.Errorf("registry: import household %q: %w", in.Address, err)
			}
			n, _ := res.RowsAffected()
			made += int(n)
		}
		regions := map[string]bool{}
		for _, in := range hs {
			regions[in.RegionCode] = true
		}
		if err := refreshCounts(ctx, tx, regions); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "registry.household.import", ObjectType: "household", ObjectID: "*",
			Region: sc.Region, Detail: map[string]int{"rows": len(hs), "created": made}})
	})
	return made, err
}

// Counts are registry totals under one child prefix of a region.
type Counts struct {
	Residents  int `json:"residents" doc:"registered and permanent residents (urban permanent population)"`
	Floating   int `json:"floating"`
	Households int `json:"households"`
	Buildings  int `json:"buildings"`
}

// CountsByChild groups registry totals under root by the first childLen
// characters of the region code, within the actor's scope. It reads the
// per-grid totals kept by refreshCounts.
func (s *Service) CountsByChild(ctx context.Context, root string, childLen int) (map[string]*Counts, error) {
	sc := authz.ScopeFrom(ctx)
	key := fmt.Sprintf("%s/%d/%s", root, childLen, sc.Key())
	return s.counts.Load(key, func() (map[string]*Counts, error) { return s.countsByChild(ctx, root, childLen) })
}

func (s *Service) countsByChild(ctx context.Context, root string, childLen int) (map[string]*Counts, error) {
	qb := db.NewQuery(fmt.Sprintf(`/* registry.CountsByChild */ SELECT substr(region_code, 1, %d) AS k, SUM(residents), SUM(floating),
		SUM(households), SUM(buildings) FROM registry_region_counts`, childLen)).
		Scope(authz.ScopeFrom(ctx), "region_code", "").Under("region_code", root)
	qb.Tail("GROUP BY k")
	q, args := qb.SQL()
	type row struct {
		k string
		c Counts
	}
	rows, err := db.Collect(ctx, s.db, q, args, func(r db.Scanner) (row, error) {
		var x row
		err := r.Scan(&x.k, &x.c.Residents, &x.c.Floating, &x.c.Households, &x.c.Buildings)
		return x, err
	})
	if err != nil {
		return nil, fmt.Errorf("registry: counts: %w", err)
	}
	out := make(map[string]*Counts, len(rows))
	for _, x := range rows {
		c := x.c
		out[x.k] = &c
	}
	return out, nil
}

// refreshCounts recomputes the totals of the given grids or communities in
// tx, from the rows themselves (each an indexed count).
func refreshCounts(ctx context.Context, tx *db.Tx, codes map[string]bool) error {
	careCond, careArgs := tagCond("p.tags", TagCare)
	for code := range codes {
		_, err := tx.ExecContext(ctx, `/* registry.refreshCounts */
			INSERT INTO registry_region_counts (region_code, residents, floating, households, buildings, care)
			SELECT ?,
				(SELECT COUNT(*) FROM registry_people WHERE region_code = ? AND moved_out_at IS NULL AND residence <> 'floating'),
				(SELECT COUNT(*) FROM registry_people WHERE region_code = ? AND moved_out_at IS NULL AND residence = 'floating'),
				(SELECT COUNT(*) FROM registry_households WHERE region_code = ?),
				(SELECT COUNT(*) FROM registry_buildings WHERE region_code = ?),
				(SELECT COUNT(*) FROM registry_people p WHERE p.region_code = ? AND p.moved_out_at IS NULL AND `+careCond+`)
			ON CONFLICT (region_code) DO UPDATE SET residents = excluded.residents, floating = excluded.floating,
				households = excluded.households, buildings = excluded.buildings, care = excluded.care`,
			append([]any{code, code, code, code, code, code}, careArgs...)...)
		if err != nil {
			return fmt.Errorf("registry: refresh counts of %s: %w", code, err)
		}
	}
	return nil
}

// addCounts adds deltas (residents, floating, households, special care)
// to regions' totals, for bulk imports that know what they added.
func addCounts(ctx context.Context, tx *db.Tx, delta map[string]*[4]int) error {
	for code, d := range delta {
		_, err := tx.ExecContext(ctx, `/* registry.addCounts */
			INSERT INTO registry_region_counts (region_code, residents, floating, households, buildings, care) VALUES (?, ?, ?, ?, 0, ?)
			ON CONFLICT (region_code) DO UPDATE SET residents = registry_region_counts.residents + excluded.residents,
				floating = registry_region_counts.floating + excluded.floating,
				households = registry_region_counts.households + excluded.households,
				care = registry_region_counts.care + excluded.care`, code, d[0], d[1], d[2], d[3])
		if err != nil {
			return fmt.Errorf("registry: add counts of %s: %w", code, err)
		}
	}
	return nil
}

func one(code string) map[string]bool { return map[string]bool{code: true} }

// ResidentsByChild is the urban permanent population under each child
// prefix, for the staffing check.
func (s *Service) ResidentsByChild(ctx context.Context, root string, childLen int) (map[string]int, error) {
	cs, err := s.CountsByChild(ctx, root, childLen)
	if err != nil {
		return nil, err
	}
	out := make(map[string]int, len(cs))
	for k, c := range cs {
		out[k] = c.Residents
	}
	return out, nil
}

// sortKey is the key a search for q orders people by, for its cursor.
func (p *Person) sortKey(q string) string {
	switch {
	case q == "" || looksLikeAddress(q) || len(q) == 18 || pii.ValidPhone(q):
		return ""
	case isInitials(q):
		return Initials(p.Name)
	}
	return p.Name
}

// Rehash recomputes the search hashes of ID numbers and phones stored in
// an older hash format, from the sealed values; it runs once, as a data
// migration, a thousand people per transaction.
func (s *Service) Rehash(ctx context.Context) error {
	for {
		type row struct {
			id              int64
			idEnc, phoneEnc string
		}
		rows, err := db.Collect(ctx, s.db, `/* registry.Rehash */ SELECT id, id_enc, phone_enc FROM registry_people
			WHERE id_enc <> '' AND length(id_hash) <> ? ORDER BY id LIMIT 1000`, []any{pii.HashLen}, func(r db.Scanner) (row, error) {
			var x row
			err := r.Scan(&x.id, &x.idEnc, &x.phoneEnc)
			return x, err
		})
		if err != nil || len(rows) == 0 {
			return err
		}
		err = s.db.Tx(ctx, func(tx *db.Tx) error {
			for _, x := range rows {
				idn, err := s.keys.Decrypt(x.idEnc)
				if err != nil {
					return fmt.Errorf("person %d: %w", x.id, err)
				}
				phone, err := s.keys.Decrypt(x.phoneEnc)
				if err != nil {
					return fmt.Errorf("person %d: %w", x.id, err)
				}
				if _, err := tx.ExecContext(ctx, `/* registry.Rehash */ UPDATE registry_people SET id_hash = ?, phone_hash = ? WHERE id = ?`,
					s.keys.Hash(idn), s.keys.Hash(phone), x.id); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
}

// Place is where a standard address lies: its grid and, when known, its
// point.
type Place struct {
	RegionCode string
	Lon, Lat   *float64
	Address    string
}

// LocateAddress finds the building whose standard address is address, or
// else the first one it begins, without scope: other modules use it to
// locate what they receive by address alone.
func (s *Service) LocateAddress(ctx context.Context, address string) (Place, bool, error) {
	address = strings.TrimSpace(address)
	if address == "" {
		return Place{}, false, nil
	}
	var p Place
	prefix := strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(address) + "%"
	for _, q := range []struct{ cond, arg string }{{"address = ?", address}, {`address LIKE ? ESCAPE '\'`, prefix}} {
		err := s.db.QueryRowContext(ctx, `/* registry.LocateAddress */ SELECT region_code, lon, lat, address FROM registry_buildings WHERE `+
			q.cond+` ORDER BY address LIMIT 1`, q.arg).Scan(&p.RegionCode, &p.Lon, &p.Lat, &p.Address)
		if err == nil {
			return p, true, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return p, false, fmt.Errorf("registry: locate address: %w", err)
		}
	}
	return p, false, nil
}
