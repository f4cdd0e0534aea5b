package registry

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"grassroots/internal/platform/audit"
	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/pii"
	"grassroots/internal/platform/text"
	"grassroots/internal/platform/workday"
)

// Records can be corrected (更正). Every change is checked by the rules of
// entry (the same validation functions), carries the version it was read
// at (a stale one is refused with 409 and changes nothing), keeps the
// region totals in step, and is audited with the changed fields' old and
// new values, a resident's personal values sealed under their own key.

// staleErr refuses a change made from a stale page: the record changed
// since the editor read it.
func staleErr(sent, current int) error {
	return errs.E(errs.Conflict, "err.stale_record", sent, current)
}

// errRace is a version that changed between the read and the write of one
// transaction (PostgreSQL's read committed allows it).
var errRace = errs.E(errs.Conflict, "err.conflict")

func updated(res interface{ RowsAffected() (int64, error) }) error {
	if n, _ := res.RowsAffected(); n == 0 {
		return errRace
	}
	return nil
}

// UpdatePerson changes a person's own fields; Version must match. The
// result is checked as a registration is (validatePerson): a corrected ID
// number derives birth date and sex again, and the search hash, mask,
// sealed value and name initials are written anew. A member is not made
// the head of a household that has one (rule.head_exists).
func (s *Service) UpdatePerson(ctx context.Context, id int64, upd PersonUpdate) (*Person, error) {
	var out *Person
	err := s.write(ctx, func(tx *db.Tx) error {
		p, err := findPerson(ctx, tx, authz.ScopeFrom(ctx), id)
		if err != nil {
			return err
		}
		if p.MovedOutAt != nil {
			return errs.E(errs.Conflict, "err.anonymised")
		}
		if p.Version != upd.Version {
			return staleErr(upd.Version, p.Version)
		}
		cur, err := s.personalNoAudit(p)
		if err != nil {
			return fmt.Errorf("registry: person %d: %w", id, err)
		}
		in := PersonInput{Name: p.Name, IDNumber: cur.IDNumber, Phone: cur.Phone, HouseholdID: p.HouseholdID, RegionCode: p.RegionCode,
			Relation: p.Relation, Residence: p.Residence, Tags: p.Tags}
		if upd.Name != nil {
			in.Name = *upd.Name
		}
		if upd.IDNumber != nil {
			in.IDNumber = *upd.IDNumber
		}
		if upd.Phone != nil {
			in.Phone = *upd.Phone
		}
		if upd.Relation != nil {
			in.Relation = *upd.Relation
		}
		if upd.Residence != nil {
			in.Residence = *upd.Residence
		}
		if upd.Tags != nil {
			in.Tags = *upd.Tags
		}
		var fe errs.Fields
		idn, info := s.validatePerson(&fe, &in)
		// A household has one head: a member made its head where there
		// is one is refused. One who is a head already stays one, so that
		// a household recorded with two can still be corrected otherwise.
		if in.Relation == "head" && p.Relation != "head" && p.HouseholdID != 0 {
			head, err := headTaken(ctx, tx, p.HouseholdID)
			if err != nil {
				return err
			}
			if head != "" {
				fe.Add("relation", "rule.head_exists", head)
			}
		}
		if upd.RegionCode != nil && strings.TrimSpace(*upd.RegionCode) != p.RegionCode {
			in.RegionCode = strings.TrimSpace(*upd.RegionCode)
			s.checkRegion(ctx, &fe, in.RegionCode)
			// A member of a household lives where the household is: a
			// different grid is refused (MovePerson moves them to another
			// household, UpdateHousehold moves the household).
			if p.HouseholdID != 0 {
				h, err := findHousehold(ctx, tx, authz.ScopeFrom(ctx), p.HouseholdID)
				if err != nil && errs.CodeOf(err) != errs.NotFound {
					return err
				}
				if err != nil || h.RegionCode != in.RegionCode {
					fe.Add("region_code", "rule.household_region", "")
				}
			}
		}
		if err := fe.Err(); err != nil {
			return err
		}
		r, err := s.seal(in, idn, info)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `/* registry.UpdatePerson */
			UPDATE registry_people SET region_code = ?, name = ?, name_initials = ?, id_enc = ?, id_hash = ?, id_masked = ?,
				phone_enc = ?, phone_hash = ?, phone_masked = ?, birth_date = ?, sex = ?, relation = ?, residence = ?, tags = ?,
				updated_at = ?, version = version + 1 WHERE id = ? AND version = ?`,
			r.regionCode, r.name, r.initials, r.idEnc, r.idHash, r.idMasked, r.phoneEnc, r.phoneHash, r.phoneMasked, r.birth, r.sex,
			r.relation, r.residence, r.tags, tx.Now(), id, upd.Version)
		if db.IsUniqueViolation(err) {
			return errs.Field("id_number", "rule.person_exists", "")
		}
		if err != nil {
			return fmt.Errorf("registry: update person %d: %w", id, err)
		}
		if err := updated(res); err != nil {
			return err
		}
		if out, err = findPerson(ctx, tx, authz.All, id); err != nil {
			return err
		}
		if err := refreshCounts(ctx, tx, map[string]bool{p.RegionCode: true, out.RegionCode: true}); err != nil {
			return err
		}
		changed, err := audit.Changed(p, out)
		if err != nil {
			return err
		}
		// A mask can hide a change (the middle digits): the ID number and
		// phone are compared in clear.
		shown := slices.Clone(changed)
		if idn != pii.NormaliseID(cur.IDNumber) {
			changed = append(changed, "id_number")
			shown = append(shown, "id_masked")
		}
		if in.Phone != cur.Phone {
			changed = append(changed, "phone")
			shown = append(shown, "phone_masked")
		}
		return s.recordPersonChange(ctx, tx, "registry.person.update", p, out, changed, append(shown, "name"), nil)
	})
	return out, err
}

// recordPersonChange audits a change of a person: before and after hold
// the fields shown, personal values sealed under the person's key.
func (s *Service) recordPersonChange(ctx context.Context, tx *db.Tx, action string, before, after *Person, changed, shown []string, detail map[string]any) error {
	sealedBefore, err := s.forAudit(ctx, tx, before)
	if err != nil {
		return err
	}
	sealedAfter, err := s.forAudit(ctx, tx, after)
	if err != nil {
		return err
	}
	e := audit.Entry{Action: action, ObjectType: "person", ObjectID: strconv.FormatInt(after.ID, 10), Region: after.RegionCode}
	if e.Before, err = audit.Pick(sealedBefore, shown...); err != nil {
		return err
	}
	if e.After, err = audit.Pick(sealedAfter, shown...); err != nil {
		return err
	}
	if detail == nil {
		detail = map[string]any{}
	}
	detail["changed"] = slices.Compact(slices.Sorted(slices.Values(changed)))
	e.Detail = detail
	return audit.Record(ctx, tx, e)
}

// MoveInput moves a person to another household of the actor's territory.
type MoveInput struct {
	Version     int    `json:"version" doc:"the person's version"`
	HouseholdID int64  `json:"household_id"`
	Relation    string `json:"relation" doc:"relation to the head of the new household, required (head, spouse, child, parent, grandchild, sibling, other); head only when the household has none"`
	MovedOn     string `json:"moved_on,omitempty" doc:"YYYY-MM-DD, not in the future; today when empty"`
	Reason      string `json:"reason"`
}

// Move is one move of a person between households (迁移记录).
type Move struct {
	ID              int64     `json:"id"`
	PersonID        int64     `json:"person_id"`
	FromHouseholdID int64     `json:"from_household_id,omitempty"`
	ToHouseholdID   int64     `json:"to_household_id"`
	FromRegion      string    `json:"from_region"`
	ToRegion        string    `json:"to_region"`
	MovedOn         string    `json:"moved_on"`
	Reason          string    `json:"reason"`
	CreatedAt       time.Time `json:"created_at"`
}

// MovePerson moves a person to another household: they take its region,
// both regions' totals are counted again, and the move is kept with its
// reason and day. A household outside the actor's territory is refused
// on household_id like one that does not exist, as on entry. The relation to the new head is
// chosen with every move, and a household has one head: moving in as
// 户主 where there is one is refused. A household left without a head is
// not refused, as entry does not require one either.
func (s *Service) MovePerson(ctx context.Context, id int64, in MoveInput) (*Person, error) {
	var out *Person
	err := s.write(ctx, func(tx *db.Tx) error {
		sc := authz.ScopeFrom(ctx)
		p, err := findPerson(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		if p.MovedOutAt != nil {
			return errs.E(errs.Conflict, "err.anonymised")
		}
		if p.Version != in.Version {
			return staleErr(in.Version, p.Version)
		}
		var fe errs.Fields
		var to Household
		if in.HouseholdID == 0 {
			fe.Add("household_id", "rule.required", "")
		} else {
			// As on entry (row): a household that does not exist and one
			// outside the actor's territory are refused alike.
			to, err = findHousehold(ctx, tx, sc, in.HouseholdID)
			switch {
			case errs.CodeOf(err) == errs.NotFound:
				fe.Add("household_id", "rule.household", "")
			case err != nil:
				return err
			case to.ID == p.HouseholdID:
				fe.Add("household_id", "rule.same_household", "")
			}
		}
		in.Reason = text.LineField(&fe, "reason", in.Reason)
		if in.Reason == "" {
			fe.Add("reason", "rule.required", "")
		} else if utf8.RuneCountInString(in.Reason) > 200 {
			fe.Add("reason", "rule.max_length", "200")
		}
		today := tx.Now().In(workday.CST).Format("2006-01-02")
		if in.MovedOn = strings.TrimSpace(in.MovedOn); in.MovedOn == "" {
			in.MovedOn = today
		} else if d, err := time.Parse("2006-01-02", in.MovedOn); err != nil || d.Format("2006-01-02") != in.MovedOn {
			fe.Add("moved_on", "rule.date", "")
		} else if in.MovedOn > today {
			fe.Add("moved_on", "rule.move_future", "")
		}
		// The relation in the new household is chosen, never carried over:
		// a head moving in keeps no claim to be the head there.
		switch {
		case in.Relation == "":
			fe.Add("relation", "rule.required", "")
		case !slices.Contains(Relations, in.Relation):
			fe.Add("relation", "rule.one_of", strings.Join(Relations, ", "))
		case in.Relation == "head" && to.ID != 0 && to.ID != p.HouseholdID:
			head, err := headTaken(ctx, tx, to.ID)
			if err != nil {
				return err
			}
			if head != "" {
				fe.Add("relation", "rule.head_exists", head)
			}
		}
		if err := fe.Err(); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `/* registry.MovePerson */ UPDATE registry_people SET household_id = ?, region_code = ?, relation = ?,
			updated_at = ?, version = version + 1 WHERE id = ? AND version = ?`, to.ID, to.RegionCode, in.Relation, tx.Now(), id, in.Version)
		if err != nil {
			return fmt.Errorf("registry: move person %d: %w", id, err)
		}
		if err := updated(res); err != nil {
			return err
		}
		var from any
		if p.HouseholdID != 0 {
			from = p.HouseholdID
		}
		if _, err := tx.ExecContext(ctx, `/* registry.MovePerson */ INSERT INTO registry_moves (person_id, from_household_id, to_household_id,
			from_region, to_region, moved_on, reason, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			id, from, to.ID, p.RegionCode, to.RegionCode, in.MovedOn, in.Reason, tx.Now()); err != nil {
			return fmt.Errorf("registry: record move of %d: %w", id, err)
		}
		if out, err = findPerson(ctx, tx, authz.All, id); err != nil {
			return err
		}
		if err := refreshCounts(ctx, tx, map[string]bool{p.RegionCode: true, to.RegionCode: true}); err != nil {
			return err
		}
		changed, err := audit.Changed(p, out)
		if err != nil {
			return err
		}
		k, err := audit.SubjectSealer(ctx, tx, s.keys, personSubject(id))
		if err != nil {
			return err
		}
		return s.recordPersonChange(ctx, tx, "registry.person.move", p, out, changed, append(changed, "name"), map[string]any{
			"from_household_id": p.HouseholdID, "to_household_id": to.ID, "moved_on": in.MovedOn,
			"reason": k.Seal(in.Reason, audit.MaskKept)})
	})
	return out, err
}

// Moves lists a person's moves, newest first.
func (s *Service) Moves(ctx context.Context, personID int64) ([]Move, error) {
	if _, err := s.Person(ctx, personID); err != nil {
		return nil, err
	}
	out, err := db.Collect(ctx, s.db, `/* registry.Moves */ SELECT id, person_id, COALESCE(from_household_id, 0), to_household_id, from_region,
		to_region, moved_on, reason, created_at FROM registry_moves WHERE person_id = ? ORDER BY id DESC LIMIT 100`, []any{personID},
		func(r db.Scanner) (Move, error) {
			var m Move
			err := r.Scan(&m.ID, &m.PersonID, &m.FromHouseholdID, &m.ToHouseholdID, &m.FromRegion, &m.ToRegion, &m.MovedOn, &m.Reason, &m.CreatedAt)
			return m, err
		})
	if err != nil {
		return nil, fmt.Errorf("registry: moves of %d: %w", personID, err)
	}
	if out == nil {
		out = []Move{}
	}
	return out, nil
}

// HouseholdEdit replaces a household's fields, checked as on entry (the
// address and region default to the building's), at the version it was
// read at.
type HouseholdEdit struct {
	HouseholdInput
	Version int `json:"version"`
}

// UpdateHousehold changes a household. An address made from its building
// and room follows a changed building or room. When its region changes,
// its members move with it and both regions are counted again.
func (s *Service) UpdateHousehold(ctx context.Context, id int64, in HouseholdEdit) (Household, error) {
	var out Household
	err := s.write(ctx, func(tx *db.Tx) error {
		h, err := findHousehold(ctx, tx, authz.ScopeFrom(ctx), id)
		if err != nil {
			return err
		}
		if h.Version != in.Version {
			return staleErr(in.Version, h.Version)
		}
		hi := in.HouseholdInput
		if hi.Address == h.Address && h.BuildingID != 0 && (hi.BuildingID != h.BuildingID || strings.TrimSpace(hi.Room) != h.Room) {
			if b, err := findBuilding(ctx, tx, authz.All, h.BuildingID); err == nil && h.Address == b.Address+h.Room {
				hi.Address = ""
			}
		}
		if err := s.validHousehold(ctx, tx, &hi); err != nil {
			return err
		}
		var building any
		if hi.BuildingID != 0 {
			building = hi.BuildingID
		}
		res, err := tx.ExecContext(ctx, `/* registry.UpdateHousehold */ UPDATE registry_households SET region_code = ?, building_id = ?, room = ?,
			address = ?, house_use = ?, updated_at = ?, version = version + 1 WHERE id = ? AND version = ?`,
			hi.RegionCode, building, hi.Room, hi.Address, string(hi.HouseUse), tx.Now(), id, in.Version)
		if db.IsUniqueViolation(err) {
			return errs.Field("address", "rule.unique", "")
		}
		if err != nil {
			return fmt.Errorf("registry: update household %d: %w", id, err)
		}
		if err := updated(res); err != nil {
			return err
		}
		moved := int64(0)
		if hi.RegionCode != h.RegionCode {
			res, err := tx.ExecContext(ctx, `/* registry.UpdateHousehold */ UPDATE registry_people SET region_code = ?, updated_at = ?,
				version = version + 1 WHERE household_id = ? AND moved_out_at IS NULL AND region_code = ?`, hi.RegionCode, tx.Now(), id, h.RegionCode)
			if err != nil {
				return fmt.Errorf("registry: move members of household %d: %w", id, err)
			}
			moved, _ = res.RowsAffected()
		}
		if out, err = findHousehold(ctx, tx, authz.All, id); err != nil {
			return err
		}
		if err := refreshCounts(ctx, tx, map[string]bool{h.RegionCode: true, out.RegionCode: true}); err != nil {
			return err
		}
		e, err := audit.Change("registry.household.update", "household", id, out.RegionCode, h, out, map[string]any{"members_moved": moved}, "member_count")
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, e)
	})
	return out, err
}

// BuildingEdit replaces a building's fields, checked as on entry, at the
// version it was read at. Its units are the unit count (单元数) of
// BuildingInput.
type BuildingEdit struct {
	BuildingInput
	Version int `json:"version"`
}

// UpdateBuilding changes a building; its address keys are made again.
// When its region changes, the households of its old region move with it,
// and their members; both regions are counted again.
func (s *Service) UpdateBuilding(ctx context.Context, id int64, in BuildingEdit) (Building, error) {
	var out Building
	err := s.write(ctx, func(tx *db.Tx) error {
		b, err := findBuilding(ctx, tx, authz.ScopeFrom(ctx), id)
		if err != nil {
			return err
		}
		if b.Version != in.Version {
			return staleErr(in.Version, b.Version)
		}
		bi := in.BuildingInput
		footprint, err := s.validBuilding(ctx, &bi)
		if err != nil {
			return err
		}
		idx, err := s.divisionsFor(ctx, bi.RegionCode)
		if err != nil {
			return err
		}
		keys := idx.addressKeys(bi.Address, bi.Compound, bi.Name, bi.RegionCode)
		var compoundID any
		if bi.CompoundID != 0 {
			compoundID = bi.CompoundID
		}
		res, err := tx.ExecContext(ctx, `/* registry.UpdateBuilding */ UPDATE registry_buildings SET region_code = ?, compound = ?, name = ?,
			address = ?, floors = ?, units = ?, lon = ?, lat = ?, compound_id = ?, footprint = ?, match_key = ?, street_key = ?, number_key = ?,
			alias_key = ?, updated_at = ?, version = version + 1 WHERE id = ? AND version = ?`,
			bi.RegionCode, bi.Compound, bi.Name, bi.Address, bi.Floors, bi.Units, bi.Lon, bi.Lat, compoundID, footprint,
			keys.match, keys.street, keys.numbers, keys.alias, tx.Now(), id, in.Version)
		if db.IsUniqueViolation(err) {
			return errs.Field("address", "rule.unique", "")
		}
		if err != nil {
			return fmt.Errorf("registry: update building %d: %w", id, err)
		}
		if err := updated(res); err != nil {
			return err
		}
		var movedHouseholds, movedPeople int64
		if bi.RegionCode != b.RegionCode {
			res, err := tx.ExecContext(ctx, `/* registry.UpdateBuilding */ UPDATE registry_people SET region_code = ?, updated_at = ?,
				version = version + 1 WHERE moved_out_at IS NULL AND region_code = ? AND household_id IN
				(SELECT h.id FROM registry_households h WHERE h.building_id = ? AND h.region_code = ?)`,
				bi.RegionCode, tx.Now(), b.RegionCode, id, b.RegionCode)
			if err != nil {
				return fmt.Errorf("registry: move people of building %d: %w", id, err)
			}
			movedPeople, _ = res.RowsAffected()
			res, err = tx.ExecContext(ctx, `/* registry.UpdateBuilding */ UPDATE registry_households SET region_code = ?, updated_at = ?,
				version = version + 1 WHERE building_id = ? AND region_code = ?`, bi.RegionCode, tx.Now(), id, b.RegionCode)
			if err != nil {
				return fmt.Errorf("registry: move households of building %d: %w", id, err)
			}
			movedHouseholds, _ = res.RowsAffected()
		}
		if out, err = findBuilding(ctx, tx, authz.All, id); err != nil {
			return err
		}
		if err := refreshCounts(ctx, tx, map[string]bool{b.RegionCode: true, out.RegionCode: true}); err != nil {
			return err
		}
		e, err := audit.Change("registry.building.update", "building", id, out.RegionCode, b, out,
			map[string]any{"households_moved": movedHouseholds, "people_moved": movedPeople})
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, e)
	})
	return out, err
}

// CompoundEdit replaces a compound's fields, checked as on entry, at the
// version it was read at.
type CompoundEdit struct {
	CompoundInput
	Version int `json:"version"`
}

// UpdateCompound changes a compound. Its buildings carry its name, and
// are found by it (阳光花园3栋): a new name is written into them and their
// keys are made again.
func (s *Service) UpdateCompound(ctx context.Context, id int64, in CompoundEdit) (Compound, error) {
	var out Compound
	err := s.write(ctx, func(tx *db.Tx) error {
		c, err := findCompound(ctx, tx, authz.ScopeFrom(ctx), id)
		if err != nil {
			return err
		}
		if c.Version != in.Version {
			return staleErr(in.Version, c.Version)
		}
		ci := in.CompoundInput
		geom, err := s.validCompound(ctx, &ci)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `/* registry.UpdateCompound */ UPDATE registry_compounds SET region_code = ?, name = ?, address = ?,
			property_company = ?, geometry = ?, version = version + 1 WHERE id = ? AND version = ?`,
			ci.RegionCode, ci.Name, ci.Address, ci.PropertyCompany, geom, id, in.Version)
		if db.IsUniqueViolation(err) {
			return errs.Field("name", "rule.unique", "")
		}
		if err != nil {
			return fmt.Errorf("registry: update compound %d: %w", id, err)
		}
		if err := updated(res); err != nil {
			return err
		}
		renamed := 0
		if ci.Name != c.Name {
			if renamed, err = s.renameCompound(ctx, tx, id, ci.Name); err != nil {
				return err
			}
		}
		if out, err = findCompound(ctx, tx, authz.All, id); err != nil {
			return err
		}
		e, err := audit.Change("registry.compound.update", "compound", id, out.RegionCode, c, out, map[string]any{"buildings_renamed": renamed}, "building_count")
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, e)
	})
	return out, err
}

// renameCompound writes a compound's new name into its buildings and
// makes their keys again.
func (s *Service) renameCompound(ctx context.Context, tx *db.Tx, id int64, name string) (int, error) {
	bs, err := db.Collect(ctx, tx, `/* registry.renameCompound */ SELECT `+buildingCols+` FROM registry_buildings b WHERE b.compound_id = ?`,
		[]any{id}, scanBuilding)
	if err != nil {
		return 0, fmt.Errorf("registry: buildings of compound %d: %w", id, err)
	}
	for _, b := range bs {
		idx, err := s.divisionsFor(ctx, b.RegionCode)
		if err != nil {
			return 0, err
		}
		k := idx.addressKeys(b.Address, name, b.Name, b.RegionCode)
		if _, err := tx.ExecContext(ctx, `/* registry.renameCompound */ UPDATE registry_buildings SET compound = ?, match_key = ?, street_key = ?,
			number_key = ?, alias_key = ?, updated_at = ? WHERE id = ?`, name, k.match, k.street, k.numbers, k.alias, tx.Now(), b.ID); err != nil {
			return 0, fmt.Errorf("registry: rename compound of building %d: %w", b.ID, err)
		}
	}
	return len(bs), nil
}

// HouseholdByAddress finds the household of an exact address in scope,
// as a person types it from the household's card.
func (s *Service) HouseholdByAddress(ctx context.Context, address string) (Household, error) {
	qb := db.NewQuery(`/* registry.HouseholdByAddress */ SELECT `+householdCols+` FROM registry_households h`).
		And("h.address = ?", strings.TrimSpace(address)).Scope(authz.ScopeFrom(ctx), "h.region_code", "")
	q, args := qb.SQL()
	return db.One(ctx, s.db, q, args, scanHousehold, error(errs.NotFoundf("kind.household")))
}
