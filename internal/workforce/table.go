package workforce

import (
	"context"
	"strconv"

	"grassroots/internal/platform/tabular"
)

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
		Example: []string{"李四", "360102002001", "社工", "助理社会工作师", "本科", "24"},
		Create: func(ctx context.Context, row []string) error {
			_, err := s.AddWorker(ctx, WorkerInput{Name: row[0], RegionCode: row[1], Post: tabular.Label(postLabels, row[2]),
				Certificate: tabular.Label(certLabels, row[3]), Education: tabular.Label(eduLabels, row[4]), TrainingHours: tabular.Int(row[5])})
			return err
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
