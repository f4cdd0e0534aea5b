package units

import (
	"context"

	"grassroots/internal/platform/authz"
	"strconv"
	"strings"

	"grassroots/internal/platform/tabular"
)

// exampleCommunity is the example row's placeholder for a code of the
// importer's own territory: the binary serves any city, and a code of one
// city (the demo's) would only be refused in every other.
const exampleCommunity = "（本社区12位代码）"

var subkindLabels = map[string]string{
	"商铺": "shop", "公司": "company", "事业单位": "institution",
	"机关": "agency", "学校": "school", "医院": "hospital", "企业": "enterprise", "国有企业": "state_enterprise", "其他": "other",
	"非公有制企业": "non_public_enterprise", "社会组织": "social_organisation",
	"快递网点": "courier", "外卖站点": "delivery", "网约车聚集点": "ride_hailing", "网络主播聚集区": "live_streaming",
}

var shareLabels = map[string]string{"场地": "venues", "人员": "people", "资金": "funds"}

func kindOf(subkind string) string {
	for k, subs := range Subkinds {
		for _, s := range subs {
			if s == subkind {
				return k
			}
		}
	}
	return ""
}

// tableSpec is the spreadsheet form of units.
func (s *Service) tableSpec() tabular.Spec {
	return tabular.Spec{
		Path: "/units", TitleKey: "title.units",
		Header:  []string{"名称", "类型", "网格或社区代码", "地址", "人数", "共享资源", "已建党组织", "党的工作覆盖"},
		Fields:  []string{"name", "subkind", "region_code", "address", "headcount", "shares", "has_party_org", "work_covered"},
		Also:    map[string]string{"kind": "类型", "lon": "地址"},
		Example: []string{"某科技有限公司", "非公有制企业", exampleCommunity, "某路1号", "35", "", "否", "是"},
		Create: func(ctx context.Context, row []string) error {
			sub := tabular.Label(subkindLabels, row[1])
			var shares []string
			for _, x := range tabular.List(row[5]) {
				shares = append(shares, tabular.Label(shareLabels, x))
			}
			_, err := s.Create(ctx, UnitInput{Name: row[0], Kind: kindOf(sub), Subkind: sub, RegionCode: row[2], Address: row[3],
				Headcount: tabular.Int(row[4]), Shares: shares, HasPartyOrg: tabular.Bool(row[6]), WorkCovered: tabular.Bool(row[7])})
			return err
		},
		// A unit is the same unit when its area and name match.
		Exists: func(ctx context.Context, row []string) (bool, error) {
			return s.exists(ctx, row[2], row[0])
		},
		Export: func(ctx context.Context) ([][]string, error) {
			us, err := s.List(ctx, Filter{Limit: 100000})
			if err != nil {
				return nil, err
			}
			out := make([][]string, len(us))
			for i, u := range us {
				var sh []string
				for _, x := range u.Shares {
					sh = append(sh, tabular.LabelOf(shareLabels, x))
				}
				out[i] = []string{u.Name, tabular.LabelOf(subkindLabels, u.Subkind), u.RegionCode, u.Address, strconv.Itoa(u.Headcount),
					strings.Join(sh, "、"), tabular.YesNo(u.HasPartyOrg), tabular.YesNo(u.WorkCovered)}
			}
			return out, nil
		},
	}
}

func (s *Service) exists(ctx context.Context, region, name string) (bool, error) {
	if !authz.ScopeFrom(ctx).Contains(region) {
		return false, nil // Create then reports the region
	}
	var n int
	err := s.db.QueryRowContext(ctx, `/* units.exists */ SELECT COUNT(*) FROM units_units WHERE region_code = ? AND name = ?`, region, name).Scan(&n)
	return n > 0, err
}
