package visits_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"grassroots/internal/apptest"
)

// TestVisitWithNothingRecordedRefused: a visit that records nothing — no
// note, nobody met, no problem found, a kind alone — is refused on the
// note, through the API and the form (the error beside the note, the
// date kept), and writes nothing; whom the worker met, a note, or a
// problem reported is each enough.
func TestVisitWithNothingRecordedRefused(t *testing.T) {
	e := apptest.New(t)
	hh := MustHousehold(t, e, apptest.GridA1, "101室", "elderly_alone")
	grid := e.Login("grid")
	rows, audits := rowCount(t, e, "visits_visits"), rowCount(t, e, "audit_log")
	r := grid.API("POST", "/api/v1/visits", map[string]any{"household_id": hh, "kind": "home", "note": "  ", "met_with": ""})
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `"field":"note","rule":"visits_empty"`) {
		t.Errorf("API: %d %s", r.StatusCode, r.Body)
	}
	f := grid.Form("/visits", form("household_id", itoa(hh), "kind", "phone", "visited_on", daysAgo(2), "note", ""))
	if f.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("form: %d", f.StatusCode)
	}
	note := regexp.MustCompile(`<textarea id="visit-note"[^>]*>`).FindString(f.Body)
	if !strings.Contains(note, `aria-invalid="true"`) || !strings.Contains(note, `aria-describedby="visit-note-error"`) ||
		!strings.Contains(f.Body, `<span class="field-error" id="visit-note-error">走访情况: 请写下走访情况或见到的人，或上报发现的问题`) {
		t.Errorf("the note's error is not beside it: %s", note)
	}
	if !strings.Contains(f.Body, `value="`+daysAgo(2)+`"`) || !strings.Contains(f.Body, `value="phone" selected`) {
		t.Error("the refused form lost what was chosen")
	}
	if rowCount(t, e, "visits_visits") != rows || rowCount(t, e, "audit_log") != audits {
		t.Fatal("a refused visit wrote")
	}
	for _, body := range []map[string]any{
		{"household_id": hh, "kind": "home", "met_with": "户主"},
		{"household_id": hh, "kind": "phone", "note": "电话询问身体状况"},
		{"household_id": hh, "kind": "home", "issue": map[string]any{"category": "0303", "description": "楼道灯不亮"}},
	} {
		if r := grid.API("POST", "/api/v1/visits", body); r.StatusCode != http.StatusCreated {
			t.Errorf("%v: %d %s", body, r.StatusCode, r.Body)
		}
	}
}
