// Package calendar is the working-day calendar every time limit uses: the
// holiday arrangements shipped in the binary (package workday) plus the
// years a city admin loads later, when the State Council publishes them.
// It keeps the merged calendar in memory and swaps it after each load
// commits; the stored files are read again at start, and on every
// instance after a load on any of them (the change feed, package change).
package calendar

import (
	"context"
	"embed"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"grassroots/internal/platform/audit"
	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/change"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/module"
	"grassroots/internal/platform/text"
	"grassroots/internal/platform/web"
	"grassroots/internal/platform/workday"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed messages/*.json
var messageFiles embed.FS

// Permissions.
const (
	PermView   authz.Perm = "calendar.view"
	PermManage authz.Perm = "calendar.manage"
)

// Year is one year the calendar knows.
type Year struct {
	Year     int           `json:"year"`
	Source   string        `json:"source" doc:"embedded (shipped in the binary) or loaded"`
	LoadedBy string        `json:"loaded_by,omitempty"`
	LoadedAt *time.Time    `json:"loaded_at,omitempty"`
	Days     []workday.Day `json:"days" doc:"public holidays (work false) and adjusted working days (work true)"`
}

// YearInput loads one year's arrangement.
type YearInput struct {
	CSV string `json:"csv" doc:"the arrangement as CSV: from,to,kind,name with kind off or work"`
}

// Service holds the calendar.
type Service struct {
	db      *db.DB
	base    *workday.Calendar
	mu      sync.Mutex // serialises loads and reloads, so none drops another's year
	current atomic.Pointer[workday.Calendar]
}

// NewService returns the service with the embedded calendar; Load reads
// the stored years.
func NewService(d *db.DB) (*Service, error) {
	base, err := workday.Shanghai()
	if err != nil {
		return nil, err
	}
	s := &Service{db: d, base: base}
	s.current.Store(base)
	return s, nil
}

// Calendar returns the calendar in force.
func (s *Service) Calendar() *workday.Calendar { return s.current.Load() }

type stored struct {
	year     int
	source   string
	loadedBy string
	loadedAt time.Time
}

func (s *Service) stored(ctx context.Context, q db.Querier) ([]stored, error) {
	return db.Collect(ctx, q, `/* calendar.stored */ SELECT year, source, loaded_by, loaded_at FROM calendar_years ORDER BY year`, nil,
		func(r db.Scanner) (stored, error) {
			var x stored
			err := r.Scan(&x.year, &x.source, &x.loadedBy, &x.loadedAt)
			return x, err
		})
}

// Topic is the module's change-feed topic (package change): loading a
// year touches it, and every instance reads the stored years again.
const Topic = "calendar"

// Load reads the stored years and puts the merged calendar in force: at
// start, and after a year was loaded on any instance.
func (s *Service) Load(ctx context.Context) error {
	s.mu.Lock() // a load that read before a Put must not replace it after
	defer s.mu.Unlock()
	rows, err := s.stored(ctx, s.db)
	if err != nil {
		return fmt.Errorf("calendar: load: %w", err)
	}
	c := s.base
	for _, r := range rows {
		days, err := workday.Parse(strings.NewReader(r.source))
		if err != nil {
			return fmt.Errorf("calendar: stored year %d: %w", r.year, err)
		}
		// Read as Put took them: the names cleaned. A year stored before
		// the text rules is read, not refused.
		var ignored errs.Fields
		cleanNames(&ignored, days)
		c = c.Merge(days)
	}
	s.current.Store(c)
	return nil
}

// Years lists the years known, with their days.
func (s *Service) Years(ctx context.Context) ([]Year, error) {
	rows, err := s.stored(ctx, s.db)
	if err != nil {
		return nil, fmt.Errorf("calendar: years: %w", err)
	}
	loaded := map[int]stored{}
	for _, r := range rows {
		loaded[r.year] = r
	}
	c := s.Calendar()
	var out []Year
	for _, y := range c.Years() {
		yr := Year{Year: y, Source: "embedded", Days: c.Days(y)}
		if r, ok := loaded[y]; ok {
			at := r.loadedAt
			yr.Source, yr.LoadedBy, yr.LoadedAt = "loaded", r.loadedBy, &at
		}
		out = append(out, yr)
	}
	return out, nil
}

// Year returns one known year.
func (s *Service) Year(ctx context.Context, year int) (Year, error) {
	ys, err := s.Years(ctx)
	if err != nil {
		return Year{}, err
	}
	for _, y := range ys {
		if y.Year == year {
			return y, nil
		}
	}
	return Year{}, errs.NotFoundf("kind.calendar_year")
}

// Put stores the arrangement of one year, replacing what the calendar had
// for it; year 0 means the year of the file's dates. Every date must fall
// in that year; a file with any bad line is refused whole, with every bad
// line named.
func (s *Service) Put(ctx context.Context, year int, source string) (Year, error) {
	source = strings.TrimPrefix(source, "\ufeff") // as spreadsheet programs save CSV
	days, err := workday.Parse(strings.NewReader(source))
	if err != nil {
		return Year{}, errs.Field("csv", "rule.calendar_file", err.Error())
	}
	if len(days) == 0 {
		return Year{}, errs.Field("csv", "rule.calendar_file", "no days")
	}
	if year == 0 {
		year, _ = strconv.Atoi(days[0].Date[:4])
	}
	if err := checkYear(year); err != nil {
		return Year{}, err
	}
	var wrong []string
	for _, d := range days {
		if !strings.HasPrefix(d.Date, strconv.Itoa(year)+"-") {
			wrong = append(wrong, d.Date)
		}
	}
	if len(wrong) > 0 {
		return Year{}, errs.Field("csv", "rule.calendar_year", fmt.Sprintf("%d: %s", year, strings.Join(wrong, ", ")))
	}
	var fe errs.Fields
	cleanNames(&fe, days)
	if err := fe.Err(); err != nil {
		return Year{}, err
	}
	actor := authz.ActorFrom(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	cal := s.Calendar()
	var before any
	if cal.Covers(year) {
		before = cal.Days(year)
	}
	var at time.Time
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		at = tx.Now()
		if _, err := tx.ExecContext(ctx, `/* calendar.Put */ INSERT INTO calendar_years (year, source, loaded_by, loaded_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (year) DO UPDATE SET source = excluded.source, loaded_by = excluded.loaded_by, loaded_at = excluded.loaded_at`,
			year, source, actor.Username, at); err != nil {
			return fmt.Errorf("calendar: put %d: %w", year, err)
		}
		change.Touch(tx, Topic)
		return audit.Record(ctx, tx, audit.Entry{Action: "calendar.year.put", ObjectType: "calendar_year", ObjectID: strconv.Itoa(year),
			Region: actor.Scope.Region, Before: before, After: days})
	})
	if err != nil {
		return Year{}, err
	}
	cal = cal.Merge(days)
	s.current.Store(cal)
	return Year{Year: year, Source: "loaded", LoadedBy: actor.Username, LoadedAt: &at, Days: cal.Days(year)}, nil
}

// cleanNames applies the text rules (package text) to the festival
// names of days, as to every name people type: a broken rule is named
// by the first day it was given for (csv[2027-01-28].name), once for a
// run of days.
func cleanNames(fe *errs.Fields, days []workday.Day) {
	told := map[string]bool{}
	for i := range days {
		name, rule := text.Line(days[i].Name)
		if rule != "" && !told[days[i].Name] {
			told[days[i].Name] = true
			fe.Add("csv["+days[i].Date+"].name", rule, "")
		}
		days[i].Name = name
	}
}

// dayField is a day's field in Put's errors.
var dayField = regexp.MustCompile(`^csv\[(\d{4}-\d{2}-\d{2})\]\.name$`)

// fieldMessages translates field errors, naming a day's festival by
// its date.
func (h *handler) fieldMessages(lang string, err error) []string {
	var out []string
	for _, f := range errs.As(err).Fields {
		if m := dayField.FindStringSubmatch(f.Field); m != nil {
			out = append(out, h.ui.Catalog().T(lang, "calendar.name_of", m[1])+": "+h.ui.Catalog().T(lang, f.Rule))
			continue
		}
		out = append(out, h.ui.FieldMessage(lang, f))
	}
	return out
}

func checkYear(year int) error {
	if year < 2000 || year > 2100 {
		return errs.Field("year", "rule.range", "2000–2100")
	}
	return nil
}

// Grants gives every staff role the view and the city admin the loading.
func Grants() []authz.Grant {
	return []authz.Grant{
		{Perm: PermView, Roles: []authz.Role{authz.RoleCityAdmin, authz.RoleDistrictStaff, authz.RoleSubdistrictStaff, authz.RoleCommunitySecretary,
			authz.RoleCommunityWorker, authz.RoleGridWorker, authz.RoleDepartmentStaff}},
		{Perm: PermManage, Roles: []authz.Role{authz.RoleCityAdmin}},
	}
}

// Manifest registers the module.
func Manifest(svc *Service) module.Manifest {
	m := db.Migrations{Module: "calendar", FS: module.Sub(migrationFiles, "migrations")}
	return module.Manifest{
		Name: "calendar", Migrations: &m, Grants: Grants(), Templates: module.Sub(templateFiles, "templates"), Messages: module.Sub(messageFiles, "messages"),
		Menu:   []web.MenuItem{{Key: "nav.calendar", Path: "/calendar", Perm: PermView, Order: 93, Group: web.GroupAdmin}},
		Routes: func(r *web.Router) { (&handler{svc: svc, ui: r.UI()}).routes(r) },
		Start:  svc.Load,
		Watch:  []module.Watch{{Topic: Topic, Reload: svc.Load}},
	}
}

type handler struct {
	svc *Service
	ui  *web.UI
}

func (h *handler) routes(r *web.Router) {
	r.Page("GET /calendar", PermView, h.handlePage)
	r.Page("POST /calendar", PermManage, h.handleUpload)
	r.API("GET /api/v1/calendar", PermView, web.OpDoc{Summary: "Years of the working-day calendar with their holidays and adjusted working days", Tag: "calendar",
		Response: []Year{}}, h.apiList)
	r.API("GET /api/v1/calendar/{year}", PermView, web.OpDoc{Summary: "One year of the working-day calendar", Tag: "calendar", Response: Year{}}, h.apiGet)
	r.API("PUT /api/v1/calendar/{year}", PermManage, web.OpDoc{Summary: "Load or replace one year's holiday arrangement", Tag: "calendar",
		Body: YearInput{}, Response: Year{}}, h.apiPut)
}

type page struct {
	web.Page
	Years     []Year
	CanManage bool
	Errors    []string
	Year      int
}

func (h *handler) page(r *http.Request) (page, error) {
	ys, err := h.svc.Years(r.Context())
	p := page{Page: h.ui.Page(r, "title.calendar"), Years: ys, Year: time.Now().Year() + 1}
	p.CanManage = p.Actor.Can(PermManage)
	return p, err
}

func (h *handler) handlePage(w http.ResponseWriter, r *http.Request) error {
	p, err := h.page(r)
	if err != nil {
		return err
	}
	return h.ui.Render(w, r, http.StatusOK, "calendar", "", p)
}

// upload loads the posted file for the posted year.
func (h *handler) upload(r *http.Request) (int, error) {
	year, err := strconv.Atoi(r.FormValue("year"))
	if err != nil {
		return 0, errs.Field("year", "rule.number", "")
	}
	if err := checkYear(year); err != nil {
		return 0, err
	}
	_, data, err := web.FormFile(r, "file")
	if err != nil {
		return 0, err
	}
	_, err = h.svc.Put(r.Context(), year, string(data))
	return year, err
}

func (h *handler) handleUpload(w http.ResponseWriter, r *http.Request) error {
	year, err := h.upload(r)
	if err != nil {
		if errs.CodeOf(err) != errs.Invalid {
			return err
		}
		p, perr := h.page(r)
		if perr != nil {
			return perr
		}
		p.Errors = h.fieldMessages(p.Lang, err)
		return h.ui.Render(w, r, http.StatusUnprocessableEntity, "calendar", "", p)
	}
	http.Redirect(w, r, "/calendar#y"+strconv.Itoa(year), http.StatusSeeOther)
	return nil
}

func pathYear(r *http.Request) (int, error) {
	y, err := strconv.Atoi(r.PathValue("year"))
	if err != nil {
		return 0, errs.Field("year", "rule.number", "")
	}
	return y, checkYear(y)
}

func (h *handler) apiList(w http.ResponseWriter, r *http.Request) error {
	ys, err := h.svc.Years(r.Context())
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, ys)
}

func (h *handler) apiGet(w http.ResponseWriter, r *http.Request) error {
	year, err := pathYear(r)
	if err != nil {
		return err
	}
	y, err := h.svc.Year(r.Context(), year)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, y)
}

func (h *handler) apiPut(w http.ResponseWriter, r *http.Request) error {
	year, err := pathYear(r)
	if err != nil {
		return err
	}
	var in YearInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	y, err := h.svc.Put(r.Context(), year, in.CSV)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, y)
}
