package app

import (
	"fmt"
	"testing"
	"time"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/pii"
	"grassroots/internal/registry"
)

// BenchmarkImportPeople measures the people import end to end — parsing
// nothing, but validating every ID number, sealing ID numbers and phones,
// hashing them for search, finding or creating households, and writing in
// one transaction — on the database the tests run on.
//
//	go test ./internal/app -run '^$' -bench ImportPeople -benchtime 3x
//	TEST_POSTGRES_DSN=postgres://… go test ./internal/app -run '^$' -bench ImportPeople -benchtime 3x
func BenchmarkImportPeople(b *testing.B) {
	e := newEnv(b)
	ctx := authz.WithActor(tCtx, &authz.Actor{Username: "bench", Role: authz.RoleCommunitySecretary, Scope: authz.Scope{Region: "360102002001"}})
	const n = 50000
	start := time.Date(1940, 1, 1, 0, 0, 0, 0, time.UTC)
	run := 0
	var rows int
	var took time.Duration
	for b.Loop() {
		run++
		data := [][]string{registry.PeopleHeader}
		for i := 0; i < n; i++ {
			birth := start.AddDate(0, 0, (run*n+i)/500)
			first := fmt.Sprintf("360103%s%03d", birth.Format("20060102"), (run*n+i)%500*2) // 西湖区 codes: the demo uses 东湖区
			id := first + string(pii.IDCheckChar(first))
			data = append(data, []string{fmt.Sprintf("基准%d", i), id, fmt.Sprintf("139%08d", i), "户主", "户籍", "",
				fmt.Sprintf("基准路%d号%d室", run, i/3), demoGridA, "自住"})
		}
		t0 := time.Now()
		rep, err := e.app.Registry.ImportPeople(ctx, data, registry.ImportOptions{})
		took += time.Since(t0)
		if err != nil || !rep.Committed || rep.Created != n {
			b.Fatalf("import: %v created %d updated %d unchanged %d committed %v %+v", err, rep.Created, rep.Updated, rep.Unchanged, rep.Committed, rep.Errors[:min(3, len(rep.Errors))])
		}
		rows += n
	}
	b.ReportMetric(float64(rows)/took.Seconds(), "rows/s")
}
