package visits_test

import (
	"net/http"
	"strings"
	"testing"

	"grassroots/internal/apptest"
)

// TestVisitIssueNeedsItsOwnDescription: a problem reported from a visit
// says what it is in its own words; the visit's note, sealed and read by
// few, is never copied into the case that many more read. Without a
// description nothing is saved, and the form says which field to fill.
func TestVisitIssueNeedsItsOwnDescription(t *testing.T) {
	e := apptest.New(t)
	hh := MustHousehold(t, e, apptest.GridA1, "101室", "elderly_alone")
	grid := e.Login("grid")
	cases, before := rowCount(t, e, "cases"), rowCount(t, e, "audit_log")
	r := grid.API("POST", "/api/v1/visits", map[string]any{"household_id": hh, "kind": "care", "note": "老人患有糖尿病，独居，子女在外地",
		"issue": map[string]any{"category": "0303"}})
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `"field":"description","rule":"required"`) {
		t.Errorf("an issue without a description over the API: %d %s", r.StatusCode, r.Body)
	}
	f := grid.Form("/visits", form("household_id", itoa(hh), "kind", "care", "note", "老人患有糖尿病，独居，子女在外地", "report", "1", "category", "0303", "description", " "))
	if f.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(f.Body, "field-errors") || !strings.Contains(f.Body, "老人患有糖尿病") {
		t.Errorf("an issue without a description on the form: %d %s", f.StatusCode, f.Body)
	}
	if rowCount(t, e, "visits_visits") != 0 || rowCount(t, e, "cases") != cases || rowCount(t, e, "audit_log") != before {
		t.Fatal("a refused report saved a visit, a case or an audit entry")
	}
	if p := grid.Get("/visits/new?household=" + itoa(hh)); strings.Contains(p.Body, "不填则用走访情况") {
		t.Errorf("the form still says the visit note stands in for the description")
	}
}
