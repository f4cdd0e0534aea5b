// Package territory is the administrative tree of DOMAIN.md: city →
// district → subdistrict → community → grid, keyed by the official
// statistical division codes, and the functional departments that serve a
// part of it. Every other module scopes its data by these codes.
package territory

import (
	"embed"
	"io/fs"
	"time"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/db"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed messages/*.json
var messageFiles embed.FS

//go:embed data/nanchang.csv
var nanchangCSV []byte

//go:embed data/nanchang_districts_gcj02.geojson
var nanchangDistricts []byte

// NanchangDistrictsGCJ02 returns approximate outlines of Nanchang's
// districts in GCJ-02 (pre-2019 division, AMap-derived; see the README).
// They serve the demo and geometry tests, never as official boundaries.
func NanchangDistrictsGCJ02() []byte { return nanchangDistricts }

// NanchangCSV returns the real division list of Nanchang (NBS 2023 codes),
// embedded so the binary needs no data files.
func NanchangCSV() []byte { return nanchangCSV }

// Migrations returns the module's migrations.
func Migrations() db.Migrations {
	sub, _ := fs.Sub(migrationFiles, "migrations")
	return db.Migrations{Module: "territory", FS: sub}
}

// Level is a tier of the administrative tree. Stored in the database; do
// not rename.
type Level string

// The levels, top down.
const (
	LevelProvince    Level = "province"
	LevelCity        Level = "city"
	LevelDistrict    Level = "district"
	LevelSubdistrict Level = "subdistrict"
	LevelCommunity   Level = "community"
	LevelGrid        Level = "grid"
)

// Levels lists the levels top down.
var Levels = []Level{LevelProvince, LevelCity, LevelDistrict, LevelSubdistrict, LevelCommunity, LevelGrid}

// codeLen is the length of a code at each level: 2, 4, 6, 9, 12 digits,
// and a grid is its community's code plus 3 digits (GB/T 30428.1 unit grid).
var codeLen = map[Level]int{
	LevelProvince: 2, LevelCity: 4, LevelDistrict: 6, LevelSubdistrict: 9, LevelCommunity: 12, LevelGrid: 15,
}

// Valid reports whether l is a known level.
func (l Level) Valid() bool { _, ok := codeLen[l]; return ok }

// LevelOfCode returns the level a code's length implies.
func LevelOfCode(code string) (Level, bool) {
	for l, n := range codeLen {
		if n == len(code) {
			return l, true
		}
	}
	return "", false
}

// Region is one administrative division.
type Region struct {
	Code       string    `json:"code"`
	Name       string    `json:"name"`
	Level      Level     `json:"level"`
	ParentCode string    `json:"parent_code,omitempty"`
	Kind       string    `json:"kind,omitempty" doc:"for communities: urban (社区) or village (村)"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// Counts is the number of divisions of each level inside a subtree
// (the root itself not counted).
type Counts map[Level]int

// RegionSummary is a region with the counts of its subtree.
type RegionSummary struct {
	Region
	Counts Counts `json:"counts"`
}

// RegionFilter selects regions.
type RegionFilter struct {
	Parent string
	Level  Level
	Name   string // substring
	After  string // cursor: codes greater than this
	Limit  int
}

// Department is a functional department (职能部门) serving a region subtree.
type Department struct {
	ID         int64     `json:"id"`
	Name       string    `json:"name"`
	RegionCode string    `json:"region_code"`
	CreatedAt  time.Time `json:"created_at"`
}

// Permissions of this module.
const (
	PermView             authz.Perm = "territory.view"
	PermManage           authz.Perm = "territory.manage"
	PermDepartmentManage authz.Perm = "territory.department.manage"
	// PermBrowse puts the overview and the departments list in the
	// navigation, for the roles that work with the territory. Residents
	// and Party members hold PermView only to name and map their own area
	// (a case's place); the two pages are no menu of theirs.
	PermBrowse authz.Perm = "territory.browse"
)

// staffRoles are the roles that work with the territory tree.
var staffRoles = []authz.Role{
	authz.RoleCityAdmin, authz.RoleDistrictStaff, authz.RoleSubdistrictStaff, authz.RoleCommunitySecretary,
	authz.RoleCommunityWorker, authz.RoleGridWorker, authz.RoleDepartmentStaff,
}

// Grants lists who holds this module's permissions.
func Grants() []authz.Grant {
	return []authz.Grant{
		{Perm: PermView, Roles: append(append([]authz.Role{}, staffRoles...), authz.RoleIntegration, authz.RolePartyMember, authz.RoleResident, authz.RolePropertyCompany)},
		{Perm: PermBrowse, Roles: append(append([]authz.Role{}, staffRoles...), authz.RoleIntegration, authz.RolePropertyCompany)},
		{Perm: PermManage, Roles: []authz.Role{authz.RoleCityAdmin}},
		{Perm: PermDepartmentManage, Roles: []authz.Role{authz.RoleCityAdmin, authz.RoleDistrictStaff, authz.RoleSubdistrictStaff}},
		{Perm: PermGridManage, Roles: []authz.Role{authz.RoleCityAdmin, authz.RoleDistrictStaff, authz.RoleSubdistrictStaff, authz.RoleCommunitySecretary}},
	}
}
