package registry

import (
	"context"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/db"
	"strconv"

	"grassroots/internal/platform/tabular"
)

// The example rows of the templates hold placeholders where a code of the
// importer's own territory goes: the binary serves any city, and a code of
// one city (the demo's) would only be refused in every other.
const (
	exampleCommunity = "（本社区12位代码）"
	exampleGrid      = "（本网格15位代码）"
)

// buildingSpec is the spreadsheet form of buildings.
func (s *Service) buildingSpec() tabular.Spec {
	return tabular.Spec{
		Path: "/buildings", TitleKey: "kind.building",
		Header:  []string{"楼栋名称", "标准地址", "小区编号", "网格代码", "层数", "单元数", "经度", "纬度"},
		Fields:  []string{"name", "address", "compound_id", "region_code", "floors", "units", "lon", "lat"},
		Example: []string{"3栋", "某市某区某某路1号3栋", "", exampleGrid, "6", "2", "", ""},
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
		// A building is the same building when its standard address matches.
		Exists: func(ctx context.Context, row []string) (bool, error) {
			qb := db.NewQuery(`/* registry.buildingExists */ SELECT COUNT(*) FROM registry_buildings`).And("address = ?", row[1]).
				Scope(authz.ScopeFrom(ctx), "region_code", "")
			q, args := qb.SQL()
			var n int
			err := s.db.QueryRowContext(ctx, q, args...).Scan(&n)
			return n > 0, err
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

// compoundSpec is the spreadsheet form of residential compounds.
func (s *Service) compoundSpec() tabular.Spec {
	return tabular.Spec{
		Path: "/compounds", Back: "/buildings", TitleKey: "buildings.compounds",
		Header:  []string{"小区名称", "地址", "物业服务企业", "社区或网格代码"},
		Fields:  []string{"name", "address", "property_company", "region_code"},
		Example: []string{"某某花园", "某市某区某某路8号", "某物业服务有限公司", exampleCommunity},
		Create: func(ctx context.Context, row []string) error {
			_, err := s.CreateCompound(ctx, CompoundInput{Name: row[0], Address: row[1], PropertyCompany: row[2], RegionCode: row[3]})
			return err
		},
		// A compound is the same when its area and name match.
		Exists: func(ctx context.Context, row []string) (bool, error) {
			if !authz.ScopeFrom(ctx).Contains(row[3]) {
				return false, nil
			}
			var n int
			err := s.db.QueryRowContext(ctx, `/* registry.compoundExists */ SELECT COUNT(*) FROM registry_compounds WHERE region_code = ? AND name = ?`,
				row[3], row[0]).Scan(&n)
			return n > 0, err
		},
		Export: func(ctx context.Context) ([][]string, error) {
			cs, err := s.Compounds(ctx, "", 0, 100000)
			if err != nil {
				return nil, err
			}
			out := make([][]string, len(cs))
			for i, c := range cs {
				out[i] = []string{c.Name, c.Address, c.PropertyCompany, c.RegionCode}
			}
			return out, nil
		},
	}
}
