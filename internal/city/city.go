// Package city is the city profile: which division this installation
// serves and how it presents itself to the outside, its public base URL,
// its Open311 jurisdiction, the frame of its maps and its office hours. It
// is set once, from the command line (`grassroots city set`) or by the
// city administrator on the /city page, stored in the database, audited,
// and held in memory on every instance: a change on one instance shows on
// the others within a poll of the change feed (package change).
//
// Nothing else in the binary names a city: a fresh database without a
// profile serves with no jurisdiction check, maps framed on whatever
// outlines and grids were imported, and the national default office hours.
package city

import (
	"context"
	"embed"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"grassroots/internal/platform/audit"
	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/change"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/module"
	"grassroots/internal/platform/text"
	"grassroots/internal/platform/web"
	"grassroots/internal/platform/workday"
	"grassroots/internal/territory"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed messages/*.json
var messageFiles embed.FS

// Permissions: staff read the profile, the city administrator changes it.
const (
	PermView   authz.Perm = "city.view"
	PermManage authz.Perm = "city.manage"
)

// Topic is the module's change-feed topic: a change of the profile
// touches it, and every instance reads the profile again.
const Topic = "city.profile"

// Profile is the city profile as stored.
type Profile struct {
	Code         string     `json:"code" doc:"division code of the city (a municipality such as 北京: its two-digit code)"`
	Name         string     `json:"name"`
	PublicURL    string     `json:"public_url,omitempty" doc:"public base URL as stored; the serve command's -public-url flag overrides it"`
	Jurisdiction string     `json:"jurisdiction,omitempty" doc:"Open311 jurisdiction_id; empty: requests naming any jurisdiction are served"`
	Centre       string     `json:"centre,omitempty" doc:"map centre set by hand, lon,lat (WGS-84); empty: the centre of the imported outlines"`
	Bounds       string     `json:"bounds,omitempty" doc:"map bounds set by hand, west,south,east,north; empty: those of the imported outlines and grids"`
	Hours        string     `json:"hours" doc:"office hours, e.g. 09:00-12:00,13:30-17:30"`
	SummerHours  string     `json:"summer_hours,omitempty" doc:"office hours in the summer season, e.g. 08:30-12:00,14:30-17:30"`
	Summer       string     `json:"summer,omitempty" doc:"the summer season, MM-DD:MM-DD, e.g. 05-01:09-30"`
	Version      int64      `json:"version"`
	UpdatedBy    string     `json:"updated_by,omitempty"`
	UpdatedAt    *time.Time `json:"updated_at,omitempty"`
}

// Input changes the profile; every field is given (the command line fills
// those not named from the stored profile).
type Input struct {
	Code         string `json:"code"`
	Name         string `json:"name,omitempty" doc:"default: the division's name"`
	PublicURL    string `json:"public_url,omitempty"`
	Jurisdiction string `json:"jurisdiction,omitempty"`
	Centre       string `json:"centre,omitempty"`
	Bounds       string `json:"bounds,omitempty"`
	Hours        string `json:"hours,omitempty" doc:"default: 09:00-12:00,13:00-17:00"`
	SummerHours  string `json:"summer_hours,omitempty"`
	Summer       string `json:"summer,omitempty"`
	// Version is the version the change was made on; when it is not the
	// stored one, someone changed the profile meanwhile and the change is
	// refused (409). 0 skips the check.
	Version int64 `json:"version,omitempty"`
}

// Frame is how maps open before (or without) the data they show.
type Frame struct {
	Centre *[2]float64 `json:"centre,omitempty" doc:"lon, lat"`
	Bounds *[4]float64 `json:"bounds,omitempty" doc:"west, south, east, north"`
	// Source is where it comes from: profile (set by hand), outlines
	// (the imported outlines and grids) or none (maps fit what they show).
	Source string `json:"source" doc:"profile, outlines or none"`
}

// View is the profile with what is in force.
type View struct {
	// Set is false on a database without a profile (the defaults apply).
	Set     bool    `json:"set"`
	Profile Profile `json:"profile"`
	// PublicURL is the base URL in force and PublicURLSource where it
	// comes from: flag (-public-url), profile or none.
	PublicURL       string `json:"public_url"`
	PublicURLSource string `json:"public_url_source" doc:"flag, profile or none"`
	Map             Frame  `json:"map"`
}

// DefaultHours are the office hours of a city without a profile.
var DefaultHours = workday.FormatPeriods(workday.DefaultHours)

// state is what an instance holds of the profile; replaced whole.
type state struct {
	set     bool
	profile Profile
	hours   workday.Hours
	frame   Frame
}

// Service holds the profile.
type Service struct {
	db   *db.DB
	terr *territory.Service
	// flagURL is the -public-url of the serve command: when given it
	// overrides the stored public URL (an operator's setting wins over
	// data, so a proxy move needs no database change).
	flagURL string
	mu      sync.Mutex // serialises loads and changes, so no load undoes a change
	current atomic.Pointer[state]
}

// NewService returns the service with the defaults in force; Load reads
// the stored profile. publicURL is the -public-url flag ("" when not given).
func NewService(d *db.DB, terr *territory.Service, publicURL string) *Service {
	s := &Service{db: d, terr: terr, flagURL: strings.TrimRight(publicURL, "/")}
	s.current.Store(&state{profile: Profile{Hours: DefaultHours}, hours: workday.Hours{Periods: workday.DefaultHours}, frame: Frame{Source: "none"}})
	return s
}

// Load reads the stored profile and works out the map frame: at start, on
// every instance after a change of the profile, and after outlines or
// grids change (they frame the maps of a profile without a frame of its own).
func (s *Service) Load(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok, err := readProfile(ctx, s.db)
	if err != nil {
		return err
	}
	st, err := s.build(ctx, p, ok)
	if err != nil {
		return err
	}
	s.current.Store(st)
	return nil
}

// build makes the state of a stored profile (or of none).
func (s *Service) build(ctx context.Context, p Profile, set bool) (*state, error) {
	st := &state{set: set, profile: p, hours: workday.Hours{Periods: workday.DefaultHours}, frame: Frame{Source: "none"}}
	if !set {
		st.profile = Profile{Hours: DefaultHours}
	} else {
		h, fe := parseHours(p.Hours, p.SummerHours, p.Summer)
		if len(fe) > 0 {
			return nil, fmt.Errorf("city: stored office hours %q: %v", p.Hours, fe.Err())
		}
		st.hours = h
	}
	centre, _ := parseCentre(p.Centre)
	bounds, _ := parseBounds(p.Bounds)
	if centre != nil || bounds != nil {
		st.frame.Source = "profile"
	}
	if centre == nil && bounds != nil {
		c := territory.Extent(*bounds).Centre()
		centre = &c
	}
	if centre == nil || bounds == nil {
		ext, ok, err := s.terr.UnscopedExtent(ctx, p.Code)
		if err != nil {
			return nil, err
		}
		if ok {
			if st.frame.Source == "none" {
				st.frame.Source = "outlines"
			}
			if bounds == nil {
				b := [4]float64(ext)
				bounds = &b
			}
			if centre == nil {
				c := ext.Centre()
				centre = &c
			}
		}
	}
	if centre != nil {
		centre[0], centre[1] = round7(centre[0]), round7(centre[1])
	}
	if bounds != nil {
		for i := range bounds {
			bounds[i] = round7(bounds[i])
		}
	}
	st.frame.Centre, st.frame.Bounds = centre, bounds
	return st, nil
}

// round7 rounds degrees to 1e-7 (about a centimetre), as coordinates are
// written, so that sums of stored numbers show no binary noise.
func round7(x float64) float64 { return math.Round(x*1e7) / 1e7 }

// Current returns the stored profile and whether there is one.
func (s *Service) Current() (Profile, bool) {
	st := s.current.Load()
	return st.profile, st.set
}

// PublicURL returns the public base URL in force: the -public-url flag
// when given, else the stored one ("" when neither: links are relative).
func (s *Service) PublicURL() string {
	u, _ := s.publicURL()
	return u
}

func (s *Service) publicURL() (string, string) {
	switch st := s.current.Load(); {
	case s.flagURL != "":
		return s.flagURL, "flag"
	case st.profile.PublicURL != "":
		return st.profile.PublicURL, "profile"
	}
	return "", "none"
}

// Jurisdiction returns the Open311 jurisdiction_id ("" when none is set:
// every request is served).
func (s *Service) Jurisdiction() string { return s.current.Load().profile.Jurisdiction }

// Changed returns when the profile last changed (zero without one).
func (s *Service) Changed() time.Time {
	if at := s.current.Load().profile.UpdatedAt; at != nil {
		return *at
	}
	return time.Time{}
}

// Hours returns the office hours in force.
func (s *Service) Hours() workday.Hours { return s.current.Load().hours }

// MapView is the frame every map opens on (web.UI.MapView).
func (s *Service) MapView() web.MapView {
	f := s.current.Load().frame
	return web.MapView{Centre: f.Centre, Bounds: f.Bounds}
}

// View returns the profile with what is in force.
func (s *Service) View() View {
	st := s.current.Load()
	u, from := s.publicURL()
	return View{Set: st.set, Profile: st.profile, PublicURL: u, PublicURLSource: from, Map: st.frame}
}

// Calendar returns the working-day calendar base gives, counting working
// hours within the city's office hours. The calendar is derived again only
// when base's calendar or the profile changed.
func (s *Service) Calendar(base func() *workday.Calendar) func() *workday.Calendar {
	type derived struct {
		base *workday.Calendar
		st   *state
		cal  *workday.Calendar
	}
	var cache atomic.Pointer[derived]
	return func() *workday.Calendar {
		b, st := base(), s.current.Load()
		if d := cache.Load(); d != nil && d.base == b && d.st == st {
			return d.cal
		}
		cal := b
		if st.set {
			if c, err := b.WithHours(st.hours); err == nil {
				cal = c
			}
		}
		cache.Store(&derived{base: b, st: st, cal: cal})
		return cal
	}
}

// Set changes the profile. Only a city administrator (or the command
// line) may, for a city in their territory; every change is audited.
// Every bad field is reported at once, naming the rule.
func (s *Service) Set(ctx context.Context, in Input) (Profile, error) {
	a := authz.ActorFrom(ctx)
	if a == nil || !a.Can(PermManage) {
		return Profile{}, errs.E(errs.Forbidden, "err.forbidden")
	}
	p, fe, err := s.check(ctx, in)
	if err != nil {
		return Profile{}, err
	}
	if err := fe.Err(); err != nil {
		return Profile{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var before *Profile
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		if err := tx.Serialize(ctx, Topic); err != nil {
			return err
		}
		cur, ok, err := readProfile(ctx, tx)
		if err != nil {
			return err
		}
		if ok {
			if !a.Scope.Contains(cur.Code) {
				// Another city's profile: not this administrator's to change.
				return errs.E(errs.Forbidden, "err.forbidden")
			}
			if in.Version != 0 && in.Version != cur.Version {
				return errs.E(errs.Conflict, "err.conflict")
			}
			before = &cur
			p.Version = cur.Version + 1
		} else {
			p.Version = 1
		}
		at := tx.Now()
		p.UpdatedBy, p.UpdatedAt = a.Username, &at
		if err := writeProfile(ctx, tx, p); err != nil {
			return err
		}
		change.Touch(tx, Topic)
		var prev any
		if before != nil {
			prev = before
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "city.profile.set", ObjectType: "city_profile", ObjectID: p.Code,
			Region: p.Code, Before: prev, After: p})
	})
	if err != nil {
		return Profile{}, err
	}
	st, err := s.build(ctx, p, true)
	if err != nil {
		return p, err
	}
	s.current.Store(st)
	return p, nil
}

// check validates in and returns the profile it makes.
func (s *Service) check(ctx context.Context, in Input) (Profile, errs.Fields, error) {
	var fe errs.Fields
	p := Profile{Code: strings.TrimSpace(in.Code), Name: text.LineField(&fe, "name", in.Name)}
	if p.Code == "" {
		fe.Add("code", "rule.required", "")
	} else if r, err := s.terr.ContainsRegion(ctx, p.Code); err != nil && errs.CodeOf(err) != errs.NotFound {
		return p, nil, err
	} else if err != nil || !IsCityLevel(r) {
		fe.Add("code", "rule.city_code", "")
	} else if p.Name == "" {
		p.Name = r.Name
	}
	if utf8.RuneCountInString(p.Name) > 50 {
		fe.Add("name", "rule.max_length", "50")
	}
	var err error
	if p.PublicURL, err = CheckPublicURL(in.PublicURL); err != nil {
		fe.Add("public_url", "rule.public_url", "")
	}
	if p.Jurisdiction, err = checkJurisdiction(in.Jurisdiction); err != nil {
		fe.Add("jurisdiction", "rule.jurisdiction", "")
	}
	centre, err := parseCentre(in.Centre)
	if err != nil {
		fe.Add("centre", "rule.centre", "")
	}
	bounds, err := parseBounds(in.Bounds)
	if err != nil {
		fe.Add("bounds", "rule.bounds", "")
	}
	if centre != nil && bounds != nil && (centre[0] < bounds[0] || centre[0] > bounds[2] || centre[1] < bounds[1] || centre[1] > bounds[3]) {
		fe.Add("centre", "rule.centre_in_bounds", "")
	}
	if centre != nil {
		p.Centre = formatFloats(centre[:])
	}
	if bounds != nil {
		p.Bounds = formatFloats(bounds[:])
	}
	hours := strings.TrimSpace(in.Hours)
	if hours == "" {
		hours = DefaultHours
	}
	h, hfe := parseHours(hours, in.SummerHours, in.Summer)
	fe = append(fe, hfe...)
	if len(hfe) == 0 {
		p.Hours = workday.FormatPeriods(h.Periods)
		if len(h.Summer) > 0 {
			p.SummerHours, p.Summer = workday.FormatPeriods(h.Summer), h.Season.String()
		}
	}
	return p, fe, nil
}

// IsCityLevel reports whether r may be the city of a profile: a division
// at city level, or a province-level municipality (直辖市), which is one
// city at its two-digit code.
func IsCityLevel(r territory.Region) bool {
	return r.Level == territory.LevelCity || (r.Level == territory.LevelProvince && territory.IsMunicipality(r.Code))
}

// parseHours reads the office hours, with the summer hours and season
// given together or not at all.
func parseHours(hours, summerHours, summer string) (workday.Hours, errs.Fields) {
	var fe errs.Fields
	var h workday.Hours
	var err error
	if h.Periods, err = workday.ParsePeriods(hours); err != nil {
		fe.Add("hours", "rule.hours", "")
	}
	summerHours, summer = strings.TrimSpace(summerHours), strings.TrimSpace(summer)
	switch {
	case summerHours == "" && summer == "":
	case summerHours == "":
		fe.Add("summer_hours", "rule.summer_pair", "")
	case summer == "":
		fe.Add("summer", "rule.summer_pair", "")
	default:
		if h.Summer, err = workday.ParsePeriods(summerHours); err != nil {
			fe.Add("summer_hours", "rule.hours", "")
		}
		if h.Season, err = workday.ParseSeason(summer); err != nil {
			fe.Add("summer", "rule.season", "")
		}
	}
	return h, fe
}

// CheckPublicURL accepts an absolute http(s) URL of a site root (a host,
// no user, path, query or fragment) and returns it without a trailing
// slash; "" is no URL. The profile and the -public-url flag use it.
func CheckPublicURL(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "" || u.User != nil ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(s, "#") {
		return "", fmt.Errorf("not a site root URL")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return "", fmt.Errorf("not a site root URL")
		}
	}
	return u.Scheme + "://" + strings.ToLower(u.Host), nil
}

// jurisdictionRE is a host name: dot-separated labels of letters, digits
// and inner hyphens, with at least one dot (example.gov.cn).
var jurisdictionRE = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

func checkJurisdiction(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return "", nil
	}
	if len(s) > 253 || !jurisdictionRE.MatchString(s) {
		return "", fmt.Errorf("not a host name")
	}
	return s, nil
}

// floats reads n comma-separated numbers ("" is none).
func floats(s string, n int) ([]float64, error) {
	s = strings.TrimSpace(strings.ReplaceAll(s, "，", ","))
	if s == "" {
		return nil, nil
	}
	parts := strings.Split(s, ",")
	if len(parts) != n {
		return nil, fmt.Errorf("want %d numbers", n)
	}
	out := make([]float64, n)
	for i, p := range parts {
		v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("%q is not a number", p)
		}
		out[i] = v
	}
	return out, nil
}

func parseCentre(s string) (*[2]float64, error) {
	v, err := floats(s, 2)
	if err != nil || v == nil {
		return nil, err
	}
	if v[0] < -180 || v[0] > 180 || v[1] < -90 || v[1] > 90 {
		return nil, fmt.Errorf("out of range")
	}
	return &[2]float64{v[0], v[1]}, nil
}

func parseBounds(s string) (*[4]float64, error) {
	v, err := floats(s, 4)
	if err != nil || v == nil {
		return nil, err
	}
	if v[0] < -180 || v[2] > 180 || v[1] < -90 || v[3] > 90 || v[0] >= v[2] || v[1] >= v[3] {
		return nil, fmt.Errorf("out of range")
	}
	return &[4]float64{v[0], v[1], v[2], v[3]}, nil
}

// formatFloats writes numbers as parseCentre and parseBounds read them.
func formatFloats(xs []float64) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = strconv.FormatFloat(round7(x), 'f', -1, 64)
	}
	return strings.Join(parts, ",")
}

// Grants: every staff role reads the profile (the API), the city
// administrator changes it.
func Grants() []authz.Grant {
	return []authz.Grant{
		{Perm: PermView, Roles: []authz.Role{authz.RoleCityAdmin, authz.RoleDistrictStaff, authz.RoleSubdistrictStaff, authz.RoleCommunitySecretary,
			authz.RoleCommunityWorker, authz.RoleGridWorker, authz.RoleDepartmentStaff, authz.RoleIntegration}},
		{Perm: PermManage, Roles: []authz.Role{authz.RoleCityAdmin}},
	}
}

// Manifest registers the module.
func Manifest(svc *Service) module.Manifest {
	m := db.Migrations{Module: "city", FS: module.Sub(migrationFiles, "migrations")}
	reload := []module.Watch{{Topic: Topic, Reload: svc.Load}, {Topic: territory.TopicGrids, Reload: svc.Load},
		{Topic: territory.TopicBoundaries, Reload: svc.Load}}
	return module.Manifest{
		Name: "city", Migrations: &m, Grants: Grants(), Templates: module.Sub(templateFiles, "templates"), Messages: module.Sub(messageFiles, "messages"),
		Menu:   []web.MenuItem{{Key: "nav.city", Path: "/city", Perm: PermManage, Order: 95, Group: web.GroupAdmin}},
		Routes: func(r *web.Router) { (&handler{svc: svc, ui: r.UI()}).routes(r) },
		Start:  svc.Load,
		Watch:  reload,
	}
}
