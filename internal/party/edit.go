package party

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"grassroots/internal/platform/audit"
	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/change"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/errs"
)

// Records can be corrected (更正): an organisation or a member is changed
// by the rules of entry (the same validation functions), at the version
// it was read at (a stale one is refused with 409 and changes nothing),
// the totals kept in step, and audited with the changed fields' old and
// new values.

// staleErr refuses a change made from a stale page.
func staleErr(sent, current int) error {
	return errs.E(errs.Conflict, "err.party_stale", sent, current)
}

// errRace is a version that changed between the read and the write of one
// transaction (PostgreSQL's read committed allows it).
var errRace = errs.E(errs.Conflict, "err.conflict")

// UpdateOrg corrects an organisation. Against its parent it is checked as
// on entry; against what lies below it, it must stay wider than its
// children and its area must hold theirs. A new parent (not the
// organisation itself nor one below it) moves its whole subtree.
func (s *Service) UpdateOrg(ctx context.Context, id int64, in OrgEdit) (Org, error) {
	var out Org
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		o, path, err := findOrg(ctx, tx, authz.ScopeFrom(ctx), id)
		if err != nil {
			return err
		}
		if o.Version != in.Version {
			return staleErr(in.Version, o.Version)
		}
		oi := in.OrgInput
		var fe errs.Fields
		s.validOrg(ctx, &fe, &oi)
		if oi.ParentID == id {
			fe.Add("parent_id", "rule.parent_cycle", "")
		}
		parentPath := "/"
		if oi.ParentID != id {
			parentPath = s.checkParent(ctx, tx, &fe, oi, id, path)
		}
		type child struct {
			name, kind, region string
		}
		children, err := db.Collect(ctx, tx, `/* party.UpdateOrg */ SELECT name, kind, region_code FROM party_orgs WHERE parent_id = ? ORDER BY id`,
			[]any{id}, func(r db.Scanner) (child, error) {
				var c child
				err := r.Scan(&c.name, &c.kind, &c.region)
				return c, err
			})
		if err != nil {
			return fmt.Errorf("party: children of %d: %w", id, err)
		}
		for _, c := range children {
			if kindRank(Kind(c.kind)) <= kindRank(oi.Kind) {
				fe.Add("kind", "rule.wider_than_children", c.name)
				break
			}
		}
		for _, c := range children {
			if !strings.HasPrefix(c.region, oi.RegionCode) {
				fe.Add("region_code", "rule.holds_children", c.name)
				break
			}
		}
		if err := fe.Err(); err != nil {
			return err
		}
		var parent, building any
		if oi.ParentID != 0 {
			parent = oi.ParentID
		}
		if oi.BuildingID != 0 {
			building = oi.BuildingID
		}
		newPath := parentPath + strconv.FormatInt(id, 10) + "/"
		res, err := tx.ExecContext(ctx, `/* party.UpdateOrg */ UPDATE party_orgs SET parent_id = ?, path = ?, name = ?, kind = ?, region_code = ?,
			building_id = ?, unit_name = ?, secretary = ?, updated_at = ?, version = version + 1 WHERE id = ? AND version = ?`,
			parent, newPath, oi.Name, string(oi.Kind), oi.RegionCode, building, oi.UnitName, oi.Secretary, tx.Now(), id, in.Version)
		if err != nil {
			return fmt.Errorf("party: update org %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errRace
		}
		moved := int64(0)
		if newPath != path {
			res, err := tx.ExecContext(ctx, `/* party.UpdateOrg */ UPDATE party_orgs SET path = CAST(? AS TEXT) || substr(path, CAST(? AS INTEGER))
				WHERE path LIKE ? AND id <> ?`, newPath, len(path)+1, path+"%", id)
			if err != nil {
				return fmt.Errorf("party: move the organisations below %d: %w", id, err)
			}
			moved, _ = res.RowsAffected()
		}
		if out, _, err = findOrg(ctx, tx, authz.All, id); err != nil {
			return err
		}
		change.Touch(tx, TopicCoverage)
		e, err := audit.Change("party.org.update", "party_org", id, out.RegionCode, o, out, map[string]any{"below_moved": moved},
			"member_count", "child_count")
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, e)
	})
	if err == nil {
		s.coverage.Clear()
	}
	return out, err
}

func findMember(ctx context.Context, q db.Querier, sc authz.Scope, id int64) (Member, error) {
	qb := db.NewQuery(`/* party.findMember */ SELECT `+memberCols+` FROM party_members`).And("id = ?", id).Scope(sc, "region_code", "")
	s, args := qb.SQL()
	m, err := db.One(ctx, q, s, args, scanMember, error(errs.NotFoundf("kind.party_member")))
	if err != nil && errs.CodeOf(err) != errs.NotFound {
		return m, fmt.Errorf("party: find member %d: %w", id, err)
	}
	return m, err
}

// Member returns one member in scope.
func (s *Service) Member(ctx context.Context, id int64) (Member, error) {
	return findMember(ctx, s.db, authz.ScopeFrom(ctx), id)
}

// UpdateMember corrects a member, checked as on entry; a resident link
// that is kept is not checked again. The member totals follow a new
// region or model-household mark.
func (s *Service) UpdateMember(ctx context.Context, id int64, in MemberEdit) (Member, error) {
	var out Member
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		m, err := findMember(ctx, tx, authz.ScopeFrom(ctx), id)
		if err != nil {
			return err
		}
		if m.Version != in.Version {
			return staleErr(in.Version, m.Version)
		}
		mi := in.MemberInput
		if err := s.validMember(ctx, &mi, mi.PersonID != m.PersonID); err != nil {
			return err
		}
		var person any
		if mi.PersonID != 0 {
			person = mi.PersonID
		}
		res, err := tx.ExecContext(ctx, `/* party.UpdateMember */ UPDATE party_members SET org_id = ?, region_code = ?, person_id = ?, name = ?,
			category = ?, status = ?, workplace = ?, model_household = ?, joined_on = ?, updated_at = ?, version = version + 1
			WHERE id = ? AND version = ?`, mi.OrgID, mi.RegionCode, person, mi.Name, string(mi.Category), mi.Status, mi.Workplace,
			mi.ModelHousehold, mi.JoinedOn, tx.Now(), id, in.Version)
		if err != nil {
			return fmt.Errorf("party: update member %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errRace
		}
		if mi.RegionCode != m.RegionCode || mi.ModelHousehold != m.ModelHousehold {
			if err := countMember(ctx, tx, m.RegionCode, -1, m.ModelHousehold); err != nil {
				return err
			}
			if err := countMember(ctx, tx, mi.RegionCode, 1, mi.ModelHousehold); err != nil {
				return err
			}
		}
		if out, err = findMember(ctx, tx, authz.All, id); err != nil {
			return err
		}
		change.Touch(tx, TopicCoverage)
		changed, err := audit.Changed(m, out)
		if err != nil {
			return err
		}
		e, err := audit.Change("party.member.update", "party_member", id, out.RegionCode, masked(m), masked(out), map[string]any{"changed": changed})
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, e)
	})
	if err == nil {
		s.coverage.Clear()
	}
	return out, err
}
