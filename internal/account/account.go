// Package account is who may use the platform: user accounts bound to a
// territorial scope (a region subtree, or a department inside one),
// password login with lockout, server-side sessions with an idle timeout,
// and API tokens for machine clients.
package account

import (
	"embed"
	"io/fs"
	"time"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/pii"
	"grassroots/internal/territory"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed messages/*.json
var messageFiles embed.FS

// Migrations returns the module's migrations.
func Migrations() db.Migrations {
	sub, _ := fs.Sub(migrationFiles, "migrations")
	return db.Migrations{Module: "account", FS: sub}
}

// User is an account. Phone is personal data: lists carry it masked.
type User struct {
	ID           int64      `json:"id"`
	Username     string     `json:"username"`
	DisplayName  string     `json:"display_name"`
	Role         authz.Role `json:"role"`
	RegionCode   string     `json:"region_code"`
	DepartmentID int64      `json:"department_id,omitempty"`
	PhoneMasked  string     `json:"phone_masked,omitempty" doc:"mobile number with the middle digits hidden"`
	Disabled     bool       `json:"disabled"`
	LockedUntil  *time.Time `json:"locked_until,omitempty"`
	LastLoginAt  *time.Time `json:"last_login_at,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
	Version      int        `json:"version" doc:"increases with every change; send it back to update"`
	// MustChangePassword: the password was set by someone else, and the
	// holder must choose their own before doing anything else.
	MustChangePassword bool `json:"must_change_password,omitempty"`
	// Organisation is a property company account's company.
	Organisation string `json:"organisation,omitempty"`

	phoneEnc     string
	passwordHash string
	failed       int
}

// Scope is the data scope the user's sessions and tokens act with.
func (u *User) Scope() authz.Scope {
	return authz.Scope{Region: u.RegionCode, Department: u.DepartmentID}
}

// Personal is a user's unmasked personal data; every read is audited.
type Personal struct {
	UserID int64  `json:"user_id"`
	Phone  string `json:"phone"`
}

// UserInput creates an account.
type UserInput struct {
	Username     string     `json:"username"`
	DisplayName  string     `json:"display_name"`
	Role         authz.Role `json:"role"`
	RegionCode   string     `json:"region_code"`
	DepartmentID int64      `json:"department_id,omitempty"`
	// Organisation is the company of a property-company account.
	Organisation string `json:"organisation,omitempty" doc:"property company accounts: the company's name, as cases are dispatched to it"`
	Phone        string `json:"phone,omitempty"`
	Password     string `json:"password"`
}

// UserUpdate changes an account. Nil fields stay as they are. A new
// role, division, department or company (the placement) ends the
// account's sessions and API tokens.
type UserUpdate struct {
	Version      int         `json:"version"`
	DisplayName  *string     `json:"display_name,omitempty"`
	Phone        *string     `json:"phone,omitempty"`
	Disabled     *bool       `json:"disabled,omitempty"`
	Unlock       bool        `json:"unlock,omitempty" doc:"clear a lockout after failed logins"`
	Role         *authz.Role `json:"role,omitempty" doc:"a new role, one you may grant; the account's sessions and tokens end"`
	RegionCode   *string     `json:"region_code,omitempty" doc:"a new division in your scope, at a level the role may sit at"`
	DepartmentID *int64      `json:"department_id,omitempty" doc:"department staff: their department, serving the division; other roles leave theirs"`
	Organisation *string     `json:"organisation,omitempty" doc:"property company accounts: the company's name"`
}

// UserFilter selects users.
type UserFilter struct {
	Region  string // subtree, inside the actor's scope
	Role    authz.Role
	Query   string // username or display name contains
	Phone   string // exact mobile number, matched by keyed hash
	AfterID int64
	Limit   int
}

// Token is an API token's record; the secret is shown only at creation.
type Token struct {
	ID         int64      `json:"id"`
	UserID     int64      `json:"user_id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix" doc:"first characters of the token, to recognise it"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

// NewToken is the answer to creating a token: the only time the secret is shown.
type NewToken struct {
	Token
	Secret string `json:"secret"`
}

// TokenInput creates a token.
type TokenInput struct {
	Name   string `json:"name"`
	UserID int64  `json:"user_id,omitempty" doc:"for an integration account you manage (a personal account's tokens are made by its holder); default yourself"`
}

// Me is what the signed-in actor may read about themselves (PIPL access right).
type Me struct {
	User
	Phone       string       `json:"phone,omitempty"`
	Permissions []authz.Perm `json:"permissions"`
}

// Permissions of this module.
const (
	PermUserView   authz.Perm = "account.user.view"
	PermUserManage authz.Perm = "account.user.manage"
	PermUserPII    authz.Perm = "account.user.pii"
	PermToken      authz.Perm = "account.token"
)

// Grants lists who holds this module's permissions.
func Grants() []authz.Grant {
	managers := []authz.Role{authz.RoleCityAdmin, authz.RoleDistrictStaff, authz.RoleSubdistrictStaff, authz.RoleCommunitySecretary}
	return []authz.Grant{
		{Perm: PermUserView, Roles: managers},
		{Perm: PermUserManage, Roles: managers},
		{Perm: PermUserPII, Roles: managers},
		{Perm: PermToken, Roles: append(append([]authz.Role{}, managers...), authz.RoleCommunityWorker, authz.RoleGridWorker,
			authz.RoleDepartmentStaff, authz.RolePropertyCompany, authz.RoleIntegration)},
	}
}

// regionLevels says at which levels of the tree an account of each role
// may sit: a city admin at the city (a municipality such as 北京 is the
// city at its two-digit code), a community worker in a community, and so on.
var regionLevels = map[authz.Role][]territory.Level{
	authz.RoleCityAdmin:          {territory.LevelCity},
	authz.RoleDistrictStaff:      {territory.LevelDistrict},
	authz.RoleSubdistrictStaff:   {territory.LevelSubdistrict},
	authz.RoleCommunitySecretary: {territory.LevelCommunity},
	authz.RoleCommunityWorker:    {territory.LevelCommunity},
	authz.RoleGridWorker:         {territory.LevelCommunity, territory.LevelGrid},
	authz.RolePartyMember:        {territory.LevelCommunity, territory.LevelGrid},
	authz.RoleResident:           {territory.LevelCommunity, territory.LevelGrid},
	authz.RoleDepartmentStaff:    {territory.LevelCity, territory.LevelDistrict, territory.LevelSubdistrict},
	authz.RolePropertyCompany:    {territory.LevelDistrict, territory.LevelSubdistrict, territory.LevelCommunity},
	authz.RoleIntegration:        {territory.LevelCity, territory.LevelDistrict, territory.LevelSubdistrict},
}

// maskPhone is how lists show a phone.
func maskPhone(p string) string {
	if p == "" {
		return ""
	}
	return pii.MaskPhone(p)
}
