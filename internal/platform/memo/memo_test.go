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
