// Package party is the Party organisation tree that reaches every
// household — community Party committee → grid branch → building group —
// and organisations in units, with their committees (part-time members
// from co-building units included) and their members: directly managed,
// in-service (registered where they live, 双报到) and floating.
package party

import (
	"embed"
	"time"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/module"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed messages/*.json
var messageFiles embed.FS

// Migrations returns the module's migrations.
func Migrations() db.Migrations {
	return db.Migrations{Module: "party", FS: module.Sub(migrationFiles, "migrations")}
}

// Kind is a kind of Party organisation. Stored; do not rename.
type Kind string

// The kinds, widest first.
const (
	Committee     Kind = "committee"      // 党委 (社区大党委)
	GeneralBranch Kind = "general_branch" // 党总支
	Branch        Kind = "branch"         // 党支部 (网格党支部)
	Group         Kind = "group"          // 党小组 (楼栋党小组)
)

// Kinds lists them.
var Kinds = []Kind{Committee, GeneralBranch, Branch, Group}

// Org is a Party organisation.
type Org struct {
	ID         int64     `json:"id"`
	ParentID   int64     `json:"parent_id,omitempty"`
	Name       string    `json:"name"`
	Kind       Kind      `json:"kind"`
	RegionCode string    `json:"region_code" doc:"the community, grid or area the organisation is attached to"`
	BuildingID int64     `json:"building_id,omitempty" doc:"for a building Party group"`
	UnitName   string    `json:"unit_name,omitempty" doc:"for an organisation in a unit rather than a territory"`
	Secretary  string    `json:"secretary,omitempty"`
	Members    int       `json:"member_count"`
	Children   int       `json:"child_count"`
	Version    int       `json:"version" doc:"send it back with a change; a stale one is refused (409)"`
	CreatedAt  time.Time `json:"created_at"`
}

// OrgInput creates an organisation.
type OrgInput struct {
	ParentID   int64  `json:"parent_id,omitempty"`
	Name       string `json:"name"`
	Kind       Kind   `json:"kind"`
	RegionCode string `json:"region_code"`
	BuildingID int64  `json:"building_id,omitempty"`
	UnitName   string `json:"unit_name,omitempty"`
	Secretary  string `json:"secretary,omitempty"`
}

// CommitteeMember sits on an organisation's committee.
type CommitteeMember struct {
	ID       int64  `json:"id"`
	OrgID    int64  `json:"org_id"`
	Name     string `json:"name"`
	Post     string `json:"post" doc:"secretary, deputy_secretary or member"`
	Unit     string `json:"unit,omitempty" doc:"co-building unit of a part-time member"`
	PartTime bool   `json:"part_time" doc:"兼职委员"`
}

// OrgEdit replaces an organisation's fields, checked as on entry, at the
// version it was read at. A new parent moves it with everything below it.
type OrgEdit struct {
	OrgInput
	Version int `json:"version"`
}

// Category of a Party member. Stored; do not rename.
type Category string

// Categories.
const (
	Direct    Category = "direct"     // 直管党员
	InService Category = "in_service" // 在职党员
	Floating  Category = "floating"   // 流动党员
)

// Categories lists them.
var Categories = []Category{Direct, InService, Floating}

// Statuses of membership.
var Statuses = []string{"full", "probationary"}

// Member is a Party member.
type Member struct {
	ID             int64     `json:"id"`
	OrgID          int64     `json:"org_id"`
	RegionCode     string    `json:"region_code" doc:"where the member lives (home community or grid)"`
	PersonID       int64     `json:"person_id,omitempty" doc:"the resident record, when linked"`
	Name           string    `json:"name"`
	Category       Category  `json:"category"`
	Status         string    `json:"status"`
	Workplace      string    `json:"workplace,omitempty" doc:"workplace Party organisation of an in-service member"`
	ModelHousehold bool      `json:"model_household" doc:"党员示范户"`
	JoinedOn       string    `json:"joined_on,omitempty"`
	Version        int       `json:"version" doc:"send it back with a change; a stale one is refused (409)"`
	CreatedAt      time.Time `json:"created_at"`
}

// MemberInput registers a member.
type MemberInput struct {
	OrgID          int64    `json:"org_id"`
	RegionCode     string   `json:"region_code,omitempty" doc:"defaults to the organisation's"`
	PersonID       int64    `json:"person_id,omitempty"`
	Name           string   `json:"name"`
	Category       Category `json:"category"`
	Status         string   `json:"status"`
	Workplace      string   `json:"workplace,omitempty"`
	ModelHousehold bool     `json:"model_household"`
	JoinedOn       string   `json:"joined_on,omitempty" doc:"YYYY-MM-DD"`
}

// MemberEdit replaces a member's fields, checked as on entry, at the
// version it was read at.
type MemberEdit struct {
	MemberInput
	Version int `json:"version"`
}

// Permissions of this module.
const (
	PermView   authz.Perm = "party.view"
	PermManage authz.Perm = "party.manage"
)

// Grants lists who holds them.
func Grants() []authz.Grant {
	return []authz.Grant{
		{Perm: PermView, Roles: []authz.Role{authz.RoleCityAdmin, authz.RoleDistrictStaff, authz.RoleSubdistrictStaff,
			authz.RoleCommunitySecretary, authz.RoleCommunityWorker, authz.RoleGridWorker}},
		{Perm: PermManage, Roles: []authz.Role{authz.RoleCityAdmin, authz.RoleDistrictStaff, authz.RoleSubdistrictStaff, authz.RoleCommunitySecretary}},
	}
}
