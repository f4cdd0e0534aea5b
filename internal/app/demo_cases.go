package app

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"

	"grassroots/internal/cases"
	"grassroots/internal/platform/authz"
)

// demoCaseTexts are the demo reports: a sub-class and what the resident
// wrote (all invented).
var demoCaseTexts = []struct{ category, text string }{
	{"0101", "楼下垃圾桶满溢，两天没人清运（演示）"}, {"0303", "小区门口路灯不亮，晚上很黑（演示）"},
	{"0302", "人行道井盖松动，踩上去会翻（演示）"}, {"0201", "菜市场外占道经营，堵住消防通道（演示）"},
	{"0701", "楼上夜里装修噪声扰民（演示）"}, {"0802", "楼道里有人给电动车充电（演示）"},
	{"0603", "3 号楼电梯经常停运（演示）"}, {"0501", "台风后行道树倒伏压到围墙（演示）"},
	{"0104", "单元门上小广告贴满了（演示）"}, {"0801", "小区消防通道被私家车堵住（演示）"},
}

// seedDemoCases files demo cases in 滕王阁街道's first community at its
// buildings and moves them along the workflow to every stage, once: a
// database with cases gets none.
func seedDemoCases(ctx context.Context, a *App, out io.Writer) error {
	if n, err := a.Cases.Count(ctx); err != nil || n > 0 {
		return err
	}
	actor := func(name string) (context.Context, error) {
		u, err := a.Accounts.UserByName(ctx, name)
		if err != nil {
			return nil, err
		}
		act, err := a.Accounts.ActorFor(ctx, u)
		if err != nil {
			return nil, err
		}
		return authz.WithActor(ctx, act), nil
	}
	res, err := actor("demo-resident")
	if err != nil {
		return err
	}
	sec, err := actor("demo-secretary")
	if err != nil {
		return err
	}
	grid, err := actor("demo-grid")
	if err != nil {
		return err
	}
	dept, err := actor("demo-dept")
	if err != nil {
		return err
	}
	// In the two grids demo-grid serves, who verifies the handling.
	pts, err := a.DB.QueryContext(ctx, `SELECT lon, lat FROM registry_buildings WHERE region_code >= ? AND region_code < ? AND lon IS NOT NULL ORDER BY id LIMIT 40`,
		demoCommunityA+"001", demoCommunityA+"003")
	if err != nil {
		return err
	}
	var points [][2]float64
	for pts.Next() {
		var p [2]float64
		if err := pts.Scan(&p[0], &p[1]); err != nil {
			pts.Close()
			return err
		}
		points = append(points, p)
	}
	pts.Close()
	if err := pts.Err(); err != nil {
		return err
	}
	cg, err := a.Territory.EnsureDepartment(authz.WithActor(ctx, authz.System("demo")), "东湖区城市管理局"+demoMark, demoDistrict)
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(2026, 11))
	made := 0
	for i, p := range points {
		t := demoCaseTexts[i%len(demoCaseTexts)]
		lon, lat := p[0], p[1]
		in, err := a.Cases.Report(res, cases.ReportInput{Category: t.category, Description: t.text, Lon: &lon, Lat: &lat, ContactPhone: "13900000000"})
		if err != nil {
			return fmt.Errorf("demo case: %w", err)
		}
		made++
		c := in.Case
		steps := []struct {
			ctx context.Context
			m   cases.Move
		}{
			{sec, cases.Move{Action: "accept"}}, {sec, cases.Move{Action: "register"}},
			{sec, cases.Move{Action: "dispatch", UnitKind: cases.UnitDepartment, DeptID: cg.ID}},
			{dept, cases.Move{Action: "handle", Note: "已处置（演示）"}}, {grid, cases.Move{Action: "verify", Pass: ptrTrue()}},
			{sec, cases.Move{Action: "close"}},
		}
		if t.category == "0701" || t.category == "0802" {
			steps[2].m = cases.Move{Action: "dispatch", UnitKind: cases.UnitCommunity}
			steps[3].ctx = sec
		}
		for _, s := range steps[:rng.IntN(len(steps)+1)] {
			s.m.Version = c.Version
			if c, err = a.Cases.Act(s.ctx, c.ID, s.m); err != nil {
				return fmt.Errorf("demo case %s: %w", s.m.Action, err)
			}
		}
		if c.Status == cases.Closed {
			sat := cases.Satisfactions[rng.IntN(len(cases.Satisfactions))]
			if _, err := a.Cases.Rate(res, c.ID, "", cases.RateInput{Resolved: sat != "unsatisfied", Satisfaction: sat}); err != nil {
				return fmt.Errorf("demo rating: %w", err)
			}
		}
	}
	fmt.Fprintf(out, "%d demo cases (演示) at every stage of the workflow.\n", made)
	return nil
}

func ptrTrue() *bool { t := true; return &t }
