// Package change is the change feed that keeps several instances on one
// database in step: what an instance holds in memory (the point → grid
// index, the case catalogue and settings, the working-day calendar, the
// report memos) is rebuilt on every instance after a write on any of
// them.
//
// A write touches a topic in its own transaction (Touch): just before the
// commit the transaction adds one to the topic's version in
// platform_changes, so the announcement commits or rolls back with the
// write. Every instance polls the versions (one small query a second by
// default) and, for each topic whose version moved, runs the reloads the
// modules registered (Feed.Watch). A poll works the same on SQLite and
// PostgreSQL, misses nothing across a lost connection or a restart (the
// versions are stored), and needs no connection of its own.
//
// PostgreSQL's LISTEN/NOTIFY would cut the delay below the poll interval,
// but it needs a connection held per instance, loses what is sent while
// that connection is down (so the poll would still be needed), and
// serialises the commits of every transaction that notifies; a second is
// well within "seconds", so the poll alone does the work.
package change

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"sync"
	"time"

	"grassroots/internal/platform/db"
	"grassroots/internal/platform/module"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Shards is how many rows a topic's version is spread over: a write
// bumps one at random, so up to this many writers of one topic commit
// side by side on PostgreSQL instead of queueing on one row lock.
const Shards = 8

// Touch announces that tx changes what topic stands for: the topic's
// version is bumped in tx just before it commits (once per transaction,
// however often it is touched), so the other instances reload after the
// commit and never before. Inside an import's transaction (db.WithTx) the
// bump waits for the outer commit.
func Touch(tx *db.Tx, topic string) {
	tx.BeforeCommit("change:"+topic, func(ctx context.Context, tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, `/* change.Touch */ INSERT INTO platform_changes (topic, shard, version) VALUES (?, ?, 1)
			ON CONFLICT (topic, shard) DO UPDATE SET version = platform_changes.version + 1`, topic, rand.IntN(Shards))
		if err != nil {
			return fmt.Errorf("change: touch %s: %w", topic, err)
		}
		return nil
	})
}

// Feed follows the versions of the topics and runs the watchers of those
// that moved.
type Feed struct {
	db *db.DB

	mu      sync.Mutex
	seen    map[string]int64 // "topic/shard" → version acted on
	primed  bool
	watches map[string][]func(context.Context) error
	polling sync.Mutex // one poll at a time
}

// NewFeed returns a feed over d; call Prime before loading what the
// watchers reload.
func NewFeed(d *db.DB) *Feed {
	return &Feed{db: d, seen: map[string]int64{}, watches: map[string][]func(context.Context) error{}}
}

// Watch has fn run after a write to topic on any instance (this one
// included: it must be cheap to repeat).
func (f *Feed) Watch(topic string, fn func(ctx context.Context) error) {
	f.mu.Lock()
	f.watches[topic] = append(f.watches[topic], fn)
	f.mu.Unlock()
}

// Prime takes the versions as they are now as seen, running nothing. The
// application primes the feed before its start-up loads, so that a write
// committed between the two is reloaded at the first poll rather than
// lost.
func (f *Feed) Prime(ctx context.Context) error {
	f.polling.Lock()
	defer f.polling.Unlock()
	vs, err := f.versions(ctx)
	if err != nil {
		return err
	}
	f.mu.Lock()
	f.seen, f.primed = vs, true
	f.mu.Unlock()
	return nil
}

// Poll reads the versions and runs the watchers of every topic that moved
// since the last poll. A topic whose watcher fails is tried again at the
// next poll.
func (f *Feed) Poll(ctx context.Context) error {
	f.polling.Lock()
	defer f.polling.Unlock()
	vs, err := f.versions(ctx)
	if err != nil {
		return err
	}
	f.mu.Lock()
	if !f.primed {
		f.seen, f.primed = vs, true
		f.mu.Unlock()
		return nil
	}
	moved := map[string][]string{} // topic → its moved "topic/shard" keys
	for k, v := range vs {
		if f.seen[k] != v {
			topic := k[:len(k)-len(shardSuffix(k))]
			moved[topic] = append(moved[topic], k)
		}
	}
	topics := make([]string, 0, len(moved))
	for t := range moved {
		topics = append(topics, t)
	}
	sort.Strings(topics)
	watches := map[string][]func(context.Context) error{}
	for _, t := range topics {
		watches[t] = f.watches[t]
	}
	f.mu.Unlock()
	var errs []error
	for _, t := range topics {
		ok := true
		for _, fn := range watches[t] {
			if err := fn(ctx); err != nil {
				errs = append(errs, fmt.Errorf("change: reload after %s: %w", t, err))
				ok = false
			}
		}
		if ok {
			f.mu.Lock()
			for _, k := range moved[t] {
				f.seen[k] = vs[k]
			}
			f.mu.Unlock()
		}
	}
	return errors.Join(errs...)
}

// shardSuffix returns the "/N" at the end of a "topic/shard" key.
func shardSuffix(k string) string {
	for i := len(k) - 1; i >= 0; i-- {
		if k[i] == '/' {
			return k[i:]
		}
	}
	return ""
}

func (f *Feed) versions(ctx context.Context) (map[string]int64, error) {
	rows, err := f.db.QueryContext(ctx, `/* change.versions */ SELECT topic, shard, version FROM platform_changes`)
	if err != nil {
		return nil, fmt.Errorf("change: read versions: %w", err)
	}
	defer rows.Close()
	vs := map[string]int64{}
	for rows.Next() {
		var topic string
		var shard int
		var v int64
		if err := rows.Scan(&topic, &shard, &v); err != nil {
			return nil, fmt.Errorf("change: read versions: %w", err)
		}
		vs[topic+"/"+strconv.Itoa(shard)] = v
	}
	return vs, rows.Err()
}

// Migrations creates the feed's table.
func Migrations() db.Migrations {
	return db.Migrations{Module: "change", FS: module.Sub(migrationFiles, "migrations")}
}

// Manifest registers the feed's table and its poll, a job of every
// instance run each every.
func Manifest(f *Feed, every time.Duration) module.Manifest {
	m := Migrations()
	return module.Manifest{
		Name: "change", Migrations: &m,
		Jobs: []module.Job{{Name: "change.poll", Every: every, Run: f.Poll}},
	}
}
