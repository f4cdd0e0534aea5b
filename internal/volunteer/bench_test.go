package volunteer_test

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"grassroots/internal/apptest"
	"grassroots/internal/platform/authz"
	"grassroots/internal/volunteer"
)

// BenchmarkCheckIn is a large event: members checking in at once, each
// a verified scan of the code shown now stored with its audit record, by
// as many goroutines as GOMAXPROCS×4. It reports check-ins a second and
// the 99th percentile of one check-in's time (the issue asks under 5 ms,
// and at least 500 a second on SQLite).
func BenchmarkCheckIn(b *testing.B) {
	e := apptest.New(b)
	a := organise(b, e, "万人签到")
	svc := e.App.Volunteer
	ctx := context.Background()
	var next atomic.Int64
	var mu sync.Mutex
	var took []time.Duration
	lat, lon := venueLat+0.0003, venueLon
	b.SetParallelism(4)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		for pb.Next() {
			id := next.Add(1)
			actor := &authz.Actor{UserID: 1_000_000 + id, DisplayName: "党员", Role: authz.RolePartyMember, Scope: authz.Scope{Region: apptest.CommunityA}}
			c, err := svc.CurrentCode(ctx, authz.All, a.ID)
			if err != nil {
				b.Fatal(err)
			}
			t0 := time.Now()
			if _, err := svc.Scan(authz.WithActor(ctx, actor), actor, volunteer.CheckInInput{Code: c.Code, Lat: &lat, Lon: &lon, Accuracy: 10, Device: "d"}); err != nil {
				b.Fatal(err)
			}
			mine = append(mine, time.Since(t0))
		}
		mu.Lock()
		took = append(took, mine...)
		mu.Unlock()
	})
	elapsed := time.Since(start)
	b.StopTimer()
	slices.Sort(took)
	b.ReportMetric(float64(len(took))/elapsed.Seconds(), "checkins/s")
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
}
