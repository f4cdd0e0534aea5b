package app

import (
	"fmt"
	"testing"
	"time"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/db"
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
	sec, err := e.app.Accounts.UserByName(tCtx, "demo-secretary")
	if err != nil {
		b.Fatal(err)
	}
	ctx := authz.WithActor(tCtx, e.actorOf(sec))
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
	rate := float64(rows) / took.Seconds()
	// The anchor, in the same run: the same number of rows of the same
	// width (17 text columns, as registry_people gets), inserted the way the
	// import writes them (multi-row INSERTs of 100 in one transaction),
	// without validation, sealing or households.
	if _, err := e.app.DB.ExecContext(tCtx, `CREATE TABLE bench_people_bare (c1 TEXT, c2 TEXT, c3 TEXT, c4 TEXT, c5 TEXT, c6 TEXT, c7 TEXT,
		c8 TEXT, c9 TEXT, c10 TEXT, c11 TEXT, c12 TEXT, c13 TEXT, c14 TEXT, c15 TEXT, c16 TEXT, c17 TEXT)`); err != nil {
		b.Fatal(err)
	}
	cols := []string{"c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9", "c10", "c11", "c12", "c13", "c14", "c15", "c16", "c17"}
	var bareTook time.Duration
	for r := 0; r < run; r++ {
		batch := make([][]any, n)
		for i := range batch {
			row := make([]any, len(cols))
			for j := range row {
				row[j] = fmt.Sprintf("v%d-%d-%d", r, i, j)
			}
			batch[i] = row
		}
		t0 := time.Now()
		if err := e.app.DB.Tx(tCtx, func(tx *db.Tx) error { return tx.InsertRows(tCtx, "bench_people_bare", cols, batch, 100) }); err != nil {
			b.Fatal(err)
		}
		bareTook += time.Since(t0)
	}
	bare := float64(rows) / bareTook.Seconds()
	b.ReportMetric(rate, "rows/s")
	b.ReportMetric(bare, "bare-rows/s")
	b.ReportMetric(rate/bare, "ratio")
}
