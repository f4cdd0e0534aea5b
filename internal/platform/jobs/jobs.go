// Package jobs runs long work (imports, analyses) in the background of a
// request and lets the page that started it follow its progress. Jobs live
// in memory for an hour after they finish; only the account that started a
// job may see it.
package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sync"
	"time"
)

// Job is one piece of background work.
type Job struct {
	mu       sync.Mutex
	id       string
	owner    int64
	done     int
	total    int
	finished time.Time
	result   any
	err      error
}

// State is a snapshot of a job.
type State struct {
	ID       string
	Done     int
	Total    int
	Finished bool
	Result   any
	Err      error
}

// Percent is the share done, 0–100.
func (s State) Percent() int {
	if s.Total == 0 {
		return 0
	}
	return s.Done * 100 / s.Total
}

// Registry holds the jobs of this process.
type Registry struct {
	mu   sync.Mutex
	jobs map[string]*Job
	keep time.Duration
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{jobs: map[string]*Job{}, keep: time.Hour} }

// Start runs fn in the background for owner and returns the job's id. fn
// reports progress through the function it is given. ctx should outlive
// the request (context.WithoutCancel keeps its values).
func (r *Registry) Start(ctx context.Context, owner int64, fn func(ctx context.Context, progress func(done, total int)) (any, error)) string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	j := &Job{id: hex.EncodeToString(b), owner: owner}
	r.mu.Lock()
	r.gc()
	r.jobs[j.id] = j
	r.mu.Unlock()
	go func() {
		res, err := fn(ctx, func(done, total int) {
			j.mu.Lock()
			j.done, j.total = done, total
			j.mu.Unlock()
		})
		j.mu.Lock()
		j.result, j.err, j.finished = res, err, time.Now()
		j.mu.Unlock()
	}()
	return j.id
}

// Get returns the state of a job of owner.
func (r *Registry) Get(id string, owner int64) (State, bool) {
	r.mu.Lock()
	j, ok := r.jobs[id]
	r.mu.Unlock()
	if !ok || j.owner != owner {
		return State{}, false
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	return State{ID: j.id, Done: j.done, Total: j.total, Finished: !j.finished.IsZero(), Result: j.result, Err: j.err}, true
}

// Wait blocks until the job finishes or ctx ends; tests use it.
func (r *Registry) Wait(ctx context.Context, id string, owner int64) (State, bool) {
	for {
		st, ok := r.Get(id, owner)
		if !ok || st.Finished {
			return st, ok
		}
		select {
		case <-ctx.Done():
			return st, true
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// gc forgets jobs finished longer ago than keep. Callers hold r.mu.
func (r *Registry) gc() {
	for id, j := range r.jobs {
		j.mu.Lock()
		old := !j.finished.IsZero() && time.Since(j.finished) > r.keep
		j.mu.Unlock()
		if old {
			delete(r.jobs, id)
		}
	}
}
