package visits_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"grassroots/internal/apptest"
	"grassroots/internal/platform/pii"
	"grassroots/internal/registry"
	"grassroots/internal/visits"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// today is the fixture's date (China Standard Time).
var today = time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)

// daysAgo is the date n days before the fixture's today.
func daysAgo(n int) string { return today.AddDate(0, 0, -n).Format(time.DateOnly) }

var seq int

// MustHousehold adds a household in the fixture building of grid with one
// member carrying tags, and returns its id.
func MustHousehold(t *testing.T, e *apptest.Env, grid, room string, tags ...string) int64 {
	t.Helper()
	h, err := e.App.Registry.CreateHousehold(e.System(), registry.HouseholdInput{BuildingID: e.Buildings[grid], Room: room, HouseUse: registry.SelfOccupied})
	if err != nil {
		t.Fatalf("household %s %s: %v", grid, room, err)
	}
	seq++
	id17 := fmt.Sprintf("44030319500101%03d", seq)
	if _, err := e.App.Registry.CreatePerson(e.System(), registry.PersonInput{Name: "住户" + strconv.Itoa(seq), IDNumber: id17 + string(pii.IDCheckChar(id17)),
		HouseholdID: h.ID, Relation: "head", Residence: registry.Registered, Tags: tags}); err != nil {
		t.Fatalf("member of %s: %v", room, err)
	}
	return h.ID
}

// MustVisit records a visit over the API and fails unless it is created.
func MustVisit(t *testing.T, c *apptest.Client, household int64, on string) visits.Visit {
	t.Helper()
	r := c.API("POST", "/api/v1/visits", map[string]any{"household_id": household, "visited_on": on, "kind": "home", "note": "测试走访情况"})
	if r.StatusCode != http.StatusCreated {
		t.Fatalf("visit %d on %s: %d %s", household, on, r.StatusCode, r.Body)
	}
	var v visits.Visit
	r.JSON(t, &v)
	return v
}

// MustList reads an API list and fails unless it answers 200.
func MustList[T any](t *testing.T, c *apptest.Client, path string) visits.List[T] {
	t.Helper()
	r := c.Get(path)
	if r.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, r.StatusCode, r.Body)
	}
	var l visits.List[T]
	r.JSON(t, &l)
	return l
}

// auditCount counts audit entries of action.
func auditCount(t *testing.T, e *apptest.Env, action string) int {
	t.Helper()
	var n int
	if err := e.App.DB.QueryRowContext(e.System(), `SELECT COUNT(*) FROM audit_log WHERE action = ?`, action).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// rowCount counts the rows of table.
func rowCount(t *testing.T, e *apptest.Env, table string) int {
	t.Helper()
	var n int
	if err := e.App.DB.QueryRowContext(e.System(), `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func form(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}
