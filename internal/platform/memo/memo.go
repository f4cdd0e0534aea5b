// Package memo keeps the results of expensive reads (report totals) for a
// short time. The service that owns the data clears its memo after every
// write it commits, so its own instance never serves a stale total, and
// announces the write on the change feed (package change), on which the
// other instances clear theirs within a poll; entries also expire, which
// bounds staleness should an announcement be missed.
package memo

import (
	"sync"
	"time"
)

// Memo maps keys to values for at most TTL.
type Memo[V any] struct {
	TTL time.Duration
	// Max bounds the number of entries; past it the memo starts afresh.
	Max int

	mu      sync.Mutex
	entries map[string]entry[V]
	// gen counts Clears, so that a value computed from data read before
	// a Clear is not stored after it.
	gen uint64
}

type entry[V any] struct {
	at time.Time
	v  V
}

// Get returns the value of key if it is there and fresh.
func (m *Memo[V]) Get(key string) (V, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.entries[key]
	if !ok || time.Since(e.at) > m.TTL {
		var zero V
		return zero, false
	}
	return e.v, true
}

// Put stores the value of key.
func (m *Memo[V]) Put(key string, v V) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.put(key, v)
}

// put stores the value; callers hold m.mu.
func (m *Memo[V]) put(key string, v V) {
	if m.entries == nil || (m.Max > 0 && len(m.entries) >= m.Max) {
		m.entries = map[string]entry[V]{}
	}
	m.entries[key] = entry[V]{at: time.Now(), v: v}
}

// Clear forgets everything; call it after committing a write. The change
// feed calls it on the other instances.
func (m *Memo[V]) Clear() {
	m.mu.Lock()
	m.entries = nil
	m.gen++
	m.mu.Unlock()
}

// Load returns the value of key, computing and storing it when absent. A
// value whose computing overlapped a Clear is returned but not stored: it
// may have read the data from before the write that cleared the memo.
func (m *Memo[V]) Load(key string, compute func() (V, error)) (V, error) {
	if v, ok := m.Get(key); ok {
		return v, nil
	}
	m.mu.Lock()
	gen := m.gen
	m.mu.Unlock()
	v, err := compute()
	if err != nil {
		return v, err
	}
	m.mu.Lock()
	if m.gen == gen {
		m.put(key, v)
	}
	m.mu.Unlock()
	return v, nil
}
