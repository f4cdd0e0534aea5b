// Package authz holds the roles of DOMAIN.md, the permissions modules
// declare, and the territorial data scope that every query is limited by.
//
// Scope is the platform's core security rule: an actor sees only rows whose
// region code lies in the actor's region subtree (and, for department staff,
// rows addressed to their department). Region codes are hierarchical
// (36 → 3601 → 360102 → 360102002 → 360102002001 → grid +3 digits), so a
// subtree is a code prefix and a prefix is an index range.
package authz

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Role is a kind of account. Stored in the database; do not rename.
type Role string

// The roles of DOMAIN.md "People and what they see".
const (
	RoleCityAdmin          Role = "city_admin"
	RoleDistrictStaff      Role = "district_staff"
	RoleSubdistrictStaff   Role = "subdistrict_staff"
	RoleCommunitySecretary Role = "community_secretary"
	RoleCommunityWorker    Role = "community_worker"
	RoleGridWorker         Role = "grid_worker"
	RoleDepartmentStaff    Role = "department_staff"
	RolePartyMember        Role = "party_member"
	RoleResident           Role = "resident"
	RolePropertyCompany    Role = "property_company"
	RoleIntegration        Role = "integration"
)

// Roles lists every role in order of reach, widest first.
var Roles = []Role{
	RoleCityAdmin, RoleDistrictStaff, RoleSubdistrictStaff, RoleCommunitySecretary,
	RoleCommunityWorker, RoleGridWorker, RoleDepartmentStaff, RolePropertyCompany,
	RolePartyMember, RoleResident, RoleIntegration,
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// NeedsDepartment reports whether accounts of this role must name a department.
func (r Role) NeedsDepartment() bool { return r == RoleDepartmentStaff }

// Perm is a permission. Modules declare theirs in their manifest.
type Perm string

// Special permissions for routes.
const (
	Public        Perm = "public"        // anyone, signed in or not
	Authenticated Perm = "authenticated" // any signed-in actor
)

// Grant gives a permission to roles. Modules list their grants in the
// manifest; the policy is the union of all of them.
type Grant struct {
	Perm  Perm
	Roles []Role
}

// Policy maps each role to its permissions.
type Policy struct {
	perms map[Role]map[Perm]bool
	all   []Perm
}

// NewPolicy builds a policy from module grants.
func NewPolicy(grants ...[]Grant) *Policy {
	p := &Policy{perms: map[Role]map[Perm]bool{}}
	for _, gs := range grants {
		p.Add(gs...)
	}
	return p
}

// Add grants permissions; the application calls it at start-up with each
// module's grants, before serving.
func (p *Policy) Add(grants ...Grant) {
	for _, g := range grants {
		if !slices.Contains(p.all, g.Perm) {
			p.all = append(p.all, g.Perm)
		}
		for _, r := range g.Roles {
			if p.perms[r] == nil {
				p.perms[r] = map[Perm]bool{}
			}
			p.perms[r][g.Perm] = true
		}
	}
	sort.Slice(p.all, func(i, j int) bool { return p.all[i] < p.all[j] })
}

// Perms returns the permissions of role r.
func (p *Policy) Perms(r Role) map[Perm]bool { return p.perms[r] }

// All returns every permission any module declared, sorted.
func (p *Policy) All() []Perm { return p.all }

// CanGrant reports whether an actor with role from may create or manage an
// account with role to: only roles below their own in the order of reach
// (Roles), so nobody hands out their own power or more; the city admin may
// also manage other city admins.
//
// An integration account is a machine holding capabilities, not a person
// below the actor: it may be granted only by an actor who holds every
// permission it would get, so nobody gains a permission (the hotline's
// case intake, say) by creating one.
//
// A property company account acts for the company it names, in every
// case handed to that company: only subdistrict staff and above, who
// deal with the companies serving their area, may grant or manage one;
// a community's staff could otherwise name any company and act for it.
func (p *Policy) CanGrant(from, to Role) bool {
	if to == RolePropertyCompany && rank(from) > rank(RoleSubdistrictStaff) {
		return false
	}
	if to == RoleIntegration {
		for perm := range p.perms[to] {
			if !p.perms[from][perm] {
				return false
			}
		}
	}
	if from == RoleCityAdmin && to == RoleCityAdmin {
		return true
	}
	return rank(from) < rank(to)
}

func rank(r Role) int {
	if i := slices.Index(Roles, r); i >= 0 {
		return i
	}
	return len(Roles)
}

// Scope limits what an actor may see and change.
type Scope struct {
	// All is set only for system jobs and the CLI; grep for authz.All.
	All bool
	// Region is the code of the subtree root; an empty Region without All
	// matches nothing.
	Region string
	// Department, when not zero, limits department-bound rows to this one.
	Department int64
	// GridsOnly limits the scope to the subtrees of Grids inside Region: a
	// grid worker sees the grids assigned to them, not their whole
	// community (DOMAIN.md). With no grid assigned it matches nothing.
	GridsOnly bool
	Grids     []string
	// PropertyOnly limits a property company to what is handed to property
	// companies (the cases dispatched to them), inside Region; the
	// modules with such rows apply it.
	PropertyOnly bool
	Property     string // the company's name
}

// Key identifies the scope in cache keys: two scopes with the same key see
// the same rows.
func (s Scope) Key() string {
	k := fmt.Sprintf("%v/%s/%d", s.All, s.Region, s.Department)
	if s.GridsOnly {
		k += "/g:" + strings.Join(s.Grids, ",")
	}
	if s.PropertyOnly {
		k += "/p:" + s.Property
	}
	return k
}

// Roots are the codes of the subtrees the scope admits: the region, or the
// grids of a grid-limited scope. None for All or the empty scope.
func (s Scope) Roots() []string {
	switch {
	case s.All:
		return nil
	case s.GridsOnly:
		return s.Grids
	case s.Region != "":
		return []string{s.Region}
	}
	return nil
}

// Home is the region a page opens on when none is asked for: the scope's
// region, or a grid-limited actor's first grid ("" when there is none).
func (s Scope) Home() string {
	if s.GridsOnly {
		if len(s.Grids) == 0 {
			return ""
		}
		return s.Grids[0]
	}
	return s.Region
}

// All is the unrestricted scope of system jobs and the command line.
var All = Scope{All: true}

// Contains reports whether region code c lies in the scope's subtree.
func (s Scope) Contains(c string) bool {
	if s.All {
		return true
	}
	for _, r := range s.Roots() {
		if r != "" && strings.HasPrefix(c, r) {
			return true
		}
	}
	return false
}

// ContainsOrAbove reports whether c lies in the scope or is an ancestor of
// one of its roots (a grid worker's community, a resident's district):
// things that serve the actor's area from above.
func (s Scope) ContainsOrAbove(c string) bool {
	if s.Contains(c) {
		return true
	}
	for _, r := range s.Roots() {
		if c != "" && strings.HasPrefix(r, c) {
			return true
		}
	}
	return false
}

// Covers reports whether every row visible in o is visible in s.
func (s Scope) Covers(o Scope) bool {
	if s.All {
		return true
	}
	if o.All {
		return false
	}
	roots := o.Roots()
	if len(roots) == 0 && !o.GridsOnly {
		return false
	}
	for _, r := range roots {
		if !s.Contains(r) {
			return false
		}
	}
	return (s.Department == 0 || s.Department == o.Department) && (!s.PropertyOnly || o.PropertyOnly && o.Property == s.Property)
}

// PrefixRange returns the half-open range [lo, hi) of codes that start with
// prefix; hi is empty when there is no upper bound (a prefix of all nines).
func PrefixRange(prefix string) (lo, hi string) {
	b := []byte(prefix)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < '9' {
			b[i]++
			return prefix, string(b[:i+1])
		}
	}
	return prefix, ""
}

// Actor is the person or machine behind a request.
type Actor struct {
	UserID      int64
	Username    string
	DisplayName string
	Role        Role
	Scope       Scope
	Perms       map[Perm]bool
	TokenID     int64 // set when authenticated by an API token
	// MustChangePassword: the account's password was set by someone else;
	// it holds no permission until its holder has changed it.
	MustChangePassword bool
	// System marks the named actor of system work (System): it holds every
	// permission and the unrestricted scope, and the audit records its name.
	System bool
}

// System returns the actor of system work called name (the deadline
// sweep, the command line, the demo loader): the one way to act with the
// unrestricted scope, so that such work is named in the audit log and easy
// to find. Requests never get it.
func System(name string) *Actor {
	return &Actor{Username: "system:" + name, DisplayName: name, Scope: All, System: true}
}

// Can reports whether the actor holds perm.
func (a *Actor) Can(perm Perm) bool {
	if a == nil {
		return perm == Public
	}
	return perm == Public || perm == Authenticated || a.System || a.Perms[perm]
}

type actorKey struct{}

// WithActor returns ctx carrying a.
func WithActor(ctx context.Context, a *Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor of ctx, nil for anonymous requests.
func ActorFrom(ctx context.Context) *Actor {
	a, _ := ctx.Value(actorKey{}).(*Actor)
	return a
}

// ScopeFrom returns the scope of the actor in ctx; anonymous requests get
// the empty scope, which matches nothing.
func ScopeFrom(ctx context.Context) Scope {
	if a := ActorFrom(ctx); a != nil {
		return a.Scope
	}
	return Scope{}
}
