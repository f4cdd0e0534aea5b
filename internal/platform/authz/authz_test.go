package authz

import "testing"

func TestScopeContains(t *testing.T) {
	sc := Scope{Region: "360102"}
	for code, want := range map[string]bool{"360102": true, "360102002001": true, "360103": false, "3601": false, "36010": false} {
		if sc.Contains(code) != want {
			t.Errorf("Contains(%s) != %v", code, want)
		}
	}
	if (Scope{}).Contains("3601") {
		t.Error("the empty scope must contain nothing")
	}
	if !All.Contains("99") {
		t.Error("All contains everything")
	}
}

func TestPrefixRange(t *testing.T) {
	for in, want := range map[string][2]string{"3601": {"3601", "3602"}, "3609": {"3609", "361"}, "99": {"99", ""}} {
		lo, hi := PrefixRange(in)
		if lo != want[0] || hi != want[1] {
			t.Errorf("PrefixRange(%s) = %s,%s", in, lo, hi)
		}
	}
}

func TestCanGrant(t *testing.T) {
	p := NewPolicy()
	for _, tt := range []struct {
		from, to Role
		want     bool
	}{
		{RoleCommunitySecretary, RoleResident, true},
		{RoleCommunitySecretary, RoleCommunityWorker, true},
		{RoleCommunitySecretary, RoleCommunitySecretary, false},
		{RoleCommunitySecretary, RoleCityAdmin, false},
		{RoleSubdistrictStaff, RoleDistrictStaff, false},
		{RoleCityAdmin, RoleCityAdmin, true},
		{RoleCityAdmin, RoleCommunitySecretary, true},
		{RoleDistrictStaff, RoleDistrictStaff, false},
		// A property company acts for its company: granted by the
		// subdistrict and above only.
		{RoleSubdistrictStaff, RolePropertyCompany, true},
		{RoleCityAdmin, RolePropertyCompany, true},
		{RoleCommunitySecretary, RolePropertyCompany, false},
		{RoleCommunityWorker, RolePropertyCompany, false},
		{RoleDepartmentStaff, RolePropertyCompany, false},
	} {
		if got := p.CanGrant(tt.from, tt.to); got != tt.want {
			t.Errorf("CanGrant(%s, %s) = %v", tt.from, tt.to, got)
		}
	}
}

func TestGridScope(t *testing.T) {
	grids := Scope{Region: "360102002001", GridsOnly: true, Grids: []string{"360102002001001", "360102002001002"}}
	none := Scope{Region: "360102002001", GridsOnly: true}
	community := Scope{Region: "360102002001"}
	for _, tt := range []struct {
		name string
		sc   Scope
		code string
		want bool
	}{
		{"OwnGrid", grids, "360102002001001", true},
		{"SecondGrid", grids, "360102002001002", true},
		{"OtherGrid", grids, "360102002001003", false},
		{"OwnCommunityItself", grids, "360102002001", false},
		{"NoGridAssigned", none, "360102002001001", false},
		{"WholeCommunity", community, "360102002001003", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.sc.Contains(tt.code); got != tt.want {
				t.Errorf("Contains(%s) = %v, want %v", tt.code, got, tt.want)
			}
		})
	}
	if !grids.ContainsOrAbove("360102002001") || grids.ContainsOrAbove("360102002002") {
		t.Error("a grid worker's community is above their grids; a neighbour is not")
	}
	if !community.Covers(grids) || grids.Covers(community) {
		t.Error("the community covers its grid worker, not the other way round")
	}
	if grids.Key() == community.Key() || grids.Key() == none.Key() {
		t.Error("cache keys of different scopes must differ")
	}
	if grids.Home() != "360102002001001" || none.Home() != "" || community.Home() != "360102002001" {
		t.Errorf("home: %q %q %q", grids.Home(), none.Home(), community.Home())
	}
}

// TestCanGrantIntegration: an integration account's permissions may be
// handed out only by an actor holding every one of them.
func TestCanGrantIntegration(t *testing.T) {
	p := NewPolicy([]Grant{
		{Perm: "cases.intake", Roles: []Role{RoleCityAdmin, RoleIntegration}},
		{Perm: "cases.view", Roles: []Role{RoleCityAdmin, RoleSubdistrictStaff, RoleIntegration}},
	})
	if !p.CanGrant(RoleCityAdmin, RoleIntegration) {
		t.Error("the city admin holds intake and view: may create an integration account")
	}
	if p.CanGrant(RoleSubdistrictStaff, RoleIntegration) {
		t.Error("subdistrict staff lack intake: may not create an integration account")
	}
}
