package cases

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/errs"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestRuleTable writes down what every role may do from every status, for
// a case dispatched to a department and one handled by the community, and
// compares it with testdata/rules.golden: a change to who may act, or to
// where an action leads from, shows as a diff to review (go test -update
// after a deliberate change). ok: allowed; 403: not this actor; 409: not
// from this status.
func TestRuleTable(t *testing.T) {
	pol := authz.NewPolicy(Grants())
	const dept = 7
	const region = "360102002001001"
	now := time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC)
	var b strings.Builder
	for _, unit := range []string{UnitDepartment, UnitCommunity, UnitProperty} {
		fmt.Fprintf(&b, "# handled by: %s\n", unit)
		fmt.Fprintf(&b, "%-20s %-22s", "role", "status")
		for _, a := range Actions {
			fmt.Fprintf(&b, " %s", a)
		}
		b.WriteString(" whistle rate\n")
		for _, role := range authz.Roles {
			// Each role at its own level, as its accounts are bound.
			a := &authz.Actor{UserID: 100, Role: role, Perms: pol.Perms(role), Scope: authz.Scope{Region: region[:12]}}
			switch role {
			case authz.RoleCityAdmin, authz.RoleIntegration:
				a.Scope = authz.Scope{Region: region[:4]}
			case authz.RoleDistrictStaff:
				a.Scope = authz.Scope{Region: region[:6]}
			case authz.RoleSubdistrictStaff:
				a.Scope = authz.Scope{Region: region[:9]}
			case authz.RoleGridWorker:
				a.Scope = authz.Scope{Region: region[:12], GridsOnly: true, Grids: []string{region}}
			case authz.RoleDepartmentStaff:
				a.Scope = authz.Scope{Region: region[:6], Department: dept}
			case authz.RolePropertyCompany:
				a.Scope.PropertyOnly, a.Scope.Property = true, "甲一物业"
			}
			for _, row := range append(slices.Clone(Statuses), "dispatched+extension") {
				st, ext := Status(row), 0
				if row == "dispatched+extension" {
					st, ext = Dispatched, 5
				}
				c := &Case{ID: 1, Number: "20261126-00000001", Status: st, RegionCode: region, UnitKind: unit, ReporterID: 200, ExtensionAsked: ext}
				switch unit {
				case UnitDepartment:
					c.DeptID = dept
				case UnitProperty:
					c.UnitName = "甲一物业"
				}
				if st == Closed {
					c.ClosedAt = &now
				}
				fmt.Fprintf(&b, "%-20s %-22s", role, row)
				for _, name := range Actions {
					fmt.Fprintf(&b, " %s", verdict(allowed(a, c, name)))
				}
				_, err := RateVia(a, c)
				fmt.Fprintf(&b, " %s %s\n", verdict(CanWhistle(a, c)), verdict(err))
			}
		}
	}
	got := b.String()
	path := filepath.Join("testdata", "rules.golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if got != string(want) {
		gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := range max(len(gl), len(wl)) {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Errorf("line %d:\n got %s\nwant %s", i+1, g, w)
			}
		}
	}
}

func verdict(err error) string {
	if err == nil {
		return "ok"
	}
	switch errs.CodeOf(err) {
	case errs.Forbidden, errs.Unauthorized:
		return "403"
	case errs.Conflict:
		return "409"
	}
	return "err"
}
