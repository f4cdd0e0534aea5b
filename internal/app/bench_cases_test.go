package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkCaseIntake measures case intake over real HTTP — token
// authentication, routing, validation, point → grid, the duplicate check,
// the case, its first event, the count tables and the audit record in one
// transaction — with 8 clients pushing 12345 work orders at once, and a
// bare single-row insert (one row per commit, same 8 writers) in the same
// run for the ratio.
//
//	go test ./internal/app -run '^$' -bench CaseIntake -benchtime 5000x
//	TEST_POSTGRES_DSN=postgres://… go test ./internal/app -run '^$' -bench CaseIntake -benchtime 5000x
func BenchmarkCaseIntake(b *testing.B) {
	e := newEnv(b)
	// Points spread over the subdistrict's grids, as reports are.
	var lo0, la0, lo1, la1 float64
	if err := e.app.DB.QueryRowContext(context.Background(), `SELECT MIN(lon), MIN(lat), MAX(lon), MAX(lat) FROM registry_buildings`).Scan(&lo0, &la0, &lo1, &la1); err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(4, 2))
	var points [][2]float64
	for len(points) < 2000 {
		p := [2]float64{lo0 + rng.Float64()*(lo1-lo0), la0 + rng.Float64()*(la1-la0)}
		if _, ok := e.app.Territory.LocateGrid(p[0], p[1]); ok {
			points = append(points, p)
		}
	}
	const clients = 8
	ctx := context.Background()
	if _, err := e.app.DB.ExecContext(ctx, `CREATE TABLE bench_bare (id BIGINT PRIMARY KEY, note TEXT NOT NULL, at TEXT NOT NULL)`); err != nil {
		b.Fatal(err)
	}
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	var seq atomic.Int64
	post := func() (time.Duration, error) {
		i := seq.Add(1)
		body, _ := json.Marshal(map[string]any{"category": []string{"0101", "0303", "0201", "0701"}[i%4], "description": fmt.Sprintf("基准工单 %d 的问题描述", i),
			"lon": points[i%int64(len(points))][0], "lat": points[i%int64(len(points))][1], "external_id": fmt.Sprintf("B%d", i), "contact_phone": "13800001111"})
		req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/hotline/cases", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+e.token)
		t0 := time.Now()
		res, err := hc.Do(req)
		d := time.Since(t0)
		if err != nil {
			return d, err
		}
		res.Body.Close()
		if res.StatusCode != http.StatusCreated {
			return d, fmt.Errorf("status %d", res.StatusCode)
		}
		return d, nil
	}
	var bareID atomic.Int64
	bare := func() (time.Duration, error) {
		t0 := time.Now()
		_, err := e.app.DB.ExecContext(ctx, `INSERT INTO bench_bare (id, note, at) VALUES (?, ?, ?)`, bareID.Add(1), "x", time.Now().String())
		return time.Since(t0), err
	}
	run := func(n int, op func() (time.Duration, error)) (float64, []time.Duration) {
		var mu sync.Mutex
		var lat []time.Duration
		var wg sync.WaitGroup
		jobs := make(chan struct{})
		start := time.Now()
		for w := 0; w < clients; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range jobs {
					d, err := op()
					if err != nil {
						b.Error(err)
						return
					}
					mu.Lock()
					lat = append(lat, d)
					mu.Unlock()
				}
			}()
		}
		for i := 0; i < n; i++ {
			jobs <- struct{}{}
		}
		close(jobs)
		wg.Wait()
		slices.Sort(lat)
		return float64(n) / time.Since(start).Seconds(), lat
	}
	p := func(lat []time.Duration, q float64) float64 {
		return float64(lat[min(len(lat)-1, int(q*float64(len(lat))))].Microseconds()) / 1000
	}
	n := b.N
	b.ResetTimer()
	rate, ls := run(n, post)
	b.StopTimer()
	bareRate, _ := run(n, bare)
	b.ReportMetric(rate, "cases/s")
	b.ReportMetric(p(ls, .5), "p50-ms")
	b.ReportMetric(p(ls, .99), "p99-ms")
	b.ReportMetric(bareRate, "bare-inserts/s")
	b.ReportMetric(rate/bareRate, "ratio")
}
