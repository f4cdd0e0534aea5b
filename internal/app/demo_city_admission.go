package app

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"grassroots/internal/admission"
	"grassroots/internal/platform/authz"
	"grassroots/internal/territory"
)

// seedCityAdmission generates a year of the gate's work for load work:
// every subdistrict receives, each month, requests of its district's
// departments reaching all its communities, perYear tasks a community in
// the year (the anchor: 300), most listed items, some approved
// off the list; older tasks done, a few declined, this month's open.
// Rows go in by bulk insert with the burden counts; progress goes to out.
func seedCityAdmission(ctx context.Context, a *App, out io.Writer, perYear int) error {
	sys := authz.WithActor(ctx, authz.System("demo"))
	var have int64
	if err := a.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM admission_tasks`).Scan(&have); err != nil || have > 10000 {
		return err
	}
	lists, err := a.Admission.InForce(sys, "", "")
	if err != nil {
		return err
	}
	var items []admission.Item
	for _, l := range lists {
		for _, it := range l.Items {
			if it.Section == "assist" {
				items = append(items, it)
			}
		}
	}
	if len(items) == 0 {
		return fmt.Errorf("no access list in force: run `grassroots demo` first")
	}
	communities, err := a.Territory.UnscopedRegions(sys, territory.RegionFilter{Level: territory.LevelCommunity, Limit: 100000})
	if err != nil {
		return err
	}
	bySub := map[string][]string{}
	var subs []string
	for _, c := range communities {
		s := c.Code[:9]
		if bySub[s] == nil {
			subs = append(subs, s)
		}
		bySub[s] = append(bySub[s], c.Code)
	}
	depts := map[string][]territory.Department{}
	for _, s := range subs {
		d := s[:6]
		if depts[d] != nil {
			continue
		}
		district := mustName(sys, a, d)
		for _, kind := range []string{"民政局", "城市管理局", "卫生健康委员会"} {
			dep, err := a.Territory.EnsureDepartment(sys, district+kind+"（合成）", d)
			if err != nil {
				return err
			}
			depts[d] = append(depts[d], dep)
		}
	}
	r := rand.New(rand.NewPCG(demoSeed, 23))
	now := a.DB.Now()
	perMonth := max(1, perYear/12)
	start := time.Now()
	tasks := 0
	for i, s := range subs {
		var batch []admission.Synthetic
		for back := 11; back >= 0; back-- {
			for k := 0; k < perMonth; k++ {
				at := now.AddDate(0, -back, 0).Add(-time.Duration(r.IntN(27*24)) * time.Hour)
				if at.After(now) {
					at = now
				}
				ds := depts[s[:6]]
				dep := ds[k%len(ds)]
				x := admission.Synthetic{Dept: dep, Target: s, Title: "合成交办事项", At: at, Communities: bySub[s]}
				if r.IntN(10) == 0 {
					x.Kind, x.Hours = "form", 4 // approved off the list
				} else {
					it := items[r.IntN(len(items))]
					x.Item, x.Kind, x.Hours = &it, it.Kind, it.Hours
				}
				for range x.Communities {
					st := admission.TaskDone
					switch {
					case back == 0:
						st = admission.TaskOpen
					case r.IntN(50) == 0:
						st = admission.TaskDeclined
					}
					x.Statuses = append(x.Statuses, st)
				}
				tasks += len(x.Communities)
				batch = append(batch, x)
			}
		}
		if err := a.Admission.UnscopedSynthesize(sys, batch); err != nil {
			return err
		}
		if i%10 == 0 || i == len(subs)-1 {
			fmt.Fprintf(out, "\raccess list: %d/%d subdistricts, %d tasks, %.0f tasks/s", i+1, len(subs), tasks, float64(tasks)/time.Since(start).Seconds())
		}
	}
	fmt.Fprintf(out, "\naccess list: %d tasks over the last year in %s\n", tasks, time.Since(start).Round(time.Second))
	return nil
}
