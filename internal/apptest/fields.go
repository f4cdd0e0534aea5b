package apptest

import (
	"encoding/json"
	"testing"
)

// Fields decodes v, an audit entry's before, after or detail, as the JSON
// object it is stored as.
func Fields(t testing.TB, v any) map[string]any {
	t.Helper()
	b, _ := json.Marshal(v)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return m
}
