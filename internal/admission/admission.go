// Package admission is the community work access list (社区工作事项准入清单)
// and the gate through it. A department hands work to communities only
// by a request: one that cites an item of the list in force passes at
// once; one off the list is filed ahead of its start and decided by the
// district's (or the city's) approver within a set number of working days;
// an emergency passes at once with its reason and is reviewed afterwards;
// a negative-list item, and an assessment, inspection or ranking of
// communities that no item allows, is refused with the rule. What passes
// reaches each community's inbox, where it is done with evidence or
// declined as not on the list, which the approver reviews and which counts
// against the department. Communities issue only the listed certificates,
// each with a code anyone can verify. Every figure of the burden is kept
// per community, level, department and month with the write that changes
// it.
//
// The lists are in lists.go, the gate's rules in gate.go, requests and
// decisions in requests.go, the inbox in inbox.go, certificates in
// certificate.go, the figures in burden.go; pages in http.go, the API in
// api.go.
package admission

import (
	"embed"
	"slices"
	"strings"
	"time"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/module"
	"grassroots/internal/platform/pii"
	"grassroots/internal/platform/workday"
	"grassroots/internal/territory"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed messages/*.json
var messageFiles embed.FS

//go:embed starter.json
var starterList []byte

// Migrations returns the module's migrations.
func Migrations() db.Migrations {
	return db.Migrations{Module: "admission", FS: module.Sub(migrationFiles, "migrations")}
}

// Permissions of this module.
const (
	// PermView reads the lists, the requests and the figures of the
	// actor's area (a department: its own requests).
	PermView authz.Perm = "admission.view"
	// PermRequest files a department's request to communities.
	PermRequest authz.Perm = "admission.request"
	// PermDecide decides off-list requests, reviews emergencies and
	// declines: the district's (or the city's) burden-reduction approver.
	PermDecide authz.Perm = "admission.decide"
	// PermInbox works a community's inbox: completes, declines, registers
	// signboards and ledgers, issues certificates.
	PermInbox authz.Perm = "admission.inbox"
	// PermEdit edits the list (a new version) and the gate's periods: the
	// city for the city's list, a district for its own items.
	PermEdit authz.Perm = "admission.edit"
)

// Grants lists who holds the permissions.
func Grants() []authz.Grant {
	return []authz.Grant{
		{Perm: PermView, Roles: []authz.Role{authz.RoleCityAdmin, authz.RoleDistrictStaff, authz.RoleSubdistrictStaff,
			authz.RoleCommunitySecretary, authz.RoleCommunityWorker, authz.RoleDepartmentStaff}},
		{Perm: PermRequest, Roles: []authz.Role{authz.RoleDepartmentStaff}},
		{Perm: PermDecide, Roles: []authz.Role{authz.RoleCityAdmin, authz.RoleDistrictStaff}},
		{Perm: PermInbox, Roles: []authz.Role{authz.RoleCommunitySecretary, authz.RoleCommunityWorker}},
		{Perm: PermEdit, Roles: []authz.Role{authz.RoleCityAdmin, authz.RoleDistrictStaff}},
	}
}

// The values stored for an item; do not rename.
var (
	// Sections of a list: 依法履职, 协助办理, 负面清单, 证明事项.
	Sections = []string{"duty", "assist", "negative", "certificate"}
	// Carriers: the Party organisation (党务), the residents' committee
	// (居务), the community workstation (政务).
	Carriers = []string{"party", "committee", "workstation"}
	// Kinds of work: 工作任务, 报表台账, 挂牌, 调查统计, 专项检查, 考核评比,
	// 证明.
	Kinds = []string{"task", "form", "signboard", "survey", "inspection", "assessment", "certificate"}
	// Frequencies: 一次性, 每月, 每季度, 每年, 按需.
	Frequencies = []string{"once", "monthly", "quarterly", "yearly", "as_needed"}
	// Emergencies that pass the gate at once: life and property
	// (生命财产安全), public safety (公共安全), public health (公共卫生).
	Emergencies = []string{"life_property", "public_safety", "public_health"}
)

// judging are the kinds by which a department would assess, inspect or
// rank communities: refused unless an item allows them.
var judging = []string{"inspection", "assessment"}

// Item is one entry of a list version.
type Item struct {
	ID     int64  `json:"id"`
	ListID int64  `json:"list_id"`
	Code   string `json:"code" doc:"the item's code, the same in every version of its list"`
	// Section: duty (依法履职), assist (协助办理), negative (负面清单), certificate (证明事项).
	Section string `json:"section" doc:"duty, assist, negative or certificate"`
	Title   string `json:"title"`
	// Department is the issuing department as a part of every such
	// department's name (民政局 matches 东湖区民政局); empty: the
	// community's own duty.
	Department string  `json:"department,omitempty" doc:"the issuing department as a part of its name (民政局); empty: the community's own duty"`
	Basis      string  `json:"basis,omitempty" doc:"the law or policy it rests on"`
	Carrier    string  `json:"carrier" doc:"party (党务), committee (居务) or workstation (政务)"`
	Kind       string  `json:"kind" doc:"task, form, signboard, survey, inspection, assessment or certificate"`
	Frequency  string  `json:"frequency" doc:"once, monthly, quarterly, yearly or as_needed"`
	Hours      float64 `json:"hours" doc:"estimated hours a community spends on it each time"`
	Funding    string  `json:"funding,omitempty" doc:"the funding that comes with it (费随事转)"`
	// Instead is, for a negative item, who does the work instead (for a
	// certificate: the body that issues it).
	Instead   string `json:"instead,omitempty" doc:"for a negative item: who does it instead (for a certificate, the body that issues it)"`
	ExpiresOn string `json:"expires_on,omitempty" doc:"YYYY-MM-DD after which it no longer applies; empty: while its version is in force"`
}

// Expired reports whether the item no longer applies on day (YYYY-MM-DD).
func (it Item) Expired(day string) bool { return it.ExpiresOn != "" && it.ExpiresOn < day }

// IssuedBy reports whether department name d issues the item.
func (it Item) IssuedBy(d string) bool {
	return it.Department != "" && strings.Contains(d, it.Department)
}

// List is one version of a city's or a district's list.
type List struct {
	ID            int64      `json:"id"`
	OwnerCode     string     `json:"owner_code" doc:"the city or district whose list it is"`
	OwnerName     string     `json:"owner_name"`
	Version       int        `json:"version"`
	Title         string     `json:"title"`
	EffectiveFrom string     `json:"effective_from" doc:"YYYY-MM-DD"`
	Note          string     `json:"note,omitempty"`
	PublishedAt   *time.Time `json:"published_at,omitempty" doc:"empty: a draft"`
	CreatedBy     string     `json:"created_by"`
	CreatedAt     time.Time  `json:"created_at"`
	Items         []Item     `json:"items,omitempty"`
}

// Settings are the gate's periods, in working days.
type Settings struct {
	LeadDays   int       `json:"lead_days" doc:"working days an off-list request must be filed before it starts (30)"`
	DecideDays int       `json:"decide_days" doc:"working days the approver has to decide it (15)"`
	UpdatedBy  string    `json:"updated_by,omitempty"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// Deps are the services the module uses.
type Deps struct {
	Territory *territory.Service
	Keys      *pii.Keyring
	// Calendar is the working-day calendar cases use.
	Calendar func() *workday.Calendar
	// PublicURL is the site's address, printed on certificates.
	PublicURL func() string
}

// Service is the module's API.
type Service struct {
	db   *db.DB
	deps Deps
}

// NewService returns the service.
func NewService(d *db.DB, deps Deps) *Service {
	return &Service{db: d, deps: deps}
}

// today is the date in China Standard Time, YYYY-MM-DD.
func (s *Service) today() string { return s.db.Now().In(workday.CST).Format(time.DateOnly) }

// month is t's month in China Standard Time, YYYY-MM.
func month(t time.Time) string { return t.In(workday.CST).Format("2006-01") }

// oneOf reports whether v is one of vs.
func oneOf(v string, vs []string) bool { return slices.Contains(vs, v) }
