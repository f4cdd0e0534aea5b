package coverage_test

import (
	"fmt"
	"testing"

	"grassroots/internal/apptest"
	"grassroots/internal/party"
	"grassroots/internal/platform/pii"
	"grassroots/internal/registry"
	"grassroots/internal/units"
	"grassroots/internal/workforce"
)

// validID makes a valid ID number (GB 11643) for a division, a birth date
// (YYYYMMDD) and a sequence.
func validID(division, birth string, seq int) string {
	first := fmt.Sprintf("%s%s%03d", division[:6], birth, seq%1000)
	return first + string(pii.IDCheckChar(first))
}

// mustOrg creates a Party organisation as system work.
func mustOrg(t *testing.T, e *apptest.Env, in party.OrgInput) party.Org {
	t.Helper()
	o, err := e.App.Party.CreateOrg(e.System(), in)
	if err != nil {
		t.Fatalf("party org %s: %v", in.Name, err)
	}
	return o
}

// mustMembers adds n full members, directly managed, to an organisation.
func mustMembers(t *testing.T, e *apptest.Env, org party.Org, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		if _, err := e.App.Party.CreateMember(e.System(), party.MemberInput{OrgID: org.ID, Name: fmt.Sprintf("%s党员%d", org.Name, i+1),
			Category: "direct", Status: "full"}); err != nil {
			t.Fatalf("member of %s: %v", org.Name, err)
		}
	}
}

// mustHouseholds adds n households of two residents each (a head and a
// spouse) to the fixture building of grid; seq keeps the ID numbers apart.
func mustHouseholds(t *testing.T, e *apptest.Env, grid string, n, seq int) {
	t.Helper()
	sys := e.System()
	for i := 0; i < n; i++ {
		h, err := e.App.Registry.CreateHousehold(sys, registry.HouseholdInput{BuildingID: e.Buildings[grid], Room: fmt.Sprintf("1单元%d室", 101+i),
			HouseUse: registry.SelfOccupied})
		if err != nil {
			t.Fatalf("household in %s: %v", grid, err)
		}
		for j, rel := range []string{"head", "spouse"} {
			id := validID(grid, fmt.Sprintf("19%02d0101", 60+i%30), seq+2*i+j)
			if _, err := e.App.Registry.CreatePerson(sys, registry.PersonInput{Name: fmt.Sprintf("居民%d", seq+2*i+j), IDNumber: id, HouseholdID: h.ID,
				Relation: rel, Residence: registry.Registered}); err != nil {
				t.Fatalf("resident in %s: %v", grid, err)
			}
		}
	}
}

// mustWorkers adds n community workers, the first with a social-work
// certificate.
func mustWorkers(t *testing.T, e *apptest.Env, community string, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		cert := "none"
		if i == 0 {
			cert = "assistant"
		}
		if _, err := e.App.Workforce.AddWorker(e.System(), workforce.WorkerInput{RegionCode: community, Name: fmt.Sprintf("社工%d", i+1),
			Post: "social_worker", Certificate: cert, Education: "bachelor"}); err != nil {
			t.Fatalf("worker of %s: %v", community, err)
		}
	}
}

// mustTwoNew adds a "two new" organisation (a social organisation).
func mustTwoNew(t *testing.T, e *apptest.Env, region, name string, withOrg bool) {
	t.Helper()
	if _, err := e.App.Units.Create(e.System(), units.UnitInput{RegionCode: region, Kind: "two_new", Subkind: "social_organisation", Name: name,
		HasPartyOrg: withOrg, WorkCovered: withOrg}); err != nil {
		t.Fatalf("two-new organisation %s: %v", name, err)
	}
}
