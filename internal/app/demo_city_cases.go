package app

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"grassroots/internal/cases"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/workday"
	"grassroots/internal/territory"
)

// caseCols are the columns seedCityCases fills.
var cityCaseCols = []string{"channel", "status", "category", "catalogue_version", "urgency", "description", "address", "lon", "lat",
	"region_code", "sub_code", "com_code", "dept_id", "unit_kind", "unit_name", "reporter_name", "anonymous", "step", "step_started_at", "step_warn_at",
	"step_due_at", "respond_due_at", "acknowledged_at", "handle_due_at", "handled_at", "closed_at", "rework", "resolved",
	"satisfaction", "rated_at", "version", "created_at", "updated_at"}

// seedCityCases generates n synthetic cases (合成) over the last year in
// every community of the city, six grids each as `demo -city` makes them,
// at the stages a year of a large city shows: old cases finished, the
// last weeks' cases at every step, some overdue. Rows go in by bulk
// insert with the count tables; progress goes to out.
func seedCityCases(ctx context.Context, a *App, out io.Writer, n int) error {
	if have, err := a.Cases.Count(ctx); err != nil || have >= int64(n) {
		return err
	}
	communities, err := a.Territory.Regions(ctx, territory.RegionFilter{Level: territory.LevelCommunity, Limit: 100000})
	if err != nil {
		return err
	}
	cat, err := a.Cases.Catalogue(ctx, 0)
	if err != nil {
		return err
	}
	subs := cat.Subs("")
	depts := map[string][2]territory.Department{} // district → 城管, 住建
	for _, c := range communities {
		d := c.Code[:6]
		if _, ok := depts[d]; ok {
			continue
		}
		var ids [2]territory.Department
		district := mustName(ctx, a, d) // 东湖区城市管理局（合成）: a name, never a code
		for i, kind := range []string{"城市管理局", "住房和城乡建设局"} {
			dep, err := a.Territory.EnsureDepartment(ctx, district+kind+"（合成）", d)
			if err != nil {
				return err
			}
			ids[i] = dep
		}
		depts[d] = ids
	}
	r := rand.New(rand.NewPCG(demoSeed, 11))
	now := a.DB.Now()
	start := now.AddDate(-1, 0, 0)
	const cols, w, h = 48, 0.012, 0.009
	counts := map[[2]string]int64{}
	months := map[[3]string]int64{}
	sats := []string{"very_satisfied", "satisfied", "satisfied", "satisfied", "basic", "basic", "unsatisfied"}
	t0 := time.Now()
	const batch = 10000
	for done := 0; done < n; {
		rows := make([][]any, 0, batch)
		for len(rows) < batch && done+len(rows) < n {
			ci := r.IntN(len(communities))
			c := communities[ci]
			g := 1 + r.IntN(6)
			grid := fmt.Sprintf("%s%03d", c.Code, g)
			x0, y0 := 115.55+float64(ci%cols)*w, 28.35+float64(ci/cols)*h
			lon, lat := x0+r.Float64()*w, y0+r.Float64()*h
			cg := subs[r.IntN(len(subs))]
			created := start.Add(time.Duration(r.Int64N(int64(now.Sub(start))))).Truncate(time.Second)
			age := now.Sub(created)
			status := cases.Closed
			if age > 20*24*time.Hour {
				switch x := r.IntN(100); {
				case x < 5:
					status = cases.Rejected
				case x < 8:
					status = cases.Merged
				}
			} else {
				pick := []cases.Status{cases.Submitted, cases.Accepted, cases.Registered, cases.Dispatched, cases.Dispatched, cases.Dispatched,
					cases.Dispatched, cases.Handled, cases.Handled, cases.Verified, cases.Closed, cases.Closed, cases.Closed, cases.Closed}
				status = pick[r.IntN(len(pick))]
			}
			var deptID any
			unitKind, unitName := "", ""
			staged := status != cases.Submitted && status != cases.Accepted && status != cases.Registered && status != cases.Rejected && status != cases.Merged
			if staged {
				switch x := r.IntN(100); {
				case x < 60:
					dep := depts[c.Code[:6]][r.IntN(2)]
					deptID, unitKind, unitName = dep.ID, cases.UnitDepartment, dep.Name
				case x < 95:
					unitKind, unitName = cases.UnitCommunity, c.Code
				default:
					unitKind, unitName = cases.UnitProperty, fmt.Sprintf("%s物业（合成）", trimCommittee(c.Name))
				}
			}
			var respondDue, ack, handleDue, handled, closed, warn, due, rated any
			var resolved any
			satisfaction := ""
			rework := 0
			if staged {
				respondDue = created.Add(2 * time.Hour)
				ack = created.Add(time.Duration(r.IntN(240)) * time.Minute)
				handleDue = created.Add(72 * time.Hour)
			}
			if status == cases.Handled || status == cases.Verified || status == cases.Closed {
				handled = created.Add(time.Duration(r.IntN(5*24)) * time.Hour)
				if r.IntN(20) == 0 {
					rework = 1
				}
			}
			switch status {
			case cases.Closed:
				closed = created.Add(6 * 24 * time.Hour)
				if r.IntN(5) > 0 {
					satisfaction = sats[r.IntN(len(sats))]
					resolved = satisfaction != "unsatisfied" || r.IntN(2) == 0
					rated = created.Add(7 * 24 * time.Hour)
				}
			case cases.Rejected, cases.Merged:
				closed = created.Add(time.Hour)
			default:
				d := created.Add(72 * time.Hour)
				due, warn = d, d.Add(-18*time.Hour)
			}
			rows = append(rows, []any{"hotline", status, cg.Code, cat.Version, cg.Urgency, "合成案件：" + cg.Name, "南昌市" + trimCommittee(c.Name) + "（合成）",
				lon, lat, grid, grid[:9], grid[:12], deptID, unitKind, unitName, "", false, 1, created, warn, due, respondDue, ack, handleDue, handled, closed,
				rework, resolved, satisfaction, rated, 1, created, created})
			counts[[2]string{grid, string(status)}]++
			months[[3]string{created.In(workday.CST).Format("2006-01"), c.Code, cg.Code[:2]}]++
		}
		err := a.DB.Tx(ctx, func(tx *db.Tx) error { return tx.InsertRows(ctx, "cases", cityCaseCols, rows, 100) })
		if err != nil {
			return err
		}
		done += len(rows)
		fmt.Fprintf(out, "\rcases: %d/%d, %.0f cases/s", done, n, float64(done)/time.Since(t0).Seconds())
	}
	err = a.DB.Tx(ctx, func(tx *db.Tx) error {
		for k, v := range counts {
			if err := cases.AddCount(ctx, tx, k[0], cases.Status(k[1]), int(v)); err != nil {
				return err
			}
		}
		for k, v := range months {
			if err := cases.AddMonth(ctx, tx, k[0], k[1], k[2], int(v)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\ncases: %d synthetic cases in %s\n", n, time.Since(t0).Round(time.Second))
	return nil
}
