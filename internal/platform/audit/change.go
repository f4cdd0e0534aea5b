package audit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
)

// A change's audit record holds what changed, not the whole record: the
// names of the changed fields (detail "changed") and, in before and
// after, the old and new values of just those fields, with the version.

// jsonFields is v as its JSON object's fields.
func jsonFields(v any) (map[string]json.RawMessage, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("audit: fields: %w", err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("audit: fields: %w", err)
	}
	return m, nil
}

// Changed names the JSON fields whose values differ between before and
// after, in order, leaving out the version, the creation time and ignore
// (counts and times that no edit sets).
func Changed(before, after any, ignore ...string) ([]string, error) {
	b, err := jsonFields(before)
	if err != nil {
		return nil, err
	}
	a, err := jsonFields(after)
	if err != nil {
		return nil, err
	}
	skip := map[string]bool{"version": true, "created_at": true}
	for _, k := range ignore {
		skip[k] = true
	}
	var out []string
	for k, v := range a {
		if !skip[k] && !bytes.Equal(b[k], v) {
			out = append(out, k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok && !skip[k] {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out, nil
}

// Pick is v's JSON fields named by fields, and its version.
func Pick(v any, fields ...string) (map[string]json.RawMessage, error) {
	m, err := jsonFields(v)
	if err != nil {
		return nil, err
	}
	out := map[string]json.RawMessage{}
	for _, f := range append(fields, "version") {
		if x, ok := m[f]; ok {
			out[f] = x
		}
	}
	return out, nil
}

// Change is the audit entry of a change of the object id, from before to
// after: before and after hold the changed fields only (see Changed),
// with the version, and detail's "changed" names them. A detail that
// names them already (a record whose masked values can hide a change)
// keeps its list.
func Change(action, objectType string, id int64, region string, before, after any, detail map[string]any, ignore ...string) (Entry, error) {
	changed, err := Changed(before, after, ignore...)
	if err != nil {
		return Entry{}, err
	}
	if given, ok := detail["changed"].([]string); ok {
		changed = given
	}
	e := Entry{Action: action, ObjectType: objectType, ObjectID: strconv.FormatInt(id, 10), Region: region}
	if e.Before, err = Pick(before, changed...); err != nil {
		return e, err
	}
	if e.After, err = Pick(after, changed...); err != nil {
		return e, err
	}
	if detail == nil {
		detail = map[string]any{}
	}
	detail["changed"] = changed
	e.Detail = detail
	return e, nil
}
