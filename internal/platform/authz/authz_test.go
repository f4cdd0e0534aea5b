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
	} {
		if got := p.CanGrant(tt.from, tt.to); got != tt.want {
			t.Errorf("CanGrant(%s, %s) = %v", tt.from, tt.to, got)
		}
	}
}
