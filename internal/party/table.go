package party

import (
	"context"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/errs"
	"strconv"
	"strings"

	"grassroots/internal/platform/tabular"
)

// exampleGrid is the example row's placeholder for a code of the
// importer's own territory: the binary serves any city, and a code of one
// city (the demo's) would only be refused in every other.
const exampleGrid = "（本网格15位代码）"

var (
	categoryLabels = map[string]string{"直管党员": "direct", "在职党员": "in_service", "流动党员": "floating"}
	statusLabels   = map[string]string{"正式党员": "full", "预备党员": "probationary"}
)

// tableSpec is the spreadsheet form of Party members.
func (s *Service) tableSpec() tabular.Spec {
	return tabular.Spec{
		Path: "/party/members", Back: "/party", TitleKey: "party.members",
		Header:  []string{"姓名", "党组织编号", "党员类别", "状态", "工作单位党组织", "居住网格或社区代码", "党员示范户", "入党日期"},
		Fields:  []string{"name", "org_id", "category", "status", "workplace", "region_code", "model_household", "joined_on"},
		Example: []string{"王五", "1", "在职党员", "正式党员", "市教育局机关党委", "", "否", "2001-07-01"},
		Create: func(ctx context.Context, row []string) error {
			org, _ := strconv.ParseInt(strings.TrimSpace(row[1]), 10, 64)
			_, err := s.CreateMember(ctx, MemberInput{Name: row[0], OrgID: org, Category: Category(tabular.Label(categoryLabels, row[2])),
				Status: tabular.Label(statusLabels, row[3]), Workplace: row[4], RegionCode: row[5], ModelHousehold: tabular.Bool(row[6]), JoinedOn: row[7]})
			return err
		},
		// A member is the same member when organisation and name match.
		Exists: func(ctx context.Context, row []string) (bool, error) {
			id, _ := strconv.ParseInt(strings.TrimSpace(row[1]), 10, 64)
			if _, err := s.Org(ctx, id); err != nil {
				return false, nil // CreateMember then reports the organisation
			}
			var n int
			err := s.db.QueryRowContext(ctx, `/* party.memberExists */ SELECT COUNT(*) FROM party_members WHERE org_id = ? AND name = ?`,
				strings.TrimSpace(row[1]), row[0]).Scan(&n)
			return n > 0, err
		},
		Export: func(ctx context.Context) ([][]string, error) {
			ms, err := s.Members(ctx, MemberFilter{Limit: 100000})
			if err != nil {
				return nil, err
			}
			out := make([][]string, len(ms))
			for i, m := range ms {
				out[i] = []string{m.Name, strconv.FormatInt(m.OrgID, 10), tabular.LabelOf(categoryLabels, string(m.Category)),
					tabular.LabelOf(statusLabels, m.Status), m.Workplace, m.RegionCode, tabular.YesNo(m.ModelHousehold), m.JoinedOn}
			}
			return out, nil
		},
	}
}

var kindLabels = map[string]string{"党委": "committee", "党总支": "general_branch", "党支部": "branch", "党小组": "group"}

// orgSpec is the spreadsheet form of Party organisations.
func (s *Service) orgSpec() tabular.Spec {
	return tabular.Spec{
		Path: "/party/orgs", Back: "/party", TitleKey: "title.party",
		Header:  []string{"名称", "类型", "区划代码", "上级党组织编号", "楼栋编号", "所在单位"},
		Fields:  []string{"name", "kind", "region_code", "parent_id", "building_id", "unit_name"},
		Example: []string{"某网格党支部", "党支部", exampleGrid, "1", "", ""},
		Create: func(ctx context.Context, row []string) error {
			parent, _ := strconv.ParseInt(strings.TrimSpace(row[3]), 10, 64)
			building, _ := strconv.ParseInt(strings.TrimSpace(row[4]), 10, 64)
			_, err := s.CreateOrg(ctx, OrgInput{Name: row[0], Kind: Kind(tabular.Label(kindLabels, row[1])), RegionCode: row[2],
				ParentID: parent, BuildingID: building, UnitName: row[5]})
			return err
		},
		// An organisation is the same when area, kind and name match.
		Exists: func(ctx context.Context, row []string) (bool, error) {
			if !authz.ScopeFrom(ctx).Contains(row[2]) {
				return false, nil // CreateOrg then reports the region
			}
			var n int
			err := s.db.QueryRowContext(ctx, `/* party.orgExists */ SELECT COUNT(*) FROM party_orgs WHERE region_code = ? AND kind = ? AND name = ?`,
				row[2], tabular.Label(kindLabels, row[1]), row[0]).Scan(&n)
			return n > 0, err
		},
		Export: func(ctx context.Context) ([][]string, error) {
			os, err := s.Orgs(ctx, OrgFilter{Limit: 100000})
			if err != nil {
				return nil, err
			}
			out := make([][]string, len(os))
			for i, o := range os {
				var parent, building string
				if o.ParentID != 0 {
					parent = strconv.FormatInt(o.ParentID, 10)
				}
				if o.BuildingID != 0 {
					building = strconv.FormatInt(o.BuildingID, 10)
				}
				out[i] = []string{o.Name, tabular.LabelOf(kindLabels, string(o.Kind)), o.RegionCode, parent, building, o.UnitName}
			}
			return out, nil
		},
	}
}

var postLabels = map[string]string{"书记": "secretary", "副书记": "deputy_secretary", "委员": "member"}

// committeeSpec is the spreadsheet form of committee members.
func (s *Service) committeeSpec() tabular.Spec {
	return tabular.Spec{
		Path: "/party/committee", Back: "/party", TitleKey: "party.committee",
		Header:  []string{"党组织编号", "姓名", "职务", "所在单位", "兼职委员"},
		Fields:  []string{"org_id", "name", "post", "unit", "part_time"},
		Example: []string{"1", "孙七", "委员", "某学校", "是"},
		Create: func(ctx context.Context, row []string) error {
			org, err := strconv.ParseInt(strings.TrimSpace(row[0]), 10, 64)
			if err != nil {
				return errs.Field("org_id", "rule.parent_org", "")
			}
			if _, err := s.Org(ctx, org); err != nil {
				return errs.Field("org_id", "rule.parent_org", "")
			}
			_, err = s.AddCommitteeMember(ctx, org, CommitteeMemberInput{Name: row[1], Post: tabular.Label(postLabels, row[2]), Unit: row[3], PartTime: tabular.Bool(row[4])})
			return err
		},
		Exists: func(ctx context.Context, row []string) (bool, error) {
			id, _ := strconv.ParseInt(strings.TrimSpace(row[0]), 10, 64)
			if _, err := s.Org(ctx, id); err != nil {
				return false, nil
			}
			var n int
			err := s.db.QueryRowContext(ctx, `/* party.committeeExists */ SELECT COUNT(*) FROM party_committee_members WHERE org_id = ? AND name = ?`, id, row[1]).Scan(&n)
			return n > 0, err
		},
		Export: func(ctx context.Context) ([][]string, error) {
			orgs, err := s.Orgs(ctx, OrgFilter{Limit: 100000})
			if err != nil {
				return nil, err
			}
			var out [][]string
			for _, o := range orgs {
				ms, err := s.Committee(ctx, o.ID)
				if err != nil {
					return nil, err
				}
				for _, m := range ms {
					out = append(out, []string{strconv.FormatInt(o.ID, 10), m.Name, tabular.LabelOf(postLabels, m.Post), m.Unit, tabular.YesNo(m.PartTime)})
				}
			}
			return out, nil
		},
	}
}
