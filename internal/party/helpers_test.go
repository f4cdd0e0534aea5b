package party_test

import (
	"context"
	"strconv"
	"testing"

	"grassroots/internal/apptest"
	"grassroots/internal/party"
	"grassroots/internal/registry"
)

var ctx = context.Background()

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// mustOrg creates a Party organisation as system work.
func mustOrg(t *testing.T, e *apptest.Env, in party.OrgInput) party.Org {
	t.Helper()
	o, err := e.App.Party.CreateOrg(e.System(), in)
	if err != nil {
		t.Fatalf("party org %s: %v", in.Name, err)
	}
	return o
}

// mustCommittees gives each fixture community its Party committee
// (社区大党委), named after the community: 甲一社区大党委, 乙一社区大党委.
func mustCommittees(t *testing.T, e *apptest.Env) (a, b party.Org) {
	t.Helper()
	a = mustOrg(t, e, party.OrgInput{Name: "甲一社区大党委", Kind: party.Committee, RegionCode: apptest.CommunityA})
	b = mustOrg(t, e, party.OrgInput{Name: "乙一社区大党委", Kind: party.Committee, RegionCode: apptest.CommunityB})
	return a, b
}

// mustPerson registers a resident of region.
func mustPerson(t *testing.T, e *apptest.Env, name, id, region string) *registry.Person {
	t.Helper()
	p, err := e.App.Registry.CreatePerson(e.System(), registry.PersonInput{Name: name, IDNumber: id, RegionCode: region,
		Relation: "head", Residence: registry.Registered})
	if err != nil {
		t.Fatalf("person %s: %v", name, err)
	}
	return p
}

// auditCount is the number of audit rows.
func auditCount(t *testing.T, e *apptest.Env) int {
	t.Helper()
	var n int
	if err := e.App.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
