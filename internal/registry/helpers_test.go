package registry_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"grassroots/internal/apptest"
	"grassroots/internal/registry"
)

var ctx = context.Background()

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// wrongCheck is id with a wrong check character.
func wrongCheck(id string) string {
	if id[17] == '1' {
		return id[:17] + "2"
	}
	return id[:17] + "1"
}

func pad3(i int) string { return fmt.Sprintf("%03d", i%1000) }

// mustHousehold adds a self-occupied flat to the fixture building of grid.
func mustHousehold(t *testing.T, e *apptest.Env, grid, room string) registry.Household {
	t.Helper()
	h, err := e.App.Registry.CreateHousehold(e.System(), registry.HouseholdInput{BuildingID: e.Buildings[grid], Room: room, HouseUse: registry.SelfOccupied})
	if err != nil {
		t.Fatalf("household %s %s: %v", grid, room, err)
	}
	return h
}

// mustPerson registers a resident as system work, by default a registered
// head of household.
func mustPerson(t *testing.T, e *apptest.Env, in registry.PersonInput) *registry.Person {
	t.Helper()
	if in.Relation == "" {
		in.Relation = "head"
	}
	if in.Residence == "" {
		in.Residence = registry.Registered
	}
	p, err := e.App.Registry.CreatePerson(e.System(), in)
	if err != nil {
		t.Fatalf("person %s: %v", in.Name, err)
	}
	return p
}

// assertCountsExact checks the per-grid totals kept by writes against a
// fresh count of the rows.
func assertCountsExact(t *testing.T, e *apptest.Env) {
	t.Helper()
	var wrong int
	care := make([]string, len(registry.CareTags))
	for i, tag := range registry.CareTags {
		care[i] = "(',' || p.tags || ',') LIKE '%," + tag + ",%'"
	}
	err := e.App.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM registry_region_counts c WHERE
		c.residents <> (SELECT COUNT(*) FROM registry_people p WHERE p.region_code = c.region_code AND p.moved_out_at IS NULL AND p.residence <> 'floating')
		OR c.floating <> (SELECT COUNT(*) FROM registry_people p WHERE p.region_code = c.region_code AND p.moved_out_at IS NULL AND p.residence = 'floating')
		OR c.households <> (SELECT COUNT(*) FROM registry_households h WHERE h.region_code = c.region_code)
		OR c.buildings <> (SELECT COUNT(*) FROM registry_buildings b WHERE b.region_code = c.region_code)
		OR c.care <> (SELECT COUNT(*) FROM registry_people p WHERE p.region_code = c.region_code AND p.moved_out_at IS NULL AND (`+strings.Join(care, " OR ")+`))`).Scan(&wrong)
	if err != nil || wrong != 0 {
		t.Errorf("%d regions with wrong totals (%v)", wrong, err)
	}
}
