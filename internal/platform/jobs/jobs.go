// Package jobs runs long work (imports, analyses) in the background of a
// request and lets the page that started it follow its progress. Jobs are
// kept for an hour after they finish; only the account that started a job
// may see it.
//
// A job runs on the instance that started it, but its progress and its
// result are also written to platform_jobs (at most once a second, and
// every 15 seconds as a heartbeat), so that with several instances behind
// a load balancer a progress poll answered by another instance sees the
// job too, and no sticky routing is needed. A job whose heartbeat stopped
// (its instance died; its transaction rolled back with it) is reported as
// lost. On SQLite, whose single writer the import itself holds, the
// progress is written when the import ends; SQLite is served by one
// process, which answers from memory.
package jobs

import (
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"grassroots/internal/platform/db"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/module"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations creates the jobs table.
func Migrations() db.Migrations {
	return db.Migrations{Module: "jobs", FS: module.Sub(migrationFiles, "migrations")}
}

// Manifest registers the jobs table.
func Manifest() module.Manifest {
	m := Migrations()
	return module.Manifest{Name: "jobs", Migrations: &m}
}

// Timing of the shared state: progress is written at most every
// flushEvery, a running job's row at least every heartbeat, and a row not
// written for lostAfter belongs to a job whose instance has gone.
const (
	flushEvery = time.Second
	heartbeat  = 15 * time.Second
	lostAfter  = time.Minute
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
	changed  chan struct{} // wakes the writer of the job's row
}

// State is a snapshot of a job.
type State struct {
	ID       string
	Done     int
	Total    int
	Finished bool
	Result   any // the value the job returned; from another instance, its JSON
	Err      error
}

// Decode fills v with the job's result, whichever instance ran it.
func (s State) Decode(v any) error {
	b, ok := s.Result.(json.RawMessage)
	if !ok {
		var err error
		if b, err = json.Marshal(s.Result); err != nil {
			return fmt.Errorf("jobs: result of %s: %w", s.ID, err)
		}
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("jobs: result of %s: %w", s.ID, err)
	}
	return nil
}

// Percent is the share done, 0–100.
func (s State) Percent() int {
	if s.Total == 0 {
		return 0
	}
	return s.Done * 100 / s.Total
}

// Registry holds the jobs of this process and finds those of the others
// in the database.
type Registry struct {
	mu   sync.Mutex
	jobs map[string]*Job
	keep time.Duration
	db   *db.DB // nil: the jobs of this process only
}

// NewRegistry returns an empty registry over d (nil: memory only).
func NewRegistry(d *db.DB) *Registry {
	return &Registry{jobs: map[string]*Job{}, keep: time.Hour, db: d}
}

// Start runs fn in the background for owner and returns the job's id. fn
// reports progress through the function it is given. ctx should outlive
// the request (context.WithoutCancel keeps its values).
func (r *Registry) Start(ctx context.Context, owner int64, fn func(ctx context.Context, progress func(done, total int)) (any, error)) string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	j := &Job{id: hex.EncodeToString(b), owner: owner, changed: make(chan struct{}, 1)}
	r.mu.Lock()
	r.gc()
	r.jobs[j.id] = j
	r.mu.Unlock()
	if r.db != nil {
		go r.write(context.WithoutCancel(ctx), j)
	}
	go func() {
		res, err := fn(ctx, func(done, total int) {
			j.mu.Lock()
			j.done, j.total = done, total
			j.mu.Unlock()
			j.wake()
		})
		j.mu.Lock()
		j.result, j.err, j.finished = res, err, time.Now()
		j.mu.Unlock()
		j.wake()
	}()
	return j.id
}

// wake tells the writer of the job's row that the job moved on.
func (j *Job) wake() {
	select {
	case j.changed <- struct{}{}:
	default:
	}
}

// insert records a new job; old rows go at the same time.
func (r *Registry) insert(ctx context.Context, j *Job) error {
	return r.db.Tx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `/* jobs.gc */ DELETE FROM platform_jobs WHERE updated_at < ?`, tx.Now().Add(-r.keep)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `/* jobs.insert */ INSERT INTO platform_jobs (id, owner, done, total, updated_at) VALUES (?, ?, 0, 0, ?)`,
			j.id, j.owner, tx.Now())
		return err
	})
}

// write records the job and keeps its row in step: after progress (at
// most every flushEvery), at least every heartbeat, and once more when it
// finishes. It runs beside the job, so that neither the request that
// starts a job nor the job itself waits for these writes (on SQLite they
// wait for the writer an import holds). A job whose row cannot be written
// still runs, seen by its own instance only.
func (r *Registry) write(ctx context.Context, j *Job) {
	if err := r.insert(ctx, j); err != nil {
		return
	}
	beat := time.NewTicker(heartbeat)
	defer beat.Stop()
	failed := 0
	for {
		select {
		case <-j.changed:
		case <-beat.C:
		}
		j.mu.Lock()
		done, total, finished, res, jerr := j.done, j.total, j.finished, j.result, j.err
		j.mu.Unlock()
		var fin, result, stored any
		if !finished.IsZero() {
			fin = r.db.Now()
			if jerr != nil {
				stored = encodeErr(jerr)
			} else if b, err := json.Marshal(res); err == nil {
				result = string(b)
			}
		}
		err := r.db.Tx(ctx, func(tx *db.Tx) error {
			_, err := tx.ExecContext(ctx, `/* jobs.write */ UPDATE platform_jobs SET done = ?, total = ?, finished_at = ?, result = ?, error = ?, updated_at = ?
				WHERE id = ?`, done, total, fin, result, stored, tx.Now(), j.id)
			return err
		})
		if !finished.IsZero() && (err == nil || failed > int(lostAfter/flushEvery)) {
			return // written, or given up: the row will read as lost
		}
		if err != nil {
			failed++
			j.wake() // try again after the pause
		}
		time.Sleep(flushEvery)
	}
}

// storedErr is a job's error as its row keeps it.
type storedErr struct {
	Code    errs.Code         `json:"code"`
	Key     string            `json:"key"`
	Args    []any             `json:"args,omitempty"`
	Fields  []errs.FieldError `json:"fields,omitempty"`
	Message string            `json:"message,omitempty"` // internal errors: for the log, never shown
}

func encodeErr(err error) string {
	e := errs.As(err)
	s := storedErr{Code: e.Code, Key: e.Key, Args: e.Args, Fields: e.Fields}
	if e.Code == errs.Internal {
		s.Message = err.Error()
	}
	b, _ := json.Marshal(s)
	return string(b)
}

func decodeErr(b string) error {
	var s storedErr
	if err := json.Unmarshal([]byte(b), &s); err != nil {
		return fmt.Errorf("jobs: stored error: %w", err)
	}
	e := &errs.Error{Code: s.Code, Key: s.Key, Args: s.Args, Fields: s.Fields}
	if s.Message != "" {
		e.Err = errors.New(s.Message)
	}
	return e
}

// find reads a job of another instance.
func (r *Registry) find(ctx context.Context, id string, owner int64) (State, bool) {
	var o int64
	var st State
	var fin sql.NullTime
	var res, jerr sql.NullString
	var updated time.Time
	err := r.db.QueryRowContext(ctx, `/* jobs.find */ SELECT owner, done, total, finished_at, result, error, updated_at FROM platform_jobs WHERE id = ?`, id).
		Scan(&o, &st.Done, &st.Total, &fin, &res, &jerr, &updated)
	if err != nil || o != owner {
		return State{}, false
	}
	st.ID, st.Finished = id, fin.Valid
	switch {
	case jerr.Valid:
		st.Err = decodeErr(jerr.String)
	case res.Valid:
		st.Result = json.RawMessage(res.String)
	case !fin.Valid && r.db.Now().Sub(updated) > lostAfter:
		st.Finished, st.Err = true, errs.E(errs.Unavailable, "err.job_lost")
	}
	return st, true
}

// Get returns the state of a job of owner, run by this instance or, when
// the registry has a database, by another.
func (r *Registry) Get(id string, owner int64) (State, bool) {
	r.mu.Lock()
	j, ok := r.jobs[id]
	r.mu.Unlock()
	if !ok && r.db != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return r.find(ctx, id, owner)
	}
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
