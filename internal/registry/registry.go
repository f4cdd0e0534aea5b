// Package registry is "one standard address, three actuals" (一标三实):
// buildings with standard addresses, households and the houses they live
// in, and the actual population with their personal data sealed at rest.
// Everything is located in a grid and scoped by its code.
package registry

import (
	"embed"
	"encoding/json"
	"io/fs"
	"strings"
	"sync"
	"time"

	"github.com/mozillazg/go-pinyin"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/db"
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
	return db.Migrations{Module: "registry", FS: sub}
}

// Building is a residential building with its standard address.
type Building struct {
	ID         int64           `json:"id"`
	RegionCode string          `json:"region_code"`
	Compound   string          `json:"compound,omitempty" doc:"residential compound (小区)"`
	Name       string          `json:"name"`
	Address    string          `json:"address" doc:"standard address (标准地址)"`
	Floors     int             `json:"floors"`
	Units      int             `json:"units"`
	Lon        *float64        `json:"lon,omitempty"`
	Lat        *float64        `json:"lat,omitempty"`
	CompoundID int64           `json:"compound_id,omitempty"`
	Footprint  json.RawMessage `json:"footprint,omitempty" doc:"GeoJSON Polygon of the building's outline, WGS-84"`
	Version    int             `json:"version" doc:"send it back with a change; a stale one is refused (409)"`
	CreatedAt  time.Time       `json:"created_at"`
}

// HouseUse is how a house is used (实有房屋). Stored; do not rename.
type HouseUse string

// House uses.
const (
	SelfOccupied HouseUse = "self_occupied"
	Rented       HouseUse = "rented"
	Vacant       HouseUse = "vacant"
)

// HouseUses lists them.
var HouseUses = []HouseUse{SelfOccupied, Rented, Vacant}

// Household is a 户, living in one house.
type Household struct {
	ID         int64     `json:"id"`
	RegionCode string    `json:"region_code"`
	BuildingID int64     `json:"building_id,omitempty"`
	Room       string    `json:"room,omitempty"`
	Address    string    `json:"address"`
	HouseUse   HouseUse  `json:"house_use"`
	Members    int       `json:"member_count"`
	Version    int       `json:"version"`
	CreatedAt  time.Time `json:"created_at"`
}

// Residence is a person's residence type (实有人口). Stored; do not rename.
type Residence string

// Residence types.
const (
	Registered Residence = "registered" // 户籍人口
	Permanent  Residence = "permanent"  // 常住人口 (not registered here)
	Floating   Residence = "floating"   // 流动人口
)

// Residences lists them.
var Residences = []Residence{Registered, Permanent, Floating}

// Relations to the household head. Stored; do not rename.
var Relations = []string{"head", "spouse", "child", "parent", "grandchild", "sibling", "other"}

// Tags are the special-care tags used by services and emergencies.
var Tags = []string{"elderly_alone", "disability", "subsistence", "veteran", "left_behind_child", "key_care", "party_member"}

// Person is a resident as lists show them: personal data masked.
type Person struct {
	ID          int64      `json:"id"`
	RegionCode  string     `json:"region_code"`
	HouseholdID int64      `json:"household_id,omitempty"`
	Name        string     `json:"name"`
	IDMasked    string     `json:"id_masked"`
	PhoneMasked string     `json:"phone_masked,omitempty"`
	BirthDate   string     `json:"birth_date"`
	Sex         string     `json:"sex" doc:"male or female, from the ID number"`
	Relation    string     `json:"relation"`
	Residence   Residence  `json:"residence"`
	Tags        []string   `json:"tags"`
	MovedOutAt  *time.Time `json:"moved_out_at,omitempty"`
	Version     int        `json:"version"`
	CreatedAt   time.Time  `json:"created_at"`

	idEnc, phoneEnc string
}

// Age in whole years on day now.
func (p *Person) Age(now time.Time) int {
	b, err := time.Parse("2006-01-02", p.BirthDate)
	if err != nil {
		return 0
	}
	age := now.Year() - b.Year()
	if now.YearDay() < b.YearDay() {
		age--
	}
	return age
}

// PersonInput registers a person.
type PersonInput struct {
	Name        string    `json:"name"`
	IDNumber    string    `json:"id_number" doc:"18-character citizen ID number (GB 11643)"`
	Phone       string    `json:"phone,omitempty"`
	HouseholdID int64     `json:"household_id,omitempty"`
	RegionCode  string    `json:"region_code,omitempty" doc:"grid or community; defaults to the household's"`
	Relation    string    `json:"relation" doc:"relation to the head of the household, required (head, spouse, child, parent, grandchild, sibling, other); head only when the household has none"`
	Residence   Residence `json:"residence"`
	Tags        []string  `json:"tags,omitempty"`
}

// PersonUpdate changes a person; nil fields stay. A corrected ID number
// derives the birth date and sex again. Moving to another household is
// MovePerson.
type PersonUpdate struct {
	Version    int        `json:"version"`
	Name       *string    `json:"name,omitempty"`
	IDNumber   *string    `json:"id_number,omitempty" doc:"a corrected 18-character ID number (GB 11643); birth date and sex follow it"`
	RegionCode *string    `json:"region_code,omitempty" doc:"grid or community"`
	Phone      *string    `json:"phone,omitempty"`
	Relation   *string    `json:"relation,omitempty" doc:"head only when the household has none (a head stays one)"`
	Residence  *Residence `json:"residence,omitempty"`
	Tags       *[]string  `json:"tags,omitempty"`
}

// Personal is a person's unmasked personal data; every read is audited.
type Personal struct {
	PersonID int64  `json:"person_id"`
	IDNumber string `json:"id_number"`
	Phone    string `json:"phone,omitempty"`
}

// PersonFilter selects people. Q matches a name, pinyin initials, an exact
// ID number or phone, or an address.
type PersonFilter struct {
	Region    string
	Q         string
	Tag       string
	Residence Residence
	MovedOut  bool
	// Sort is "" (the search's own order: by id, or by name or initials
	// for a name search) or SortAddress (by the household's address).
	Sort     string
	AfterID  int64
	AfterKey string // with AfterID, the sort key of the last item of a name, initials or address order
	Limit    int
}

// Permissions of this module.
const (
	PermView     authz.Perm = "registry.view"
	PermEdit     authz.Perm = "registry.edit"
	PermPersonal authz.Perm = "registry.personal"
)

// Grants lists who holds this module's permissions.
func Grants() []authz.Grant {
	staff := []authz.Role{authz.RoleCityAdmin, authz.RoleDistrictStaff, authz.RoleSubdistrictStaff,
		authz.RoleCommunitySecretary, authz.RoleCommunityWorker, authz.RoleGridWorker}
	return []authz.Grant{
		{Perm: PermView, Roles: staff},
		{Perm: PermEdit, Roles: []authz.Role{authz.RoleCommunitySecretary, authz.RoleCommunityWorker, authz.RoleGridWorker}},
		// Unmasked ID numbers and phones: the people who work with
		// households directly; district and city see statistics and masks.
		{Perm: PermPersonal, Roles: []authz.Role{authz.RoleCommunitySecretary, authz.RoleCommunityWorker, authz.RoleGridWorker}},
	}
}

// Initials returns the pinyin initials of a Chinese name, e.g. 张三 → zs;
// letters and digits are kept, lower-cased. The surname is read as a
// surname (曾 zeng, not ceng; see surnames); go-pinyin reads the rest one
// character at a time (it has no phrase dictionary), so the initial of
// each character is computed once and remembered.
func Initials(name string) string {
	var b strings.Builder
	sur, name, _ := surnameInitials(name)
	b.WriteString(sur)
	for _, r := range name {
		if r < 128 {
			if r >= '0' && r <= '9' || r >= 'a' && r <= 'z' {
				b.WriteRune(r)
			} else if r >= 'A' && r <= 'Z' {
				b.WriteRune(r + 'a' - 'A')
			}
			continue
		}
		if v, ok := initialOf.Load(r); ok {
			b.WriteString(v.(string))
			continue
		}
		a := pinyin.NewArgs()
		a.Style = pinyin.FirstLetter
		initial := ""
		if p := pinyin.SinglePinyin(r, a); len(p) > 0 {
			initial = p[0]
		}
		initialOf.Store(r, initial)
		b.WriteString(initial)
	}
	return b.String()
}

// initialOf caches the pinyin initial of each character (rune → string).
var initialOf sync.Map
