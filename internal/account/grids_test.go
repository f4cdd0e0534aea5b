package account_test

import (
	"strings"
	"testing"

	"grassroots/internal/apptest"
)

// TestGridWorkersPage: the community sees who serves each of its grids; a
// neighbour community does not.
func TestGridWorkersPage(t *testing.T) {
	e := apptest.New(t)
	r := e.Login("secretary").Get("/grids/" + apptest.GridA1 + "/workers")
	if r.StatusCode != 200 || !strings.Contains(r.Body, "grid（测试）") {
		t.Fatalf("grid workers page: %d %s", r.StatusCode, r.Body)
	}
	if r := e.Login("worker").Get("/grids/" + apptest.GridA1 + "/workers"); r.StatusCode != 404 {
		t.Errorf("a neighbour community reads the grid's workers: %d", r.StatusCode)
	}
	// A resident sees who serves the grid, not their sign-in name.
	if r := e.Login("resident").Get("/api/v1/grids/" + apptest.GridA1 + "/workers"); r.StatusCode != 200 || strings.Contains(r.Body, `"username":"grid"`) ||
		!strings.Contains(r.Body, "grid（测试）") {
		t.Errorf("grid workers for a resident: %d %s", r.StatusCode, r.Body)
	}
}
