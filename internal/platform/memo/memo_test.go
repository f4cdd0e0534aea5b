package memo

import (
	"testing"
	"time"
)

func TestMemo(t *testing.T) {
	m := &Memo[int]{TTL: 50 * time.Millisecond, Max: 2}
	calls := 0
	get := func() int {
		v, _ := m.Load("a", func() (int, error) { calls++; return calls, nil })
		return v
	}
	if get() != 1 || get() != 1 {
		t.Fatal("the second load must come from the memo")
	}
	m.Clear()
	if get() != 2 {
		t.Error("Clear must force a new computation")
	}
	time.Sleep(60 * time.Millisecond)
	if get() != 3 {
		t.Error("an expired entry must be computed again")
	}
	m.Put("b", 9)
	m.Put("c", 9) // over Max: starts afresh
	if _, ok := m.Get("a"); ok {
		t.Error("the memo must not grow past Max")
	}
}

// A total computed while a write committed and cleared the memo may hold
// the old figures: it is returned to its caller but not kept.
func TestMemoClearDuringLoad(t *testing.T) {
	m := &Memo[int]{TTL: time.Minute}
	v, _ := m.Load("a", func() (int, error) {
		m.Clear() // the write commits while the total is being read
		return 1, nil
	})
	if v != 1 {
		t.Fatalf("Load returned %d", v)
	}
	if _, ok := m.Get("a"); ok {
		t.Error("a value computed across a Clear was stored")
	}
	if v, _ := m.Load("a", func() (int, error) { return 2, nil }); v != 2 {
		t.Errorf("the next load returned %d", v)
	}
	if v, ok := m.Get("a"); !ok || v != 2 {
		t.Errorf("the next load was not stored: %d %v", v, ok)
	}
}
