package registry

import (
	"context"
	"strconv"

	"grassroots/internal/platform/tabular"
)

// buildingSpec is the spreadsheet form of buildings.
func (s *Service) buildingSpec() tabular.Spec {
	return tabular.Spec{
		Path: "/buildings", TitleKey: "kind.building",
		Header:  []string{"楼栋名称", "标准地址", "小区编号", "网格代码", "层数", "单元数", "经度", "纬度"},
		Fields:  []string{"name", "address", "compound_id", "region_code", "floors", "units", "lon", "lat"},
		Example: []string{"3栋", "南昌市东湖区某某路1号3栋", "", "360102002001001", "6", "2", "", ""},
		Create: func(ctx context.Context, row []string) error {
			in := BuildingInput{Name: row[0], Address: row[1], RegionCode: row[3], Floors: tabular.Int(row[4]), Units: tabular.Int(row[5])}
			in.CompoundID, _ = strconv.ParseInt(row[2], 10, 64)
			if lon, err1 := strconv.ParseFloat(row[6], 64); err1 == nil {
				if lat, err2 := strconv.ParseFloat(row[7], 64); err2 == nil {
					in.Lon, in.Lat = &lon, &lat
				}
			}
			_, err := s.CreateBuilding(ctx, in)
			return err
		},
		Export: func(ctx context.Context) ([][]string, error) {
			bs, err := s.Buildings(ctx, "", 0, 100000)
			if err != nil {
				return nil, err
			}
			out := make([][]string, len(bs))
			for i, b := range bs {
				var lon, lat, comp string
				if b.Lon != nil {
					lon, lat = strconv.FormatFloat(*b.Lon, 'f', 7, 64), strconv.FormatFloat(*b.Lat, 'f', 7, 64)
				}
				if b.CompoundID != 0 {
					comp = strconv.FormatInt(b.CompoundID, 10)
				}
				out[i] = []string{b.Name, b.Address, comp, b.RegionCode, strconv.Itoa(b.Floors), strconv.Itoa(b.Units), lon, lat}
			}
			return out, nil
		},
	}
}
