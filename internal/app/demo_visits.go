package app

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/workday"
	"grassroots/internal/visits"
)

// demoVisitNotes are what the demo's visitors wrote down (demo text).
var demoVisitNotes = []string{
	"老人身体状况良好，已提醒冬季用电用气安全。" + demoMark,
	"家中暖气不热，已联系物业上门查看。" + demoMark,
	"反映楼道灯不亮，已记录并跟进。" + demoMark,
	"孩子学习情况稳定，监护人按时接送。" + demoMark,
	"宣传了医保缴费和慢病报销政策。" + demoMark,
	"邻里因噪音有矛盾，已当面调解，双方认可。" + demoMark,
}

// seedVisits records visits to the special-care households of demo-grid's
// grids and of demo-worker's community over the last months, so that some
// households are due a visit (visited long ago, or never) and some are
// not, and demo-grid's patrols of its grids. It does nothing when the
// demo subdistrict has visits already.
func seedVisits(ctx context.Context, a *App, out io.Writer) error {
	sys := authz.WithActor(ctx, authz.System("demo"))
	had, err := a.Visits.Visits(sys, authz.All, visits.VisitFilter{Region: demoSubdistrict, Limit: 1})
	if err != nil || had.Total > 0 {
		return err
	}
	r := rand.New(rand.NewPCG(demoSeed, 17))
	y, m, d := a.DB.Now().In(workday.CST).Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	day := func(back int) string { return today.AddDate(0, 0, -back).Format(time.DateOnly) }
	nv, np := 0, 0
	for _, name := range []string{"demo-grid", "demo-worker"} {
		u, err := a.Accounts.UserByName(sys, name)
		if err != nil {
			return fmt.Errorf("demo visits: %w", err)
		}
		actor, err := a.Accounts.ActorFor(sys, u)
		if err != nil {
			return err
		}
		actx := authz.WithActor(ctx, actor)
		due, err := a.Visits.Due(actx, actor.Scope, visits.DueFilter{Limit: 100000})
		if err != nil {
			return fmt.Errorf("demo visits of %s: %w", name, err)
		}
		for i, h := range due.Items {
			var dates []int
			switch i % 3 {
			case 0: // visited lately (some today): not due
				dates = []int{r.IntN(21), 40 + r.IntN(30)}
			case 1: // last visited months ago: due
				dates = []int{35 + r.IntN(60)}
			}
			for _, back := range dates {
				kind := visits.Kinds[r.IntN(len(visits.Kinds)-1)]
				in := visits.VisitInput{HouseholdID: h.HouseholdID, VisitedOn: day(back), Kind: kind, MetWith: "户主" + demoMark,
					Note: demoVisitNotes[r.IntN(len(demoVisitNotes))]}
				if _, err := a.Visits.RecordVisit(actx, in); err != nil {
					return fmt.Errorf("demo visit by %s: %w", name, describe(a, err))
				}
				nv++
			}
		}
		if name != "demo-grid" || len(actor.Scope.Grids) == 0 {
			continue
		}
		for back := 0; back <= 60; back += 3 + r.IntN(3) {
			in := visits.PatrolInput{GridCode: actor.Scope.Grids[r.IntN(len(actor.Scope.Grids))], PatrolledOn: day(back),
				Minutes: 45 + r.IntN(80), Route: "沿街巡查，查看楼道、消防通道和垃圾清运" + demoMark, Problems: r.IntN(3)}
			if _, err := a.Visits.RecordPatrol(actx, in); err != nil {
				return fmt.Errorf("demo patrol: %w", describe(a, err))
			}
			np++
		}
	}
	fmt.Fprintf(out, "%d demo household visits and %d grid patrols over the last months (demo).\n", nv, np)
	return nil
}
