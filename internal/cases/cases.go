// Package cases is 接诉即办 and 吹哨报到: problems reported from every
// channel, located to a grid, filed under a versioned catalogue, moved
// through accept → register → dispatch → handle → verify → close by a
// state machine with working-day time limits, whistles that call
// departments to a community, residents' satisfaction, monthly evaluation,
// and the Open311 GeoReport v2 interface.
package cases

import (
	"embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"grassroots/internal/platform/authz"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed messages/*.json
var messageFiles embed.FS

//go:embed catalogue/default.json
var defaultCatalogue []byte

// Status is where a case stands. Stored; do not rename.
type Status string

// The statuses.
const (
	Submitted  Status = "submitted"  // 待受理
	Accepted   Status = "accepted"   // 已受理，待立案
	Registered Status = "registered" // 已立案，待派遣
	Dispatched Status = "dispatched" // 已派遣，处置中
	Handled    Status = "handled"    // 已处置，待核查
	Verified   Status = "verified"   // 已核查，待结案
	Closed     Status = "closed"     // 已结案
	Rejected   Status = "rejected"   // 不予立案
	Suspended  Status = "suspended"  // 挂起
	Merged     Status = "merged"     // 已并案
)

// Statuses lists them in workflow order.
var Statuses = []Status{Submitted, Accepted, Registered, Dispatched, Handled, Verified, Closed, Rejected, Suspended, Merged}

// Open reports whether the case still needs work.
func (s Status) Open() bool { return s != Closed && s != Rejected && s != Merged }

// PublicKey is the message key (pstatus.*) of status s as the reporter
// reads it: the few stages a resident follows (受理, 处置, 办结 …), not
// the steps staff tell apart (立案, 核查, 待结案).
func (s Status) PublicKey() string {
	switch s {
	case Accepted, Registered:
		return "pstatus.accepted"
	case Handled, Verified:
		return "pstatus.handled"
	}
	return "pstatus." + string(s)
}

// PublicBadge is the message key of what the reporter reads of where
// case c stands at now: overdue or about to be while open, else its
// public status (PublicKey). The workbench, the list and the case page
// say it alike.
func (c *Case) PublicBadge(now time.Time) string {
	switch {
	case c.Overdue(now):
		return "view.overdue"
	case c.DueSoon(now):
		return "view.due_soon"
	}
	return c.Status.PublicKey()
}

// step names the time limit that runs in status s.
func (s Status) step() string {
	switch s {
	case Submitted:
		return "accept"
	case Accepted:
		return "register"
	case Registered:
		return "dispatch"
	case Dispatched:
		return "handle"
	case Handled:
		return "verify"
	case Verified:
		return "close"
	}
	return ""
}

// Channels a case arrives by. Stored; do not rename.
const (
	ChannelResident = "resident"     // a resident's own report
	ChannelPatrol   = "patrol"       // a grid worker's patrol
	ChannelMember   = "party_member" // a Party member's report
	ChannelStaff    = "staff"        // community or subdistrict staff
	ChannelHotline  = "hotline"      // the 12345 hotline
	ChannelOpen311  = "open311"      // another system over Open311
)

// Channels lists them.
var Channels = []string{ChannelResident, ChannelPatrol, ChannelMember, ChannelStaff, ChannelHotline, ChannelOpen311}

// Unit kinds a case is dispatched to. Stored; do not rename.
const (
	UnitCommunity  = "community"
	UnitDepartment = "department"
	UnitProperty   = "property"
)

// Reject reasons.
var RejectReasons = []string{"duplicate", "out_of_scope", "not_actionable"}

// Satisfaction levels, best first. Stored; do not rename.
var Satisfactions = []string{"very_satisfied", "satisfied", "basic", "unsatisfied"}

// Whistle grounds (吹哨事由).
var Grounds = []string{"pressing_problem", "joint_enforcement", "emergency"}

// Case is a case as lists and pages show it: the reporter's phone masked.
type Case struct {
	ID               int64      `json:"id"`
	Number           string     `json:"number" doc:"case number: date of receipt and id"`
	Channel          string     `json:"channel"`
	ExternalID       string     `json:"external_id,omitempty"`
	Status           Status     `json:"status"`
	Category         string     `json:"category"`
	CategoryName     string     `json:"category_name"`
	CatalogueVersion int        `json:"catalogue_version"`
	Urgency          string     `json:"urgency"`
	Description      string     `json:"description"`
	Address          string     `json:"address,omitempty"`
	Lon              *float64   `json:"lon,omitempty"`
	Lat              *float64   `json:"lat,omitempty"`
	RegionCode       string     `json:"region_code" doc:"grid (or community) the case is located in"`
	DeptID           int64      `json:"dept_id,omitempty"`
	UnitKind         string     `json:"unit_kind,omitempty" doc:"community, department or property"`
	UnitName         string     `json:"unit_name,omitempty"`
	ReporterID       int64      `json:"reporter_id,omitempty"`
	ReporterName     string     `json:"reporter_name,omitempty"`
	PhoneMasked      string     `json:"reporter_phone_masked,omitempty"`
	Anonymous        bool       `json:"anonymous"`
	MergedInto       int64      `json:"merged_into,omitempty"`
	Step             int        `json:"step" doc:"increases at every step, so a notice is pushed once a step"`
	StepStartedAt    time.Time  `json:"step_started_at"`
	StepWarnAt       *time.Time `json:"step_warn_at,omitempty" doc:"from here the step is about to be overdue"`
	StepDueAt        *time.Time `json:"step_due_at,omitempty"`
	RespondDueAt     *time.Time `json:"respond_due_at,omitempty"`
	AcknowledgedAt   *time.Time `json:"acknowledged_at,omitempty"`
	HandleDueAt      *time.Time `json:"handle_due_at,omitempty"`
	HandledAt        *time.Time `json:"handled_at,omitempty"`
	ClosedAt         *time.Time `json:"closed_at,omitempty"`
	ExtensionDays    int        `json:"extension_days"`
	ExtensionAsked   int        `json:"extension_asked,omitempty" doc:"working days asked for and not yet decided"`
	ExtensionReason  string     `json:"extension_reason,omitempty"`
	Supervised       bool       `json:"supervised"`
	Rework           int        `json:"rework" doc:"times sent back for handling again"`
	Resolved         *bool      `json:"resolved,omitempty"`
	Satisfaction     string     `json:"satisfaction,omitempty"`
	RatedAt          *time.Time `json:"rated_at,omitempty"`
	ResumeStatus     Status     `json:"resume_status,omitempty"`
	Version          int        `json:"version"`
	CreatedAt        time.Time  `json:"created_at"`
	UpdatedAt        time.Time  `json:"updated_at"`
	MediaURLs        []string   `json:"media_urls,omitempty" doc:"links to photos or media the reporter's client sent (Open311 media_url); never fetched by the server"`
	SelfHandled      bool       `json:"self_handled" doc:"found and fixed on the spot by a grid worker (自行处置): closed at once, never dispatched, counted apart in rankings"`
	RegionName       string     `json:"region_name,omitempty" doc:"the grid and community (or division) the case lies in, by name"`
	UnitLabel        string     `json:"unit_label,omitempty" doc:"the handling unit by name (unit_name holds a community's code)"`

	phoneEnc string
	// reporterFirst and reporterLast are the name as an Open311 client
	// split it; ReporterName is it in its script's order.
	reporterFirst, reporterLast string
	// sender keys the idempotency of ExternalID: "u<account id>".
	sender string
	// rateLink is the reporter's rating link, sealed (RateLink).
	rateLink string
	// unlocated marks a case filed into its division's 待定位 queue
	// (locate.go): its address matched no building.
	unlocated bool
	// categoryEN is the category's English name (CategoryLabel).
	categoryEN string
	// lastEvent is the timeline entry the change just made wrote, which
	// the page then confirms.
	lastEvent int64
}

// CategoryLabel is the case's category name in lang.
func (c *Case) CategoryLabel(lang string) string {
	if lang == "en" && c.categoryEN != "" {
		return c.categoryEN
	}
	return c.CategoryName
}

// Overdue reports whether the current step is past its deadline at now.
func (c *Case) Overdue(now time.Time) bool {
	return c.Status.Open() && c.StepDueAt != nil && now.After(*c.StepDueAt)
}

// DueSoon reports whether the current step is about to be overdue at now.
func (c *Case) DueSoon(now time.Time) bool {
	return c.Status.Open() && c.StepWarnAt != nil && !now.Before(*c.StepWarnAt) && !c.Overdue(now)
}

// Event is one entry of a case's timeline.
type Event struct {
	ID         int64     `json:"id"`
	CaseID     int64     `json:"case_id"`
	Action     string    `json:"action"`
	FromStatus Status    `json:"from_status"`
	ToStatus   Status    `json:"to_status"`
	ActorName  string    `json:"actor_name"`
	ActorRole  string    `json:"actor_role"`
	Note       string    `json:"note,omitempty"`
	Detail     string    `json:"detail,omitempty"`
	PhotoIDs   []int64   `json:"photo_ids,omitempty"`
	At         time.Time `json:"at"`
	// Public entries are what the reporter and the public read (status
	// changes, replies to the reporter); the rest is for staff only.
	Public bool `json:"public" doc:"read by the reporter and the public: status changes and replies written for the reporter; otherwise internal"`

	actorID int64
}

// Permissions of this module.
const (
	PermReport    authz.Perm = "cases.report"    // report a case
	PermView      authz.Perm = "cases.view"      // see cases in scope
	PermManage    authz.Perm = "cases.manage"    // accept, register, dispatch, close …
	PermHandle    authz.Perm = "cases.handle"    // acknowledge, handle, return, ask for time
	PermVerify    authz.Perm = "cases.verify"    // verify on the spot
	PermSupervise authz.Perm = "cases.supervise" // 督办 from a higher level
	PermWhistle   authz.Perm = "cases.whistle"   // blow the whistle, rate departments
	PermEvaluate  authz.Perm = "cases.evaluate"  // rankings and monthly reports
	PermConfigure authz.Perm = "cases.configure" // catalogue and evaluation weights
	PermIntake    authz.Perm = "cases.intake"    // 12345 push and batch import
	// PermSelfHandle records a problem found and fixed on the spot
	// (自行处置), closed at once, within the actor's own grids or community.
	PermSelfHandle authz.Perm = "cases.self_handle"
)

// Grants lists who holds this module's permissions.
func Grants() []authz.Grant {
	city, district, sub := authz.RoleCityAdmin, authz.RoleDistrictStaff, authz.RoleSubdistrictStaff
	sec, worker, grid := authz.RoleCommunitySecretary, authz.RoleCommunityWorker, authz.RoleGridWorker
	dept, prop := authz.RoleDepartmentStaff, authz.RolePropertyCompany
	return []authz.Grant{
		{Perm: PermReport, Roles: []authz.Role{city, district, sub, sec, worker, grid, authz.RolePartyMember, authz.RoleResident, authz.RoleIntegration}},
		// The 12345 centre follows every case it sent (and the city's).
		{Perm: PermView, Roles: []authz.Role{city, district, sub, sec, worker, grid, dept, prop, authz.RoleIntegration}},
		{Perm: PermManage, Roles: []authz.Role{city, district, sub, sec, worker}},
		{Perm: PermHandle, Roles: []authz.Role{sec, worker, grid, dept, prop}},
		{Perm: PermVerify, Roles: []authz.Role{sec, worker, grid}},
		{Perm: PermSupervise, Roles: []authz.Role{city, district, sub}},
		{Perm: PermWhistle, Roles: []authz.Role{sub, sec, worker}},
		{Perm: PermEvaluate, Roles: []authz.Role{city, district, sub, sec, worker, dept}},
		{Perm: PermConfigure, Roles: []authz.Role{city}},
		{Perm: PermIntake, Roles: []authz.Role{city, authz.RoleIntegration}},
		{Perm: PermSelfHandle, Roles: []authz.Role{sec, worker, grid}},
	}
}

// channelOf is the channel of a report made by role.
func channelOf(r authz.Role) string {
	switch r {
	case authz.RoleResident:
		return ChannelResident
	case authz.RoleGridWorker:
		return ChannelPatrol
	case authz.RolePartyMember:
		return ChannelMember
	case authz.RoleIntegration:
		return ChannelHotline
	}
	return ChannelStaff
}

// LatV and LonV are the point for pages (zero when there is none).
func (c *Case) LatV() float64 {
	if c.Lat == nil {
		return 0
	}
	return *c.Lat
}

// LonV is the longitude for pages.
func (c *Case) LonV() float64 {
	if c.Lon == nil {
		return 0
	}
	return *c.Lon
}

// IsResolved reports the reporter's verdict "resolved".
func (c *Case) IsResolved() bool { return c.Resolved != nil && *c.Resolved }

// Detail is one fact of a timeline entry, for pages: ValueKey, when set,
// is the message key of the value.
type Detail struct {
	Key, Value, ValueKey string
}

// Details lists the facts of the entry's detail, in a stable order.
func (e Event) Details() []Detail {
	var m map[string]any
	if e.Detail == "" || json.Unmarshal([]byte(e.Detail), &m) != nil {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	family := map[string]string{"ground": "ground.", "satisfaction": "sat.", "reason": "reason.", "channel": "channel.", "via": "via."}
	var out []Detail
	for _, k := range keys {
		if k == "department_id" || k == "replaced_by_id" {
			continue // an id, for ownEvents; the name beside it is shown
		}
		d := Detail{Key: k}
		switch v := m[k].(type) {
		case bool:
			d.ValueKey = map[bool]string{true: "yes", false: "no"}[v]
		case string:
			d.Value = v
			if f, ok := family[k]; ok {
				d.ValueKey = f + v
			}
			if k == "unit" {
				if _, name, ok := strings.Cut(v, ":"); ok {
					d.Value = name
				}
			}
		default:
			d.Value = fmt.Sprint(v)
		}
		out = append(out, d)
	}
	return out
}
