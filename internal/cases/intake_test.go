package cases_test

import (
	"strings"
	"testing"

	"grassroots/internal/apptest"
	"grassroots/internal/cases"
)

// TestIntakeOnAnotherCity: a report is located to its grid, numbered and
// given its first deadline in a city that is not the demo's; a report
// outside every grid is refused with the field named; a neighbour
// community cannot read it; nothing in intake assumes Nanchang.
func TestIntakeOnAnotherCity(t *testing.T) {
	e := apptest.New(t)
	p := e.Points[apptest.GridA1]
	resident := e.Login("resident")
	r := resident.API("POST", "/api/v1/cases", map[string]any{"category": "0303", "description": "小区门口路灯不亮", "lon": p[0], "lat": p[1]})
	if r.StatusCode != 201 {
		t.Fatalf("report: %d %s", r.StatusCode, r.Body)
	}
	var in cases.Intake
	r.JSON(t, &in)
	if in.Case.RegionCode != apptest.GridA1 || in.Case.Status != cases.Submitted || !strings.HasPrefix(in.Case.Number, "20261126-") || in.Case.StepDueAt == nil {
		t.Fatalf("new case: %+v", in.Case)
	}
	if r := resident.API("POST", "/api/v1/cases", map[string]any{"category": "0303", "description": "城外的路灯不亮", "lon": 100.0, "lat": 30.0}); r.StatusCode != 422 ||
		!strings.Contains(r.Body, `"field":"location"`) {
		t.Errorf("report outside every grid: %d %s", r.StatusCode, r.Body)
	}
	id := strings.TrimSpace(strings.Split(in.Case.Number, "-")[1])
	if r := e.Login("worker").Get("/api/v1/cases/" + strings.TrimLeft(id, "0")); r.StatusCode != 404 {
		t.Errorf("a neighbour community reads the case: %d", r.StatusCode)
	}
	if r := e.Login("secretary").Get("/api/v1/cases/" + strings.TrimLeft(id, "0")); r.StatusCode != 200 {
		t.Errorf("the case's community reads it: %d", r.StatusCode)
	}
}
