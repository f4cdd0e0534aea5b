// Package volunteer is 双报到: Party members serving in the community
// where they live, and proving it. A community organises service
// activities (time, venue with its point and fence, capacity, the service
// category); the organiser's phone shows a code that changes every 30
// seconds; a member's phone scans it to check in and again to check out,
// inside the venue's fence when the phone gives its position; the
// organiser sees each member's stay with the anomalies it shows. Only
// verified time counts: photos are never proof.
//
// Activities and check-ins are in activities.go and checkin.go, pages in
// http.go, the API in api.go. The codes, the fence and the review of a
// list of check-ins are internal/attendance's.
package volunteer

import (
	"embed"
	"time"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/module"
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
	return db.Migrations{Module: "volunteer", FS: module.Sub(migrationFiles, "migrations")}
}

// Permissions of this module.
const (
	// PermView lists and reads the activities of the actor's area (a
	// member: of their community).
	PermView authz.Perm = "volunteer.view"
	// PermOrganise creates activities, shows their check-in code and
	// reads who was there: a community's staff.
	PermOrganise authz.Perm = "volunteer.organise"
	// PermCheckIn scans an activity's code: a Party member.
	PermCheckIn authz.Perm = "volunteer.checkin"
)

// Grants lists who holds the permissions.
func Grants() []authz.Grant {
	staff := []authz.Role{authz.RoleCityAdmin, authz.RoleDistrictStaff, authz.RoleSubdistrictStaff,
		authz.RoleCommunitySecretary, authz.RoleCommunityWorker}
	return []authz.Grant{
		{Perm: PermView, Roles: append(append([]authz.Role{}, staff...), authz.RolePartyMember)},
		{Perm: PermOrganise, Roles: []authz.Role{authz.RoleCommunitySecretary, authz.RoleCommunityWorker}},
		{Perm: PermCheckIn, Roles: []authz.Role{authz.RolePartyMember}},
	}
}

// Categories are the service categories (中江's eight). Stored; do not
// rename.
var Categories = []string{"organisation", "legal", "assistance", "governance", "health", "culture", "safety", "other"}

// Limits.
const (
	MaxTitle    = 100
	MaxPlace    = 200
	MaxCapacity = 10000
	// Grace is how long before the start and after the end a scan still
	// counts as inside the activity's window.
	Grace = 30 * time.Minute
	// DefaultRadius is the venue's fence when none is given, in metres.
	DefaultRadius = 200
)

// Activity is a service activity of a community.
type Activity struct {
	ID            int64     `json:"id"`
	CommunityCode string    `json:"community_code"`
	CommunityName string    `json:"community_name"`
	Title         string    `json:"title"`
	Category      string    `json:"category" doc:"organisation, legal, assistance, governance, health, culture, safety or other"`
	Place         string    `json:"place"`
	Lat           *float64  `json:"lat,omitempty" doc:"the venue's point (WGS-84); without it positions are not checked"`
	Lon           *float64  `json:"lon,omitempty"`
	Radius        int       `json:"radius" doc:"the fence around the venue's point, metres"`
	StartsAt      time.Time `json:"starts_at"`
	EndsAt        time.Time `json:"ends_at"`
	Capacity      int       `json:"capacity"`
	MinStay       int       `json:"min_stay" doc:"the shortest stay that counts, minutes"`
	CreatedBy     string    `json:"created_by"`
	CreatedAt     time.Time `json:"created_at"`
	// ConfirmedAt: the organiser confirmed who was there, and the
	// verified minutes went to the members' ledgers.
	ConfirmedAt *time.Time `json:"confirmed_at,omitempty"`
	ConfirmedBy string     `json:"confirmed_by,omitempty"`
	keyEnc      string
}

// Deps are what the module needs of the rest of the application.
type Deps struct {
	Territory *territory.Service
	Keys      *pii.Keyring
	// PublicURL is the site's address, for the link a code's QR carries.
	PublicURL func() string
}

// Service is the module's API.
type Service struct {
	db   *db.DB
	deps Deps
}

// NewService returns the service.
func NewService(d *db.DB, deps Deps) *Service { return &Service{db: d, deps: deps} }

func actorName(a *authz.Actor) string {
	if a == nil {
		return "system"
	}
	return a.DisplayName
}
