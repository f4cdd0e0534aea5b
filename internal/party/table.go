package party

import (
	"context"
	"strconv"
	"strings"

	"grassroots/internal/platform/tabular"
)

var (
	categoryLabels = map[string]string{"直管党员": "direct", "在职党员": "in_service", "流动党员": "floating"}
	statusLabels   = map[string]string{"正式党员": "full", "预备党员": "probationary"}
)

// tableSpec is the spreadsheet form of Party members.
func (s *Service) tableSpec() tabular.Spec {
	return tabular.Spec{
		Path: "/party/members", TitleKey: "party.members",
		Header:  []string{"姓名", "党组织编号", "党员类别", "状态", "工作单位党组织", "居住网格或社区代码", "党员示范户", "入党日期"},
		Fields:  []string{"name", "org_id", "category", "status", "workplace", "region_code", "model_household", "joined_on"},
		Example: []string{"王五", "1", "在职党员", "正式党员", "市教育局机关党委", "", "否", "2001-07-01"},
		Create: func(ctx context.Context, row []string) error {
			org, _ := strconv.ParseInt(strings.TrimSpace(row[1]), 10, 64)
			_, err := s.CreateMember(ctx, MemberInput{Name: row[0], OrgID: org, Category: Category(tabular.Label(categoryLabels, row[2])),
				Status: tabular.Label(statusLabels, row[3]), Workplace: row[4], RegionCode: row[5], ModelHousehold: tabular.Bool(row[6]), JoinedOn: row[7]})
			return err
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
