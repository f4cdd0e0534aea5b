package app

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"grassroots/internal/platform/geo"
	"grassroots/internal/platform/pii"
	"grassroots/internal/registry"
	"grassroots/internal/territory"
)

// Synthetic population for the demo's subdistricts: per grid a few
// buildings of six floors (three in the tests' token areas), two units
// and two flats a floor; households of one to five people with
// valid-format ID numbers (GB 11643 check digits), mainland phone numbers
// and special-care tags at plausible rates. No real person is described.
// Deterministic from demoSeed.

const (
	demoFloors        = 6
	demoUnits         = 2
	demoFlatsPerFloor = 2
)

var (
	demoSurnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
	demoGiven    = []rune("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国建华志强海燕红梅小红玉兰淑珍文博子涵浩然欣怡梓轩一诺雨桐思远嘉怡俊杰晨曦")
)

func demoName(r *rand.Rand) string {
	n := 1 + r.IntN(2)
	var b strings.Builder
	b.WriteRune(demoSurnames[r.IntN(len(demoSurnames))])
	for range n {
		b.WriteRune(demoGiven[r.IntN(len(demoGiven))])
	}
	return b.String()
}

// demoID makes a valid-format ID number issued in division prefix for a
// birth date, unused so far.
func demoID(r *rand.Rand, used map[string]bool, prefix string, birth time.Time, male bool) string {
	for {
		seq := r.IntN(500) * 2
		if male {
			seq++
		}
		first := fmt.Sprintf("%s%s%03d", prefix, birth.Format("20060102"), seq)
		if id := first + string(pii.IDCheckChar(first)); !used[id] {
			used[id] = true
			return id
		}
	}
}

func demoPhone(r *rand.Rand) string {
	return fmt.Sprintf("1%d%09d", 3+r.IntN(7), r.IntN(1_000_000_000))
}

// demoRedProperty is the property company of the demo's compounds, and
// demoProperty the one of the two compounds where demo-property works:
// the cases of their estates are dispatched to it by name.
const (
	demoRedProperty = "红色物业服务有限公司（演示）"
	demoProperty    = "演示物业服务有限公司"
)

// seedDemoPeople fills every grid of the areas that have no buildings
// yet with buildings, households and residents, and imports the
// households and people of them all at once (an import has a cost of its
// own beside its rows). It returns the people created (0 on a second run).
func seedDemoPeople(ctx context.Context, a *App, areas []demoArea) (int, error) {
	var households []registry.HouseholdInput
	rows := [][]string{registry.PeopleHeader}
	for _, ar := range areas {
		hs, ps, err := demoAreaPeople(ctx, a, ar)
		if err != nil {
			return 0, err
		}
		households, rows = append(households, hs...), append(rows, ps...)
	}
	if len(households) == 0 {
		return 0, nil
	}
	if _, err := a.Registry.ImportHouseholds(ctx, households); err != nil {
		return 0, fmt.Errorf("households: %w", describe(a, err))
	}
	rep, err := a.Registry.ImportPeople(ctx, rows, registry.ImportOptions{})
	if err != nil {
		return 0, fmt.Errorf("people: %w", describe(a, err))
	}
	if !rep.Committed {
		return 0, fmt.Errorf("people: %d bad rows, first %+v", len(rep.Errors), rep.Errors[0])
	}
	return rep.Created, nil
}

// demoAreaPeople makes the compounds and buildings of the area's grids
// and returns their households and people (rows of the people import,
// without the header) to import; none when the area has buildings.
func demoAreaPeople(ctx context.Context, a *App, ar demoArea) ([]registry.HouseholdInput, [][]string, error) {
	grids, err := a.Territory.Grids(ctx, territory.GridFilter{Region: ar.code})
	if err != nil {
		return nil, nil, err
	}
	existing, err := a.Registry.Buildings(ctx, ar.code, 0, 1)
	if err != nil || len(existing) > 0 || len(grids) == 0 {
		return nil, nil, err
	}
	r := ar.rng(2)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var households []registry.HouseholdInput
	var rows [][]string
	used := map[string]bool{}
	compounds := map[string]int64{}
	for _, g := range grids {
		community := strings.TrimSuffix(trimCommittee(mustName(ctx, a, g.CommunityCode)), "社区")
		if compounds[g.CommunityCode] == 0 {
			property := ar.property
			if g.CommunityCode == demoCommunityA || g.CommunityCode == demoCommunityB {
				property = demoProperty
			}
			c, err := a.Registry.CreateCompound(ctx, registry.CompoundInput{RegionCode: g.CommunityCode, Name: community + "小区（演示）",
				Address: "南昌市" + ar.district + streetOf(community) + "（演示）", PropertyCompany: property})
			if err != nil {
				return nil, nil, fmt.Errorf("compound: %w", describe(a, err))
			}
			compounds[g.CommunityCode] = c.ID
		}
		gp, err := geo.ParsePolygon(g.Geometry)
		if err != nil {
			return nil, nil, err
		}
		cx, cy := gp.Centroid()
		for bi := 0; bi < ar.buildings; bi++ {
			addr := fmt.Sprintf("南昌市%s%s%s号%d栋（演示）", ar.district, streetOf(community), strings.TrimLeft(g.Code[12:], "0"), bi+1)
			// A 20 m × 12 m footprint in a row around the grid's centre.
			x0, y0 := cx+float64(bi%4-2)*0.0003, cy+float64(bi/4-1)*0.0002
			b, err := a.Registry.CreateBuilding(ctx, registry.BuildingInput{RegionCode: g.Code, CompoundID: compounds[g.CommunityCode],
				Name: fmt.Sprintf("%d栋", bi+1), Address: addr, Floors: ar.floors, Units: demoUnits,
				Footprint: rectGeoJSON(x0, y0, x0+0.0002, y0+0.00011)})
			if err != nil {
				return nil, nil, fmt.Errorf("building %s: %w", addr, describe(a, err))
			}
			for u := 1; u <= demoUnits; u++ {
				for f := 1; f <= ar.floors; f++ {
					for flat := 1; flat <= demoFlatsPerFloor; flat++ {
						room := fmt.Sprintf("%d单元%d%02d室", u, f, flat)
						use := registry.SelfOccupied
						switch x := r.IntN(100); {
						case x < 8:
							households = append(households, registry.HouseholdInput{BuildingID: b.ID, Room: room, Address: addr + room, RegionCode: g.Code, HouseUse: registry.Vacant})
							continue
						case x < 28:
							use = registry.Rented
						}
						households = append(households, registry.HouseholdInput{BuildingID: b.ID, Room: room, Address: addr + room, RegionCode: g.Code, HouseUse: use})
						rows = append(rows, demoFamilyIn(r, used, ar.idPrefix, now, addr+room, g.Code, use)...)
					}
				}
			}
		}
	}
	return households, rows, nil
}

func mustName(ctx context.Context, a *App, code string) string {
	r, err := a.Territory.ContainsRegion(ctx, code)
	if err != nil {
		return code
	}
	return r.Name
}

// demoFamily makes the rows of one household: a head, maybe a spouse,
// children or a parent, with ID numbers issued in 东湖区.
func demoFamily(r *rand.Rand, used map[string]bool, now time.Time, addr, grid string, use registry.HouseUse) [][]string {
	return demoFamilyIn(r, used, demoDistrict, now, addr, grid, use)
}

// demoFamilyIn is demoFamily with ID numbers issued in division prefix.
func demoFamilyIn(r *rand.Rand, used map[string]bool, prefix string, now time.Time, addr, grid string, use registry.HouseUse) [][]string {
	residence := "户籍"
	if use == registry.Rented {
		residence = "流动"
	} else if r.IntN(10) == 0 {
		residence = "常住"
	}
	headAge := 25 + r.IntN(60)
	size := 1 + r.IntN(4)
	if headAge > 75 && r.IntN(2) == 0 {
		size = 1
	}
	person := func(age int, male bool, relation string) []string {
		birth := now.AddDate(-age, -r.IntN(12), -r.IntN(28))
		phone := ""
		if age >= 16 {
			phone = demoPhone(r)
		}
		var tags []string
		if age >= 70 && size == 1 {
			tags = append(tags, "独居老人")
		}
		if r.IntN(60) == 0 {
			tags = append(tags, "残疾人")
		}
		if r.IntN(40) == 0 {
			tags = append(tags, "低保")
		}
		if male && age >= 30 && r.IntN(25) == 0 {
			tags = append(tags, "退役军人")
		}
		if age >= 25 && r.IntN(12) == 0 {
			tags = append(tags, "党员")
		}
		return []string{demoName(r) + "（演示）", demoID(r, used, prefix, birth, male), phone, relation, residence, strings.Join(tags, "、"), addr, grid, ""}
	}
	male := r.IntN(2) == 0
	out := [][]string{person(headAge, male, "户主")}
	if size >= 2 {
		out = append(out, person(headAge-3+r.IntN(6), !male, "配偶"))
	}
	for i := 2; i < size; i++ {
		if headAge > 55 && i == 2 {
			out = append(out, person(headAge-28+r.IntN(6), r.IntN(2) == 0, "子女"))
			continue
		}
		out = append(out, person(max(1, headAge-24-r.IntN(10)), r.IntN(2) == 0, "子女"))
	}
	return out
}

// streetOf is the demo street named after a community: 民巷 → 民巷路, but
// 章江路 stays 章江路 (never 章江路路).
func streetOf(community string) string {
	for _, s := range []string{"路", "街", "巷", "道", "大道"} {
		if strings.HasSuffix(community, s) {
			return community
		}
	}
	return community + "路"
}
