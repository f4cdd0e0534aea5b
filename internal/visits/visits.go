// Package visits is household visits (走访) and grid patrols (巡查): a grid
// worker records a visit to a household and, when a problem is found,
// opens a case from it in the same step; households with special-care
// members are due a visit at an interval set per tag (monthly unless a
// community or subdistrict sets otherwise); a worker starts and ends a
// patrol of their grid, or records one afterwards.
//
// The module reads households through the small Households interface and
// opens cases through CaseOpener; the application passes in the registry
// and cases services. Visit notes and whom the visitor met are personal
// data: sealed at rest, shown only on a visit read by itself, and every
// such read is audited. Handlers are in http.go (pages) and api.go (JSON);
// the due rule is in due.go, patrols in patrol.go, all SQL in store.go.
package visits

import (
	"context"
	"embed"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"grassroots/internal/platform/audit"
	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/module"
	"grassroots/internal/platform/pii"
	"grassroots/internal/platform/text"
	"grassroots/internal/platform/workday"
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
	return db.Migrations{Module: "visits", FS: module.Sub(migrationFiles, "migrations")}
}

// Permissions of this module.
const (
	// PermView lists visits, patrols and due households in the actor's
	// territory, without the visits' notes.
	PermView authz.Perm = "visits.view"
	// PermRecord records visits and patrols: the people who go to the
	// households.
	PermRecord authz.Perm = "visits.record"
	// PermNotes reads a visit's notes and whom the visitor met (personal
	// data; every read is audited).
	PermNotes authz.Perm = "visits.notes"
	// PermConfigure sets the visit intervals of the actor's territory.
	PermConfigure authz.Perm = "visits.configure"
)

// Grants lists who holds the permissions.
func Grants() []authz.Grant {
	staff := []authz.Role{authz.RoleCityAdmin, authz.RoleDistrictStaff, authz.RoleSubdistrictStaff,
		authz.RoleCommunitySecretary, authz.RoleCommunityWorker, authz.RoleGridWorker}
	community := []authz.Role{authz.RoleCommunitySecretary, authz.RoleCommunityWorker, authz.RoleGridWorker}
	return []authz.Grant{
		{Perm: PermView, Roles: staff},
		{Perm: PermRecord, Roles: community},
		{Perm: PermNotes, Roles: community},
		{Perm: PermConfigure, Roles: []authz.Role{authz.RoleCityAdmin, authz.RoleDistrictStaff, authz.RoleSubdistrictStaff, authz.RoleCommunitySecretary}},
	}
}

// Kinds are the kinds of visit: 入户走访, 电话回访, 关爱探访, 政策宣传,
// 矛盾调解, 其他. Stored in the database; do not rename.
var Kinds = []string{"home", "phone", "care", "policy", "mediation", "other"}

// Limits of typed text.
const (
	MaxNote    = 2000
	MaxMetWith = 50
	MaxRoute   = 500
	// MaxBackdate is how far back a visit or patrol may be dated.
	MaxBackdate = 366
)

// Visit is one visit to a household.
type Visit struct {
	ID          int64  `json:"id"`
	RegionCode  string `json:"region_code" doc:"the household's grid (or community)"`
	RegionName  string `json:"region_name"`
	HouseholdID int64  `json:"household_id"`
	Address     string `json:"address" doc:"the household's address when visited"`
	VisitedOn   string `json:"visited_on" doc:"YYYY-MM-DD, China Standard Time"`
	Kind        string `json:"kind" doc:"home (入户走访), phone (电话回访), care (关爱探访), policy (政策宣传), mediation (矛盾调解) or other"`
	HasNote     bool   `json:"has_note"`
	// MetWith and Note are filled only on a visit read by itself by an
	// actor holding PermNotes; that read is audited.
	MetWith    string    `json:"met_with,omitempty" doc:"whom the visitor met; only on a visit read by itself, with visits.notes"`
	Note       string    `json:"note,omitempty" doc:"only on a visit read by itself, with visits.notes"`
	CaseID     int64     `json:"case_id,omitempty" doc:"the case opened from this visit"`
	CaseNumber string    `json:"case_number,omitempty"`
	WorkerID   int64     `json:"worker_id"`
	WorkerName string    `json:"worker_name"`
	CreatedAt  time.Time `json:"created_at"`

	noteEnc, metEnc string
}

// NoteLines are the note's lines, for a page.
func (v Visit) NoteLines() []string {
	if v.Note == "" {
		return nil
	}
	return strings.Split(v.Note, "\n")
}

// VisitInput records a visit.
type VisitInput struct {
	HouseholdID int64  `json:"household_id"`
	VisitedOn   string `json:"visited_on,omitempty" doc:"YYYY-MM-DD; today when empty; at most a year back"`
	Kind        string `json:"kind" doc:"home, phone, care, policy, mediation or other"`
	MetWith     string `json:"met_with,omitempty"`
	Note        string `json:"note,omitempty"`
	// Issue, when given, opens a case located at the household's
	// building in the same step, linked to the visit (发现问题，上报).
	Issue *IssueInput `json:"issue,omitempty" doc:"a problem found: a case is opened at the household's building and linked to the visit"`
}

// IssueInput is a problem found on a visit.
type IssueInput struct {
	Category    string `json:"category" doc:"four-digit sub-class code of the case catalogue"`
	Description string `json:"description" doc:"what the problem is, required; the visit's note is never copied into the case"`
}

// VisitFilter selects visits. Region and Grids narrow the actor's scope
// (a community, the worker's grids); Month is YYYY-MM.
type VisitFilter struct {
	Region      string
	Grids       []string
	HouseholdID int64
	Month       string
	AfterKey    string // cursor: visited_on of the last item seen
	AfterID     int64
	Limit       int
}

// List is a page of a list with the total of the whole list.
type List[T any] struct {
	Items      []T    `json:"items"`
	Total      int    `json:"total" doc:"items in the whole list, not only this page"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// Household is a household as visits see it (package registry provides
// it): where it is, its building's point, its members' tags and names.
type Household struct {
	ID         int64
	RegionCode string
	Address    string
	Lon, Lat   *float64
	Tags       []string
	Members    []string
}

// CareHousehold is a household some of whose current members carry a
// special-care tag.
type CareHousehold struct {
	ID         int64
	RegionCode string
	Address    string
	Tags       []string
}

// Households reads the population registry, always in the scope given.
type Households interface {
	// CareHouseholds lists the households in sc with a tagged current
	// member, narrowed to the subtrees of within when it is not empty.
	CareHouseholds(ctx context.Context, sc authz.Scope, within []string) ([]CareHousehold, error)
	// Household returns one household in sc; outside it, not found.
	Household(ctx context.Context, sc authz.Scope, id int64) (Household, error)
	// Search lists up to limit households in sc whose address contains
	// address.
	Search(ctx context.Context, sc authz.Scope, address string, limit int) ([]Household, error)
}

// CaseInput is a case opened from a visit.
type CaseInput struct {
	Category    string
	Description string
	Address     string
	Lon, Lat    *float64
}

// CaseRef names a case.
type CaseRef struct {
	ID     int64  `json:"id"`
	Number string `json:"number"`
}

// CaseOpener files a case as the actor in ctx; package cases provides it
// (cases.Service.Report). Called with a context carrying the visit's
// transaction, so that the visit and its case are written together.
type CaseOpener func(ctx context.Context, in CaseInput) (CaseRef, error)

// CaseFinder finds a case the actor in ctx may read by its number (or
// id); any other is not found.
type CaseFinder func(ctx context.Context, number string) (CaseRef, error)

// Category is a sub-class of the case catalogue a problem may be filed
// under.
type Category struct {
	Code, Name, NameEN   string
	Class, ClassEN       string
	ClassCode, ClassName string
}

// CategoryClass is a class of the case catalogue with its sub-classes,
// as the visit form groups them.
type CategoryClass struct {
	Code, Name, NameEN string
	Subs               []Category
}

// Label is the class's name in lang.
func (c CategoryClass) Label(lang string) string {
	if lang == "en" && c.NameEN != "" {
		return c.NameEN
	}
	return c.Name
}

// ByClass groups categories by their class, in the order they come.
func ByClass(cs []Category) []CategoryClass {
	var out []CategoryClass
	for _, c := range cs {
		if n := len(out); n == 0 || out[n-1].Code != c.ClassCode {
			out = append(out, CategoryClass{Code: c.ClassCode, Name: c.Class, NameEN: c.ClassEN})
		}
		out[len(out)-1].Subs = append(out[len(out)-1].Subs, c)
	}
	return out
}

// Label is the category's name in lang.
func (c Category) Label(lang string) string {
	if lang == "en" && c.NameEN != "" {
		return c.NameEN
	}
	return c.Name
}

// Deps are the services visits use.
type Deps struct {
	Territory  *territory.Service
	Keys       *pii.Keyring
	Households Households
	OpenCase   CaseOpener
	FindCase   CaseFinder
	// Categories lists the case sub-classes for the problem form.
	Categories func(ctx context.Context) ([]Category, error)
	// GridsOf lists the grids an account serves.
	GridsOf func(ctx context.Context, userID int64) ([]string, error)
	// Tags are the registry's special-care tags, in their order.
	Tags []string
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

// today is the date in China Standard Time.
func (s *Service) today() time.Time {
	y, m, d := s.db.Now().In(workday.CST).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// ThisMonth is the current month, YYYY-MM, in China Standard Time.
func (s *Service) ThisMonth() string { return s.today().Format("2006-01") }

// checkDate reads a YYYY-MM-DD date no later than today and at most
// MaxBackdate days back; empty is today.
func (s *Service) checkDate(fe *errs.Fields, field, v string) string {
	today := s.today()
	v = strings.TrimSpace(v)
	if v == "" {
		return today.Format(time.DateOnly)
	}
	d, err := time.Parse(time.DateOnly, v)
	if err != nil {
		fe.Add(field, "rule.date", "")
		return v
	}
	if d.After(today) || d.Before(today.AddDate(0, 0, -MaxBackdate)) {
		fe.Add(field, "rule.visits_date", strconv.Itoa(MaxBackdate))
	}
	return v
}

// monthRange is [first day, first day of the next month) of month
// YYYY-MM, as dates.
func monthRange(month string) (string, string, error) {
	t, err := time.Parse("2006-01", month)
	if err != nil {
		return "", "", errs.Field("month", "rule.visits_month", "")
	}
	return t.Format(time.DateOnly), t.AddDate(0, 1, 0).Format(time.DateOnly), nil
}

// narrow turns the region and grids a request names into the subtrees
// that narrow sc: a region or grid inside sc narrows to it; a region above
// sc (a grid worker's community) narrows nothing; anything else is not
// found, like a region that does not exist.
func narrow(sc authz.Scope, region string, grids []string) ([]string, error) {
	var within []string
	for _, g := range grids {
		if g == "" {
			continue
		}
		if !sc.Contains(g) {
			return nil, errs.NotFoundf("kind.region")
		}
		within = append(within, g)
	}
	if region != "" {
		switch {
		case sc.Contains(region):
			if len(within) == 0 {
				within = []string{region}
			} else {
				within = slices.DeleteFunc(within, func(g string) bool { return !strings.HasPrefix(g, region) })
				if len(within) == 0 {
					return nil, errs.NotFoundf("kind.region")
				}
			}
		case sc.ContainsOrAbove(region):
		default:
			return nil, errs.NotFoundf("kind.region")
		}
	}
	slices.Sort(within)
	return slices.Compact(within), nil
}

// roots are the subtrees a query under sc narrowed to within reads.
func roots(sc authz.Scope, within []string) []string {
	if len(within) > 0 {
		return within
	}
	return sc.Roots()
}

// bounds are the subtrees (see narrow) and the dates (see monthRange,
// none for no month) a list filter's region, grids and month narrow sc
// to.
func bounds(sc authz.Scope, region string, grids []string, month string) (within []string, from, to string, err error) {
	if within, err = narrow(sc, region, grids); err != nil {
		return nil, "", "", err
	}
	if month != "" {
		if from, to, err = monthRange(month); err != nil {
			return nil, "", "", err
		}
	}
	return within, from, to, nil
}

// listPage reads a page of a list, newest first, with the total of the
// whole list: count counts the list; find reads up to n rows of it after
// the filter's cursor (one more than the page holds, to tell whether
// another page follows); cursor is the next page's cursor after a row.
// limit is the page's size, 50 when not set.
func listPage[T any](limit int, count func() (int, error), find func(n int) ([]T, error), cursor func(T) string) (List[T], error) {
	if limit <= 0 {
		limit = 50
	}
	total, err := count()
	if err != nil {
		return List[T]{}, err
	}
	rows, err := find(limit + 1)
	if err != nil {
		return List[T]{}, err
	}
	out := List[T]{Items: rows, Total: total}
	if len(rows) > limit {
		out.Items = rows[:limit]
		out.NextCursor = cursor(rows[limit-1])
	}
	if out.Items == nil {
		out.Items = []T{}
	}
	return out, nil
}

// nameAll fills the names of items' divisions as the actor sees them
// (see names); region is an item's region code and where its name goes.
func nameAll[T any](ctx context.Context, s *Service, items []T, region func(*T) (code string, name *string)) {
	codes := make([]string, len(items))
	for i := range items {
		codes[i], _ = region(&items[i])
	}
	names := s.names(ctx, codes)
	for i := range items {
		code, name := region(&items[i])
		*name = names[code]
	}
}

// names returns the names of region codes as the actor sees them; a code
// the actor may not read has no name.
func (s *Service) names(ctx context.Context, codes []string) map[string]string {
	out := map[string]string{}
	for _, c := range codes {
		if _, ok := out[c]; ok || c == "" {
			continue
		}
		out[c] = ""
		if r, err := s.deps.Territory.ContainsRegion(ctx, c); err == nil {
			out[c] = r.Name
		}
	}
	return out
}

// RecordVisit records a visit by the actor to a household in their
// territory (a grid worker: in their grids) and, with an issue, opens a
// case at the household's building in the same transaction and links it.
func (s *Service) RecordVisit(ctx context.Context, in VisitInput) (Visit, error) {
	a := authz.ActorFrom(ctx)
	if a == nil {
		return Visit{}, errs.E(errs.Unauthorized, "err.unauthorized")
	}
	var fe errs.Fields
	var hh Household
	if in.HouseholdID <= 0 {
		fe.Add("household_id", "rule.required", "")
	} else {
		var err error
		hh, err = s.deps.Households.Household(ctx, a.Scope, in.HouseholdID)
		if errs.CodeOf(err) == errs.NotFound {
			fe.Add("household_id", "rule.visits_household", "")
		} else if err != nil {
			return Visit{}, err
		}
	}
	in.VisitedOn = s.checkDate(&fe, "visited_on", in.VisitedOn)
	if !slices.Contains(Kinds, in.Kind) {
		fe.Add("kind", "rule.one_of", strings.Join(Kinds, ", "))
	}
	in.MetWith = text.LineField(&fe, "met_with", in.MetWith)
	if utf8.RuneCountInString(in.MetWith) > MaxMetWith {
		fe.Add("met_with", "rule.max_length", strconv.Itoa(MaxMetWith))
	}
	in.Note = text.BlockField(&fe, "note", in.Note)
	if utf8.RuneCountInString(in.Note) > MaxNote {
		fe.Add("note", "rule.max_length", strconv.Itoa(MaxNote))
	}
	// A visit records what came of it: what was found, whom the worker
	// met, or a problem reported from it; a kind alone says nothing.
	if in.Note == "" && in.MetWith == "" && in.Issue == nil {
		fe.Add("note", "rule.visits_empty", "")
	}
	var issue CaseInput
	if in.Issue != nil {
		issue.Category = strings.TrimSpace(in.Issue.Category)
		issue.Description = text.BlockField(&fe, "description", in.Issue.Description)
		if issue.Category == "" {
			fe.Add("category", "rule.required", "")
		}
		// The case says what the problem is in its own words: the visit's
		// note is sealed, read by few and audited, and many more read a
		// case (the subdistrict up to the city, departments, Open311
		// clients), so it is never copied there.
		if issue.Description == "" {
			fe.Add("description", "rule.required", "")
		}
		issue.Address, issue.Lon, issue.Lat = hh.Address, hh.Lon, hh.Lat
	}
	if err := fe.Err(); err != nil {
		return Visit{}, err
	}
	v := Visit{RegionCode: hh.RegionCode, HouseholdID: hh.ID, Address: hh.Address, VisitedOn: in.VisitedOn, Kind: in.Kind,
		HasNote: in.Note != "" || in.MetWith != "", WorkerID: a.UserID, WorkerName: a.DisplayName}
	var err error
	if v.noteEnc, err = s.seal(in.Note); err != nil {
		return Visit{}, err
	}
	if v.metEnc, err = s.seal(in.MetWith); err != nil {
		return Visit{}, err
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		v.CreatedAt = tx.Now()
		if err := insertVisit(ctx, tx, &v); err != nil {
			return err
		}
		if in.Issue != nil {
			ref, err := s.deps.OpenCase(db.WithTx(ctx, tx), issue)
			if err != nil {
				return err
			}
			v.CaseID, v.CaseNumber = ref.ID, ref.Number
			if err := setVisitCase(ctx, tx, v.ID, ref); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "visits.visit.create", ObjectType: "visit", ObjectID: strconv.FormatInt(v.ID, 10),
			Region: v.RegionCode, After: v})
	})
	if err != nil {
		return Visit{}, err
	}
	v.MetWith, v.Note = in.MetWith, in.Note
	v.RegionName = s.names(ctx, []string{v.RegionCode})[v.RegionCode]
	return v, nil
}

func (s *Service) seal(plain string) (string, error) {
	if plain == "" {
		return "", nil
	}
	out, err := s.deps.Keys.Encrypt(plain)
	if err != nil {
		return "", fmt.Errorf("visits: seal: %w", err)
	}
	return out, nil
}

func (s *Service) unseal(sealed string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	out, err := s.deps.Keys.Decrypt(sealed)
	if err != nil {
		return "", fmt.Errorf("visits: unseal: %w", err)
	}
	return out, nil
}

// Visit returns one visit in the actor's territory. An actor holding
// PermNotes gets its notes and whom the visitor met, and the read is
// audited; others get the visit without them.
func (s *Service) Visit(ctx context.Context, id int64) (Visit, error) {
	a := authz.ActorFrom(ctx)
	v, err := findVisit(ctx, s.db, authz.ScopeFrom(ctx), id)
	if err != nil {
		return Visit{}, err
	}
	v.RegionName = s.names(ctx, []string{v.RegionCode})[v.RegionCode]
	if a == nil || !a.Can(PermNotes) || !v.HasNote {
		return v, nil
	}
	if v.Note, err = s.unseal(v.noteEnc); err != nil {
		return Visit{}, err
	}
	if v.MetWith, err = s.unseal(v.metEnc); err != nil {
		return Visit{}, err
	}
	if err := audit.RecordRead(ctx, s.db, audit.Entry{Action: "visits.visit.read", ObjectType: "visit", ObjectID: strconv.FormatInt(v.ID, 10),
		Region: v.RegionCode, Detail: map[string]any{"fields": []string{"note", "met_with"}}}); err != nil {
		return Visit{}, err
	}
	return v, nil
}

// Visits lists the visits in sc, newest first, with the total of the
// whole list. Notes are never in a list.
func (s *Service) Visits(ctx context.Context, sc authz.Scope, f VisitFilter) (List[Visit], error) {
	q := visitQuery{household: f.HouseholdID, afterKey: f.AfterKey, afterID: f.AfterID}
	var err error
	if q.within, q.from, q.to, err = bounds(sc, f.Region, f.Grids, f.Month); err != nil {
		return List[Visit]{}, err
	}
	out, err := listPage(f.Limit,
		func() (int, error) { return countVisits(ctx, s.db, sc, q) },
		func(n int) ([]Visit, error) {
			q.limit = n
			return findVisits(ctx, s.db, sc, q)
		},
		func(v Visit) string { return encodeCursor(v.VisitedOn, v.ID) })
	if err != nil {
		return List[Visit]{}, err
	}
	nameAll(ctx, s, out.Items, func(v *Visit) (string, *string) { return v.RegionCode, &v.RegionName })
	return out, nil
}

// Categories lists the case sub-classes a problem found may be filed
// under.
func (s *Service) Categories(ctx context.Context) ([]Category, error) {
	if s.deps.Categories == nil {
		return nil, nil
	}
	return s.deps.Categories(ctx)
}

// Household returns a household the actor may visit.
func (s *Service) Household(ctx context.Context, id int64) (Household, error) {
	return s.deps.Households.Household(ctx, authz.ScopeFrom(ctx), id)
}

// SearchHouseholds lists up to limit households the actor may visit whose
// address contains address.
func (s *Service) SearchHouseholds(ctx context.Context, address string, limit int) ([]Household, error) {
	return s.deps.Households.Search(ctx, authz.ScopeFrom(ctx), strings.TrimSpace(address), limit)
}
