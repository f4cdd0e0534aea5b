package jobs_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"grassroots/internal/platform/db"
	"grassroots/internal/platform/dbtest"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/jobs"
)

type report struct {
	Rows int `json:"rows"`
}

// A job started on one instance is followed from another: its progress,
// its result, its error; other accounts never see it.
func TestJobSeenFromOtherInstance(t *testing.T) {
	ctx := context.Background()
	url := dbtest.URL(t)
	var dbs [2]*db.DB
	for i := range dbs {
		d, err := db.Open(ctx, url, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		dbs[i] = d
	}
	if _, err := dbs[0].Migrate(ctx, []db.Migrations{jobs.Migrations()}); err != nil {
		t.Fatal(err)
	}
	a, b := jobs.NewRegistry(dbs[0]), jobs.NewRegistry(dbs[1])
	step := make(chan struct{})
	id := a.Start(ctx, 7, func(ctx context.Context, progress func(int, int)) (any, error) {
		progress(40, 100)
		<-step
		return report{Rows: 100}, nil
	})
	waitFor(t, func() bool { st, ok := b.Get(id, 7); return ok && st.Done == 40 && st.Total == 100 && !st.Finished })
	if _, ok := b.Get(id, 8); ok {
		t.Error("another account sees the job from the other instance")
	}
	close(step)
	var st jobs.State
	waitFor(t, func() bool { st, _ = b.Get(id, 7); return st.Finished })
	var rep report
	if err := st.Decode(&rep); err != nil || rep.Rows != 100 || st.Err != nil {
		t.Errorf("result on the other instance: %+v %v %v", rep, err, st.Err)
	}
	// On its own instance the result decodes the same way.
	if st, _ := a.Get(id, 7); st.Decode(&rep) != nil || rep.Rows != 100 {
		t.Errorf("result on its own instance: %+v", rep)
	}

	// An error a person can read travels with its fields.
	id = a.Start(ctx, 7, func(context.Context, func(int, int)) (any, error) {
		return nil, errs.Field("file", "rule.csv_header", "a,b")
	})
	waitFor(t, func() bool { st, _ = b.Get(id, 7); return st.Finished })
	if e := errs.As(st.Err); e.Code != errs.Invalid || len(e.Fields) != 1 || e.Fields[0].Rule != "rule.csv_header" {
		t.Errorf("error on the other instance: %v", st.Err)
	}
	id = a.Start(ctx, 7, func(context.Context, func(int, int)) (any, error) { return nil, errors.New("disk full") })
	waitFor(t, func() bool { st, _ = b.Get(id, 7); return st.Finished })
	if errs.CodeOf(st.Err) != errs.Internal {
		t.Errorf("internal error on the other instance: %v", st.Err)
	}
}

// A job whose instance stopped heartbeating is reported as lost, not as
// running forever.
func TestJobLostWithItsInstance(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	d := dbtest.New(t, clock, jobs.Migrations())
	ctx := context.Background()
	if _, err := d.ExecContext(ctx, `INSERT INTO platform_jobs (id, owner, done, total, updated_at) VALUES ('gone', 7, 10, 100, ?)`, now); err != nil {
		t.Fatal(err)
	}
	r := jobs.NewRegistry(d)
	if st, ok := r.Get("gone", 7); !ok || st.Finished || st.Done != 10 {
		t.Fatalf("a recent job: %+v %v", st, ok)
	}
	mu.Lock()
	now = now.Add(2 * time.Minute)
	mu.Unlock()
	st, ok := r.Get("gone", 7)
	if !ok || !st.Finished || errs.As(st.Err).Key != "err.job_lost" {
		t.Errorf("a job without heartbeat: %+v %v", st, ok)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
