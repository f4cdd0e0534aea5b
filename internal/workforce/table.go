package workforce

import (
	"context"

	"grassroots/internal/platform/authz"
	"strconv"

	"grassroots/internal/platform/tabular"
)

// exampleCommunity is the example rows' placeholder for a code of the
// importer's own territory: the binary serves any city, and a code of one
// city (the demo's) would only be refused in every other.
const exampleCommunity = "（本社区12位代码）"

var (
	postLabels = map[string]string{"书记": "secretary", "主任": "director", "副书记": "deputy", "副主任": "deputy", "委员": "member",
		"专职网格员": "full_time_grid", "社工": "social_worker", "其他": "other"}
	certLabels = map[string]string{"无": "none", "助理社会工作师": "assistant", "社会工作师": "social_worker", "高级社会工作师": "senior"}
	eduLabels  = map[string]string{"高中及以下": "high_school", "大专": "college", "本科": "bachelor", "研究生": "master"}
)

// tableSpec is the spreadsheet form of community workers.
func (s *Service) tableSpec() tabular.Spec {
	return tabular.Spec{
		Path: "/workforce", TitleKey: "workforce.workers",
		Header:  []string{"姓名", "社区代码", "岗位", "社工证书", "学历", "培训学时"},
		Fields:  []string{"name", "region_code", "post", "certificate", "education", "training_hours"},
		Example: []string{"李四", exampleCommunity, "社工", "助理社会工作师", "本科", "24"},
		Create: func(ctx context.Context, row []string) error {
			_, err := s.AddWorker(ctx, WorkerInput{Name: row[0], RegionCode: row[1], Post: tabular.Label(postLabels, row[2]),
				Certificate: tabular.Label(certLabels, row[3]), Education: tabular.Label(eduLabels, row[4]), TrainingHours: tabular.Int(row[5])})
			return err
		},
		// A worker is the same worker when community and name match.
		Exists: func(ctx context.Context, row []string) (bool, error) {
			if !authz.ScopeFrom(ctx).Contains(row[1]) {
				return false, nil // AddWorker then reports the community
			}
			var n int
			err := s.db.QueryRowContext(ctx, `/* workforce.exists */ SELECT COUNT(*) FROM workforce_workers WHERE region_code = ? AND name = ?`, row[1], row[0]).Scan(&n)
			return n > 0, err
		},
		Export: func(ctx context.Context) ([][]string, error) {
			ws, err := s.Workers(ctx, "", 0, 100000)
			if err != nil {
				return nil, err
			}
			out := make([][]string, len(ws))
			for i, w := range ws {
				out[i] = []string{w.Name, w.RegionCode, tabular.LabelOf(postLabels, w.Post), tabular.LabelOf(certLabels, w.Certificate),
					tabular.LabelOf(eduLabels, w.Education), strconv.Itoa(w.TrainingHours)}
			}
			return out, nil
		},
	}
}

var statusLabels = map[string]string{"考察中": "candidate", "已报备组织部": "filed", "已报备": "filed", "已任用": "appointed", "已退出": "withdrawn"}

// reserveSpec is the spreadsheet form of the reserve pool.
func (s *Service) reserveSpec() tabular.Spec {
	return tabular.Spec{
		Path: "/workforce/reserve", Back: "/workforce", TitleKey: "workforce.reserve",
		Header:  []string{"姓名", "社区代码", "现任职务", "考察得分", "状态", "报备日期", "考察意见"},
		Fields:  []string{"name", "region_code", "current_post", "score", "status", "filed_on", "assessment"},
		Example: []string{"赵六", exampleCommunity, "社区副书记", "86", "已报备组织部", "2026-06-30", "群众基础好"},
		Create: func(ctx context.Context, row []string) error {
			_, err := s.AddCandidate(ctx, CandidateInput{Name: row[0], RegionCode: row[1], CurrentPost: row[2], Score: tabular.Int(row[3]),
				Status: tabular.Label(statusLabels, row[4]), FiledOn: row[5], Assessment: row[6]})
			return err
		},
		Exists: func(ctx context.Context, row []string) (bool, error) {
			if !authz.ScopeFrom(ctx).Contains(row[1]) {
				return false, nil
			}
			var n int
			err := s.db.QueryRowContext(ctx, `/* workforce.reserveExists */ SELECT COUNT(*) FROM workforce_reserve WHERE region_code = ? AND name = ?`, row[1], row[0]).Scan(&n)
			return n > 0, err
		},
		Export: func(ctx context.Context) ([][]string, error) {
			cs, err := s.Reserve(ctx, "")
			if err != nil {
				return nil, err
			}
			out := make([][]string, len(cs))
			for i, c := range cs {
				out[i] = []string{c.Name, c.RegionCode, c.CurrentPost, strconv.Itoa(c.Score), tabular.LabelOf(statusLabels, c.Status), c.FiledOn, c.Assessment}
			}
			return out, nil
		},
	}
}
