package app

import (
	"context"
	"fmt"
	"io"
	"time"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/workday"
	"grassroots/internal/volunteer"
)

// seedVolunteer publishes 民巷社区's service activities of the coming
// days (a safety patrol at the square, with its point and fence, and a
// policy talk), for the demo member to check in to. Once only.
func seedVolunteer(ctx context.Context, a *App, out io.Writer) error {
	sys := authz.WithActor(ctx, authz.System("demo"))
	had, err := a.Volunteer.Activities(sys, authz.All, false, 0, 1)
	if err != nil || *had.Total > 0 {
		return err
	}
	now := a.DB.Now().In(workday.CST)
	at := func(days, hour int) string {
		d := time.Date(now.Year(), now.Month(), now.Day()+days, hour, 0, 0, 0, workday.CST)
		return d.Format("2006-01-02T15:04")
	}
	lat, lon := 28.6829, 115.8575 // 民巷社区 (demo)
	for _, in := range []volunteer.ActivityInput{
		{Community: demoCommunityA, Title: "平安巡逻" + demoMark, Category: "safety", Place: "民巷社区广场", Lat: &lat, Lon: &lon, Radius: 200,
			StartsAt: at(0, 19), EndsAt: at(0, 21), Capacity: 20, MinStay: 60},
		{Community: demoCommunityA, Title: "惠民政策宣讲" + demoMark, Category: "governance", Place: "民巷社区党群服务中心", Lat: &lat, Lon: &lon, Radius: 150,
			StartsAt: at(2, 9), EndsAt: at(2, 11), Capacity: 40, MinStay: 45},
	} {
		if _, err := a.Volunteer.CreateActivity(sys, authz.All, in); err != nil {
			return fmt.Errorf("demo activity %s: %w", in.Title, describe(a, err))
		}
	}
	fmt.Fprintln(out, "demo: 2 service activities of 民巷社区")
	return nil
}
