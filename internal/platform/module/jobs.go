package module

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/db"
)

// Job is a periodic task of a module.
type Job struct {
	// Name names the job in logs, in its system actor (authz.System) and
	// in its cluster-wide lock.
	Name  string
	Every time.Duration
	// Cluster runs the job on one instance of the cluster, not on each:
	// the instance that holds the job's lock (db.TryLock) runs it every
	// period, and the others try for the lock each period, so that
	// another takes over within a period when that instance stops.
	Cluster bool
	// Run does one round. It runs as authz.System(Name).
	Run func(ctx context.Context) error
}

// RunJobs runs every job, each at once and then every period, until ctx
// ends; it returns when the last has stopped.
func RunJobs(ctx context.Context, d *db.DB, log *slog.Logger, jobs []Job) {
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := &Runner{Job: j, DB: d, Log: log}
			defer r.Stop()
			t := time.NewTicker(j.Every)
			defer t.Stop()
			for {
				r.Tick(ctx)
				select {
				case <-ctx.Done():
					return
				case <-t.C:
				}
			}
		}()
	}
	wg.Wait()
}

// Runner runs one job round by round; RunJobs drives one per job, tests
// drive it by hand.
type Runner struct {
	Job Job
	DB  *db.DB
	Log *slog.Logger
	// lock is the cluster-wide lock this instance holds for the job.
	lock *db.Lock
}

// Tick runs one round if this instance is to run the job, and reports
// whether it did. A failure is logged; the next round runs as usual.
func (r *Runner) Tick(ctx context.Context) bool {
	j := r.Job
	if j.Cluster {
		if r.lock != nil && !r.lock.Held(ctx) {
			r.Log.WarnContext(ctx, "lost the cluster lock of a job", "job", j.Name)
			r.lock.Release()
			r.lock = nil
		}
		if r.lock == nil {
			l, err := r.DB.TryLock(ctx, "job:"+j.Name)
			if err != nil {
				if ctx.Err() == nil {
					r.Log.ErrorContext(ctx, "job lock failed", "job", j.Name, "err", err)
				}
				return false
			}
			if l == nil {
				return false // another instance runs it
			}
			r.lock = l
			r.Log.InfoContext(ctx, "this instance runs a cluster job", "job", j.Name)
		}
	}
	t0 := time.Now()
	if err := j.Run(authz.WithActor(ctx, authz.System(j.Name))); err != nil && ctx.Err() == nil {
		r.Log.ErrorContext(ctx, "job failed", "job", j.Name, "err", err, "took", time.Since(t0).Round(time.Millisecond).String())
	}
	return true
}

// Stop releases the job's cluster lock, so that another instance takes
// the job over at its next round.
func (r *Runner) Stop() {
	if r.lock != nil {
		r.lock.Release()
		r.lock = nil
	}
}
