package territory

import (
	"context"
	"encoding/json"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/tabular"
)

// The example row holds placeholders for the importer's own community and
// outline: the binary serves any city, and a code or coordinates of one
// city (the demo's) would only be refused, or land far away, in another.
const (
	exampleCommunity = "（本社区12位代码）"
	exampleGeometry  = `{"type":"Polygon","coordinates":[[[经度,纬度],[经度,纬度],[经度,纬度],[经度,纬度]]]}`
)

// gridSpec is the spreadsheet form of grids: the outline travels as GeoJSON
// text in its own column (GeoJSON files remain the better way for GIS).
func (s *Service) gridSpec() tabular.Spec {
	return tabular.Spec{
		Path: "/grids/table", Back: "/overview", TitleKey: "title.grid",
		Header:  []string{"网格代码", "网格名称", "社区代码", "边界（GeoJSON）"},
		Fields:  []string{"code", "name", "community_code", "geometry"},
		Example: []string{"", "某社区第1网格", exampleCommunity, exampleGeometry},
		Create: func(ctx context.Context, row []string) error {
			_, err := s.CreateGrid(ctx, GridInput{Code: row[0], Name: row[1], CommunityCode: row[2], Geometry: json.RawMessage(row[3])})
			return err
		},
		// A grid is the same grid when its code, or its community and
		// name, match.
		Exists: func(ctx context.Context, row []string) (bool, error) {
			if !authz.ScopeFrom(ctx).Contains(row[2]) {
				return false, nil
			}
			gs, err := s.Grids(ctx, GridFilter{Region: row[2]})
			if err != nil {
				return false, err
			}
			for _, g := range gs {
				if (row[0] != "" && g.Code == row[0]) || (row[0] == "" && g.Name == row[1]) {
					return true, nil
				}
			}
			return false, nil
		},
		Export: func(ctx context.Context) ([][]string, error) {
			gs, err := s.Grids(ctx, GridFilter{})
			if err != nil {
				return nil, err
			}
			out := make([][]string, len(gs))
			for i, g := range gs {
				out[i] = []string{g.Code, g.Name, g.CommunityCode, string(g.Geometry)}
			}
			return out, nil
		},
	}
}
