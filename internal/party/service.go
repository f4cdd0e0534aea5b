package party

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
	"grassroots/internal/platform/change"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/memo"
	"grassroots/internal/platform/pii"
	"grassroots/internal/platform/text"
	"grassroots/internal/territory"
)

// BuildingRegion tells the grid a building is in; package registry
// provides it, so a building group can be checked against its branch.
type BuildingRegion func(ctx context.Context, id int64) (string, error)

// PersonRegion tells where a resident is registered, reading them in the
// actor's scope; package registry provides it, so a member's person_id
// can be checked without this module reading the registry. It fails for a
// person who does not exist, lies outside the actor's scope or has moved
// out.
type PersonRegion func(ctx context.Context, id int64) (string, error)

// TopicCoverage is the module's change-feed topic (package change): the
// writes that change the coverage figures touch it, and every instance
// clears its coverage memo.
const TopicCoverage = "party"

// Service is the party module's API.
type Service struct {
	db       *db.DB
	terr     *territory.Service
	building BuildingRegion
	person   PersonRegion
	coverage memo.Memo[map[string]*Coverage]
}

// NewService returns the service.
func NewService(d *db.DB, terr *territory.Service, building BuildingRegion, person PersonRegion) *Service {
	return &Service{db: d, terr: terr, building: building, person: person, coverage: memo.Memo[map[string]*Coverage]{TTL: time.Minute, Max: 10000}}
}

const orgCols = `o.id, COALESCE(o.parent_id, 0), o.name, o.kind, o.region_code, COALESCE(o.building_id, 0), o.unit_name, o.secretary, o.created_at,
	(SELECT COUNT(*) FROM party_members m WHERE m.org_id = o.id), (SELECT COUNT(*) FROM party_orgs c WHERE c.parent_id = o.id), o.version`

func scanOrg(s db.Scanner) (Org, error) {
	var o Org
	var kind string
	err := s.Scan(&o.ID, &o.ParentID, &o.Name, &kind, &o.RegionCode, &o.BuildingID, &o.UnitName, &o.Secretary, &o.CreatedAt, &o.Members, &o.Children, &o.Version)
	o.Kind = Kind(kind)
	return o, err
}

func findOrg(ctx context.Context, q db.Querier, sc authz.Scope, id int64) (Org, string, error) {
	qb := db.NewQuery(`/* party.findOrg */ SELECT `+orgCols+`, o.path FROM party_orgs o`).And("o.id = ?", id).Scope(sc, "o.region_code", "")
	s, args := qb.SQL()
	var path string
	o, err := db.One(ctx, q, s, args, func(r db.Scanner) (Org, error) {
		var o Org
		var kind string
		err := r.Scan(&o.ID, &o.ParentID, &o.Name, &kind, &o.RegionCode, &o.BuildingID, &o.UnitName, &o.Secretary, &o.CreatedAt, &o.Members, &o.Children,
			&o.Version, &path)
		o.Kind = Kind(kind)
		return o, err
	}, error(errs.NotFoundf("kind.party_org")))
	if err != nil && errs.CodeOf(err) != errs.NotFound {
		return o, "", fmt.Errorf("party: find org %d: %w", id, err)
	}
	return o, path, err
}

// OrgFilter selects organisations.
type OrgFilter struct {
	Region   string
	ParentID int64 // -1: top level only
	Kind     Kind
	Q        string // name or unit contains
	AfterID  int64
	Limit    int
}

// Orgs lists organisations in scope.
func (s *Service) Orgs(ctx context.Context, f OrgFilter) ([]Org, error) {
	qb := db.NewQuery(`/* party.Orgs */ SELECT `+orgCols+` FROM party_orgs o`).Scope(authz.ScopeFrom(ctx), "o.region_code", "")
	if f.Region != "" {
		qb.Scope(authz.Scope{Region: f.Region}, "o.region_code", "")
	}
	switch {
	case f.ParentID > 0:
		qb.And("o.parent_id = ?", f.ParentID)
	case f.ParentID < 0:
		qb.And("o.parent_id IS NULL")
	}
	if f.Kind != "" {
		qb.And("o.kind = ?", string(f.Kind))
	}
	if f.Q != "" {
		qb.And("(o.name LIKE ? OR o.unit_name LIKE ?)", "%"+f.Q+"%", "%"+f.Q+"%")
	}
	if f.AfterID > 0 {
		qb.And("o.id > ?", f.AfterID)
	}
	if f.Limit <= 0 {
		f.Limit = 1000
	}
	qb.Tail("ORDER BY o.path LIMIT ?", f.Limit)
	q, args := qb.SQL()
	out, err := db.Collect(ctx, s.db, q, args, scanOrg)
	if err != nil {
		return nil, fmt.Errorf("party: orgs: %w", err)
	}
	return out, nil
}

// Org returns one organisation in scope.
func (s *Service) Org(ctx context.Context, id int64) (Org, error) {
	o, _, err := findOrg(ctx, s.db, authz.ScopeFrom(ctx), id)
	return o, err
}

// kindRank orders kinds: a child must be narrower than its parent.
func kindRank(k Kind) int { return slices.Index(Kinds, k) }

// CreateOrg adds an organisation in the actor's scope. A child lies in its
// parent's territory and is of a narrower kind; a building group names a
// building in its region.
func (s *Service) CreateOrg(ctx context.Context, in OrgInput) (Org, error) {
	var fe errs.Fields
	s.validOrg(ctx, &fe, &in)
	var out Org
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		parentPath := s.checkParent(ctx, tx, &fe, in, 0, "")
		if err := fe.Err(); err != nil {
			return err
		}
		now := tx.Now()
		var parent, building any
		if in.ParentID != 0 {
			parent = in.ParentID
		}
		if in.BuildingID != 0 {
			building = in.BuildingID
		}
		var id int64
		err := tx.QueryRowContext(ctx, `/* party.CreateOrg */ INSERT INTO party_orgs (parent_id, path, name, kind, region_code, building_id,
			unit_name, secretary, created_at, updated_at) VALUES (?, '', ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			parent, in.Name, string(in.Kind), in.RegionCode, building, in.UnitName, in.Secretary, now, now).Scan(&id)
		if err != nil {
			return fmt.Errorf("party: insert org: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `/* party.CreateOrg */ UPDATE party_orgs SET path = ? WHERE id = ?`,
			parentPath+strconv.FormatInt(id, 10)+"/", id); err != nil {
			return err
		}
		if out, _, err = findOrg(ctx, tx, authz.All, id); err != nil {
			return err
		}
		change.Touch(tx, TopicCoverage)
		return audit.Record(ctx, tx, audit.Entry{Action: "party.org.create", ObjectType: "party_org", ObjectID: strconv.FormatInt(id, 10),
			Region: in.RegionCode, After: out})
	})
	if err == nil {
		s.coverage.Clear() // after the commit, so no reader caches the old counts
	}
	return out, err
}

// validOrg checks an organisation's own fields, for entry and for a
// change alike.
func (s *Service) validOrg(ctx context.Context, fe *errs.Fields, in *OrgInput) {
	in.Name = text.LineField(fe, "name", in.Name)
	in.UnitName, in.Secretary = text.LineField(fe, "unit_name", in.UnitName), text.LineField(fe, "secretary", in.Secretary)
	if in.Name == "" {
		fe.Add("name", "rule.required", "")
	} else if utf8.RuneCountInString(in.Name) > 80 {
		fe.Add("name", "rule.max_length", "80")
	}
	if !slices.Contains(Kinds, in.Kind) {
		fe.Add("kind", "rule.one_of", "committee, general_branch, branch, group")
	}
	if _, err := s.terr.ContainsRegion(ctx, in.RegionCode); err != nil {
		fe.Add("region_code", "rule.region_code", in.RegionCode)
	}
	if in.BuildingID != 0 {
		if r, err := s.building(ctx, in.BuildingID); err != nil || !strings.HasPrefix(r, in.RegionCode) {
			fe.Add("building_id", "rule.building_in_region", "")
		}
	}
}

// checkParent checks an organisation against its parent, in tx: the
// parent is in the actor's scope, wider, and its area holds the child's.
// For a change (self not 0, at path), the parent is neither the
// organisation nor below it. It returns the parent's path ("/" at the
// top).
func (s *Service) checkParent(ctx context.Context, tx *db.Tx, fe *errs.Fields, in OrgInput, self int64, path string) string {
	if in.ParentID == 0 {
		return "/"
	}
	p, parentPath, err := findOrg(ctx, tx, authz.ScopeFrom(ctx), in.ParentID)
	if err != nil {
		fe.Add("parent_id", "rule.parent_org", "")
		return "/"
	}
	if self != 0 && strings.HasPrefix(parentPath, path) {
		fe.Add("parent_id", "rule.parent_cycle", "")
		return "/"
	}
	if !strings.HasPrefix(in.RegionCode, p.RegionCode) {
		fe.Add("region_code", "rule.within_parent", p.RegionCode)
	}
	if slices.Contains(Kinds, in.Kind) && kindRank(in.Kind) <= kindRank(p.Kind) {
		fe.Add("kind", "rule.narrower_than_parent", string(p.Kind))
	}
	return parentPath
}

// CommitteeMemberInput adds a committee member.
type CommitteeMemberInput struct {
	Name     string `json:"name"`
	Post     string `json:"post"`
	Unit     string `json:"unit,omitempty"`
	PartTime bool   `json:"part_time"`
}

// Posts on a committee.
var Posts = []string{"secretary", "deputy_secretary", "member"}

// AddCommitteeMember puts someone on an organisation's committee; a
// part-time member names their unit.
func (s *Service) AddCommitteeMember(ctx context.Context, orgID int64, in CommitteeMemberInput) (CommitteeMember, error) {
	var fe errs.Fields
	in.Name, in.Unit = text.LineField(&fe, "name", in.Name), text.LineField(&fe, "unit", in.Unit)
	if in.Name == "" {
		fe.Add("name", "rule.required", "")
	}
	if !slices.Contains(Posts, in.Post) {
		fe.Add("post", "rule.one_of", strings.Join(Posts, ", "))
	}
	if in.PartTime && in.Unit == "" {
		fe.Add("unit", "rule.required", "")
	}
	if err := fe.Err(); err != nil {
		return CommitteeMember{}, err
	}
	m := CommitteeMember{OrgID: orgID, Name: in.Name, Post: in.Post, Unit: in.Unit, PartTime: in.PartTime}
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		o, _, err := findOrg(ctx, tx, authz.ScopeFrom(ctx), orgID)
		if err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `/* party.AddCommitteeMember */ INSERT INTO party_committee_members (org_id, name, post, unit, part_time)
			VALUES (?, ?, ?, ?, ?) RETURNING id`, orgID, m.Name, m.Post, m.Unit, m.PartTime).Scan(&m.ID); err != nil {
			return fmt.Errorf("party: add committee member: %w", err)
		}
		if m.Post == "secretary" {
			if _, err := tx.ExecContext(ctx, `/* party.AddCommitteeMember */ UPDATE party_orgs SET secretary = ?, updated_at = ? WHERE id = ?`,
				m.Name, tx.Now(), orgID); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "party.committee.add", ObjectType: "party_org", ObjectID: strconv.FormatInt(orgID, 10),
			Region: o.RegionCode, After: m})
	})
	return m, err
}

// Committee lists an organisation's committee.
func (s *Service) Committee(ctx context.Context, orgID int64) ([]CommitteeMember, error) {
	if _, err := s.Org(ctx, orgID); err != nil {
		return nil, err
	}
	out, err := db.Collect(ctx, s.db, `/* party.Committee */ SELECT id, org_id, name, post, unit, part_time FROM party_committee_members
		WHERE org_id = ? ORDER BY CASE post WHEN 'secretary' THEN 0 WHEN 'deputy_secretary' THEN 1 ELSE 2 END, id`, []any{orgID},
		func(r db.Scanner) (CommitteeMember, error) {
			var m CommitteeMember
			err := r.Scan(&m.ID, &m.OrgID, &m.Name, &m.Post, &m.Unit, &m.PartTime)
			return m, err
		})
	if out == nil && err == nil {
		out = []CommitteeMember{}
	}
	return out, err
}

const memberCols = `id, org_id, region_code, COALESCE(person_id, 0), name, category, status, workplace, model_household, joined_on, created_at, version`

func scanMember(r db.Scanner) (Member, error) {
	var m Member
	var cat string
	err := r.Scan(&m.ID, &m.OrgID, &m.RegionCode, &m.PersonID, &m.Name, &cat, &m.Status, &m.Workplace, &m.ModelHousehold, &m.JoinedOn, &m.CreatedAt, &m.Version)
	m.Category = Category(cat)
	return m, err
}

// CreateMember registers a Party member in an organisation in scope.
func (s *Service) CreateMember(ctx context.Context, in MemberInput) (Member, error) {
	if err := s.validMember(ctx, &in, true); err != nil {
		return Member{}, err
	}
	var out Member
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		now := tx.Now()
		var person any
		if in.PersonID != 0 {
			person = in.PersonID
		}
		var id int64
		if err := tx.QueryRowContext(ctx, `/* party.CreateMember */ INSERT INTO party_members (org_id, region_code, person_id, name, category,
			status, workplace, model_household, joined_on, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			in.OrgID, in.RegionCode, person, in.Name, string(in.Category), in.Status, in.Workplace, in.ModelHousehold, in.JoinedOn, now, now).Scan(&id); err != nil {
			return fmt.Errorf("party: insert member: %w", err)
		}
		var err error
		out, err = db.One(ctx, tx, `/* party.CreateMember */ SELECT `+memberCols+` FROM party_members WHERE id = ?`, []any{id}, scanMember, error(errs.NotFoundf("kind.party_member")))
		if err != nil {
			return err
		}
		if err := countMember(ctx, tx, in.RegionCode, 1, in.ModelHousehold); err != nil {
			return err
		}
		change.Touch(tx, TopicCoverage)
		return audit.Record(ctx, tx, audit.Entry{Action: "party.member.create", ObjectType: "party_member", ObjectID: strconv.FormatInt(id, 10),
			Region: out.RegionCode, After: masked(out)})
	})
	if err == nil {
		s.coverage.Clear()
	}
	return out, err
}

// countMember adds n members (n is 1 or -1) to region's totals.
func countMember(ctx context.Context, tx *db.Tx, region string, n int, model bool) error {
	m := 0
	if model {
		m = n
	}
	_, err := tx.ExecContext(ctx, `/* party.countMember */ INSERT INTO party_member_counts (region_code, members, model_households)
		VALUES (?, ?, ?) ON CONFLICT (region_code) DO UPDATE SET members = party_member_counts.members + excluded.members,
			model_households = party_member_counts.model_households + excluded.model_households`, region, n, m)
	if err != nil {
		return fmt.Errorf("party: count member in %s: %w", region, err)
	}
	return nil
}

// masked is a member as audit records hold them: the name masked (张**),
// as the audit log keeps residents' names.
func masked(m Member) Member {
	m.Name = pii.MaskName(m.Name)
	return m
}

// validMember checks a member's fields, for entry and for a change alike,
// and completes the region from the organisation. checkPerson is false
// for a change that keeps the member's resident: a link made when the
// resident was in scope is not refused later.
func (s *Service) validMember(ctx context.Context, in *MemberInput, checkPerson bool) error {
	var fe errs.Fields
	in.Name, in.Workplace = text.LineField(&fe, "name", in.Name), text.LineField(&fe, "workplace", in.Workplace)
	if in.Name == "" {
		fe.Add("name", "rule.required", "")
	}
	if !slices.Contains(Categories, in.Category) {
		fe.Add("category", "rule.one_of", "direct, in_service, floating")
	}
	if !slices.Contains(Statuses, in.Status) {
		fe.Add("status", "rule.one_of", "full, probationary")
	}
	if in.Category == InService && strings.TrimSpace(in.Workplace) == "" {
		fe.Add("workplace", "rule.required", "")
	}
	if in.JoinedOn != "" {
		if _, err := time.Parse("2006-01-02", in.JoinedOn); err != nil {
			fe.Add("joined_on", "rule.date", "")
		}
	}
	o, err := s.Org(ctx, in.OrgID)
	if err != nil {
		fe.Add("org_id", "rule.parent_org", "")
	} else if in.RegionCode == "" {
		in.RegionCode = o.RegionCode
	}
	if in.RegionCode != "" {
		if _, err := s.terr.ContainsRegion(ctx, in.RegionCode); err != nil {
			fe.Add("region_code", "rule.region_code", in.RegionCode)
		}
	}
	if in.PersonID < 0 {
		fe.Add("person_id", "rule.person_in_scope", "")
	} else if in.PersonID != 0 && checkPerson {
		if _, err := s.person(ctx, in.PersonID); err != nil {
			if c := errs.CodeOf(err); c != errs.NotFound && c != errs.Conflict {
				return err
			}
			fe.Add("person_id", "rule.person_in_scope", "")
		}
	}
	return fe.Err()
}

// MemberFilter selects members.
type MemberFilter struct {
	OrgID    int64
	Region   string
	Category Category
	AfterID  int64
	Limit    int
}

// Members lists members in scope.
func (s *Service) Members(ctx context.Context, f MemberFilter) ([]Member, error) {
	qb := db.NewQuery(`/* party.Members */ SELECT `+memberCols+` FROM party_members`).Scope(authz.ScopeFrom(ctx), "region_code", "")
	if f.OrgID != 0 {
		qb.And("org_id = ?", f.OrgID)
	}
	if f.Region != "" {
		qb.Scope(authz.Scope{Region: f.Region}, "region_code", "")
	}
	if f.Category != "" {
		qb.And("category = ?", string(f.Category))
	}
	if f.AfterID > 0 {
		qb.And("id > ?", f.AfterID)
	}
	if f.Limit <= 0 {
		f.Limit = 1000
	}
	qb.Tail("ORDER BY id LIMIT ?", f.Limit)
	q, args := qb.SQL()
	return db.Collect(ctx, s.db, q, args, scanMember)
}

// Coverage counts, under each child prefix of a region, the communities
// with a Party organisation, the grids with a branch, the buildings with a
// group and the members.
type Coverage struct {
	CommunitiesWithOrg int `json:"communities_with_org"`
	GridsWithBranch    int `json:"grids_with_branch"`
	BuildingsWithGroup int `json:"buildings_with_group"`
	Members            int `json:"members"`
	ModelHouseholds    int `json:"model_households"`
}

// CoverageByChild groups under root by the first childLen characters of
// the region code (0: one group, key "").
func (s *Service) CoverageByChild(ctx context.Context, root string, childLen int) (map[string]*Coverage, error) {
	sc := authz.ScopeFrom(ctx)
	key := fmt.Sprintf("%s/%d/%s", root, childLen, sc.Key())
	return s.coverage.Load(key, func() (map[string]*Coverage, error) { return s.coverageByChild(ctx, root, childLen) })
}

func (s *Service) coverageByChild(ctx context.Context, root string, childLen int) (map[string]*Coverage, error) {
	key := "''"
	if childLen > 0 {
		key = fmt.Sprintf("substr(region_code, 1, %d)", childLen)
	}
	out := map[string]*Coverage{}
	get := func(k string) *Coverage {
		if out[k] == nil {
			out[k] = &Coverage{}
		}
		return out[k]
	}
	sc := authz.ScopeFrom(ctx)
	type row struct {
		k string
		a int
		b int
		c int
	}
	qb := db.NewQuery(`/* party.CoverageByChild */ SELECT `+key+` AS k,
		COUNT(DISTINCT CASE WHEN length(region_code) = 12 THEN region_code END),
		COUNT(DISTINCT CASE WHEN length(region_code) = 15 AND kind = 'branch' THEN region_code END),
		COUNT(DISTINCT CASE WHEN kind = 'group' THEN building_id END) FROM party_orgs`).
		Scope(sc, "region_code", "").Under("region_code", root)
	if childLen > 0 {
		qb.Tail("GROUP BY k")
	}
	q, args := qb.SQL()
	rows, err := db.Collect(ctx, s.db, q, args, func(r db.Scanner) (row, error) {
		var x row
		err := r.Scan(&x.k, &x.a, &x.b, &x.c)
		return x, err
	})
	if err != nil {
		return nil, fmt.Errorf("party: coverage: %w", err)
	}
	for _, x := range rows {
		c := get(x.k)
		c.CommunitiesWithOrg, c.GridsWithBranch, c.BuildingsWithGroup = x.a, x.b, x.c
	}
	qb = db.NewQuery(`/* party.CoverageByChild */ SELECT `+key+` AS k, SUM(members), SUM(model_households) FROM party_member_counts`).
		Scope(sc, "region_code", "").Under("region_code", root)
	if childLen > 0 {
		qb.Tail("GROUP BY k")
	}
	q, args = qb.SQL()
	mrows, err := db.Collect(ctx, s.db, q, args, func(r db.Scanner) (row, error) {
		var x row
		err := r.Scan(&x.k, &x.a, &x.b)
		return x, err
	})
	if err != nil {
		return nil, fmt.Errorf("party: member coverage: %w", err)
	}
	for _, x := range mrows {
		c := get(x.k)
		c.Members, c.ModelHouseholds = x.a, x.b
	}
	return out, nil
}
