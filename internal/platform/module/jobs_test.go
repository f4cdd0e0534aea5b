package module_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/dbtest"
	"grassroots/internal/platform/module"
)

// Two instances run a cluster job: one of them each round, and the other
// takes over when the first stops; a job of every instance runs on both.
func TestClusterJob(t *testing.T) {
	ctx := context.Background()
	url := dbtest.URL(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	var runs [2]int
	var actors []string
	var runners [2]*module.Runner
	for i := range runners {
		d, err := db.Open(ctx, url, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		runners[i] = &module.Runner{DB: d, Log: log, Job: module.Job{Name: "test.sweep", Every: time.Minute, Cluster: true,
			Run: func(ctx context.Context) error {
				runs[i]++
				actors = append(actors, authz.ActorFrom(ctx).Username)
				return nil
			}}}
	}
	t.Cleanup(func() { runners[0].Stop(); runners[1].Stop() })
	for range 5 {
		a, b := runners[0].Tick(ctx), runners[1].Tick(ctx)
		if a == b {
			t.Fatalf("one round ran on both or neither: %v %v", a, b)
		}
	}
	if runs[0]+runs[1] != 5 || (runs[0] != 0 && runs[1] != 0) {
		t.Fatalf("runs %v: the job must stay on one instance", runs)
	}
	leader := 0
	if runs[1] > 0 {
		leader = 1
	}
	runners[leader].Stop() // the instance shuts down
	if !runners[1-leader].Tick(ctx) {
		t.Fatal("the other instance did not take the job over")
	}
	if runners[leader].Tick(ctx) {
		t.Error("the stopped instance took the job back while the other holds it")
	}
	if actors[0] != "system:test.sweep" {
		t.Errorf("the job ran as %q", actors[0])
	}

	// A job of every instance ignores the lock.
	n := 0
	every := module.Runner{DB: runners[0].DB, Log: log, Job: module.Job{Name: "test.poll", Every: time.Second, Run: func(context.Context) error { n++; return nil }}}
	other := module.Runner{DB: runners[1].DB, Log: log, Job: every.Job}
	if !every.Tick(ctx) || !other.Tick(ctx) || n != 2 {
		t.Errorf("a job of every instance ran %d times on two", n)
	}
}

// RunJobs runs each job at once and stops with its context.
func TestRunJobs(t *testing.T) {
	d := dbtest.New(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan string, 10)
	done := make(chan struct{})
	go func() {
		module.RunJobs(ctx, d, slog.New(slog.NewTextHandler(io.Discard, nil)), []module.Job{
			{Name: "a", Every: time.Hour, Cluster: true, Run: func(context.Context) error { ran <- "a"; return nil }},
			{Name: "b", Every: time.Hour, Run: func(context.Context) error { ran <- "b"; return nil }},
		})
		close(done)
	}()
	got := map[string]bool{}
	for len(got) < 2 {
		select {
		case j := <-ran:
			got[j] = true
		case <-time.After(10 * time.Second):
			t.Fatalf("jobs run: %v", got)
		}
	}
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("RunJobs did not stop with its context")
	}
	// Its lock went with it.
	l, err := d.TryLock(context.Background(), "job:a")
	if err != nil || l == nil {
		t.Fatalf("the lock of a stopped job is still held: %v", err)
	}
	l.Release()
}
