package registry_test

import (
	"testing"

	"grassroots/internal/apptest"
	"grassroots/internal/registry"
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
