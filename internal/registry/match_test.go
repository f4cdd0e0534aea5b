package registry_test

import (
	"fmt"
	"strings"
	"testing"

	"grassroots/internal/apptest"
	"grassroots/internal/registry"
	"grassroots/internal/territory"
)

// mustBuilding adds a building to grid.
func mustBuilding(t *testing.T, e *apptest.Env, grid, compound, name, address string) registry.Building {
	t.Helper()
	p := e.Points[grid]
	b, err := e.App.Registry.CreateBuilding(e.System(), registry.BuildingInput{RegionCode: grid, Compound: compound, Name: name, Address: address,
		Lon: &p[0], Lat: &p[1]})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestMatchAddress matches free-text addresses as 12345 exports and
// Open311 clients write them against the standard addresses (issue 9
// §2.4): full-width digits, 号楼/幢 for 栋, Chinese numerals, a leading
// province, city, district or subdistrict name, spaces and punctuation,
// a compound's name; a wrong house number never matches, and what does
// not match still tells the division it names.
func TestMatchAddress(t *testing.T) {
	e := apptest.New(t)
	b := mustBuilding(t, e, apptest.GridA1, "阳光花园", "3栋", "测试市甲区幸福路12号3栋")
	long := mustBuilding(t, e, apptest.GridA2, "", "5栋", "甲区红谷滩中大道1299号5栋")
	road := mustBuilding(t, e, apptest.GridB1, "", "1栋", "测试路8号1栋")
	for _, tt := range []struct {
		name, text string
		want       int64
	}{
		{"Same", "测试市甲区幸福路12号3栋", b.ID},
		{"WithRoom", "测试市甲区幸福路12号3栋2单元301室", b.ID},
		{"FullWidthAndProvince", "测试省测试市甲区甲一街道幸福路１２号３号楼２单元３０１室", b.ID},
		{"ShortCityName", "测试甲区幸福路12号3栋", b.ID},
		{"NoDivisions", "幸福路12号3栋", b.ID},
		{"Spaces", " 甲区 幸福路 12 号 3 栋 ", b.ID},
		{"ChineseNumerals", "甲区幸福路十二号三幢", b.ID},
		{"Hash", "幸福路12号3#楼", b.ID},
		{"Dashes", "幸福路12号3-2-301", b.ID},
		{"Compound", "甲区阳光花园3栋2单元", b.ID},
		{"Remark", "幸福路12号3栋（东门）", b.ID},
		{"StreetSlip", "红谷滩中大路1299号5栋", long.ID},
		{"RoadNamedLikeTheCity", "测试路8号1栋", road.ID},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m, ok, err := e.App.Registry.MatchAddress(ctx, tt.text)
			if err != nil || !ok || m.BuildingID != tt.want || m.Lon == nil || m.RegionCode == "" {
				t.Errorf("MatchAddress(%q) = %+v %v %v, want building %d", tt.text, m, ok, err, tt.want)
			}
		})
	}
	for _, tt := range []struct {
		name, text, division string
		offered              int64
	}{
		{"OtherHouseNumber", "甲区幸福路13号3栋", apptest.DistrictA, b.ID},
		{"OtherBuilding", "幸福路12号4栋", "", b.ID},
		{"ShortStreetSlip", "幸富路12号3栋", "", 0},
		{"Landmark", "甲区甲一街道某某大厦门口", apptest.SubA, 0},
		{"Community", "甲一社区居委会旁边的小卖部", apptest.CommunityA, 0},
		{"Nothing", "某某大厦", "", 0},
		{"Empty", "", "", 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m, ok, err := e.App.Registry.MatchAddress(ctx, tt.text)
			if err != nil || ok || m.Division != tt.division {
				t.Fatalf("MatchAddress(%q) = %+v %v %v, want no match in %q", tt.text, m, ok, err, tt.division)
			}
			if tt.offered != 0 && (len(m.Candidates) == 0 || m.Candidates[0].BuildingID != tt.offered) {
				t.Errorf("candidates %+v, want building %d first", m.Candidates, tt.offered)
			}
		})
	}
	if d, err := e.App.Registry.DivisionOf(ctx, "甲区", "甲一街道"); err != nil || d != apptest.SubA {
		t.Errorf("DivisionOf(甲区, 甲一街道) = %q %v", d, err)
	}
	if d, _ := e.App.Registry.DivisionOf(ctx, "乙区", "甲一街道"); d != apptest.DistrictB {
		t.Errorf("a subdistrict of another district: %q", d)
	}
}

// streetDivisions are divisions whose names begin streets' or the rest of
// them, added to the fixture for TestMatchAddressStreetsLikeDivisions: a
// district 东湖区 and a village 东湖村委会 elsewhere (in the demo city the
// village's short name, 东湖, was cut off the front of 东湖区大士院北区路),
// and a county whose town is named like its street.
const streetDivisions = `code,name,level,parent_code,kind
440304,东湖区,district,4403,
440304001,滕王阁街道,subdistrict,440304,
440304001001,大士院北区社区居委会,community,440304001,urban
440325,丙县,district,4403,
440325100,镇江镇,subdistrict,440325,
440325100200,东湖村委会,community,440325100,village
`

// mustGrid adds the divisions of csv and a grid in community, a 0.002°
// square at (lon, lat), with its point in e.Points.
func mustGrid(t *testing.T, e *apptest.Env, csv, community string, lon, lat float64) string {
	t.Helper()
	if csv != "" {
		rep, err := e.App.Territory.ImportCSV(e.System(), strings.NewReader(csv), territory.ImportOptions{})
		if err != nil || !rep.Committed {
			t.Fatalf("divisions: %v %+v", err, rep.Errors)
		}
	}
	x0, y0, x1, y1 := lon, lat, lon+0.002, lat+0.002
	g, err := e.App.Territory.CreateGrid(e.System(), territory.GridInput{CommunityCode: community, Name: community + "网格",
		Geometry: []byte(fmt.Sprintf(`{"type":"Polygon","coordinates":[[[%v,%v],[%v,%v],[%v,%v],[%v,%v],[%v,%v]]]}`, x0, y0, x1, y0, x1, y1, x0, y1, x0, y0))})
	if err != nil {
		t.Fatal(err)
	}
	e.Points[g.Code] = [2]float64{lon + 0.001, lat + 0.001}
	return g.Code
}

// TestMatchAddressStreetsLikeDivisions matches the addresses of streets
// whose names hold 区, 市, 县 or 镇, or begin with what follows a
// division's name (东湖区大士院北区路: its 大 was read as the start of 大道,
// so 东湖区 stayed in front of the building's key and the village 东湖 was
// cut off the typed address): the standard address as it is, without the
// city or the district, with full-width digits, 幢 for 栋 and no "（演示）"
// remark; a number the registry lacks does not match but names the
// division the text does.
func TestMatchAddressStreetsLikeDivisions(t *testing.T) {
	e := apptest.New(t)
	east := mustGrid(t, e, streetDivisions, "440304001001", 114.300, 22.500)
	village := mustGrid(t, e, "", "440325100200", 114.400, 22.500)
	dsy := mustBuilding(t, e, east, "大士院北区小区（演示）", "3栋", "测试市东湖区大士院北区路1号3栋（演示）")
	xinqu := mustBuilding(t, e, apptest.GridA1, "", "1栋", "测试市甲区新区大道8号1栋")
	shifu := mustBuilding(t, e, apptest.GridA2, "", "2栋", "测试市甲区市府路2号2栋")
	xianqian := mustBuilding(t, e, village, "", "1栋", "测试市丙县县前街3号1栋")
	zhenjiang := mustBuilding(t, e, village, "", "2栋", "测试市丙县镇江镇镇江路5号2栋")
	for _, tt := range []struct {
		name, text string
		want       int64
	}{
		{"Standard", "测试市东湖区大士院北区路1号3栋（演示）", dsy.ID},
		{"NoRemark", "测试市东湖区大士院北区路1号3栋", dsy.ID},
		{"NoBuildingNumber", "东湖区大士院北区路1号2单元", 0},
		{"NoCityBuilding", "东湖区大士院北区路1号3栋", dsy.ID},
		{"StreetOnly", "大士院北区路1号3栋", dsy.ID},
		{"FullWidthZhuang", "东湖区大士院北区路１号３幢２单元３０１室", dsy.ID},
		{"ProvinceAndSubdistrict", "测试省测试市东湖区滕王阁街道大士院北区路1号3号楼", dsy.ID},
		{"CompoundName", "东湖区大士院北区小区3栋", dsy.ID},
		{"NewAreaAvenue", "测试市甲区新区大道8号1栋", xinqu.ID},
		{"NewAreaAvenueNoDistrict", "新区大道８号１幢", xinqu.ID},
		{"NewAreaAvenueShortCity", "测试甲区新区大道8号1栋", xinqu.ID},
		{"CityHallRoad", "测试市甲区市府路2号2栋", shifu.ID},
		{"CityHallRoadNoDistrict", "测试市市府路2号2栋", shifu.ID},
		{"CityHallRoadShortCity", "测试市府路2号二栋", shifu.ID},
		{"CityHallRoadOnly", "市府路2号2栋", shifu.ID},
		{"CountyFrontStreet", "测试市丙县县前街3号1栋", xianqian.ID},
		{"CountyFrontStreetNoCity", "丙县县前街3号1栋", xianqian.ID},
		{"CountyFrontStreetNoCounty", "测试市县前街３号１幢", xianqian.ID},
		{"CountyFrontStreetOnly", "县前街3号1栋", xianqian.ID},
		{"TownRoad", "测试市丙县镇江镇镇江路5号2栋", zhenjiang.ID},
		{"TownRoadNoCity", "镇江镇镇江路5号2栋301室", zhenjiang.ID},
		{"TownRoadNoTown", "丙县镇江路5号2幢", zhenjiang.ID},
		{"TownRoadOnly", "镇江路5号2栋", zhenjiang.ID},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m, ok, err := e.App.Registry.MatchAddress(ctx, tt.text)
			if tt.want == 0 {
				if err != nil || ok {
					t.Errorf("MatchAddress(%q) = %+v %v %v, want no match", tt.text, m, ok, err)
				}
				return
			}
			if err != nil || !ok || m.BuildingID != tt.want {
				t.Errorf("MatchAddress(%q) = %+v %v %v, want building %d", tt.text, m, ok, err, tt.want)
			}
		})
	}
	// Every standard address of the registry matches its own building.
	for _, b := range []registry.Building{dsy, xinqu, shifu, xianqian, zhenjiang} {
		if m, ok, err := e.App.Registry.MatchAddress(ctx, b.Address); err != nil || !ok || m.BuildingID != b.ID || m.Score != 1 {
			t.Errorf("the standard address %q: %+v %v %v", b.Address, m, ok, err)
		}
	}
	// What matches no building still names its division, the district's
	// or the town's, whatever its street holds.
	for _, tt := range []struct{ name, text, division string }{
		{"District", "东湖区大士院北区路9号", "440304"},
		{"Subdistrict", "东湖区滕王阁街道大士院北区路9号", "440304001"},
		{"County", "测试市丙县县前街99号", "440325"},
		{"Town", "镇江镇镇江路99号", "440325100"},
		{"Village", "东湖村村口", "440325100200"},
	} {
		t.Run("Unmatched"+tt.name, func(t *testing.T) {
			m, ok, err := e.App.Registry.MatchAddress(ctx, tt.text)
			if err != nil || ok || m.Division != tt.division {
				t.Errorf("MatchAddress(%q) = %+v %v %v, want no match in %s", tt.text, m, ok, err, tt.division)
			}
		})
	}
	if d, err := e.App.Registry.DivisionOf(ctx, "东湖区", ""); err != nil || d != "440304" {
		t.Errorf("DivisionOf(东湖区) = %q %v", d, err)
	}
}

// TestFillAddressKeys checks that buildings stored before the match keys
// (or by other means) are found once the start has filled their keys.
func TestFillAddressKeys(t *testing.T) {
	e := apptest.New(t)
	b := mustBuilding(t, e, apptest.GridA1, "", "3栋", "测试市甲区幸福路12号3栋")
	if _, err := e.App.DB.ExecContext(ctx, `UPDATE registry_buildings SET match_key = '', street_key = '', number_key = '', alias_key = ''`); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := e.App.Registry.MatchAddress(ctx, "幸福路12号3栋"); ok {
		t.Fatal("matched without keys")
	}
	if err := e.App.Registry.FillAddressKeys(ctx); err != nil {
		t.Fatal(err)
	}
	if m, ok, err := e.App.Registry.MatchAddress(ctx, "幸福路12号3栋"); !ok || m.BuildingID != b.ID {
		t.Errorf("after filling: %+v %v %v", m, ok, err)
	}
}

func TestNormaliseAddress(t *testing.T) {
	for in, want := range map[string]string{
		"南昌市东湖区民巷路１号３号楼（演示）": "南昌市东湖区民巷路1号3栋",
		"民巷路一百零五号二单元":        "民巷路105号2单元",
		"A座 0301房":           "a栋301室",
		"XX路1号 3-2-301":      "xx路1号3栋2单元301室",
	} {
		if got := registry.NormaliseAddress(in); got != want {
			t.Errorf("NormaliseAddress(%q) = %q, want %q", in, got, want)
		}
	}
}
